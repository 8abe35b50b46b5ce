/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "syntax.h"

/* A string literal as (s, n); sizeof keeps embedded NULs. */
#define LIT(x) (x), (sizeof(x) - 1)

typedef struct str_case {
  const char *s;
  size_t n;
  bool ok;
} str_case;

#define OK(x)                                                                  \
  { LIT(x), true }
#define BAD(x)                                                                 \
  { LIT(x), false }
#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

static void check_table(bool (*fn)(const char *, size_t), const str_case *t,
                        size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (fn(t[i].s, t[i].n) != t[i].ok)
      fail_msg("case %zu \"%.*s\": expected %s", i, (int)t[i].n, t[i].s,
               t[i].ok ? "accept" : "reject");
  }
}

/* n copies of c followed by tail (if any) in buf; returns the length. */
static size_t fill(char *buf, char c, size_t n, const char *tail) {
  memset(buf, c, n);
  size_t k = tail ? strlen(tail) : 0;
  memcpy(buf + n, tail ? tail : "", k);
  return n + k;
}

/* ---- DNS names --------------------------------------------------------- */

static void test_dns1123_label(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("a"),      OK("0"),    OK("abc-def"), OK("a--b"),
      OK("9lives"), BAD(""),    BAD("-a"),     BAD("a-"),
      BAD("-"),     BAD("A"),   BAD("aB"),     BAD("a.b"),
      BAD("a_b"),   BAD("a b"), BAD("a\0b"),   BAD("\xc3\xa9"),
  };
  check_table(zt_syn_dns1123_label, t, NCASES(t));
  assert_false(zt_syn_dns1123_label(NULL, 0));

  char buf[128];
  assert_true(zt_syn_dns1123_label(buf, fill(buf, 'a', 63, NULL)));
  assert_false(zt_syn_dns1123_label(buf, fill(buf, 'a', 64, NULL)));
}

static void test_dns1123_subdomain(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("a"),     OK("my-policy"), OK("a.b"),  OK("a-1.b-2.c"), OK("0.0"),
      BAD(""),     BAD("."),        BAD(".a"),  BAD("a."),       BAD("a..b"),
      BAD("a-.b"), BAD("a.-b"),     BAD("A.b"), BAD("a_b"),      BAD("a/b"),
      BAD("a b"),  BAD("a.b\0"),
  };
  check_table(zt_syn_dns1123_subdomain, t, NCASES(t));
  assert_false(zt_syn_dns1123_subdomain(NULL, 0));

  char buf[300];
  assert_true(zt_syn_dns1123_subdomain(buf, fill(buf, 'a', 253, NULL)));
  assert_false(zt_syn_dns1123_subdomain(buf, fill(buf, 'a', 254, NULL)));
  /* 249 + ".com" = 253 and 250 + ".com" = 254. */
  assert_true(zt_syn_dns1123_subdomain(buf, fill(buf, 'b', 249, ".com")));
  assert_false(zt_syn_dns1123_subdomain(buf, fill(buf, 'b', 250, ".com")));
  /* Kubernetes does not cap the labels of a subdomain at 63. */
  assert_true(zt_syn_dns1123_subdomain(buf, fill(buf, 'c', 100, ".d")));
}

static void test_provider_name(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("ext-authz"), OK("opa"), OK("a1"),   BAD(""),          BAD("Ext"),
      BAD("-opa"),     BAD("a-"), BAD("a.b"), BAD("ext_authz"),
  };
  check_table(zt_syn_provider_name, t, NCASES(t));
  assert_false(zt_syn_provider_name(NULL, 0));
  char buf[80];
  assert_true(zt_syn_provider_name(buf, fill(buf, 'p', 63, NULL)));
  assert_false(zt_syn_provider_name(buf, fill(buf, 'p', 64, NULL)));
}

