#include "principal.h"

#include <string.h>

/* The first occurrence of lit in s[from..n), or n. */
static size_t find(const char *s, size_t n, size_t from, const char *lit,
                   size_t k) {
  for (size_t i = from; i < n && n - i >= k; i++) {
    if (memcmp(s + i, lit, k) == 0)
      return i;
  }
  return n;
}

void zt_principal_split(const char *p, size_t n, zt_principal_parts *out) {
  if (out == NULL)
    return;
  out->td = NULL;
  out->td_len = 0;
  out->ns = NULL;
  out->ns_len = 0;
  if (p == NULL)
    return;
  size_t slash = find(p, n, 0, "/", 1);
  if (slash == n)
    return;
  if (slash > 0) {
    out->td = p;
    out->td_len = slash;
  }
  /* No '/' comes before the first one, so searching from there finds the
   * first "/ns/" of the whole principal, as Envoy's leftmost ".*" can. */
  size_t at = find(p, n, slash, "/ns/", 4);
  if (at == n)
    return;
  size_t start = at + 4;
  size_t end = find(p, n, start, "/", 1);
  if (end == n)
    return;
  out->ns = p + start;
  out->ns_len = end - start;
}

/*
 * The regex ".+/ns/<ns>/(.+/|)sa/<sa>(/.+)?" read as
 *   A "/ns/" NS "/" [B "/"] "sa/" SA ["/" C]
 * with A, B and C non-empty and free of '\n' (RE2's '.' does not match a
 * newline; any other byte is one character here, which only matters for
 * counting to one). Write j for the index of the '/' after NS and k for
 * the index of "sa/". A candidate j is valid when the text before it is
 * A "/ns/" NS; a candidate k is valid when "sa/" SA and an allowed tail
 * follow it. The pair matches when k == j + 1 (no B), or when j <= k - 3,
 * t[k - 1] == '/' and no '\n' lies in t[j + 1 .. k - 1). For a given k the
 * largest valid j <= k - 3 is the best one, so one sweep over k suffices:
 * a principal full of "/ns/" cannot make this quadratic.
 */

typedef struct sa_pattern {
  const char *p;
  size_t n;
  const char *ns;
  size_t ns_len;
  const char *sa;
  size_t sa_len;
  size_t first_nl; /* index of the first '\n', or n */
  size_t last_nl;  /* index of the last '\n', or n when there is none */
} sa_pattern;

static bool valid_j(const sa_pattern *m, size_t j) {
  if (j >= m->n || m->p[j] != '/' || j < 5 + m->ns_len)
    return false;
  size_t i = j - m->ns_len - 4; /* where "/ns/" starts; A = p[0..i) */
  return i <= m->first_nl && memcmp(m->p + i, "/ns/", 4) == 0 &&
         memcmp(m->p + i + 4, m->ns, m->ns_len) == 0;
}

static bool valid_k(const sa_pattern *m, size_t k) {
  if (m->n - k < 3 + m->sa_len || memcmp(m->p + k, "sa/", 3) != 0 ||
      memcmp(m->p + k + 3, m->sa, m->sa_len) != 0)
    return false;
  size_t e = k + 3 + m->sa_len;
  if (e == m->n)
    return true;
  /* "/" C: at least one byte after the '/', none of them a newline. */
  return m->p[e] == '/' && e + 1 < m->n &&
         (m->last_nl == m->n || m->last_nl <= e);
}

bool zt_principal_sa_match(const char *p, size_t n, const char *ns,
                           size_t ns_len, const char *sa, size_t sa_len) {
  if (p == NULL || (ns == NULL && ns_len > 0) || (sa == NULL && sa_len > 0))
    return false;
  sa_pattern m = {p, n, ns ? ns : "", ns_len, sa ? sa : "", sa_len, n, n};
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\n') {
      if (m.first_nl == n)
        m.first_nl = i;
      m.last_nl = i;
    }
  }
  size_t best_j = n;    /* the largest valid j <= k - 3, n if none */
  size_t nl_before = n; /* the last '\n' before k - 1, n if none */
  for (size_t k = 0; k < n; k++) {
    if (k >= 3 && valid_j(&m, k - 3))
      best_j = k - 3;
    if (k >= 2 && p[k - 2] == '\n')
      nl_before = k - 2;
    if (!valid_k(&m, k))
      continue;
    if (k >= 1 && valid_j(&m, k - 1))
      return true;
    if (best_j != n && p[k - 1] == '/' &&
        (nl_before == n || nl_before <= best_j))
      return true;
  }
  return false;
}
