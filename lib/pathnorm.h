/* Request path normalization as Istio configures Envoy
 * (meshConfig.pathNormalization, istio-semantics.md §8.11). Used on the
 * request path: no allocation; the caller lends the output buffer. */
#ifndef ZT_PATHNORM_H
#define ZT_PATHNORM_H

#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

#define ZT_PATHNORM_OK 0
#define ZT_PATHNORM_REJECT 1   /* Envoy answers 400 (e.g. "%00") */
#define ZT_PATHNORM_TOO_LONG 2 /* the result does not fit in cap bytes */

/*
 * Normalizes the path of a request target for matching `paths`: the query
 * ('?...') and fragment ('#...') are cut off first, then mode (ZT_PATH_*)
 * applies:
 *  - NONE: the path as received.
 *  - BASE: Envoy's normalize_path, which is Chromium's path canonicalizer:
 *    '\' becomes '/'; percent-encoded unreserved characters (ALPHA, DIGIT,
 *    '-', '.', '_', '~'; hex in either case) are decoded once; other
 *    escapes stay exactly as written (hex case kept), and so does a '%'
 *    that begins no escape, except that a stray '%' which a decoded digit
 *    would turn into an escape ("%%34%31") is written "%25"; raw control
 *    characters, space, bytes >= 0x7f and '"' '<' '>' '^' '`' '{' '|' '}'
 *    are percent-encoded ("%20", upper-case hex); "%00" or a raw NUL
 *    anywhere rejects; RFC 3986 dot-segment removal, where "%2e" counts as
 *    a dot ("/a/%2e%2e/b" is "/b") and ".." never climbs above the root.
 *    A path that does not start with '/' (or '\') gets one, as Chromium
 *    does ("a/../b" and "" become "/b" and "/"). Envoy itself answers 404
 *    to such a request before normalizing it; a host that forwards one
 *    anyway gets the path its upstream would most likely see.
 *  - MERGE_SLASHES: BASE, then Envoy's merge_slashes: runs of '/' become
 *    one; like Envoy, a result made only of slashes ("//", "/a/..//")
 *    becomes "//", and slashes are merged after ".." is applied
 *    ("/a//../b" is "/a/b").
 *  - DECODE_AND_MERGE_SLASHES: "%2F"/"%2f" to '/' and "%5C"/"%5c" to '\'
 *    before everything else, then MERGE_SLASHES.
 * Writes the result to out (not NUL-terminated; out may be NULL when cap
 * is 0; path and out must not overlap) and its length to *out_len (when
 * out_len is not NULL; 0 on failure). Returns ZT_PATHNORM_OK, or
 * ZT_PATHNORM_REJECT (also for an unknown mode), or ZT_PATHNORM_TOO_LONG
 * when the result is longer than cap; a path that rejects does so whatever
 * cap is. (NULL, 0) is the empty path. The result is at most 3 * n + 1
 * bytes.
 */
int zt_pathnorm(uint32_t mode, const char *path, size_t n, char *out,
                size_t cap, size_t *out_len);

#endif