static void test_target_kind(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("Gateway"), OK("GatewayClass"), OK("ServiceEntry"),
      OK("a"),       OK("A1-b"),         OK("x-Y-9"),
      BAD(""),       BAD("1abc"),        BAD("-a"),
      BAD("a-"),     BAD("a_b"),         BAD("a.b"),
      BAD("a b"),    BAD("Gate\0way"),
  };
  check_table(zt_syn_target_kind, t, NCASES(t));
  assert_false(zt_syn_target_kind(NULL, 0));
  char buf[80];
  assert_true(zt_syn_target_kind(buf, fill(buf, 'K', 63, NULL)));
  assert_false(zt_syn_target_kind(buf, fill(buf, 'K', 64, NULL)));
}

static void test_target_group(void **state) {
  (void)state;
  static const str_case t[] = {
      OK(""),
      OK("gateway.networking.k8s.io"),
      OK("networking.istio.io"),
      OK("core"),
      BAD("Gateway.networking.k8s.io"),
      BAD("a..b"),
      BAD(".a"),
      BAD("a."),
      BAD("a_b.io"),
      BAD("-a.io"),
  };
  check_table(zt_syn_target_group, t, NCASES(t));
  assert_true(zt_syn_target_group(NULL, 0));
  char buf[300];
  assert_true(zt_syn_target_group(buf, fill(buf, 'g', 250, ".io")));
  assert_false(zt_syn_target_group(buf, fill(buf, 'g', 251, ".io")));
}

/* ---- Ports and booleans ------------------------------------------------ */

typedef struct port_case {
  const char *s;
  size_t n;
  bool ok;
  uint32_t v;
} port_case;

static void test_port(void **state) {
  (void)state;
  static const port_case t[] = {
      {LIT("0"), true, 0},
      {LIT("80"), true, 80},
      {LIT("00080"), true, 80},
      {LIT("65535"), true, 65535},
      {LIT("000000000000000000000000000065535"), true, 65535},
      {LIT("65536"), false, 0},
      {LIT("99999"), false, 0},
      {LIT("4294967376"), false, 0}, /* 2^32 + 80 must not wrap to 80 */
      {LIT("18446744073709551696"), false, 0},
      {LIT(""), false, 0},
      {LIT("+80"), false, 0},
      {LIT("-1"), false, 0},
      {LIT(" 80"), false, 0},
      {LIT("80 "), false, 0},
      {LIT("8_0"), false, 0},
      {LIT("0x50"), false, 0},
      {LIT("8.0"), false, 0},
      {LIT("80\0"), false, 0},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    uint32_t v = 12345;
    bool ok = zt_syn_port(t[i].s, t[i].n, &v);
    if (ok != t[i].ok || (ok && v != t[i].v))
      fail_msg("port case %zu \"%.*s\"", i, (int)t[i].n, t[i].s);
  }
  assert_false(zt_syn_port(NULL, 0, NULL));
  assert_true(zt_syn_port(LIT("443"), NULL));

  static char buf[10001];
  uint32_t v = 0;
  assert_false(zt_syn_port(buf, fill(buf, '9', 10000, NULL), &v));
  assert_true(zt_syn_port(buf, fill(buf, '0', 10000, "1"), &v));
  assert_int_equal(v, 1);
}

static void test_gobool(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t n;
    bool v;
  } yes[] = {
      {LIT("1"), true},      {LIT("t"), true},      {LIT("T"), true},
      {LIT("TRUE"), true},   {LIT("true"), true},   {LIT("True"), true},
      {LIT("0"), false},     {LIT("f"), false},     {LIT("F"), false},
      {LIT("FALSE"), false}, {LIT("false"), false}, {LIT("False"), false},
  };
  for (size_t i = 0; i < NCASES(yes); i++) {
    bool v = !yes[i].v;
    assert_true(zt_syn_gobool(yes[i].s, yes[i].n, &v));
    assert_int_equal(v, yes[i].v);
  }
  static const str_case no[] = {
      BAD(""),      BAD("yes"),   BAD("no"),    BAD("tRUE"),   BAD("FaLsE"),
      BAD("true "), BAD(" true"), BAD("truee"), BAD("tr"),     BAD("2"),
      BAD("01"),    BAD("on"),    BAD("t\0"),   BAD("TRUE\n"),
  };
  for (size_t i = 0; i < NCASES(no); i++) {
    bool v = true;
    if (zt_syn_gobool(no[i].s, no[i].n, &v) || !v)
      fail_msg("gobool case %zu accepted or wrote output", i);
  }
  assert_false(zt_syn_gobool(NULL, 0, NULL));
  assert_true(zt_syn_gobool(LIT("True"), NULL));
}

