/* The value parsers (IP/CIDR, ports, durations, timestamps, names, path
 * templates, patterns) on arbitrary bytes, with their invariants: a parsed
 * address formats and parses back to itself, a CIDR contains its own
 * address, a port is at most 65535. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipaddr.h"
#include "pathtpl.h"
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
  return 0;
}
