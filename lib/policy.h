/*
 * The typed model of Istio security policy documents, as loaded: every value
 * keeps its source position so that validation, lint and later compilation
 * can name the exact place. A policy set owns all of it in one arena.
 */
#ifndef ZT_POLICY_H
#define ZT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "ztauth.h"

typedef struct zt_pos {
  uint32_t line;
  uint32_t col;
} zt_pos;

/* A string value; s == NULL means absent. */
typedef struct zt_sval {
  const char *s;
  uint32_t len;
  zt_pos pos;
} zt_sval;

/* A list of strings. present distinguishes `x: []` from an absent x. */
typedef struct zt_slist {
  zt_sval *v;
  uint32_t n;
  bool present;
  zt_pos pos;
} zt_slist;

typedef struct zt_label {
  zt_sval key;
  zt_sval value;
} zt_label;

typedef struct zt_selector {
  bool present;
  zt_pos pos;
  zt_label *labels;
  uint32_t n;
} zt_selector;

typedef struct zt_target_ref {
  zt_sval group;
  zt_sval kind;
  zt_sval name;
  zt_sval ns;
  zt_pos pos;
} zt_target_ref;

typedef struct zt_target_refs {
  zt_target_ref *v;
  uint32_t n;
  bool present;
  zt_pos pos;
} zt_target_refs;

/* Source fields: positive at even index, its not* form at the next one. */
enum {
  ZT_SRC_PRINCIPALS,
  ZT_SRC_NOT_PRINCIPALS,
  ZT_SRC_REQUEST_PRINCIPALS,
  ZT_SRC_NOT_REQUEST_PRINCIPALS,
  ZT_SRC_NAMESPACES,
  ZT_SRC_NOT_NAMESPACES,
  ZT_SRC_SERVICE_ACCOUNTS,
  ZT_SRC_NOT_SERVICE_ACCOUNTS,
  ZT_SRC_IP_BLOCKS,
  ZT_SRC_NOT_IP_BLOCKS,
  ZT_SRC_REMOTE_IP_BLOCKS,
  ZT_SRC_NOT_REMOTE_IP_BLOCKS,
  ZT_SRC_TRUST_DOMAINS,
  ZT_SRC_NOT_TRUST_DOMAINS,
  ZT_SRC_COUNT
};

enum {
  ZT_OP_HOSTS,
  ZT_OP_NOT_HOSTS,
  ZT_OP_PORTS,
  ZT_OP_NOT_PORTS,
  ZT_OP_METHODS,
  ZT_OP_NOT_METHODS,
  ZT_OP_PATHS,
  ZT_OP_NOT_PATHS,
  ZT_OP_COUNT
};

extern const char *const zt_source_field_names[ZT_SRC_COUNT];
extern const char *const zt_operation_field_names[ZT_OP_COUNT];

typedef struct zt_source {
  zt_slist f[ZT_SRC_COUNT];
  zt_pos pos;
} zt_source;

typedef struct zt_operation {
  zt_slist f[ZT_OP_COUNT];
  zt_pos pos;
} zt_operation;

typedef struct zt_condition {
  zt_sval key;
  zt_slist values;
  zt_slist not_values;
  zt_pos pos;
} zt_condition;

typedef struct zt_rule {
  zt_source *from;
  uint32_t n_from;
  bool has_from;
  zt_pos from_pos;
  zt_operation *to;
  uint32_t n_to;
  bool has_to;
  zt_pos to_pos;
  zt_condition *when;
  uint32_t n_when;
  bool has_when;
  zt_pos pos;
} zt_rule;

typedef struct zt_authz_policy {
  zt_selector selector;
  zt_target_ref target_ref;
  bool has_target_ref;
  zt_target_refs target_refs;
  zt_rule *rules;
  uint32_t n_rules;
  bool has_rules;
  zt_pos rules_pos;
  uint32_t action;
  zt_pos action_pos;
  bool has_provider;
  zt_sval provider_name;
  zt_pos provider_pos;
} zt_authz_policy;

typedef struct zt_port_mtls {
  uint32_t port;
  uint32_t mode;
  zt_pos pos;
} zt_port_mtls;

typedef struct zt_peer_authn {
  zt_selector selector;
  uint32_t mode;
  bool has_mtls;
  zt_pos mtls_pos;
  zt_port_mtls *ports;
  uint32_t n_ports;
  bool has_ports;
  zt_pos ports_pos;
} zt_peer_authn;

typedef struct zt_jwt_header {
  zt_sval name;
  zt_sval prefix;
  zt_pos pos;
} zt_jwt_header;

typedef struct zt_claim_header {
  zt_sval header;
  zt_sval claim;
  zt_pos pos;
} zt_claim_header;

typedef struct zt_jwt_rule {
  zt_sval issuer;
  zt_slist audiences;
  zt_sval jwks_uri;
  zt_sval jwks;
  zt_jwt_header *from_headers;
  uint32_t n_from_headers;
  bool has_from_headers;
  zt_slist from_params;
  zt_slist from_cookies;
  zt_sval output_payload_to_header;
  zt_claim_header *output_claims;
  uint32_t n_output_claims;
  bool forward_original_token;
  bool has_timeout;
  uint64_t timeout_ms;
  zt_slist space_delimited_claims;
  zt_pos pos;
} zt_jwt_rule;

typedef struct zt_request_authn {
  zt_selector selector;
  zt_target_ref target_ref;
  bool has_target_ref;
  zt_target_refs target_refs;
  zt_jwt_rule *rules;
  uint32_t n_rules;
} zt_request_authn;

/* A Kubernetes Service, kept only so that lint can tell which workload
 * ports are TCP. */
typedef struct zt_service_port {
  zt_sval name;
  zt_sval app_protocol;
  uint32_t port;
  uint32_t target_port; /* 0 when named or absent */
} zt_service_port;

typedef struct zt_service {
  zt_label *selector;
  uint32_t n_selector;
  zt_service_port *ports;
  uint32_t n_ports;
} zt_service;

#define ZT_OBJ_AUTHZ ZT_KIND_AUTHORIZATION_POLICY
#define ZT_OBJ_PEER ZT_KIND_PEER_AUTHENTICATION
#define ZT_OBJ_REQUEST ZT_KIND_REQUEST_AUTHENTICATION
#define ZT_OBJ_SERVICE 3

extern const char *const zt_kind_names[4];

typedef struct zt_object {
  uint32_t kind; /* ZT_OBJ_* */
  zt_sval api_version;
  zt_sval name;
  zt_sval ns;
  bool has_creation;
  int64_t creation; /* metadata.creationTimestamp, Unix seconds */
  bool dry_run;
  bool has_dry_run;
  zt_pos dry_run_pos;
  const char *source; /* file or buffer name */
  int32_t document;
  uint32_t order;   /* load order within the set */
  bool set_checked; /* set-level checks already reported on it */
  zt_pos pos;
  union {
    zt_authz_policy authz;
    zt_peer_authn peer;
    zt_request_authn request;
    zt_service service;
  } u;
} zt_object;

/* A growable array of object pointers (objects live in the set's arena). */
typedef struct zt_objvec {
  zt_object **v;
  size_t n;
  size_t cap;
} zt_objvec;

typedef struct zt_policyset {
  zt_arena arena;
  zt_objvec kinds[4]; /* by ZT_OBJ_* */
} zt_policyset;

void zt_policyset_init(zt_policyset *ps, const zt_allocator *mem);
void zt_policyset_free(zt_policyset *ps);
bool zt_policyset_add(zt_policyset *ps, zt_object *obj);

#endif
