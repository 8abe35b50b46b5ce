/* Checks over a whole policy set: duplicate objects (errors) and warnings
 * that need several documents, such as HTTP-only fields in rules for a
 * workload whose Services declare only TCP ports. */
#ifndef ZT_POLICY_LINT_H
#define ZT_POLICY_LINT_H

#include "config.h"
#include "diag.h"
#include "policy.h"

/* Reports on objects not checked before, so that validating a loader again
 * after more input does not repeat earlier reports. */
void zt_policy_lint_set(zt_policyset *ps, const zt_config *cfg,
                        zt_reporter *rep);

#endif
