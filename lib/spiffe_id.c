#include "spiffe_id.h"

#include <string.h>

static const char scheme[] = "spiffe://";
#define SCHEME_LEN (sizeof(scheme) - 1)

static const struct {
  const char *name, *text;
} errs[ZT_SPIFFE_ERR_COUNT] = {
    [ZT_SPIFFE_OK] = {"ok", "valid SPIFFE ID"},
    [ZT_SPIFFE_EMPTY] = {"empty", "SPIFFE ID is empty"},
    [ZT_SPIFFE_WRONG_SCHEME] = {"wrong_scheme",
                                "scheme is missing or not \"spiffe://\""},
    [ZT_SPIFFE_MISSING_TRUST_DOMAIN] = {"missing_trust_domain",
                                        "trust domain is missing"},
    [ZT_SPIFFE_BAD_TRUST_DOMAIN_CHAR] =
        {"bad_trust_domain_char",
         "trust domain characters are limited to lowercase letters, "
         "numbers, dots, dashes, and underscores"},
    [ZT_SPIFFE_BAD_PATH_SEGMENT_CHAR] =
        {"bad_path_segment_char", "path segment characters are limited to "
                                  "letters, numbers, dots, dashes, and "
                                  "underscores"},
    [ZT_SPIFFE_EMPTY_SEGMENT] = {"empty_segment",
                                 "path cannot contain empty segments"},
    [ZT_SPIFFE_DOT_SEGMENT] = {"dot_segment",
                               "path cannot contain dot segments"},
    [ZT_SPIFFE_TRAILING_SLASH] = {"trailing_slash",
                                  "path cannot have a trailing slash"},
    [ZT_SPIFFE_TRUST_DOMAIN_TOO_LONG] = {"trust_domain_too_long",
                                         "trust domain exceeds 255 bytes"},
    [ZT_SPIFFE_ID_TOO_LONG] = {"id_too_long", "SPIFFE ID exceeds 2048 bytes"},
};

const char *zt_spiffe_err_name(zt_spiffe_err e) {
  return (unsigned)e < ZT_SPIFFE_ERR_COUNT ? errs[e].name : "unknown";
}

const char *zt_spiffe_err_text(zt_spiffe_err e) {
  return (unsigned)e < ZT_SPIFFE_ERR_COUNT ? errs[e].text : "unknown";
}

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool td_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

static bool seg_char(char c) {
  return td_char(c) || (c >= 'A' && c <= 'Z');
}

static bool has_scheme(const char *s, size_t n, bool fold) {
  if (n < SCHEME_LEN)
    return false;
  for (size_t i = 0; i < SCHEME_LEN; i++)
    if ((fold ? lower(s[i]) : s[i]) != scheme[i])
      return false;
  return true;
}

/* Segments of a path that starts with '/' (or is empty). */
static zt_spiffe_err check_path(const char *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t start = ++i; /* past the '/' */
    while (i < n && p[i] != '/') {
      if (!seg_char(p[i]))
        return ZT_SPIFFE_BAD_PATH_SEGMENT_CHAR;
      i++;
    }
    size_t len = i - start;
    if (len == 0)
      return i == n ? ZT_SPIFFE_TRAILING_SLASH : ZT_SPIFFE_EMPTY_SEGMENT;
    if ((len == 1 && p[start] == '.') ||
        (len == 2 && p[start] == '.' && p[start + 1] == '.'))
      return ZT_SPIFFE_DOT_SEGMENT;
  }
  return ZT_SPIFFE_OK;
}

static zt_spiffe_err fail(zt_spiffe_id *out, zt_spiffe_err e) {
  out->td = out->path = (zt_str){NULL, 0};
  out->td_buf[0] = '\0';
  return e;
}

zt_spiffe_err zt_spiffe_parse(const char *s, size_t n, uint32_t flags,
                              zt_spiffe_id *out) {
  bool fold = (flags & ZT_SPIFFE_LENIENT) != 0;
  if (!s || n == 0)
    return fail(out, ZT_SPIFFE_EMPTY);
  if (!has_scheme(s, n, fold))
    return fail(out, ZT_SPIFFE_WRONG_SCHEME);
  const char *td = s + SCHEME_LEN, *end = s + n;
  const char *slash = memchr(td, '/', (size_t)(end - td));
  size_t td_len = (size_t)((slash ? slash : end) - td);
  for (size_t i = 0; i < td_len; i++)
    if (!td_char(fold ? lower(td[i]) : td[i]))
      return fail(out, ZT_SPIFFE_BAD_TRUST_DOMAIN_CHAR);
  if (td_len == 0)
    return fail(out, ZT_SPIFFE_MISSING_TRUST_DOMAIN);
  zt_spiffe_err e = check_path(td + td_len, (size_t)(end - td - td_len));
  if (e == ZT_SPIFFE_OK && td_len > ZT_SPIFFE_TD_MAX)
    e = ZT_SPIFFE_TRUST_DOMAIN_TOO_LONG;
  if (e == ZT_SPIFFE_OK && n > ZT_SPIFFE_ID_MAX)
    e = ZT_SPIFFE_ID_TOO_LONG;
  if (e != ZT_SPIFFE_OK)
    return fail(out, e);
  out->td = (zt_str){td, td_len};
  if (fold) {
    for (size_t i = 0; i < td_len; i++)
      out->td_buf[i] = lower(td[i]);
    out->td_buf[td_len] = '\0';
    out->td.ptr = out->td_buf;
  }
  out->path = (zt_str){td + td_len, (size_t)(end - td - td_len)};
  return ZT_SPIFFE_OK;
}

/* ":/" anywhere means an ID was given (go-spiffe's rule). */
static bool looks_like_id(const char *s, size_t n) {
  for (size_t i = 0; i + 1 < n; i++)
    if (s[i] == ':' && s[i + 1] == '/')
      return true;
  return false;
}

zt_spiffe_err zt_spiffe_trust_domain(const char *s, size_t n, uint32_t flags,
                                     zt_spiffe_id *out) {
  if (s && looks_like_id(s, n)) {
    zt_spiffe_err e = zt_spiffe_parse(s, n, flags, out);
    out->path = (zt_str){NULL, 0};
    return e;
  }
  bool fold = (flags & ZT_SPIFFE_LENIENT) != 0;
  if (!s || n == 0)
    return fail(out, ZT_SPIFFE_MISSING_TRUST_DOMAIN);
  for (size_t i = 0; i < n; i++)
    if (!td_char(fold ? lower(s[i]) : s[i]))
      return fail(out, ZT_SPIFFE_BAD_TRUST_DOMAIN_CHAR);
  if (n > ZT_SPIFFE_TD_MAX)
    return fail(out, ZT_SPIFFE_TRUST_DOMAIN_TOO_LONG);
  for (size_t i = 0; i < n; i++)
    out->td_buf[i] = lower(s[i]);
  out->td_buf[n] = '\0';
  out->td = (zt_str){out->td_buf, n};
  out->path = (zt_str){NULL, 0};
  return ZT_SPIFFE_OK;
}
