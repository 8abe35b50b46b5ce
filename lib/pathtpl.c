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

/* ---- Matching --------------------------------------------------------- */

/* Envoy's uri_template regex: "{*}" is [pchar]+, "{**}" is [pchar/]*,
 * every other template character is itself. pchar here is exactly the
 * check's literal set. */
static bool is_glob_char(unsigned char c) {
  return c == '/' || is_pchar(c);
}

/* The operator that starts at t[i]: 1 for "{*}", 2 for "{**}", 0 for a
 * literal character. */
static int op_at(const char *t, size_t n, size_t i) {
  if (n - i >= 4 && memcmp(t + i, "{**}", 4) == 0)
    return 2;
  if (n - i >= 3 && memcmp(t + i, "{*}", 3) == 0)
    return 1;
  return 0;
}

/* Matches the template before any "{**}" against the start of the path:
 * t[*ti...] against p[*pi...], stopping at "{**}" or the end of the
 * template. Deterministic because a valid template has "{*}" only as a
 * whole segment: [pchar]+ cannot cross the '/' (or the end) that follows
 * it, so it takes the whole path segment. */
static bool match_head(const char *t, size_t tn, size_t *ti, const char *p,
                       size_t pn, size_t *pi) {
  while (*ti < tn) {
    int op = op_at(t, tn, *ti);
    if (op == 2)
      return true;
    if (op == 1) {
      size_t start = *pi;
      while (*pi < pn && p[*pi] != '/') {
        if (!is_pchar((unsigned char)p[*pi]))
          return false;
        (*pi)++;
      }
      if (*pi == start)
        return false;
      *ti += 3;
      continue;
    }
    if (*pi >= pn || p[*pi] != t[*ti])
      return false;
    (*ti)++;
    (*pi)++;
  }
  return true;
}

bool zt_pathtpl_match(const char *tpl, size_t tn, const char *path, size_t pn) {
  if (tn == 0 || tpl == NULL)
    return false;
  if (path == NULL) { /* NULL + 0 would be undefined */
    path = "";
    pn = 0;
  }
  size_t ti = 0, pi = 0;
  if (!match_head(tpl, tn, &ti, path, pn, &pi))
    return false;
  if (ti == tn)
    return pi == pn;
  /* "{**}", then literals only: they must end the path, and what lies
   * between must be [pchar/]*. */
  const char *tail = tpl + ti + 4;
  size_t tail_n = tn - ti - 4;
  for (size_t i = 0; i < tail_n; i++) {
    if (op_at(tail, tail_n, i) != 0)
      return false; /* not a valid template: it matches nothing */
  }
  if (pn - pi < tail_n || memcmp(path + pn - tail_n, tail, tail_n) != 0)
    return false;
  for (size_t i = pi; i < pn - tail_n; i++) {
    if (!is_glob_char((unsigned char)path[i]))
      return false;
  }
  return true;
}
