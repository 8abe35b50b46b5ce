#include "pathtpl.h"

#include <string.h>

static bool equals(const char *s, size_t n, const char *lit) {
  return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool contains(const char *s, size_t n, const char *lit) {
  size_t k = strlen(lit);
  for (size_t i = 0; k <= n && i <= n - k; i++) {
    if (memcmp(s + i, lit, k) == 0)
      return true;
  }
  return false;
}

bool zt_pathtpl_is_template(const char *s, size_t n) {
  return contains(s, n, "{*}") || contains(s, n, "{**}");
}

/* RFC 3986 pchar minus '*' (which would read as a wildcard) and minus the
 * braces of the operators; '%' is allowed bare, as in Envoy's check. */
static bool is_pchar(unsigned char c) {
  static const char extra[] = "-._~%!$&'()+,;:@=";
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  return c != '\0' && memchr(extra, c, sizeof extra - 1) != NULL;
}

static bool is_literal(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!is_pchar((unsigned char)s[i]))
      return false;
  }
  return true;
}

typedef struct tpl_state {
  bool seen_globstar;
  const char *why;
} tpl_state;

static bool check_segment(const char *seg, size_t n, tpl_state *st) {
  if (n == 0) {
    st->why = "empty path segment";
    return false;
  }
  bool globstar = equals(seg, n, "{**}");
  if (globstar || equals(seg, n, "{*}")) {
    if (globstar && st->seen_globstar) {
      st->why = "'{**}' may appear at most once";
      return false;
    }
    if (st->seen_globstar) {
      st->why = "no '{*}' or '{**}' may follow '{**}'";
      return false;
    }
    st->seen_globstar = globstar;
    return true;
  }
  if (zt_pathtpl_is_template(seg, n)) {
    st->why = "'{*}' and '{**}' must be a whole path segment";
    return false;
  }
  if (!is_literal(seg, n)) {
    st->why = "path segment has a character outside RFC 3986 pchar "
              "(or a '*', '{', '}')";
    return false;
  }
  return true;
}

bool zt_pathtpl_check(const char *s, size_t n, const char **why) {
  if (n == 0) {
    if (why)
      *why = "empty path";
    return false;
  }
  size_t lo = 0, hi = n;
  while (lo < hi && s[lo] == '/')
    lo++;
  while (hi > lo && s[hi - 1] == '/')
    hi--;
  tpl_state st = {false, NULL};
  size_t start = lo;
  for (size_t i = lo; i <= hi; i++) {
    if (i < hi && s[i] != '/')
      continue;
    if (!check_segment(s + start, i - start, &st)) {
      if (why)
        *why = st.why;
      return false;
    }
    start = i + 1;
  }
  return true;
}
