/*
 * Every shared JWS/JWT vector set, run through the whole token check in the
 * order Envoy's authenticator applies it (shared/spec/jwt.md §1.6):
 *
 *   parse -> issuer -> time with skew -> audience -> key set -> signature
 *
 * with the project's pieces only: zt_jwt_parse(), zt_jwt_check_time(),
 * zt_jwt_audience_allowed(), zt_keyset_from_jwks() / zt_keyset_from_pem()
 * and zt_keyset_verify(). A key set that fails to load answers with its load
 * status, as a fetched JWKS whose status is not Ok does in Envoy.
 *
 * Files are read at run time from $ZT_VECTORS (set by meson test):
 *   jwt_verify_lib/verify.json          53 cases + the signature mutations
 *   wycheproof/testvectors/json_web_signature_test.json   401 tests
 *   wycheproof/testvectors/json_web_key_test.json          26 tests
 *   rfc7520/  RFC 7515 App. A, RFC 7520 §4, RFC 8037, RFC 7797
 *   istio/tokens.json, envoy_jwt_authn/tokens.json
 * plus the regressions of jwt.md §3 built here (alg none, HS/RS confusion,
 * psychic and zero-padded ECDSA signatures, huge exp, duplicate members,
 * kid selection, alg/key family binding, embedded keys, size and JSON
 * caps, strict encodings). Each case is one cmocka test, so one TAP line
 * with its name. A value a case needs that is missing from its file, or an
 * unknown status name, fails the case.
 *
 * JWS vectors whose payload is not a JSON object (Wycheproof, RFC 7520,
 * RFC 7515 A.4, RFC 8037) are not JWTs: the JWT check refuses them with
 * JwtPayloadParseErrorBadJson, which is asserted. Their JWS verdict is then
 * computed with the same pieces: the token is parsed again with "{}" (e30)
 * in place of its payload segment (so header, alg, crit, kid and the
 * signature segment go through zt_jwt_parse unchanged) and the signature is
 * verified over the signing input exactly as received. That verdict is the
 * one compared with the vector's "valid" / "invalid".
 *
 * Where DECISIONS.md ("JWT": stricter than the anchor) or a README caveat
 * makes our answer differ from the file, the case is listed in a table
 * below with the reason and our exact status, which is asserted; a table
 * entry whose vector no longer differs fails too (stale entry).
 *
 * EdDSA needs libsodium, which is optional and known to the library only
 * (ZT_HAVE_SODIUM): the build's support is detected through the verifier
 * (zt_keyset_verify() says JwtHeaderNotImplementedAlg for EdDSA without
 * it). Without it the EdDSA cases still check that the answer fails closed,
 * and their TAP line carries "# SKIP <reason>" in the test name: cmocka
 * 1.1's skip() prints "not ok ... # SKIP", which meson counts as a failure.
 *
 * Run time: every vector runs natively and under valgrind. Only the
 * signature mutations of verify.json are sampled: 48 flipped bits spread
 * over each signature plus its last bit (every bit position within a byte
 * visited) and every truncation (a wrong length costs no verification).
 * When ZT_TIME_SCALE is set (the valgrind setup sets it to 100), ECDSA
 * signatures get 6 flipped bits instead of 48: an ECDSA verification costs
 * about 1.5 ms natively and 75 ms under valgrind.
 */

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"
#include "jwt_status.h"
#include "keyset.h"
#include "reqauthn.h"
#include "test_files.h"
#include "test_vectors.h"
#include "ztauth.h"

#define NELEM(t) (sizeof(t) / sizeof((t)[0]))

/* A clock for vectors that have none: 2023-11-14, the files' own "now". */
#define VEC_NOW 1700000000u
/* Envoy's default clock skew (jwt.md §1.5), used by every file. */
#define VEC_SKEW 60u

/* ---- Run mode ---------------------------------------------------------------
 */

static bool g_eddsa;     /* this build verifies Ed25519 */
static bool g_scaled;    /* ZT_TIME_SCALE is set: running under valgrind */
static zt_config *g_cfg; /* default options, for the HTTP status mapping */

/* ---- Scratch: what one case allocates, freed by its teardown (which
 * cmocka runs after a failed test too) ----------------------------------------
 */

#define SCRATCH_MAX 512
static void *g_scratch[SCRATCH_MAX];
static size_t g_nscratch;
static zt_json_doc *g_docs[16];
static size_t g_ndocs;

static void *keep(void *p) {
  if (!p)
    fail_msg("out of memory");
  if (g_nscratch == SCRATCH_MAX) {
    free(p);
    fail_msg("scratch table full");
  }
  g_scratch[g_nscratch++] = p;
  return p;
}

static int cleanup(void **state) {
  (void)state;
  while (g_ndocs)
    zt_json_doc_free(g_docs[--g_ndocs]);
  while (g_nscratch)
    free(g_scratch[--g_nscratch]);
  return 0;
}

static zt_jwt *new_jwt(void) {
  return keep(malloc(sizeof(zt_jwt)));
}

/* A JSON document parsed for the case, freed by its teardown. */
static zt_json_doc *parse_doc(const char *s, size_t n) {
  if (g_ndocs == NELEM(g_docs))
    fail_msg("document table full");
  zt_json_doc *d = keep(calloc(1, sizeof *d));
  if (zt_json_parse_alloc(d, NULL, s, n, NULL, NULL) != ZT_OK)
    fail_msg("test JSON does not parse: %.60s", s);
  g_docs[g_ndocs++] = d;
  return d;
}

/* ---- Statuses
 * ------------------------------------------------------------------- */

static const char *sname(zt_jwt_status st) {
  return zt_jwt_status_name((int)st);
}

static void expect_st(const char *what, zt_jwt_status got, zt_jwt_status want) {
  if (got != want)
    fail_msg("%s: got %s, want %s", what, sname(got), sname(want));
}

/* A verdict that must be a refusal. */
static void expect_refused(const char *what, zt_jwt_status got) {
  if (got == ZT_JWT_OK)
    fail_msg("%s: accepted (Ok), must be refused", what);
}

/* ---- Vector files
 * ---------------------------------------------------------------- */

/* Files are loaded before any test runs (vfile_load: no assertions there):
 * a failure is recorded and reported by the first case of the file
 * (vfile_need). */

static bool str_is(const zt_json_doc *d, zt_json_val o, const char *name,
                   const char *want) {
  const char *p = vec_opt_str(d, o, name, NULL);
  return p && strcmp(p, want) == 0;
}

/* The status a string member names. */
static zt_jwt_status status_member(const zt_json_doc *d, zt_json_val o,
                                   const char *name) {
  size_t n = 0;
  const char *s = vec_str(d, o, name, &n);
  return vec_status(s, n);
}

/* Value v written back as compact JSON (kept until the case ends). */
static char *json_text(const zt_json_doc *d, zt_json_val v, size_t *len) {
  for (size_t cap = 4096; cap <= (1u << 24); cap *= 2) {
    char *buf = malloc(cap);
    if (!buf)
      fail_msg("out of memory");
    size_t n = zt_json_write(d, v, buf, cap);
    if (n != SIZE_MAX) {
      *len = n;
      return keep(buf);
    }
    free(buf);
  }
  fail_msg("cannot write the JSON value back");
  return NULL;
}

/* ---- Bytes
 * ---------------------------------------------------------------------- */

static char *b64url(const void *p, size_t n) {
  size_t cap = zt_b64url_encoded_len(n) + 1;
  char *s = keep(malloc(cap));
  if (n && !zt_b64url_encode(p, n, s, cap))
    fail_msg("base64url encoding failed");
  if (!n)
    s[0] = '\0';
  return s;
}

static uint8_t *b64url_dec(const char *s, size_t n, size_t *out_len) {
  uint8_t *p = keep(malloc(zt_b64url_decoded_len(n) + 1));
  if (!zt_b64url_decode(s, n, p, zt_b64url_decoded_len(n) + 1, out_len))
    fail_msg("test data is not base64url: %.40s", s);
  return p;
}

/* A compact token re-signed with sig (its header and payload kept). */
static char *with_sig(const char *tok, const uint8_t *sig, size_t sig_len) {
  const char *d2 = strrchr(tok, '.');
  size_t pre = (size_t)(d2 - tok);
  char *out = keep(malloc(pre + zt_b64url_encoded_len(sig_len) + 2));
  memcpy(out, tok, pre);
  out[pre] = '.';
  zt_b64url_encode(sig, sig_len, out + pre + 1,
                   zt_b64url_encoded_len(sig_len) + 1);
  return out;
}

/* The DER inside a PEM text (header and footer lines dropped). */
static uint8_t *pem_der(const char *pem, size_t *der_len) {
  char *body = keep(malloc(strlen(pem) + 1));
  size_t n = 0;
  const char *line = pem;
  while (*line) {
    const char *end = strchr(line, '\n');
    size_t ll = end ? (size_t)(end - line) : strlen(line);
    if (ll && line[0] != '-') {
      memcpy(body + n, line, ll);
      n += ll;
    }
    line += ll + (end ? 1 : 0);
  }
  uint8_t *der = keep(malloc(zt_b64_decoded_len(n) + 1));
  if (!zt_b64_decode(body, n, der, zt_b64_decoded_len(n) + 1, der_len))
    fail_msg("PEM body is not base64");
  return der;
}

/* ---- Key sets
 * ----------------------------------------------------------------- */

/* Key sets are imported once per vector (an EC import runs one warm-up
 * verification) and released at exit. */
typedef struct kslot {
  char key[160];
  zt_keyset *ks;
  zt_jwt_status st;
} kslot;

static kslot g_ks[128];
static size_t g_nks;

static kslot *ks_find(const char *key) {
  for (size_t i = 0; i < g_nks; i++)
    if (strcmp(g_ks[i].key, key) == 0)
      return &g_ks[i];
  return NULL;
}

static kslot *ks_put(const char *key, zt_keyset *ks, zt_jwt_status st) {
  if (g_nks == NELEM(g_ks)) {
    zt_keyset_release(ks);
    fail_msg("key set table full");
  }
  kslot *s = &g_ks[g_nks++];
  snprintf(s->key, sizeof s->key, "%s", key);
  s->ks = ks;
  s->st = st;
  return s;
}

/* JWKS text (forms 1 and 2) to a set; *st is the load verdict. */
static zt_keyset *jwks_import(const char *s, size_t n, zt_jwt_status *st) {
  zt_keyset *ks = NULL;
  zt_jwks_result res;
  int rc = zt_keyset_from_jwks(NULL, s, n, &ks, &res);
  if (rc != ZT_OK)
    fail_msg("zt_keyset_from_jwks returned %d", rc);
  if ((ks != NULL) != (res.status == ZT_JWKS_OK)) {
    zt_keyset_release(ks);
    fail_msg("set and status disagree (%s)", sname(res.status));
  }
  if (ks && zt_keyset_size(ks) != res.valid) {
    zt_keyset_release(ks);
    fail_msg("set size %u, %u valid keys", zt_keyset_size(ks), res.valid);
  }
  *st = res.status;
  return ks;
}

static zt_keyset *pem_import(const char *s, size_t n, zt_alg alg,
                             zt_jwt_status *st) {
  zt_keyset *ks = NULL;
  int rc = zt_keyset_from_pem(NULL, s, n, NULL, 0, alg, &ks, st);
  if (rc != ZT_OK)
    fail_msg("zt_keyset_from_pem returned %d", rc);
  if ((ks != NULL) != (*st == ZT_JWT_OK)) {
    zt_keyset_release(ks);
    fail_msg("PEM set and status disagree (%s)", sname(*st));
  }
  return ks;
}

/* A JWK, or a {"keys": [...]} set, of a vector as JWKS text. */
static const char *jwks_of_value(const zt_json_doc *d, zt_json_val v,
                                 size_t *len) {
  zt_json_val keys;
  if (zt_json_type_of(d, v) != ZT_JSON_OBJECT)
    fail_msg("key of the vector is not a JSON object");
  size_t n = 0;
  const char *jwk = json_text(d, v, &n);
  if (vec_get(d, v, "keys", &keys)) {
    *len = n;
    return jwk;
  }
  char *out = keep(malloc(n + 16));
  *len = (size_t)snprintf(out, n + 16, "{\"keys\":[%s]}", jwk);
  return out;
}

/* The cached set for a JWK or JWKS value of a vector file. */
static kslot *ks_for_value(const char *key, const zt_json_doc *d,
                           zt_json_val v) {
  kslot *s = ks_find(key);
  if (s)
    return s;
  size_t n = 0;
  const char *text = jwks_of_value(d, v, &n);
  zt_jwt_status st;
  zt_keyset *ks = jwks_import(text, n, &st);
  return ks_put(key, ks, st);
}

/* ---- The token check
 * ------------------------------------------------------------- */

typedef struct provider {
  zt_str issuer;     /* empty: any issuer, and tokens without iss */
  const zt_str *aud; /* allowed audiences; n_aud 0: not checked */
  size_t n_aud;
  uint64_t now, skew;
  const zt_keyset *ks;     /* NULL with ks_status Ok: a set without keys */
  zt_jwt_status ks_status; /* the set's load status */
} provider;

static provider provider_of(const kslot *s) {
  provider p = {{"", 0}, NULL, 0, VEC_NOW, VEC_SKEW, NULL, ZT_JWT_OK};
  if (s) {
    p.ks = s->ks;
    p.ks_status = s->st;
  }
  return p;
}

/* Steps 4 to 9 of jwt.md §1.6 on a parsed token; input is the signing
 * input the signature is checked over. */
