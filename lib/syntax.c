#include "syntax.h"

/* Locale-independent character classes: <ctype.h> depends on the host's
 * locale and is undefined for negative char values. */
static bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

static bool is_lower(unsigned char c) {
  return c >= 'a' && c <= 'z';
}

static bool is_alpha(unsigned char c) {
  return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static bool is_lower_alnum(unsigned char c) {
  return is_lower(c) || is_digit(c);
}

static void set_why(const char **why, const char *reason) {
  if (why)
    *why = reason;
}

static size_t count_byte(const char *s, size_t n, char c) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += s[i] == c;
  return k;
}

/* ---- DNS names ------------------------------------------------------- */

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? with no length limit. */
static bool dns_label_chars(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!is_lower_alnum(c) && c != '-')
      return false;
  }
  return s[0] != '-' && s[n - 1] != '-';
}

/* Labels joined by single dots; no label limit, as in Kubernetes. */
static bool dns_labels(const char *s, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (!dns_label_chars(s + start, i - start))
        return false;
      start = i + 1;
    }
  }
  return true;
}

bool zt_syn_dns1123_label(const char *s, size_t n) {
  return n <= 63 && dns_label_chars(s, n);
}

bool zt_syn_dns1123_subdomain(const char *s, size_t n) {
  return n >= 1 && n <= 253 && dns_labels(s, n);
}

bool zt_syn_target_group(const char *s, size_t n) {
  return n == 0 || zt_syn_dns1123_subdomain(s, n);
}

bool zt_syn_provider_name(const char *s, size_t n) {
  return zt_syn_dns1123_label(s, n);
}

bool zt_syn_target_kind(const char *s, size_t n) {
  if (n == 0 || n > 63 || !is_alpha((unsigned char)s[0]))
    return false;
  for (size_t i = 1; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!is_alpha(c) && !is_digit(c) && c != '-')
      return false;
  }
  return s[n - 1] != '-';
}

/* ---- Numbers and booleans -------------------------------------------- */

bool zt_syn_port(const char *s, size_t n, uint32_t *out) {
  if (n == 0)
    return false;
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!is_digit(c))
      return false;
    /* v stays <= 65535 before each step, so v * 10 + 9 cannot wrap. */
    v = v * 10u + (uint32_t)(c - '0');
    if (v > 65535u)
      return false;
  }
  if (out)
    *out = v;
  return true;
}

static bool equals(const char *s, size_t n, const char *lit) {
  size_t i = 0;
  for (; i < n; i++) {
    if (lit[i] == '\0' || lit[i] != s[i])
      return false;
  }
  return lit[i] == '\0';
}

bool zt_syn_gobool(const char *s, size_t n, bool *out) {
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    bool t = equals(s, n, yes[i]);
    if (t || equals(s, n, no[i])) {
      if (out)
        *out = t;
      return true;
    }
  }
  return false;
}

/* ---- Durations ------------------------------------------------------- */

/* Go keeps durations as int64 nanoseconds; 2^63 is accepted mid-parse
 * because Go allows exactly -2^63. */
#define DUR_LIMIT ((uint64_t)1 << 63)

static uint64_t duration_unit(const char *u, size_t n) {
  static const struct {
    const char *name;
    uint64_t ns;
  } units[] = {
      {"ns", 1u},           {"us", 1000u},
      {"\xc2\xb5s", 1000u}, /* U+00B5 micro sign */
      {"\xce\xbcs", 1000u}, /* U+03BC Greek mu */
      {"ms", 1000000u},     {"s", 1000000000u},
      {"m", 60000000000u},  {"h", 3600000000000u},
  };
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (equals(u, n, units[i].name))
      return units[i].ns;
  }
  return 0;
}

/* floor(unit * 0.<digits>), exact: Horner's rule from the last digit, where
 * flooring at every step gives the same result as flooring once. */
static uint64_t fraction_ns(const char *d, size_t n, uint64_t unit) {
  uint64_t acc = 0;
  for (size_t i = n; i > 0; i--)
    acc = ((uint64_t)(d[i - 1] - '0') * unit + acc) / 10u;
  return acc;
}

/* One "<int>[.<frac>]<unit>" component starting at *pos; adds its
 * nanoseconds to *total. */
static bool duration_component(const char *s, size_t n, size_t *pos,
                               uint64_t *total) {
  size_t i = *pos;
  uint64_t whole = 0;
  bool overflow = false;
  size_t int_start = i;
  for (; i < n && is_digit((unsigned char)s[i]); i++) {
    if (whole > DUR_LIMIT / 10u)
      overflow = true;
    else
      whole = whole * 10u + (uint64_t)(s[i] - '0');
    if (whole > DUR_LIMIT)
      overflow = true;
  }
  bool has_int = i > int_start;
  size_t frac_start = i, frac_len = 0;
  if (i < n && s[i] == '.') {
    frac_start = ++i;
    for (; i < n && is_digit((unsigned char)s[i]); i++)
      frac_len++;
  }
  if (!has_int && frac_len == 0)
    return false;
  size_t unit_start = i;
  for (; i < n && s[i] != '.' && !is_digit((unsigned char)s[i]); i++)
    ;
  uint64_t unit = duration_unit(s + unit_start, i - unit_start);
  if (unit == 0 || overflow || whole > DUR_LIMIT / unit)
    return false;
  uint64_t v = whole * unit + fraction_ns(s + frac_start, frac_len, unit);
  if (v > DUR_LIMIT || *total > DUR_LIMIT - v)
    return false;
  *total += v;
  *pos = i;
  return true;
}

