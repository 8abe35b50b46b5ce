/* A request object (cli.md) to a zt_request, and a zt_decision to the
 * result object: the one builder behind `ztauth check` and `ztauth test`. */
#ifndef ZTAUTH_CLI_REQUEST_H
#define ZTAUTH_CLI_REQUEST_H

#include "value.h"
#include "ztauth.h"

typedef struct cli_error {
  uint32_t line, col; /* where in the input; 0 when not known */
  char msg[512];      /* "member.path: problem" */
} cli_error;

typedef struct cli_request {
  zt_request req;
  zt_workload wl;
  zt_headers headers;
  const value *custom; /* simulated CUSTOM provider answers, or NULL */
  const value *claims; /* jwt_claims, or NULL */
  value *trace;        /* the trace lines, when asked for before deciding */
  /* What request authentication asked of the host during the last
   * decision (zt_request.output): request headers to set (an object) and
   * to remove (an array), headers of the local reply (an object), and the
   * verified token's "iss/sub" (NULL when none). */
  value *out_set, *out_remove, *out_reply;
  value *out_principal;
  /* The peer's SPIFFE ID without "spiffe://" once req.peer_chain verified
   * (zt_svid_verify), else NULL. */
  value *verified;
  vpool *pool; /* owns everything req points to */
} cli_request;

/* Builds a request (in the pool) from a request object; its zt_str point
 * into the value tree or the pool, which must outlive it. Unknown members
 * are refused: a typo must not quietly change the question. Files the
 * request names (source.certificate_chain_file) are read now, relative to
 * the directory of base (NULL: the current directory). Returns NULL with
 * the problem in e. */
cli_request *cli_request_build(vpool *p, const value *in, const char *base,
                               cli_error *e);

/* Decides r and returns the result object, members in cli.md order. Set
 * r->trace to an empty array first to collect the evaluation trace. */
value *cli_request_decide(cli_request *r, const zt_snapshot *snap);

/* Whether a result object says DENY. */
bool cli_result_denied(const value *result);

#endif
