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
#define ZT_EIDENTITY (-11) /* a certificate chain is not a valid SVID */

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
 * pathNormalization.normalization, extensionProviders and
 * defaultConfig.gatewayTopology.numTrustedProxies. Fields set in the document
 * replace the configuration's values; on failure the configuration is
 * unchanged.
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

/* ---- Key sets for RequestAuthentication jwksUri ------------------------ */

/*
 * Supplies the JWKS document (JSON, as served at uri) for every
 * RequestAuthentication rule whose jwksUri is exactly uri; the library
 * never fetches. The keys are imported once, here, and a new snapshot
 * takes effect atomically (deciding threads are never blocked). A
 * document the anchor would not load (no valid key, bad JSON) is refused
 * with ZT_ESCHEMA and the previous one stays in force. (NULL, 0) as the
 * document withdraws it: tokens of those rules then fail with
 * jwks_fetch_fail (401), as when Istio cannot fetch a key set. A uri no
 * policy uses yet is kept for later commits.
 */
ZT_API ZT_NODISCARD int zt_engine_set_jwks(zt_engine *engine, const char *uri,
                                           size_t uri_len, const char *jwks,
                                           size_t jwks_len, zt_diag *diag);

/* One jwksUri the policies of a snapshot use. */
typedef struct zt_jwks_info {
  const char *uri; /* NUL-terminated; belongs to the snapshot */
  size_t uri_len;
  uint32_t supplied; /* 1: a document is in force for it */
  uint32_t keys;     /* keys imported from it */
} zt_jwks_info;

/* The number of distinct jwksUri values the snapshot's policies use. */
ZT_API uint64_t zt_snapshot_jwks_count(const zt_snapshot *snap);
/* The index-th of them (sorted by uri); ZT_EINVAL past the end. */
ZT_API int zt_snapshot_jwks(const zt_snapshot *snap, uint64_t index,
                            zt_jwks_info *out);

/* ---- Trust bundles and workload identity (SPIFFE X.509-SVIDs) ---------- */

/*
 * Supplies the trust bundle of one trust domain: the roots that may sign
 * its SVIDs (docs/identity.md). doc is PEM (one or more CERTIFICATE blocks)
 * or a SPIFFE bundle (a JSON object whose `keys` entries with
 * `use: x509-svid` give a root each in x5c[0]). Several roots in one
 * bundle are CA rotation: a chain to any of them verifies. Bundles are
 * never merged: a leaf verifies only against the bundle of its own trust
 * domain. The roots are parsed here and a new snapshot takes effect
 * atomically; a document with any unusable certificate is refused whole
 * (ZT_ESCHEMA, the message names the certificate) and the bundle in force
 * stays. (NULL, 0) as doc withdraws the bundle: SVIDs of that trust domain
 * then fail with ZT_SVID_NO_BUNDLE. With td (NULL, 0), doc is a SPIFFE
 * bundle map, {"trust_domains": {"td": bundle, ...}}, that replaces every
 * bundle at once.
 */
ZT_API ZT_NODISCARD int
zt_engine_set_trust_bundle(zt_engine *engine, const char *td, size_t td_len,
                           const char *doc, size_t len, zt_diag *diag);

/* One trust bundle of a snapshot. */
typedef struct zt_bundle_info {
  const char *trust_domain; /* NUL-terminated; belongs to the snapshot */
  size_t trust_domain_len;
  uint32_t roots;        /* root certificates */
  uint32_t has_sequence; /* 1: spiffe_sequence was given */
  uint64_t sequence;     /* spiffe_sequence */
  uint64_t generation;   /* grows with every change of any bundle */
} zt_bundle_info;

/* The number of trust bundles in force, and the index-th (sorted by trust
 * domain); ZT_EINVAL past the end. */
ZT_API uint64_t zt_snapshot_bundle_count(const zt_snapshot *snap);
ZT_API int zt_snapshot_bundle(const zt_snapshot *snap, uint64_t index,
                              zt_bundle_info *out);

/* Why a chain is not a valid SVID (zt_svid.error). Each has a stable
 * token, zt_svid.error_name, and a sentence, zt_svid.message; the reason
 * of a refused connection is ZT_REASON_SVID + the error. */
#define ZT_SVID_OK 0
#define ZT_SVID_EMPTY_CHAIN 1    /* no certificate */
#define ZT_SVID_CHAIN_TOO_LONG 2 /* more than 10 certificates / 64 KiB */
#define ZT_SVID_MALFORMED 3      /* bad PEM or DER */
#define ZT_SVID_UNSUPPORTED_EXTENSION                                          \
  4                                 /* a critical extension not understood     \
                                      (nameConstraints included) */
