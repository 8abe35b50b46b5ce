/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pathnorm.h"
#include "ztauth.h"

#define LIT(x) (x), (sizeof(x) - 1)
#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

#define NONE ZT_PATH_NONE
#define BASE ZT_PATH_BASE
#define MERGE ZT_PATH_MERGE_SLASHES
#define DECODE ZT_PATH_DECODE_AND_MERGE_SLASHES

/* want == NULL: the path is rejected. */
typedef struct norm_case {
  const char *in;
  size_t n;
  const char *want;
  size_t want_n;
} norm_case;

#define OK(in, out)                                                            \
  { LIT(in), LIT(out) }
#define REJ(in)                                                                \
  { LIT(in), NULL, 0 }

#define CANARY 0x5a

/* Runs one case with a given cap and checks the result, that nothing is
 * written at or past cap, and that *out_len is 0 on failure. */
static void run_cap(uint32_t mode, const norm_case *c, size_t cap, size_t idx) {
  static char buf[1 << 12];
  assert_true(cap + 8 <= sizeof buf);
  memset(buf, CANARY, sizeof buf);
  size_t len = 12345;
  int rc = zt_pathnorm(mode, c->in, c->n, buf, cap, &len);
  int want_rc = c->want == NULL   ? ZT_PATHNORM_REJECT
                : c->want_n > cap ? ZT_PATHNORM_TOO_LONG
                                  : ZT_PATHNORM_OK;
  if (rc != want_rc)
    fail_msg("mode %u case %zu \"%.*s\" cap %zu: rc %d, want %d", mode, idx,
             (int)c->n, c->in, cap, rc, want_rc);
  if (rc == ZT_PATHNORM_OK &&
      (len != c->want_n || memcmp(buf, c->want, len) != 0))
    fail_msg("mode %u case %zu \"%.*s\": got \"%.*s\", want \"%.*s\"", mode,
             idx, (int)c->n, c->in, (int)len, buf, (int)c->want_n, c->want);
  if (rc != ZT_PATHNORM_OK && len != 0)
    fail_msg("mode %u case %zu: out_len %zu after failure", mode, idx, len);
  for (size_t i = cap; i < cap + 8; i++) {
    if ((unsigned char)buf[i] != CANARY)
      fail_msg("mode %u case %zu cap %zu: byte %zu written", mode, idx, cap, i);
  }
}

/* Every case at a roomy cap, at exactly its length, one byte short, and
 * at cap 0. */
static void check_table(uint32_t mode, const norm_case *t, size_t count) {
  for (size_t i = 0; i < count; i++) {
    run_cap(mode, &t[i], 3 * t[i].n + 8, i);
    if (t[i].want == NULL) {
      run_cap(mode, &t[i], 0, i);
      continue;
    }
    run_cap(mode, &t[i], t[i].want_n, i);
    if (t[i].want_n > 0)
      run_cap(mode, &t[i], t[i].want_n - 1, i);
    run_cap(mode, &t[i], 0, i);
  }
}

/* ---- NONE --------------------------------------------------------------- */

static void test_none(void **state) {
  (void)state;
  static const norm_case t[] = {
      OK("", ""),
      OK("/", "/"),
      OK("/a/../b", "/a/../b"),
      OK("/a//b\\c", "/a//b\\c"),
      OK("/%41%2e%2F", "/%41%2e%2F"),
      OK("/%00", "/%00"), /* nothing is decoded, so nothing rejects */
      OK("/a\0b", "/a\0b"),
      OK("a/b", "a/b"),
      OK("*", "*"),
      OK("/a b", "/a b"),
      OK("/a?b=/../c", "/a"),
      OK("/a#frag", "/a"),
      OK("/a#f?q", "/a"),
      OK("/a?q#f", "/a"),
      OK("?", ""),
      OK("#", ""),
  };
  check_table(NONE, t, NCASES(t));
}

/* ---- BASE --------------------------------------------------------------- */

