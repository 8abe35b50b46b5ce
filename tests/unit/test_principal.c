/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "principal.h"

#define LIT(x) (x), (sizeof(x) - 1)
#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

/* ---- zt_principal_split -------------------------------------------------- */

typedef struct split_case {
  const char *p;
  size_t n;
  const char *td; /* NULL: absent */
  const char *ns; /* NULL: absent */
} split_case;

static void check_part(const char *what, size_t idx, const char *base,
                       const char *got, size_t got_len, const char *want) {
  if (want == NULL) {
    if (got != NULL || got_len != 0)
      fail_msg("case %zu: %s \"%.*s\", want absent", idx, what, (int)got_len,
               got);
    return;
  }
  if (got == NULL)
    fail_msg("case %zu: %s absent, want \"%s\"", idx, what, want);
  if (got_len != strlen(want) || memcmp(got, want, got_len) != 0)
    fail_msg("case %zu: %s \"%.*s\", want \"%s\"", idx, what, (int)got_len, got,
             want);
  /* The parts point into the principal. */
  if (got < base)
    fail_msg("case %zu: %s outside the principal", idx, what);
}

static void test_split(void **state) {
  (void)state;
  static const split_case t[] = {
      {LIT("cluster.local/ns/foo/sa/bar"), "cluster.local", "foo"},
      {LIT("td/ns/foo/sa/bar/extra"), "td", "foo"},
      {LIT("td/ns/foo/"), "td", "foo"},
      {LIT("td/ns/ns/sa/x"), "td", "ns"},
      {LIT("td/ns/a/ns/b/sa/x"), "td", "a"},
      {LIT("td/x/ns/foo/sa/bar"), "td", "foo"},
      {LIT("td/ns//sa/x"), "td", ""},
      {LIT("td/ns/-/"), "td", "-"},
      {LIT("example.org/ns/foo"), "example.org", NULL}, /* no '/' after */
      {LIT("td/ns/"), "td", NULL},
      {LIT("td/ns"), "td", NULL},
      {LIT("td/"), "td", NULL},
      {LIT("td/sa/bar"), "td", NULL},
      {LIT("td/NS/foo/"), "td", NULL},
      {LIT("td/nss/foo/"), "td", NULL},
      {LIT("td/xns/foo/"), "td", NULL},
      {LIT("td/ns/foo/ns/bar/"), "td", "foo"},
      /* The trust domain is what precedes the first '/', when not empty. */
      {LIT("/ns/foo/sa/bar"), NULL, "foo"},
      {LIT("//ns/foo/"), NULL, "foo"},
      {LIT("td"), NULL, NULL},
      {LIT(""), NULL, NULL},
      {LIT("ns/foo/"), "ns", NULL},
      {LIT("a.b/c/ns/d/e"), "a.b", "d"},
      {LIT("spiffe://td/ns/foo/sa/x"), "spiffe:", "foo"},
      {LIT("td\n/ns/a\n/"), "td\n", "a\n"},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    zt_principal_parts parts;
    memset(&parts, 0xa5, sizeof parts);
    zt_principal_split(t[i].p, t[i].n, &parts);
    check_part("td", i, t[i].p, parts.td, parts.td_len, t[i].td);
    check_part("ns", i, t[i].p, parts.ns, parts.ns_len, t[i].ns);
  }
  /* The length bounds the search. */
  zt_principal_parts parts;
  zt_principal_split("td/ns/foo/sa/bar", 9, &parts);
  assert_null(parts.ns);
  zt_principal_split("td/ns/foo/sa/bar", 10, &parts);
  assert_int_equal(parts.ns_len, 3);
  zt_principal_split("td/ns/foo/sa/bar", 2, &parts);
  assert_null(parts.td);
  zt_principal_split(NULL, 0, &parts);
  assert_null(parts.td);
  assert_null(parts.ns);
  zt_principal_split("td/ns/x/", 8, NULL); /* no crash */
}

/* ---- zt_principal_sa_match ----------------------------------------------- */

typedef struct sa_case {
  const char *p;
  size_t n;
  const char *ns;
  const char *sa;
  bool match;
} sa_case;

