#!/usr/bin/env bash
# Rasa's own checks: the training data validates cleanly, and the dialogue test
# stories are predicted without a single error by the current (cached) model.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD" TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore
.venv/bin/rasa data validate --fail-on-warnings --quiet
model=$(.venv/bin/python -m bot.cli train | tail -n 1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.venv/bin/rasa test core --model "$model" --stories tests/stories \
  --fail-on-prediction-errors --out "$out" --quiet
if grep -q "story:" "$out/failed_test_stories.yml" 2>/dev/null; then
  cat "$out/failed_test_stories.yml"
  echo "rasa test core: some test stories were mispredicted" >&2
  exit 1
fi
stories=$(cat tests/stories/*.yml | grep -c -- "- story:")
echo "rasa test core: $stories test stories, 0 failed"