/* Envoy's own test vectors (path_utility_test.cc). */
static void test_base_envoy(void **state) {
  (void)state;
  static const norm_case t[] = {
      OK("/xyz", "/xyz"),
      OK("/x/y/z", "/x/y/z"),
      OK("/a/b/../c", "/a/c"),
      OK("/a/b/./c", "/a/b/c"),
      OK("a/b/../c", "/a/c"),
      OK("/a/b/../../../../c", "/c"),
      OK("/a/..\\c", "/c"),
      OK("/%c0%af", "/%c0%af"),
      OK("/%5c%25", "/%5c%25"),
      OK("/a/b/%2E%2E/c", "/a/c"),
      OK("/a/b/%2E./c", "/a/c"),
      OK("/a/b/%2E/c", "/a/b/c"),
      OK("..", "/"),
      OK("/../a/b", "/a/b"),
      OK("/./a/b", "/a/b"),
      OK("/A/B/C", "/A/B/C"),
      OK("/a/b/%2e%2e/c", "/a/c"),
      OK("/a/%2F%2f/c", "/a/%2F%2f/c"),
      REJ("/xyz/.%00../abc"),
      REJ("/xyz/%00.%00./abc"),
      REJ("/xyz/AAAAA%%0000/abc"),
  };
  check_table(BASE, t, NCASES(t));
}

static void test_base_dots(void **state) {
  (void)state;
  static const norm_case t[] = {
      OK("/a/%2e%2e/b", "/b"),
      OK("/a/%2E%2e/b", "/b"),
      OK("/a/.%2e/b", "/b"),
      OK("/a/%2e./b", "/b"),
      OK("/a/%2e/b", "/a/b"),
      OK("/a/.", "/a/"),
      OK("/a/..", "/"),
      OK("/a/b/..", "/a/"),
      OK("/a/%2e", "/a/"),
      OK("/a/%2e%2e", "/"),
      OK("/.", "/"),
      OK("/..", "/"),
      OK("/./", "/"),
      OK("/../", "/"),
      OK("/../..", "/"),
      OK("/a/../", "/"),
      OK("/a/./b/./", "/a/b/"),
      OK("/a/...", "/a/..."),
      OK("/a/.../b", "/a/.../b"),
      OK("/a/.b", "/a/.b"),
      OK("/a/..b", "/a/..b"),
      OK("/a/b..", "/a/b.."),
      OK("/a/b.", "/a/b."),
      OK("/a/.%2e%2e", "/a/..."),
      OK("/a/%2e%2", "/a/.%2"),
      OK("/a/%2e%2x", "/a/.%2x"),
      OK("/a/%2.", "/a/%2."),
      OK("/a/.%2e%41", "/a/..A"),
      OK("/a/%2e%41/b", "/a/.A/b"),
      OK("/a/%%2e", "/a/%."),
      /* ".." removes an empty segment like any other. */
      OK("/a//../b", "/a/b"),
      OK("/a/..//b", "//b"),
      OK("/a/b//..", "/a/b/"),
      /* Dots made by decoding other letters are just letters. */
      OK("/a/%2E%2E%2E/b", "/a/.../b"),
      OK("/a/%252e%252e/b", "/a/%252e%252e/b"),
      /* A backslash is a separator for dot segments too. */
      OK("/a\\..\\b", "/b"),
      OK("\\a\\b\\..", "/a/"),
      OK("/a/.\\b", "/a/b"),
      /* The query and fragment go first, so their dots never count. */
      OK("/a/..?x", "/"),
      OK("/a?x=/../b", "/a"),
      OK("/a#/../b", "/a"),
      OK("/a/.#", "/a/"),
      /* No leading '/': Chromium supplies one. */
      OK("", "/"),
      OK("?x", "/"),
      OK("#", "/"),
      OK(".", "/"),
      OK("../a", "/a"),
      OK("a", "/a"),
      OK("*", "/*"),
      OK("a/..", "/"),
      OK("%2e%2e/a", "/a"),
      OK("%41", "/A"),
  };
  check_table(BASE, t, NCASES(t));
}