static bool sa_match(const char *p, size_t n, const char *ns, const char *sa) {
  return zt_principal_sa_match(p, n, ns, strlen(ns), sa, strlen(sa));
}

static void test_sa_match(void **state) {
  (void)state;
  static const sa_case t[] = {
      {LIT("cluster.local/ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("other.domain/ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("a/ns/foo/sa/bar"), "foo", "bar", true},
      /* sa/foo never matches sa/foo-bar, nor the other way round. */
      {LIT("td/ns/ns1/sa/foo-bar"), "ns1", "foo", false},
      {LIT("td/ns/ns1/sa/foo"), "ns1", "foo-bar", false},
      {LIT("td/ns/ns1/sa/foobar"), "ns1", "foo", false},
      {LIT("td/ns/ns1/sa/fo"), "ns1", "foo", false},
      {LIT("td/ns/ns1-x/sa/foo"), "ns1", "foo", false},
      {LIT("td/ns/xns1/sa/foo"), "ns1", "foo", false},
      {LIT("td/ns/ns1/sa/foo."), "ns1", "foo", false},
      /* Extra segments between ns and sa, and after sa. */
      {LIT("td/ns/foo/k/v/sa/bar"), "foo", "bar", true},
      {LIT("td/ns/foo/k/sa/bar"), "foo", "bar", true},
      {LIT("td/ns/foo/sa/bar/k/v"), "foo", "bar", true},
      {LIT("td/ns/foo/sa/bar/k"), "foo", "bar", true},
      {LIT("td/ns/foo/a/b/c/sa/bar/d/e/f"), "foo", "bar", true},
      {LIT("td/ns/foo/sa/x/sa/bar"), "foo", "bar", true},
      {LIT("td/ns/foo/sa/bar/sa/x"), "foo", "bar", true},
      {LIT("td/ns/foo/ns/x/sa/bar"), "foo", "bar", true},
      {LIT("td/ns/x/ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("td/ns/foo/sa/bar/"), "foo", "bar", false}, /* (/.+)? */
      {LIT("td/ns/foo/sa/bar//"), "foo", "bar", true}, /* ".+" is "/" */
      {LIT("td/ns/foo//sa/bar"), "foo", "bar", false}, /* ".+" before "/" */
      {LIT("td/ns/foo///sa/bar"), "foo", "bar", true}, /* ".+" is "/" */
      {LIT("td/ns/foo/ /sa/bar"), "foo", "bar", true},
      {LIT("td/ns/foo/xsa/bar"), "foo", "bar", false},
      {LIT("td/ns/foo/x/xsa/bar"), "foo", "bar", false},
      {LIT("td/ns/foo/sa/barx/y"), "foo", "bar", false},
      /* The trust domain is ".+": non-empty, anything but a newline. */
      {LIT("/ns/foo/sa/bar"), "foo", "bar", false},
      {LIT("x/ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("//ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("a/b/ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("spiffe://td/ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("ns/foo/sa/bar"), "foo", "bar", false},
      {LIT("td/NS/foo/sa/bar"), "foo", "bar", false},
      {LIT("td/ns/foo/SA/bar"), "foo", "bar", false},
      {LIT("td/ns/Foo/sa/bar"), "foo", "bar", false},
      /* Missing pieces. */
      {LIT(""), "foo", "bar", false},
      {LIT("td"), "foo", "bar", false},
      {LIT("td/ns/foo"), "foo", "bar", false},
      {LIT("td/ns/foo/sa"), "foo", "bar", false},
      {LIT("td/ns/foo/sa/"), "foo", "bar", false},
      {LIT("td/ns/foo/bar"), "foo", "bar", false},
      {LIT("td/ns/sa/bar"), "foo", "bar", false},
      {LIT("td/sa/bar/ns/foo"), "foo", "bar", false},
      {LIT("td/ns/foo/sa/ba"), "foo", "bar", false},
      /* RE2's '.' matches no newline. */
      {LIT("t\nd/ns/foo/sa/bar"), "foo", "bar", false},
      {LIT("td/ns/foo/sa/bar/x\n"), "foo", "bar", false},
      {LIT("td/ns/foo/\n/sa/bar"), "foo", "bar", false},
      {LIT("td/ns/foo/sa/bar\n"), "foo", "bar", false},
      {LIT("\ntd/ns/foo/sa/bar"), "foo", "bar", false},
      /* A newline is fine where no ".+" has to cover it. */
      {LIT("td/ns/f\no/sa/bar"), "f\no", "bar", true},
      {LIT("td/ns/foo/sa/b\nr"), "foo", "b\nr", true},
      /* A newline in an earlier "/ns/" candidate does not spoil a later one. */
      {LIT("td/ns/foo/\n/ns/foo/sa/bar"), "foo", "bar", false},
      {LIT("td/ns/foo/x\n/ns/y/sa/bar"), "foo", "bar", false},
      {LIT("td/ns/foo/sa/bar/\n/x"), "foo", "bar", false},
      /* Regex metacharacters are literal. */
      {LIT("td/ns/f.o/sa/b+r"), "f.o", "b+r", true},
      {LIT("td/ns/fxo/sa/bar"), "f.o", "bar", false},
      {LIT("td/ns/foo/sa/bbr"), "foo", "b+r", false},
      {LIT("td/ns/foo/sa/b"), "foo", "b*", false},
      /* Bytes above 0x7f are ordinary characters. */
      {LIT("t\xc3\xa9/ns/foo/\xff/sa/bar/\x80"), "foo", "bar", true},
      /* Embedded NULs are data, not an end. */
      {LIT("td\0/ns/foo/sa/bar"), "foo", "bar", true},
      {LIT("td/ns/foo/sa/bar\0"), "foo", "bar", false},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    if (sa_match(t[i].p, t[i].n, t[i].ns, t[i].sa) != t[i].match)
      fail_msg("case %zu \"%.*s\" ns \"%s\" sa \"%s\": expected %s", i,
               (int)t[i].n, t[i].p, t[i].ns, t[i].sa,
               t[i].match ? "match" : "no match");
  }
  /* The length bounds the principal. */
  assert_false(sa_match("td/ns/foo/sa/barx", 16, "foo", "barx"));
  assert_true(sa_match("td/ns/foo/sa/barx", 16, "foo", "bar"));
  /* NULLs. */
  assert_false(zt_principal_sa_match(NULL, 0, "foo", 3, "bar", 3));
  assert_false(
      zt_principal_sa_match("td/ns/foo/sa/bar", 16, NULL, 3, "bar", 3));
  assert_false(
      zt_principal_sa_match("td/ns/foo/sa/bar", 16, "foo", 3, NULL, 3));
  /* Empty literals behave as the regex does (validation forbids them). */
  assert_true(zt_principal_sa_match(LIT("td/ns//sa/bar"), NULL, 0, "bar", 3));
  assert_true(zt_principal_sa_match(LIT("td/ns/foo/sa/"), "foo", 3, NULL, 0));
  assert_false(zt_principal_sa_match(LIT("td/ns/foo/sa/"), "foo", 3, "x", 1));
}

/* ---- Against a regex engine ------------------------------------------------
 * POSIX ERE (glibc) on the same expression: "(.+/|)" is written "(.+/)?"
 * and '.' is "[^\n]", RE2's default. Principals here have no NUL. */

static void build_regex(regex_t *re, const char *ns, const char *sa) {
  char pat[256];
  int k = snprintf(pat, sizeof pat, "^[^\n]+/ns/%s/([^\n]+/)?sa/%s(/[^\n]+)?$",
                   ns, sa);
  assert_true(k > 0 && (size_t)k < sizeof pat);
  if (regcomp(re, pat, REG_EXTENDED | REG_NOSUB) != 0)
    fail_msg("regcomp \"%s\"", pat);
}

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static const char *const noise[] = {
    "/", "/",  "/ns/", "/ns/", "sa/", "sa/",  "a",  "b",  "ab",
    "-", "ns", "sa",   "\n",   "x",   "/sa/", "a/", "b/",
};

static void append(char *p, size_t *n, const char *s) {
  memcpy(p + *n, s, strlen(s));
  *n += strlen(s);
}

static void append_noise(uint64_t *rng, char *p, size_t *n, size_t max) {
  for (size_t c = next_rand(rng) % (max + 1); c > 0; c--)
    append(p, n, noise[next_rand(rng) % NCASES(noise)]);
}

static void test_against_regex(void **state) {
  (void)state;
  /* Names with no regex metacharacters, so they can go in unquoted. */
  static const char *const names[] = {"a", "ab", "b", "a-b", "ns", "sa"};
  regex_t res[NCASES(names)][NCASES(names)];
  for (size_t i = 0; i < NCASES(names); i++) {
    for (size_t j = 0; j < NCASES(names); j++)
      build_regex(&res[i][j], names[i], names[j]);
  }
  uint64_t rng = 0x2545f4914f6cdd1du;
  char p[256];
  size_t matches = 0, iters = 300000;
  for (size_t iter = 0; iter < iters; iter++) {
    size_t i = next_rand(&rng) % NCASES(names);
    size_t j = next_rand(&rng) % NCASES(names);
    size_t n = 0;
    if (iter % 2 == 0) {
      append_noise(&rng, p, &n, 11);
    } else {
      /* Noise around the pieces the regex wants, with their names drawn
       * apart from the ones tested, so near misses are common. */
      const char *ns = next_rand(&rng) % 4 ? names[i] : names[j];
      const char *sa = next_rand(&rng) % 4 ? names[j] : names[i];
      append_noise(&rng, p, &n, 2);
      append(p, &n, "/ns/");
      append(p, &n, ns);
      append(p, &n, "/");
      append_noise(&rng, p, &n, 2);
      append(p, &n, "sa/");
      append(p, &n, sa);
      append_noise(&rng, p, &n, 2);
    }
    p[n] = '\0';
    bool want = regexec(&res[i][j], p, 0, NULL, 0) == 0;
    bool got = sa_match(p, n, names[i], names[j]);
    if (got != want)
      fail_msg("\"%s\" ns \"%s\" sa \"%s\": got %d, regex %d", p, names[i],
               names[j], got, want);
    matches += want;
  }
  for (size_t i = 0; i < NCASES(names); i++) {
    for (size_t j = 0; j < NCASES(names); j++)
      regfree(&res[i][j]);
  }
  /* Enough of both outcomes to mean something. */
  assert_true(matches > iters / 20);
  assert_true(matches < iters - iters / 20);
}

/* ---- Hostile sizes ------------------------------------------------------- */

static void test_long(void **state) {
  (void)state;
  /* Many "/ns/foo/" and "sa/" candidates: linear, and right. */
  size_t reps = 20000, n = 0;
  char *p = malloc(reps * 16 + 64);
  assert_non_null(p);
  memcpy(p, "td", 2);
  n = 2;
  for (size_t i = 0; i < reps; i++, n += 7)
    memcpy(p + n, "/ns/foo", 7);
  for (size_t i = 0; i < reps; i++, n += 7)
    memcpy(p + n, "/sa/baz", 7);
  assert_false(sa_match(p, n, "foo", "bar"));
  assert_true(sa_match(p, n, "foo", "baz"));
  /* A newline inside the run of "/sa/baz": the first sa/baz now has it in
   * its tail, the last one in its B part. */
  p[n - 8] = '\n';
  assert_false(sa_match(p, n, "foo", "baz"));
  memcpy(p + n, "/sa/bar", 7);
  assert_false(sa_match(p, n + 7, "foo", "bar"));
  p[n - 8] = 'z';
  assert_true(sa_match(p, n + 7, "foo", "bar"));
  assert_true(sa_match(p, n + 7, "foo", "baz"));

  zt_principal_parts parts;
  zt_principal_split(p, n, &parts);
  assert_int_equal(parts.td_len, 2);
  assert_int_equal(parts.ns_len, 3);
  memset(p, 'a', n);
  zt_principal_split(p, n, &parts);
  assert_null(parts.td);
  assert_null(parts.ns);
  assert_false(sa_match(p, n, "a", "a"));
  free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split),
      cmocka_unit_test(test_sa_match),
      cmocka_unit_test(test_against_regex),
      cmocka_unit_test(test_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
