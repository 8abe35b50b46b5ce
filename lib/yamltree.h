/*
 * YAML streams as small node trees, one document at a time, with the limits
 * that untrusted input needs (size, depth, scalar length, node count), no
 * anchors or aliases, no merge keys, no duplicate keys, and exact positions.
 *
 * libyaml does the scanning; this layer turns its events into nodes. A
 * document's nodes live in an arena that is freed when the per-document
 * callback returns: callers copy what they keep.
 */
#ifndef ZT_YAMLTREE_H
#define ZT_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

#define ZT_YNODE_SCALAR 1
#define ZT_YNODE_MAP 2
#define ZT_YNODE_SEQ 3

/* How a scalar was written; only plain scalars resolve to non-strings. */
#define ZT_YSTYLE_PLAIN 0
#define ZT_YSTYLE_QUOTED 1 /* single, double, literal or folded */

typedef struct zt_ynode zt_ynode;
struct zt_ynode {
  uint8_t type;
  uint8_t style;
  uint8_t str_tag; /* explicit !!str */
  uint32_t line;   /* 1-based */
  uint32_t col;    /* 1-based */
  uint32_t len;    /* scalar bytes, map pairs or sequence items */
  const char *str; /* scalar text, NUL-terminated, no NUL inside */
  zt_ynode **kids; /* map: key0, value0, key1, ...; seq: items */
};

/* The type a scalar resolves to, as Kubernetes' YAML reader sees it. */
#define ZT_YS_NULL 0
#define ZT_YS_BOOL 1
#define ZT_YS_INT 2
#define ZT_YS_FLOAT 3
#define ZT_YS_STR 4

int zt_yscalar_kind(const zt_ynode *n);
/* The name of a node's type for messages: "a string", "a mapping", ... */
const char *zt_ynode_describe(const zt_ynode *n);
bool zt_ynode_is_null(const zt_ynode *n);
/* The value for key in a mapping, or NULL. */
const zt_ynode *zt_ymap_get(const zt_ynode *map, const char *key);

typedef struct zt_yaml_limits {
  uint64_t max_bytes;
  uint32_t max_depth;
  uint32_t max_scalar;
  uint32_t max_nodes;
} zt_yaml_limits;

typedef struct zt_yaml_error {
  int code; /* ZT_ESYNTAX or ZT_ELIMIT, or what the callback returned */
  uint32_t line;
  uint32_t col;
  int32_t document;
  char message[256];
} zt_yaml_error;

/* Called for each document; root is NULL for an empty document. A non-zero
 * return stops the stream and is returned by zt_yaml_parse. */
typedef int (*zt_yaml_doc_fn)(void *ctx, const zt_ynode *root, uint32_t index);

int zt_yaml_parse(const char *buf, size_t len, const zt_yaml_limits *lim,
                  const zt_allocator *mem, zt_yaml_doc_fn fn, void *ctx,
                  zt_yaml_error *err);

#endif
