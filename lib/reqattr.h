/*
 * The attributes of one request, read lazily: nothing is parsed, joined or
 * normalized until a policy asks for it, and then only once. Lives on the
 * decider's stack; no allocation. An attribute the host supplied in a
 * malformed way (an unparsable IP, an oversized path) sets err, which the
 * decision turns into a DENY.
 */
#ifndef ZT_REQATTR_H
#define ZT_REQATTR_H

#include <stdbool.h>
#include <stdint.h>

#include "ipaddr.h"
#include "json.h"
#include "principal.h"
#include "strmatch.h"
#include "ztauth.h"

#define ZT_REQ_PATH_MAX 8192   /* normalized path bytes */
#define ZT_REQ_XFF_MAX 2048    /* joined X-Forwarded-For bytes */
#define ZT_REQ_CLAIMS_MAX 8192 /* JWT claims JSON bytes */
#define ZT_REQ_CLAIM_TOKENS 512

typedef struct zt_reqattr {
  const zt_request *req;
  uint32_t path_mode;  /* ZT_PATH_* */
  uint32_t xff_hops;   /* trusted proxies */
  int err;             /* first ZT_E*; decisions deny once set */
  uint32_t err_reason; /* ZT_REASON_* for err */
  uint32_t done;       /* attributes already computed (bits) */
  /* peer identity */
  bool has_identity; /* mTLS with a non-empty peer name */
  bool spiffe;       /* the peer name is a SPIFFE ID */
  zt_str principal;  /* the SPIFFE ID without "spiffe://" */
  zt_principal_parts parts;
  /* addresses: 0 absent, 1 present */
  uint8_t ip_state[3];
  zt_ip ip[3]; /* source, remote, destination */
  /* path */
  zt_str path;
  char path_buf[ZT_REQ_PATH_MAX];
  /* JWT claims */
  bool claims_ok;
  zt_str iss, sub; /* empty when absent or not strings */
  bool has_iss, has_sub;
  zt_json_doc claims;
  const zt_json_doc *claims_doc; /* the claims in force (ours or verified) */
  const zt_str *space;           /* extra space-delimited claims */
  uint32_t n_space;
  zt_json_tok claim_tok[ZT_REQ_CLAIM_TOKENS];
  char claim_buf[ZT_REQ_CLAIMS_MAX];
} zt_reqattr;

#define ZT_IP_SOURCE 0
#define ZT_IP_REMOTE 1
#define ZT_IP_DEST 2

void zt_reqattr_init(zt_reqattr *ra, const zt_request *req, uint32_t path_mode,
                     uint32_t xff_hops);
/* Records the first failure; later ones keep it. */
void zt_reqattr_fail(zt_reqattr *ra, int err, uint32_t reason);

/* Peer identity (fills has_identity, spiffe, principal). */
void zt_reqattr_identity(zt_reqattr *ra);
/* The trust domain and namespace of a SPIFFE peer. */
const zt_principal_parts *zt_reqattr_parts(zt_reqattr *ra);
/* An address; NULL when absent (or on error). */
const zt_ip *zt_reqattr_ip(zt_reqattr *ra, int which);
/* The normalized path without query; false when there is none. */
bool zt_reqattr_path(zt_reqattr *ra, zt_str *out);
/* All occurrences of a header (lowercase name) joined with ','; false when
 * the header is absent. Pseudo-headers map to the request fields. */
bool zt_reqattr_header(zt_reqattr *ra, const char *name, size_t len,
                       zt_segs *out);
/* Uses the claims of a token request authentication verified (doc stays
 * valid for the decision), with the rule's extra space-delimited claims. */
void zt_reqattr_set_claims(zt_reqattr *ra, const zt_json_doc *doc, zt_str iss,
                           bool has_iss, zt_str sub, bool has_sub,
                           const zt_str *space, uint32_t n_space);

/* The parsed claims, or NULL when the request carries none. */
const zt_json_doc *zt_reqattr_claims(zt_reqattr *ra);

#endif
