/* The value parsers (IP/CIDR, ports, durations, timestamps, names, path
 * templates, patterns) and the request-path readers (path normalization,
 * template matching, X-Forwarded-For, principals, token extraction from
 * headers, query parameters and cookies) on arbitrary bytes, with
 * their invariants: a parsed address formats and parses back to itself, a
 * CIDR contains its own address, a port is at most 65535, a normalized
 * path fits its buffer and normalizes to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "ipaddr.h"
#include "jwt_extract.h"
#include "pathnorm.h"
#include "pathtpl.h"
#include "principal.h"
#include "syntax.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ip(const char *s, size_t n) {
  zt_ip ip, again;
  zt_cidr c;
  char text[ZT_IP_FORMAT_MAX];
  if (zt_ip_parse(s, n, &ip)) {
    size_t len = zt_ip_format(&ip, text, sizeof(text));
    if (!zt_ip_parse(text, len, &again) || memcmp(&ip, &again, sizeof(ip)))
      abort();
  }
  if (zt_cidr_parse(s, n, &c)) {
    if (c.bits > (c.addr.family == 4 ? 32 : 128) ||
        !zt_cidr_contains(&c, &c.addr))
      abort();
  }
}

/* A valid template holds braces and stars only inside {*} and {**}. */
static void check_template(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (n - i >= 4 && memcmp(s + i, "{**}", 4) == 0)
      i += 3;
    else if (n - i >= 3 && memcmp(s + i, "{*}", 3) == 0)
      i += 2;
    else if (s[i] == '*' || s[i] == '{' || s[i] == '}')
      abort();
  }
}

/* Normalizing twice changes nothing, and nothing is written past cap. */
static void check_pathnorm(const char *s, size_t n) {
  static char out[8192 + 1], again[8192];
  for (uint32_t mode = ZT_PATH_NONE; mode <= ZT_PATH_DECODE_AND_MERGE_SLASHES;
       mode++) {
    size_t len = 0, len2 = 0;
    out[8192] = 'x';
    int rc = zt_pathnorm(mode, s, n, out, 8192, &len);
    if (out[8192] != 'x' || (rc == ZT_PATHNORM_OK && len > 8192))
      abort();
    if (rc != ZT_PATHNORM_OK || mode == ZT_PATH_NONE)
      continue;
    if (zt_pathnorm(mode, out, len, again, sizeof(again), &len2) !=
            ZT_PATHNORM_OK ||
        len2 != len || memcmp(out, again, len) != 0)
      abort();
  }
}

/* The input split in two: a template and a path; a principal and a
 * service account. */
static void check_request_values(const char *s, size_t n) {
  size_t half = n / 2;
  const char *why;
  if (zt_pathtpl_check(s, half, &why))
    (void)zt_pathtpl_match(s, half, s + half, n - half);
  zt_ip ip;
  (void)zt_xff_client(s, n, (uint32_t)(n % 5), &ip);
  zt_principal_parts parts;
  zt_principal_split(s, n, &parts);
  if ((parts.td && (parts.td < s || parts.td + parts.td_len > s + n)) ||
      (parts.ns && (parts.ns < s || parts.ns + parts.ns_len > s + n)))
    abort();
  (void)zt_principal_sa_match(s, half, s + half, (n - half) / 2,
                              s + half + (n - half) / 2,
                              n - half - (n - half) / 2);
}

typedef struct span {
  const char *lo, *hi; /* tokens must lie inside [lo, hi) or the buffer */
  const char *buf;
} span;

/* A token is never empty and lies inside the value it came from (or, for
 * a decoded parameter, inside the decoding buffer). */
static bool token_inside(void *ctx, zt_str t, bool tentative) {
  const span *sp = ctx;
  /* A tentative token starts and ends with token characters. */
  if (tentative && (!t.len || zt_token_run(t.ptr, 1) != 1 ||
                    zt_token_run(t.ptr + t.len - 1, 1) != 1))
    abort();
  bool in_value = t.ptr >= sp->lo && t.ptr + t.len <= sp->hi;
  bool in_buf =
      t.ptr >= sp->buf && t.ptr + t.len <= sp->buf + ZT_EXTRACT_PARAM_MAX;
  if (t.len == 0 || (!in_value && !in_buf))
    abort();
  return true;
}

/* The same bytes as a header value, a cookie header and a path. */
static void check_extract(const char *s, size_t n) {
  static char buf[ZT_EXTRACT_PARAM_MAX];
  zt_kv kv[2] = {{{"authorization", 13}, {s, n}}, {{"cookie", 6}, {s, n}}};
  zt_headers h = {kv, 2};
  zt_request req;
  memset(&req, 0, sizeof(req));
  req.header = zt_headers_get;
  req.header_ctx = &h;
  req.path = (zt_str){s, n};
  span sp = {s, s + n, buf};
  static const zt_tokloc locs[] = {
      {ZT_LOC_HEADER, true, {"authorization", 13}, {"Bearer ", 7}},
      {ZT_LOC_HEADER, false, {"authorization", 13}, {NULL, 0}},
      {ZT_LOC_PARAM, false, {"access_token", 12}, {NULL, 0}},
      {ZT_LOC_COOKIE, false, {"c", 1}, {NULL, 0}},
  };
  for (size_t i = 0; i < sizeof(locs) / sizeof(locs[0]); i++) {
    int rc = zt_extract(&locs[i], &req, token_inside, &sp, buf);
    if (rc != ZT_OK && !(rc == ZT_ELIMIT && locs[i].kind == ZT_LOC_PARAM))
      abort();
  }
}

/* The table decoder (token text) and the constant-time one (key
 * material) accept the same texts and give the same bytes. */
static void check_b64url(const char *s, size_t n) {
  static uint8_t a[8192], b[8192];
  size_t la = 0, lb = 0;
  bool ra = zt_b64url_decode(s, n, a, sizeof a, &la);
  bool rb = zt_b64url_decode_public(s, n, b, sizeof b, &lb);
  if (ra != rb || la != lb || (ra && la && memcmp(a, b, la) != 0))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  const char *why;
  uint32_t port;
  uint64_t ms;
  bool whole, b;
  int64_t t;
  check_ip(s, size);
  if (zt_syn_port(s, size, &port) && port > 65535)
    abort();
  if (zt_syn_duration_ms(s, size, &ms, &whole) && size == 0)
    abort();
  (void)zt_syn_rfc3339(s, size, &t);
  (void)zt_syn_gobool(s, size, &b);
  (void)zt_syn_dns1123_label(s, size);
  (void)zt_syn_dns1123_subdomain(s, size);
  (void)zt_syn_star_position(s, size);
  (void)zt_syn_trust_domain_pattern(s, size, &why);
  (void)zt_syn_service_account(s, size, &why);
  (void)zt_syn_jwks_uri(s, size, &why);
  if (zt_pathtpl_is_template(s, size) && zt_pathtpl_check(s, size, &why))
    check_template(s, size);
  check_pathnorm(s, size);
  check_request_values(s, size);
  check_extract(s, size);
  check_b64url(s, size);
  return 0;
}