static void test_base_escapes(void **state) {
  (void)state;
  static const norm_case t[] = {
      /* Unreserved characters are decoded, in either hex case. */
      OK("/%41%42%43", "/ABC"),
      OK("/%61%7a%5A", "/azZ"),
      OK("/%30%39", "/09"),
      OK("/%2D%2d%5F%5f%7E%7e", "/--__~~"),
      OK("/%2e", "/"),
      OK("/x%2ey", "/x.y"),
      /* Once only. */
      OK("/%2541", "/%2541"),
      OK("/%252e%252e", "/%252e%252e"),
      /* Everything else stays exactly as written. */
      OK("/%2F", "/%2F"),
      OK("/%2f", "/%2f"),
      OK("/%5C", "/%5C"),
      OK("/%5c", "/%5c"),
      OK("/%3f%3F%23", "/%3f%3F%23"),
      OK("/%20%25%2B%3a", "/%20%25%2B%3a"),
      OK("/%7f%80%ff%FF", "/%7f%80%ff%FF"),
      OK("/%01%1F", "/%01%1F"),
      OK("/%7b%7D", "/%7b%7D"),
      /* A '%' that begins no escape stays. */
      OK("/%", "/%"),
      OK("/a%", "/a%"),
      OK("/%G1", "/%G1"),
      OK("/%1G", "/%1G"),
      OK("/%2", "/%2"),
      OK("/%4", "/%4"),
      OK("/%%", "/%%"),
      OK("/%%%", "/%%%"),
      OK("/%-1", "/%-1"),
      OK("/%\xff", "/%%FF"),
      OK("/%%41", "/%A"),
      OK("/%x%41", "/%xA"),
      /* ... unless a decoded digit would complete an escape with it. */
      OK("/%%34%31", "/%2541"),
      OK("/%%300", "/%2500"),
      OK("/%%30%30", "/%2500"),
      OK("/%%4141", "/%25A41"),
      OK("/%%41%42", "/%25AB"),
      OK("/%%3%31", "/%%2531"),
      OK("/%%34%2F", "/%4%2F"),
      OK("/%%34/%31", "/%4/1"),
      OK("/%%34g", "/%4g"),
      OK("/%%6a1", "/%j1"),
      OK("/%%2e1", "/%.1"),
      /* A '%' from a segment that ".." removed is forgotten (Chromium
       * would still look at its old position and write "/bc2545"). */
      OK("/a%/../bc%345", "/bc45"),
      OK("/a%/../%34%35", "/45"),
      /* Raw characters Chromium encodes, in upper-case hex. */
      OK("/a b", "/a%20b"),
      OK("/\t\r\n", "/%09%0D%0A"),
      OK("/\x01\x1f\x7f", "/%01%1F%7F"),
      OK("/\xc3\xa9", "/%C3%A9"),
      OK("/\x80\xff", "/%80%FF"),
      OK("/\"<>^`{|}", "/%22%3C%3E%5E%60%7B%7C%7D"),
      /* ... and the ones it keeps. */
      OK("/!$&'()*+,;=:@[]~-._", "/!$&'()*+,;=:@[]~-._"),
      OK("/AZaz09", "/AZaz09"),
      /* '\' is '/', and BASE keeps runs of slashes. */
      OK("\\", "/"),
      OK("\\\\a", "//a"),
      OK("/a//b", "/a//b"),
      OK("//", "//"),
      OK("///", "///"),
      /* A NUL in any form rejects, even in a segment ".." removes. */
      REJ("/%00"),
      REJ("%00"),
      REJ("/a/%00/../b"),
      REJ("/a\0b"),
      REJ("\0"),
      REJ("/%%00"),
      REJ("/a/b%00"),
      /* ... but not in the query or fragment. */
      OK("/a?%00", "/a"),
      OK("/a#\0", "/a"),
      /* Near misses of "%00". */
      OK("/%0", "/%0"),
      OK("/%0%30", "/%2500"),
      OK("/%%30", "/%0"),
      OK("/%0x00", "/%0x00"),
      REJ("/%000"),
  };
  check_table(BASE, t, NCASES(t));
}

/* ---- MERGE_SLASHES ------------------------------------------------------ */

