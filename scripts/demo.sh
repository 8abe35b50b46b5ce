#!/usr/bin/env bash
# The walkthrough on the bundled Bookinfo example (sleep -> details):
# installs what is missing, builds, then shows what ztauth does with the
# policies under examples/bookinfo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
if [ ! -f build/build.ninja ]; then
  meson setup build >/dev/null
fi
ninja -C build >/dev/null
zt=build/examples/ztauth
ex=examples/bookinfo
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step ztauth lint --mesh $ex/mesh.yaml $ex/authn $ex/authz
$zt lint --mesh $ex/mesh.yaml $ex/authn $ex/authz && echo "all policies valid"

step ztauth policies --mesh $ex/mesh.yaml -p $ex/authn -p $ex/authz
$zt policies --mesh $ex/mesh.yaml -p $ex/authn -p $ex/authz

step ztauth lint $ex/broken "   # four mistakes Istio rejects"
$zt lint $ex/broken || echo "(exit status $?: the set is refused, the set in force stays)"
