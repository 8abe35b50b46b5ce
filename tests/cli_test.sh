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
has "check: ALLOW result" '{"decision": "ALLOW", "status": 200, "reason": "no_allow_policy", "policy": null, "principal": null, "request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}}'
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
has "check: provider 200 allows" '"decision": "ALLOW", "status": 200, "reason": "no_allow_policy", "policy": null, "principal": null, "request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "provider": "ext"}'
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
echo 'x' >"$tmp/pem.txt"
expect "check: --trust-bundle not available yet" 2 "$zt" check --trust-bundle "td=$tmp/pem.txt" "$tmp/allow.json"
has "check: --trust-bundle message" "ztauth: --trust-bundle: SVID verification is not available yet"
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
has "jwt: headers to set and remove" '"headers": {"set": {"x-user": "user1"}, "remove": ["authorization", "x-user"]}}'
if grep -q '"message"\|"response_headers"' "$tmp/out"; then bad "jwt: no message on ALLOW"; else ok "jwt: no message on ALLOW"; fi
has "jwt: the unsupplied jwksUri is named" 'ztauth: warning: jwksUri https://keys.example/k2.json was not supplied with --jwks: tokens of issuers using it will fail with jwks_fetch_fail'
if grep -q 'k1.json was not supplied' "$tmp/out"; then bad "jwt: supplied jwksUri not warned about"; else ok "jwt: supplied jwksUri not warned about"; fi
expect "jwt: an expired token exits 1" 1 jcheck "$tmp/jwt-expired.json"
has "jwt: 401 with the token's reason" '"decision": "DENY", "status": 401, "reason": "jwt_expired", "policy": null, "principal": null, "request_principal": null,'
has "jwt: message and WWW-Authenticate, no header changes" '"headers": {"set": {}, "remove": []}, "message": "Jwt is expired", "response_headers": {"www-authenticate": "Bearer realm=\"http://svc.foo/api\", error=\"invalid_token\""}}'
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
has "jwt: RBAC message, principal kept, no header changes" '"request_principal": "https://issuer.example/user1", "audit": false, "dry_run": null, "headers": {"set": {}, "remove": []}, "message": "RBAC: access denied"}'
expect "jwt: no token" 0 jcheck "$tmp/jwt-none.json"
has "jwt: output headers removed without a token" '"request_principal": null, "audit": false, "dry_run": null, "headers": {"set": {}, "remove": ["x-user"]}}'
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
echo '{"destination": {"namespace": "foo"}, "source": {"certificate_chain": "x"}}' >"$tmp/chain.json"
expect "check: certificate_chain not available yet" 2 check "$tmp/chain.json"
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
echo "1..$n"
[ "$failed" = 0 ]
