/* The engine and its snapshots: an immutable snapshot of everything loaded,
 * swapped atomically; readers take references without locks. */
#ifndef ZT_ENGINE_H
#define ZT_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "authz.h"
#include "bundle.h"
#include "config.h"
#include "peerauthn.h"
#include "policy.h"
#include "reqauthn.h"
#include "trust.h"

/* A committed policy set with its compiled authorization: shared by the
 * snapshots that differ only in key sets. */
typedef struct zt_polref {
  atomic_uint refs;
  zt_policyset *ps;
  zt_authz authz;
  zt_peerauthn peer;
} zt_polref;

struct zt_snapshot {
  atomic_uint_fast64_t refs;
  atomic_bool retired;
  uint64_t generation;
  zt_engine *engine;
  zt_snapshot *next_retired;
  zt_polref *pol;
  zt_reqauthn authn;
  zt_trust *trust; /* the trust bundles in force; NULL: none */
};

struct zt_engine {
  zt_config cfg;
  _Atomic(zt_snapshot *) current;
  /* Readers between loading the current pointer and taking their
   * reference; a retired snapshot is freed only while this is zero. */
  atomic_uint_fast64_t acquiring;
  pthread_mutex_t write_lock;
  zt_snapshot *retired;
  uint64_t generation;
  zt_jwks_store jwks;  /* jwksUri documents the host supplied */
  zt_bundle **bundles; /* trust bundles the host supplied, by trust domain */
  size_t n_bundles, cap_bundles;
  uint64_t trust_generation;
};

/* Compiles ps and makes a snapshot of it (taking ownership) the one in
 * force. On failure ps is left to the caller. */
int zt_engine_publish(zt_engine *e, zt_policyset *ps);

#endif