#define ZT_SVID_NO_URI_SAN 5        /* the leaf has no URI SAN */
#define ZT_SVID_MULTIPLE_URI_SANS 6 /* more than one URI SAN */
#define ZT_SVID_MALFORMED_SAN 7     /* a URI SAN that is not an IA5String */
#define ZT_SVID_NOT_SPIFFE 8        /* the URI is not spiffe:// */
#define ZT_SVID_BAD_SPIFFE_ID 9     /* the SPIFFE ID breaks the grammar */
#define ZT_SVID_ROOT_PATH 10        /* the leaf's ID has no path */
#define ZT_SVID_LEAF_IS_CA 11       /* basicConstraints cA true */
#define ZT_SVID_NO_KEY_USAGE 12     /* no keyUsage extension */
#define ZT_SVID_NO_DIGITAL_SIGNATURE 13
#define ZT_SVID_SIGNING_USAGE 14 /* keyCertSign or cRLSign on a leaf */
#define ZT_SVID_EKU 15           /* EKU lacks the purpose of the role */
#define ZT_SVID_NO_BUNDLE 16     /* no bundle for the leaf's domain */
#define ZT_SVID_EMPTY_BUNDLE 17  /* the bundle trusts nothing */
#define ZT_SVID_UNTRUSTED 18     /* no path to a root of the bundle */
#define ZT_SVID_EXPIRED 19       /* a certificate of the path expired */
#define ZT_SVID_NOT_YET_VALID 20
#define ZT_SVID_WEAK_KEY 21       /* RSA < 2048 bits, an unlisted curve */
#define ZT_SVID_WEAK_SIGNATURE 22 /* SHA-1 or MD5 signatures */
#define ZT_SVID_INTERNAL 23       /* out of memory or a library error */
#define ZT_SVID_COUNT 24

/* The TLS role of the certificate's owner: the peer is a client (the
 * server verifies it: EKU must allow clientAuth) or a server. */
#define ZT_ROLE_CLIENT 0
#define ZT_ROLE_SERVER 1

/* A verified identity, or why there is none. Owned by the caller. */
typedef struct zt_svid {
  uint32_t error;         /* ZT_SVID_* */
  const char *error_name; /* "svid_expired"; "" when valid; static */
  const char *message;    /* one sentence; "" when valid; static */
  uint32_t cached;        /* 1: the answer came from the identity cache */
  size_t spiffe_id_len;
  char spiffe_id[2049];    /* "spiffe://td/path", NUL-terminated */
  size_t trust_domain_len; /* the trust domain: spiffe_id + 9 */
} zt_svid;

/*
 * Verifies a peer's certificate chain as an X.509-SVID (docs/identity.md
 * lists every step): chain is PEM text or one or more DER certificates
 * back to back, leaf first, intermediates after it (roots come from the
 * bundles). Time comes from the engine's clock. A chain verified before
 * with the same bundles is answered from a cache (its validity is
 * re-checked). Returns ZT_OK when the chain is a valid SVID, ZT_EIDENTITY
 * when it is not (out->error says why), or ZT_EINVAL / ZT_EINTERNAL
 * (out->error ZT_SVID_INTERNAL: an invalid call, no memory). out is always
 * filled. Takes no lock.
 */
ZT_API int zt_svid_verify(const zt_snapshot *snap, const char *chain,
                          size_t len, uint32_t role, zt_svid *out);

/* ---- Compatibility switches and data-path settings ------------------- */

/*
 * Options (zt_config_set_option). Every switch defaults to 0 (settings: as
 * noted), the behaviour of Istio's Envoy data plane; docs/compatibility.md
 * lists what each changes.
 */
#define ZT_OPT_L4_ZTUNNEL 0 /* 1: L4 (TCP) rules as ztunnel applies them */
#define ZT_OPT_REQUEST_PRINCIPAL_SPLIT                                         \
  1 /* 1: requestPrincipals split at the                                       \
       last '/' (Istio >= 1.21) */
#define ZT_OPT_TRUSTED_PROXIES                                                 \
  2 /* X-Forwarded-For hops to trust                                           \
       (numTrustedProxies), 0..64 */
#define ZT_OPT_MULTIPLE_CUSTOM_PROVIDERS                                       \
  3 /* 1: several CUSTOM providers on                                          \
       one workload are allowed */