/* ---- Durations --------------------------------------------------------- */

typedef struct dur_case {
  const char *s;
  size_t n;
  bool ok;
  uint64_t ms;
  bool whole;
} dur_case;

static void test_duration_accept(void **state) {
  (void)state;
  static const dur_case t[] = {
      {LIT("0"), true, 0, true},
      {LIT("+0"), true, 0, true},
      {LIT("-0"), true, 0, true},
      {LIT("-0s"), true, 0, true},
      {LIT("0s"), true, 0, true},
      {LIT("5s"), true, 5000, true},
      {LIT("+5s"), true, 5000, true},
      {LIT("1ms"), true, 1, true},
      {LIT("1.5ms"), true, 1, false},
      {LIT("1.000ms"), true, 1, true},
      {LIT("300us"), true, 0, false},
      {LIT("1000us"), true, 1, true},
      {LIT("1000\xc2\xb5s"), true, 1, true}, /* micro sign */
      {LIT("1000\xce\xbcs"), true, 1, true}, /* Greek mu */
      {LIT("1000000ns"), true, 1, true},
      {LIT("1000001ns"), true, 1, false},
      {LIT("1h"), true, 3600000, true},
      {LIT("1m"), true, 60000, true},
      {LIT("1h2m3.5s"), true, 3723500, true},
      {LIT("3.5s1h"), true, 3603500, true},
      {LIT("1h1h"), true, 7200000, true},
      {LIT(".5s"), true, 500, true},
      {LIT("1.s"), true, 1000, true},
      {LIT("0.0001s"), true, 0, false},
      {LIT("0.001s"), true, 1, true},
      {LIT("1.5h"), true, 5400000, true},
      {LIT("0.1m"), true, 6000, true},
      /* A fraction below one nanosecond is dropped, as Go does. */
      {LIT("5.0000000000001s"), true, 5000, true},
      {LIT("0001s"), true, 1000, true},
      /* Go's limit: int64 nanoseconds, about 292 years. */
      {LIT("9223372036854775807ns"), true, 9223372036854ULL, false},
      {LIT("2562047h47m16.854775807s"), true, 9223372036854ULL, false},
      {LIT("2562047h47m16.854s"), true, 9223372036854ULL, true},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    uint64_t ms = 777;
    bool whole = !t[i].whole;
    if (!zt_syn_duration_ms(t[i].s, t[i].n, &ms, &whole) || ms != t[i].ms ||
        whole != t[i].whole)
      fail_msg("duration case %zu \"%.*s\": ms=%llu whole=%d", i, (int)t[i].n,
               t[i].s, (unsigned long long)ms, whole);
  }
  assert_true(zt_syn_duration_ms(LIT("5s"), NULL, NULL));
}

