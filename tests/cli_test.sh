#!/usr/bin/env bash
# The ztauth command end to end (TAP). Usage: cli_test.sh ZTAUTH SOURCE_ROOT
zt=$1 root=$2
ex=$root/examples/bookinfo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out" | head -20; }
expect() { # description, wanted exit status, command...
  local what=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>&1; local got=$?
  if [ "$got" = "$want" ]; then ok "$what"; else echo "# exit $got, want $want" >>"$tmp/out"; bad "$what"; fi
}
has() { # description, text expected in the last output
  if grep -qF -- "$2" "$tmp/out"; then ok "$1"; else bad "$1 (no '$2')"; fi
}

expect "lint accepts the bundled example" 0 "$zt" lint --mesh "$ex/mesh.yaml" "$ex/authn" "$ex/authz"
expect "lint rejects the broken example" 1 "$zt" lint "$ex/broken"
has "unknown field named with position" "typos.yaml:16:9: error: AuthorizationPolicy default/details-viewer: spec.rules[0].from[0].source: unknown field \"principal\" (did you mean \"principals\"?)"
has "integer port named with position" "typos.yaml:20:17: error: AuthorizationPolicy default/details-viewer: spec.rules[0].to[0].operation.ports[0]: expected a string, got an integer 9080 (quote it: \"9080\")"
has "DENY without rules" "typos.yaml:28:11: error: AuthorizationPolicy default/deny-everything: DENY action without \`rules\`"
has "portLevelMtls without selector" "typos.yaml:39:5: error: PeerAuthentication default/details-ports: spec.portLevelMtls: requires a selector"
has "error count" "4 errors"
expect "lint without paths is a usage error" 2 "$zt" lint
expect "unknown option is a usage error" 2 "$zt" lint --bogus "$ex/authn"
expect "unknown command is a usage error" 2 "$zt" frobnicate
expect "missing file is an invalid input" 1 "$zt" lint "$tmp/nope.yaml"
has "missing file named" "nope.yaml: error: No such file or directory"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n' >"$tmp/other.yaml"
expect "other kinds are skipped" 0 "$zt" lint "$tmp/other.yaml"
expect "skipped kinds reported with --verbose" 0 "$zt" lint --verbose "$tmp/other.yaml"
has "note for skipped kind" "other.yaml:1:1: note: skipped apps/v1 Deployment: not a security policy"
expect "bad mesh file is a usage error" 2 "$zt" lint --mesh "$tmp/other.yaml" "$ex/authn"
expect "policies lists the example" 0 "$zt" policies --mesh "$ex/mesh.yaml" -p "$ex/authn" -p "$ex/authz"
has "mesh-wide STRICT listed" "istio-system/default"
has "workload DENY listed" "default/deny-admin"
expect "policies refuses an invalid set" 2 "$zt" policies -p "$ex/broken"
expect "version" 0 "$zt" version

# --- check: decisions for JSON requests ----------------------------------
cat >"$tmp/mesh.yaml" <<'EOF'
extensionProviders:
- name: ext
  envoyExtAuthzHttp: {service: ext.foo.svc.cluster.local, port: 8000}
EOF
cat >"$tmp/p.yaml" <<'EOF'
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: foo}
spec:
  action: DENY
  rules:
  - to:
    - operation: {paths: ["/admin*"], ports: ["8000"]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: bar}
spec:
  action: CUSTOM
  provider: {name: ext}
  rules:
  - {}
EOF
get='{"destination": {"namespace": "foo", "port": 8000}, "http": {"method": "GET", "path": "/x"}}'
admin='{"destination": {"namespace": "foo", "port": 8000}, "http": {"path": "/admin/x"},
        "source": {"principal": "cluster.local/ns/foo/sa/sleep"}}'
echo "$get" >"$tmp/allow.json"
echo "$admin" >"$tmp/deny.json"
echo "[$get, $admin, $get]" >"$tmp/array.json"
check() { "$zt" check --mesh "$tmp/mesh.yaml" -p "$tmp/p.yaml" "$@"; }
expect "check: an allowed request exits 0" 0 check "$tmp/allow.json"
has "check: ALLOW result" '{"decision": "ALLOW", "status": 200, "reason": "no_allow_policy", "policy": null, "principal": null, "request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "mtls_mode": "PERMISSIVE"}'
expect "check: a denied request exits 1" 1 check "$tmp/deny.json"
has "check: deciding policy named" '"decision": "DENY", "status": 403, "reason": "rbac_denied", "policy": "ns[foo]-policy[deny-admin]-rule[0]", "principal": "cluster.local/ns/foo/sa/sleep"'
expect "check: an array gives one line per request" 1 check "$tmp/array.json"
if [ "$(grep -c '^{"decision"' "$tmp/out")" = 3 ]; then ok "check: three result lines"; else bad "check: three result lines"; fi
expect "check: - reads stdin" 0 sh -c '"$0" check -p "$1" - <"$2"' "$zt" "$tmp/p.yaml" "$tmp/allow.json"
has "check: stdin result" '"decision": "ALLOW"'
expect "check: a bare JSON literal is a usage error" 2 sh -c 'echo null | "$0" check -p "$1" -' "$zt" "$tmp/p.yaml"
has "check: the literal is named" "expected a JSON object or array"
echo '{"destination": {"namespace": "baz"}, "protocol": "tcp"}' >"$tmp/tcp.json"
expect "check: tcp" 0 check "$tmp/tcp.json"
has "check: tcp status is 0" '"decision": "ALLOW", "status": 0,'
cat >"$tmp/custom.json" <<'EOF'
[{"destination": {"namespace": "bar"}, "http": {"path": "/"}, "custom": {"ext": {"status": 200}}},
 {"destination": {"namespace": "bar"}, "http": {"path": "/"}, "custom": {"ext": {"status": 302}}},
 {"destination": {"namespace": "bar"}, "http": {"path": "/"}, "custom": {"ext": {"error": true}}}]