#define ZT_OPT_JWT_CLOCK_SKEW                                                  \
  4 /* seconds of leeway for exp and nbf,                                      \
       default 60, 0..86400 */
#define ZT_OPT_JWT_FAILURE_STATUS                                              \
  5 /* 0: 401 for a bad token, 403 for a                                       \
       wrong audience (Envoy); else this status for both, 400..599 */
#define ZT_OPT_JWT_CACHE_ENTRIES                                               \
  6 /* verified tokens remembered per                                          \
       snapshot, default 1024, 0 (off)..1048576 */
#define ZT_OPT_SVID_STRICT_EKU                                                 \
  7 /* 1: a leaf with extendedKeyUsage must                                    \
       allow both serverAuth and clientAuth (X509-SVID §4.4) */
#define ZT_OPT_SPIFFE_LENIENT                                                  \
  8 /* 1: fold the case of the scheme and                                      \
       trust domain of SPIFFE IDs in certificates */
#define ZT_OPT_SVID_CACHE_ENTRIES                                              \
  9 /* verified certificate chains                                             \
       remembered per trust-bundle set, default 1024, 0 (off)..1048576 */
#define ZT_OPT_COUNT 10

ZT_API int zt_config_set_option(zt_config *cfg, uint32_t id, uint64_t value);
ZT_API uint64_t zt_config_get_option(const zt_config *cfg, uint32_t id);

/* Extension provider kinds (meshConfig.extensionProviders). */
#define ZT_PROVIDER_HTTP 0 /* envoyExtAuthzHttp */
#define ZT_PROVIDER_GRPC 1 /* envoyExtAuthzGrpc */

/*
 * Declares an external authorization provider that CUSTOM policies may
 * name. fail_open: a provider error allows the request; otherwise it is
 * denied with status_on_error (0 = 403). Replaces a provider of that name.
 */
ZT_API int zt_config_add_provider(zt_config *cfg, const char *name, size_t len,
                                  uint32_t kind, uint32_t fail_open,
                                  int32_t status_on_error);

/* ---- Requests ---------------------------------------------------------- */

/* A view of bytes owned by the caller; (NULL, 0) is empty or absent. */
typedef struct zt_str {
  const char *ptr;
  size_t len;
} zt_str;

typedef struct zt_kv {
  zt_str key;
  zt_str value;
} zt_kv;

/*
 * Header lookup. The library asks for a header by name, in lowercase ASCII,
 * and for its index-th occurrence (0-based); the callback compares names
 * case-insensitively, stores the value and returns 1, or returns 0 when
 * there is no such occurrence. It must not fail otherwise and must give the
 * same answers for the whole decision.
 */
typedef int (*zt_header_fn)(void *ctx, const char *name, size_t name_len,
                            size_t index, zt_str *value);

/* A ready-made zt_header_fn over a zt_headers array (ctx = zt_headers *). */
typedef struct zt_headers {
  const zt_kv *v;
  size_t n;
} zt_headers;
ZT_API int zt_headers_get(void *ctx, const char *name, size_t name_len,
                          size_t index, zt_str *value);

/*
 * CUSTOM provider callback: asked when a CUSTOM policy of the provider
 * matches. Return 1 to allow, 0 to deny (*status = the provider's HTTP
 * status, 0 means 403), or a negative value when the provider could not
 * answer (the provider's fail_open and status_on_error apply).
 */
struct zt_request;
typedef int (*zt_custom_fn)(void *ctx, const char *provider, size_t len,
                            const struct zt_request *req, int32_t *status);

/*
 * What request authentication asks of the host (RequestAuthentication
 * outputs), delivered during zt_decide() through zt_request.output. The
 * bytes are valid only during the call: copy what you keep.
 *  - ZT_OUT_REMOVE_HEADER: remove request header name before forwarding
 *    (client-supplied output headers, the token unless forwardOriginalToken);
 *  - ZT_OUT_SET_HEADER: set request header name to value before forwarding,
 *    replacing any value (outputPayloadToHeader, outputClaimToHeaders);
 *  - ZT_OUT_RESPONSE_HEADER: add this header to the local 401/403 reply
 *    (WWW-Authenticate);
 *  - ZT_OUT_REQUEST_PRINCIPAL: the verified token's "iss/sub" (name is
 *    "request_principal"), for logs.
 * Removals come before sets. Header names are lowercase. Request mutations
 * are delivered once authentication succeeds, before authorization
 * decides: apply them only to a request that is allowed.
 */
