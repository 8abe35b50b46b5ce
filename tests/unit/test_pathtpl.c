/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "pathtpl.h"

#define LIT(x) (x), (sizeof(x) - 1)
#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

typedef struct tpl_case {
  const char *s;
  size_t n;
  bool ok;
  const char *why_part; /* a word the reason must contain, for rejects */
} tpl_case;

static void test_is_template(void **state) {
  (void)state;
  static const tpl_case t[] = {
      {LIT("/foo/{*}"), true, NULL},     {LIT("/foo/{**}"), true, NULL},
      {LIT("{*}"), true, NULL},          {LIT("{**}"), true, NULL},
      {LIT("x{*}y"), true, NULL},        {LIT("{{**}}"), true, NULL},
      {LIT("/foo/{*}.txt"), true, NULL}, {LIT(""), false, NULL},
      {LIT("/"), false, NULL},           {LIT("/foo"), false, NULL},
      {LIT("/foo/*"), false, NULL},      {LIT("*"), false, NULL},
      {LIT("/foo/{}"), false, NULL},     {LIT("/foo/{ *}"), false, NULL},
      {LIT("/foo/{*"), false, NULL},     {LIT("/foo/*}"), false, NULL},
      {LIT("/foo/{***}"), false, NULL},  {LIT("{"), false, NULL},
      {LIT("{*\0}"), false, NULL},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    if (zt_pathtpl_is_template(t[i].s, t[i].n) != t[i].ok)
      fail_msg("is_template case %zu \"%.*s\"", i, (int)t[i].n, t[i].s);
  }
  assert_false(zt_pathtpl_is_template(NULL, 0));
  /* The length bounds the search: "{*}" just past n does not count. */
  assert_false(zt_pathtpl_is_template("/a{*}", 4));
  assert_true(zt_pathtpl_is_template("/a{*}", 5));
}

static void check_cases(const tpl_case *t, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const char *why = NULL;
    bool ok = zt_pathtpl_check(t[i].s, t[i].n, &why);
    if (ok != t[i].ok)
      fail_msg("case %zu \"%.*s\": expected %s (%s)", i, (int)t[i].n, t[i].s,
               t[i].ok ? "accept" : "reject", why ? why : "-");
    if (!ok && (why == NULL || strstr(why, t[i].why_part) == NULL))
      fail_msg("case %zu \"%.*s\": reason \"%s\" lacks \"%s\"", i, (int)t[i].n,
               t[i].s, why ? why : "(null)", t[i].why_part);
    if (zt_pathtpl_check(t[i].s, t[i].n, NULL) != ok)
      fail_msg("case %zu differs with why == NULL", i);
  }
}

static void test_check_valid(void **state) {
  (void)state;
  static const tpl_case t[] = {
      /* The examples of the spec and of Istio's integration test. */
      {LIT("/allow/admin/{**}"), true, NULL},
      {LIT("/foo/{*}/bar/{**}"), true, NULL},
      {LIT("/store/{**}/cart"), true, NULL},
      {LIT("/foo/{**}/bar"), true, NULL},
      {LIT("/foo/{**}/"), true, NULL},
      {LIT("/foo/{*}"), true, NULL},
      {LIT("/foo/{**}"), true, NULL},
      {LIT("/{*}"), true, NULL},
      {LIT("/{**}"), true, NULL},
      {LIT("{**}"), true, NULL},
      {LIT("{*}/"), true, NULL},
      {LIT("/{*}/{*}/{*}"), true, NULL},
      {LIT("/{*}/{**}"), true, NULL},
      {LIT("/{**}/a/b"), true, NULL},
      /* strings.Trim removes every leading and trailing '/'. */
      {LIT("//foo/{*}//"), true, NULL},
      {LIT("/a-b._~%!$&'()+,;:@=/{*}"), true, NULL},
      {LIT("/v1/users/{*}/photos/IMG_01.jpg"), true, NULL},
      {LIT("/%2F/{*}"), true, NULL},
      {LIT("/foo"), true, NULL},
  };
  check_cases(t, NCASES(t));
}

static void test_check_invalid(void **state) {
  (void)state;
  static const tpl_case t[] = {
      {LIT(""), false, "empty"},
      {LIT("/"), false, "empty"},
      {LIT("//"), false, "empty"},
      {LIT("/foo//{*}"), false, "empty"},
      {LIT("/{*}//{*}"), false, "empty"},
      {LIT("/foo/{*}.txt"), false, "whole"},
      {LIT("/foo/x{*}"), false, "whole"},
      {LIT("/foo/{**}.txt"), false, "whole"},
      {LIT("/foo/{*}{*}"), false, "whole"},
      {LIT("/foo/{*}{**}"), false, "whole"},
      {LIT("/{**}/{**}"), false, "at most once"},
      {LIT("/{**}/a/{**}"), false, "at most once"},
      {LIT("/{**}/{*}"), false, "follow"},
      {LIT("/{**}/a/{*}"), false, "follow"},
      {LIT("/foo/{*}/ba*r"), false, "pchar"},
      {LIT("/foo/*/{*}"), false, "pchar"},
      {LIT("/foo/{*}/*"), false, "pchar"},
      {LIT("/foo/{*}/{bar}"), false, "pchar"},
      {LIT("/foo/{}/{*}"), false, "pchar"},
      {LIT("/foo/{*}/{"), false, "pchar"},
      {LIT("/foo/{*}/}"), false, "pchar"},
      {LIT("/foo/{***}"), false, "pchar"},
      {LIT("/foo/{ * }"), false, "pchar"},
      {LIT("/foo/{*}/a b"), false, "pchar"},
      {LIT("/foo/{*}/a#b"), false, "pchar"},
      {LIT("/foo/{*}/a?b"), false, "pchar"},
      {LIT("/foo/{*}/a\\b"), false, "pchar"},
      {LIT("/foo/{*}/a\"b"), false, "pchar"},
      {LIT("/foo/{*}/\xc3\xa9"), false, "pchar"},
      {LIT("/foo/{*}/a\0b"), false, "pchar"},
      {LIT("/foo/{*}/a\tb"), false, "pchar"},
      {LIT("/foo/{*}?q=1"), false, "whole"},
  };
  check_cases(t, NCASES(t));
  const char *why = NULL;
  assert_false(zt_pathtpl_check(NULL, 0, &why));
  assert_non_null(why);
}

static void test_check_long(void **state) {
  (void)state;
  /* Many segments, then the operators at the far end. */
  static char buf[40000];
  size_t n = 0;
  for (int i = 0; i < 5000; i++) {
    memcpy(buf + n, "/seg", 4);
    n += 4;
  }
  memcpy(buf + n, "/{*}/{**}", 9);
  assert_true(zt_pathtpl_check(buf, n + 9, NULL));
  memcpy(buf + n, "/{**}/{*}", 9);
  assert_false(zt_pathtpl_check(buf, n + 9, NULL));
  memset(buf, '/', sizeof buf);
  assert_false(zt_pathtpl_check(buf, sizeof buf, NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_is_template),
      cmocka_unit_test(test_check_valid),
      cmocka_unit_test(test_check_invalid),
      cmocka_unit_test(test_check_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
