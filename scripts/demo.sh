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

step ztauth check --mesh $ex/mesh.yaml -p $ex/authz $ex/requests.json
echo "# 1. productpage with a verified token        -> ALLOW (require-jwt)"
echo "# 2. productpage without a token              -> DENY (no ALLOW rule matches)"
echo "# 3. sleep on /admin/../admin/users (normalized to /admin/users) -> DENY (deny-admin)"
echo "# 4. sleep over plain TCP: the DENY rule loses its HTTP-only paths, so it"
echo "#    denies every TCP connection that is not from productpage (Envoy's L4 rule)"
$zt check --mesh $ex/mesh.yaml -p $ex/authz $ex/requests.json ||
  echo "(exit status $?: at least one request was denied)"