#define ZT_OUT_REMOVE_HEADER 0
#define ZT_OUT_SET_HEADER 1
#define ZT_OUT_RESPONSE_HEADER 2
#define ZT_OUT_REQUEST_PRINCIPAL 3
typedef void (*zt_output_fn)(void *ctx, uint32_t op, const char *name,
                             size_t name_len, const char *value,
                             size_t value_len);

/* Called with one line of the evaluation trace (not NUL-terminated). */
typedef void (*zt_trace_fn)(void *ctx, const char *line, size_t len);

/* The local workload that receives the request (istio-semantics.md §11). */
#define ZT_WORKLOAD_WAYPOINT 0x1u /* the proxy is a waypoint */

typedef struct zt_workload {
  zt_str ns; /* required */
  const zt_kv *labels;
  size_t n_labels;
  const zt_str *services; /* Services this workload (or waypoint) serves */
  size_t n_services;
  uint32_t flags; /* ZT_WORKLOAD_* */
} zt_workload;

#define ZT_PROTO_HTTP 0
#define ZT_PROTO_TCP 1

/*
 * One request (HTTP) or connection (TCP), described without copying: every
 * zt_str points into the host's own buffers and must stay valid during
 * zt_decide(). Zero-initialize, then set what is known; an empty field is an
 * absent attribute.
 */
typedef struct zt_request {
  const zt_workload *workload; /* required */
  uint32_t protocol;           /* ZT_PROTO_* */
  uint32_t mtls;         /* 1: mutual TLS with a verified peer certificate */
  zt_str peer_id;        /* the peer's verified identity: its SPIFFE ID
                            "spiffe://td/ns/N/sa/S" (or another certificate name) */
  zt_str source_ip;      /* the directly connected peer */
  zt_str remote_ip;      /* original client; empty: from X-Forwarded-For */
  zt_str destination_ip; /* the local address of the connection */
  uint32_t destination_port;
  zt_str sni;
  zt_str method;
  zt_str authority; /* Host / :authority, with its port if sent */
  zt_str path;      /* as received, with the query */
  zt_header_fn header;
  void *header_ctx;
  zt_str jwt_claims; /* JSON payload of an already verified JWT */
  zt_custom_fn custom;
  void *custom_ctx;
  zt_trace_fn trace; /* optional: explains the evaluation */
  void *trace_ctx;
  zt_output_fn output; /* optional: what to change in the request or reply */
  void *output_ctx;
  /* The peer's certificate chain (PEM, or DER back to back; leaf first) for
   * ztauth to verify (zt_svid_verify, cached). When set, mtls and peer_id
   * are ignored and come from the verified SVID; a chain that does not
   * verify refuses the connection. */
  zt_str peer_chain;
} zt_request;

/* ---- Decisions --------------------------------------------------------- */

#define ZT_DECISION_ALLOW 0
#define ZT_DECISION_DENY 1

/* Why (stable; zt_reason_name() gives the token, docs/decisions.md the
 * meaning). */
#define ZT_REASON_NO_ALLOW_POLICY 0     /* allowed: no ALLOW policy applies */
#define ZT_REASON_ALLOW_MATCHED 1       /* allowed: an ALLOW policy matched */
#define ZT_REASON_DENY_MATCHED 2        /* denied by a DENY policy */
#define ZT_REASON_NO_ALLOW_MATCH 3      /* ALLOW policies apply, none matched */
#define ZT_REASON_CUSTOM_DENIED 4       /* the CUSTOM provider denied */
#define ZT_REASON_CUSTOM_ERROR 5        /* the CUSTOM provider failed */
#define ZT_REASON_CUSTOM_BAD_PROVIDER 6 /* unknown or conflicting provider */
#define ZT_REASON_CUSTOM_NO_HANDLER 7   /* no zt_custom_fn to ask */
#define ZT_REASON_BAD_REQUEST 8       /* rejected before authorization (400) */
#define ZT_REASON_REQUEST_LIMIT 9     /* an input exceeds a decision bound */
#define ZT_REASON_INVALID_ARGUMENT 10 /* zt_decide() misuse */
#define ZT_REASON_INTERNAL 11         /* internal error (fail closed) */
#define ZT_REASON_MTLS_REQUIRED 12    /* STRICT mTLS and a plaintext peer */
#define ZT_REASON_MTLS_DISABLED 13    /* mTLS DISABLE and an mTLS peer */
#define ZT_REASON_COUNT 14
/* Request authentication failed: ZT_REASON_JWT + the token's anchor status
 * (zt_decision.jwt_status), e.g. "jwt_expired", "jwt_audience_not_allowed",
 * "jwks_fetch_fail". */