static void test_duration_reject(void **state) {
  (void)state;
  static const str_case t[] = {
      BAD(""),
      BAD("+"),
      BAD("-"),
      BAD("-5s"),
      BAD("-1ns"),
      BAD("5"),
      BAD("00"),
      BAD("0.0"),
      BAD("s"),
      BAD(".s"),
      BAD("."),
      BAD("5 s"),
      BAD(" 5s"),
      BAD("5s "),
      BAD("5sec"),
      BAD("5S"),
      BAD("5d"),
      BAD("1h-1m"),
      BAD("1h+1m"),
      BAD("1..5s"),
      BAD("1.5.5s"),
      BAD("1e3s"),
      BAD("\xc2\xb5s"),
      BAD("5\xc2s"),
      BAD("5s\0"),
      BAD("--5s"),
      BAD("9223372036854775808ns"),
      BAD("2562047h47m16.854775808s"),
      BAD("2562048h"),
      BAD("2562047h2562047h"),
      BAD("99999999999999999999999s"),
      BAD("18446744073709551616ns"),
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    uint64_t ms = 0;
    bool whole = false;
    if (zt_syn_duration_ms(t[i].s, t[i].n, &ms, &whole))
      fail_msg("duration case %zu \"%.*s\" accepted", i, (int)t[i].n, t[i].s);
  }
  assert_false(zt_syn_duration_ms(NULL, 0, NULL, NULL));

  static char buf[5003];
  assert_false(zt_syn_duration_ms(buf, fill(buf, '9', 5000, "ns"), NULL, NULL));
  uint64_t ms = 0;
  assert_true(zt_syn_duration_ms(buf, fill(buf, '0', 5000, "7ms"), &ms, NULL));
  assert_int_equal(ms, 7);
}

/* ---- Timestamps -------------------------------------------------------- */

typedef struct ts_case {
  const char *s;
  size_t n;
  int64_t unix;
} ts_case;

static void test_rfc3339_accept(void **state) {
  (void)state;
  static const ts_case t[] = {
      {LIT("1970-01-01T00:00:00Z"), 0},
      {LIT("1969-12-31T23:59:59Z"), -1},
      {LIT("2024-05-01T10:00:00Z"), 1714557600},
      {LIT("2024-05-01T10:00:00.123456789Z"), 1714557600},
      {LIT("2024-05-01T10:00:00.1234567891234Z"), 1714557600},
      {LIT("2024-05-01T12:00:00+02:00"), 1714557600},
      {LIT("2024-05-01T05:30:00-04:30"), 1714557600},
      {LIT("2024-05-01T10:00:00.5+00:00"), 1714557600},
      {LIT("2024-05-02T09:59:00+23:59"), 1714557600},
      {LIT("2000-02-29T00:00:00Z"), 951782400},
      {LIT("2024-02-29T00:00:00Z"), 1709164800},
      {LIT("2100-03-01T00:00:00Z"), 4107542400},
      {LIT("2016-12-31T23:59:59Z"), 1483228799},
      /* A leap second lands on the next minute. */
      {LIT("2016-12-31T23:59:60Z"), 1483228800},
      {LIT("0001-01-01T00:00:00Z"), -62135596800},
      {LIT("0000-01-01T00:00:00Z"), -62167219200},
      {LIT("0000-02-29T00:00:00Z"), -62167219200 + 59 * 86400},
      {LIT("9999-12-31T23:59:59Z"), 253402300799},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    int64_t v = 42;
    if (!zt_syn_rfc3339(t[i].s, t[i].n, &v) || v != t[i].unix)
      fail_msg("rfc3339 case %zu \"%.*s\": got %lld", i, (int)t[i].n, t[i].s,
               (long long)v);
  }
  assert_true(zt_syn_rfc3339(LIT("2024-05-01T10:00:00Z"), NULL));
}

