/* From YAML streams to the typed policy model: documents, kind: List,
 * Kubernetes typing rules and unknown-field checks. Istio's semantic rules
 * are applied per object by policy_validate. */
#ifndef ZT_POLICY_PARSE_H
#define ZT_POLICY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "policy.h"

typedef struct zt_parse_state {
  uint64_t documents; /* objects parsed into the set so far */
  uint32_t order;     /* next load-order number */
} zt_parse_state;

/*
 * Parses one YAML source into ps. Every problem goes to rep; the return
 * value is ZT_OK when the source added no error, else the first error's
 * code. Objects from a source with errors are still added (lint reports
 * on all of them); the loader refuses to commit a set with errors.
 */
int zt_policy_parse(zt_policyset *ps, zt_parse_state *st, const zt_config *cfg,
                    zt_reporter *rep, const char *buf, size_t len,
                    const char *source);

#endif
