/*
 * A peer's verified identity: the identity cache of the snapshot's trust
 * set in front of SVID verification (svid.c), with the engine's clock and
 * switches; and the public entry points for identity and mTLS mode.
 */
#ifndef ZT_IDENTITY_H
#define ZT_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

/* Verifies (or finds in the cache) chain for a peer of role; fills out
 * and returns out->error. */
uint32_t zt_identity_verify(const zt_snapshot *snap, const char *chain,
                            size_t len, uint32_t role, zt_svid *out);

#endif