static void test_merge(void **state) {
  (void)state;
  static const norm_case t[] = {
      /* Envoy's merge_slashes vectors, after normalize_path. */
      OK("/a//b/c/", "/a/b/c/"),
      OK("//a/b/c", "/a/b/c"),
      OK("/a/b/c//", "/a/b/c/"),
      OK("/a///b/c", "/a/b/c"),
      OK("/a////b/c", "/a/b/c"),
      OK("/a//b?a=///c", "/a/b"),
      OK("/a//b?", "/a/b"),
      OK("//a/?b", "/a/"),
      OK("a//b/c", "/a/b/c"),
      OK("/a", "/a"),
      OK("/a/b/", "/a/b/"),
      OK("", "/"),
      OK("/", "/"),
      /* Envoy keeps one leading and one trailing '/' around nothing. */
      OK("//", "//"),
      OK("///", "//"),
      OK("\\\\", "//"),
      OK("/a/..//", "//"),
      /* Dot segments first, then merging. */
      OK("/a//../b", "/a/b"),
      OK("/a/..//b", "/b"),
      OK("/a//b/..", "/a/"),
      OK("/./", "/"),
      OK("/a/.//", "/a/"),
      OK("/a/.//b", "/a/b"),
      OK("/a//", "/a/"),
      OK("//a//", "/a/"),
      OK("\\a\\\\b\\", "/a/b/"),
      OK("/a/b/c/../../d//e", "/a/d/e"),
      /* Escaped slashes are not separators here. */
      OK("/a/%2F/b", "/a/%2F/b"),
      OK("/a%2F%2Fb", "/a%2F%2Fb"),
      OK("/%2e%2e%2f..%2fadmin", "/..%2f..%2fadmin"),
      OK("//%41//", "/A/"),
      REJ("//%00//"),
  };
  check_table(MERGE, t, NCASES(t));
}

/* ---- DECODE_AND_MERGE_SLASHES ------------------------------------------ */

static void test_decode(void **state) {
  (void)state;
  static const norm_case t[] = {
      OK("/a%2Fb", "/a/b"),
      OK("/a%2fb", "/a/b"),
      OK("/a%5Cb", "/a/b"),
      OK("/a%5cb", "/a/b"),
      OK("%2Fa", "/a"),
      OK("%5ca", "/a"),
      OK("/a/..%2Fb", "/b"),
      OK("/a/..%5cb", "/b"),
      OK("/a/%2e%2e%2fb", "/b"),
      OK("/a%2F..%2F..%2Fb", "/b"),
      OK("/%2e%2e%5c%2e%2e%5cetc", "/etc"),
      OK("/%2F%2e%2e%2Fadmin", "/admin"),
      OK("/a%2F%2F%2Fb", "/a/b"),
      OK("/a%5C%5c", "/a/"),
      OK("/a%2F", "/a/"),
      OK("/%2F", "//"),
      OK("%2F%2F", "//"),
      /* Decoded once: "%252F" is "%25" then "2F". */
      OK("/%252F", "/%252F"),
      OK("/%25%32%46", "/%252F"),
      OK("/%%32%46", "/%252F"),
      /* A '%' that begins no escape is left, and so is its neighbour. */
      OK("/%%2F", "/%/"),
      OK("/%2%2F", "/%2/"),
      OK("/%2%2F%2e%2e", "/"),
      OK("/a%2", "/a%2"),
      OK("/a%5", "/a%5"),
      OK("/a%2G", "/a%2G"),
      OK("/a%3F", "/a%3F"),
      OK("/a?%2F", "/a"),
      REJ("/a%2F%00"),
      REJ("%00%2F"),
  };
  check_table(DECODE, t, NCASES(t));
}

/* ---- Modes, NULLs and caps --------------------------------------------- */

