#!/usr/bin/env python3
"""How the HS256 test tokens of tests/conformance/reqauthn_*.yaml and
tests/cli_test.sh were made (Python standard library only).

HMAC-SHA256 is deterministic, so running this again writes the same bytes:

    python3 tests/data/jwt/make_tokens.py tests/data/jwt

writes, into the directory given:
  - keys.json:   the key sets (JWKS) of the keys below, by key name;
  - tokens.json: every token with its header and claims, by token name;
  - NAME.jwt:    each token alone (no newline), for shell tests;
  - jwks_NAME.json: each key set alone.

Nothing runs this at test time: the conformance files hold the tokens and
key sets inline, and cli_test.sh reads the .jwt / .json files. The keys are
test secrets published here on purpose; never trust them anywhere else.

Times are Unix seconds around NOW = 1700000000 (2023-11-14T22:13:20Z), the
`now` the conformance files set.
"""

import base64
import hashlib
import hmac
import json
import os
import sys

NOW = 1700000000
FAR = 4102444800  # 2100-01-01T00:00:00Z

# HMAC keys: RFC 8725 / DECISIONS.md want at least the hash length (32
# bytes for HS256). The secret is the UTF-8 text.
KEYS = {
    "k1": b"ztauth conformance HS256 test key number one",
    "k2": b"ztauth conformance HS256 test key number two",
    "k3": b"ztauth conformance HS256 test key number three",
}

ISS1 = "https://issuer.example"
ISS2 = "https://issuer2.example"
ISS_URI = "https://uri.example"
ISS_MISSING = "https://missing.example"
ISS_OTHER = "https://other.example"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def jwk(name):
    return {"kty": "oct", "kid": name, "alg": "HS256", "k": b64url(KEYS[name])}


def jwks(*names):
    return {"keys": [jwk(n) for n in names]}


def sign(claims, key, kid=None, header=None):
    """HS256 over header.payload with KEYS[key]; kid defaults to the key's
    name, kid=False leaves it out."""
    h = {"alg": "HS256", "typ": "JWT"}
    if kid is None:
        kid = key
    if kid is not False:
        h["kid"] = kid
    if header:
        h.update(header)
    signing_input = b64url(compact(h)) + "." + b64url(compact(claims))
    mac = hmac.new(KEYS[key], signing_input.encode("ascii"), hashlib.sha256)
    return signing_input + "." + b64url(mac.digest()), h


def base(**extra):
    c = {"iss": ISS1, "sub": "user1", "iat": NOW - 100, "exp": FAR}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


# name: (claims, key, kid) -- kid None = the key's name, False = no kid.
TOKENS = {
    # a valid token of issuer 1 and variations of it
    "valid": (base(), "k1", None),
    "valid_user2": (base(sub="user2"), "k1", None),
    "valid_no_kid": (base(), "k1", False),
    "no_sub": (base(sub=None), "k1", None),
    "slash_sub": (base(sub="repo:org/x:ref:refs/heads/main"), "k1", None),
    # failures
    "expired": (base(exp=NOW - 3600), "k1", None),
    "bad_sig": (base(), "k2", "k1"),  # kid k1, signed with k2
    "bad_sig_no_kid": (base(), "k2", False),
    "unknown_kid": (base(), "k1", "k9"),
    "other_issuer": (base(iss=ISS_OTHER, sub="intruder"), "k1", None),
    # check order (§9.3): issuer, then time, then audience, then signature
    "expired_bad_sig": (base(exp=NOW - 3600), "k2", "k1"),
    "other_issuer_expired": (base(iss=ISS_OTHER, exp=NOW - 3600), "k1", None),
    "bad_aud_bad_sig": (base(aud="nope.example"), "k2", "k1"),
    "bad_aud_expired": (base(aud="nope.example", exp=NOW - 3600), "k1", None),
    "aud_ok_bad_sig": (base(aud="svc.example"), "k2", "k1"),
    "iss_not_string": (base(iss=5), "k1", None),
    # issuer 2, its own key
    "issuer2": (base(iss=ISS2, sub="user9"), "k2", None),
    "issuer2_expired": (base(iss=ISS2, sub="user9", exp=NOW - 3600), "k2",
                        None),
    # jwksUri issuers
    "uri_valid": (base(iss=ISS_URI, sub="u"), "k3", None),
    "missing_valid": (base(iss=ISS_MISSING, sub="m"), "k1", None),
    # clock: exp exactly NOW; nbf exactly NOW; no exp; iat in the future
    "exp_now": (base(exp=NOW), "k1", None),
    "nbf_now": (base(nbf=NOW), "k1", None),
    "no_exp": (base(exp=None), "k1", None),
    "iat_future": (base(iat=NOW + 86400), "k1", None),
    # audiences
    "aud_plain": (base(aud="example.com"), "k1", None),
    "aud_https": (base(aud="https://example.com"), "k1", None),
    "aud_http_slash": (base(aud="http://example.com/"), "k1", None),
    "aud_slash": (base(aud="example.com/"), "k1", None),
    "aud_two_slashes": (base(aud="example.com//"), "k1", None),
    "aud_list": (base(aud=["other.example", "https://example.com/"]), "k1",
                 None),
    "aud_other": (base(aud="example.org"), "k1", None),
    "aud_path": (base(aud="https://example.com/api"), "k1", None),
    "aud_upper": (base(aud="EXAMPLE.COM"), "k1", None),
    "no_aud": (base(), "k1", None),
    # claims for authorization and for outputClaimToHeaders
    "claims": (base(
        sub="user3",
        aud="svc.example",
        azp="client-1",
        groups=["admins", "devs"],
        scope="write read",
        permission="p1 p2",
        custom_scope="admin user",
        nested={"key": "value", "deep": {"x": "y"}, "list": ["l1", "l2"]},
        num=42,
        ratio=1.5,
        flag=True,
        off=False,
        obj={"k": "v"},
        list=["a", "b"],
    ), "k1", None),
}

# A claim whose value is JSON null cannot be given through base() (None
# drops it); the claims token carries one for "unsupported type".
TOKENS["claims"][0]["nothing"] = None


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    tokens = {}
    for name, (claims, key, kid) in TOKENS.items():
        tok, header = sign(claims, key, kid)
        tokens[name] = {"header": header, "claims": claims, "key": key,
                        "token": tok}
        with open(os.path.join(out, name + ".jwt"), "w") as f:
            f.write(tok)
    keysets = {
        "k1": jwks("k1"),
        "k2": jwks("k2"),
        "k3": jwks("k3"),
        "k1k2": jwks("k1", "k2"),
    }
    for name, doc in keysets.items():
        with open(os.path.join(out, "jwks_" + name + ".json"), "w") as f:
            f.write(json.dumps(doc, separators=(",", ":")) + "\n")
    with open(os.path.join(out, "keys.json"), "w") as f:
        json.dump(keysets, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out, "tokens.json"), "w") as f:
        json.dump({"now": NOW, "tokens": tokens}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
