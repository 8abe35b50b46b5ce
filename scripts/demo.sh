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

ra=$ex/authn/request-authentication.yaml
now="--now 1700000000"

step ztauth check --mesh $ex/mesh.yaml -p $ra $now $ex/jwt-requests.json
echo "# RequestAuthentication alone on details (issuer testing@secure.istio.io):"
echo "# 1. Istio's sample token (security/tools/jwt/samples/demo.jwt) -> 200"
echo "# 2. Authorization: Bearer badtoken                             -> 401"
echo "# 3. no token: authentication does not require one              -> 200"
echo "# 4. the sample token with one signature character lost        -> 401"
$zt check --mesh $ex/mesh.yaml -p $ra $now $ex/jwt-requests.json ||
  echo "(exit status $?: at least one request was denied)"

step ztauth check --mesh $ex/mesh.yaml -p $ra -p $ex/authz/require-jwt.yaml $now $ex/require-jwt-requests.json
echo "# Adding the require-jwt AuthorizationPolicy:"
echo "# 1. no token    -> 403 (no request principal, no ALLOW rule matches)"
echo "# 2. valid token -> 200, principal testing@secure.istio.io/testing@secure.istio.io"
$zt check --mesh $ex/mesh.yaml -p $ra -p $ex/authz/require-jwt.yaml $now $ex/require-jwt-requests.json ||
  echo "(exit status $?: at least one request was denied)"

step ztauth check --mesh $ex/mesh.yaml -p $ra -p $ex/authz $now $ex/requests.json
echo "# With every policy:"
echo "# 1. productpage with the sample token        -> ALLOW (require-jwt)"
echo "# 2. productpage without a token              -> DENY (no ALLOW rule matches)"
echo "# 3. sleep on /admin/../admin/users (normalized to /admin/users) -> DENY (deny-admin)"
echo "# 4. sleep over plain TCP: the DENY rule loses its HTTP-only paths, so it"
echo "#    denies every TCP connection that is not from productpage (Envoy's L4 rule)"
$zt check --mesh $ex/mesh.yaml -p $ra -p $ex/authz $now $ex/requests.json ||
  echo "(exit status $?: at least one request was denied)"

pki=$ex/pki
step ztauth svid verify --trust-bundle cluster.local=$pki/root.pem --now 1800000000 $pki/sleep.pem
echo "# Workload identity: sleep's X.509-SVID against the cluster.local trust bundle"
$zt svid verify --trust-bundle cluster.local=$pki/root.pem --now 1800000000 $pki/sleep.pem

step ztauth svid verify --trust-bundle cluster.local=$pki/root.pem --now 1800000000 $pki/forged-productpage.pem
echo "# A certificate claiming productpage's identity, signed by a root that is not in the bundle"
$zt svid verify --trust-bundle cluster.local=$pki/root.pem --now 1800000000 $pki/forged-productpage.pem ||
  echo "(exit status $?: not a valid SVID)"

step ztauth check --mesh $ex/mesh.yaml -p $ex/authn -p $ex/authz --trust-bundle cluster.local=$pki/root.pem --now 1800000000 $ex/mtls-requests.json
echo "# Every policy, mesh-wide STRICT mTLS included, with certificates verified by ztauth:"
echo "# 1. productpage's certificate and the sample token        -> ALLOW (require-jwt)"
echo "# 2. a plaintext client from outside the mesh              -> connection closed (mtls_required)"
echo "# 3. the forged productpage certificate on /admin/users    -> connection closed (svid_untrusted)"
echo "# 4. sleep's certificate and the token on /admin/users      -> 403 (deny-admin)"
echo "# 5. productpage's certificate and the token on /admin/users -> ALLOW"
$zt check --mesh $ex/mesh.yaml -p $ex/authn -p $ex/authz --trust-bundle cluster.local=$pki/root.pem \
  --now 1800000000 $ex/mtls-requests.json ||
  echo "(exit status $?: at least one request was denied)"
