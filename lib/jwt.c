/* JWS compact token parsing and the anchor's claim checks. See jwt.h for
 * the contract and every place where this is stricter than the anchor. */
#include "jwt.h"

#include "b64url.h"

#include <string.h>

/* The struct lives on a stack or in one heap block per request: keep its
 * size known and bounded (jwt.h documents it). */
_Static_assert(sizeof(zt_jwt) <= 48u * 1024u, "zt_jwt stays under 48 KiB");
/* The three decoded segments share one buffer, and the two documents share
 * one scratch buffer, because their sum is bounded by the token size. */
_Static_assert(ZT_JWT_DECODED_MAX >= (ZT_JWT_MAX_BYTES - 2u) / 4u * 3u + 2u,
               "decoded segments fit the shared buffer");

static const zt_str empty = {"", 0};

/* ---- State -------------------------------------------------------------- */

/* What parsing has used of the private storage so far. */
typedef struct pctx {
  zt_jwt *t;
  size_t used;         /* bytes of priv_.bytes holding decoded segments */
  size_t scratch_used; /* bytes of priv_.scratch lent to documents */
} pctx;

/* Every field empty: the state before a parse and after a failed one, so a
 * half-parsed token can never be used by mistake. */
static void reset(zt_jwt *t) {
  t->token = t->signing_input = t->payload_b64 = empty;
  t->alg = ZT_ALG_NONE;
  t->kid = t->iss = t->sub = t->jti = empty;
  t->sig = NULL;
  t->sig_len = 0;
  t->has_iss = t->has_sub = t->has_jti = false;
  t->has_iat = t->has_nbf = t->has_exp = false;
  t->iat = t->nbf = t->exp = 0;
  t->aud = ZT_JSON_NONE;
  zt_json_doc_init(&t->header, t->priv_.header_toks, ZT_JWT_HEADER_MAX_TOKENS,
                   t->priv_.scratch, 0);
  zt_json_doc_init(&t->payload, t->priv_.payload_toks,
                   ZT_JWT_PAYLOAD_MAX_TOKENS, t->priv_.scratch, 0);
}

/* ---- Segments ----------------------------------------------------------- */

typedef struct segs {
  zt_str h, p, s;
} segs;

/* RFC 7515 §7.1: exactly two dots and three non-empty segments. The anchor
 * skips empty pieces instead; refusing them keeps one text per token. */
static bool split(const char *s, size_t n, segs *out) {
  const char *d1 = memchr(s, '.', n);
  if (!d1)
    return false;
  size_t i1 = (size_t)(d1 - s);
  const char *d2 = memchr(d1 + 1, '.', n - i1 - 1);
  if (!d2)
    return false;
  size_t i2 = (size_t)(d2 - s);
  if (memchr(d2 + 1, '.', n - i2 - 1))
    return false;
  out->h = (zt_str){s, i1};
  out->p = (zt_str){d1 + 1, i2 - i1 - 1};
  out->s = (zt_str){d2 + 1, n - i2 - 1};
  return out->h.len && out->p.len && out->s.len;
}

/* Strict base64url (token text is public: the table decoder) into the next
 * free part of the shared buffer. The size cap guarantees room; if it ever
 * did not, the decoder refuses (closed). */
static bool decode(pctx *c, zt_str seg, const uint8_t **out, size_t *len) {
  uint8_t *dst = c->t->priv_.bytes + c->used;
  size_t cap = sizeof(c->t->priv_.bytes) - c->used;
  if (!zt_b64url_decode_public(seg.ptr, seg.len, dst, cap, len))
    return false;
  *out = dst;
  c->used += *len;
  return true;
}

/* Strict JSON whose root must be an object (RFC 7515 §4, RFC 7519 §7.2),
 * into doc with its token array and the next free part of the scratch. */
static bool parse_object(pctx *c, zt_json_doc *doc, zt_json_tok *toks,
                         uint32_t max_tokens, uint32_t max_depth,
                         const uint8_t *p, size_t n) {
  char *scratch = c->t->priv_.scratch + c->scratch_used;
  size_t cap = sizeof(c->t->priv_.scratch) - c->scratch_used;
  zt_json_limits lim = {ZT_JWT_DECODED_MAX, max_tokens, max_depth, 0};
  zt_json_doc_init(doc, toks, max_tokens, scratch, cap < n ? cap : n);
  c->scratch_used += cap < n ? cap : n;
  return zt_json_parse(doc, (const char *)p, n, &lim, NULL) == ZT_OK &&
         zt_json_type_of(doc, ZT_JSON_ROOT) == ZT_JSON_OBJECT;
}

/* ---- Header ------------------------------------------------------------- */

/* alg, crit, kid in the anchor's order; crit (which the anchor ignores)
 * right after alg, as it qualifies how alg is applied. Other members (jku,
 * x5u, jwk, x5c, typ, cty, ...) are never read. */