EOF
expect "check: simulated CUSTOM answers" 1 check "$tmp/custom.json"
has "check: provider 200 allows" '"decision": "ALLOW", "status": 200, "reason": "no_allow_policy", "policy": null, "principal": null, "request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "mtls_mode": "PERMISSIVE", "provider": "ext"}'
has "check: provider status denies" '"decision": "DENY", "status": 302, "reason": "custom_denied"'
has "check: provider error" '"decision": "DENY", "status": 403, "reason": "custom_error"'
expect "check: --explain" 1 check --explain "$tmp/deny.json"
has "check: explain member" '"explain": ["'
echo '{"destination": {"namespace": "foo"}, "jwt_claims": {"iss": "i\u00e9", "sub": "s\"q", "n": 1e3}}' >"$tmp/jwt.json"
expect "check: jwt_claims" 0 check "$tmp/jwt.json"
has "check: request_principal escaped" '"request_principal": "ié/s\"q"'
expect "check: no request is a usage error" 2 "$zt" check -p "$tmp/p.yaml"
expect "check: two requests are a usage error" 2 "$zt" check "$tmp/allow.json" "$tmp/allow.json"
expect "check: unknown option" 2 "$zt" check --bogus "$tmp/allow.json"
expect "check: bad --l4" 2 "$zt" check --l4 sidecar "$tmp/allow.json"
has "check: --l4 values named" 'ztauth: --l4: expected envoy|ztunnel, got "sidecar"'
expect "check: bad --now" 2 "$zt" check --now soon "$tmp/allow.json"
expect "check: --jwks needs URI=PATH" 2 "$zt" check --jwks "$tmp/allow.json" "$tmp/allow.json"
has "check: --jwks form named" 'ztauth: --jwks: expected URI=PATH'
expect "check: --trust-bundle needs TD=PATH" 2 "$zt" check --trust-bundle "$tmp/allow.json" "$tmp/allow.json"
has "check: --trust-bundle form named" 'ztauth: --trust-bundle: expected TRUST_DOMAIN=PATH'
# --- check: request authentication (JWT) -----------------------------------
# Tokens and key sets made by tests/data/jwt/make_tokens.py (HS256, clock
# 1700000000); tests/conformance/reqauthn_*.yaml hold the semantics.
jd=$root/tests/data/jwt
tok() { cat "$jd/$1.jwt"; }
cat >"$tmp/ra.yaml" <<'EOF'
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: foo}
spec:
  jwtRules:
  - issuer: https://issuer.example
    jwksUri: https://keys.example/k1.json
    outputClaimToHeaders: [{header: x-user, claim: sub}]
  - issuer: https://issuer2.example
    jwksUri: https://keys.example/k2.json
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: foo}
spec:
  action: DENY
  rules:
  - to:
    - operation: {paths: ["/admin"]}
