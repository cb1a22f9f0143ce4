/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one YAML walker of cws (configuration and policies): libyaml's
 * document tree behind a loader that refuses what would hurt, and the
 * accessors both readers need.
 *
 * Loading reads the input twice: a first pass with libyaml's event parser
 * checks the syntax and the nesting depth before any tree is built, then
 * the document loader builds the tree. Aliases are pointers in that tree,
 * so walkers fetch nodes through cws_ydoc_node, which counts them: a
 * document of nested aliases cannot make a walk run for ever.
 *
 * Errors carry their position (line and column from 1; a reader error,
 * bad bytes, also its byte offset) and libyaml's own words, so that each
 * caller words its message the way its users already know it.
 */
#ifndef CWS_YDOC_H
#define CWS_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

enum cws_ydoc_err_kind {
	CWS_YDOC_SYNTAX, /* libyaml refused the text */
	CWS_YDOC_READER, /* bad bytes (encoding): offset is exact */
	CWS_YDOC_DEPTH, /* nested deeper than the caller allows */
	CWS_YDOC_NOMEM,
};

struct cws_ydoc_err {
	enum cws_ydoc_err_kind kind;
	int line, col; /* from 1; 0 when unknown */
	size_t offset; /* CWS_YDOC_READER: the byte libyaml stopped at */
	const char *problem; /* libyaml's words, static; never NULL */
	const char *context; /* what libyaml was reading, or NULL */
	int context_line;
};

struct cws_ydoc {
	yaml_document_t doc;
	bool loaded;
	unsigned long budget; /* nodes cws_ydoc_node may still hand out */
	bool overflow; /* the budget ran out */
};

/*
 * Checks then loads the first document of data[0..len) into d, allowing
 * max_depth nested maps and lists and handing out max_nodes nodes.
 * Returns 0, or -EINVAL (syntax, depth) or -ENOMEM with err filled. d
 * needs cws_ydoc_release either way.
 */
int cws_ydoc_load(struct cws_ydoc *d, const char *data, size_t len,
		  int max_depth, unsigned long max_nodes,
		  struct cws_ydoc_err *err);

/* Frees the tree; d may be zeroed, loaded or failed. */
void cws_ydoc_release(struct cws_ydoc *d);

/* The root node, or NULL for an empty stream; not counted. */
yaml_node_t *cws_ydoc_root(struct cws_ydoc *d);

/*
 * The node at index idx (an item, key or value of another node), counted
 * against the budget: NULL, with d->overflow set, once it is spent.
 */
yaml_node_t *cws_ydoc_node(struct cws_ydoc *d, int idx);

/* The value of key in map m (counted), or NULL: not a map, or no key. */
yaml_node_t *cws_ydoc_get(struct cws_ydoc *d, yaml_node_t *m, const char *key);

/* A scalar's text, or NULL for another node or for text with a NUL byte. */
const char *cws_ydoc_scalar(const yaml_node_t *n);

/* True if the scalar's text holds a NUL byte (cws_ydoc_scalar refuses it). */
bool cws_ydoc_has_nul(const yaml_node_t *n);

/* An unquoted scalar, whose text YAML 1.1 may resolve to null or a bool. */
bool cws_ydoc_plain(const yaml_node_t *n);

/* A plain ~, null, Null, NULL or empty scalar: as if the key were absent. */
bool cws_ydoc_null(const yaml_node_t *n);

/* YAML 1.1 booleans (yes/no/on/off/y/n/true/false, any case), as Go's
 * yaml.v2 reads them. Returns 0, or -EINVAL for anything else. */
int cws_ydoc_bool(const yaml_node_t *n, bool *b);

/* The position of a node's start, from 1 (saturated). */
int cws_ydoc_line(const yaml_node_t *n);
int cws_ydoc_col(const yaml_node_t *n);

/* The same for a libyaml mark. */
int cws_ydoc_mark_line(yaml_mark_t m);
int cws_ydoc_mark_col(yaml_mark_t m);

#endif
