/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the files of the configuration module share and nobody else sees:
 * config.c holds the table of keys, the values and their parsing, the
 * environment and the getters; config_yaml.c walks a YAML file into them.
 */
#ifndef CWS_CONFIG_PRIV_H
#define CWS_CONFIG_PRIV_H

#include "compat.h"
#include "config.h"

#include <stdbool.h>
#include <stddef.h>

struct key {
	const char *name;
	enum cws_config_type type;
	const char *def; /* default, written as an environment value */
	unsigned flags;
	/* Extra validation: returns NULL, or what was expected. */
	const char *(*check)(const char *text);
};

/* Every key cws reads (config.c), cws_config_nkeys of them. */
extern const struct key cws_config_keys[];
extern const size_t cws_config_nkeys;

/* The YAML spelling Datadog now prefers for the CWS_CONFIG_F_EVMON keys. */
static const char evmon_ns[] = "event_monitoring_config";
static const char rsc_ns[] = "runtime_security_config";

struct value {
	enum cws_config_source source;
	bool via_alias; /* set from event_monitoring_config.* in a file */
	char *text; /* always set once loaded */
	bool b;
	long long i; /* INT; DURATION in nanoseconds */
	double f;
	char **list; /* NULL-terminated */
	size_t nlist;
	char *origin; /* file name or environment variable */
	int line, col;
};

/* A growing string with a hard cap (curl's dynbuf). */
struct buf {
	char *p;
	size_t len, cap;
};

#define BUF_MAX CWS_CONFIG_MAX_FILE

int cws_config_buf_add(struct buf *b, const char *s, size_t n);
int cws_config_buf_puts(struct buf *b, const char *s);
/* The text, NUL-terminated, now the caller's; NULL if out of memory. */
char *cws_config_buf_take(struct buf *b);
void cws_config_buf_release(struct buf *b);

/* Fills err (when not NULL) and returns rc. */
int cws_config_fail(struct cws_config_err *err, const char *file, int line,
		    int col, int rc, const char *fmt, ...) CWS_PRINTF(6, 7);
/* Quotes a value for a message into out: 'text', cut and made printable. */
const char *cws_config_quote(const char *s, char *out, size_t len);
/* The key named name (idx set), or NULL. */
const struct key *cws_config_find_def(const char *name, size_t *idx);
/* What a value of k should look like, for messages. */
const char *cws_config_expected(const struct key *k);
void cws_config_value_release(struct value *v);
/* Parses text s as a value of k; on -EINVAL *what says what was wanted. */
int cws_config_parse_text(const struct key *k, const char *s, struct value *v,
			  const char **what);
/* Stores nv in slot idx unless the slot holds a value of higher rank. */
void cws_config_commit(struct cws_config *cfg, size_t idx, struct value *nv);
int cws_config_list_push(struct value *v, const char *s, size_t n);
/* Sets v->text from the list's elements. */
int cws_config_list_text(struct value *v);
/* Datadog's booleans (cast.ToBool, and YAML 1.1's words). */
int cws_config_parse_bool(const char *s, bool *b);
/*
 * Records the warning "file:line:col: unknown key 'key'" once per key.
 * Returns 0 (also when full) or -ENOMEM.
 */
int cws_config_warn_unknown(struct cws_config *cfg, const char *key,
			    const char *file, int line, int col);

#endif
