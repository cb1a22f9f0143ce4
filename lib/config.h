/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The configuration: one YAML file with Datadog's key names, overridden by
 * DD_ environment variables, overridden by values set at run time.
 *
 * Every key cws knows is a line in one table (lib/config.c) with its type,
 * its default and flags; nothing else needs to change to add one. Nested
 * YAML maps are flattened to dotted keys, so
 *
 *	runtime_security_config:
 *	  network:
 *	    enabled: false
 *
 * sets "runtime_security_config.network.enabled", and so does the variable
 * DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED=false. Each value remembers
 * where it came from (default, file with line and column, environment
 * variable, run time) so that status and flare can say so.
 *
 * Values are parsed when they are loaded, so a wrong type is reported with
 * its file, line and column before any tool starts work; getters never fail.
 * A struct cws_config is not thread-safe; tools load it once in main().
 */
#ifndef CWS_CONFIG_H
#define CWS_CONFIG_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>

#define CWS_CONFIG_MAX_FILE (1 << 20) /* bytes of one configuration file */
#define CWS_CONFIG_MAX_DEPTH 32 /* nesting of YAML maps and lists */
#define CWS_CONFIG_MAX_KEY 255 /* bytes of one dotted key */
#define CWS_CONFIG_MAX_NODES 65536 /* YAML nodes visited, aliases counted */
#define CWS_CONFIG_MAX_WARNINGS 100 /* warnings kept per configuration */

#ifndef CWS_SYSCONFDIR
#define CWS_SYSCONFDIR "/etc" /* the Makefile passes SYSCONFDIR */
#endif

/* The file read when no -c is given. */
#define CWS_CONFIG_DEFAULT_PATH CWS_SYSCONFDIR "/cws/cws.yaml"

enum cws_config_type {
	CWS_CONFIG_STRING,
	CWS_CONFIG_BOOL, /* true/false, yes/no, on/off, t/f, y/n, 1/0 */
	CWS_CONFIG_INT, /* long long; decimal, 0x hex */
	CWS_CONFIG_FLOAT, /* double, finite */
	CWS_CONFIG_DURATION, /* seconds as a number, or Go's "1m30s" */
	CWS_CONFIG_LIST, /* strings; space separated in the environment */
	CWS_CONFIG_ANY, /* JSON text, e.g. a list of maps */
};

/* Sources in increasing precedence: a value never replaces a higher one. */
enum cws_config_source {
	CWS_CONFIG_SRC_DEFAULT,
	CWS_CONFIG_SRC_FILE,
	CWS_CONFIG_SRC_ENV,
	CWS_CONFIG_SRC_RUNTIME,
};

/* Flags of a key (struct cws_config_item.flags). */
#define CWS_CONFIG_F_SECRET 0x1 /* scrub the value before showing it */
#define CWS_CONFIG_F_EVMON 0x2 /* also event_monitoring_config.<rest> */
#define CWS_CONFIG_F_CWS 0x4 /* a cws extension, unknown to Datadog */

/* Where loading failed. line and col are 1-based, 0 when not in a file. */
struct cws_config_err {
	char file[256]; /* the file, or "" for the environment and run time */
	int line;
	int col;
	char msg[512]; /* "<key>: expected a boolean, got 'maybe'" */
};

/* One key as the iterator shows it; pointers live as long as the value. */
struct cws_config_item {
	const char *key; /* "runtime_security_config.network.enabled" */
	enum cws_config_type type;
	unsigned flags; /* CWS_CONFIG_F_* */
	enum cws_config_source source;
	const char *value; /* the value as text, see cws_config_get_string */
	const char *def; /* the default as text */
	const char *file; /* CWS_CONFIG_SRC_FILE: the file, else NULL */
	int line, col; /* CWS_CONFIG_SRC_FILE: where the value starts */
	const char *env; /* CWS_CONFIG_SRC_ENV: the variable, else NULL */
};

struct cws_config;

/*
 * Allocates a configuration holding every key's default. Returns NULL with
 * errno set on failure. Free it with cws_config_free.
 */
struct cws_config *cws_config_new(void);

/* Frees a configuration and every string it handed out; accepts NULL. */
void cws_config_free(struct cws_config *cfg);

/*
 * The whole loading sequence of a tool: reads path, or
 * CWS_CONFIG_DEFAULT_PATH when path is NULL (a missing default file is
 * fine: defaults and environment apply), then the DD_ variables of environ,
 * then logs each new warning once with cws_warnx. An explicit path that
 * cannot be read is an error. Returns 0, or a negative errno with err
 * filled; the configuration may then hold part of the input: callers exit,
 * or load again into a new configuration.
 */
int cws_config_load(struct cws_config *cfg, const char *path,
		    struct cws_config_err *err);

/* Flag for cws_config_load_file: a missing file is not an error. */
#define CWS_CONFIG_OPTIONAL 0x1