bool zt_syn_duration_ms(const char *s, size_t n, uint64_t *ms, bool *whole_ms) {
  size_t i = 0;
  bool neg = false;
  if (n > 0 && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    i = 1;
  }
  uint64_t total = 0;
  if (n - i == 1 && s[i] == '0') {
    i = n; /* Go's special case: a bare "0" needs no unit. */
  } else if (i == n) {
    return false;
  }
  while (i < n) {
    if (!duration_component(s, n, &i, &total))
      return false;
  }
  /* "-0s" is zero, not negative; any other '-' value is. */
  if ((neg && total != 0) || total > (uint64_t)INT64_MAX)
    return false;
  if (ms)
    *ms = total / 1000000u;
  if (whole_ms)
    *whole_ms = total % 1000000u == 0;
  return true;
}

/* ---- Timestamps ------------------------------------------------------ */

/* Exactly k decimal digits at s[*pos]; advances *pos. */
static bool fixed_digits(const char *s, size_t n, size_t *pos, size_t k,
                         uint32_t *out) {
  uint32_t v = 0;
  if (n - *pos < k)
    return false;
  for (size_t i = 0; i < k; i++) {
    unsigned char c = (unsigned char)s[*pos + i];
    if (!is_digit(c))
      return false;
    v = v * 10u + (uint32_t)(c - '0');
  }
  *pos += k;
  *out = v;
  return true;
}

static bool expect(const char *s, size_t n, size_t *pos, char c) {
  if (*pos >= n || s[*pos] != c)
    return false;
  (*pos)++;
  return true;
}

static bool is_leap(uint32_t y) {
  return (y % 4u == 0 && y % 100u != 0) || y % 400u == 0;
}

static uint32_t days_in_month(uint32_t y, uint32_t m) {
  static const uint8_t days[12] = {31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29u : days[m - 1];
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar. Counting
 * years from March puts the leap day last, so 400-year eras are uniform. */
static int64_t days_from_civil(uint32_t y, uint32_t m, uint32_t d) {
  int64_t yy = (int64_t)y - (m <= 2 ? 1 : 0);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;                         /* 0..399 */
  int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9; /* Mar = 0 */
  int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;    /* 0..365 */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* 0..146096 */
  return era * 146097 + doe - 719468;
}

typedef struct civil {
  uint32_t year, month, day, hour, min, sec;
} civil;

static bool parse_date(const char *s, size_t n, size_t *pos, civil *c) {
  if (!fixed_digits(s, n, pos, 4, &c->year) || !expect(s, n, pos, '-') ||
      !fixed_digits(s, n, pos, 2, &c->month) || !expect(s, n, pos, '-') ||
      !fixed_digits(s, n, pos, 2, &c->day))
    return false;
  return c->month >= 1 && c->month <= 12 && c->day >= 1 &&
         c->day <= days_in_month(c->year, c->month);
}

static bool parse_time(const char *s, size_t n, size_t *pos, civil *c) {
  if (!fixed_digits(s, n, pos, 2, &c->hour) || !expect(s, n, pos, ':') ||
      !fixed_digits(s, n, pos, 2, &c->min) || !expect(s, n, pos, ':') ||
      !fixed_digits(s, n, pos, 2, &c->sec))
    return false;
  if (c->hour > 23 || c->min > 59 || c->sec > 60)
    return false;
  if (*pos < n && s[*pos] == '.') {
    size_t start = ++(*pos);
    while (*pos < n && is_digit((unsigned char)s[*pos]))
      (*pos)++;
    if (*pos == start)
      return false;
  }
  return true;
}

/* "Z" or "+hh:mm" / "-hh:mm", as seconds east of UTC. */
static bool parse_offset(const char *s, size_t n, size_t *pos, int64_t *east) {
  if (expect(s, n, pos, 'Z')) {
    *east = 0;
    return true;
  }
  if (*pos >= n || (s[*pos] != '+' && s[*pos] != '-'))
    return false;
  bool neg = s[(*pos)++] == '-';
  uint32_t h, m;
  if (!fixed_digits(s, n, pos, 2, &h) || !expect(s, n, pos, ':') ||
      !fixed_digits(s, n, pos, 2, &m) || h > 23 || m > 59)
    return false;
  int64_t off = (int64_t)h * 3600 + (int64_t)m * 60;
  *east = neg ? -off : off;
  return true;
}

bool zt_syn_rfc3339(const char *s, size_t n, int64_t *unix_seconds) {
  size_t pos = 0;
  civil c;
  int64_t east;
  if (!parse_date(s, n, &pos, &c) || !expect(s, n, &pos, 'T') ||
      !parse_time(s, n, &pos, &c) || !parse_offset(s, n, &pos, &east) ||
      pos != n)
    return false;
  if (unix_seconds) {
    int64_t days = days_from_civil(c.year, c.month, c.day);
    *unix_seconds = days * 86400 + (int64_t)c.hour * 3600 +
                    (int64_t)c.min * 60 + (int64_t)c.sec - east;
  }
  return true;
}

/* ---- HTTP names ------------------------------------------------------ */

bool zt_syn_header_name(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
      return false;
  }
  return true;
}

static bool is_tchar(unsigned char c) {
  static const char extra[] = "!#$%&'*+-.^_`|~";
  if (is_alpha(c) || is_digit(c))
    return true;
  for (size_t i = 0; i + 1 < sizeof extra; i++) {
    if ((unsigned char)extra[i] == c)
      return true;
  }
  return false;
}

bool zt_syn_http_token(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    if (!is_tchar((unsigned char)s[i]))
      return false;
  }
  return true;
}