EOF
jreq() { # path, authorization header value
  printf '{"destination": {"namespace": "foo"}, "http": {"method": "GET", "host": "svc.foo", "path": "%s", "headers": {"authorization": "%s"}}}\n' "$1" "$2"
}
jreq /api "Bearer $(tok valid)" >"$tmp/jwt-valid.json"
jreq /api "Bearer $(tok expired)" >"$tmp/jwt-expired.json"
jreq /api "Bearer $(tok aud_other)" >"$tmp/jwt-aud.json"
jreq /admin "Bearer $(tok valid)" >"$tmp/jwt-admin.json"
jreq /api "Bearer $(tok issuer2)" >"$tmp/jwt-issuer2.json"
echo '{"destination": {"namespace": "foo"}, "http": {"path": "/api"}}' >"$tmp/jwt-none.json"
k1="https://keys.example/k1.json=$jd/jwks_k1.json"
k2="https://keys.example/k2.json=$jd/jwks_k2.json"
jcheck() { "$zt" check --now 1700000000 -p "$tmp/ra.yaml" --jwks "$k1" "$@"; }
expect "jwt: a valid token with --jwks is allowed" 0 jcheck "$tmp/jwt-valid.json"
has "jwt: request_principal from the token" '"request_principal": "https://issuer.example/user1"'
has "jwt: headers to set and remove" '"headers": {"set": {"x-user": "user1"}, "remove": ["authorization", "x-user"]}, "mtls_mode": "PERMISSIVE"}'
if grep -q '"message"\|"response_headers"' "$tmp/out"; then bad "jwt: no message on ALLOW"; else ok "jwt: no message on ALLOW"; fi
has "jwt: the unsupplied jwksUri is named" 'ztauth: warning: jwksUri https://keys.example/k2.json was not supplied with --jwks: tokens of issuers using it will fail with jwks_fetch_fail'
if grep -q 'k1.json was not supplied' "$tmp/out"; then bad "jwt: supplied jwksUri not warned about"; else ok "jwt: supplied jwksUri not warned about"; fi
expect "jwt: an expired token exits 1" 1 jcheck "$tmp/jwt-expired.json"
has "jwt: 401 with the token's reason" '"decision": "DENY", "status": 401, "reason": "jwt_expired", "policy": null, "principal": null, "request_principal": null,'
has "jwt: message and WWW-Authenticate, no header changes" '"headers": {"set": {}, "remove": []}, "mtls_mode": "PERMISSIVE", "message": "Jwt is expired", "response_headers": {"www-authenticate": "Bearer realm=\"http://svc.foo/api\", error=\"invalid_token\""}}'
expect "jwt: a token the key set cannot verify exits 1" 1 "$zt" check --now 1700000000 -p "$tmp/ra.yaml" --jwks "https://keys.example/k1.json=$jd/jwks_k2.json" "$tmp/jwt-valid.json"
has "jwt: 401 jwks_kid_alg_mismatch" '"status": 401, "reason": "jwks_kid_alg_mismatch"'
expect "jwt: the unsupplied jwksUri fails its tokens" 1 jcheck "$tmp/jwt-issuer2.json"
has "jwt: 401 jwks_fetch_fail" '"status": 401, "reason": "jwks_fetch_fail"'
has "jwt: jwks_fetch_fail message" '"message": "Jwks remote fetch is failed"'
expect "jwt: --jwt-failure-status" 1 jcheck --jwt-failure-status 403 "$tmp/jwt-expired.json"
has "jwt: failure status applied" '"status": 403, "reason": "jwt_expired"'
expect "jwt: --jwt-failure-status 0 is the default" 1 jcheck --jwt-failure-status 0 "$tmp/jwt-expired.json"
has "jwt: 401 again" '"status": 401, "reason": "jwt_expired"'
expect "jwt: no audiences configured, any aud passes" 0 jcheck "$tmp/jwt-aud.json"
expect "jwt: RBAC denial after a valid token" 1 jcheck "$tmp/jwt-admin.json"
has "jwt: RBAC message, principal kept, no header changes" '"request_principal": "https://issuer.example/user1", "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "mtls_mode": "PERMISSIVE", "message": "RBAC: access denied"}'
expect "jwt: no token" 0 jcheck "$tmp/jwt-none.json"
has "jwt: output headers removed without a token" '"request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": ["x-user"]}, "mtls_mode": "PERMISSIVE"}'
# --now moves the clock: the token expired at 1699996400 (+60 s of skew)
expect "jwt: --now before exp + skew" 0 "$zt" check --now 1699996460 -p "$tmp/ra.yaml" --jwks "$k1" "$tmp/jwt-expired.json"
expect "jwt: --now after exp + skew" 1 "$zt" check --now 1699996461 -p "$tmp/ra.yaml" --jwks "$k1" "$tmp/jwt-expired.json"
expect "jwt: --jwt-clock-skew widens the window" 0 "$zt" check --now 1699996500 --jwt-clock-skew 100 -p "$tmp/ra.yaml" --jwks "$k1" "$tmp/jwt-expired.json"
expect "jwt: --jwt-clock-skew 0" 1 "$zt" check --now 1699996401 --jwt-clock-skew 0 -p "$tmp/ra.yaml" --jwks "$k1" "$tmp/jwt-expired.json"
expect "jwt: without --jwks every token of that issuer fails" 1 "$zt" check --now 1700000000 -p "$tmp/ra.yaml" "$tmp/jwt-valid.json"
has "jwt: jwks_fetch_fail without --jwks" '"reason": "jwks_fetch_fail"'
has "jwt: both jwksUri warned about" 'jwksUri https://keys.example/k1.json was not supplied with --jwks'
expect "jwt: two --jwks" 0 "$zt" check --now 1700000000 -p "$tmp/ra.yaml" --jwks "$k1" --jwks "$k2" "$tmp/jwt-issuer2.json"
has "jwt: the second key set verifies" '"request_principal": "https://issuer2.example/user9"'
expect "jwt: an unused --jwks is a warning" 0 jcheck --jwks "https://nobody.example/x?a=b=$jd/jwks_k2.json" "$tmp/jwt-valid.json"
has "jwt: unused --jwks named (path after the last =)" 'ztauth: warning: --jwks https://nobody.example/x?a=b: no RequestAuthentication uses this jwksUri'
echo '{"keys": [' >"$tmp/broken-jwks.json"
expect "jwt: an invalid JWKS document exits 2" 2 jcheck --jwks "https://keys.example/k2.json=$tmp/broken-jwks.json" "$tmp/jwt-valid.json"
has "jwt: the invalid document's file is named" "$tmp/broken-jwks.json: error: jwks for https://keys.example/k2.json"
if grep -q '^{' "$tmp/out"; then bad "jwt: no result after a JWKS error"; else ok "jwt: no result after a JWKS error"; fi
echo '{"keys": []}' >"$tmp/empty-jwks.json"
expect "jwt: a JWKS without keys exits 2" 2 jcheck --jwks "https://keys.example/k2.json=$tmp/empty-jwks.json" "$tmp/jwt-valid.json"
has "jwt: the empty document's file is named" "$tmp/empty-jwks.json: error:"
expect "jwt: a missing JWKS file exits 2" 2 jcheck --jwks "https://keys.example/k2.json=$tmp/nope.json" "$tmp/jwt-valid.json"
has "jwt: the missing file is named" "$tmp/nope.json: error: No such file or directory"
expect "jwt: a jwksUri given twice exits 2" 2 jcheck --jwks "$k1" "$tmp/jwt-valid.json"
has "jwt: duplicate named" 'ztauth: --jwks: https://keys.example/k1.json given twice'
expect "jwt: bad --jwt-clock-skew" 2 jcheck --jwt-clock-skew -1 "$tmp/jwt-valid.json"
has "jwt: skew range named" 'ztauth: --jwt-clock-skew: expected seconds 0..86400, got "-1"'
expect "jwt: --jwt-clock-skew too large" 2 jcheck --jwt-clock-skew 86401 "$tmp/jwt-valid.json"
expect "jwt: bad --jwt-failure-status" 2 jcheck --jwt-failure-status 200 "$tmp/jwt-valid.json"
has "jwt: status range named" 'ztauth: --jwt-failure-status: expected 0 (401, 403 for a wrong audience) or a status 400..599, got "200"'
echo '{"destination": {"namespace": "foo", "lables": {}}}' >"$tmp/typo.json"
expect "check: unknown request member" 2 check "$tmp/typo.json"
has "check: unknown member named" 'typo.json:1:38: error: destination: unknown member "lables" (did you mean "labels"?)'
if [ -s "$tmp/out" ] && ! grep -q '^{' "$tmp/out"; then ok "check: no result on a usage error"; else bad "check: no result on a usage error"; fi
echo '{"destination": {"namespace": "foo"}} {}' >"$tmp/garbage.json"
expect "check: trailing garbage" 2 check "$tmp/garbage.json"
has "check: JSON error position" "garbage.json:1:39: error: unexpected text after the JSON value"
echo '{"destination": {"namespace": "foo"}, "sni": "a", "sni": "b"}' >"$tmp/dup.json"
expect "check: duplicate member" 2 check "$tmp/dup.json"
has "check: duplicate named" 'duplicate member name "sni"'
expect "check: policy load error" 2 "$zt" check -p "$ex/broken" "$tmp/allow.json"
has "check: load error with file:line:col" "typos.yaml:16:9: error:"
expect "check: missing request file" 2 check "$tmp/nope.json"

