/* Istio path templates ({*} and {**} in paths / notPaths, Istio >= 1.22).
 * Inputs are (s, n) byte ranges; (NULL, 0) is the empty string. */
#ifndef ZT_PATHTPL_H
#define ZT_PATHTPL_H

#include <stdbool.h>
#include <stddef.h>

/* Whether Istio reads the value as a template: it contains "{*}" or
 * "{**}". Other values use the generic exact/prefix/suffix grammar. */
bool zt_pathtpl_is_template(const char *s, size_t n);

/* Istio's template validation: after trimming leading and trailing '/',
 * every '/'-separated segment is exactly "{*}", exactly "{**}", or a
 * non-empty run of RFC 3986 pchar characters other than '*'; "{**}" occurs
 * at most once and no operator follows it (literals may). On failure *why
 * (when not NULL) is set to a static English reason. */
bool zt_pathtpl_check(const char *s, size_t n, const char **why);

/* Whether a valid template (zt_pathtpl_check) matches a whole path (already
 * normalized, without query): "{*}" matches one non-empty run of pchar,
 * "{**}" any run (possibly empty) of pchar and '/', literals match
 * themselves; the regex Envoy's uri_template builds. pchar is the check's
 * literal set, '%' and '=' included, so a path byte outside it (a space, a
 * byte >= 0x80) never matches an operator. Linear time. A template the
 * check rejects is not supported: the answer is safe but unspecified (two
 * "{**}", for instance, match nothing). */
bool zt_pathtpl_match(const char *tpl, size_t tn, const char *path, size_t pn);

#endif