static zt_jwt_status read_header(zt_jwt *t) {
  const zt_json_doc *d = &t->header;
  zt_json_val v;
  const char *p;
  size_t n;
  if (!zt_json_member(d, ZT_JSON_ROOT, "alg", 3, &v) ||
      !zt_json_string(d, v, &p, &n))
    return ZT_JWT_HEADER_BAD_ALG;
  t->alg = zt_alg_parse(p, n);
  if (t->alg == ZT_ALG_NONE)
    return ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG;
  /* RFC 7515 §4.1.11: no crit extension is understood here. */
  if (zt_json_member(d, ZT_JSON_ROOT, "crit", 4, &v))
    return ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG;
  if (zt_json_member(d, ZT_JSON_ROOT, "kid", 3, &v)) {
    if (!zt_json_string(d, v, &p, &n))
      return ZT_JWT_HEADER_BAD_KID;
    t->kid = (zt_str){p, n};
  }
  return ZT_JWT_OK;
}

static zt_jwt_status parse_header(pctx *c, zt_str seg) {
  const uint8_t *p;
  size_t n;
  if (!decode(c, seg, &p, &n))
    return ZT_JWT_HEADER_PARSE_ERROR_BAD_BASE64;
  if (!parse_object(c, &c->t->header, c->t->priv_.header_toks,
                    ZT_JWT_HEADER_MAX_TOKENS, ZT_JWT_HEADER_MAX_DEPTH, p, n))
    return ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON;
  return read_header(c->t);
}

/* ---- NumericDate -------------------------------------------------------- */

/* ---- Claims ------------------------------------------------------------- */

/* An optional string claim: absent is fine, any other type is `bad`. */
static zt_jwt_status claim_string(const zt_json_doc *d, const char *name,
                                  zt_jwt_status bad, zt_str *out, bool *has) {
  zt_json_val v;
  const char *p;
  size_t n;
  if (!zt_json_member(d, ZT_JSON_ROOT, name, strlen(name), &v))
    return ZT_JWT_OK;
  if (!zt_json_string(d, v, &p, &n))
    return bad;
  *out = (zt_str){p, n};
  *has = true;
  return ZT_JWT_OK;
}

/* An optional NumericDate: not a number (string, null, bool, ...) is
 * not_int, outside [0, 2^64) is range. Fractions are truncated. */
static zt_jwt_status claim_date(const pctx *c, const char *name,
                                zt_jwt_status not_int, zt_jwt_status range,
                                uint64_t *out, bool *has) {
  const zt_json_doc *d = &c->t->payload;
  zt_json_val v;
  if (!zt_json_member(d, ZT_JSON_ROOT, name, strlen(name), &v))
    return ZT_JWT_OK;
  int rc = zt_json_uint64(d, v, out);
  if (rc != ZT_OK)
    return rc == ZT_ESCHEMA ? not_int : range;
  *has = true;
  return ZT_JWT_OK;
}

/* aud: a string, or an array of nothing but strings (RFC 7519 §4.1.3). */
static zt_jwt_status claim_aud(zt_jwt *t) {
  const zt_json_doc *d = &t->payload;
  zt_json_val v, el;
  zt_json_iter it;
  if (!zt_json_member(d, ZT_JSON_ROOT, "aud", 3, &v))
    return ZT_JWT_OK;
  zt_json_type type = zt_json_type_of(d, v);
  if (type != ZT_JSON_STRING && type != ZT_JSON_ARRAY)
    return ZT_JWT_PAYLOAD_PARSE_ERROR_AUD_NOT_STRING;
  zt_json_iter_init(&it, d, v);
  while (zt_json_iter_next(&it, NULL, &el))
    if (zt_json_type_of(d, el) != ZT_JSON_STRING)
      return ZT_JWT_PAYLOAD_PARSE_ERROR_AUD_NOT_STRING;
  t->aud = v;
  return ZT_JWT_OK;
}

/* The anchor's order: iss, sub, iat, nbf, exp, jti, aud. */
static zt_jwt_status read_claims(pctx *c) {
  zt_jwt *t = c->t;
  const zt_json_doc *d = &t->payload;
  zt_jwt_status st =
      claim_string(d, "iss", ZT_JWT_PAYLOAD_PARSE_ERROR_ISS_NOT_STRING, &t->iss,
                   &t->has_iss);
  if (st == ZT_JWT_OK)
    st = claim_string(d, "sub", ZT_JWT_PAYLOAD_PARSE_ERROR_SUB_NOT_STRING,
                      &t->sub, &t->has_sub);
  if (st == ZT_JWT_OK)
    st = claim_date(c, "iat", ZT_JWT_PAYLOAD_PARSE_ERROR_IAT_NOT_INTEGER,
                    ZT_JWT_PAYLOAD_PARSE_ERROR_IAT_OUT_OF_RANGE, &t->iat,
                    &t->has_iat);
  if (st == ZT_JWT_OK)
    st = claim_date(c, "nbf", ZT_JWT_PAYLOAD_PARSE_ERROR_NBF_NOT_INTEGER,
                    ZT_JWT_PAYLOAD_PARSE_ERROR_NBF_OUT_OF_RANGE, &t->nbf,
                    &t->has_nbf);
  if (st == ZT_JWT_OK)
    st = claim_date(c, "exp", ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_NOT_INTEGER,
                    ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_OUT_OF_RANGE, &t->exp,
                    &t->has_exp);
  if (st == ZT_JWT_OK)
    st = claim_string(d, "jti", ZT_JWT_PAYLOAD_PARSE_ERROR_JTI_NOT_STRING,
                      &t->jti, &t->has_jti);
  if (st == ZT_JWT_OK)
    st = claim_aud(t);
  return st;
}

