/* Trust bundles (lib/bundle.c): every bundle_docs entry of the test PKI
 * manifest ($ZT_PKI_CASES, files in $ZT_PKI), then shapes of PEM, SPIFFE
 * bundles and bundle maps written here, messages, limits, reference
 * counts and allocation failures. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "json.h"
#include "test_alloc.h"
#include "test_files.h"
#include "test_vectors.h"

/* ---- The test PKI (tests/support: test_pki_*) ---------------------------- */

/* Parses doc as one bundle of td or, with td NULL, as a map; returns the
 * status and the number of roots (the total for a map). */
static int load(const char *td, const char *doc, size_t len, uint32_t *roots,
                zt_bundle_err *err) {
  *roots = 0;
  memset(err, 0, sizeof *err);
  if (td) {
    zt_bundle *b = NULL;
    int rc = zt_bundle_parse(NULL, td, strlen(td), doc, len, &b, err);
    assert_true((rc == ZT_OK) == (b != NULL));
    *roots = zt_bundle_roots(b);
    zt_bundle_release(b);
    return rc;
  }
  zt_bundle **v = NULL;
  size_t n = 0;
  int rc = zt_bundle_map_parse(NULL, doc, len, &v, &n, err);
  if (rc != ZT_OK)
    assert_true(v == NULL && n == 0);
  for (size_t i = 0; i < n; i++) {
    *roots += zt_bundle_roots(v[i]);
    zt_bundle_release(v[i]);
  }
  free(v);
  return rc;
}

static void test_manifest_docs(void **state) {
  (void)state;
  vfile m;
  if (!test_pki_manifest(&m))
    skip();
  const zt_json_doc *d = &m.doc;
  zt_json_iter it;
  zt_json_val c;
  int runs = 0, bad = 0;
  zt_json_iter_init(&it, d, vec_member(d, ZT_JSON_ROOT, "bundle_docs"));
  while (zt_json_iter_next(&it, NULL, &c)) {
    const char *name = vec_str(d, c, "name", NULL);
    const char *td = vec_opt_str(d, c, "trust_domain", NULL);
    bool map = false;
    assert_int_equal(zt_json_bool(d, vec_member(d, c, "map"), &map), ZT_OK);
    bool want_ok = strcmp(vec_str(d, c, "expect", NULL), "ok") == 0;
    uint64_t want_roots = vec_uint(d, c, "roots");
    size_t len = 0;
    char *doc = test_pki_read(vec_str(d, c, "file", NULL), &len);
    if (!doc)
      fail_msg("%s: missing file", name);
    uint32_t roots = 0;
    zt_bundle_err err;
    int rc = load(map ? NULL : td, doc, len, &roots, &err);
    bool ok = want_ok ? rc == ZT_OK && roots == want_roots
                      : rc != ZT_OK && err.msg[0] != '\0';
    if (!ok)
      print_message("# %s: rc %d, %u roots (%s)\n", name, rc, roots, err.msg);
    else if (!want_ok)
      print_message("# %s: %s\n", name, err.msg);
    bad += !ok;
    runs++;
    free(doc);
  }
  vfile_close(&m);
  assert_true(runs > 0);
  assert_int_equal(bad, 0);
}

/* ---- Documents written here ---------------------------------------------- */

/* Test JSON uses ' for ". */
static int load_json(const char *td, const char *single_quoted, uint32_t *roots,
                     zt_bundle_err *err) {
  char *doc = test_dquote(single_quoted);
  int rc = load(td, doc, strlen(doc), roots, err);
  free(doc);
  return rc;
}

static void expect_json(const char *td, const char *doc, int rc,
                        const char *msg_part) {
  uint32_t roots = 0;
  zt_bundle_err err;
  int got = load_json(td, doc, &roots, &err);
  if (got != rc || (msg_part && !strstr(err.msg, msg_part)))
    fail_msg("%s: rc %d (want %d), message \"%s\" (want \"%s\")", doc, got, rc,
             err.msg, msg_part ? msg_part : "");
}

