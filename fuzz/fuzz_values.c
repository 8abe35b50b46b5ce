/* The value parsers (IP/CIDR, ports, durations, timestamps, names, path
 * templates, patterns) and the request-path readers (path normalization,
 * template matching, X-Forwarded-For, principals) on arbitrary bytes, with
 * their invariants: a parsed address formats and parses back to itself, a
 * CIDR contains its own address, a port is at most 65535, a normalized
 * path fits its buffer and normalizes to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipaddr.h"
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
  return 0;
}
