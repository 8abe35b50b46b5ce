#include "reqattr.h"

#include <string.h>

#include "pathnorm.h"

#define DONE_IDENTITY 0x1u
#define DONE_IP(i) (0x2u << (i))
#define DONE_PATH 0x10u
#define DONE_CLAIMS 0x20u
#define DONE_PARTS 0x40u

void zt_reqattr_init(zt_reqattr *ra, const zt_request *req, uint32_t path_mode,
                     uint32_t xff_hops) {
  /* Only the small members: the buffers are written before being read. */
  ra->req = req;
  ra->path_mode = path_mode;
  ra->xff_hops = xff_hops;
  ra->err = ZT_OK;
  ra->err_reason = 0;
  ra->done = 0;
  ra->claims_ok = false;
  ra->claims_doc = NULL;
  ra->space = NULL;
  ra->n_space = 0;
}

void zt_reqattr_fail(zt_reqattr *ra, int err, uint32_t reason) {
  if (ra->err == ZT_OK) {
    ra->err = err;
    ra->err_reason = reason;
  }
}

void zt_reqattr_identity(zt_reqattr *ra) {
  if (ra->done & DONE_IDENTITY)
    return;
  ra->done |= DONE_IDENTITY;
  const zt_request *r = ra->req;
  ra->has_identity = r->mtls && r->peer_id.len > 0;
  ra->spiffe = ra->has_identity && r->peer_id.len > 9 &&
               memcmp(r->peer_id.ptr, "spiffe://", 9) == 0;
  ra->principal = (zt_str){NULL, 0};
  if (ra->spiffe)
    ra->principal = (zt_str){r->peer_id.ptr + 9, r->peer_id.len - 9};
}

const zt_principal_parts *zt_reqattr_parts(zt_reqattr *ra) {
  zt_reqattr_identity(ra);
  if (!(ra->done & DONE_PARTS)) {
    ra->done |= DONE_PARTS;
    memset(&ra->parts, 0, sizeof(ra->parts));
    if (ra->spiffe)
      zt_principal_split(ra->principal.ptr, ra->principal.len, &ra->parts);
  }
  return &ra->parts;
}

/* X-Forwarded-For, all occurrences joined, then the trusted-hops rule. */
static bool remote_from_xff(zt_reqattr *ra, zt_ip *out) {
  const zt_request *r = ra->req;
  if (ra->xff_hops == 0 || !r->header)
    return false;
  zt_segs xff;
  zt_segs_init(&xff);
  if (!zt_reqattr_header(ra, "x-forwarded-for", 15, &xff))
    return false;
  if (xff.n == 1)
    return zt_xff_client(xff.part[0].ptr, xff.part[0].len, ra->xff_hops, out);
  char buf[ZT_REQ_XFF_MAX];
  if (xff.total > sizeof(buf)) {
    zt_reqattr_fail(ra, ZT_ELIMIT, ZT_REASON_REQUEST_LIMIT);
    return false;
  }
  size_t at = 0;
  for (size_t i = 0; i < xff.n; i++) {
    if (xff.part[i].len)
      memcpy(buf + at, xff.part[i].ptr, xff.part[i].len);
    at += xff.part[i].len;
  }
  return zt_xff_client(buf, at, ra->xff_hops, out);
}

static bool parse_ip(zt_reqattr *ra, zt_str s, zt_ip *out) {
  if (s.len == 0)
    return false;
  if (zt_ip_parse(s.ptr, s.len, out))
    return true;
  zt_reqattr_fail(ra, ZT_EINVAL, ZT_REASON_INVALID_ARGUMENT);
  return false;
}

const zt_ip *zt_reqattr_ip(zt_reqattr *ra, int which) {
  if (!(ra->done & DONE_IP(which))) {
    ra->done |= DONE_IP(which);
    const zt_request *r = ra->req;
    bool ok;
    if (which == ZT_IP_SOURCE)
      ok = parse_ip(ra, r->source_ip, &ra->ip[which]);
    else if (which == ZT_IP_DEST)
      ok = parse_ip(ra, r->destination_ip, &ra->ip[which]);
    else if (r->remote_ip.len)
      ok = parse_ip(ra, r->remote_ip, &ra->ip[which]);
    else if (remote_from_xff(ra, &ra->ip[which]))
      ok = true;
    else {
      const zt_ip *src = zt_reqattr_ip(ra, ZT_IP_SOURCE);
      ok = src != NULL;
      if (ok)
        ra->ip[which] = *src;
    }
    ra->ip_state[which] = ok;
  }
  return ra->ip_state[which] ? &ra->ip[which] : NULL;
}

/* RFC 3986 pchar without '%', and '/': bytes no normalization changes. */
static bool plain_path_char(unsigned char c) {
  static const uint32_t plain[8] = {
      0x00000000u, 0x2fffffd2u, 0x87ffffffu, 0x47fffffeu, 0, 0, 0, 0};
  return (plain[c >> 5] >> (c & 31)) & 1u;
}

/* Most paths are already normal: only plain characters, no dot segments
 * and (when merging) no repeated slashes. Those are used in place. */
static bool already_normal(const char *p, size_t n, uint32_t mode,
                           size_t *len) {
  size_t i = 0;
  for (; i < n && p[i] != '?' && p[i] != '#'; i++) {
    char c = p[i];
    if (c == '\0' || !plain_path_char((unsigned char)c))
      return false;
    if (c == '.' && i > 0 && p[i - 1] == '/')
      return false;
    if (c == '/' && i > 0 && p[i - 1] == '/' && mode >= ZT_PATH_MERGE_SLASHES)
      return false;
  }
  *len = i;
  return n > 0 && p[0] == '/';
}