static void test_json_shapes(void **state) {
  (void)state;
  const char *td = "example.org";
  expect_json(td, "{}", ZT_ESCHEMA, "keys is missing");
  expect_json(td, "{'keys': {}}", ZT_ESCHEMA, "keys is not an array");
  expect_json(td, "{'keys': null}", ZT_ESCHEMA, "keys is not an array");
  expect_json(td, "{'keys': [1]}", ZT_ESCHEMA, "keys[0] is not an object");
  expect_json(td, "{'keys': [{}, []]}", ZT_ESCHEMA, "keys[1] is not an object");
  expect_json(td, "{'keys': [{'kty': 'EC', 'use': 'x509-svid', 'x5c': 'A'}]}",
              ZT_ESCHEMA, "keys[0]: x5c is not an array");
  expect_json(td, "{'keys': [{'kty': 'EC', 'use': 'x509-svid', 'x5c': [7]}]}",
              ZT_ESCHEMA, "keys[0]: x5c[0] is not a string");
  expect_json(td,
              "{'keys': [{}, {'kty': 'EC', 'use': 'x509-svid', "
              "'x5c': ['MAMCAQU']}]}",
              ZT_ESCHEMA, "keys[1]: x5c[0] is not standard base64");
  expect_json(td,
              "{'keys': [{'kty': 'EC', 'use': 'x509-svid', "
              "'x5c': ['MAMCAQU=']}]}",
              ZT_ESCHEMA, "keys[0]: x5c[0]: not a well-formed");
  expect_json(td, "{'keys': [], 'x': 1", ZT_ESYNTAX, "JSON");
  expect_json(td, "{'keys': [], 'keys': []}", ZT_ESYNTAX, "duplicate");
  /* Entries that are ignored, whatever their x5c holds. */
  expect_json(td,
              "{'keys': [{'kty': 'EC', 'x5c': ['!']},"
              " {'kty': 'EC', 'use': 'X509-SVID', 'x5c': ['!']},"
              " {'kty': 'EC', 'use': 'jwt-svid', 'x5c': ['!']},"
              " {'kty': 'EC', 'use': 5, 'x5c': ['!']},"
              " {'use': 'x509-svid', 'x5c': ['!']},"
              " {'kty': '', 'use': 'x509-svid', 'x5c': ['!']},"
              " {'kty': 7, 'use': 'x509-svid', 'x5c': ['!']},"
              " {'kty': 'EC', 'use': 'x509-svid'},"
              " {'kty': 'EC', 'use': 'x509-svid', 'x5c': []}],"
              " 'unknown': {'a': [1]}}",
              ZT_OK, NULL);
}

