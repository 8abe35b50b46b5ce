/* Syntax of Kubernetes and Istio scalar values, checked the way the API
 * server and the istiod webhook check them. Inputs are (s, n) byte ranges
 * that need not be NUL-terminated; (NULL, 0) is the empty string. Nothing
 * here allocates, prints or keeps state. Functions that take a `why` set it
 * to a static English reason on failure (when why is not NULL). */
#ifndef ZT_SYNTAX_H
#define ZT_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 1123 label, 1..63: [a-z0-9]([-a-z0-9]*[a-z0-9])? (namespace names). */
/* The value of hex digit c (either case): 0..15, or -1. */
int zt_syn_hex_digit(char c);

bool zt_syn_dns1123_label(const char *s, size_t n);
/* RFC 1123 subdomain, 1..253: dot-separated labels as above (object
 * names). Like Kubernetes, a single label is not limited to 63 here. */
bool zt_syn_dns1123_subdomain(const char *s, size_t n);

/* Unsigned decimal 0..65535, digits only (leading zeros allowed). */
bool zt_syn_port(const char *s, size_t n, uint32_t *out);
/* Exactly the spellings Go's strconv.ParseBool accepts. */
bool zt_syn_gobool(const char *s, size_t n, bool *out);

/* A Go time.ParseDuration string ("1h2m0.5s", "300ms", "0"). Negative
 * values and values above Go's int64 nanosecond range are rejected. *ms is
 * the value rounded down to milliseconds; *whole_ms tells whether nothing
 * was lost. Either output may be NULL. */
bool zt_syn_duration_ms(const char *s, size_t n, uint64_t *ms, bool *whole_ms);

/* An RFC 3339 date-time ("2024-05-01T10:00:00Z", "…T10:00:00.5+02:00") as
 * Kubernetes writes metadata.creationTimestamp, converted to Unix seconds
 * (fractions dropped, offset applied; a leap second 60 counts as the next
 * minute's 00). */
bool zt_syn_rfc3339(const char *s, size_t n, int64_t *unix_seconds);

/* ^[-_A-Za-z0-9]+$ (RequestAuthentication outputClaimToHeaders.header). */
bool zt_syn_header_name(const char *s, size_t n);
/* A non-empty RFC 9110 token (fromHeaders names). */
bool zt_syn_http_token(const char *s, size_t n);

/* targetRef kind: 1..63, ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$ */
bool zt_syn_target_kind(const char *s, size_t n);
/* targetRef group: empty (core), or a DNS subdomain of at most 253. */
bool zt_syn_target_group(const char *s, size_t n);

/* How Istio's generic string grammar reads a pattern. */
#define ZT_STAR_NONE 0    /* exact */
#define ZT_STAR_ANY 1     /* "*": present and non-empty */
#define ZT_STAR_PREFIX 2  /* "abc*" */
#define ZT_STAR_SUFFIX 3  /* "*abc" */
#define ZT_STAR_LITERAL 4 /* some '*' is taken literally ("a*b", "*a*") */
int zt_syn_star_position(const char *s, size_t n);

/* trustDomains / source.trustDomain values: non-empty, no '/', at most one
 * '*' and only as the first or last character. */
bool zt_syn_trust_domain_pattern(const char *s, size_t n, const char **why);
/* serviceAccounts / source.serviceAccount values: "sa" or "ns/sa". */
bool zt_syn_service_account(const char *s, size_t n, const char **why);
/* jwksUri: 1..2048, http or https, non-empty host, no spaces or controls. */
bool zt_syn_jwks_uri(const char *s, size_t n, const char **why);
/* Extension provider names: 1..63, [a-z0-9]([-a-z0-9]*[a-z0-9])? */
bool zt_syn_provider_name(const char *s, size_t n);

#endif