static void test_rfc3339_reject(void **state) {
  (void)state;
  static const str_case t[] = {
      BAD(""),
      BAD("2024-05-01"),
      BAD("2024-05-01T10:00:00"),
      BAD("2024-05-01T10:00Z"),
      BAD("2024-13-01T10:00:00Z"),
      BAD("2024-00-01T10:00:00Z"),
      BAD("2024-05-00T10:00:00Z"),
      BAD("2024-04-31T10:00:00Z"),
      BAD("2023-02-29T10:00:00Z"),
      BAD("1900-02-29T10:00:00Z"),
      BAD("2024-02-30T10:00:00Z"),
      BAD("2024-05-01T24:00:00Z"),
      BAD("2024-05-01T10:60:00Z"),
      BAD("2024-05-01T10:00:61Z"),
      BAD("2024-05-01 10:00:00Z"),
      BAD("2024-05-01t10:00:00Z"),
      BAD("2024-05-01T10:00:00z"),
      BAD("2024-05-01T10:00:00.Z"),
      BAD("2024-05-01T10:00:00,5Z"),
      BAD("2024-05-01T10:00:00+24:00"),
      BAD("2024-05-01T10:00:00+02:60"),
      BAD("2024-05-01T10:00:00+0200"),
      BAD("2024-05-01T10:00:00+02"),
      BAD("2024-05-01T10:00:00UTC"),
      BAD("2024-05-01T10:00:00Z "),
      BAD(" 2024-05-01T10:00:00Z"),
      BAD("2024-05-01T10:00:00Z\0"),
      BAD("2024-5-01T10:00:00Z"),
      BAD("2024-05-1T10:00:00Z"),
      BAD("24-05-01T10:00:00Z"),
      BAD("+2024-05-01T10:00:00Z"),
      BAD("20240-05-01T10:00:00Z"),
      BAD("2024/05/01T10:00:00Z"),
      BAD("2024-05-01T1:00:00Z"),
      BAD("2024-05-01T10:00:00ZZ"),
      BAD("2024-05-01T-1:00:00Z"),
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    int64_t v = 0;
    if (zt_syn_rfc3339(t[i].s, t[i].n, &v))
      fail_msg("rfc3339 case %zu \"%.*s\" accepted", i, (int)t[i].n, t[i].s);
  }
  assert_false(zt_syn_rfc3339(NULL, 0, NULL));
}

/* Every day of 1970..2400 round-trips through the month table and the day
 * count: consecutive dates must be exactly 86400 s apart. */
static void test_rfc3339_every_day(void **state) {
  (void)state;
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t expect = 0;
  for (int y = 1970; y <= 2400; y++) {
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    for (int m = 1; m <= 12; m++) {
      int last = mdays[m - 1] + (m == 2 && leap ? 1 : 0);
      for (int d = 1; d <= last + 1; d++) {
        char buf[32];
        int k = snprintf(buf, sizeof buf, "%04d-%02d-%02dT00:00:00Z", y, m, d);
        assert_int_equal(k, 20);
        int64_t v = 0;
        bool ok = zt_syn_rfc3339(buf, (size_t)k, &v);
        if (d > last) {
          assert_false(ok);
          continue;
        }
        assert_true(ok);
        assert_int_equal(v, expect);
        expect += 86400;
      }
    }
  }
}

/* ---- HTTP names -------------------------------------------------------- */

static void test_header_name(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("x-jwt-claim"), OK("X_Foo_9"), OK("-"),         OK("_"),
      BAD(""),           BAD("x jwt"),  BAD("x:y"),      BAD("x.y"),
      BAD("x/y"),        BAD("x\0"),    BAD("\xc3\xa9"), BAD("x\n"),
  };
  check_table(zt_syn_header_name, t, NCASES(t));
  assert_false(zt_syn_header_name(NULL, 0));
}

static void test_http_token(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("Authorization"),
      OK("x-jwt-token"),
      OK("!#$%&'*+-.^_`|~"),
      OK("a9"),
      BAD(""),
      BAD("a b"),
      BAD("a:b"),
      BAD("a/b"),
      BAD("a\"b"),
      BAD("("),
      BAD(")"),
      BAD("a,b"),
      BAD("a;b"),
      BAD("a=b"),
      BAD("{"),
      BAD("a\t"),
      BAD("a\x7f"),
      BAD("a\x80"),
      BAD("a\0"),
      BAD("@"),
      BAD("[]"),
      BAD("?"),
      BAD("\\"),
  };
  check_table(zt_syn_http_token, t, NCASES(t));
  assert_false(zt_syn_http_token(NULL, 0));
}

/* ---- Policy value patterns --------------------------------------------- */

