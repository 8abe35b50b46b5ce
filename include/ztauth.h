/*
 * ztauth: an embeddable zero-trust policy engine for Istio security policies.
 *
 * One public header. Conventions (docs/api/README.md):
 *  - Opaque handles; every owned type has exactly one free function, which
 *    accepts NULL.
 *  - Byte inputs are (pointer, length) pairs. Strings need not be
 *    NUL-terminated. (NULL, 0) is accepted everywhere as the empty input:
 *    where empty makes sense (a YAML stream) it means empty, where a value
 *    is required (a namespace, a path) it is refused with ZT_EINVAL.
 *  - Functions that can fail return an int status: ZT_OK (0) or a negative
 *    ZT_E* code. zt_strerror() names a code; the optional zt_diag argument
 *    receives the details (position, document, policy, message).
 *  - Fixed-width integer types instead of enums, no varargs, no structs by
 *    value: the header binds unchanged through FFI.
 */
#ifndef ZTAUTH_H
#define ZTAUTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ZT_BUILDING) && defined(__GNUC__)
#define ZT_API __attribute__((visibility("default")))
#else
#define ZT_API
#endif

#if defined(__GNUC__)
#define ZT_NODISCARD __attribute__((warn_unused_result))
#else
#define ZT_NODISCARD
#endif

/* ---- Version ---------------------------------------------------------- */

#define ZT_VERSION_MAJOR 0
#define ZT_VERSION_MINOR 1
#define ZT_VERSION_PATCH 0
#define ZT_VERSION_NUMBER                                                      \
  ((ZT_VERSION_MAJOR * 10000) + (ZT_VERSION_MINOR * 100) + ZT_VERSION_PATCH)

/* The library's version string, e.g. "0.1.0" (static storage). */
ZT_API const char *zt_version(void);
/* The library's version as MAJOR*10000 + MINOR*100 + PATCH. */
ZT_API uint32_t zt_version_number(void);

/* ---- Status codes ----------------------------------------------------- */

#define ZT_OK 0
#define ZT_EINVAL (-1)     /* an argument is invalid (NULL handle, bad id) */
#define ZT_ENOMEM (-2)     /* the allocator failed */
#define ZT_ELIMIT (-3)     /* an input exceeds a configured limit */
#define ZT_ESYNTAX (-4)    /* malformed YAML or JSON */
#define ZT_ESCHEMA (-5)    /* wrong type, unknown or missing field */
#define ZT_EPOLICY (-6)    /* a policy breaks an Istio validation rule */
#define ZT_EIO (-7)        /* a file or directory could not be read */
#define ZT_EDUPLICATE (-8) /* two objects with the same kind/namespace/name */
#define ZT_ESTATE (-9)     /* the call does not fit the object's state */
#define ZT_EINTERNAL (-10) /* an internal invariant failed (fail closed) */

/* A static, human-readable name for a status code. Never NULL. */
ZT_API const char *zt_strerror(int code);

/* ---- Diagnostics ------------------------------------------------------ */

#define ZT_SEVERITY_ERROR 0
#define ZT_SEVERITY_WARNING 1
#define ZT_SEVERITY_NOTE 2

/*
 * Details of one problem. The caller owns the struct; the library fills it.
 * All strings are NUL-terminated and truncated to fit. line/column are
 * 1-based (0 = not known); document is the 0-based index of the YAML
 * document in its source (-1 = not known).
 */
typedef struct zt_diag {
  int32_t code;     /* ZT_E* (ZT_OK for notes and warnings) */
  int32_t severity; /* ZT_SEVERITY_* */
  uint32_t line;
  uint32_t column;
  int32_t document;
  char file[256]; /* source name: a path, or the name given with a buffer */
  char kind[32];  /* AuthorizationPolicy, PeerAuthentication, ... */
  char ns[64];    /* metadata.namespace */
  char name[254]; /* metadata.name */
  char message[512];
} zt_diag;

/* Called for every error, warning and note of a load; d is valid only for
 * the duration of the call. */
typedef void (*zt_report_fn)(void *ctx, const zt_diag *d);

/* ---- Allocation ------------------------------------------------------- */

/*
 * An optional allocator. realloc(ctx, NULL, n) allocates, realloc(ctx, p, 0)
 * frees and returns NULL. It must be safe to call from any thread that uses
 * the engine. libyaml's own small parser buffers do not go through it.
 */
