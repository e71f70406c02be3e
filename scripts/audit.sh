#!/usr/bin/env bash
# `make audit`: known vulnerabilities in requirements.lock (pip-audit, PyPI's advisory data).
# pip-audit lives in its own venv (var/audit-venv): it needs packaging>=23, while Rasa 3.6
# pins packaging<21, so it cannot share .venv. Exit codes: see scripts/audit.py
# (0 clean, 1 untriaged finding, 2 the audit could not be done — never a silent pass).
set -uo pipefail
cd "$(dirname "$0")/.."

PIP_AUDIT_VERSION=2.10.1
VENV=var/audit-venv
REPORT=var/audit/report.json

# Findings triaged in README.md ("Dependency audit"): one --ignore-vuln per advisory id,
# each with the package and why it does not affect us or what we do about it.
IGNORED=(
  # (none yet: no finding has been reported for the current lock; see the README)
)

mkdir -p var/audit
if [[ ! -x "$VENV/bin/pip-audit" ]] || ! "$VENV/bin/pip-audit" --version 2>/dev/null \
    | grep -q " $PIP_AUDIT_VERSION"; then
  python_bin=.venv/bin/python
  [[ -x "$python_bin" ]] || python_bin=python3
  "$python_bin" -m venv "$VENV" && "$VENV/bin/python" -m pip install --quiet \
    "pip-audit==$PIP_AUDIT_VERSION" 2> var/audit/install.log \
    || { cat var/audit/install.log >&2; echo "make audit: could not install pip-audit" >&2; exit 2; }
fi

rm -f "$REPORT"
ignore_args=()
for id in "${IGNORED[@]}"; do ignore_args+=(--ignore-vuln "$id"); done
# --no-deps/--disable-pip: the lock pins the whole tree; nothing is resolved or installed.
"$VENV/bin/pip-audit" -r requirements.lock --no-deps --disable-pip \
  --vulnerability-service pypi --progress-spinner off --desc off --aliases on \
  --timeout 20 --format json --output "$REPORT" "${ignore_args[@]}" 2> var/audit/pip-audit.log
status=$?
if [[ $status -ne 0 && $status -ne 1 ]]; then cat var/audit/pip-audit.log >&2; fi
checker=.venv/bin/python
[[ -x "$checker" ]] || checker=python3
"$checker" scripts/audit.py "$REPORT"
verdict=$?
# pip-audit exits 1 on findings; anything else non-zero means it did not finish.
if [[ $verdict -eq 0 && $status -ne 0 ]]; then
  echo "make audit: pip-audit exited $status" >&2
  exit 2
fi
exit $verdict
