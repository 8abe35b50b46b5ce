#!/usr/bin/env bash
# Runs every libFuzzer target of a -Dfuzzing=true build for SECONDS each,
# starting from a copy of its committed corpus. Prints one line per target:
# "PASS fuzz_x ..." or "FAIL fuzz_x ...". Usage: scripts/fuzz.sh BUILD SECONDS
set -uo pipefail
build=$1 secs=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  t=$(basename "$bin"); t=${t#fuzz_}
  mkdir -p "$work/$t" "$root/fuzz/artifacts"
  cp "$root/fuzz/corpus/$t/"* "$work/$t/" 2>/dev/null
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$root/fuzz/artifacts/${t}-" "$work/$t" \
      >"$work/$t.log" 2>&1; then
    echo "PASS fuzz_$t $(grep -Eo 'Done [0-9]+ runs' "$work/$t.log" | tail -1)"
  else
    echo "FAIL fuzz_$t (artifacts in fuzz/artifacts/)"
    tail -30 "$work/$t.log"
    rc=1
  fi
done
exit $rc
