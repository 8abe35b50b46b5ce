#include "strmatch.h"

#include <string.h>

void zt_strm_compile(zt_strm *m, const char *s, size_t n) {
  m->s = s;
  m->len = (uint32_t)n;
  m->kind = ZT_SM_EXACT;
  if (n == 1 && s[0] == '*') {
    m->kind = ZT_SM_PRESENT;
    m->len = 0;
  } else if (n > 0 && s[0] == '*') {
    m->kind = ZT_SM_SUFFIX;
    m->s = s + 1;
    m->len = (uint32_t)(n - 1);
  } else if (n > 0 && s[n - 1] == '*') {
    m->kind = ZT_SM_PREFIX;
    m->len = (uint32_t)(n - 1);
  }
}

static inline unsigned char lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

bool zt_mem_ieq(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
      return false;
  return true;
}

/* The pattern is lowercase already, so only the value is folded. */
static bool ieq_lower(const char *pat, const char *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)pat[i] != lower((unsigned char)v[i]))
      return false;
  return true;
}

bool zt_strm_match(const zt_strm *m, const char *v, size_t n) {
  switch (m->kind) {
  case ZT_SM_EXACT:
    return n == m->len && (n == 0 || memcmp(v, m->s, n) == 0);
  case ZT_SM_PREFIX:
    return n >= m->len && (m->len == 0 || memcmp(v, m->s, m->len) == 0);
  case ZT_SM_SUFFIX:
    return n >= m->len &&
           (m->len == 0 || memcmp(v + n - m->len, m->s, m->len) == 0);
  default:
    return n > 0;
  }
}

bool zt_strm_match_icase(const zt_strm *m, const char *v, size_t n) {
  switch (m->kind) {
  case ZT_SM_EXACT:
    return n == m->len && ieq_lower(m->s, v, n);
  case ZT_SM_PREFIX:
    return n >= m->len && ieq_lower(m->s, v, m->len);
  case ZT_SM_SUFFIX:
    return n >= m->len && ieq_lower(m->s, v + n - m->len, m->len);
  default:
    return n > 0;
  }
}

bool zt_segs_add(zt_segs *v, const char *s, size_t n) {
  if (v->n >= ZT_SEGS_MAX)
    return false;
  v->part[v->n].ptr = s;
  v->part[v->n].len = n;
  v->n++;
  v->total += n;
  return true;
}

/* Whether the concatenation, from byte offset `at`, starts with p[0..n). */
static bool segs_eq_at(const zt_segs *v, size_t at, const char *p, size_t n) {
  size_t i = 0;
  while (i < v->n && at >= v->part[i].len)
    at -= v->part[i++].len;
  for (; n > 0 && i < v->n; i++, at = 0) {
    size_t take = v->part[i].len - at;
    if (take > n)
      take = n;
    if (take && memcmp(v->part[i].ptr + at, p, take) != 0)
      return false;
    p += take;
    n -= take;
  }
  return n == 0;
}

bool zt_strm_match_segs(const zt_strm *m, const zt_segs *v) {
  switch (m->kind) {
  case ZT_SM_EXACT:
    return v->total == m->len && segs_eq_at(v, 0, m->s, m->len);
  case ZT_SM_PREFIX:
    return v->total >= m->len && segs_eq_at(v, 0, m->s, m->len);
  case ZT_SM_SUFFIX:
    return v->total >= m->len && segs_eq_at(v, v->total - m->len, m->s, m->len);
  default:
    return v->total > 0;
  }
}