static void test_star_position(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t n;
    int want;
  } t[] = {
      {LIT(""), ZT_STAR_NONE},
      {LIT("abc"), ZT_STAR_NONE},
      {LIT("*"), ZT_STAR_ANY},
      {LIT("abc*"), ZT_STAR_PREFIX},
      {LIT("/api/*"), ZT_STAR_PREFIX},
      {LIT("*abc"), ZT_STAR_SUFFIX},
      {LIT("*.example.com"), ZT_STAR_SUFFIX},
      {LIT("a*b"), ZT_STAR_LITERAL},
      {LIT("/service/*health"), ZT_STAR_LITERAL},
      {LIT("**"), ZT_STAR_LITERAL},
      {LIT("***"), ZT_STAR_LITERAL},
      {LIT("*a*"), ZT_STAR_LITERAL},
      {LIT("*abc*"), ZT_STAR_LITERAL},
      {LIT("a**"), ZT_STAR_LITERAL},
      {LIT("**a"), ZT_STAR_LITERAL},
      {LIT("a*b*"), ZT_STAR_LITERAL},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    int got = zt_syn_star_position(t[i].s, t[i].n);
    if (got != t[i].want)
      fail_msg("star case %zu \"%.*s\": got %d want %d", i, (int)t[i].n, t[i].s,
               got, t[i].want);
  }
  assert_int_equal(zt_syn_star_position(NULL, 0), ZT_STAR_NONE);
  /* The values are part of the contract. */
  assert_int_equal(ZT_STAR_NONE, 0);
  assert_int_equal(ZT_STAR_ANY, 1);
  assert_int_equal(ZT_STAR_PREFIX, 2);
  assert_int_equal(ZT_STAR_SUFFIX, 3);
  assert_int_equal(ZT_STAR_LITERAL, 4);
}

typedef bool (*why_fn)(const char *, size_t, const char **);

static void check_why_table(why_fn fn, const str_case *t, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const char *why = NULL;
    bool ok = fn(t[i].s, t[i].n, &why);
    if (ok != t[i].ok)
      fail_msg("case %zu \"%.*s\": expected %s", i, (int)t[i].n, t[i].s,
               t[i].ok ? "accept" : "reject");
    if (!ok && (why == NULL || why[0] == '\0'))
      fail_msg("case %zu rejected without a reason", i);
    /* Accepting must not require a why pointer. */
    if (fn(t[i].s, t[i].n, NULL) != ok)
      fail_msg("case %zu differs with why == NULL", i);
  }
}

static void test_trust_domain_pattern(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("cluster.local"), OK("*"),     OK("*.local"), OK("cluster.*"),
      OK("td*"),           OK("*td"),   OK("a"),       BAD(""),
      BAD("a/b"),          BAD("/"),    BAD("td/"),    BAD("*/"),
      BAD("**"),           BAD("*a*"),  BAD("a*b"),    BAD("a**"),
      BAD("**a"),          BAD("a*b*"),
  };
  check_why_table(zt_syn_trust_domain_pattern, t, NCASES(t));
  const char *why = NULL;
  assert_false(zt_syn_trust_domain_pattern(NULL, 0, &why));
  assert_non_null(why);
  assert_false(zt_syn_trust_domain_pattern(LIT("a/b"), &why));
  assert_non_null(strstr(why, "/"));
  assert_false(zt_syn_trust_domain_pattern(LIT("*a*"), &why));
  assert_non_null(strstr(why, "at most one"));
  assert_false(zt_syn_trust_domain_pattern(LIT("a*b"), &why));
  assert_non_null(strstr(why, "start or end"));
}

static void test_service_account(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("sa"),   OK("ns/sa"), OK("a/b"),  OK("my-ns/my.sa"), BAD(""),
      BAD("*"),   BAD("ns/*"), BAD("s*a"), BAD("a/b/c"),      BAD("/sa"),
      BAD("ns/"), BAD("/"),    BAD("//"),  BAD("a//b"),
  };
  check_why_table(zt_syn_service_account, t, NCASES(t));
  assert_false(zt_syn_service_account(NULL, 0, NULL));

  char buf[400];
  assert_true(zt_syn_service_account(buf, fill(buf, 's', 320, NULL), NULL));
  assert_false(zt_syn_service_account(buf, fill(buf, 's', 321, NULL), NULL));
  assert_true(zt_syn_service_account(buf, fill(buf, 'n', 317, "/sa"), NULL));
  const char *why = NULL;
  assert_false(zt_syn_service_account(buf, fill(buf, 'n', 318, "/sa"), &why));
  assert_non_null(strstr(why, "320"));
}

