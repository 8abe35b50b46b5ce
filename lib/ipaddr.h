/* IP addresses and CIDR ranges for ipBlocks, remoteIpBlocks and the IP
 * `when` keys. Used on the request path: no allocation, no global state.
 * Text inputs are (s, n) byte ranges; (NULL, 0) is the empty string. */
#ifndef ZT_IPADDR_H
#define ZT_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct zt_ip {
  uint8_t family;    /* 4 or 6 */
  uint8_t bytes[16]; /* network order; IPv4 uses bytes[0..3] */
} zt_ip;

typedef struct zt_cidr {
  zt_ip addr; /* host bits cleared */
  uint8_t bits;
} zt_cidr;

/* A buffer this large always holds zt_ip_format()'s text and its NUL (the
 * same bound as INET6_ADDRSTRLEN). */
#define ZT_IP_FORMAT_MAX 46

/* An address as Go's netip.ParseAddr reads it, minus zones: strict dotted
 * IPv4 (no leading zeros), or IPv6 with optional "::" and an optional
 * trailing dotted IPv4. "::ffff:1.2.3.4" stays an IPv6 address. */
bool zt_ip_parse(const char *s, size_t n, zt_ip *out);

/* "addr/bits" as Go's netip.ParsePrefix reads it (bits without sign or
 * leading zeros, at most 32 or 128); host bits are accepted and cleared.
 * Without '/', one address as a /32 or /128. */
bool zt_cidr_parse(const char *s, size_t n, zt_cidr *out);

/* Whether ip lies in c. IPv4 and IPv6 never match each other, so an
 * IPv4-mapped IPv6 address is outside every IPv4 range. */
bool zt_cidr_contains(const zt_cidr *c, const zt_ip *ip);

/* Canonical text: dotted IPv4, or RFC 5952 IPv6 (lowercase, no leading
 * zeros, the first longest run of two or more zero groups as "::", and
 * "::ffff:a.b.c.d" for IPv4-mapped addresses). Writes at most len bytes,
 * always NUL-terminated when len > 0, and returns the number of characters
 * written before the NUL (less than the full text if len was too small;
 * ZT_IP_FORMAT_MAX always suffices). An invalid family writes "". */
size_t zt_ip_format(const zt_ip *ip, char *buf, size_t len);

/*
 * The original client of a request from its X-Forwarded-For value (all
 * occurrences joined with ','), trusting `hops` proxies, as Envoy's
 * xff_num_trusted_hops does: the hops-th address from the right. Returns
 * false when hops is 0, when the list has fewer than hops entries, or when
 * that entry (spaces and tabs around it removed) is not an address as
 * zt_ip_parse reads it (so no port, brackets or zone); the caller then
 * uses the directly connected peer. Entries are what lies between commas,
 * so an empty one counts and is not an address; entries other than the
 * chosen one are not examined. *out is written only on success; (NULL, 0)
 * is the empty value.
 */
bool zt_xff_client(const char *xff, size_t n, uint32_t hops, zt_ip *out);

#endif