static void test_modes(void **state) {
  (void)state;
  char buf[64];
  size_t len = 99;
  static const uint32_t bad[] = {4, 5, 99, UINT32_MAX};
  for (size_t i = 0; i < NCASES(bad); i++) {
    assert_int_equal(zt_pathnorm(bad[i], "/a", 2, buf, sizeof buf, &len),
                     ZT_PATHNORM_REJECT);
    assert_int_equal(len, 0);
    assert_int_equal(zt_pathnorm(bad[i], NULL, 0, NULL, 0, NULL),
                     ZT_PATHNORM_REJECT);
  }
  /* The same path under each mode. */
  static const char in[] = "/a//b/%2E%2e/%2F/c%41\\d";
  static const char *want[] = {
      in,
      "/a//%2F/cA/d",
      "/a/%2F/cA/d",
      "/a/cA/d",
  };
  for (uint32_t m = 0; m < 4; m++) {
    assert_int_equal(zt_pathnorm(m, in, sizeof in - 1, buf, sizeof buf, &len),
                     ZT_PATHNORM_OK);
    assert_int_equal(len, strlen(want[m]));
    assert_memory_equal(buf, want[m], len);
  }
}

static void test_nulls(void **state) {
  (void)state;
  size_t len = 99;
  char buf[4];
  /* (NULL, 0) is the empty path; out may be NULL when cap is 0. */
  assert_int_equal(zt_pathnorm(NONE, NULL, 0, NULL, 0, &len), ZT_PATHNORM_OK);
  assert_int_equal(len, 0);
  assert_int_equal(zt_pathnorm(NONE, "?q", 2, NULL, 0, &len), ZT_PATHNORM_OK);
  assert_int_equal(len, 0);
  for (uint32_t m = BASE; m <= DECODE; m++) {
    len = 99;
    assert_int_equal(zt_pathnorm(m, NULL, 0, NULL, 0, &len),
                     ZT_PATHNORM_TOO_LONG);
    assert_int_equal(len, 0);
    assert_int_equal(zt_pathnorm(m, NULL, 0, buf, sizeof buf, &len),
                     ZT_PATHNORM_OK);
    assert_int_equal(len, 1);
    assert_int_equal(buf[0], '/');
    /* out_len may be NULL. */
    assert_int_equal(zt_pathnorm(m, "/x", 2, buf, sizeof buf, NULL),
                     ZT_PATHNORM_OK);
    assert_memory_equal(buf, "/x", 2);
    /* A rejected path rejects whatever the cap. */
    assert_int_equal(zt_pathnorm(m, "/%00", 4, NULL, 0, &len),
                     ZT_PATHNORM_REJECT);
  }
}

/* The cap bounds the result, not what ".." removes on the way. */
static void test_cap_removed_segments(void **state) {
  (void)state;
  size_t n = 5000;
  char *in = malloc(n + 16);
  assert_non_null(in);
  in[0] = '/';
  memset(in + 1, 'a', n);
  memcpy(in + 1 + n, "/../b", 5);
  size_t in_n = n + 6;
  char out[2];
  size_t len = 0;
  for (uint32_t m = BASE; m <= DECODE; m++) {
    assert_int_equal(zt_pathnorm(m, in, in_n, out, 2, &len), ZT_PATHNORM_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "/b", 2);
    assert_int_equal(zt_pathnorm(m, in, in_n, out, 1, &len),
                     ZT_PATHNORM_TOO_LONG);
  }
  free(in);
}

/* ---- Long and hostile inputs ------------------------------------------- */

typedef struct big {
  char *in, *out;
  size_t n, cap;
} big;

static big big_new(size_t n) {
  big b = {malloc(n + 1), malloc(3 * n + 2), n, 3 * n + 2};
  assert_non_null(b.in);
  assert_non_null(b.out);
  return b;
}

static void big_free(big *b) {
  free(b->in);
  free(b->out);
}

static size_t norm_ok(uint32_t mode, const big *b, size_t n, size_t cap) {
  size_t len = 0;
  int rc = zt_pathnorm(mode, b->in, n, b->out, cap, &len);
  if (rc != ZT_PATHNORM_OK)
    fail_msg("mode %u, %zu bytes: rc %d", mode, n, rc);
  return len;
}

