/*
 * JWS compact tokens (RFC 7515 §7.1) carrying JWT claims (RFC 7519), parsed
 * as Envoy's jwt_authn parses them through google/jwt_verify_lib @ b59e8075
 * (shared/spec/jwt.md §1.2, §1.5): the same statuses, returned in the same
 * order, and the same claim checks. No signature is verified here; the
 * parsed token carries what a verifier needs (alg, kid, signing input,
 * signature bytes).
 *
 * Parse order, first failure wins (the anchor's order):
 *   size and shape          JwtBadFormat
 *   header base64url, JSON  JwtHeaderParseErrorBadBase64, ...BadJson
 *   alg, crit, kid          JwtHeaderBadAlg, ...NotImplementedAlg, ...BadKid
 *   payload base64url, JSON JwtPayloadParseErrorBadBase64, ...BadJson
 *   iss sub iat nbf exp jti aud   the per-claim statuses
 *   signature base64url     JwtSignatureParseErrorBadBase64
 *
 * Where this is stricter than the anchor (each on purpose, DECISIONS.md
 * "JWT"; the anchor accepts every one of these):
 *  - Exactly three dot-separated segments, none empty. The anchor skips
 *    empty pieces (".h.p.s", "h..p.s", "h.p.s." pass), so several token
 *    texts would carry one signed token: JwtBadFormat here.
 *  - Tokens longer than ZT_JWT_MAX_BYTES: JwtBadFormat, before anything is
 *    decoded (the anchor has no cap; Envoy's header limit is its bound).
 *  - base64url is strict (lib/b64url.h): '=' padding, '+' '/', whitespace
 *    and non-zero trailing bits fail with the segment's BadBase64 status.
 *  - JSON is strict RFC 8259 (lib/json.h): trailing commas, duplicate member
 *    names (so two "alg" members), invalid UTF-8, NUL bytes, and more tokens
 *    or deeper nesting than the caps below give the segment's BadJson.
 *  - A "crit" header member of any value: JwtHeaderNotImplementedAlg, right
 *    after the alg check. RFC 7515 §4.1.11 makes a JWS with a crit extension
 *    the recipient does not understand invalid; this library understands
 *    none (so RFC 7797 "b64":false tokens fail). The extensions change how
 *    the algorithm is applied, hence the "alg not supported" status rather
 *    than BadJson (the JSON is fine) or BadFormat.
 *  - NumericDates (iat, nbf, exp) are converted exactly from their digits,
 *    not through a double: every value in [0, 2^64) keeps its exact integer
 *    part, so 18446744073709551615 is accepted (the anchor rounds it to 2^64
 *    and answers OutOfRange). A negative number with a non-zero digit is
 *    OutOfRange even when a double would round it to -0 (-1e-400).
 * Unchanged from the anchor: "alg" is one of the thirteen names of
 * lib/jwa.h, case-sensitive ("none", "NONE" are NotImplementedAlg); jku,
 * x5u, jwk, x5c, typ and cty are never read; iat is type-checked only; an
 * absent iat/nbf/exp reads as 0, and 0 means "absent" to the time check.
 *
 * Nothing here allocates, keeps global state or prints.
 */
#ifndef ZT_JWT_H
#define ZT_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "jwa.h"
#include "jwt_status.h"
#include "ztauth.h"

/* Longest token text accepted, in bytes. */
#define ZT_JWT_MAX_BYTES 16384u
/* The decoded header, payload and signature together never exceed this:
 * their segments hold at most ZT_JWT_MAX_BYTES - 2 characters, and base64url
 * yields 3 bytes per 4 characters. */
#define ZT_JWT_DECODED_MAX (ZT_JWT_MAX_BYTES / 4u * 3u)

/* JSON caps (see lib/json.h for how tokens and depth are counted). A JOSE
 * header is a handful of members; 64 tokens leave room for an (ignored)
 * embedded jwk or x5c chain. 1024 payload tokens cover claim sets with
 * hundreds of groups or roles; the depth cap stops the nested-array attack
 * that made the anchor add (then drop) a size cap in 2018. */
#define ZT_JWT_HEADER_MAX_TOKENS 64u
#define ZT_JWT_HEADER_MAX_DEPTH 4u
#define ZT_JWT_PAYLOAD_MAX_TOKENS 1024u
#define ZT_JWT_PAYLOAD_MAX_DEPTH 16u

