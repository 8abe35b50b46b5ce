/* The engine and its snapshots: an immutable snapshot of everything loaded,
 * swapped atomically; readers take references without locks. */
#ifndef ZT_ENGINE_H
#define ZT_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "authz.h"
#include "config.h"
#include "policy.h"

struct zt_snapshot {
  atomic_uint_fast64_t refs;
  atomic_bool retired;
  uint64_t generation;
  zt_engine *engine;
  zt_snapshot *next_retired;
  zt_policyset *policies;
  zt_authz authz;
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
};

/* Compiles ps and makes a snapshot of it (taking ownership) the one in
 * force. On failure ps is left to the caller. */
int zt_engine_publish(zt_engine *e, zt_policyset *ps);

#endif