static void test_long(void **state) {
  (void)state;
  big b = big_new(1 << 17);
  size_t len;

  /* 20000 segments, then as many "..": the root. */
  size_t n = 0, k = 20000;
  for (size_t i = 0; i < k; i++, n += 2)
    memcpy(b.in + n, "/a", 2);
  for (size_t i = 0; i < k; i++, n += 3)
    memcpy(b.in + n, "/..", 3);
  assert_true(n <= b.n);
  for (uint32_t m = BASE; m <= DECODE; m++) {
    len = norm_ok(m, &b, n, 1);
    assert_memory_equal(b.out, "/", 1);
  }
  /* One ".." short: "/a/". */
  len = norm_ok(BASE, &b, n - 3, b.cap);
  assert_int_equal(len, 3);
  assert_memory_equal(b.out, "/a/", 3);

  /* Only '%': each one stays. */
  n = b.n;
  memset(b.in, '%', n);
  len = norm_ok(BASE, &b, n, n + 1);
  assert_int_equal(len, n + 1);
  assert_int_equal(b.out[0], '/');
  for (size_t i = 1; i < len; i++)
    assert_int_equal(b.out[i], '%');

  /* "%41" many times: decoded to "A". */
  n = b.n / 3 * 3;
  for (size_t i = 0; i < n; i += 3)
    memcpy(b.in + i, "%41", 3);
  len = norm_ok(DECODE, &b, n, n / 3 + 1);
  assert_int_equal(len, n / 3 + 1);
  for (size_t i = 1; i < len; i++)
    assert_int_equal(b.out[i], 'A');

  /* Raw high bytes reach the 3 * n + 1 bound exactly. */
  n = b.n;
  memset(b.in, 0xff, n);
  len = norm_ok(BASE, &b, n, 3 * n + 1);
  assert_int_equal(len, 3 * n + 1);
  assert_memory_equal(b.out, "/%FF%FF", 7);
  assert_int_equal(zt_pathnorm(BASE, b.in, n, b.out, 3 * n, &len),
                   ZT_PATHNORM_TOO_LONG);

  /* Slashes only. */
  memset(b.in, '/', n);
  len = norm_ok(BASE, &b, n, n);
  assert_int_equal(len, n);
  len = norm_ok(MERGE, &b, n, 2);
  assert_int_equal(len, 2);
  assert_memory_equal(b.out, "//", 2);

  /* Escaped slashes and dots only. */
  n = b.n / 3 * 3;
  for (size_t i = 0; i < n; i += 3)
    memcpy(b.in + i, i % 2 ? "%2F" : "%2e", 3);
  len = norm_ok(DECODE, &b, n, 1);
  assert_int_equal(len, 1);
  assert_int_equal(b.out[0], '/');
  len = norm_ok(BASE, &b, n, b.cap);    /* "%2F" is a name there */
  assert_int_equal(len, 1 + n / 6 * 4); /* "/" then ".%2F" each */

  /* A NUL at the very end rejects. */
  memset(b.in, 'a', b.n);
  b.in[b.n - 1] = '\0';
  assert_int_equal(zt_pathnorm(BASE, b.in, b.n, b.out, b.cap, &len),
                   ZT_PATHNORM_REJECT);
  big_free(&b);
}

/* ---- A reference model ---------------------------------------------------
 * A plain transcription of the documented behaviour, left to right as
 * Envoy runs it: unescape slashes, then Chromium's one pass with its
 * output backed up on "..", then Envoy's merge_slashes on the text. */

static bool ref_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

