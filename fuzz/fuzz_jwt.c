/*
 * libFuzzer target for lib/jwt.c. Every input is parsed as a token twice
 * (two structs, same answer), and a parsed token is checked against the
 * text it came from: the split, the canonical base64url of the signature,
 * the claims as the documents hold them, the time check against a simple
 * model, and the audience check against an independent normalization.
 * Any broken invariant aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "json.h"
#include "jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Too large for a fuzzer's stack frame; the library itself keeps no state. */
static zt_jwt first, second;
static char sig_text[ZT_JWT_MAX_BYTES + 8];
static char built[2 * ZT_JWT_MAX_BYTES + 8];

static void require(bool ok) {
  if (!ok)
    abort();
}

static bool str_same(zt_str a, zt_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* A decoded string: NUL-terminated, no NUL inside. */
static void check_cstr(zt_str s) {
  require(s.ptr != NULL && s.ptr[s.len] == '\0');
  require(memchr(s.ptr, '\0', s.len) == NULL);
}

static bool valid_status(zt_jwt_status st) {
  return st == ZT_JWT_OK || st == ZT_JWT_BAD_FORMAT ||
         (st >= ZT_JWT_HEADER_PARSE_ERROR_BAD_BASE64 &&
          st <= ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64);
}

static void check_empty(const zt_jwt *t) {
  require(t->token.len == 0 && t->signing_input.len == 0);
  require(t->payload_b64.len == 0 && t->alg == ZT_ALG_NONE);
  require(t->kid.len == 0 && t->iss.len == 0 && t->sub.len == 0);
  require(t->jti.len == 0 && t->sig == NULL && t->sig_len == 0);
  require(!t->has_iss && !t->has_sub && !t->has_jti);
  require(!t->has_iat && !t->has_nbf && !t->has_exp);
  require(t->iat == 0 && t->nbf == 0 && t->exp == 0);
  require(t->aud == ZT_JSON_NONE);
  require(zt_json_type_of(&t->header, ZT_JSON_ROOT) == ZT_JSON_INVALID);
  require(zt_json_type_of(&t->payload, ZT_JSON_ROOT) == ZT_JSON_INVALID);
}

/* The split: signing input ends right before the last dot, there are
 * exactly two dots, no segment is empty, and the signature segment is the
 * canonical base64url of the decoded bytes. */
static void check_text(const zt_jwt *t, const char *s, size_t n) {
  require(t->token.ptr == s && t->token.len == n && n <= ZT_JWT_MAX_BYTES);
  size_t si = t->signing_input.len;
  require(t->signing_input.ptr == s && si > 0 && si + 1 < n);
  require(s[si] == '.' && memchr(s + si + 1, '.', n - si - 1) == NULL);
  const char *dot = memchr(s, '.', si);
  require(dot != NULL && dot > s &&
          memchr(dot + 1, '.', si - (size_t)(dot + 1 - s)) == NULL);
  require(t->payload_b64.ptr == dot + 1 && t->payload_b64.len > 0);
  require(t->payload_b64.ptr + t->payload_b64.len == s + si);
  require(t->sig != NULL && t->sig_len > 0);
  size_t w = zt_b64url_encode(t->sig, t->sig_len, sig_text, sizeof(sig_text));
  require(w == n - si - 1 && memcmp(sig_text, s + si + 1, w) == 0);
}

static void check_member_str(const zt_json_doc *d, const char *name, bool has,
                             zt_str got) {
  zt_json_val v;
  const char *p;
  size_t n;
  bool present = zt_json_member(d, ZT_JSON_ROOT, name, strlen(name), &v);
  require(present == has);
  if (has)
    require(zt_json_string(d, v, &p, &n) && str_same((zt_str){p, n}, got));
  else
    require(got.len == 0);
  check_cstr(got);
}

static void check_header(const zt_jwt *t) {
  const zt_json_doc *d = &t->header;
  zt_json_val v;
  const char *name = zt_alg_name(t->alg);
  require(t->alg != ZT_ALG_NONE && name[0] != '\0');
  require(zt_json_type_of(d, ZT_JSON_ROOT) == ZT_JSON_OBJECT);
  require(zt_json_member(d, ZT_JSON_ROOT, "alg", 3, &v));
  require(zt_json_string_eq(d, v, name, strlen(name)));
  require(!zt_json_member(d, ZT_JSON_ROOT, "crit", 4, &v));
  bool has_kid = zt_json_member(d, ZT_JSON_ROOT, "kid", 3, &v);
  check_member_str(d, "kid", has_kid, t->kid);
}

/* A NumericDate that lib/json.h can also read (up to 2^53) must agree. */
static void check_date(const zt_jwt *t, const char *name, bool has,
                       uint64_t got) {
  zt_json_val v;
  int64_t ref;
  bool present =
      zt_json_member(&t->payload, ZT_JSON_ROOT, name, strlen(name), &v);
  require(present == has && (has || got == 0));
  if (has && zt_json_numeric_date(&t->payload, v, false, &ref) == ZT_OK)
    require(ref >= 0 && (uint64_t)ref == got);
}

static void check_aud(const zt_jwt *t) {
  const zt_json_doc *d = &t->payload;
  zt_json_val v, el;
  zt_json_iter it;
  bool present = zt_json_member(d, ZT_JSON_ROOT, "aud", 3, &v);
  require(present == (t->aud != ZT_JSON_NONE));
  if (!present)
    return;
  require(v == t->aud);
  zt_json_type type = zt_json_type_of(d, v);
  require(type == ZT_JSON_STRING || type == ZT_JSON_ARRAY);
  zt_json_iter_init(&it, d, v);
  while (zt_json_iter_next(&it, NULL, &el))
    require(zt_json_type_of(d, el) == ZT_JSON_STRING);
}

static void check_claims(const zt_jwt *t) {
  const zt_json_doc *d = &t->payload;
  require(zt_json_type_of(d, ZT_JSON_ROOT) == ZT_JSON_OBJECT);
  check_member_str(d, "iss", t->has_iss, t->iss);
  check_member_str(d, "sub", t->has_sub, t->sub);
  check_member_str(d, "jti", t->has_jti, t->jti);
  check_date(t, "iat", t->has_iat, t->iat);
  check_date(t, "nbf", t->has_nbf, t->nbf);
  check_date(t, "exp", t->has_exp, t->exp);
  check_aud(t);
}

/* ---- Time -----------------------------------------------------------------
 */

/* One check against the model: exact arithmetic where no sum overflows;
 * where one would, the check it belongs to must fail. */
static void check_time_at(const zt_jwt *t, uint64_t now, uint64_t skew) {
  uint64_t nbf = t->nbf, exp = t->exp;
  zt_jwt_status r = zt_jwt_check_time(t, now, skew);
  require(r == zt_jwt_time_check(nbf, exp, now, skew));
  require(r == ZT_JWT_OK || r == ZT_JWT_EXPIRED || r == ZT_JWT_NOT_YET_VALID);
  bool early = nbf != 0 && nbf > now && nbf - now > skew;
  bool late = exp != 0 && now > exp && now - exp > skew;
  bool nbf_wraps = nbf != 0 && skew > UINT64_MAX - now;
  bool exp_wraps = exp != 0 && skew > UINT64_MAX - exp;
  if (r == ZT_JWT_OK)
    require(!early && !late && !nbf_wraps && !exp_wraps);
  if (r == ZT_JWT_NOT_YET_VALID)
    require(nbf != 0 && (early || nbf_wraps));
  if (r == ZT_JWT_EXPIRED)
    require(exp != 0 && (late || exp_wraps) && !early && !nbf_wraps);
  if (early)
    require(r == ZT_JWT_NOT_YET_VALID);
  if (!early && !nbf_wraps && !late && !exp_wraps)
    require(r == ZT_JWT_OK);
}

static uint64_t fnv(const uint8_t *p, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 1099511628211u;
  return h;
}

static void check_time(const zt_jwt *t, const uint8_t *data, size_t size) {
  uint64_t h = fnv(data, size, 14695981039346656037u);
  uint64_t e = t->exp, b = t->nbf;
  const uint64_t skews[] = {0, 1, 60, h >> 40, UINT64_MAX - 1, UINT64_MAX};
  for (size_t i = 0; i < sizeof(skews) / sizeof(skews[0]); i++) {
    uint64_t s = skews[i];
    const uint64_t nows[] = {
        0,         1,     e - 1, e, e + 1,   e + s,      e + s + 1,
        b - s - 1, b - s, b,     h, h >> 20, UINT64_MAX, UINT64_MAX - s};
    for (size_t k = 0; k < sizeof(nows) / sizeof(nows[0]); k++)
      check_time_at(t, nows[k], s);
  }
}

/* ---- Audience -------------------------------------------------------------
 */

/* The anchor's rule written out once more, independently. */
static zt_str model_norm(zt_str s) {
  static const char *const schemes[] = {"http://", "https://"};
  for (size_t i = 0; i < 2; i++) {
    size_t k = strlen(schemes[i]);
    if (s.len >= k && memcmp(s.ptr, schemes[i], k) == 0) {
      s.ptr += k;
      s.len -= k;
      break;
    }
  }
  if (s.len && s.ptr[s.len - 1] == '/')
    s.len--;
  return s;
}

static size_t token_auds(const zt_jwt *t, zt_str *out, size_t cap) {
  const zt_json_doc *d = &t->payload;
  zt_json_iter it;
  zt_json_val el;
  size_t k = 0;
  if (zt_json_string(d, t->aud, &out[0].ptr, &out[0].len))
    return 1;
  zt_json_iter_init(&it, d, t->aud);
  while (k < cap && zt_json_iter_next(&it, NULL, &el))
    if (zt_json_string(d, el, &out[k].ptr, &out[k].len))
      k++;
  return k;
}

static bool model_allowed(const zt_str *auds, size_t na, const zt_str *allowed,
                          size_t n) {
  if (n == 0)
    return true;
  for (size_t i = 0; i < na; i++)
    for (size_t j = 0; j < n; j++)
      if (str_same(model_norm(auds[i]), model_norm(allowed[j])))
        return true;
  return false;
}

static void check_audience(const zt_jwt *t, const uint8_t *data, size_t size) {
  zt_str auds[16], allowed[4];
  size_t na = token_auds(t, auds, 16);
  /* The token's own audiences are always allowed (when it has any). */
  if (na > 0)
    require(zt_jwt_audience_allowed(t, auds, na));
  /* Allowed lists cut from the input text and from the token's own. */
  size_t cut = size < 24 ? size : 24;
  allowed[0] = (zt_str){(const char *)data, cut};
  allowed[1] = (zt_str){"https://", 8};
  allowed[2] = na ? auds[0] : (zt_str){"", 0};
  allowed[3] =
      na ? (zt_str){auds[na - 1].ptr, auds[na - 1].len / 2} : (zt_str){NULL, 0};
  for (size_t n = 0; n <= 4; n++) {
    bool got = zt_jwt_audience_allowed(t, allowed, n);
    if (na < 16)
      require(got == model_allowed(auds, na, allowed, n));
  }
}

/* ---- Determinism ----------------------------------------------------------
 */

static void check_same(const zt_jwt *a, const zt_jwt *b) {
  require(str_same(a->token, b->token) && a->alg == b->alg);
  require(str_same(a->signing_input, b->signing_input));
  require(str_same(a->payload_b64, b->payload_b64));
  require(str_same(a->kid, b->kid) && str_same(a->iss, b->iss));
  require(str_same(a->sub, b->sub) && str_same(a->jti, b->jti));
  require(a->has_iss == b->has_iss && a->has_sub == b->has_sub);
  require(a->has_jti == b->has_jti && a->has_iat == b->has_iat);
  require(a->has_nbf == b->has_nbf && a->has_exp == b->has_exp);
  require(a->iat == b->iat && a->nbf == b->nbf && a->exp == b->exp);
  require(a->aud == b->aud && a->sig_len == b->sig_len);
  require(a->sig_len == 0 || memcmp(a->sig, b->sig, a->sig_len) == 0);
  require(a->header.count == b->header.count);
  require(a->payload.count == b->payload.count);
}

/* Parses (s, n) and checks everything above; data seeds the time and
 * audience probes. */
static void check_token(const char *s, size_t n, const uint8_t *data,
                        size_t size) {
  zt_jwt_status st = zt_jwt_parse(&first, s, n);
  require(valid_status(st));
  require(zt_jwt_parse(&second, s, n) == st);
  check_same(&first, &second);
  if (n > ZT_JWT_MAX_BYTES || n == 0)
    require(st == ZT_JWT_BAD_FORMAT);
  if (st != ZT_JWT_OK) {
    check_empty(&first);
    /* Without claims no time check fails and only n == 0 allows. */
    require(zt_jwt_check_time(&first, 0, 0) == ZT_JWT_OK);
    require(!zt_jwt_audience_allowed(&first, &first.kid, 1));
    return;
  }
  check_text(&first, s, n);
  check_header(&first);
  check_claims(&first);
  check_time(&first, data, size);
  check_audience(&first, data, size);
}

/* Raw mutations of base64url rarely reach the JSON inside, so an input
 * "header NUL payload NUL signature" (JSON never holds a raw NUL) is also
 * encoded into a token: the claims then see mutated JSON directly. */
static size_t encode_parts(const uint8_t *data, size_t size) {
  const uint8_t *z1 = memchr(data, 0, size);
  const uint8_t *z2 =
      z1 ? memchr(z1 + 1, 0, size - (size_t)(z1 + 1 - data)) : NULL;
  if (!z2 || size > ZT_JWT_MAX_BYTES)
    return 0;
  const uint8_t *part[3] = {data, z1 + 1, z2 + 1};
  const size_t len[3] = {(size_t)(z1 - data), (size_t)(z2 - z1 - 1),
                         size - (size_t)(z2 + 1 - data)};
  size_t o = 0;
  for (int i = 0; i < 3; i++) {
    o += zt_b64url_encode(part[i], len[i], built + o, sizeof(built) - o);
    if (i < 2)
      built[o++] = '.';
  }
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_token((const char *)data, size, data, size);
  size_t n = encode_parts(data, size);
  if (n)
    check_token(built, n, data, size);
  return 0;
}