static zt_jwt_status parse_payload(pctx *c, zt_str seg) {
  const uint8_t *p;
  size_t n;
  if (!decode(c, seg, &p, &n))
    return ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_BASE64;
  if (!parse_object(c, &c->t->payload, c->t->priv_.payload_toks,
                    ZT_JWT_PAYLOAD_MAX_TOKENS, ZT_JWT_PAYLOAD_MAX_DEPTH, p, n))
    return ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON;
  return read_claims(c);
}

/* ---- Token -------------------------------------------------------------- */

/* A non-empty segment that decodes holds at least one byte (base64url has
 * no 1-character form), so sig_len > 0 on success. */
static zt_jwt_status parse_signature(pctx *c, zt_str seg) {
  const uint8_t *p;
  size_t n;
  if (!decode(c, seg, &p, &n))
    return ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64;
  c->t->sig = p;
  c->t->sig_len = n;
  return ZT_JWT_OK;
}

static zt_jwt_status parse_token(zt_jwt *t, const char *s, size_t n) {
  segs sg;
  pctx c = {t, 0, 0};
  if (!s || n == 0 || n > ZT_JWT_MAX_BYTES || !split(s, n, &sg))
    return ZT_JWT_BAD_FORMAT;
  t->token = (zt_str){s, n};
  t->signing_input = (zt_str){s, sg.h.len + 1 + sg.p.len};
  t->payload_b64 = sg.p;
  zt_jwt_status st = parse_header(&c, sg.h);
  if (st == ZT_JWT_OK)
    st = parse_payload(&c, sg.p);
  if (st == ZT_JWT_OK)
    st = parse_signature(&c, sg.s);
  return st;
}

zt_jwt_status zt_jwt_parse(zt_jwt *t, const char *s, size_t n) {
  if (!t)
    return ZT_JWT_BAD_FORMAT;
  reset(t);
  zt_jwt_status st = parse_token(t, s, n);
  if (st != ZT_JWT_OK)
    reset(t);
  return st;
}

/* ---- Checks ------------------------------------------------------------- */

/* Sums are tested before they are formed: one that would pass 2^64 fails
 * its check rather than wrap into a small, passing value. */
zt_jwt_status zt_jwt_time_check(uint64_t nbf, uint64_t exp, uint64_t now,
                                uint64_t skew) {
  if (nbf != 0 && (skew > UINT64_MAX - now || now + skew < nbf))
    return ZT_JWT_NOT_YET_VALID;
  if (exp != 0 && (skew > UINT64_MAX - exp || now > exp + skew))
    return ZT_JWT_EXPIRED;
  return ZT_JWT_OK;
}

zt_jwt_status zt_jwt_check_time(const zt_jwt *t, uint64_t now, uint64_t skew) {
  if (!t)
    return ZT_JWT_EXPIRED;
  return zt_jwt_time_check(t->nbf, t->exp, now, skew);
}

/* The anchor's audience normalization: one leading "http://" or
 * "https://", then one trailing '/'. */
static zt_str normalize_aud(const char *p, size_t n) {
  if (n >= 7 && memcmp(p, "http://", 7) == 0) {
    p += 7;
    n -= 7;
  } else if (n >= 8 && memcmp(p, "https://", 8) == 0) {
    p += 8;
    n -= 8;
  }
  if (n > 0 && p[n - 1] == '/')
    n--;
  return (zt_str){p, n};
}

static bool aud_listed(const char *p, size_t len, const zt_str *allowed,
                       size_t n) {
  zt_str a = normalize_aud(p, len);
  for (size_t i = 0; i < n; i++) {
    zt_str b =
        allowed[i].len ? normalize_aud(allowed[i].ptr, allowed[i].len) : empty;
    if (a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0))
      return true;
  }
  return false;
}

bool zt_jwt_audience_allowed(const zt_jwt *t, const zt_str *allowed, size_t n) {
  const char *p;
  size_t len;
  zt_json_val el;
  zt_json_iter it;
  if (n == 0)
    return true;
  if (!t || !allowed)
    return false;
  if (zt_json_string(&t->payload, t->aud, &p, &len))
    return aud_listed(p, len, allowed, n);
  zt_json_iter_init(&it, &t->payload, t->aud);
  while (zt_json_iter_next(&it, NULL, &el))
    if (zt_json_string(&t->payload, el, &p, &len) &&
        aud_listed(p, len, allowed, n))
      return true;
  return false;
}