# --- test: policy test files, TAP ------------------------------------------
cat >"$tmp/pass.yaml" <<'EOF'
description: a small passing file
options: {l4: envoy}
policies: |
  apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata: {name: deny-admin, namespace: foo}
  spec:
    action: DENY
    rules:
    - to:
      - operation: {paths: ["/admin*"]}
cases:
  - name: admin is denied
    request: {destination: {namespace: foo}, http: {method: GET, path: /admin}}
    expect: {decision: DENY, status: 403, reason: rbac_denied, policy: "ns[foo]-policy[deny-admin]-rule[0]", audit: false, dry_run: null}
  - name: others pass
    request: {destination: {namespace: foo}, http: {method: GET, path: /x}}
    expect: {decision: ALLOW, policy: null}
EOF
sed -e 's/admin is denied/admin is allowed (wrong)/' -e 's/decision: DENY, status: 403/decision: ALLOW, status: 403/' \
  "$tmp/pass.yaml" >"$tmp/fail.yaml"
expect "test: a passing file exits 0" 0 "$zt" test "$tmp/pass.yaml"
has "test: ok line" "ok 1 - $tmp/pass.yaml: admin is denied"
has "test: plan last" "1..2"
expect "test: a failing file exits 1" 1 "$zt" test "$tmp/pass.yaml" "$tmp/fail.yaml"
has "test: not ok line" "not ok 3 - $tmp/fail.yaml: admin is allowed (wrong)"
has "test: member compared" '#   decision: expected "ALLOW", got "DENY"'
has "test: result shown" '#   result: {"decision": "DENY"'
has "test: numbering goes on" "ok 4 - $tmp/fail.yaml: others pass"
has "test: plan counts every case" "1..4"
printf 'policies: ""\ncases:\n  - name: x\n    request: {destination: {namespace: foo}}\n' >"$tmp/noexpect.yaml"
expect "test: a case without expect fails the file" 1 "$zt" test "$tmp/noexpect.yaml"
has "test: missing expect named" 'noexpect.yaml:3:5: error: missing "expect"'
printf 'policies: |\n  kind: AuthorizationPolicy\n  apiVersion: security.istio.io/v1\n  metadata: {name: x}\n  spec: {action: DENY}\ncases: []\n' >"$tmp/badpol.yaml"
expect "test: policies that fail to load" 1 "$zt" test "$tmp/badpol.yaml"
has "test: load failure is one not ok" "not ok 1 - $tmp/badpol.yaml"
has "test: load diagnostic" "badpol.yaml:policies:"
# test files: jwks, now (file and case), JWT options, the new result members
cat >"$tmp/jwt-test.yaml" <<EOF
now: 1700000000
options: {jwtClockSkew: 0, jwtFailureStatus: 403}
jwks:
  "https://keys.example/k1.json": '$(cat "$jd/jwks_k1.json")'
policies: |
  apiVersion: security.istio.io/v1
  kind: RequestAuthentication
  metadata: {name: jwt, namespace: foo}
  spec:
    jwtRules:
    - issuer: https://issuer.example
      jwksUri: https://keys.example/k1.json
cases:
  - name: valid
    request: {destination: {namespace: foo}, http: {method: GET, host: svc, path: /, headers: {authorization: "Bearer $(tok exp_now)"}}}
    expect: {decision: ALLOW, request_principal: "https://issuer.example/user1", headers: {set: {}, remove: [authorization]}, message: null, response_headers: null}
  - name: one second after exp without skew
    now: 1700000001
    request: {destination: {namespace: foo}, http: {method: GET, host: svc, path: /, headers: {authorization: "Bearer $(tok exp_now)"}}}
    expect: {decision: DENY, status: 403, reason: jwt_expired, message: "Jwt is expired", response_headers: {www-authenticate: "Bearer realm=\"http://svc/\", error=\"invalid_token\""}}
