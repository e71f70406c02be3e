#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs requirements.lock into it, and installs
# Debian's chromium for the desk's browser tests, nginx for make run-prod and redis-server
# for the lock store's Redis restart test (tests/services). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

install_chromium() {
  command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy \
    && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } \
    && [ -x /usr/bin/redis-server ] && return
  local apt=(apt-get)
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "chromium is missing; install Debian's chromium package as root" >&2; exit 1; }
    apt=(sudo apt-get)
  fi
  echo "Installing Debian's chromium and a Chinese font (browser tests, readable screenshots), nginx (make run-prod) and redis-server (services tests)"
  export DEBIAN_FRONTEND=noninteractive
  local packages=(chromium fonts-wqy-microhei nginx redis-server)
  "${apt[@]}" install -y -q --no-install-recommends "${packages[@]}" >/dev/null \
    || { "${apt[@]}" update -q >/dev/null \
         && "${apt[@]}" install -y -q --no-install-recommends "${packages[@]}" >/dev/null; }
}

install_chromium

find_python310() {
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    prefix=$(pyenv prefix 3.10.13 2>/dev/null || pyenv prefix 3.10 2>/dev/null || true)
    if [ -n "$prefix" ] && [ -x "$prefix/bin/python3.10" ]; then echo "$prefix/bin/python3.10"; return; fi
  fi
  for candidate in python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  python=$(find_python310) || { echo "Python 3.10 not found (try: pyenv install 3.10.13)" >&2; exit 1; }
  echo "Creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi

stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo ".venv is up to date with requirements.lock"
  exit 0
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==24.0"
.venv/bin/python -m pip install --quiet -r requirements.lock
.venv/bin/python -m pip check
echo "$want" > "$stamp"
echo "Installed requirements.lock into .venv"
