#!/usr/bin/env bash
# Installs what a fresh machine lacks: the npm packages (when node_modules is
# missing or older than the lockfile) and, with --chromium, Debian's chromium
# for the Playwright tests (Playwright's own browser download is not used).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# A symlinked node_modules is an install shared with another checkout: never
# reinstall through it (npm ci would empty the other checkout's copy).
if [ -L node_modules ]; then
  [ -d node_modules/ ] || { echo "node_modules points nowhere: $(readlink node_modules)" >&2; exit 1; }
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error || { echo "npm ci failed" >&2; exit 1; }
fi

if [ "${1:-}" = "--chromium" ]; then
  CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$CHROMIUM_PATH" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "Chromium is missing: the browser tests need Debian's chromium." >&2
      echo "Install it as root:  apt-get update && apt-get install -y --no-install-recommends chromium fonts-liberation" >&2
      echo "or point CHROMIUM_PATH at a Chromium binary." >&2
      exit 1
    fi
    echo "==> installing Debian's chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    for i in 1 2 3; do
      apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/tmp/dma-explorer-apt.log 2>&1 && break
      echo "apt-get attempt $i failed; retrying" >&2; sleep 5
    done
    [ -x "$CHROMIUM_PATH" ] || { echo "chromium could not be installed (see /tmp/dma-explorer-apt.log)" >&2; exit 1; }
  fi
fi