static void test_jwks_uri(void **state) {
  (void)state;
  static const str_case t[] = {
      OK("https://example.com/.well-known/jwks.json"),
      OK("http://localhost:8080/keys"),
      OK("HTTPS://EXAMPLE.COM"),
      OK("HtTp://a"),
      OK("https://[::1]:8443/k"),
      OK("https://user@host/"),
      OK("https://host?x=1"),
      OK("https://h\xc3\xa9.example/"),
      BAD(""),
      BAD("example.com/jwks"),
      BAD("ftp://example.com/jwks"),
      BAD("file:///etc/jwks"),
      BAD("https:/example.com"),
      BAD("https//example.com"),
      BAD("https:example.com"),
      BAD("httpss://example.com"),
      BAD("http:"),
      BAD("https://"),
      BAD("https:///path"),
      BAD("https://?q"),
      BAD("https://#f"),
      BAD("https://:443/"),
      BAD("https://user@/x"),
      BAD("https://[]/"),
      BAD("https://ex ample.com"),
      BAD(" https://example.com"),
      BAD("https://example.com\t"),
      BAD("https://example.com\n"),
      BAD("https://exa\x7fmple.com"),
      BAD("https://example.com\0"),
  };
  check_why_table(zt_syn_jwks_uri, t, NCASES(t));

  static char buf[2100];
  memcpy(buf, "https://h/", 10);
  memset(buf + 10, 'p', 2038);
  assert_true(zt_syn_jwks_uri(buf, 2048, NULL));
  buf[2048] = 'p';
  const char *why = NULL;
  assert_false(zt_syn_jwks_uri(buf, 2049, &why));
  assert_non_null(strstr(why, "2048"));
  assert_false(zt_syn_jwks_uri(LIT("ftp://x"), &why));
  assert_non_null(strstr(why, "scheme"));
  assert_false(zt_syn_jwks_uri(LIT("https://a b"), &why));
  assert_non_null(strstr(why, "spaces"));
  assert_false(zt_syn_jwks_uri(LIT("https:///x"), &why));
  assert_non_null(strstr(why, "host"));
}

static void test_hex_digit(void **state) {
  (void)state;
  assert_int_equal(zt_syn_hex_digit('0'), 0);
  assert_int_equal(zt_syn_hex_digit('9'), 9);
  assert_int_equal(zt_syn_hex_digit('a'), 10);
  assert_int_equal(zt_syn_hex_digit('F'), 15);
  assert_int_equal(zt_syn_hex_digit('g'), -1);
  assert_int_equal(zt_syn_hex_digit('G'), -1);
  assert_int_equal(zt_syn_hex_digit('/'), -1);
  assert_int_equal(zt_syn_hex_digit(':'), -1);
  assert_int_equal(zt_syn_hex_digit('\0'), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hex_digit),
      cmocka_unit_test(test_dns1123_label),
      cmocka_unit_test(test_dns1123_subdomain),
      cmocka_unit_test(test_provider_name),
      cmocka_unit_test(test_target_kind),
      cmocka_unit_test(test_target_group),
      cmocka_unit_test(test_port),
      cmocka_unit_test(test_gobool),
      cmocka_unit_test(test_duration_accept),
      cmocka_unit_test(test_duration_reject),
      cmocka_unit_test(test_rfc3339_accept),
      cmocka_unit_test(test_rfc3339_reject),
      cmocka_unit_test(test_rfc3339_every_day),
      cmocka_unit_test(test_header_name),
      cmocka_unit_test(test_http_token),
      cmocka_unit_test(test_star_position),
      cmocka_unit_test(test_trust_domain_pattern),
      cmocka_unit_test(test_service_account),
      cmocka_unit_test(test_jwks_uri),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
