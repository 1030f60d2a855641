#!/usr/bin/env bash
# npm test: the whole suite on a fresh machine. Installs what it needs, then runs
# typecheck, unit and property tests, the built-in scenario library, a build and
# the Playwright tests in Debian's chromium. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export NO_COLOR=1
OUT=.ci-out; rm -rf "$OUT"; mkdir -p "$OUT"
T0=$(date +%s)
step() { printf '\n=== %s (t+%ss)\n' "$1" "$(( $(date +%s) - T0 ))"; }
die() { echo "FATAL: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

step "dependencies"
bash scripts/ensure-deps.sh --chromium || die "could not install what the tests need"

step "typecheck"
# The two checks of `npm run typecheck` (the app, and the engine without DOM or
# Node types) side by side: each tsc uses one core.
./node_modules/.bin/tsc --noEmit -p tsconfig.json > "$OUT/tsc-app.log" 2>&1 &
TSC_APP=$!
./node_modules/.bin/tsc --noEmit -p tsconfig.sim.json > "$OUT/tsc-sim.log" 2>&1
TSC_SIM_RC=$?
wait "$TSC_APP"
TSC_APP_RC=$?
cat "$OUT/tsc-app.log" "$OUT/tsc-sim.log"
[ "$TSC_APP_RC" -eq 0 ] && [ "$TSC_SIM_RC" -eq 0 ] || die "typecheck failed"

step "unit, property and library tests (vitest)"
./node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$OUT/vitest.json"
UNIT_RC=$?

step "build (vite)"
npm run -s build > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; die "vite build failed"; }

step "browser tests (playwright + chromium, three at a time)"
PLAYWRIGHT_JSON_OUTPUT_FILE="$OUT/pw.json" ./node_modules/.bin/playwright test --project app --reporter=list,json
E2E_RC=$?

step "performance in the browser (alone)"
PLAYWRIGHT_JSON_OUTPUT_FILE="$OUT/pw-perf.json" ./node_modules/.bin/playwright test --project perf --reporter=list,json
PERF_RC=$?

step "summary"
echo "elapsed $(( $(date +%s) - T0 ))s"
node -e '
const fs = require("fs");
const rd = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return null; } };
const v = rd(process.argv[1]);
const up = v ? v.numPassedTests : 0, uf = v ? v.numFailedTests : 1;
let ep = 0, ef = 0;
for (const f of process.argv.slice(2)) {
  const p = rd(f);
  ep += p ? p.stats.expected : 0;
  ef += p ? p.stats.unexpected + p.stats.flaky : 1;
}
console.log(`unit: ${up} passed, ${uf} failed`);
console.log(`e2e: ${ep} passed, ${ef} failed`);
console.log(`${up + ep} passed, ${uf + ef} failed`);
' "$OUT/vitest.json" "$OUT/pw.json" "$OUT/pw-perf.json"
[ "$UNIT_RC" -eq 0 ] && [ "$E2E_RC" -eq 0 ] && [ "$PERF_RC" -eq 0 ]
