#!/usr/bin/env bash
# Times `ztauth lint` on hostile inputs and prints what each cost: a deeply
# nested flow collection (quadratic inside libyaml without the depth cap),
# an alias bomb, a huge scalar, and a map with many keys and one duplicate.
# Usage: tests/bench/pathological.sh [ZTAUTH]   (default build/examples/ztauth)
set -uo pipefail
zt=${1:-build/examples/ztauth}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
open(f"{d}/deep.yaml", "w").write("a: " + "[" * 400000 + "\n")
bomb = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 10) + "]\n" for i in range(1, 10))
open(f"{d}/alias-bomb.yaml", "w").write(bomb)
open(f"{d}/big-scalar.yaml", "w").write(
    "apiVersion: v1\nkind: X\nmetadata: {name: " + "x" * (10 << 20) + "}\n")
keys = "".join(f"k{i}: v\n" for i in range(200000)) + "k7: dup\n"
open(f"{d}/many-keys.yaml", "w").write(keys)
PY
printf '%-16s %10s %8s %12s  %s\n' input bytes seconds max-RSS-KiB verdict
for f in deep alias-bomb big-scalar many-keys; do
  size=$(stat -c %s "$tmp/$f.yaml")
  /usr/bin/time -q -o "$tmp/time" -f '%e %M' "$zt" lint "$tmp/$f.yaml" \
    >"$tmp/out" 2>/dev/null
  read -r secs rss <"$tmp/time"
  verdict=$(head -1 "$tmp/out" | sed 's/^[^ ]* error: //' | cut -c1-60)
  printf '%-16s %10s %8s %12s  %s\n' "$f" "$size" "$secs" "$rss" "$verdict"
done