static zt_jwt_status check_parsed(const zt_jwt *j, const provider *p,
                                  zt_str input) {
  if (p->issuer.len && (!j->has_iss || j->iss.len != p->issuer.len ||
                        memcmp(j->iss.ptr, p->issuer.ptr, p->issuer.len) != 0))
    return ZT_JWT_UNKNOWN_ISSUER;
  zt_jwt_status st = zt_jwt_check_time(j, p->now, p->skew);
  if (st != ZT_JWT_OK)
    return st;
  if (!zt_jwt_audience_allowed(j, p->aud, p->n_aud))
    return ZT_JWT_AUDIENCE_NOT_ALLOWED;
  if (p->ks_status != ZT_JWT_OK)
    return p->ks_status;
  return zt_keyset_verify(p->ks, j->alg, j->kid.ptr, j->kid.len, input.ptr,
                          input.len, j->sig, j->sig_len);
}

/* The whole check of one token text. */
static zt_jwt_status run_jwt(zt_jwt *j, const char *s, size_t n,
                             const provider *p) {
  zt_jwt_status st = zt_jwt_parse(j, s, n);
  return st != ZT_JWT_OK ? st : check_parsed(j, p, j->signing_input);
}

/* The JWS verdict (see the top of the file). *jwt_st (may be NULL) gets
 * the JWT verdict, which differs only for a payload that is not a JSON
 * object. */
static zt_jwt_status run_jws(zt_jwt *j, const char *s, size_t n,
                             const provider *p, zt_jwt_status *jwt_st) {
  zt_jwt_status st = run_jwt(j, s, n, p);
  if (jwt_st)
    *jwt_st = st;
  if (st != ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON)
    return st;
  /* The payload was reached: exactly two dots, three non-empty segments. */
  const char *d1 = memchr(s, '.', n);
  const char *d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s));
  size_t hl = (size_t)(d1 - s), sl = n - (size_t)(d2 + 1 - s);
  char *alt = keep(malloc(hl + sl + 6));
  memcpy(alt, s, hl);
  memcpy(alt + hl, ".e30.", 5);
  memcpy(alt + hl + 5, d2 + 1, sl);
  st = zt_jwt_parse(j, alt, hl + 5 + sl);
  if (st != ZT_JWT_OK)
    return st;
  return check_parsed(j, p, (zt_str){s, (size_t)(d2 - s)});
}

/* ---- Cases: one cmocka test each
 * --------------------------------------------------- */

typedef struct tally {
  const char *label;
  size_t run, passed, deviations, skipped;
} tally;

typedef struct vcase {
  vfile *f;
  zt_json_val v;     /* the case */
  zt_json_val group; /* Wycheproof: its group; else ZT_JSON_NONE */
  size_t aux;        /* case-specific */
  bool skip;         /* TAP "# SKIP": EdDSA without libsodium */
  tally *t;
} vcase;

static struct CMUnitTest *g_tests;
static size_t g_ntests, g_cap;

__attribute__((format(printf, 5, 6))) static vcase *
add_case(CMUnitTestFunction fn, tally *t, vfile *f, zt_json_val v,
         const char *fmt, ...) {
  if (g_ntests == g_cap) {
    g_cap = g_cap ? 2 * g_cap : 1024;
    g_tests = realloc(g_tests, g_cap * sizeof *g_tests);
    if (!g_tests)
      abort();
  }
  vcase *c = calloc(1, sizeof *c);
  char *name = malloc(512);
  if (!c || !name)
    abort();
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(name, 512, fmt, ap);
  va_end(ap);
  /* '#' starts a TAP directive: only the SKIP marker may carry one. */
  for (char *q = name; *q; q++)
    if (*q == '#' || *q == '\n' || *q == '\r')
      *q = '_';
  c->f = f;
  c->v = v;
  c->group = ZT_JSON_NONE;
  c->t = t;
  g_tests[g_ntests++] = (struct CMUnitTest){name, fn, NULL, cleanup, c};
  return c;
}

/* Marks c as a TAP skip with a reason (the case still runs its checks). */
static void mark_skip(vcase *c, const char *why) {
  char *name = (char *)g_tests[g_ntests - 1].name;
  size_t n = strlen(name);
  snprintf(name + n, 512 - n, " # SKIP %s", why);
  c->skip = true;
}

static vcase *begin(void **state) {
  vcase *c = *state;
  c->t->run++;
  if (c->f)
    vfile_need(c->f);
  return c;
}

static void pass(vcase *c) {
  c->t->passed++;
  if (c->skip)
    c->t->skipped++;
}

static void deviation(vcase *c, const char *what, zt_jwt_status st,
                      const char *why) {
  c->t->deviations++;
  printf("# deviation %s: %s (%s)\n", what, sname(st), why);
}

/* ---- jwt_verify_lib/verify.json
 * ------------------------------------------------------ */

static vfile f_verify;
static tally tl_verify = {"jwt_verify_lib/verify.json", 0, 0, 0, 0};

/* Cases where we answer otherwise, each on purpose. */
static const struct {
  const char *name;
  zt_jwt_status parse;    /* zt_jwt_parse() alone */
  zt_jwt_status status;   /* the whole check */
  zt_jwt_status mutation; /* every mutated signature; Ok: as the file */
  const char *why;
} verify_deviations[] = {
    {"pem_eddsa_key_alg_rs256_mismatch", ZT_JWT_OK, ZT_JWKS_OKP_KEY_BAD_ALG,
     ZT_JWKS_OKP_KEY_BAD_ALG,
     "a PEM key given an alg it cannot do is refused at load (keyset.h); "
     "the anchor loads it and answers JwksKidAlgMismatch"},
    {"pem_es256_key_alg_es512_mismatch", ZT_JWT_OK,
     ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
     ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
     "P-256 PEM key bound to ES512 is refused at load (keyset.h)"},
    {"pem_es256_token_with_p384_key", ZT_JWT_OK, ZT_JWKS_KID_ALG_MISMATCH,
     ZT_JWKS_KID_ALG_MISMATCH,
     "an EC key only matches its own curve's ES alg (keyset.h key "
     "selection); the anchor tries SHA-256 on P-384 and fails the "
     "signature"},
    {"x509_no_kid_ok", ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64,
     ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64, ZT_JWT_OK,
     "signature segment ends with '=' padding: strict base64url (jwt.h); "
     "absl's decoder accepts it. The unpadded token verifies"},
};
static bool verify_dev_used[NELEM(verify_deviations)];

/* Key sets whose load status differs from the anchor's Ok. */
static const struct {
  const char *name;
  zt_jwt_status status;
  const char *why;
} keyset_deviations[] = {
    {"pem_ed25519_alg_RS256", ZT_JWKS_OKP_KEY_BAD_ALG,
     "PEM alg that does not fit the key (keyset.h)"},
    {"pem_es256_alg_ES512", ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
     "PEM alg that does not fit the key (keyset.h)"},
};

static zt_alg alg_named(const char *s) {
  zt_alg a = zt_alg_parse(s, strlen(s));
  if (a == ZT_ALG_NONE)
    fail_msg("unknown alg \"%s\" in pem_overrides", s);
  return a;
}

/* verify.json's named key set, imported once. */
static kslot *verify_keyset(const char *name) {
  char key[160];
  snprintf(key, sizeof key, "verify/%s", name);
  kslot *s = ks_find(key);
  if (s)
    return s;
  vfile_need(&f_verify);
  const zt_json_doc *d = &f_verify.doc;
  zt_json_val ks = vec_member(d, vec_member(d, ZT_JSON_ROOT, "keysets"), name),
              ov;
  const char *format = vec_str(d, ks, "format", NULL);
  zt_keyset *set = NULL;
  zt_jwt_status st = ZT_JWT_OK;
  size_t n = 0;
  if (strcmp(format, "NONE") == 0)
    return ks_put(key, NULL, ZT_JWT_OK);
  /* Strict JSON (DECISIONS.md): the anchor's trailing commas are removed
   * in text_strict_json; the verbatim text is checked by the key set's
   * own case. */
  const char *text = vec_keyset_text(d, ks, &n);
  if (strcmp(format, "PEM") == 0) {
    zt_alg alg = ZT_ALG_NONE;
    if (vec_get(d, ks, "pem_overrides", &ov) && vec_opt_str(d, ov, "alg", NULL))
      alg = alg_named(vec_str(d, ov, "alg", NULL));
    set = pem_import(text, n, alg, &st);
  } else if (strcmp(format, "JWKS") == 0 ||
             strcmp(format, "X509_KID_MAP") == 0) {
    set = jwks_import(text, n, &st);
  } else {
    fail_msg("key set %s: unknown format %s", name, format);
  }
  return ks_put(key, set, st);
}

static bool eddsa_keyset(const char *name) {
  return strncmp(name, "okp_", 4) == 0 || strncmp(name, "pem_ed25519", 11) == 0;
}

/* One key set of verify.json: its load status. */
static void t_verify_keyset(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  zt_json_iter it;
  zt_json_val nv = ZT_JSON_NONE, v = ZT_JSON_NONE;
  vfile_iter(&it, c->f, "keysets");
  for (size_t i = 0; i <= c->aux; i++)
    if (!zt_json_iter_next(&it, &nv, &v))
      fail_msg("key set %zu is gone", c->aux);
  const char *name;
  size_t name_len;
  if (!zt_json_string(d, nv, &name, &name_len))
    fail_msg("key set name is not a string");
  kslot *s = verify_keyset(name);
  zt_jwt_status want = ZT_JWT_OK;
  const char *why = NULL;
  for (size_t i = 0; i < NELEM(keyset_deviations); i++)
    if (strcmp(keyset_deviations[i].name, name) == 0) {
      want = keyset_deviations[i].status;
      why = keyset_deviations[i].why;
    }
  if (c->skip) {
    /* No libsodium: Ed25519 keys are refused at import. */
    expect_refused(name, s->st);
    pass(c);
    return;
  }
  expect_st(name, s->st, want);
  if (why)
    deviation(c, name, s->st, why);
  if (s->st == ZT_JWT_OK && !str_is(d, v, "format", "NONE") &&
      zt_keyset_size(s->ks) == 0)
    fail_msg("%s: loaded without keys", name);
  /* The verbatim upstream text with trailing commas is refused (strict
   * JSON, DECISIONS.md); text_strict_json is what loads above. */
  zt_json_val ns;
  if (vec_get(d, v, "nonstandard_json", &ns)) {
    size_t n = 0;
    const char *text = vec_str(d, v, "text", &n);
    zt_jwt_status st;
    zt_keyset *ks = jwks_import(text, n, &st);
    zt_keyset_release(ks);
    expect_st("verbatim text with trailing commas", st, ZT_JWKS_PARSE_ERROR);
    if (!vec_opt_str(d, v, "text_strict_json", NULL))
      fail_msg("%s: nonstandard_json without text_strict_json", name);
  }
  pass(c);
}

/* The provider of a verify.json case (audiences, clock, key set). */
static provider verify_provider(const zt_json_doc *d, zt_json_val v, kslot *s) {
  provider p = provider_of(s);
  p.now = vec_uint(d, v, "now");
  p.skew = vec_uint(d, v, "clock_skew");
  zt_json_val a = vec_member(d, v, "audiences"), e;
  zt_json_type ty = zt_json_type_of(d, a);
  if (ty == ZT_JSON_ARRAY) {
    size_t n = zt_json_size(d, a), i = 0;
    zt_str *aud = keep(calloc(n + 1, sizeof *aud));
    zt_json_iter it;
    zt_json_iter_init(&it, d, a);
    while (zt_json_iter_next(&it, NULL, &e))
      if (!zt_json_string(d, e, &aud[i].ptr, &aud[i].len))
        fail_msg("audience %zu is not a string", i);
      else
        i++;
    p.aud = aud;
    p.n_aud = n;
  } else if (ty != ZT_JSON_NULL) {
    fail_msg("audiences is neither null nor an array");
  }
  return p;
}

static size_t verify_dev(const char *name) {
  for (size_t i = 0; i < NELEM(verify_deviations); i++)
    if (strcmp(verify_deviations[i].name, name) == 0)
      return i;
  return SIZE_MAX;
}

static void t_verify_case(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  const char *name = vec_str(d, c->v, "name", NULL);
  size_t n = 0;
  const char *tok = vec_str(d, c->v, "token", &n);
  kslot *s = verify_keyset(vec_str(d, c->v, "keyset", NULL));
  provider p = verify_provider(d, c->v, s);
  zt_jwt *j = new_jwt();
  zt_jwt_status want_parse = status_member(d, c->v, "expected_parse_status");
  zt_jwt_status want = status_member(d, c->v, "expected_status");
  size_t dv = verify_dev(name);
  if (dv != SIZE_MAX) {
    verify_dev_used[dv] = true;
    want_parse = verify_deviations[dv].parse;
  }
  expect_st("parse", zt_jwt_parse(j, tok, n), want_parse);
  zt_jwt_status got = run_jwt(j, tok, n, &p);
  if (c->skip) {
    /* EdDSA without libsodium: fails closed, at the key set. */
    expect_refused(name, got);
    expect_refused("key set", p.ks_status);
    pass(c);
    return;
  }
  if (dv != SIZE_MAX) {
    expect_st(name, got, verify_deviations[dv].status);
    if (got == want)
      fail_msg("%s: table entry is stale (we now agree)", name);
    deviation(c, name, got, verify_deviations[dv].why);
  } else {
    expect_st(name, got, want);
  }
  /* A token with '=' padding answers as the file once it is removed. */
  const char *pad = memchr(tok, '=', n);
  if (pad) {
    size_t un = (size_t)(pad - tok);
    while (un < n && tok[un] == '=')
      un++;
    if (un != n)
      fail_msg("%s: '=' inside the token", name);
    un = (size_t)(pad - tok);
    expect_st("without '=' padding", run_jwt(j, tok, un, &p), want);
  }
  pass(c);
}