static void test_json_counts(void **state) {
  (void)state;
  const char *td = "example.org";
  zt_bundle *b = NULL;
  zt_bundle_err err;
  char *doc = test_dquote("{'spiffe_sequence': 18446744073709551615, "
                          "'spiffe_refresh_hint': 0, 'keys': []}");
  assert_int_equal(
      zt_bundle_parse(NULL, td, strlen(td), doc, strlen(doc), &b, &err), ZT_OK);
  uint64_t seq = 0;
  assert_true(zt_bundle_sequence(b, &seq));
  assert_true(seq == UINT64_MAX);
  assert_int_equal(zt_bundle_roots(b), 0);
  assert_null(zt_bundle_chain(b));
  zt_bundle_release(b);
  free(doc);
  static const char *const bad[] = {
      "{'keys': [], 'spiffe_sequence': -1}",
      "{'keys': [], 'spiffe_sequence': 1.5}",
      "{'keys': [], 'spiffe_sequence': 1e3}",
      "{'keys': [], 'spiffe_sequence': '1'}",
      "{'keys': [], 'spiffe_sequence': 18446744073709551616}",
      "{'keys': [], 'spiffe_refresh_hint': -5}",
      "{'keys': [], 'spiffe_refresh_hint': null}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    expect_json(td, bad[i], ZT_ESCHEMA, "is not a non-negative integer");
  doc = test_dquote("{'keys': []}");
  assert_int_equal(
      zt_bundle_parse(NULL, td, strlen(td), doc, strlen(doc), &b, &err), ZT_OK);
  assert_false(zt_bundle_sequence(b, &seq));
  zt_bundle_release(b);
  free(doc);
}

static void test_pem_shapes(void **state) {
  (void)state;
  static const struct {
    const char *doc;
    int rc;
    const char *msg;
  } t[] = {
      {"", ZT_ESYNTAX, "no CERTIFICATE block"},
      {" \n\n", ZT_ESYNTAX, "no CERTIFICATE block"},
      {"text only\n", ZT_ESYNTAX, "not PEM"},
      {"[]", ZT_ESYNTAX, "not PEM"},
      {"-----BEGIN PUBLIC KEY-----\nMAMCAQU=\n-----END PUBLIC KEY-----\n",
       ZT_ESYNTAX, "PEM block 1 is not a CERTIFICATE"},
      {"-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n",
       ZT_ESCHEMA, "certificate 1: not a well-formed"},
      {"-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n"
       "-----BEGIN CERTIFICATE-----\nMAMCAQU\n-----END CERTIFICATE-----\n",
       ZT_ESYNTAX, "PEM block 2 has no END line or is not base64"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    uint32_t roots = 0;
    zt_bundle_err err;
    int rc = load("example.org", t[i].doc, strlen(t[i].doc), &roots, &err);
    if (rc != t[i].rc || !strstr(err.msg, t[i].msg))
      fail_msg("case %zu: rc %d, \"%s\"", i, rc, err.msg);
  }
  /* 65 blocks: the limit is checked before any is decoded. */
  static const char block[] = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n"
                              "-----END CERTIFICATE-----\n";
  size_t bl = sizeof block - 1;
  char *many = malloc(65 * bl);
  assert_non_null(many);
  for (int i = 0; i < 65; i++)
    memcpy(many + i * bl, block, bl);
  uint32_t roots = 0;
  zt_bundle_err err;
  assert_int_equal(load("example.org", many, 65 * bl, &roots, &err), ZT_ELIMIT);
  free(many);
}

static void test_arguments(void **state) {
  (void)state;
  zt_bundle *b = NULL;
  zt_bundle **v = NULL;
  size_t n = 0;
  zt_bundle_err err;
  const char *doc = "{\"keys\": []}";
  size_t len = strlen(doc);
  assert_int_equal(zt_bundle_parse(NULL, "a.org", 5, doc, len, NULL, &err),
                   ZT_EINVAL);
  assert_int_equal(zt_bundle_parse(NULL, NULL, 5, doc, len, &b, &err),
                   ZT_EINVAL);
  assert_int_equal(zt_bundle_parse(NULL, "a.org", 5, NULL, 3, &b, &err),
                   ZT_EINVAL);
  static const char *const bad_td[] = {
      "", "Example.org", "a/b", "a b", "spiffe://a.org", "spiffe://a.org/x"};
  for (size_t i = 0; i < sizeof bad_td / sizeof bad_td[0]; i++) {
    assert_int_equal(
        zt_bundle_parse(NULL, bad_td[i], strlen(bad_td[i]), doc, len, &b, &err),
        ZT_EINVAL);
    assert_null(b);
    assert_non_null(strstr(err.msg, "bad trust domain name"));
  }
  assert_int_equal(zt_bundle_map_parse(NULL, doc, len, NULL, &n, &err),
                   ZT_EINVAL);
  assert_int_equal(zt_bundle_map_parse(NULL, NULL, 1, &v, &n, &err), ZT_EINVAL);
  char *big = malloc(ZT_BUNDLE_MAX_BYTES + 1);
  assert_non_null(big);
  memset(big, ' ', ZT_BUNDLE_MAX_BYTES + 1);
  big[0] = '{';
  assert_int_equal(
      zt_bundle_parse(NULL, "a.org", 5, big, ZT_BUNDLE_MAX_BYTES + 1, &b, &err),
      ZT_ELIMIT);
  assert_int_equal(
      zt_bundle_map_parse(NULL, big, ZT_BUNDLE_MAX_BYTES + 1, &v, &n, &err),
      ZT_ELIMIT);
  free(big);
  /* err is optional. */
  assert_int_equal(zt_bundle_parse(NULL, "a.org", 5, "x", 1, &b, NULL),
                   ZT_ESYNTAX);
}

/* ---- Maps ---------------------------------------------------------------- */

static void test_map_shapes(void **state) {
  (void)state;
  expect_json(NULL, "{}", ZT_ESCHEMA, "trust_domains is missing");
  expect_json(NULL, "{'trust_domains': []}", ZT_ESCHEMA,
              "trust_domains is not an object");
  expect_json(NULL, "{'trust_domains': {'a.org': []}}", ZT_ESCHEMA,
              "trust_domains[\"a.org\"]: the bundle is not an object");
  expect_json(NULL, "{'trust_domains': {'a.org': {}}}", ZT_ESCHEMA,
              "trust_domains[\"a.org\"]: keys is missing");
  expect_json(NULL,
              "{'trust_domains': {'a.org': {'keys': [{'kty': 'EC', "
              "'use': 'x509-svid', 'x5c': ['@']}]}}}",
              ZT_ESCHEMA,
              "trust_domains[\"a.org\"]: keys[0]: x5c[0] is not standard");
  expect_json(NULL, "{'trust_domains': {'A.org': {'keys': []}}}", ZT_ESCHEMA,
              "member 0 is not a trust domain name");
  expect_json(NULL,
              "{'trust_domains': {'a.org': {'keys': []}, "
              "'spiffe://b.org': {'keys': []}}}",
              ZT_ESCHEMA, "member 1 is not a trust domain name");
  expect_json(NULL, "{'trust_domains': {'': {'keys': []}}}", ZT_ESCHEMA,
              "not a trust domain name");
  expect_json(NULL, "[]", ZT_ESYNTAX, "a bundle map is a JSON object");
  expect_json(NULL, "{'trust_domains': {}}", ZT_OK, NULL);
  expect_json(NULL, "{'trust_domains': {}, 'other': 1}", ZT_OK, NULL);
}

static void test_map_duplicates(void **state) {
  (void)state;
  expect_json(NULL,
              "{'trust_domains': {'a.org': {'keys': []}, "
              "'b.org': {'keys': []}, 'a.org': {'keys': []}}}",
              ZT_ESYNTAX, "duplicate member name");
  /* Equal after JSON escapes are decoded. */
  expect_json(NULL,
              "{'trust_domains': {'a.org': {'keys': []}, "
              "'\\u0061.org': {'keys': []}}}",
              ZT_ESYNTAX, "duplicate member name");
}

static void test_map_sorted(void **state) {
  (void)state;
  char *doc = test_dquote("{'trust_domains': {'b.org': {'keys': []}, "
                          "'a.org': {'spiffe_sequence': 4, 'keys': []}, "
                          "'a.or': {'keys': []}}}");
  zt_bundle **v = NULL;
  size_t n = 0;
  zt_bundle_err err;
  assert_int_equal(zt_bundle_map_parse(NULL, doc, strlen(doc), &v, &n, &err),
                   ZT_OK);
  assert_int_equal(n, 3);
  static const char *const want[] = {"a.or", "a.org", "b.org"};
  for (size_t i = 0; i < n; i++) {
    size_t len = 0;
    assert_string_equal(zt_bundle_trust_domain(v[i], &len), want[i]);
    assert_int_equal(len, strlen(want[i]));
  }
  uint64_t seq = 0;
  assert_true(zt_bundle_sequence(v[1], &seq));
  assert_int_equal(seq, 4);
  for (size_t i = 0; i < n; i++)
    zt_bundle_release(v[i]);
  free(v);
  free(doc);
}

static void test_map_limit(void **state) {
  (void)state;
  size_t cap = 300 * 32 + 64, k = 0;
  char *doc = malloc(cap);
  assert_non_null(doc);
  k += (size_t)snprintf(doc + k, cap - k, "{\"trust_domains\": {");
  for (int i = 0; i < 257; i++)
    k += (size_t)snprintf(doc + k, cap - k, "%s\"d%d.org\": {\"keys\": []}",
                          i ? ", " : "", i);
  k += (size_t)snprintf(doc + k, cap - k, "}}");
  zt_bundle **v = NULL;
  size_t n = 0;
  zt_bundle_err err;
  assert_int_equal(zt_bundle_map_parse(NULL, doc, k, &v, &n, &err), ZT_ELIMIT);
  free(doc);
}

/* ---- With the PKI's roots ------------------------------------------------ */

/* The base64 of the first x5c of a PKI bundle JSON file, malloc'ed. */
static char *first_x5c(const char *file) {
  size_t len = 0;
  char *doc = test_pki_need(file, &len);
  const char *p = strstr(doc, "\"x5c\": [\"");
  assert_non_null(p);
  p += 9;
  const char *end = strchr(p, '"');
  assert_non_null(end);
  char *out = strndup(p, (size_t)(end - p));
  assert_non_null(out);
  free(doc);
  return out;
}

static void test_x5c_base64(void **state) {
  (void)state;
  char *b64 = first_x5c("bundle_a1.json");
  size_t n = strlen(b64);
  char doc[8192];
#define FMT                                                                    \
  "{\"keys\": [{\"kty\": \"EC\", \"use\": \"x509-svid\", \"x5c\": [\"%s\"]}]}"
  uint32_t roots = 0;
  zt_bundle_err err;
  snprintf(doc, sizeof doc, FMT, b64);
  assert_int_equal(load("example.org", doc, strlen(doc), &roots, &err), ZT_OK);
  assert_int_equal(roots, 1);
  /* Variants of the same text: each is refused. */
  char *v = malloc(n + 8);
  assert_non_null(v);
  static const char *const edits[] = {"newline", "space", "url", "unpadded",
                                      "short"};
  for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
    strcpy(v, b64);
    if (e == 0) {
      memmove(v + 6, v + 4, n - 4 + 1);
      memcpy(v + 4, "\\n", 2);
    } else if (e == 1) {
      memmove(v + 5, v + 4, n - 4 + 1);
      v[4] = ' ';
    } else if (e == 2) {
      char *c = strpbrk(v, "+/");
      assert_non_null(c);
      *c = *c == '+' ? '-' : '_';
    } else if (e == 3) {
      while (strlen(v) && v[strlen(v) - 1] == '=')
        v[strlen(v) - 1] = '\0';
      if (strlen(v) == n) /* no padding to drop: drop one character */
        v[n - 1] = '\0';
    } else {
      v[n - 4] = '\0';
    }
    snprintf(doc, sizeof doc, FMT, v);
    assert_int_equal(load("example.org", doc, strlen(doc), &roots, &err),
                     ZT_ESCHEMA);
    assert_non_null(strstr(err.msg, "keys[0]: x5c[0]"));
  }
  free(v);
  free(b64);
#undef FMT
}

static void test_refused_roots(void **state) {
  (void)state;
  static const struct {
    const char *file;
    const char *msg;
  } t[] = {
      {"doc_leaf.pem", "certificate 2: not a CA certificate"},
      {"doc_nc_root.pem", "unsupported critical extension nameConstraints"},
      {"inter_rsa1024.pem", "certificate 1: key is neither RSA of 2048+ bits"},
      {"doc_leaf.json", "keys[1]: x5c[0]: not a CA certificate"},
      {"inter_nokcs.pem", "certificate 1: not a CA certificate"},
      {"inter_noca.pem", "certificate 1: not a CA certificate"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    size_t len = 0;
    char *doc = test_pki_need(t[i].file, &len);
    uint32_t roots = 0;
    zt_bundle_err err;
    assert_int_equal(load("example.org", doc, len, &roots, &err), ZT_ESCHEMA);
    if (!strstr(err.msg, t[i].msg))
      fail_msg("%s: \"%s\"", t[i].file, err.msg);
    free(doc);
  }
}

static void test_refcount(void **state) {
  (void)state;
  size_t len = 0;
  char *doc = test_pki_need("bundle_a.json", &len);
  zt_bundle *b = NULL;
  zt_bundle_err err;
  assert_int_equal(zt_bundle_parse(NULL, "example.org", 11, doc, len, &b, &err),
                   ZT_OK);
  assert_int_equal(zt_bundle_roots(b), 2);
  assert_non_null(zt_bundle_chain(b));
  zt_bundle_retain(b);
  zt_bundle_release(b);
  size_t tl = 0;
  assert_string_equal(zt_bundle_trust_domain(b, &tl), "example.org");
  assert_int_equal(tl, 11);
  zt_bundle_release(b);
  zt_bundle_release(NULL);
  zt_bundle_retain(NULL);
  assert_int_equal(zt_bundle_roots(NULL), 0);
  free(doc);
}

/* Every allocation failing in turn: ZT_ENOMEM, nothing leaks (mbedTLS's
 * own allocations are not ours to count). */
static void test_out_of_memory(void **state) {
  (void)state;
  static const char *const files[] = {"bundle_a.json", "bundle_a.pem",
                                      "doc_map.json"};
  for (size_t f = 0; f < 3; f++) {
    size_t len = 0;
    char *doc = test_pki_need(files[f], &len);
    bool map = f == 2;
    for (long k = 1;; k++) {
      test_alloc ta = {0};
      ta.fail_at = k;
      zt_allocator mem = test_allocator(&ta);
      zt_bundle *b = NULL, **v = NULL;
      size_t n = 0;
      zt_bundle_err err;
      int rc =
          map ? zt_bundle_map_parse(&mem, doc, len, &v, &n, &err)
              : zt_bundle_parse(&mem, "example.org", 11, doc, len, &b, &err);
      for (size_t i = 0; i < n; i++)
        zt_bundle_release(v[i]);
      zt_free(&mem, v);
      zt_bundle_release(b);
      assert_int_equal(ta.live, 0);
      if (ta.calls < k) {
        assert_int_equal(rc, ZT_OK);
        break;
      }
      assert_int_equal(rc, ZT_ENOMEM);
    }
    free(doc);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_manifest_docs),  cmocka_unit_test(test_json_shapes),
      cmocka_unit_test(test_json_counts),    cmocka_unit_test(test_pem_shapes),
      cmocka_unit_test(test_arguments),      cmocka_unit_test(test_map_shapes),
      cmocka_unit_test(test_map_duplicates), cmocka_unit_test(test_map_sorted),
      cmocka_unit_test(test_map_limit),      cmocka_unit_test(test_x5c_base64),
      cmocka_unit_test(test_refused_roots),  cmocka_unit_test(test_refcount),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