/* ---- Policy value patterns ------------------------------------------- */

int zt_syn_star_position(const char *s, size_t n) {
  size_t stars = count_byte(s, n, '*');
  if (stars == 0)
    return ZT_STAR_NONE;
  if (n == 1)
    return ZT_STAR_ANY;
  if (stars == 1 && s[n - 1] == '*')
    return ZT_STAR_PREFIX;
  if (stars == 1 && s[0] == '*')
    return ZT_STAR_SUFFIX;
  return ZT_STAR_LITERAL;
}

bool zt_syn_trust_domain_pattern(const char *s, size_t n, const char **why) {
  if (n == 0) {
    set_why(why, "trust domain must not be empty");
    return false;
  }
  if (count_byte(s, n, '/') != 0) {
    set_why(why, "trust domain must not contain '/'");
    return false;
  }
  if (count_byte(s, n, '*') > 1) {
    set_why(why, "trust domain may contain at most one '*'");
    return false;
  }
  int star = zt_syn_star_position(s, n);
  if (star == ZT_STAR_LITERAL) {
    set_why(why, "'*' is only allowed at the start or end of a trust domain");
    return false;
  }
  return true;
}

bool zt_syn_service_account(const char *s, size_t n, const char **why) {
  if (n == 0) {
    set_why(why, "service account must not be empty");
    return false;
  }
  if (n > 320) {
    set_why(why, "service account is longer than 320 characters");
    return false;
  }
  if (count_byte(s, n, '*') != 0) {
    set_why(why, "service account must not contain '*'");
    return false;
  }
  size_t slashes = count_byte(s, n, '/');
  if (slashes > 1) {
    set_why(why, "service account must be <name> or <namespace>/<name>");
    return false;
  }
  if (slashes == 1 && (s[0] == '/' || s[n - 1] == '/')) {
    set_why(why, "service account namespace and name must not be empty");
    return false;
  }
  return true;
}

/* Case-insensitive match of an ASCII lowercase literal. */
static bool starts_with_ci(const char *s, size_t n, const char *lit) {
  size_t i = 0;
  for (; lit[i] != '\0'; i++) {
    if (i >= n)
      return false;
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z')
      c = (unsigned char)(c - 'A' + 'a');
    if (c != (unsigned char)lit[i])
      return false;
  }
  return true;
}

/* Length of "http://" or "https://" at the start, 0 if neither. */
static size_t http_scheme_len(const char *s, size_t n) {
  if (starts_with_ci(s, n, "http://"))
    return 7;
  if (starts_with_ci(s, n, "https://"))
    return 8;
  return 0;
}

/* The authority ends at the path, query or fragment. Userinfo and port are
 * not part of the host, so "http://user@:80/" has an empty host. */
static bool authority_has_host(const char *s, size_t n) {
  size_t end = 0;
  while (end < n && s[end] != '/' && s[end] != '?' && s[end] != '#')
    end++;
  size_t start = 0;
  for (size_t i = 0; i < end; i++) {
    if (s[i] == '@')
      start = i + 1;
  }
  if (start < end && s[start] == '[')
    return end - start > 2; /* "[" addr "]" */
  return start < end && s[start] != ':';
}

bool zt_syn_jwks_uri(const char *s, size_t n, const char **why) {
  if (n == 0 || n > 2048) {
    set_why(why, "jwksUri must be 1 to 2048 characters long");
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f) {
      set_why(why, "jwksUri must not contain spaces or control characters");
      return false;
    }
  }
  size_t skip = http_scheme_len(s, n);
  if (skip == 0) {
    set_why(why, "jwksUri must use the http or https scheme");
    return false;
  }
  if (!authority_has_host(s + skip, n - skip)) {
    set_why(why, "jwksUri must name a host");
    return false;
  }
  return true;
}

int zt_syn_hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}