EOF
expect "test: jwks, now, JWT options and members" 0 "$zt" test "$tmp/jwt-test.yaml"
has "test: case now applied" "ok 2 - $tmp/jwt-test.yaml: one second after exp without skew"
sed 's/reason: jwt_expired, message: "Jwt is expired"/reason: jwt_expired, message: "Jwt is old"/' "$tmp/jwt-test.yaml" >"$tmp/jwt-fail.yaml"
expect "test: message compared" 1 "$zt" test "$tmp/jwt-fail.yaml"
has "test: message difference shown" '#   message: expected "Jwt is old", got "Jwt is expired"'
sed 's/^now: 1700000000/now: soon/' "$tmp/jwt-test.yaml" >"$tmp/jwt-badnow.yaml"
expect "test: now must be a number" 1 "$zt" test "$tmp/jwt-badnow.yaml"
has "test: bad now named" 'jwt-badnow.yaml:1:6: error: "now": expected a number, got a string'
sed 's/^now: 1700000000/now: 1.5/' "$tmp/jwt-test.yaml" >"$tmp/jwt-fracnow.yaml"
expect "test: now must be whole seconds" 1 "$zt" test "$tmp/jwt-fracnow.yaml"
has "test: fractional now named" 'jwt-fracnow.yaml:1:6: error: "now": expected Unix seconds'
sed 's/jwtClockSkew: 0/jwtClockSkew: forever/' "$tmp/jwt-test.yaml" >"$tmp/jwt-badopt.yaml"
expect "test: bad jwtClockSkew" 1 "$zt" test "$tmp/jwt-badopt.yaml"
has "test: option range named" 'options.jwtClockSkew: expected seconds 0..86400'
sed 's/"keys"/"kees"/' "$tmp/jwt-test.yaml" >"$tmp/jwt-badjwks.yaml"
expect "test: an invalid jwks document fails the file" 1 "$zt" test "$tmp/jwt-badjwks.yaml"
has "test: jwks problem named" "not ok 1 - $tmp/jwt-badjwks.yaml"
has "test: jwks position" 'jwt-badjwks.yaml:4:3: error: jwks: jwks for https://keys.example/k1.json'
sed 's|^  "https://keys.example/k1.json": .*|  "https://keys.example/k1.json": 5|' "$tmp/jwt-test.yaml" >"$tmp/jwt-jwksnum.yaml"
expect "test: a jwks value must be text or a mapping" 1 "$zt" test "$tmp/jwt-jwksnum.yaml"
has "test: jwks value named" 'jwt-jwksnum.yaml:4:3: error: jwks: expected URI: JWKS (JSON text or a mapping)'
expect "test: without files is a usage error" 2 "$zt" test