#define ZT_REASON_JWT 100
/* The peer's certificate chain is not a valid SVID: ZT_REASON_SVID + the
 * ZT_SVID_* error (zt_decision.svid_error), e.g. "svid_expired". */
#define ZT_REASON_SVID 200

/* A policy that decided or matched; its strings belong to the snapshot. */
typedef struct zt_policy_ref {
  const char *ns; /* NULL when no policy */
  size_t ns_len;
  const char *name;
  size_t name_len;
  int32_t rule;    /* 0-based rule index, -1 when none */
  uint32_t action; /* ZT_ACTION_* */
} zt_policy_ref;

typedef struct zt_decision {
  uint32_t decision;            /* ZT_DECISION_* */
  int32_t status;               /* HTTP status; 0 for a TCP connection */
  uint32_t reason;              /* ZT_REASON_* */
  uint32_t audit;               /* 1: an AUDIT policy matched */
  zt_policy_ref policy;         /* the deciding policy, if any */
  zt_policy_ref audit_policy;   /* the AUDIT policy that matched */
  uint32_t dry_run;             /* 1: dry-run policies apply */
  uint32_t dry_run_decision;    /* the decision had they been enforced */
  zt_policy_ref dry_run_policy; /* the policy behind dry_run_decision */
  zt_str provider;              /* the CUSTOM provider asked, if any */
  int32_t jwt_status;  /* a rejected token's jwt_verify_lib status, else 0 */
  const char *message; /* body text of a local reply ("RBAC: access denied",
                          "Jwt is expired"); static; "" when allowed */
  uint32_t mtls_mode;  /* the port's effective ZT_MTLS_* mode */
  zt_policy_ref mtls_policy; /* the PeerAuthentication behind it (ns NULL:
                                none, the default PERMISSIVE) */
  uint32_t svid_error;       /* ZT_SVID_* of a refused peer chain, else 0 */
} zt_decision;

/*
 * Decides a request against a snapshot: the peer (the port's mTLS mode:
 * STRICT refuses plaintext, DISABLE refuses mTLS; then the SVID of
 * peer_chain; a refusal has status 0: close the connection), CUSTOM, then
 * request authentication (JWT), then DENY, then ALLOW (docs/decisions.md).
 * Takes no lock; allocates only to verify a token or a chain the caches do
 * not hold. out
 * is always filled: on any error (also an invalid argument) the decision is
 * DENY with a reason saying why, and the return value is the ZT_E* code.
 */
ZT_API int zt_decide(const zt_snapshot *snap, const zt_request *req,
                     zt_decision *out);

/* The mTLS mode PeerAuthentication gives one workload port. */
typedef struct zt_mtls_info {
  uint32_t mode; /* ZT_MTLS_STRICT, _PERMISSIVE or _DISABLE (never UNSET) */
  uint32_t port_level; /* 1: set by a portLevelMtls entry */
  /* The policy that set it (ns NULL: none did, the default PERMISSIVE);
   * rule is the portLevelMtls port, or -1. action is unused. */
  zt_policy_ref policy;
} zt_mtls_info;

/*
 * The effective mTLS mode of a workload port (istio-semantics.md §5.4):
 * the oldest matching workload PeerAuthentication (portLevelMtls for port,
 * then its mode), over the namespace's, over the mesh's (root namespace);
 * UNSET inherits; nothing gives PERMISSIVE. port 0: the workload mode.
 * Takes no lock, never allocates.
 */
ZT_API int zt_peer_mode(const zt_snapshot *snap, const zt_workload *workload,
                        uint32_t port, zt_mtls_info *out);

/* The stable token of a reason ("rbac_denied", ...); "unknown" otherwise. */
ZT_API const char *zt_reason_name(uint32_t reason);

/*
 * Istio's name of a policy rule, "ns[NS]-policy[NAME]-rule[I]", written to
 * buf with a NUL (truncated to fit); returns the full length, or 0 when ref
 * names no policy.
 */
ZT_API size_t zt_policy_ref_format(const zt_policy_ref *ref, char *buf,
                                   size_t len);

#ifdef __cplusplus
}
#endif

#endif /* ZTAUTH_H */
