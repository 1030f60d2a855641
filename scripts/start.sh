#!/usr/bin/env bash
# npm start: installs what is missing, builds the explorer and serves it.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh || exit 1
echo "==> building"
./node_modules/.bin/vite build --logLevel warn || exit 1
PORT="${PORT:-4173}"
echo "==> DMA Explorer: http://127.0.0.1:${PORT}/"
exec ./node_modules/.bin/vite preview --port "$PORT" --strictPort --host 127.0.0.1