# --- svid verify, and check / test with certificate chains -----------------
# The walkthrough PKI (examples/bookinfo/pki/README.md: valid 2026..2125)
# and, for the failure shapes, the test PKI built by tests/pki/make_pki.sh
# ($ZT_PKI, cases in tests/pki/cases.json); those checks are skipped when
# the script runs without it.
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
pki=$ex/pki
td="cluster.local=$pki/root.pem"
sv() { "$zt" svid verify "$@"; }
expect "svid: a valid SVID exits 0" 0 sv --trust-bundle "$td" "$pki/sleep.pem"
has "svid: valid JSON, whole line" '{"valid": true, "spiffe_id": "spiffe://cluster.local/ns/default/sa/sleep", "error": null}'
if [ "$(wc -l <"$tmp/out")" = 1 ]; then ok "svid: one line, nothing else"; else bad "svid: one line, nothing else"; fi
expect "svid: the forged productpage exits 1" 1 sv --trust-bundle "$td" "$pki/forged-productpage.pem"
has "svid: invalid JSON shape" '{"valid": false, "spiffe_id": null, "error": "svid_untrusted", "message": "'
if grep -q '"message": "[^"]' "$tmp/out"; then ok "svid: the message is not empty"; else bad "svid: the message is not empty"; fi
expect "svid: - reads stdin" 0 sh -c '"$0" svid verify --trust-bundle "$1" - <"$2"' "$zt" "$td" "$pki/productpage.pem"
has "svid: stdin chain verified" '"spiffe_id": "spiffe://cluster.local/ns/default/sa/bookinfo-productpage"'
der=$(openssl x509 -in "$pki/root.pem" -outform DER | base64 | tr -d '\n')
printf '{"keys": [{"use": "x509-svid", "kty": "EC", "crv": "P-256", "x5c": ["%s"]}], "spiffe_refresh_hint": 300}\n' "$der" >"$tmp/bundle.json"
expect "svid: a SPIFFE bundle (JSON) works as the PEM root does" 0 sv --trust-bundle "cluster.local=$tmp/bundle.json" "$pki/sleep.pem"
expect "svid: the JSON bundle refuses the forgery too" 1 sv --trust-bundle "cluster.local=$tmp/bundle.json" "$pki/forged-productpage.pem"
expect "svid: --role server" 0 sv --role server --trust-bundle "$td" "$pki/sleep.pem"
expect "svid: bad --role" 2 sv --role peer --trust-bundle "$td" "$pki/sleep.pem"
has "svid: --role values named" 'ztauth: --role: expected client|server, got "peer"'
expect "svid: no bundle for the trust domain" 1 sv --trust-bundle "example.org=$pki/root.pem" "$pki/sleep.pem"
has "svid: svid_no_bundle" '"error": "svid_no_bundle"'
expect "svid: --now before notBefore" 1 sv --now 1700000000 --trust-bundle "$td" "$pki/sleep.pem"
has "svid: svid_not_yet_valid" '"error": "svid_not_yet_valid"'
: >"$tmp/empty.pem"
expect "svid: an empty chain file exits 1" 1 sv --trust-bundle "$td" "$tmp/empty.pem"
has "svid: svid_empty_chain" '{"valid": false, "spiffe_id": null, "error": "svid_empty_chain", "message": "'
echo 'not a certificate' >"$tmp/garbage.pem"
expect "svid: a garbage chain file exits 1" 1 sv --trust-bundle "$td" "$tmp/garbage.pem"
has "svid: garbage is svid_malformed" '"error": "svid_malformed"'
head -c 300 "$pki/sleep.pem" >"$tmp/truncated.pem"
expect "svid: a truncated chain file exits 1" 1 sv --trust-bundle "$td" "$tmp/truncated.pem"
expect "svid: a bundle the library refuses exits 2" 2 sv --trust-bundle "cluster.local=$pki/sleep.pem" "$pki/sleep.pem"
has "svid: the refused bundle file is named" "$pki/sleep.pem: error: "
if grep -q '^{' "$tmp/out"; then bad "svid: no result after a refused bundle"; else ok "svid: no result after a refused bundle"; fi
expect "svid: a missing bundle file exits 2" 2 sv --trust-bundle "cluster.local=$tmp/nope.pem" "$pki/sleep.pem"
has "svid: the missing bundle named" "$tmp/nope.pem: error: No such file or directory"
expect "svid: an unreadable bundle file exits 2" 2 sv --trust-bundle "cluster.local=$tmp" "$pki/sleep.pem"
has "svid: the unreadable bundle named" "$tmp: error: Is a directory"
expect "svid: an empty bundle file exits 2" 2 sv --trust-bundle "cluster.local=$tmp/empty.pem" "$pki/sleep.pem"
expect "svid: the same trust domain twice exits 2" 2 sv --trust-bundle "$td" --trust-bundle "$td" "$pki/sleep.pem"
has "svid: duplicate named" 'ztauth: --trust-bundle: cluster.local given twice'
expect "svid: --trust-bundle needs TD=PATH" 2 sv --trust-bundle "$pki/root.pem" "$pki/sleep.pem"
expect "svid: no --trust-bundle exits 2" 2 sv "$pki/sleep.pem"
expect "svid: no chain argument exits 2" 2 sv --trust-bundle "$td"
expect "svid: two chain arguments exit 2" 2 sv --trust-bundle "$td" "$pki/sleep.pem" "$pki/sleep.pem"
expect "svid: a missing chain file exits 2" 2 sv --trust-bundle "$td" "$tmp/nope.pem"
has "svid: the missing chain named" "$tmp/nope.pem: error: No such file or directory"
expect "svid: an unknown option exits 2" 2 sv --bogus --trust-bundle "$td" "$pki/sleep.pem"
expect "svid: an unknown subcommand exits 2" 2 "$zt" svid check "$pki/sleep.pem"
expect "svid: verify --help exits 0" 0 sv --help
if [ -n "$ZT_PKI" ] && [ -f "$ZT_PKI/valid_ec.pem" ]; then
  a="example.org=$ZT_PKI/bundle_a.pem" b="other.org=$ZT_PKI/bundle_b.pem"
  expect "svid pki: valid_ec with bundles A and B" 0 sv --trust-bundle "$a" --trust-bundle "$b" "$ZT_PKI/valid_ec.pem"
  expect "svid pki: a DER chain" 0 sv --trust-bundle "$a" "$ZT_PKI/valid_ec.der"
  expect "svid pki: bundle A as SPIFFE JSON" 0 sv --trust-bundle "example.org=$ZT_PKI/bundle_a.json" "$ZT_PKI/valid_via_inter.pem"
  expect "svid pki: expired" 1 sv --trust-bundle "$a" "$ZT_PKI/expired.pem"
  has "svid pki: svid_expired" '"error": "svid_expired"'
  expect "svid pki: garbage" 1 sv --trust-bundle "$a" "$ZT_PKI/garbage.pem"
  expect "svid pki: truncated" 1 sv --trust-bundle "$a" "$ZT_PKI/truncated.der"
  has "svid pki: truncated is svid_malformed" '"error": "svid_malformed"'
  expect "svid pki: empty chain" 1 sv --trust-bundle "$a" "$ZT_PKI/empty_chain.pem"
  expect "svid pki: a serverAuth leaf as a client" 1 sv --trust-bundle "$a" "$ZT_PKI/leaf_eku_server.pem"
  has "svid pki: svid_eku" '"error": "svid_eku"'
  expect "svid pki: a serverAuth leaf with --role server" 0 sv --role server --trust-bundle "$a" "$ZT_PKI/leaf_eku_server.pem"
  expect "svid pki: --strict-eku wants both purposes" 1 sv --role server --strict-eku --trust-bundle "$a" "$ZT_PKI/leaf_eku_server.pem"
  expect "svid pki: an upper-case trust domain" 1 sv --trust-bundle "$a" "$ZT_PKI/bad_id_uppercase_td.pem"
  has "svid pki: svid_bad_spiffe_id" '"error": "svid_bad_spiffe_id"'
  expect "svid pki: --spiffe-lenient folds it" 0 sv --spiffe-lenient --trust-bundle "$a" "$ZT_PKI/bad_id_uppercase_td.pem"
  has "svid pki: the folded ID" '"spiffe_id": "spiffe://example.org/'
  expect "svid pki: empty keys trust nothing" 1 sv --trust-bundle "example.org=$ZT_PKI/bundle_a_empty.json" "$ZT_PKI/valid_ec.pem"
  has "svid pki: svid_empty_bundle" '"error": "svid_empty_bundle"'
  expect "svid pki: a bundle holding a leaf exits 2" 2 sv --trust-bundle "example.org=$ZT_PKI/doc_leaf.json" "$ZT_PKI/valid_ec.pem"
  has "svid pki: the refused JSON bundle named" "$ZT_PKI/doc_leaf.json: error: "
  expect "svid pki: a name-constrained root exits 2" 2 sv --trust-bundle "example.org=$ZT_PKI/doc_nc_root.pem" "$ZT_PKI/valid_ec.pem"
