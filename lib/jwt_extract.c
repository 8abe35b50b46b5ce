#include "jwt_extract.h"

#include <string.h>

#include "syntax.h"

static int kind_rank(uint8_t k) {
  return k == ZT_LOC_HEADER ? 0 : k == ZT_LOC_PARAM ? 1 : 2;
}

static int str_cmp(zt_str a, zt_str b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
  if (c)
    return c;
  return a.len < b.len ? -1 : a.len > b.len;
}

int zt_tokloc_cmp(const zt_tokloc *a, const zt_tokloc *b) {
  int c = kind_rank(a->kind) - kind_rank(b->kind);
  if (c)
    return c;
  c = str_cmp(a->name, b->name);
  return c ? c : str_cmp(a->prefix, b->prefix);
}

static bool token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* First occurrence of p in v at or after 0; SIZE_MAX when absent. */
static size_t find(zt_str v, zt_str p, bool icase) {
  if (p.len > v.len)
    return SIZE_MAX;
  /* "Bearer " as written, at the start: nearly every request */
  if (memcmp(v.ptr, p.ptr, p.len) == 0)
    return 0;
  for (size_t i = 0; i + p.len <= v.len; i++) {
    size_t j = 0;
    while (j < p.len && (icase ? lower(v.ptr[i + j]) == lower(p.ptr[j])
                               : v.ptr[i + j] == p.ptr[j]))
      j++;
    if (j == p.len)
      return i;
  }
  return SIZE_MAX;
}

size_t zt_token_run(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && token_char(s[i]))
    i++;
  return i;
}

/* The token in one header value, or false when the prefix is not there:
 * after the prefix, the first run of base64url characters and dots
 * (istio-semantics.md §9.2), so "Bearer a.b.c, extra" yields "a.b.c".
 * When the value ends with a token character the run may well reach the
 * end: the rest of the value is given as tentative, unscanned. */
static bool from_value(const zt_tokloc *loc, zt_str v, zt_str *tok,
                       bool *tentative) {
  *tentative = false;
  if (!loc->prefix.len) {
    *tok = v;
    return v.len > 0;
  }
  size_t at = find(v, loc->prefix, loc->icase);
  if (at == SIZE_MAX)
    return false;
  size_t i = at + loc->prefix.len;
  while (i < v.len && !token_char(v.ptr[i]))
    i++;
  *tok = (zt_str){v.ptr + i, v.len - i};
  if (!tok->len)
    return false;
  *tentative = token_char(v.ptr[v.len - 1]);
  if (!*tentative)
    tok->len = zt_token_run(tok->ptr, tok->len);
  return true;
}

static int from_headers(const zt_tokloc *loc, const zt_request *req,
                        zt_token_fn fn, void *ctx) {
  for (size_t i = 0; req->header && i < ZT_EXTRACT_VALUES_MAX; i++) {
    zt_str v = {NULL, 0}, tok;
    bool tentative;
    if (req->header(req->header_ctx, loc->name.ptr, loc->name.len, i, &v) != 1)
      break;
    if (from_value(loc, v, &tok, &tentative) && !fn(ctx, tok, tentative))
      break;
  }
  return ZT_OK;
}

/* Percent-decodes (s, n) into buf (cap bytes); an invalid escape stays as
 * written. False when the result does not fit. */
static bool pct_decode(const char *s, size_t n, char *buf, size_t cap,
                       size_t *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (o == cap)
      return false;
    int hi = -1, lo = -1;
    if (s[i] == '%' && n - i > 2) {
      hi = zt_syn_hex_digit(s[i + 1]);
      lo = zt_syn_hex_digit(s[i + 2]);
    }
    if (hi >= 0 && lo >= 0) {
      buf[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      buf[o++] = s[i];
    }
  }
  *out = o;
  return true;
}

static bool is(const char *s, size_t n, zt_str name) {
  return n == name.len && (n == 0 || memcmp(s, name.ptr, n) == 0);
}

/* Query parameters of the path: the first whose decoded name is loc's. */
static int from_param(const zt_tokloc *loc, const zt_request *req,
                      zt_token_fn fn, void *ctx, char *buf) {
  const char *p = req->path.ptr;
  const char *q = p ? memchr(p, '?', req->path.len) : NULL;
  if (!q)
    return ZT_OK;
  const char *end = p + req->path.len;
  for (const char *s = q + 1; s < end;) {
    const char *amp = memchr(s, '&', (size_t)(end - s));
    const char *e = amp ? amp : end;
    const char *eq = memchr(s, '=', (size_t)(e - s));
    const char *ke = eq ? eq : e;
    char key[256];
    size_t klen, n;
    if (pct_decode(s, (size_t)(ke - s), key, sizeof(key), &klen) &&
        is(key, klen, loc->name)) {
      const char *v = eq ? eq + 1 : e;
      if (!pct_decode(v, (size_t)(e - v), buf, ZT_EXTRACT_PARAM_MAX, &n))
        return ZT_ELIMIT;
      if (n)
        fn(ctx, (zt_str){buf, n}, false);
      return ZT_OK;
    }
    s = e + 1;
  }
  return ZT_OK;
}

static const char *skip_ws(const char *s, const char *e) {
  while (s < e && (*s == ' ' || *s == '\t'))
    s++;
  return s;
}

/* The value of cookie name in one Cookie header ("a=1; b=\"2\""). */
static bool cookie_in(zt_str h, zt_str name, zt_str *out) {
  const char *s = h.ptr, *end = h.ptr + h.len;
  while (s && s < end) {
    s = skip_ws(s, end);
    const char *semi = memchr(s, ';', (size_t)(end - s));
    const char *e = semi ? semi : end;
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (eq && is(s, (size_t)(eq - s), name)) {
      const char *v = eq + 1;
      if (e - v >= 2 && *v == '"' && e[-1] == '"') {
        v++;
        e--;
      }
      *out = (zt_str){v, (size_t)(e - v)};
      return true;
    }
    s = semi ? semi + 1 : NULL;
  }
  return false;
}

static int from_cookie(const zt_tokloc *loc, const zt_request *req,
                       zt_token_fn fn, void *ctx) {
  for (size_t i = 0; req->header && i < ZT_EXTRACT_VALUES_MAX; i++) {
    zt_str h = {NULL, 0}, v;
    if (req->header(req->header_ctx, "cookie", 6, i, &h) != 1)
      break;
    if (h.ptr && cookie_in(h, loc->name, &v)) {
      if (v.len)
        fn(ctx, v, false);
      break;
    }
  }
  return ZT_OK;
}

int zt_extract(const zt_tokloc *loc, const zt_request *req, zt_token_fn fn,
               void *ctx, char *buf) {
  switch (loc->kind) {
  case ZT_LOC_HEADER:
    return from_headers(loc, req, fn, ctx);
  case ZT_LOC_PARAM:
    return from_param(loc, req, fn, ctx, buf);
  default:
    return from_cookie(loc, req, fn, ctx);
  }
}
