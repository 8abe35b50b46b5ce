/* Peer identities as Istio's authorization matches them (istio-semantics.md
 * §8.2-§8.5). A principal here is a SPIFFE ID without its "spiffe://"
 * scheme: "<td>/ns/<ns>/sa/<sa>". Inputs are (s, n) byte ranges; nothing
 * allocates. */
#ifndef ZT_PRINCIPAL_H
#define ZT_PRINCIPAL_H

#include <stdbool.h>
#include <stddef.h>

/* The parts of a principal; a part that is not there has s == NULL. */
typedef struct zt_principal_parts {
  const char *td; /* up to the first '/' (non-empty) */
  size_t td_len;
  const char *ns; /* the segment after the first "/ns/" */
  size_t ns_len;
} zt_principal_parts;

/* Splits a principal: the trust domain is everything before the first
 * '/', when that is non-empty and a '/' follows; the namespace is the
 * segment that follows the first "/ns/" after the trust domain (up to the
 * next '/', which must exist, as in Envoy's ".*\/ns/<ns>/.*"). The
 * namespace is looked for even when the trust domain is empty
 * ("/ns/foo/..." has namespace "foo", as Envoy's leading ".*" allows), and
 * may be present but empty ("td/ns//..."). Only the first "/ns/" counts:
 * "td/ns/a/ns/b/" has namespace "a". The parts point into p. */
void zt_principal_split(const char *p, size_t n, zt_principal_parts *out);

/* Envoy's serviceAccounts match: the principal fully matches the regex
 * ".+/ns/<ns>/(.+/|)sa/<sa>(/.+)?" with ns and sa taken literally. As in
 * RE2, '.' is any character but '\n' (here any byte but '\n'), so a
 * newline anywhere a ".+" must cover fails the match. "sa/foo" never
 * matches sa "foo-bar" nor the other way round; an empty trust domain
 * never matches. Linear in n (times the name lengths). */
bool zt_principal_sa_match(const char *p, size_t n, const char *ns,
                           size_t ns_len, const char *sa, size_t sa_len);

#endif