typedef struct zt_allocator {
  void *(*realloc)(void *ctx, void *ptr, size_t size);
  void *ctx;
} zt_allocator;

/* ---- Configuration ---------------------------------------------------- */

typedef struct zt_config zt_config;

/* Limits on untrusted input (ids for zt_config_set_limit). */
#define ZT_LIMIT_SOURCE_BYTES 0 /* one YAML file or buffer */
#define ZT_LIMIT_DOCUMENTS 1    /* objects in one policy set */
#define ZT_LIMIT_DEPTH 2        /* YAML nesting depth */
#define ZT_LIMIT_SCALAR_BYTES 3 /* one YAML scalar (string) */
#define ZT_LIMIT_NODES 4        /* YAML nodes in one document */
#define ZT_LIMIT_COUNT 5

/* Request path normalization (meshConfig.pathNormalization). */
#define ZT_PATH_NONE 0
#define ZT_PATH_BASE 1
#define ZT_PATH_MERGE_SLASHES 2
#define ZT_PATH_DECODE_AND_MERGE_SLASHES 3

/* The engine's clock: Unix time in seconds. */
typedef int64_t (*zt_clock_fn)(void *ctx);

/*
 * Creates a configuration with Istio's defaults: root namespace
 * istio-system, trust domain cluster.local, no aliases, BASE path
 * normalization, the system clock and the default limits. mem may be NULL
 * (malloc); the allocator is copied and used by everything created from
 * this configuration.
 */
ZT_API ZT_NODISCARD int zt_config_new(zt_config **out, const zt_allocator *mem);
ZT_API void zt_config_free(zt_config *cfg);

ZT_API int zt_config_set_root_namespace(zt_config *cfg, const char *ns,
                                        size_t len);
ZT_API int zt_config_set_trust_domain(zt_config *cfg, const char *td,
                                      size_t len);
ZT_API int zt_config_add_trust_domain_alias(zt_config *cfg, const char *td,
                                            size_t len);
ZT_API int zt_config_set_path_normalization(zt_config *cfg, uint32_t mode);
ZT_API int zt_config_set_clock(zt_config *cfg, zt_clock_fn fn, void *ctx);
ZT_API int zt_config_set_limit(zt_config *cfg, uint32_t id, uint64_t value);
ZT_API uint64_t zt_config_get_limit(const zt_config *cfg, uint32_t id);

/*
 * Reads Istio MeshConfig settings (YAML, MeshConfig field names):
 * rootNamespace, trustDomain, trustDomainAliases,
 * pathNormalization.normalization. Fields set in the document replace the
 * configuration's values; on failure the configuration is unchanged.
 */
ZT_API ZT_NODISCARD int zt_config_load_mesh(zt_config *cfg, const char *yaml,
                                            size_t len, const char *source,
                                            size_t source_len, zt_diag *diag);

/* ---- Engine and snapshots --------------------------------------------- */

typedef struct zt_engine zt_engine;
typedef struct zt_snapshot zt_snapshot;
typedef struct zt_loader zt_loader;

/*
 * Creates an engine from a configuration (copied: cfg may be freed
 * afterwards). The engine starts with an empty snapshot. Thread-safe: many
 * threads may acquire snapshots and decide while one thread loads.
 */
ZT_API ZT_NODISCARD int zt_engine_new(zt_engine **out, const zt_config *cfg,
                                      zt_diag *diag);
/* Frees the engine. Every acquired snapshot must have been released. Its
 * loaders may still be freed afterwards, but not used. */
ZT_API void zt_engine_free(zt_engine *engine);

/*
 * Takes a reference to the snapshot in force. Lock-free; never blocks on a
 * loading thread. The snapshot stays valid and unchanged until released.
 */
ZT_API ZT_NODISCARD int zt_engine_acquire(zt_engine *engine, zt_snapshot **out);
ZT_API void zt_snapshot_release(zt_snapshot *snap);

/* A number that grows by one with every committed load (the first is 0). */
ZT_API uint64_t zt_snapshot_generation(const zt_snapshot *snap);

/* Policy kinds (zt_snapshot_count). */
#define ZT_KIND_AUTHORIZATION_POLICY 0
#define ZT_KIND_PEER_AUTHENTICATION 1
#define ZT_KIND_REQUEST_AUTHENTICATION 2

/* How many policies of a kind the snapshot holds. */
ZT_API uint64_t zt_snapshot_count(const zt_snapshot *snap, uint32_t kind);