static int ref_hexval(unsigned char c) {
  return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static bool ref_slash(char c) {
  return c == '/' || c == '\\';
}

static size_t ref_dot(const char *t, size_t n, size_t i) {
  if (i < n && t[i] == '.')
    return 1;
  if (i + 3 <= n && t[i] == '%' && t[i + 1] == '2' &&
      (t[i + 2] == 'e' || t[i + 2] == 'E'))
    return 3;
  return 0;
}

static void ref_escape(char *out, size_t *o, unsigned char c) {
  static const char hx[] = "0123456789ABCDEF";
  out[(*o)++] = '%';
  out[(*o)++] = hx[c >> 4];
  out[(*o)++] = hx[c & 15];
}

/* Returns false when the path is rejected. */
static bool ref_canon(const char *t, size_t n, char *out, size_t *out_n) {
  size_t o = 0;
  long li = -1;
  bool ok = true;
  if (n == 0 || !ref_slash(t[0]))
    out[o++] = '/';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)t[i];
    size_t dl = ref_dot(t, n, i);
    if (dl) {
      if (out[o - 1] != '/') {
        out[o++] = '.';
        i += dl - 1;
        continue;
      }
      size_t after = i + dl, used = 0;
      int kind = 0; /* 0 name, 1 current, 2 up */
      if (after == n) {
        kind = 1;
      } else if (ref_slash(t[after])) {
        kind = 1;
        used = 1;
      } else {
        size_t d2 = ref_dot(t, n, after);
        if (d2 && after + d2 == n) {
          kind = 2;
          used = d2;
        } else if (d2 && ref_slash(t[after + d2])) {
          kind = 2;
          used = d2 + 1;
        }
      }
      if (kind == 0) {
        out[o++] = '.';
        i += dl - 1;
        continue;
      }
      if (kind == 2 && o > 1) {
        size_t j = o - 2;
        while (out[j] != '/' && j > 0)
          j--;
        o = j + 1;
        if (li >= (long)o)
          li = -1; /* the documented deviation from Chromium */
      }
      i += dl + used - 1;
    } else if (c == '\\') {
      out[o++] = '/';
    } else if (c == '%') {
      if (i + 2 < n && ref_hex((unsigned char)t[i + 1]) &&
          ref_hex((unsigned char)t[i + 2])) {
        unsigned char v =
            (unsigned char)(ref_hexval((unsigned char)t[i + 1]) * 16 +
                            ref_hexval((unsigned char)t[i + 2]));
        bool unres = (v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') ||
                     (v >= '0' && v <= '9') || v == '-' || v == '_' ||
                     v == '~' || v == '.';
        if (v == 0)
          ok = false;
        if (unres) {
          out[o++] = (char)v;
          i += 2;
          if (li >= 0 && li >= (long)o - 3) {
            size_t len0 = o;
            char last = out[o - 1];
            bool app = li == (long)o - 2;
            if (app && i + 1 >= n)
              continue;
            if (app)
              out[o++] = t[i + 1];
            if ((long)o >= li + 3 && ref_hex((unsigned char)out[li + 1]) &&
                ref_hex((unsigned char)out[li + 2])) {
              if (!app)
                out[o++] = out[li + 1];
              out[li + 1] = '2';
              out[li + 2] = '5';
              out[o++] = last;
            } else if (app) {
              o = len0;
            }
          }
        } else {
          out[o++] = '%';
          out[o++] = t[i + 1];
          out[o++] = t[i + 2];
          i += 2;
        }
      } else {
        li = (long)o;
        out[o++] = '%';
      }
    } else if (c == 0) {
      ok = false;
      ref_escape(out, &o, c);
    } else if (c <= 0x20 || c >= 0x7f || strchr("\"<>^`{|}", c)) {
      ref_escape(out, &o, c);
    } else {
      out[o++] = (char)c;
    }
  }
  *out_n = o;
  return ok;
}

static size_t ref_merge(char *s, size_t n) {
  bool dbl = false;
  for (size_t i = 0; i + 1 < n; i++)
    dbl |= s[i] == '/' && s[i + 1] == '/';
  if (!dbl)
    return n;
  bool lead = n > 0 && s[0] == '/', trail = n > 0 && s[n - 1] == '/';
  size_t o = 0;
  if (lead)
    s[o++] = '/';
  bool first = true;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s[j] != '/')
      j++;
    if (j > i) {
      if (!first)
        s[o++] = '/';
      memmove(s + o, s + i, j - i);
      o += j - i;
      first = false;
    }
    i = j + 1;
  }
  if (trail)
    s[o++] = '/';
  return o;
}