bool zt_reqattr_path(zt_reqattr *ra, zt_str *out) {
  const zt_request *r = ra->req;
  if (!(ra->done & DONE_PATH)) {
    ra->done |= DONE_PATH;
    size_t n = 0;
    if (ra->path_mode == ZT_PATH_NONE) {
      while (n < r->path.len && r->path.ptr[n] != '?' && r->path.ptr[n] != '#')
        n++;
      ra->path = (zt_str){r->path.ptr, n};
      *out = ra->path;
      return r->path.len > 0 && ra->err == ZT_OK;
    }
    if (already_normal(r->path.ptr, r->path.len, ra->path_mode, &n)) {
      ra->path = (zt_str){r->path.ptr, n};
      *out = ra->path;
      return ra->err == ZT_OK;
    }
    int rc = r->path.len ? zt_pathnorm(ra->path_mode, r->path.ptr, r->path.len,
                                       ra->path_buf, sizeof(ra->path_buf), &n)
                         : ZT_PATHNORM_OK;
    if (rc == ZT_PATHNORM_REJECT)
      zt_reqattr_fail(ra, ZT_EINVAL, ZT_REASON_BAD_REQUEST);
    else if (rc != ZT_PATHNORM_OK)
      zt_reqattr_fail(ra, ZT_ELIMIT, ZT_REASON_REQUEST_LIMIT);
    ra->path = (zt_str){ra->path_buf, rc == ZT_PATHNORM_OK ? n : 0};
  }
  *out = ra->path;
  return r->path.len > 0 && ra->err == ZT_OK;
}

static bool pseudo(zt_str v, zt_segs *out) {
  if (!v.ptr && !v.len)
    return false;
  return zt_segs_add(out, v.ptr ? v.ptr : "", v.len);
}

bool zt_reqattr_header(zt_reqattr *ra, const char *name, size_t len,
                       zt_segs *out) {
  const zt_request *r = ra->req;
  zt_segs_init(out);
  if (len > 0 && name[0] == ':') {
    if (len == 7 && memcmp(name, ":method", 7) == 0)
      return pseudo(r->method, out);
    if (len == 5 && memcmp(name, ":path", 5) == 0)
      return pseudo(r->path, out);
    if (len == 10 && memcmp(name, ":authority", 10) == 0)
      return pseudo(r->authority, out);
    if (len == 7 && memcmp(name, ":scheme", 7) == 0)
      return false;
  }
  if (len == 4 && memcmp(name, "host", 4) == 0 && r->authority.len)
    return pseudo(r->authority, out);
  if (!r->header)
    return false;
  for (size_t i = 0;; i++) {
    zt_str v = {NULL, 0};
    if (r->header(r->header_ctx, name, len, i, &v) != 1)
      return i > 0;
    /* Repeated headers match as one value joined with ',' (§8.14). */
    if ((i > 0 && !zt_segs_add(out, ",", 1)) ||
        !zt_segs_add(out, v.ptr ? v.ptr : "", v.ptr ? v.len : 0)) {
      zt_reqattr_fail(ra, ZT_ELIMIT, ZT_REASON_REQUEST_LIMIT);
      return false;
    }
  }
}

static void read_iss_sub(zt_reqattr *ra) {
  const char *s;
  size_t n;
  zt_json_val v;
  ra->has_iss = zt_json_member(&ra->claims, ZT_JSON_ROOT, "iss", 3, &v) &&
                zt_json_string(&ra->claims, v, &s, &n);
  ra->iss = ra->has_iss ? (zt_str){s, n} : (zt_str){NULL, 0};
  ra->has_sub = zt_json_member(&ra->claims, ZT_JSON_ROOT, "sub", 3, &v) &&
                zt_json_string(&ra->claims, v, &s, &n);
  ra->sub = ra->has_sub ? (zt_str){s, n} : (zt_str){NULL, 0};
}

void zt_reqattr_set_claims(zt_reqattr *ra, const zt_json_doc *doc, zt_str iss,
                           bool has_iss, zt_str sub, bool has_sub,
                           const zt_str *space, uint32_t n_space) {
  ra->done |= DONE_CLAIMS;
  ra->claims_ok = true;
  ra->claims_doc = doc;
  ra->iss = iss;
  ra->has_iss = has_iss;
  ra->sub = sub;
  ra->has_sub = has_sub;
  ra->space = space;
  ra->n_space = n_space;
}

const zt_json_doc *zt_reqattr_claims(zt_reqattr *ra) {
  const zt_request *r = ra->req;
  if (!(ra->done & DONE_CLAIMS)) {
    ra->done |= DONE_CLAIMS;
    ra->has_iss = ra->has_sub = false;
    if (r->jwt_claims.len == 0)
      return NULL;
    zt_json_doc_init(&ra->claims, ra->claim_tok, ZT_REQ_CLAIM_TOKENS,
                     ra->claim_buf, sizeof(ra->claim_buf));
    zt_json_limits lim = {.max_bytes = ZT_REQ_CLAIMS_MAX,
                          .max_tokens = ZT_REQ_CLAIM_TOKENS};
    int rc = zt_json_parse(&ra->claims, r->jwt_claims.ptr, r->jwt_claims.len,
                           &lim, NULL);
    if (rc == ZT_OK &&
        zt_json_type_of(&ra->claims, ZT_JSON_ROOT) == ZT_JSON_OBJECT) {
      ra->claims_ok = true;
      ra->claims_doc = &ra->claims;
      read_iss_sub(ra);
    } else {
      zt_reqattr_fail(ra, rc == ZT_ELIMIT ? ZT_ELIMIT : ZT_EINVAL,
                      rc == ZT_ELIMIT ? ZT_REASON_REQUEST_LIMIT
                                      : ZT_REASON_INVALID_ARGUMENT);
    }
  }
  return ra->claims_ok ? ra->claims_doc : NULL;
}