/*
 * Reads one file (at most CWS_CONFIG_MAX_FILE bytes) without looking at
 * the environment and without logging. flags is 0 or CWS_CONFIG_OPTIONAL.
 * Returns 0, -ENOENT (file missing and not optional), -EFBIG, -EINVAL for
 * bad YAML or a bad value, another negative errno for I/O; err is filled.
 */
int cws_config_load_file(struct cws_config *cfg, const char *path,
			 unsigned flags, struct cws_config_err *err);

/*
 * Parses len bytes of YAML as if read from a file called name (used in
 * messages and as the values' source). Unknown keys are collected as
 * warnings, see cws_config_warning. Returns 0 or -EINVAL/-EFBIG/-ENOMEM
 * with err filled.
 */
int cws_config_load_buffer(struct cws_config *cfg, const char *name,
			   const char *data, size_t len,
			   struct cws_config_err *err);

/*
 * Applies the DD_ variables of envp ("NAME=value" strings, NULL-terminated,
 * e.g. environ): each key is read from "DD_" + the key upper-cased with
 * dots turned into underscores. A key flagged CWS_CONFIG_F_EVMON is first
 * read from DD_EVENT_MONITORING_CONFIG_<rest>, as Datadog does. An empty
 * variable counts as unset. Lists are space separated; CWS_CONFIG_ANY
 * values are kept as given (JSON). Unknown DD_ variables are ignored.
 * Returns 0 or -EINVAL with err naming the variable.
 */
int cws_config_load_env(struct cws_config *cfg, char *const *envp,
			struct cws_config_err *err);

/*
 * Sets key from text, parsed like an environment value, with source
 * CWS_CONFIG_SRC_RUNTIME. Returns 0, -ENOENT for an unknown key, -EINVAL
 * for a bad value (err filled; err may be NULL).
 */
int cws_config_set(struct cws_config *cfg, const char *key, const char *value,
		   struct cws_config_err *err);

/*
 * Getters. The strings and lists belong to cfg and stay valid until the
 * key is set again or cfg is freed. Asking for a key that does not exist,
 * or with the getter of another type, is a programming error: the getter
 * logs it and returns the zero value ("", false, 0, an empty list).
 *
 * cws_config_get_string works for every type and returns the value as
 * text: "true", "42", "1m30s", list elements joined by one space, JSON for
 * CWS_CONFIG_ANY. cws_config_get_float also reads INT keys, and DURATION
 * keys in seconds; cws_config_get_duration_ns also reads INT and FLOAT keys
 * as seconds. cws_config_get_list returns a NULL-terminated array and
 * stores its length in *n when n is not NULL.
 */
const char *cws_config_get_string(const struct cws_config *cfg,
				  const char *key);
bool cws_config_get_bool(const struct cws_config *cfg, const char *key);
long long cws_config_get_int(const struct cws_config *cfg, const char *key);
double cws_config_get_float(const struct cws_config *cfg, const char *key);
long long cws_config_get_duration_ns(const struct cws_config *cfg,
				     const char *key);
const char *const *cws_config_get_list(const struct cws_config *cfg,
				       const char *key, size_t *n);

/* Where key's value came from; CWS_CONFIG_SRC_DEFAULT for unknown keys. */
enum cws_config_source cws_config_source(const struct cws_config *cfg,
					 const char *key);

/* "default", "file", "env" or "runtime". */
const char *cws_config_source_name(enum cws_config_source source);

/* "string", "bool", "int", "float", "duration", "list" or "any". */
const char *cws_config_type_name(enum cws_config_type type);

/*
 * Fills item for one key. Returns 0, or -ENOENT when cws knows no such key.
 */
int cws_config_lookup(const struct cws_config *cfg, const char *key,
		      struct cws_config_item *item);

/*
 * Iterates over every key in table order:
 *
 *	size_t pos = 0;
 *	struct cws_config_item it;
 *
 *	while (cws_config_next(cfg, &pos, &it))
 *		printf("%s: %s (%s)\n", it.key,
 *		       it.flags & CWS_CONFIG_F_SECRET ? "********" : it.value,
 *		       cws_config_source_name(it.source));
 *
 * Returns true and advances *pos while keys remain.
 */
bool cws_config_next(const struct cws_config *cfg, size_t *pos,
		     struct cws_config_item *item);

/* Number of warnings (unknown keys) collected so far. */
size_t cws_config_warning_count(const struct cws_config *cfg);

/*
 * The i-th warning, "cws.yaml:4:3: unknown key 'foo.bar'", or NULL past
 * the end. Each unknown key is kept once, at most CWS_CONFIG_MAX_WARNINGS.
 */
const char *cws_config_warning(const struct cws_config *cfg, size_t i);

/*
 * Formats err as one line, "file:line:col: msg" when it has a position,
 * else msg; returns buf.
 */
const char *cws_config_err_format(const struct cws_config_err *err, char *buf,
				  size_t len);

#endif