/*
 * A parsed token: 46,608 bytes on LP64 (x86-64, aarch64), nearly all of it
 * the private storage (jwt.c asserts at most 48 KiB). Put it in one heap
 * block per request, or on a stack known to have room (not a small
 * embedded or musl-default thread stack).
 *
 * The struct points into itself (kid, sig, the two documents), so it must
 * not be copied or moved once parsed: parse again instead. token,
 * signing_input and payload_b64 point into the caller's text, which must
 * outlive their use. Everything else lives in the struct. Decoded strings
 * (kid, iss, sub, jti and every string read through the documents) are
 * valid UTF-8 without NUL bytes and are NUL-terminated.
 *
 * After a failed parse every field is empty (as after parsing nothing):
 * alg ZT_ALG_NONE, empty strings, zero times, ZT_JSON_NONE audience, and
 * documents that hold no value.
 *
 * A parsed token is read-only for the functions below: any number of
 * threads may read it at once.
 */
typedef struct zt_jwt {
  zt_str token;         /* the text parsed (borrowed from the caller) */
  zt_str signing_input; /* header "." payload exactly as received (borrowed) */
  zt_str payload_b64;   /* the payload segment as received (borrowed):
                           Envoy's forward_payload_header */
  zt_alg alg;           /* never ZT_ALG_NONE after a successful parse */
  zt_str kid;           /* decoded; empty when absent or "" */
  const uint8_t *sig;   /* decoded signature (in the struct's storage) */
  size_t sig_len;       /* > 0 after a successful parse */
  zt_json_doc header;   /* the JOSE header object, parsed */
  zt_json_doc payload;  /* the claims object, parsed */
  zt_str iss, sub, jti; /* decoded; empty when absent */
  bool has_iss, has_sub, has_jti;
  bool has_iat, has_nbf, has_exp; /* the claim is present (it may be 0) */
  uint64_t iat, nbf, exp;         /* 0 when absent, as the anchor */
  zt_json_val aud; /* in payload: ZT_JSON_NONE when absent; else a string or
                      an array whose elements are all strings (maybe none) */

  /* Private storage: read the fields above instead. */
  struct {
    uint8_t bytes[ZT_JWT_DECODED_MAX]; /* decoded header, payload, sig */
    char scratch[ZT_JWT_DECODED_MAX];  /* the documents' decoded strings */
    zt_json_tok header_toks[ZT_JWT_HEADER_MAX_TOKENS];
    zt_json_tok payload_toks[ZT_JWT_PAYLOAD_MAX_TOKENS];
  } priv_;
} zt_jwt;

/*
 * Parses (s, n). Never allocates. Returns ZT_JWT_OK or the anchor's parse
 * status, checked in the anchor's order (see the top of this file): one of
 * ZT_JWT_BAD_FORMAT and ZT_JWT_HEADER_PARSE_ERROR_BAD_BASE64 through
 * ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64. A NULL t, or a NULL s with
 * n > 0, is ZT_JWT_BAD_FORMAT. s needs no NUL terminator.
 */
zt_jwt_status zt_jwt_parse(zt_jwt *t, const char *s, size_t n);

/*
 * The anchor's time check (jwt_verify_lib time_constraint.json), both
 * boundaries inclusive:
 *   ZT_JWT_NOT_YET_VALID  when nbf != 0 and now + skew < nbf;
 *   ZT_JWT_EXPIRED        when exp != 0 and now > exp + skew;
 *   ZT_JWT_OK             otherwise (nbf is checked first).
 * skew 0 means no skew (now == exp is still OK, as in the anchor). Sums that
 * do not fit 64 bits are never wrapped: such a check fails (NotYetValid,
 * Expired), the anchor's result for exp + skew >= 2^64. t NULL: Expired.
 */
zt_jwt_status zt_jwt_check_time(const zt_jwt *t, uint64_t now, uint64_t skew);

/* The same check on bare values (0 = absent), for callers that keep only
 * the times of a token, such as a cache of verified tokens. */
zt_jwt_status zt_jwt_time_check(uint64_t nbf, uint64_t exp, uint64_t now,
                                uint64_t skew);

/*
 * True when n == 0, or when some token audience equals some allowed one
 * after both are normalized as the anchor does: one leading "http://" or
 * "https://" removed, then one trailing '/'. Otherwise byte for byte
 * (case-sensitive). A token without aud (or with "aud": []) matches no
 * allowed list. allowed[i].ptr may be NULL when its len is 0.
 */
bool zt_jwt_audience_allowed(const zt_jwt *t, const zt_str *allowed, size_t n);

#endif