/* Returns false when rejected; out needs 3 * n + 2 bytes. */
static bool ref_norm(uint32_t mode, const char *in, size_t n, char *out,
                     size_t *out_n) {
  size_t m = 0;
  while (m < n && in[m] != '?' && in[m] != '#')
    m++;
  if (mode == NONE) {
    memcpy(out, in, m);
    *out_n = m;
    return true;
  }
  char *t = malloc(m + 1);
  assert_non_null(t);
  size_t tn = 0;
  for (size_t i = 0; i < m; i++) {
    if (mode == DECODE && i + 2 < m && in[i] == '%' &&
        ((in[i + 1] == '2' && (in[i + 2] == 'F' || in[i + 2] == 'f')) ||
         (in[i + 1] == '5' && (in[i + 2] == 'C' || in[i + 2] == 'c')))) {
      t[tn++] = in[i + 1] == '2' ? '/' : '\\';
      i += 2;
    } else {
      t[tn++] = in[i];
    }
  }
  bool ok = ref_canon(t, tn, out, out_n);
  free(t);
  if (ok && mode != BASE)
    *out_n = ref_merge(out, *out_n);
  return ok;
}

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static size_t random_path(uint64_t *rng, char *buf) {
  static const char *const pieces[] = {
      "/",   "/",   "/",   "\\",  ".",    ".",   "..",  "%2e", "%2E",
      "%",   "%",   "%2F", "%2f", "%5C",  "%5c", "%41", "%34", "%31",
      "%3",  "%2",  "%30", "%6a", "0",    "1",   "4",   "a",   "A",
      "F",   "e",   "b",   " ",   "\xff", "?",   "#",   "%25", "~",
      "%7e", "%20", "x",   "%0",  "%00",  "\0",
  };
  size_t count = next_rand(rng) % 14, n = 0;
  for (size_t i = 0; i < count; i++) {
    size_t k = next_rand(rng) % NCASES(pieces);
    /* NUL forms rarely, or almost everything would reject. */
    if (k >= NCASES(pieces) - 2 && next_rand(rng) % 8 != 0)
      k = 0;
    size_t len = k == NCASES(pieces) - 1 ? 1 : strlen(pieces[k]);
    memcpy(buf + n, pieces[k], len);
    n += len;
  }
  return n;
}

static void test_reference(void **state) {
  (void)state;
  uint64_t rng = 0x9e3779b97f4a7c15u;
  char in[64], got[256], want[256], again[256];
  size_t rejected = 0;
  for (int iter = 0; iter < 200000; iter++) {
    size_t n = random_path(&rng, in);
    for (uint32_t m = NONE; m <= DECODE; m++) {
      size_t got_n = 0, want_n = 0;
      int rc = zt_pathnorm(m, in, n, got, sizeof got, &got_n);
      bool ok = ref_norm(m, in, n, want, &want_n);
      if (rc != (ok ? ZT_PATHNORM_OK : ZT_PATHNORM_REJECT))
        fail_msg("mode %u \"%.*s\": rc %d, reference %s", m, (int)n, in, rc,
                 ok ? "accepts" : "rejects");
      if (!ok) {
        rejected++;
        continue;
      }
      if (got_n != want_n || memcmp(got, want, got_n) != 0)
        fail_msg("mode %u \"%.*s\": \"%.*s\", reference \"%.*s\"", m, (int)n,
                 in, (int)got_n, got, (int)want_n, want);
      /* Normalizing twice changes nothing. */
      size_t again_n = 0;
      assert_int_equal(
          zt_pathnorm(m, got, got_n, again, sizeof again, &again_n),
          ZT_PATHNORM_OK);
      if (again_n != got_n || memcmp(again, got, got_n) != 0)
        fail_msg("mode %u \"%.*s\": \"%.*s\" then \"%.*s\"", m, (int)n, in,
                 (int)got_n, got, (int)again_n, again);
      /* The length is exact: one byte less does not fit. */
      if (got_n > 0)
        assert_int_equal(zt_pathnorm(m, in, n, got, got_n - 1, &again_n),
                         ZT_PATHNORM_TOO_LONG);
    }
  }
  /* The generator does reach the reject path, but not too often. */
  assert_true(rejected > 1000 && rejected < 200000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_none),
      cmocka_unit_test(test_base_envoy),
      cmocka_unit_test(test_base_dots),
      cmocka_unit_test(test_base_escapes),
      cmocka_unit_test(test_merge),
      cmocka_unit_test(test_decode),
      cmocka_unit_test(test_modes),
      cmocka_unit_test(test_nulls),
      cmocka_unit_test(test_cap_removed_segments),
      cmocka_unit_test(test_long),
      cmocka_unit_test(test_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
