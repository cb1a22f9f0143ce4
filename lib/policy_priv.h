/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the files of the policy module share and nobody else sees:
 * policy.c (arena, definitions, adding files), policy_filter.c
 * (agent_version and host filters), policy_yaml.c (reading a file's YAML
 * into definitions) and policy_compile.c (merging and compiling).
 */
#ifndef CWS_POLICY_PRIV_H
#define CWS_POLICY_PRIV_H

#include "compat.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>

#define MAX_ID 255 /* bytes of a rule or macro id */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct cws_policy_priv {
	struct chunk *chunks;
	bool nomem;
	bool compiled;
	struct cws_policy_opts opts;
	struct cws_policy_host host;
	const char *agent_version;
	size_t cap_rules, cap_macros;
	size_t cli_file; /* index of the "cli" file, or SIZE_MAX */
	unsigned nexprs;
	struct cws_ruleset_policy *ev_policies; /* cws_policy_ruleset_event */
};

/*
 * The arena (policy.c): zeroed memory freed with the policy. On failure
 * they return NULL and set pv->nomem, which the public calls report.
 * Every file of the module calls them on most lines, under short names.
 */
void *cws_policy_alloc(struct cws_policy_priv *pv, size_t n);
char *cws_policy_strndup(struct cws_policy_priv *pv, const char *s, size_t n);
/* NULL for NULL. */
char *cws_policy_strdup(struct cws_policy_priv *pv, const char *s);
CWS_PRINTF(2, 3)
char *cws_policy_printf(struct cws_policy_priv *pv, const char *fmt, ...);
/* Appends s to a string list grown in the arena. */
void cws_policy_list_add(struct cws_policy_priv *pv, const char ***v, size_t *n,
			 const char *s);

#define palloc cws_policy_alloc
#define pstrndup cws_policy_strndup
#define pstrdup cws_policy_strdup
#define pprintf cws_policy_printf
#define plist_add cws_policy_list_add

/* A new zeroed definition at the end of p's arrays, or NULL (E2BIG, or
 * pv->nomem). Pointers to earlier ones may move until compiling. */
struct cws_policy_rule *cws_policy_new_rule(struct cws_policy *p);
struct cws_policy_macro *cws_policy_new_macro(struct cws_policy *p);

/* Reads the running host's facts (uname, os-release) into pv->host. */
void cws_policy_read_host(struct cws_policy_priv *pv);

/*
 * Parses one file's bytes into definitions attributed to f; a file that
 * is not valid YAML gets f->error and adds nothing (policy_yaml.c).
 */
void cws_policy_parse(struct cws_policy *p, struct cws_policy_file *f,
		      const char *data, size_t len);

#endif