/* AuthorizationPolicy actions. */
#define ZT_ACTION_ALLOW 0
#define ZT_ACTION_DENY 1
#define ZT_ACTION_AUDIT 2
#define ZT_ACTION_CUSTOM 3

/* PeerAuthentication mTLS modes. */
#define ZT_MTLS_UNSET 0
#define ZT_MTLS_DISABLE 1
#define ZT_MTLS_PERMISSIVE 2
#define ZT_MTLS_STRICT 3

/* Where a policy applies (istio-semantics.md §5). */
#define ZT_SCOPE_MESH 0      /* root namespace, no selector */
#define ZT_SCOPE_NAMESPACE 1 /* its namespace, no selector */
#define ZT_SCOPE_WORKLOAD 2  /* selector with matchLabels */
#define ZT_SCOPE_TARGETS 3   /* targetRef / targetRefs */

/*
 * A summary of one loaded policy. The strings belong to the snapshot and
 * stay valid while it is held; they are not NUL-terminated.
 */
typedef struct zt_policy_info {
  uint32_t kind;   /* ZT_KIND_* */
  uint32_t scope;  /* ZT_SCOPE_* */
  uint32_t action; /* AuthorizationPolicy: ZT_ACTION_*; PeerAuthentication:
                      the ZT_MTLS_* mode; RequestAuthentication: 0 */
  uint32_t rules;  /* rules, jwtRules or portLevelMtls entries */
  uint32_t dry_run;
  uint32_t line; /* where the object starts in its source */
  const char *ns;
  size_t ns_len;
  const char *name;
  size_t name_len;
  const char *source;
  size_t source_len;
} zt_policy_info;

/* Describes policy number index (0-based, in load order) of a kind. */
ZT_API int zt_snapshot_policy(const zt_snapshot *snap, uint32_t kind,
                              uint64_t index, zt_policy_info *out);

/*
 * A loader gathers the documents of the next snapshot. Every document is
 * parsed and validated when added; zt_engine_commit() then builds the new
 * snapshot and swaps it in atomically. If any document was invalid the
 * commit is refused and the snapshot in force stays. A loader is used by one
 * thread at a time. After a successful commit it takes no more input (its
 * calls return ZT_ESTATE); every failed call is kept, so a set that had a
 * failure can never be committed.
 */
ZT_API ZT_NODISCARD int zt_loader_new(zt_engine *engine, zt_loader **out);
ZT_API void zt_loader_free(zt_loader *loader);

/* Receives errors, warnings and notes (skipped kinds) as they occur: the
 * first 1000 of a loader; past that only zt_loader_error_count() grows. */
ZT_API int zt_loader_set_report(zt_loader *loader, zt_report_fn fn, void *ctx);

/*
 * Adds a YAML stream (one document, a `---` stream, or a kind: List).
 * source names the buffer in diagnostics. The buffer is not retained.
 * (NULL, 0) adds an empty stream, which replaces the policies with none.
 * Errors are also kept by the loader, so a host may ignore the result of
 * each add and rely on zt_engine_commit(), which refuses a set with errors.
 */
ZT_API int zt_loader_add_yaml(zt_loader *loader, const char *yaml, size_t len,
                              const char *source, size_t source_len,
                              zt_diag *diag);

/*
 * Adds a file, or every *.yaml / *.yml file of a directory in name order
 * (not recursive, hidden files skipped).
 */
ZT_API int zt_loader_add_path(zt_loader *loader, const char *path,
                              size_t path_len, zt_diag *diag);

/*
 * Runs the checks that need the whole set (duplicate objects, warnings that
 * combine several documents) and returns ZT_OK or the loader's first error.
 * zt_engine_commit() runs it too; `ztauth lint` uses it without committing.
 */
ZT_API ZT_NODISCARD int zt_loader_validate(zt_loader *loader, zt_diag *diag);

/* How many errors the loader has seen so far. */
ZT_API uint64_t zt_loader_error_count(const zt_loader *loader);

/*
 * Builds a snapshot from the loader and makes it the one in force. The
 * loader is consumed on success (free it afterwards); on failure nothing
 * changes. Fails with the loader's first error if any document was invalid.
 */
ZT_API ZT_NODISCARD int zt_engine_commit(zt_engine *engine, zt_loader *loader,
                                         zt_diag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ZTAUTH_H */