else
  skip "svid pki: the test PKI" "ZT_PKI is not set"
fi

# check: the peer's certificate chain, verified against --trust-bundle
cat >"$tmp/id.yaml" <<'EOF'
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: sleep-only, namespace: foo}
spec:
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/sleep"]}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: strict}
spec: {mtls: {mode: STRICT}}
EOF
chain_json() { # namespace, PEM file
  printf '{"destination": {"namespace": "%s"}, "source": {"certificate_chain": "%s"}}\n' "$1" "$(awk '{printf "%s\\n", $0}' "$2")"
}
chain_json foo "$pki/sleep.pem" >"$tmp/sleep.json"
chain_json foo "$pki/forged-productpage.pem" >"$tmp/forged.json"
chain_json strict "$pki/productpage.pem" >"$tmp/strict.json"
icheck() { "$zt" check -p "$tmp/id.yaml" "$@"; }
expect "chain: a verified chain is allowed" 0 icheck --trust-bundle "$td" "$tmp/sleep.json"
has "chain: principal from the chain, mtls_mode" '{"decision": "ALLOW", "status": 200, "reason": "allow_matched", "policy": "ns[foo]-policy[sleep-only]-rule[0]", "principal": "cluster.local/ns/default/sa/sleep", "request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "mtls_mode": "PERMISSIVE"}'
expect "chain: the forged chain is refused" 1 icheck --trust-bundle "$td" "$tmp/forged.json"
has "chain: status 0, svid reason and svid_error" '{"decision": "DENY", "status": 0, "reason": "svid_untrusted", "policy": null, "principal": null, "request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "mtls_mode": "PERMISSIVE", "svid_error": "svid_untrusted", "message": "'
expect "chain: a SPIFFE bundle file" 0 icheck --trust-bundle "cluster.local=$tmp/bundle.json" "$tmp/sleep.json"
expect "chain: without --trust-bundle" 1 icheck "$tmp/sleep.json"
has "chain: svid_no_bundle" '"reason": "svid_no_bundle"'
expect "chain: STRICT accepts a verified chain" 0 icheck --trust-bundle "$td" "$tmp/strict.json"
has "chain: mtls_mode STRICT" '"principal": "cluster.local/ns/default/sa/bookinfo-productpage", "request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "mtls_mode": "STRICT"}'
echo '{"destination": {"namespace": "strict"}, "protocol": "tcp"}' >"$tmp/plain.json"
expect "chain: STRICT refuses plaintext" 1 icheck --trust-bundle "$td" "$tmp/plain.json"
has "chain: mtls_required" '"decision": "DENY", "status": 0, "reason": "mtls_required"'
echo '[{"destination": {"namespace": "foo"}, "source": {"certificate_chain_file": "sleep.pem"}},
       {"destination": {"namespace": "foo"}, "source": {"certificate_chain_file": "productpage.pem"}}]' >"$tmp/files.json"