/* The upstream fuzz helper's rule: every flipped bit and every truncation
 * of the decoded signature gives the listed status (bounded sample of the
 * flips, see the top of the file). */
static void t_verify_mutations(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  const char *name = vec_str(d, c->v, "name", NULL);
  size_t n = 0;
  const char *tok = vec_str(d, c->v, "token", &n);
  zt_json_val m = vec_member(d, c->v, "signature_mutations");
  zt_jwt_status flip = status_member(d, m, "signature_bit_flip");
  zt_jwt_status cut = status_member(d, m, "signature_truncation");
  kslot *s = verify_keyset(vec_str(d, c->v, "keyset", NULL));
  provider p = verify_provider(d, c->v, s);
  p.now = vec_uint(d, m, "now");
  size_t dv = verify_dev(name);
  if (dv != SIZE_MAX && verify_deviations[dv].mutation != ZT_JWT_OK)
    flip = cut = verify_deviations[dv].mutation;
  /* Mutated signatures are written back as canonical base64url: drop a
   * trailing '=' padding of the original (see x509_no_kid_ok). */
  while (n && tok[n - 1] == '=')
    n--;
  zt_jwt *j = new_jwt();
  expect_st("parse", zt_jwt_parse(j, tok, n), ZT_JWT_OK);
  size_t len = j->sig_len, pre = j->signing_input.len;
  uint8_t *sig = keep(malloc(len));
  memcpy(sig, j->sig, len);
  bool ecdsa = zt_alg_family_of(j->alg) == ZT_FAMILY_ECDSA;
  char *text = keep(malloc(pre + zt_b64url_encoded_len(len) + 2));
  memcpy(text, tok, pre);
  text[pre] = '.';
  uint8_t *mut = keep(malloc(len));
  if (c->skip) {
    /* EdDSA without libsodium: the unmutated token already fails. */
    expect_refused(name, run_jwt(j, tok, n, &p));
    pass(c);
    return;
  }
  size_t samples = ecdsa && g_scaled ? 6 : 48, bits = 8 * len;
  for (size_t k = 0; k <= samples; k++) {
    /* k < samples: spread over the signature; k == samples: the last bit */
    size_t bit = k < samples ? (k * len / samples) * 8 + k % 8 : bits - 1;
    memcpy(mut, sig, len);
    mut[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    size_t tl = pre + 1 +
                zt_b64url_encode(mut, len, text + pre + 1,
                                 zt_b64url_encoded_len(len) + 1);
    zt_jwt_status got = run_jwt(j, text, tl, &p);
    if (got != flip)
      fail_msg("%s: bit %zu flipped: got %s, want %s", name, bit, sname(got),
               sname(flip));
  }
  for (size_t cl = 1; cl < len; cl++) {
    size_t tl = pre + 1 +
                zt_b64url_encode(sig, cl, text + pre + 1,
                                 zt_b64url_encoded_len(len) + 1);
    zt_jwt_status got = run_jwt(j, text, tl, &p);
    if (got != cut)
      fail_msg("%s: truncated to %zu bytes: got %s, want %s", name, cl,
               sname(got), sname(cut));
  }
  pass(c);
}

static void register_verify(void) {
  vfile *f = &f_verify;
  vfile_load(f, "jwt_verify_lib/verify.json", true);
  if (!f->json) {
    add_case(t_verify_case, &tl_verify, f, ZT_JSON_NONE, "verify.json");
    return;
  }
  const zt_json_doc *d = &f->doc;
  zt_json_val sets, cases, nv, v;
  zt_json_iter it;
  if (vec_get(d, ZT_JSON_ROOT, "keysets", &sets)) {
    zt_json_iter_init(&it, d, sets);
    for (size_t i = 0; zt_json_iter_next(&it, &nv, &v); i++) {
      const char *name = "?";
      size_t name_len;
      if (!zt_json_string(d, nv, &name, &name_len))
        name = "?";
      vcase *c = add_case(t_verify_keyset, &tl_verify, f, v,
                          "verify.json keyset %s", name);
      c->aux = i;
      if (!g_eddsa && eddsa_keyset(name))
        mark_skip(c, "no libsodium: Ed25519 keys are refused at import");
    }
  }
  if (!vec_get(d, ZT_JSON_ROOT, "cases", &cases)) {
    add_case(t_verify_case, &tl_verify, f, ZT_JSON_NONE, "verify.json cases");
    return;
  }
  zt_jwt *j = malloc(sizeof *j);
  if (!j)
    abort();
  zt_json_iter_init(&it, d, cases);
  while (zt_json_iter_next(&it, NULL, &v)) {
    const char *name = vec_opt_str(d, v, "name", NULL), *tok;
    size_t n = 0;
    bool eddsa = false;
    if ((tok = vec_opt_str(d, v, "token", &n)) != NULL &&
        zt_jwt_parse(j, tok, n) == ZT_JWT_OK)
      eddsa = j->alg == ZT_ALG_EDDSA;
    zt_json_val m;
    vcase *c = add_case(t_verify_case, &tl_verify, f, v, "verify.json %s",
                        name ? name : "(unnamed)");
    if (eddsa && !g_eddsa)
      mark_skip(c, "no libsodium: EdDSA verification not built");
    if (vec_get(d, v, "signature_mutations", &m)) {
      c = add_case(t_verify_mutations, &tl_verify, f, v,
                   "verify.json %s signature mutations",
                   name ? name : "(unnamed)");
      if (eddsa && !g_eddsa)
        mark_skip(c, "no libsodium: EdDSA verification not built");
    }
  }
  free(j);
}

static void t_verify_summary(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  size_t cases = zt_json_size(d, vec_member(d, ZT_JSON_ROOT, "cases"));
  size_t sets = zt_json_size(d, vec_member(d, ZT_JSON_ROOT, "keysets"));
  assert_int_equal(cases, 53); /* README: 53 verify cases */
  assert_int_equal(sets, 27);  /* README: 27 named key sets */
  for (size_t i = 0; i < NELEM(verify_deviations); i++)
    if (!verify_dev_used[i])
      fail_msg("deviation %s matched no case", verify_deviations[i].name);
  printf("# %s: %zu cases run (53 tokens, %zu key sets, %zu mutation "
         "cases), %zu passed, %zu skipped, %zu listed deviations\n",
         c->t->label, c->t->run - 1, sets, c->t->run - 1 - 53 - sets,
         c->t->passed, c->t->skipped, c->t->deviations);
  pass(c);
}

/* ---- Wycheproof: json_web_signature_test.json
 * --------------------------------------- */

static vfile f_wjws, f_wjwk;
static tally tl_wjws = {"wycheproof json_web_signature_test.json", 0, 0, 0, 0};
static tally tl_wjwk = {"wycheproof json_web_key_test.json", 0, 0, 0, 0};

/* Where our verdict differs from Wycheproof's, with our exact status. */
static const struct {
  unsigned tc;
  zt_jwt_status status;
  unsigned same_as; /* the vector is byte-identical to this one (0: -) */
  const char *why;
} wjws_deviations[] = {
    {259, ZT_JWT_BAD_FORMAT, 0, "empty payload: empty segments refused"},
    {264, ZT_JWT_BAD_FORMAT, 0, "empty payload: empty segments refused"},
    {268, ZT_JWT_BAD_FORMAT, 0, "empty payload: empty segments refused"},
    {272, ZT_JWT_BAD_FORMAT, 0, "empty payload: empty segments refused"},
    {320, ZT_JWT_BAD_FORMAT, 0, "empty payload: empty segments refused"},
    {325, ZT_JWT_BAD_FORMAT, 0, "empty payload: empty segments refused"},
    {346, ZT_JWKS_KID_ALG_MISMATCH, 0,
     "PS384 token, key bound to PS256 by its alg (RFC 8725 3.1)"},
    {347, ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV, 0,
     "key alg ES521 is not a JWA name: the only key is refused"},
    {350, ZT_JWKS_KID_ALG_MISMATCH, 0,
     "PS384 token, key bound to PS256 by its alg (RFC 8725 3.1)"},
    {351, ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV, 0,
     "key alg ES521 is not a JWA name: the only key is refused"},
    {367, ZT_JWT_OK, 357,
     "marked invalid but byte-identical to the valid tcId 357 (README)"},
    {370, ZT_JWT_OK, 357,
     "marked invalid but byte-identical to the valid tcId 357 (README)"},
    {372, ZT_JWT_HEADER_PARSE_ERROR_BAD_BASE64, 0,
     "marked valid with a '?' inside the header segment (README)"},
    {373, ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_BASE64, 0,
     "marked valid with a '?' inside the payload segment (README)"},
};
static bool wjws_dev_used[NELEM(wjws_deviations)];

/* The text of vector jws (compact string, or an object for the JSON
 * serialization, which is written back as compact JSON). */
static const char *jws_text(const zt_json_doc *d, zt_json_val t, size_t *n) {
  zt_json_val v = vec_member(d, t, "jws");
  const char *s;
  if (zt_json_string(d, v, &s, n))
    return s;
  return json_text(d, v, n);
}

/* The group's key set: "public" when present, else "private" (HMAC). */
static kslot *wp_keyset(const char *file, const vcase *c) {
  const zt_json_doc *d = &c->f->doc;
  zt_json_val k;
  if (!vec_get(d, c->group, "public", &k) ||
      zt_json_type_of(d, k) == ZT_JSON_NULL)
    k = vec_member(d, c->group, "private");
  char key[160];
  snprintf(key, sizeof key, "%s/group%zu", file, c->aux);
  return ks_for_value(key, d, k);
}

/* valid / invalid / acceptable: anything else fails. */
static int wp_result(const zt_json_doc *d, zt_json_val t) {
  const char *r = vec_str(d, t, "result", NULL);
  if (strcmp(r, "valid") == 0)
    return 1;
  if (strcmp(r, "invalid") == 0)
    return 0;
  if (strcmp(r, "acceptable") == 0)
    return 2;
  fail_msg("unknown result \"%s\"", r);
  return -1;
}

static const char *tc_text(const vfile *f, unsigned tc, size_t *n) {
  const zt_json_doc *d = &f->doc;
  zt_json_iter gi, ti;
  zt_json_val g, t;
  vfile_iter(&gi, f, "testGroups");
  while (zt_json_iter_next(&gi, NULL, &g)) {
    zt_json_iter_init(&ti, d, vec_member(d, g, "tests"));
    while (zt_json_iter_next(&ti, NULL, &t))
      if (vec_uint(d, t, "tcId") == tc)
        return jws_text(d, t, n);
  }
  fail_msg("no tcId %u", tc);
  return NULL;
}

static void t_wjws(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  unsigned tc = (unsigned)vec_uint(d, c->v, "tcId");
  int result = wp_result(d, c->v);
  size_t n = 0;
  const char *s = jws_text(d, c->v, &n);
  provider p = provider_of(wp_keyset("jws", c));
  zt_jwt *j = new_jwt();
  zt_jwt_status jwt_st, st = run_jws(j, s, n, &p, &jwt_st);
  char what[64];
  snprintf(what, sizeof what, "tcId %u", tc);
  /* The payloads are not JWT claim sets: the JWT check refuses them. */
  if (st == ZT_JWT_OK && jwt_st != ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON &&
      jwt_st != ZT_JWT_OK)
    fail_msg("%s: JWT verdict %s for a valid JWS", what, sname(jwt_st));
  for (size_t i = 0; i < NELEM(wjws_deviations); i++) {
    if (wjws_deviations[i].tc != tc)
      continue;
    wjws_dev_used[i] = true;
    expect_st(what, st, wjws_deviations[i].status);
    if (result != 2 && (st == ZT_JWT_OK) == (result == 1))
      fail_msg("%s: table entry is stale (we now agree)", what);
    if (wjws_deviations[i].same_as) {
      size_t on;
      const char *other = tc_text(c->f, wjws_deviations[i].same_as, &on);
      if (on != n || memcmp(other, s, n) != 0)
        fail_msg("%s: not identical to tcId %u", what,
                 wjws_deviations[i].same_as);
    }
    deviation(c, what, st, wjws_deviations[i].why);
    pass(c);
    return;
  }
  if (result == 2)
    fail_msg("%s: \"acceptable\" needs a table entry (we say %s)", what,
             sname(st));
  if ((st == ZT_JWT_OK) != (result == 1))
    fail_msg("%s: Wycheproof says %s, we say %s", what,
             result ? "valid" : "invalid", sname(st));
  pass(c);
}

/* Zero-padded ECDSA signatures (0x00||r||0x00||s, tcId 379; 514 bytes,
 * tcId 385): the anchor accepts both, RFC 7518 §3.4 does not. */
static void t_wjws_zero_padded(void **state) {
  vcase *c = begin(state);
  static const unsigned tcs[] = {379, 385};
  const zt_json_doc *d = &c->f->doc;
  zt_json_iter gi, ti;
  zt_json_val g, t;
  size_t found = 0;
  vfile_iter(&gi, c->f, "testGroups");
  for (size_t gn = 0; zt_json_iter_next(&gi, NULL, &g); gn++) {
    zt_json_iter_init(&ti, d, vec_member(d, g, "tests"));
    while (zt_json_iter_next(&ti, NULL, &t)) {
      unsigned tc = (unsigned)vec_uint(d, t, "tcId");
      if (tc != tcs[0] && tc != tcs[1])
        continue;
      vcase gc = *c;
      gc.group = g;
      gc.aux = gn;
      provider p = provider_of(wp_keyset("jws", &gc));
      size_t n = 0;
      const char *s = jws_text(d, t, &n);
      zt_jwt *j = new_jwt();
      zt_jwt_status st = run_jws(j, s, n, &p, NULL);
      char what[32];
      snprintf(what, sizeof what, "tcId %u", tc);
      expect_st(what, st, ZT_JWT_VERIFICATION_FAIL);
      /* The same r and s, exactly 64 bytes, are the valid tcId 378. */
      found++;
    }
  }
  assert_int_equal(found, 2);
  pass(c);
}

/* ---- Wycheproof: json_web_key_test.json
 * ------------------------------------------- */

/* Every vector: the key set's import verdict and the whole check. A
 * reason marks where our verdict differs from Wycheproof's. */
static const struct {
  unsigned tc;
  zt_jwt_status import;
  zt_jwt_status status;
  const char *why; /* NULL: we agree with the vector */
} wjwk_table[] = {
    {1, ZT_JWT_OK, ZT_JWT_OK,
     "mixed HS256 + ES256 set: the anchor and DECISIONS.md keep mixed sets; "
     "the HS256 key verifies the token"},
    {2, ZT_JWT_OK, ZT_JWT_OK, NULL},
    {3, ZT_JWT_OK, ZT_JWT_VERIFICATION_FAIL, NULL},
    {4, ZT_JWT_OK, ZT_JWT_OK,
     "duplicate kid: every kid-matching key is tried (anchor, rotation)"},
    {5, ZT_JWT_OK, ZT_JWT_OK, NULL},
    {6, ZT_JWKS_RSA_KEY_BAD_ALG, ZT_JWKS_RSA_KEY_BAD_ALG, NULL},
    {7, ZT_JWT_OK, ZT_JWT_OK,
     "ROCA-weak modulus: no ROCA fingerprint test (not in DECISIONS.md)"},
    {8, ZT_JWKS_RSA_PARSE_ERROR, ZT_JWT_BAD_FORMAT, NULL},
    /* e = 1: the anchor's own check says JwksRsaParseError (only 3 and
     * 65537 are taken, jwks_parse.json JwksRSAWrongNE) */
    {9, ZT_JWKS_RSA_PARSE_ERROR, ZT_JWT_BAD_FORMAT, NULL},
    {10, ZT_JWKS_HMAC_KEY_BAD_K, ZT_JWKS_HMAC_KEY_BAD_K, NULL},
    {11, ZT_JWKS_HMAC_KEY_BAD_K, ZT_JWKS_HMAC_KEY_BAD_K, NULL},
    {12, ZT_JWKS_HMAC_KEY_BAD_K, ZT_JWKS_HMAC_KEY_BAD_K, NULL},
    {13, ZT_JWT_OK, ZT_JWT_OK, NULL},
    {14, ZT_JWT_OK, ZT_JWT_OK, NULL},
    {15, ZT_JWT_OK, ZT_JWT_OK, NULL},
    {16, ZT_JWKS_OCT_BAD_BASE64, ZT_JWKS_OCT_BAD_BASE64, NULL},
    {17, ZT_JWKS_OCT_BAD_BASE64, ZT_JWKS_OCT_BAD_BASE64, NULL},
    {18, ZT_JWKS_OCT_BAD_BASE64, ZT_JWKS_OCT_BAD_BASE64, NULL},
    {19, ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
     ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV, NULL},
    {20, ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
     ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV, NULL},
    {21, ZT_JWT_OK, ZT_JWKS_KID_ALG_MISMATCH, NULL},
    {22, ZT_JWKS_EC_PARSE_ERROR, ZT_JWKS_EC_PARSE_ERROR, NULL},
    {23, ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
     ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV, NULL},
    {24, ZT_JWKS_RSA_KEY_BAD_ALG, ZT_JWKS_RSA_KEY_BAD_ALG, NULL},
    {25, ZT_JWKS_HMAC_KEY_BAD_ALG, ZT_JWKS_HMAC_KEY_BAD_ALG, NULL},
    {26, ZT_JWKS_HMAC_KEY_BAD_ALG, ZT_JWKS_HMAC_KEY_BAD_ALG, NULL},
};
static bool wjwk_used[NELEM(wjwk_table)];

static void t_wjwk(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  unsigned tc = (unsigned)vec_uint(d, c->v, "tcId");
  int result = wp_result(d, c->v);
  size_t i = 0;
  while (i < NELEM(wjwk_table) && wjwk_table[i].tc != tc)
    i++;
  if (i == NELEM(wjwk_table))
    fail_msg("tcId %u is not in the table", tc);
  wjwk_used[i] = true;
  kslot *s = wp_keyset("jwk", c);
  char what[64];
  snprintf(what, sizeof what, "tcId %u import", tc);
  expect_st(what, s->st, wjwk_table[i].import);
  size_t n = 0;
  const char *text = jws_text(d, c->v, &n);
  provider p = provider_of(s);
  zt_jwt *j = new_jwt();
  zt_jwt_status st = run_jws(j, text, n, &p, NULL);
  snprintf(what, sizeof what, "tcId %u", tc);
  expect_st(what, st, wjwk_table[i].status);
  bool agree = result != 2 && (st == ZT_JWT_OK) == (result == 1);
  if (!agree && !wjwk_table[i].why)
    fail_msg("%s: Wycheproof says %s, we say %s, with no reason listed", what,
             result == 1 ? "valid" : "invalid", sname(st));
  if (agree && wjwk_table[i].why)
    fail_msg("%s: table reason is stale (we now agree)", what);
  if (!agree)
    deviation(c, what, st, wjwk_table[i].why);
  pass(c);
}

static void register_wycheproof(vfile *f, const char *rel, tally *t,
                                CMUnitTestFunction fn, const char *tag) {
  vfile_load(f, rel, true);
  const zt_json_doc *d = &f->doc;
  zt_json_val groups, g, tests, v;
  if (!f->json || !vec_get(d, ZT_JSON_ROOT, "testGroups", &groups)) {
    add_case(fn, t, f, ZT_JSON_NONE, "wycheproof %s", tag);
    return;
  }
  zt_json_iter gi, ti;
  zt_json_iter_init(&gi, d, groups);
  for (size_t gn = 0; zt_json_iter_next(&gi, NULL, &g); gn++) {
    const char *gname = vec_opt_str(d, g, "comment", NULL);
    if (!vec_get(d, g, "tests", &tests)) {
      add_case(fn, t, f, g, "wycheproof %s group %zu", tag, gn);
      continue;
    }
    zt_json_iter_init(&ti, d, tests);
    while (zt_json_iter_next(&ti, NULL, &v)) {
      zt_json_val id;
      int64_t tc = -1;
      if (vec_get(d, v, "tcId", &id) && zt_json_int64(d, id, &tc) != ZT_OK)
        tc = -1;
      const char *cm = vec_opt_str(d, v, "comment", NULL);
      vcase *c = add_case(fn, t, f, v, "wycheproof %s tcId %lld %s: %s", tag,
                          (long long)tc, gname ? gname : "?", cm ? cm : "");
      c->group = g;
      c->aux = gn;
    }
  }
}

static void t_wycheproof_summary(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  size_t want = (size_t)vec_uint(d, ZT_JSON_ROOT, "numberOfTests");
  bool jws = c->t == &tl_wjws;
  assert_int_equal(want, jws ? 401 : 26); /* README counts */
  /* run counts this summary too */
  assert_int_equal(c->t->run, want + 1);
  if (jws) {
    for (size_t i = 0; i < NELEM(wjws_deviations); i++)
      if (!wjws_dev_used[i])
        fail_msg("deviation tcId %u matched no vector", wjws_deviations[i].tc);
  } else {
    for (size_t i = 0; i < NELEM(wjwk_table); i++)
      if (!wjwk_used[i])
        fail_msg("table tcId %u matched no vector", wjwk_table[i].tc);
  }
  printf("# %s: %zu vectors run, %zu passed, %zu listed deviations\n",
         c->t->label, want, c->t->passed, c->t->deviations);
  pass(c);
}

/* ---- RFC 7515 Appendix A, RFC 7520 §4, RFC 8037, RFC 7797
 * --------------------------- */

static vfile f_rfc7515, f_rfc8037, f_rfc7797[2], f_rfc7520[8];
static tally tl_rfc = {"rfc7520/", 0, 0, 0, 0};

static void t_rfc7515(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  const char *name = vec_str(d, c->v, "name", NULL);
  const char *exp_sig = vec_str(d, c->v, "expected_signature", NULL);
  zt_json_val key = vec_member(d, c->v, "key_jwk");
  size_t n = 0;
  const char *s = vec_str(d, c->v, "jws", &n);
  uint64_t sig_len = vec_uint(d, c->v, "signature_length_bytes");
  kslot *ks = NULL;
  if (zt_json_type_of(d, key) != ZT_JSON_NULL) {
    char k[64];
    snprintf(k, sizeof k, "rfc7515/%s", name);
    ks = ks_for_value(k, d, key);
  }
  provider p = provider_of(ks);
  zt_jwt *j = new_jwt();
  zt_jwt_status jwt_st, st;
  if (strcmp(exp_sig, "invalid") == 0) {
    /* A.5, alg none with an empty signature: refused at parse. */
    st = run_jws(j, s, n, &p, NULL);
    expect_refused(name, st);
    expect_st(name, st, ZT_JWT_BAD_FORMAT);
    /* The same with any signature bytes: "none" is not implemented. */
    char *alt = keep(malloc(n + 8));
    snprintf(alt, n + 8, "%.*sAAAA", (int)n, s);
    expect_st("alg none with a signature", run_jws(j, alt, n + 4, &p, NULL),
              ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
    pass(c);
    return;
  }
  if (strcmp(exp_sig, "valid") != 0)
    fail_msg("unknown expected_signature %s", exp_sig);
  /* A pure JWS check: at the token's own exp (still valid, inclusive). */
  st = zt_jwt_parse(j, s, n);
  if (st == ZT_JWT_OK) {
    if (!j->has_exp)
      fail_msg("%s: JWT payload without exp", name);
    p.now = j->exp;
  }
  st = run_jws(j, s, n, &p, &jwt_st);
  expect_st(name, st, ZT_JWT_OK);
  if (j->sig_len != sig_len)
    fail_msg("%s: signature of %zu bytes, file says %llu", name, j->sig_len,
             (unsigned long long)sig_len);
  /* A JWT validator with a real clock: the 2011 exp has passed. */
  p.now = VEC_NOW;
  st = run_jws(j, s, n, &p, &jwt_st);
  if (jwt_st == ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON)
    expect_st(name, st, ZT_JWT_OK); /* A.4: "Payload", no claims */
  else
    expect_st("at 2023-11-14", st, ZT_JWT_EXPIRED);
  pass(c);
}

/* RFC 7520 §4 files and what their compact serialization gives. 4.6 to
 * 4.8 exist in JSON serialization only (unprotected headers, several
 * signatures): a JWT is compact, so only their refusal is checked. */
static const struct {
  const char *file;
  bool compact; /* the file has a compact serialization */
  zt_jwt_status status;
  const char *why; /* a reason where a JWS verifier would accept */
} rfc7520_table[] = {
    {"4_1.rsa_v15_signature.json", true, ZT_JWT_OK, NULL},
    {"4_2.rsa-pss_signature.json", true, ZT_JWT_OK, NULL},
    {"4_3.ecdsa_signature.json", true, ZT_JWT_OK, NULL},
    {"4_4.hmac-sha2_integrity_protection.json", true, ZT_JWT_OK, NULL},
    {"4_5.signature_with_detached_content.json", true, ZT_JWT_BAD_FORMAT,
     "detached content: the compact form has an empty payload segment "
     "(empty segments refused; a JWT carries its payload)"},
    {"4_6.protecting_specific_header_fields.json", false, ZT_JWT_OK, NULL},
    {"4_7.protecting_content_only.json", false, ZT_JWT_OK, NULL},
    {"4_8.multiple_signatures.json", false, ZT_JWT_OK, NULL},
};

/* The JSON serializations of a cookbook file are refused: a JWT is
 * compact only. */
static void refuse_json_forms(const zt_json_doc *d, zt_json_val out,
                              const provider *p, size_t *count) {
  static const char *const forms[] = {"json", "json_flat"};
  for (size_t i = 0; i < NELEM(forms); i++) {
    zt_json_val v;
    if (!vec_get(d, out, forms[i], &v))
      continue;
    size_t n = 0;
    const char *s = json_text(d, v, &n);
    zt_jwt *j = new_jwt();
    zt_jwt_status st = run_jws(j, s, n, p, NULL);
    expect_refused(forms[i], st);
    expect_st(forms[i], st, ZT_JWT_BAD_FORMAT);
    (*count)++;
  }
}

static void t_rfc7520(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  zt_json_val in = vec_member(d, ZT_JSON_ROOT, "input");
  zt_json_val out = vec_member(d, ZT_JSON_ROOT, "output");
  zt_json_val key = vec_member(d, in, "key"), v;
  kslot *ks = NULL;
  if (zt_json_type_of(d, key) == ZT_JSON_OBJECT) {
    char k[96];
    snprintf(k, sizeof k, "rfc7520/%s", c->f->rel);
    ks = ks_for_value(k, d, key);
    expect_st("key set", ks->st, ZT_JWT_OK);
  }
  provider p = provider_of(ks);
  size_t forms = 0;
  refuse_json_forms(d, out, &p, &forms);
  if (!forms)
    fail_msg("%s: no JSON serialization", c->f->rel);
  bool compact = vec_get(d, out, "compact", &v);
  if (compact != rfc7520_table[c->aux].compact)
    fail_msg("%s: compact serialization %s", c->f->rel,
             compact ? "present, not expected" : "missing");
  if (compact) {
    size_t n = 0;
    const char *s = vec_str(d, out, "compact", &n);
    zt_jwt *j = new_jwt();
    zt_jwt_status jwt_st, st = run_jws(j, s, n, &p, &jwt_st);
    expect_st("compact", st, rfc7520_table[c->aux].status);
    if (st == ZT_JWT_OK)
      expect_st("compact as a JWT (payload is text)", jwt_st,
                ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON);
    if (rfc7520_table[c->aux].why)
      deviation(c, "compact", st, rfc7520_table[c->aux].why);
  }
  pass(c);
}

/* RFC 8037 A.4/A.5: Ed25519. */
static void t_rfc8037(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  zt_json_val in = vec_member(d, ZT_JSON_ROOT, "input");
  zt_json_val out = vec_member(d, ZT_JSON_ROOT, "output");
  kslot *ks = ks_for_value("rfc8037", d, vec_member(d, in, "key"));
  provider p = provider_of(ks);
  size_t n, forms = 0;
  const char *s = vec_str(d, out, "compact", &n);
  zt_jwt *j = new_jwt();
  zt_jwt_status st = run_jws(j, s, n, &p, NULL);
  if (c->skip) {
    /* No libsodium: OKP keys refused at import; the token fails closed. */
    expect_st("OKP key import", ks->st, ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED);
    expect_refused("compact", st);
    expect_st("EdDSA verify",
              zt_keyset_verify(NULL, ZT_ALG_EDDSA, NULL, 0, s, 10, j->sig,
                               j->sig_len),
              ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
  } else {
    expect_st("key set", ks->st, ZT_JWT_OK);
    expect_st("compact", st, ZT_JWT_OK);
    /* A wrong 64-byte signature fails; a shorter one is the anchor's
     * immediate JwtEd25519SignatureWrongLength. */
    size_t len = j->sig_len;
    uint8_t *sig = keep(malloc(len));
    memcpy(sig, j->sig, len);
    sig[len / 2] ^= 0x01;
    const char *bad = with_sig(s, sig, len);
    expect_st("modified signature", run_jws(j, bad, strlen(bad), &p, NULL),
              ZT_JWT_VERIFICATION_FAIL);
    bad = with_sig(s, sig, len - 1);
    expect_st("truncated signature", run_jws(j, bad, strlen(bad), &p, NULL),
              ZT_JWT_ED25519_SIGNATURE_WRONG_LENGTH);
  }
  refuse_json_forms(d, out, &p, &forms);
  assert_int_equal(forms, 2);
  pass(c);
}

/* RFC 7797: b64 false is announced through crit, which nothing here
 * understands, so the compact token is refused at its header although its
 * MAC is right. */
static void t_rfc7797(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  zt_json_val in = vec_member(d, ZT_JSON_ROOT, "input");
  zt_json_val out = vec_member(d, ZT_JSON_ROOT, "output"), v;
  char k[96];
  snprintf(k, sizeof k, "rfc7797/%s", c->f->rel);
  kslot *ks = ks_for_value(k, d, vec_member(d, in, "key"));
  expect_st("key set", ks->st, ZT_JWT_OK);
  provider p = provider_of(ks);
  size_t forms = 0;
  refuse_json_forms(d, out, &p, &forms);
  if (!forms)
    fail_msg("no JSON serialization");
  if (vec_get(d, out, "compact", &v)) {
    size_t n = 0;
    const char *s = vec_str(d, out, "compact", &n);
    zt_jwt *j = new_jwt();
    expect_st("compact b64:false", run_jws(j, s, n, &p, NULL),
              ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
    /* The refusal is the crit header's doing: the MAC over the RFC 7797
     * signing input (header "." raw payload) is correct. */
    const char *d2 = strrchr(s, '.');
    size_t sl;
    uint8_t *sig = b64url_dec(d2 + 1, n - (size_t)(d2 + 1 - s), &sl);
    expect_st("MAC over the b64:false input",
              zt_keyset_verify(ks->ks, ZT_ALG_HS256, NULL, 0, s,
                               (size_t)(d2 - s), sig, sl),
              ZT_JWT_OK);
  }
  pass(c);
}

static void t_rfc_summary(void **state) {
  vcase *c = begin(state);
  for (size_t i = 0; i < NELEM(rfc7520_table); i++)
    vfile_need(&f_rfc7520[i]);
  printf("# %s: %zu cases run, %zu passed, %zu skipped, %zu listed "
         "deviations\n",
         c->t->label, c->t->run - 1, c->t->passed, c->t->skipped,
         c->t->deviations);
  assert_int_equal(c->t->run, 5 + 8 + 1 + 2 + 1);
  pass(c);
}

static void register_rfc(void) {
  zt_json_val ex, v;
  zt_json_iter it;
  vfile_load(&f_rfc7515, "rfc7520/rfc7515_appendix_a.json", true);
  if (f_rfc7515.json &&
      vec_get(&f_rfc7515.doc, ZT_JSON_ROOT, "examples", &ex)) {
    zt_json_iter_init(&it, &f_rfc7515.doc, ex);
    while (zt_json_iter_next(&it, NULL, &v)) {
      const char *name = vec_opt_str(&f_rfc7515.doc, v, "name", NULL);
      add_case(t_rfc7515, &tl_rfc, &f_rfc7515, v, "rfc7515 appendix %s",
               name ? name : "?");
    }
  } else {
    add_case(t_rfc7515, &tl_rfc, &f_rfc7515, ZT_JSON_NONE, "rfc7515");
  }
  for (size_t i = 0; i < NELEM(rfc7520_table); i++) {
    char *rel = malloc(128);
    if (!rel)
      abort();
    snprintf(rel, 128, "rfc7520/jws/%s", rfc7520_table[i].file);
    vfile_load(&f_rfc7520[i], rel, true);
    vcase *c = add_case(t_rfc7520, &tl_rfc, &f_rfc7520[i], ZT_JSON_ROOT,
                        "rfc7520 %s (compact; JSON forms refused)",
                        rfc7520_table[i].file);
    c->aux = i;
  }
  vfile_load(&f_rfc8037, "rfc7520/curve25519/jws.json", true);
  vcase *c = add_case(t_rfc8037, &tl_rfc, &f_rfc8037, ZT_JSON_ROOT,
                      "rfc8037 Ed25519 compact (JSON forms refused)");
  if (!g_eddsa)
    mark_skip(c, "no libsodium: EdDSA verification not built");
  static const char *const b64f[] = {
      "rfc7520/rfc7797/hmac-sha2_b64_false.json",
      "rfc7520/rfc7797/4.2.hmac-sha2_b64_false.json"};
  for (size_t i = 0; i < 2; i++) {
    vfile_load(&f_rfc7797[i], b64f[i], true);
    add_case(t_rfc7797, &tl_rfc, &f_rfc7797[i], ZT_JSON_ROOT,
             "rfc7797 %s b64:false refused", b64f[i] + 15);
  }
  add_case(t_rfc_summary, &tl_rfc, NULL, ZT_JSON_NONE, "rfc summary");
}

/* ---- istio/tokens.json
 * ------------------------------------------------------------- */

static vfile f_istio, f_istio_jwks[2], f_istio_jwt[2];
static tally tl_istio = {"istio/tokens.json", 0, 0, 0, 0};

static kslot *istio_keyset(const char *file) {
  for (size_t i = 0; i < 2; i++) {
    if (strcmp(f_istio_jwks[i].rel + 6, file) != 0)
      continue;
    vfile_need(&f_istio_jwks[i]);
    char key[96];
    snprintf(key, sizeof key, "istio/%s", file);
    kslot *s = ks_find(key);
    if (!s) {
      zt_jwt_status st;
      zt_keyset *ks = jwks_import(f_istio_jwks[i].text, f_istio_jwks[i].n, &st);
      s = ks_put(key, ks, st);
    }
    expect_st(file, s->st, ZT_JWT_OK);
    return s;
  }
  fail_msg("unknown jwks_file %s", file);
  return NULL;
}

/* The token a case names: its own, or a token_ref into samples/e2e. */
static const char *istio_token(const zt_json_doc *d, zt_json_val v, size_t *n) {
  const char *ref = vec_opt_str(d, v, "token_ref", NULL);
  if (!ref)
    return vec_str(d, v, "token", n);
  const char *slash = strchr(ref, '/');
  if (!slash)
    fail_msg("bad token_ref %s", ref);
  const char *list = strncmp(ref, "samples/", 8) == 0       ? "samples"
                     : strncmp(ref, "e2e_tokens/", 11) == 0 ? "e2e_tokens"
                                                            : NULL;
  if (!list)
    fail_msg("bad token_ref %s", ref);
  zt_json_val t =
      vec_find(d, vec_member(d, ZT_JSON_ROOT, list), "name", slash + 1);
  return vec_str(d, t, "token", n);
}

static void t_istio(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  const char *name = vec_str(d, c->v, "name", NULL);
  size_t n = 0;
  const char *tok = istio_token(d, c->v, &n);
  kslot *s = istio_keyset(vec_str(d, c->v, "jwks_file", NULL));
  provider p = provider_of(s);
  p.now = vec_uint(d, c->v, "now");
  const char *want = vec_opt_str(d, c->v, "expected_status_at_now", NULL);
  if (!want)
    want = vec_str(d, c->v, "expected_status", NULL);
  zt_jwt *j = new_jwt();
  expect_st(name, run_jwt(j, tok, n, &p), vec_status(want, strlen(want)));
  pass(c);
}

/* The .jwt files as a user pastes them (trailing newline trimmed) give
 * the same as their copy in tokens.json. */
static void t_istio_file(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &f_istio.doc;
  vfile_need(&f_istio);
  const char *fname = c->f->rel + 6 + 8; /* "istio/samples_" */
  zt_json_val t =
      vec_find(d, vec_member(d, ZT_JSON_ROOT, "samples"), "name", fname);
  size_t n = c->f->n, tn;
  while (n && (c->f->text[n - 1] == '\n' || c->f->text[n - 1] == '\r'))
    n--;
  const char *tok = vec_str(d, t, "token", &tn);
  if (n != tn || memcmp(tok, c->f->text, n) != 0)
    fail_msg("%s differs from tokens.json", c->f->rel);
  kslot *s = istio_keyset(vec_str(d, t, "jwks_file", NULL));
  provider p = provider_of(s);
  p.now = vec_uint(d, t, "now");
  zt_jwt *j = new_jwt();
  expect_st(fname, run_jwt(j, c->f->text, n, &p),
            status_member(d, t, "expected_status_at_now"));
  pass(c);
}

static void register_istio(void) {
  vfile_load(&f_istio, "istio/tokens.json", true);
  vfile_load(&f_istio_jwks[0], "istio/samples_jwks.json", false);
  vfile_load(&f_istio_jwks[1], "istio/tests_common_jwks.json", false);
  vfile_load(&f_istio_jwt[0], "istio/samples_demo.jwt", false);
  vfile_load(&f_istio_jwt[1], "istio/samples_groups-scope.jwt", false);
  static const char *const lists[] = {"samples", "e2e_tokens", "derived_cases"};
  const zt_json_doc *d = &f_istio.doc;
  size_t added = 0;
  for (size_t i = 0; f_istio.json && i < NELEM(lists); i++) {
    zt_json_val l, v;
    zt_json_iter it;
    if (!vec_get(d, ZT_JSON_ROOT, lists[i], &l))
      continue;
    zt_json_iter_init(&it, d, l);
    while (zt_json_iter_next(&it, NULL, &v)) {
      const char *name = vec_opt_str(d, v, "name", NULL);
      add_case(t_istio, &tl_istio, &f_istio, v, "istio %s %s", lists[i],
               name ? name : "?");
      added++;
    }
  }
  if (!added)
    add_case(t_istio, &tl_istio, &f_istio, ZT_JSON_NONE, "istio tokens.json");
  for (size_t i = 0; i < 2; i++)
    add_case(t_istio_file, &tl_istio, &f_istio_jwt[i], ZT_JSON_NONE,
             "istio file %s", f_istio_jwt[i].rel);
}

static void t_istio_summary(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  size_t n = zt_json_size(d, vec_member(d, ZT_JSON_ROOT, "samples")) +
             zt_json_size(d, vec_member(d, ZT_JSON_ROOT, "e2e_tokens")) +
             zt_json_size(d, vec_member(d, ZT_JSON_ROOT, "derived_cases"));
  assert_int_equal(n, 2 + 14 + 5); /* README: 2 samples, 14 e2e tokens */
  assert_int_equal(c->t->run, n + 2 + 1);
  printf("# %s: %zu tokens and derived cases + 2 .jwt files run, %zu "
         "passed\n",
         c->t->label, n, c->t->passed);
  pass(c);
}

/* ---- envoy_jwt_authn/tokens.json
 * ------------------------------------------------------ */

static vfile f_envoy;
static tally tl_envoy = {"envoy_jwt_authn/tokens.json", 0, 0, 0, 0};

static kslot *envoy_keyset(const char *name) {
  char key[96];
  snprintf(key, sizeof key, "envoy/%s", name);
  kslot *s = ks_find(key);
  if (s)
    return s;
  const zt_json_doc *d = &f_envoy.doc;
  zt_json_val ks = vec_member(d, vec_member(d, ZT_JSON_ROOT, "keysets"), name);
  size_t n = 0;
  const char *text = vec_keyset_text(d, ks, &n);
  zt_jwt_status st;
  zt_keyset *set = jwks_import(text, n, &st);
  return ks_put(key, set, st);
}

/* The HTTP answer jwt.md §1.6 and the file's http_mapping give. */
static int32_t envoy_http(zt_jwt_status st) {
  return st == ZT_JWT_AUDIENCE_NOT_ALLOWED ? 403 : 401;
}

static void t_envoy(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  const char *name = vec_str(d, c->v, "name", NULL);
  zt_json_val prov = vec_member(d, ZT_JSON_ROOT, "provider"), a, e;
  kslot *s = envoy_keyset(vec_str(d, c->v, "keyset", NULL));
  expect_st("key set", s->st, ZT_JWT_OK);
  provider p = provider_of(s);
  p.now = vec_uint(d, ZT_JSON_ROOT, "now");
  p.issuer.ptr = vec_str(d, prov, "issuer", &p.issuer.len);
  a = vec_member(d, prov, "audiences");
  size_t na = zt_json_size(d, a), i = 0;
  if (zt_json_type_of(d, a) != ZT_JSON_ARRAY || na == 0)
    fail_msg("provider audiences is not a non-empty array");
  zt_str *aud = keep(calloc(na, sizeof *aud));
  zt_json_iter it;
  zt_json_iter_init(&it, d, a);
  while (zt_json_iter_next(&it, NULL, &e))
    if (!zt_json_string(d, e, &aud[i].ptr, &aud[i].len))
      fail_msg("audience is not a string");
    else
      i++;
  size_t n = 0;
  const char *tok = vec_str(d, c->v, "token", &n);
  zt_jwt *j = new_jwt();
  static const char *const which[] = {
      "expected_status_provider_with_audiences",
      "expected_status_provider_without_audiences"};
  for (size_t k = 0; k < 2; k++) {
    p.aud = k == 0 ? aud : NULL;
    p.n_aud = k == 0 ? na : 0;
    zt_jwt_status want = status_member(d, c->v, which[k]);
    zt_jwt_status got = run_jwt(j, tok, n, &p);
    char what[160];
    snprintf(what, sizeof what, "%s %s", name, which[k] + 25);
    expect_st(what, got, want);
    if (got != ZT_JWT_OK) {
      int32_t http = zt_authn_http_status(g_cfg, (int32_t)got);
      if (http != envoy_http(want))
        fail_msg("%s: HTTP %d, want %d", what, http, envoy_http(want));
    }
  }
  pass(c);
}

/* Verbatim key sets with the anchor's trailing commas are refused; the
 * forwarded payload is the payload segment as received. */
static void t_envoy_extra(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  zt_json_val sets = vec_member(d, ZT_JSON_ROOT, "keysets"), nv, v;
  zt_json_iter it;
  zt_json_iter_init(&it, d, sets);
  size_t strict = 0;
  while (zt_json_iter_next(&it, &nv, &v)) {
    zt_json_val ns;
    if (!vec_get(d, v, "nonstandard_json", &ns))
      continue;
    size_t n = 0;
    const char *text = vec_str(d, v, "text", &n);
    zt_jwt_status st;
    zt_keyset_release(jwks_import(text, n, &st));
    expect_st("verbatim key set with trailing commas", st, ZT_JWKS_PARSE_ERROR);
    strict++;
  }
  assert_int_equal(strict, 1);
  zt_json_val fwd = vec_member(d, ZT_JSON_ROOT, "expected_forwarded_payload");
  size_t wn, n;
  const char *want = vec_str(d, fwd, "GoodToken_base64url_no_padding", &wn);
  zt_json_val good = vfile_case(c->f, "GoodToken");
  const char *tok = vec_str(d, good, "token", &n);
  zt_jwt *j = new_jwt();
  expect_st("GoodToken", zt_jwt_parse(j, tok, n), ZT_JWT_OK);
  if (j->payload_b64.len != wn || memcmp(j->payload_b64.ptr, want, wn) != 0)
    fail_msg("forwarded payload differs");
  /* 200 is never mapped: only failures have an HTTP status here. */
  assert_int_equal(zt_authn_http_status(g_cfg, ZT_JWT_MISSED), 401);
  pass(c);
}

static void register_envoy(void) {
  vfile_load(&f_envoy, "envoy_jwt_authn/tokens.json", true);
  const zt_json_doc *d = &f_envoy.doc;
  zt_json_val l, v;
  zt_json_iter it;
  if (!f_envoy.json || !vec_get(d, ZT_JSON_ROOT, "cases", &l)) {
    add_case(t_envoy, &tl_envoy, &f_envoy, ZT_JSON_NONE, "envoy tokens.json");
    return;
  }
  zt_json_iter_init(&it, d, l);
  while (zt_json_iter_next(&it, NULL, &v)) {
    const char *name = vec_opt_str(d, v, "name", NULL);
    add_case(t_envoy, &tl_envoy, &f_envoy, v,
             "envoy %s (with and without "
             "audiences, HTTP status)",
             name ? name : "?");
  }
  add_case(t_envoy_extra, &tl_envoy, &f_envoy, ZT_JSON_NONE,
           "envoy strict key set JSON, forwarded payload");
}

static void t_envoy_summary(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &c->f->doc;
  size_t n = zt_json_size(d, vec_member(d, ZT_JSON_ROOT, "cases"));
  assert_int_equal(n, 10);
  assert_int_equal(c->t->run, n + 2);
  printf("# %s: %zu tokens run (2 provider configs each), %zu passed\n",
         c->t->label, n, c->t->passed);
  pass(c);
}

/* ---- Regressions (jwt.md §3)
 * ----------------------------------------------------------- */

static tally tl_reg = {"regressions", 0, 0, 0, 0};

/* Two HMAC keys with kids: k1 bound to HS256, k2 without alg. */
static const uint8_t reg_key1[32] = {
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
static uint8_t reg_key2[64];
static uint8_t reg_key3[32];

static kslot *reg_keyset(void) {
  kslot *s = ks_find("regression/oct");
  if (s)
    return s;
  char *k1 = b64url(reg_key1, sizeof reg_key1);
  char *k2 = b64url(reg_key2, sizeof reg_key2);
  char *text = keep(malloc(512));
  int n = snprintf(text, 512,
                   "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"k1\",\"alg\":"
                   "\"HS256\",\"k\":\"%s\"},{\"kty\":\"oct\",\"kid\":\"k2\","
                   "\"k\":\"%s\"}]}",
                   k1, k2);
  zt_jwt_status st;
  zt_keyset *ks = jwks_import(text, (size_t)n, &st);
  expect_st("regression key set", st, ZT_JWT_OK);
  return ks_put("regression/oct", ks, st);
}

/* header.payload.sig with the given JSON texts; MACed with key under hash
 * h when key is non-NULL, else carrying sig (sig_len 0: empty segment). */
static char *make_token(const char *hdr, const char *payload, zt_hash_id h,
                        const void *key, size_t kl, const uint8_t *sig,
                        size_t sig_len) {
  char *h64 = b64url(hdr, strlen(hdr));
  char *p64 = b64url(payload, strlen(payload));
  size_t il = strlen(h64) + 1 + strlen(p64);
  char *out = keep(malloc(il + zt_b64url_encoded_len(512) + 2));
  snprintf(out, il + 1, "%s.%s", h64, p64);
  uint8_t tag[ZT_DIGEST_MAX];
  if (key) {
    if (!zt_hmac(h, key, kl, out, il, tag))
      fail_msg("zt_hmac failed");
    sig = tag;
    sig_len = zt_hash_size(h);
  }
  out[il] = '.';
  if (sig_len > 512)
    fail_msg("signature too long for the test buffer");
  if (sig_len)
    zt_b64url_encode(sig, sig_len, out + il + 1,
                     zt_b64url_encoded_len(512) + 1);
  else
    out[il + 1] = '\0';
  return out;
}

/* A token MACed under HS256 with the set's key k1. */
static char *k1_token(const char *hdr, const char *payload) {
  return make_token(hdr, payload, ZT_HASH_SHA256, reg_key1, sizeof reg_key1,
                    NULL, 0);
}

static zt_jwt_status run_text(const char *tok, const provider *p) {
  return run_jwt(new_jwt(), tok, strlen(tok), p);
}

static void t_reg_alg_none(void **state) {
  vcase *c = begin(state);
  static const char *const algs[] = {"none", "NONE", "None", "nOnE", ""};
  kslot *rsa = verify_keyset("rsa_jwks");
  kslot *oct = reg_keyset();
  /* A kid that exists in each set. */
  const char *kids[] = {NULL, "62a93512c9ee4c7f8067b5a216dade2763d32a47", "k1",
                        "k2"};
  const char *payload = "{\"iss\":\"https://example.com\",\"sub\":\"s\"}";
  for (size_t a = 0; a < NELEM(algs); a++) {
    for (size_t k = 0; k < NELEM(kids); k++) {
      char hdr[160];
      if (kids[k])
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"kid\":\"%s\"}", algs[a],
                 kids[k]);
      else
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\"}", algs[a]);
      for (size_t sset = 0; sset < 2; sset++) {
        provider p = provider_of(sset ? oct : rsa);
        /* No signature: an empty segment. */
        char *t0 = make_token(hdr, payload, ZT_HASH_NONE, NULL, 0, NULL, 0);
        expect_st(hdr, run_text(t0, &p), ZT_JWT_BAD_FORMAT);
        /* A signature (here a valid HS256 MAC with the set's key): the
         * alg is still not implemented. */
        char *t1 = k1_token(hdr, payload);
        expect_st(hdr, run_text(t1, &p), ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
      }
    }
  }
  /* The verifier refuses alg none by itself too. */
  expect_st("zt_keyset_verify alg none",
            zt_keyset_verify(oct->ks, ZT_ALG_NONE, NULL, 0, "a.b", 3,
                             (const uint8_t *)"x", 1),
            ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
  pass(c);
}

/* HS/RS key confusion: HMACs keyed with the RSA public key's bytes in
 * every spelling never verify against the RSA set. */
static void t_reg_hs_rs(void **state) {
  vcase *c = begin(state);
  const zt_json_doc *d = &f_verify.doc;
  vfile_need(&f_verify);
  zt_json_val sets = vec_member(d, ZT_JSON_ROOT, "keysets");
  static const char *const names[] = {"rsa_jwks", "rsa_jwks_no_alg", "pem_rsa",
                                      "x509_esp"};
  const char *payload = "{\"iss\":\"https://example.com\",\"sub\":\"s\"}";
  size_t tried = 0;
  for (size_t si = 0; si < NELEM(names); si++) {
    kslot *s = verify_keyset(names[si]);
    expect_st(names[si], s->st, ZT_JWT_OK);
    provider p = provider_of(s);
    zt_json_val ks = vec_member(d, sets, names[si]);
    size_t tl;
    const char *text = vec_keyset_text(d, ks, &tl);
    struct {
      const void *p;
      size_t n;
    } secrets[12];
    size_t ns = 0;
    secrets[ns].p = text; /* the JWKS / PEM / x509 map text as served */
    secrets[ns++].n = tl;
    const char *kid = NULL;
    if (str_is(d, ks, "format", "PEM")) {
      size_t der_len;
      uint8_t *der = pem_der(text, &der_len);
      secrets[ns].p = der;
      secrets[ns++].n = der_len;
      /* trimmed, and whitespace-prefixed (CVE-2023-48223 style) */
      const char *b = strstr(text, "-----BEGIN");
      secrets[ns].p = b;
      secrets[ns++].n = strlen(b);
      char *ws = keep(malloc(tl + 3));
      snprintf(ws, tl + 3, "  %s", b);
      secrets[ns].p = ws;
      secrets[ns++].n = strlen(ws);
    } else if (str_is(d, ks, "format", "JWKS")) {
      zt_json_doc *kd = parse_doc(text, tl);
      zt_json_iter it;
      zt_json_val k0;
      zt_json_iter_init(&it, kd, vec_member(kd, ZT_JSON_ROOT, "keys"));
      if (!zt_json_iter_next(&it, NULL, &k0))
        fail_msg("%s has no key", names[si]);
      size_t jl = 0, nl = 0, nb = 0;
      const char *jwk = json_text(kd, k0, &jl);
      secrets[ns].p = jwk; /* the JWK JSON */
      secrets[ns++].n = jl;
      const char *n64 = vec_str(kd, k0, "n", &nl);
      secrets[ns].p = n64; /* n, base64url text */
      secrets[ns++].n = nl;
      uint8_t *nbytes = b64url_dec(n64, nl, &nb);
      secrets[ns].p = nbytes; /* n, raw bytes */
      secrets[ns++].n = nb;
      kid = vec_opt_str(kd, k0, "kid", NULL);
    } else {
      kid = "62a93512c9ee4c7f8067b5a216dade2763d32a47";
    }
    for (size_t i = 0; i < ns; i++) {
      for (int h = ZT_HASH_SHA256; h <= ZT_HASH_SHA512; h++) {
        for (int withkid = 0; withkid < 2; withkid++) {
          char hdr[160];
          const char *an = h == ZT_HASH_SHA256   ? "HS256"
                           : h == ZT_HASH_SHA384 ? "HS384"
                                                 : "HS512";
          if (withkid && kid)
            snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"kid\":\"%s\"}", an,
                     kid);
          else
            snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\"}", an);
          char *t = make_token(hdr, payload, (zt_hash_id)h, secrets[i].p,
                               secrets[i].n, NULL, 0);
          zt_jwt_status st = run_text(t, &p);
          char what[200];
          snprintf(what, sizeof what, "%s secret %zu %s kid=%d", names[si], i,
                   an, withkid);
          expect_refused(what, st);
          expect_st(what, st, ZT_JWKS_KID_ALG_MISMATCH);
          tried++;
        }
      }
    }
  }
  assert_true(tried >= 4 * 3 * 2);
  pass(c);
}

static const char *verify_token(const char *name, kslot **s, provider *p) {
  const zt_json_doc *d = &f_verify.doc;
  vfile_need(&f_verify);
  zt_json_val v = vfile_case(&f_verify, name);
  *s = verify_keyset(vec_str(d, v, "keyset", NULL));
  *p = verify_provider(d, v, *s);
  return vec_str(d, v, "token", NULL);
}

/* CVE-2022-21449: r = s = 0 (and either alone) must never verify. */
static void t_reg_psychic(void **state) {
  vcase *c = begin(state);
  static const char *const cases[] = {"ec_es256_kid_ok", "ec_es384_kid_ok",
                                      "ec_es512_kid_ok", "pem_es256_ok"};
  for (size_t i = 0; i < NELEM(cases); i++) {
    kslot *s;
    provider p;
    const char *tok = verify_token(cases[i], &s, &p);
    zt_jwt *j = new_jwt();
    expect_st(cases[i], run_jwt(j, tok, strlen(tok), &p), ZT_JWT_OK);
    size_t len = j->sig_len, half = len / 2;
    uint8_t *z = keep(calloc(1, len));
    expect_st("r = s = 0", run_text(with_sig(tok, z, len), &p),
              ZT_JWT_VERIFICATION_FAIL);
    memcpy(z + half, j->sig + half, half); /* r = 0, s kept */
    expect_st("r = 0", run_text(with_sig(tok, z, len), &p),
              ZT_JWT_VERIFICATION_FAIL);
    memset(z, 0, len);
    memcpy(z, j->sig, half); /* r kept, s = 0 */
    expect_st("s = 0", run_text(with_sig(tok, z, len), &p),
              ZT_JWT_VERIFICATION_FAIL);
  }
  pass(c);
}

/* 0x00||r||0x00||s and other lengths around 2 x field size. */
static void t_reg_zero_padded(void **state) {
  vcase *c = begin(state);
  static const char *const cases[] = {"ec_es256_kid_ok", "ec_es512_kid_ok"};
  for (size_t i = 0; i < NELEM(cases); i++) {
    kslot *s;
    provider p;
    const char *tok = verify_token(cases[i], &s, &p);
    zt_jwt *j = new_jwt();
    expect_st(cases[i], run_jwt(j, tok, strlen(tok), &p), ZT_JWT_OK);
    size_t len = j->sig_len, half = len / 2;
    uint8_t *z = keep(calloc(1, 2 * len + 2));
    memcpy(z + 1, j->sig, half);
    memcpy(z + half + 2, j->sig + half, half);
    expect_st("0x00||r||0x00||s", run_text(with_sig(tok, z, len + 2), &p),
              ZT_JWT_VERIFICATION_FAIL);
    memset(z, 0, 2 * len + 2);
    memcpy(z, j->sig, len); /* r||s||0x00 */
    expect_st("r||s||0x00", run_text(with_sig(tok, z, len + 1), &p),
              ZT_JWT_VERIFICATION_FAIL);
    memset(z, 0, 2 * len + 2); /* each half zero-padded to len bytes */
    memcpy(z + half, j->sig, half);
    memcpy(z + len + half, j->sig + half, half);
    expect_st("zero-padded halves", run_text(with_sig(tok, z, 2 * len), &p),
              ZT_JWT_VERIFICATION_FAIL);
  }
  pass(c);
}

/* NumericDates at and beyond the 64-bit edge, signed and verified. */
static void t_reg_huge_exp(void **state) {
  vcase *c = begin(state);
  provider p = provider_of(reg_keyset());
  static const struct {
    const char *claims;
    zt_jwt_status want;
  } cases[] = {
      {"{\"exp\":4102444800}", ZT_JWT_OK},           /* 2100 */
      {"{\"exp\":9007199254740993}", ZT_JWT_OK},     /* 2^53 + 1 */
      {"{\"exp\":9223372036854775808}", ZT_JWT_OK},  /* 2^63 */
      {"{\"exp\":18446744073709551555}", ZT_JWT_OK}, /* + skew = 2^64 - 1 */
      /* exp + skew does not fit 64 bits: fails closed (jwt.h) */
      {"{\"exp\":18446744073709551556}", ZT_JWT_EXPIRED},
      {"{\"exp\":18446744073709551615}", ZT_JWT_EXPIRED},
      {"{\"exp\":18446744073709551616}",
       ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_OUT_OF_RANGE},
      {"{\"exp\":1e300}", ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_OUT_OF_RANGE},
      {"{\"exp\":1e19}", ZT_JWT_OK},
      {"{\"exp\":1.8446744073709552e19}",
       ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_OUT_OF_RANGE},
      {"{\"exp\":-1}", ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_OUT_OF_RANGE},
      {"{\"exp\":\"4102444800\"}", ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_NOT_INTEGER},
      {"{\"exp\":null}", ZT_JWT_PAYLOAD_PARSE_ERROR_EXP_NOT_INTEGER},
      {"{\"exp\":1699999940}", ZT_JWT_OK},      /* now - skew: inclusive */
      {"{\"exp\":1699999939}", ZT_JWT_EXPIRED}, /* one second more */
      {"{\"nbf\":18446744073709551615}", ZT_JWT_NOT_YET_VALID},
      {"{\"nbf\":9223372036854775807}", ZT_JWT_NOT_YET_VALID},
      {"{\"nbf\":1700000060}", ZT_JWT_OK},
      {"{\"nbf\":1700000061}", ZT_JWT_NOT_YET_VALID},
  };
  for (size_t i = 0; i < NELEM(cases); i++) {
    char *t = k1_token("{\"alg\":\"HS256\",\"kid\":\"k1\"}", cases[i].claims);
    expect_st(cases[i].claims, run_text(t, &p), cases[i].want);
  }
  pass(c);
}

/* Duplicate member names are refused (strict JSON, DECISIONS.md), also
 * where the two values agree. */
static void t_reg_duplicate(void **state) {
  vcase *c = begin(state);
  provider p = provider_of(reg_keyset());
  static const struct {
    const char *hdr, *claims;
    zt_jwt_status want;
  } cases[] = {
      {"{\"alg\":\"HS256\",\"kid\":\"k1\"}", "{\"sub\":\"s\"}", ZT_JWT_OK},
      {"{\"alg\":\"HS256\",\"alg\":\"HS256\",\"kid\":\"k1\"}",
       "{\"sub\":\"s\"}", ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON},
      {"{\"alg\":\"none\",\"alg\":\"HS256\",\"kid\":\"k1\"}", "{\"sub\":\"s\"}",
       ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON},
      {"{\"alg\":\"HS256\",\"kid\":\"k1\",\"alg\":\"none\"}", "{\"sub\":\"s\"}",
       ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON},
      {"{\"alg\":\"HS256\",\"kid\":\"k1\",\"kid\":\"k2\"}", "{\"sub\":\"s\"}",
       ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON},
      {"{\"alg\":\"HS256\",\"kid\":\"k1\"}", "{\"exp\":1,\"exp\":4102444800}",
       ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON},
      {"{\"alg\":\"HS256\",\"kid\":\"k1\"}", "{\"aud\":\"a\",\"aud\":\"b\"}",
       ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON},
      {"{\"alg\":\"HS256\",\"kid\":\"k1\"}",
       "{\"iss\":\"a\",\"is\\u0073\":\"b\"}",
       ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON},
  };
  for (size_t i = 0; i < NELEM(cases); i++) {
    char *t = k1_token(cases[i].hdr, cases[i].claims);
    char what[200];
    snprintf(what, sizeof what, "%s.%s", cases[i].hdr, cases[i].claims);
    expect_st(what, run_text(t, &p), cases[i].want);
  }
  pass(c);
}

/* kid selection: an unknown kid matches nothing; no kid (or "") tries
 * every key; a kid picks its key only. */
static void t_reg_kid(void **state) {
  vcase *c = begin(state);
  provider p = provider_of(reg_keyset());
  static const struct {
    const char *hdr;
    int key; /* 1, 2: the set's keys; 3: a key not in the set */
    zt_jwt_status want;
  } cases[] = {
      {"{\"alg\":\"HS256\",\"kid\":\"k3\"}", 1, ZT_JWKS_KID_ALG_MISMATCH},
      {"{\"alg\":\"HS256\",\"kid\":\"K1\"}", 1, ZT_JWKS_KID_ALG_MISMATCH},
      {"{\"alg\":\"HS256\",\"kid\":\"k\"}", 1, ZT_JWKS_KID_ALG_MISMATCH},
      {"{\"alg\":\"HS256\",\"kid\":\"k1\"}", 1, ZT_JWT_OK},
      {"{\"alg\":\"HS256\",\"kid\":\"k2\"}", 2, ZT_JWT_OK},
      {"{\"alg\":\"HS256\",\"kid\":\"k1\"}", 2, ZT_JWT_VERIFICATION_FAIL},
      {"{\"alg\":\"HS256\"}", 1, ZT_JWT_OK},
      {"{\"alg\":\"HS256\"}", 2, ZT_JWT_OK},
      {"{\"alg\":\"HS256\"}", 3, ZT_JWT_VERIFICATION_FAIL},
      {"{\"alg\":\"HS256\",\"kid\":\"\"}", 2, ZT_JWT_OK},
      /* k1 is bound to HS256: an HS512 token only reaches k2 */
      {"{\"alg\":\"HS512\"}", 2, ZT_JWT_OK},
      {"{\"alg\":\"HS512\",\"kid\":\"k1\"}", 1, ZT_JWKS_KID_ALG_MISMATCH},
      /* a kid must be a string */
      {"{\"alg\":\"HS256\",\"kid\":1}", 1, ZT_JWT_HEADER_BAD_KID},
  };
  for (size_t i = 0; i < NELEM(cases); i++) {
    const uint8_t *k = cases[i].key == 1   ? reg_key1
                       : cases[i].key == 2 ? reg_key2
                                           : reg_key3;
    size_t kl = cases[i].key == 2 ? sizeof reg_key2 : sizeof reg_key1;
    zt_hash_id h =
        strstr(cases[i].hdr, "HS512") ? ZT_HASH_SHA512 : ZT_HASH_SHA256;
    char *t = make_token(cases[i].hdr, "{\"sub\":\"s\"}", h, k, kl, NULL, 0);
    char what[120];
    snprintf(what, sizeof what, "%s with key %d", cases[i].hdr, cases[i].key);
    expect_st(what, run_text(t, &p), cases[i].want);
  }
  /* A kid-ful RSA set and a kid-less token: keys are still tried. */
  kslot *s;
  provider rp;
  const char *tok = verify_token("rsa_no_kid_ok", &s, &rp);
  expect_st("kid-less RS256 token, kid-ful set", run_text(tok, &rp), ZT_JWT_OK);
  pass(c);
}

/* An HMAC key without alg serves HS* only: a token labelled RS256, PS256,
 * ES256 or EdDSA whose "signature" is an HMAC under it matches no key
 * (the anchor would MAC-check the RS256 one with the oct key). */
static void t_reg_family(void **state) {
  vcase *c = begin(state);
  provider p = provider_of(reg_keyset());
  static const char *const algs[] = {"RS256", "PS256", "ES256", "EdDSA"};
  for (size_t i = 0; i < NELEM(algs); i++) {
    for (int withkid = 0; withkid < 2; withkid++) {
      char hdr[64];
      snprintf(hdr, sizeof hdr,
               withkid ? "{\"alg\":\"%s\",\"kid\":\"k2\"}" : "{\"alg\":\"%s\"}",
               algs[i]);
      char *t = make_token(hdr, "{\"sub\":\"s\"}", ZT_HASH_SHA256, reg_key2,
                           sizeof reg_key2, NULL, 0);
      zt_jwt_status want = strcmp(algs[i], "EdDSA") == 0 && !g_eddsa
                               ? ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG
                               : ZT_JWKS_KID_ALG_MISMATCH;
      expect_st(hdr, run_text(t, &p), want);
    }
  }
  pass(c);
}

/* Header members that carry or point to keys (jwk, jku, x5u, x5c) are
 * never used: a token MACed with the key it embeds does not verify, and
 * one MACed with the set's key verifies whatever it embeds. */
static void t_reg_embedded(void **state) {
  vcase *c = begin(state);
  provider p = provider_of(reg_keyset());
  char *k3 = b64url(reg_key3, sizeof reg_key3);
  char *hdr = keep(malloc(512));
  const char *extra[] = {
      "\"jku\":\"http://127.0.0.1/jwks.json\"",
      "\"x5u\":\"http://127.0.0.1/cert.pem\"",
      "\"x5c\":[\"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"]", NULL};
  snprintf(hdr, 512,
           "{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"%s\"}}", k3);
  expect_st("jwk header, MAC with the embedded key",
            run_text(make_token(hdr, "{\"sub\":\"s\"}", ZT_HASH_SHA256,
                                reg_key3, sizeof reg_key3, NULL, 0),
                     &p),
            ZT_JWT_VERIFICATION_FAIL);
  expect_st("jwk header, MAC with the set's key",
            run_text(k1_token(hdr, "{\"sub\":\"s\"}"), &p), ZT_JWT_OK);
  for (size_t i = 0; extra[i]; i++) {
    snprintf(hdr, 512, "{\"alg\":\"HS256\",%s}", extra[i]);
    expect_st(extra[i],
              run_text(make_token(hdr, "{\"sub\":\"s\"}", ZT_HASH_SHA256,
                                  reg_key3, sizeof reg_key3, NULL, 0),
                       &p),
              ZT_JWT_VERIFICATION_FAIL);
    expect_st(extra[i], run_text(k1_token(hdr, "{\"sub\":\"s\"}"), &p),
              ZT_JWT_OK);
  }
  pass(c);
}

/* A validly MACed token of exactly total bytes (header padded with
 * spaces, payload with a claim), or NULL when none fits. */
static char *token_of_size(size_t total, const char *claims_tail) {
  for (size_t sp = 0; sp < 4; sp++) {
    char hdr[64];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"HS256\",%*s\"kid\":\"k1\"}", (int)sp,
             "");
    size_t hl = zt_b64url_encoded_len(strlen(hdr));
    for (size_t len = 1; len < total; len++) {
      size_t base = strlen("{\"sub\":\"s\",\"x\":\"\"}") + strlen(claims_tail);
      size_t pl = zt_b64url_encoded_len(base + len);
      if (hl + 1 + pl + 1 + 43 != total)
        continue;
      char *claims = keep(malloc(base + len + 1));
      int n = snprintf(claims, base + len + 1, "{\"sub\":\"s\"%s,\"x\":\"",
                       claims_tail);
      memset(claims + n, 'a', len);
      snprintf(claims + (size_t)n + len, base + len + 1 - (size_t)n - len,
               "\"}");
      char *t = k1_token(hdr, claims);
      if (strlen(t) != total)
        fail_msg("token of %zu bytes, wanted %zu", strlen(t), total);
      return t;
    }
  }
  return NULL;
}

/* The size and JSON caps of jwt.h, on signed tokens. */
static void t_reg_caps(void **state) {
  vcase *c = begin(state);
  provider p = provider_of(reg_keyset());
  char *t = token_of_size(ZT_JWT_MAX_BYTES, "");
  if (!t)
    fail_msg("no token of %u bytes", ZT_JWT_MAX_BYTES);
  expect_st("token of ZT_JWT_MAX_BYTES", run_text(t, &p), ZT_JWT_OK);
  t = token_of_size(ZT_JWT_MAX_BYTES + 1, "");
  if (!t)
    fail_msg("no token of %u bytes", ZT_JWT_MAX_BYTES + 1);
  expect_st("token of ZT_JWT_MAX_BYTES + 1", run_text(t, &p),
            ZT_JWT_BAD_FORMAT);
  /* Payload depth: the object plus nested arrays. */
  static const size_t depths[] = {ZT_JWT_PAYLOAD_MAX_DEPTH,
                                  ZT_JWT_PAYLOAD_MAX_DEPTH + 1, 6000};
  for (size_t i = 0; i < NELEM(depths); i++) {
    size_t arrays = depths[i] - 1;
    char *claims = keep(malloc(2 * arrays + 16));
    size_t n = (size_t)snprintf(claims, 16, "{\"a\":");
    memset(claims + n, '[', arrays);
    memset(claims + n + arrays, ']', arrays);
    snprintf(claims + n + 2 * arrays, 4, "}");
    t = k1_token("{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims);
    char what[64];
    snprintf(what, sizeof what, "payload depth %zu", depths[i]);
    expect_st(what, run_text(t, &p),
              depths[i] <= ZT_JWT_PAYLOAD_MAX_DEPTH
                  ? ZT_JWT_OK
                  : ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON);
  }
  /* Payload tokens: object + name + array + elements. */
  static const size_t counts[] = {ZT_JWT_PAYLOAD_MAX_TOKENS,
                                  ZT_JWT_PAYLOAD_MAX_TOKENS + 1};
  for (size_t i = 0; i < NELEM(counts); i++) {
    size_t elems = counts[i] - 3;
    char *claims = keep(malloc(2 * elems + 16));
    size_t n = (size_t)snprintf(claims, 16, "{\"a\":[");
    for (size_t e = 0; e < elems; e++) {
      claims[n++] = '0';
      claims[n++] = e + 1 < elems ? ',' : ']';
    }
    snprintf(claims + n, 4, "}");
    t = k1_token("{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims);
    char what[64];
    snprintf(what, sizeof what, "%zu payload tokens", counts[i]);
    expect_st(what, run_text(t, &p),
              counts[i] <= ZT_JWT_PAYLOAD_MAX_TOKENS
                  ? ZT_JWT_OK
                  : ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON);
  }
  /* Header depth: {"alg":..,"kid":..,"x":[[[0]]]} is 4 deep. */
  expect_st(
      "header depth 4",
      run_text(k1_token("{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":[[[0]]]}",
                        "{\"sub\":\"s\"}"),
               &p),
      ZT_JWT_OK);
  expect_st(
      "header depth 5",
      run_text(k1_token("{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":[[[[0]]]]}",
                        "{\"sub\":\"s\"}"),
               &p),
      ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON);
  pass(c);
}

/* Strict encodings on otherwise valid, signed tokens. */
static void t_reg_encoding(void **state) {
  vcase *c = begin(state);
  provider p = provider_of(reg_keyset());
  const char *hdr = "{\"alg\":\"HS256\",\"kid\":\"k1\"}";
  char *t = k1_token(hdr, "{\"sub\":\"s\"}");
  size_t n = strlen(t);
  expect_st("as made", run_text(t, &p), ZT_JWT_OK);
  char *u = keep(malloc(n + 8));
  snprintf(u, n + 8, "%s\n", t);
  expect_st("trailing newline", run_text(u, &p),
            ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64);
  snprintf(u, n + 8, " %s", t);
  expect_st("leading space", run_text(u, &p),
            ZT_JWT_HEADER_PARSE_ERROR_BAD_BASE64);
  /* The 32-byte MAC is 43 characters: one more is a 33-byte signature,
   * two more a length of 4k+1. */
  snprintf(u, n + 8, "%sA", t);
  expect_st("33-byte HS256 signature", run_text(u, &p),
            ZT_JWT_VERIFICATION_FAIL);
  snprintf(u, n + 8, "%sAA", t);
  expect_st("signature length 4k+1", run_text(u, &p),
            ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64);
  memcpy(u, t, n + 1);
  for (char *q = strrchr(u, '.'); *q; q++)
    if (*q == '-' || *q == '_')
      *q = *q == '-' ? '+' : '/';
  if (strcmp(u, t) != 0)
    expect_st("standard base64 alphabet", run_text(u, &p),
              ZT_JWT_SIGNATURE_PARSE_ERROR_BAD_BASE64);
  /* Signed tokens whose header or claims the checks refuse. */
  static const struct {
    const char *what, *hdr, *claims;
    zt_jwt_status want;
  } bad[] = {
      /* a NUL inside a decoded string */
      {"kid with \\u0000", "{\"alg\":\"HS256\",\"kid\":\"k1\\u0000x\"}",
       "{\"sub\":\"s\"}", ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON},
      {"sub with \\u0000", "{\"alg\":\"HS256\",\"kid\":\"k1\"}",
       "{\"sub\":\"s\\u0000\"}", ZT_JWT_PAYLOAD_PARSE_ERROR_BAD_JSON},
      /* trailing commas (the anchor's parser took them) */
      {"header trailing comma", "{\"alg\":\"HS256\",\"kid\":\"k1\",}",
       "{\"sub\":\"s\"}", ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON},
      /* a header that is not an object, an alg that is not a string */
      {"header array", "[\"HS256\"]", "{\"sub\":\"s\"}",
       ZT_JWT_HEADER_PARSE_ERROR_BAD_JSON},
      {"alg not a string", "{\"alg\":256,\"kid\":\"k1\"}", "{\"sub\":\"s\"}",
       ZT_JWT_HEADER_BAD_ALG},
      {"no alg", "{\"kid\":\"k1\"}", "{\"sub\":\"s\"}", ZT_JWT_HEADER_BAD_ALG},
      {"alg hs256 (case)", "{\"alg\":\"hs256\",\"kid\":\"k1\"}",
       "{\"sub\":\"s\"}", ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG},
  };
  for (size_t i = 0; i < NELEM(bad); i++)
    expect_st(bad[i].what, run_text(k1_token(bad[i].hdr, bad[i].claims), &p),
              bad[i].want);
  pass(c);
}

static void t_reg_summary(void **state) {
  vcase *c = begin(state);
  assert_int_equal(c->t->run, 12 + 1);
  printf("# %s: %zu cases run, %zu passed\n", c->t->label, c->t->run - 1,
         c->t->passed);
  pass(c);
}

static void register_regressions(void) {
  static const struct {
    CMUnitTestFunction fn;
    vfile *f; /* the file the case reads, if any */
    const char *name;
  } regs[] = {
      {t_reg_alg_none, NULL,
       "regression alg none / NONE / None, with an existing kid"},
      {t_reg_hs_rs, NULL,
       "regression HS/RS confusion: PEM, DER, JWK JSON, n as HMAC keys"},
      {t_reg_psychic, NULL, "regression psychic signature ECDSA r = s = 0"},
      {t_wjws_zero_padded, &f_wjws,
       "regression zero-padded ECDSA, Wycheproof tcId 379 and 385"},
      {t_reg_zero_padded, NULL,
       "regression zero-padded ECDSA R||S of verify.json tokens"},
      {t_reg_huge_exp, NULL, "regression huge exp and nbf"},
      {t_reg_duplicate, NULL, "regression duplicate alg and claim members"},
      {t_reg_kid, NULL, "regression kid mismatches and kid-less tokens"},
      {t_reg_family, NULL,
       "regression RS256/PS256/ES256/EdDSA-labelled HMAC with an oct key"},
      {t_reg_embedded, NULL,
       "regression embedded jwk, jku, x5u, x5c headers ignored"},
      {t_reg_caps, NULL, "regression token size, JSON depth and token caps"},
      {t_reg_encoding, NULL,
       "regression strict base64url and JSON in signed tokens"},
      {t_reg_summary, NULL, "regressions summary"},
  };
  for (size_t i = 0; i < NELEM(regs); i++)
    add_case(regs[i].fn, &tl_reg, regs[i].f, ZT_JSON_NONE, "%s", regs[i].name);
}

/* ---- main
 * ----------------------------------------------------------------------------
 */

static void t_absent(void **state) {
  (void)state;
}

int main(void) {
  const char *scale = getenv("ZT_TIME_SCALE");
  g_scaled = scale && *scale;
  /* The verifier knows whether this build has Ed25519. */
  g_eddsa = zt_keyset_verify(NULL, ZT_ALG_EDDSA, NULL, 0, "", 0, NULL, 0) !=
            ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG;
  memset(reg_key2, 0x22, sizeof reg_key2);
  memset(reg_key3, 0x33, sizeof reg_key3);
  if (zt_config_new(&g_cfg, NULL) != ZT_OK)
    return 1;
  const char *env = getenv("ZT_VECTORS");
  if (!test_vectors_present() && !(env && *env)) {
    /* Outside meson test, without the shared vectors. */
    add_case(t_absent, &tl_reg, NULL, ZT_JSON_NONE,
             "jws vectors # SKIP vectors directory not present");
  } else {
    register_verify();
    add_case(t_verify_summary, &tl_verify, &f_verify, ZT_JSON_NONE,
             "verify.json summary");
    register_wycheproof(&f_wjws,
                        "wycheproof/testvectors/json_web_signature_test.json",
                        &tl_wjws, t_wjws, "jws");
    register_wycheproof(&f_wjwk,
                        "wycheproof/testvectors/json_web_key_test.json",
                        &tl_wjwk, t_wjwk, "jwk");
    register_rfc();
    register_istio();
    add_case(t_istio_summary, &tl_istio, &f_istio, ZT_JSON_NONE,
             "istio summary");
    register_envoy();
    add_case(t_envoy_summary, &tl_envoy, &f_envoy, ZT_JSON_NONE,
             "envoy summary");
    register_regressions();
    add_case(t_wycheproof_summary, &tl_wjws, &f_wjws, ZT_JSON_NONE,
             "wycheproof jws summary");
    add_case(t_wycheproof_summary, &tl_wjwk, &f_wjwk, ZT_JSON_NONE,
             "wycheproof jwk summary");
  }
  int rc =
      _cmocka_run_group_tests("jws_vectors", g_tests, g_ntests, NULL, NULL);
  for (size_t i = 0; i < g_ntests; i++) {
    free((void *)g_tests[i].name);
    free(g_tests[i].initial_state);
  }
  free(g_tests);
  for (size_t i = 0; i < g_nks; i++)
    zt_keyset_release(g_ks[i].ks);
  vfile *files[] = {&f_verify,        &f_wjws,         &f_wjwk,
                    &f_rfc7515,       &f_rfc8037,      &f_rfc7797[0],
                    &f_rfc7797[1],    &f_istio,        &f_istio_jwks[0],
                    &f_istio_jwks[1], &f_istio_jwt[0], &f_istio_jwt[1],
                    &f_envoy};
  for (size_t i = 0; i < NELEM(files); i++)
    vfile_close(files[i]);
  for (size_t i = 0; i < NELEM(f_rfc7520); i++) {
    free((void *)f_rfc7520[i].rel);
    vfile_close(&f_rfc7520[i]);
  }
  zt_config_free(g_cfg);
  return rc;
}