expect "chain: certificate_chain_file, relative to the current directory" 1 sh -c 'cd "$1" && "$0" check -p "$2" --trust-bundle cluster.local=root.pem "$3"' "$zt" "$pki" "$tmp/id.yaml" "$tmp/files.json"
has "chain: the file's identity" '"principal": "cluster.local/ns/default/sa/bookinfo-productpage"'
expect "chain: a missing certificate_chain_file exits 2" 2 icheck --trust-bundle "$td" "$tmp/files.json"
has "chain: the missing file named with position" 'files.json:1:77: error: request[0]: source.certificate_chain_file: sleep.pem: No such file or directory'
echo '{"destination": {"namespace": "foo"}, "source": {"principal": "cluster.local/ns/default/sa/sleep", "certificate_chain_file": "x.pem"}}' >"$tmp/both.json"
expect "chain: a chain and a principal exit 2" 2 icheck --trust-bundle "$td" "$tmp/both.json"
has "chain: not both" 'source: give a certificate chain or a verified identity (principal, spiffe_id), not both'
echo '{"destination": {"namespace": "foo"}, "source": {"mtls": false, "certificate_chain": "x"}}' >"$tmp/nomtls.json"
expect "chain: mtls false with a chain exits 2" 2 icheck --trust-bundle "$td" "$tmp/nomtls.json"
has "chain: mtls false named" 'source.mtls: a certificate chain means mutual TLS'
echo '{"destination": {"namespace": "foo"}, "source": {"certificate_chain": ""}}' >"$tmp/emptychain.json"
expect "chain: an empty certificate_chain exits 2" 2 icheck --trust-bundle "$td" "$tmp/emptychain.json"
expect "chain: a refused --trust-bundle exits 2" 2 icheck --trust-bundle "cluster.local=$pki/sleep.pem" "$tmp/sleep.json"
has "chain: the refused bundle named" "$pki/sleep.pem: error: "
if grep -q '^{' "$tmp/out"; then bad "chain: no result after a refused bundle"; else ok "chain: no result after a refused bundle"; fi
expect "chain: a missing --trust-bundle file exits 2" 2 icheck --trust-bundle "cluster.local=$tmp/nope.pem" "$tmp/sleep.json"
expect "chain: the same trust domain twice exits 2" 2 icheck --trust-bundle "$td" --trust-bundle "cluster.local=$tmp/bundle.json" "$tmp/sleep.json"
has "chain: duplicate trust domain named" 'ztauth: --trust-bundle: cluster.local given twice'
expect "chain: --svid-strict-eku keeps a serverAuth+clientAuth leaf" 0 icheck --svid-strict-eku --spiffe-lenient --trust-bundle "$td" "$tmp/sleep.json"
if [ -n "$ZT_PKI" ] && [ -f "$ZT_PKI/leaf_eku_client.pem" ]; then
  a="example.org=$ZT_PKI/bundle_a.pem"
  chain_json bar "$ZT_PKI/leaf_eku_client.pem" >"$tmp/client.json"
  chain_json bar "$ZT_PKI/bad_id_uppercase_td.pem" >"$tmp/upper.json"
  expect "chain pki: a clientAuth leaf" 0 "$zt" check --trust-bundle "$a" "$tmp/client.json"
  expect "chain pki: --svid-strict-eku refuses it" 1 "$zt" check --svid-strict-eku --trust-bundle "$a" "$tmp/client.json"
  has "chain pki: svid_eku" '"reason": "svid_eku"'
  expect "chain pki: an upper-case trust domain" 1 "$zt" check --trust-bundle "$a" "$tmp/upper.json"
  expect "chain pki: --spiffe-lenient" 0 "$zt" check --spiffe-lenient --trust-bundle "$a" "$tmp/upper.json"
  has "chain pki: folded principal" '"principal": "example.org/'
else
  skip "chain pki: the test PKI" "ZT_PKI is not set"
fi

# test files: trust_bundles and certificate_chain_file relative to the file
mkdir -p "$tmp/t/pki"
cp "$pki/root.pem" "$pki/sleep.pem" "$pki/forged-productpage.pem" "$tmp/t/pki/"
cat >"$tmp/t/id-test.yaml" <<'EOF'
now: 1800000000
options: {svidStrictEku: true, spiffeLenient: false}
trust_bundles:
  cluster.local: pki/root.pem
policies: ""
cases:
  - name: verified
    request: {destination: {namespace: foo}, source: {certificate_chain_file: pki/sleep.pem}}
    expect: {decision: ALLOW, principal: cluster.local/ns/default/sa/sleep, mtls_mode: PERMISSIVE, svid_error: null}
  - name: forged
    request: {protocol: tcp, destination: {namespace: foo}, source: {certificate_chain_file: pki/forged-productpage.pem}}
    expect: {decision: DENY, status: 0, reason: svid_untrusted, svid_error: svid_untrusted, principal: null}
EOF
expect "test: trust_bundles and chain files beside the test file" 0 sh -c 'cd / && "$0" test "$1"' "$zt" "$tmp/t/id-test.yaml"
has "test: the forged case" "ok 2 - $tmp/t/id-test.yaml: forged"
sed 's/svid_error: svid_untrusted/svid_error: svid_expired/' "$tmp/t/id-test.yaml" >"$tmp/t/id-fail.yaml"
expect "test: svid_error compared" 1 "$zt" test "$tmp/t/id-fail.yaml"
has "test: svid_error difference shown" '#   svid_error: expected "svid_expired", got "svid_untrusted"'
sed 's|cluster.local: pki/root.pem|cluster.local: pki/nope.pem|' "$tmp/t/id-test.yaml" >"$tmp/t/id-nobundle.yaml"
expect "test: a missing trust bundle fails the file" 1 "$zt" test "$tmp/t/id-nobundle.yaml"
has "test: the missing bundle named" "id-nobundle.yaml:4:3: error: trust_bundles.cluster.local: $tmp/t/pki/nope.pem: No such file or directory"
sed 's|cluster.local: pki/root.pem|cluster.local: pki/sleep.pem|' "$tmp/t/id-test.yaml" >"$tmp/t/id-refused.yaml"
expect "test: a refused trust bundle fails the file" 1 "$zt" test "$tmp/t/id-refused.yaml"
has "test: the refused bundle named" "id-refused.yaml:4:3: error: trust_bundles.cluster.local: "
sed 's|certificate_chain_file: pki/sleep.pem|certificate_chain_file: pki/none.pem|' "$tmp/t/id-test.yaml" >"$tmp/t/id-nochain.yaml"
expect "test: a missing chain file fails its case" 1 "$zt" test "$tmp/t/id-nochain.yaml"
has "test: the missing chain named" "source.certificate_chain_file: $tmp/t/pki/none.pem: No such file or directory"
has "test: the other case still runs" "ok 2 - $tmp/t/id-nochain.yaml: forged"
sed 's/svidStrictEku: true/svidStrictEku: maybe/' "$tmp/t/id-test.yaml" >"$tmp/t/id-badopt.yaml"
expect "test: bad svidStrictEku" 1 "$zt" test "$tmp/t/id-badopt.yaml"
has "test: svidStrictEku values named" 'options.svidStrictEku: expected true|false'
echo "1..$n"
[ "$failed" = 0 ]
