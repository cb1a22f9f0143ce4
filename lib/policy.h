/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Policies: directories of Datadog `*.policy` YAML files (and -e rules
 * from a command line) turned into one compiled SECL ruleset plus the
 * status of every rule, which is what Datadog reports in ruleset_loaded.
 * cws-filter evaluates the ruleset; cws-probe will read the same
 * directory through this module to derive its in-kernel approvers, so
 * the two can never disagree about which rules are loaded.
 *
 * Loading is two steps, as in Datadog's loader:
 *
 *	p = cws_policy_new(&opts);
 *	cws_policy_add_dir(p, "/etc/cws/runtime-security.d");  // parse
 *	cws_policy_add_expr(p, "open.file.path == \"/etc/shadow\"");
 *	cws_policy_compile(p);                                   // merge, build
 *	... cws_secl_ruleset_eval(p->rs, ev, cb, arg) ...
 *	cws_policy_free(p);
 *
 * Adding parses and filters: a file that is not valid YAML is skipped
 * (its status says why), a rule or macro whose agent_version excludes
 * this agent, or whose filters exclude this host (Windows-only rules),
 * is "filtered", not an error. Compiling merges same-id definitions in
 * load order (disabled, combine: override), adds the macros, declares
 * the variables of the `set` actions, then compiles each rule; a rule
 * that fails is skipped and keeps the error, the rest load. Only a
 * missing directory or a lack of memory fails a whole load.
 *
 * The library never prints: callers walk p->rules and p->macros and say
 * what they want (cws-filter prints one line per failed rule).
 */
#ifndef CWS_POLICY_H
#define CWS_POLICY_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "secl.h"

/* Caps on what a policy directory may hold (policies are input). */
#define CWS_POLICY_MAX_FILE (4u << 20) /* bytes of one policy file */
#define CWS_POLICY_MAX_FILES 1024 /* policy files in one directory */
#define CWS_POLICY_MAX_DEPTH 32 /* nesting of YAML maps and lists */
#define CWS_POLICY_MAX_NODES (1u << 20) /* YAML nodes visited per file */
#define CWS_POLICY_MAX_ACTIONS 32 /* actions of one rule */
#define CWS_POLICY_MAX_TAGS 256 /* tags and product_tags of one rule */
#define CWS_POLICY_MAX_EXPRS 1024 /* -e rules */

/*
 * The agent version rules' agent_version constraints are checked against:
 * cws implements what Datadog's agent 7.73 understands.
 */
#define CWS_POLICY_AGENT "7.73.0"

/* The status of a rule, as Datadog names them in ruleset_loaded. */
enum cws_policy_status {
	CWS_POLICY_LOADED = 0, /* "loaded" */
	CWS_POLICY_DISABLED, /* "disabled": disabled: true (filtered) */
	CWS_POLICY_AGENT_VERSION, /* "agent_version_error" (filtered) */
	CWS_POLICY_AGENT_FILTER, /* "agent_filter_error" (filtered) */
	CWS_POLICY_EVENT_TYPE, /* "event_type_disabled": not captured */
	CWS_POLICY_SYNTAX, /* "syntax_error" */
	CWS_POLICY_ERROR, /* "error": anything else */
};

/* What a status means for counting: loaded, filtered out, or failed. */
enum cws_policy_class {
	CWS_POLICY_CLASS_LOADED = 0,
	CWS_POLICY_CLASS_FILTERED,
	CWS_POLICY_CLASS_FAILED,
};

/* "loaded", "agent_version_error", ... */
const char *cws_policy_status_name(enum cws_policy_status s);
enum cws_policy_class cws_policy_status_class(enum cws_policy_status s);
/* "loaded", "filtered", "failed". */
const char *cws_policy_class_name(enum cws_policy_class c);

enum cws_policy_action_type {
	CWS_POLICY_ACT_SET = 1,
	CWS_POLICY_ACT_KILL,
	CWS_POLICY_ACT_OTHER, /* coredump, log, ...: not run */
	CWS_POLICY_ACT_HASH, /* run by cws-filter (cws-filter(8)) */
};

/* Where a kill action sends its signal. */
enum cws_policy_kill_scope {
	CWS_POLICY_KILL_PROCESS = 0,
	CWS_POLICY_KILL_CONTAINER,
};

/*
 * One action of a rule. An action that cws cannot run (an unsupported
 * type, a bad field, a variable of the wrong type) has usable false and
 * is never run; the rule still loads and its message says why, as in
 * Datadog 7.60 ("skipping invalid action").
 */
struct cws_policy_action {
	enum cws_policy_action_type type;
	const char *name; /* "set", "kill", "hash", ... as written */
	bool usable;
	const char *why; /* not usable: why */
	const char *filter_text; /* the action's `filter:`, or NULL */
	struct cws_secl_expr *filter; /* compiled, or NULL */

	/* set */
	const char *var_name;
	int var; /* variable id in the ruleset */
	enum cws_secl_scope scope;
	enum cws_secl_kind kind; /* of the variable */
	bool append;
	bool inherited;
	uint32_t size; /* max values of an array; 0: no cap but secl's */
	uint64_t ttl_ns;
	bool has_value; /* `value:` given */
	struct cws_secl_value value; /* `value:`, when expr is NULL */
	bool has_default;
	struct cws_secl_value def; /* `default_value:` */
	const char *field; /* `field:`, or NULL */
	const char *expression; /* `expression:`, or NULL */
	struct cws_secl_expr *expr; /* compiled field or expression */
	const char *scope_field_text; /* `scope_field:`, or NULL */
	struct cws_secl_expr *scope_field; /* compiled, or NULL */

	/* kill */
	int signal; /* SIGKILL, ... */
	const char *signal_name; /* "SIGKILL" */
	enum cws_policy_kill_scope kill_scope;

	/*
	 * hash: field is the file (`process.file`, ...; NULL: the event's
	 * own, open.file or exec.file), max_file_size its `max_file_size`
	 * in bytes (0: the configuration's).
	 */
	uint64_t max_file_size;
};

struct cws_policy_file;

/* override_options.fields of a rule with combine: override. */
#define CWS_POLICY_OVERRIDE_EXPRESSION 0x1
#define CWS_POLICY_OVERRIDE_ACTIONS 0x2
#define CWS_POLICY_OVERRIDE_EVERY 0x4
#define CWS_POLICY_OVERRIDE_TAGS 0x8
#define CWS_POLICY_OVERRIDE_ALL 0x10

/*
 * One rule definition as read, with its final status. Strings belong to
 * the policy. Definitions folded into an earlier one with the same id
 * (combine: override, or a later disabled: true) have merged set and are
 * not rules of their own: reports skip them, and the earlier rule lists
 * their file in modified_by.
 */
struct cws_policy_rule {
	const char *id;
	const char *version; /* or NULL */
	const char *expression; /* or NULL */
	const char *description; /* Datadog's event title; or NULL */
	const char *group_id; /* or NULL */
	const char *agent_version; /* the constraint, or NULL */
	const struct cws_policy_file *file;
	unsigned line; /* of the rule in its file, 0 for -e */
	struct cws_kv *tags;
	size_t ntags;
	const char **product_tags;
	size_t nproduct_tags;
	bool disabled;
	const char *combine; /* "override", or NULL */
	unsigned override_fields; /* CWS_POLICY_OVERRIDE_*; 0: expression */
	bool silent; /* evaluated, actions run, no record written */
	uint64_t every_ns; /* at most one match per period; 0: no limit */
	struct cws_policy_action *actions;
	size_t nactions;
	bool has_kill; /* a usable kill action */
	bool has_hash; /* a usable hash action */
	const char **modified_by; /* names of the files that changed it */
	size_t nmodified_by;
	bool merged;

	enum cws_policy_status status;
	/*
	 * Why a rule is not loaded; for a loaded rule, warnings (actions
	 * skipped, fields cws does not capture), else NULL.
	 */
	const char *message;
	/* For errors in the expression: the byte offset, else -1. */
	long err_pos;
	struct cws_secl_rule *secl; /* loaded rules only; data is this */
	size_t index; /* in p->rules */
};

/* One macro definition and its status (filtered, failed or loaded). */
struct cws_policy_macro {
	const char *id;
	const struct cws_policy_file *file;
	unsigned line;
	const char *expression; /* or NULL for a values list */
	const char **values;
	size_t nvalues;
	const char *combine; /* "merge", "override", or NULL */
	bool merged; /* folded into an earlier macro with the same id */
	enum cws_policy_status status;
	const char *message;
	long err_pos;
};

/*
 * One policy file (or the command line's -e rules, source "cli"). error
 * is set when the whole file was skipped (unreadable, too large, invalid
 * YAML); the counts cover the rules defined in it.
 */
struct cws_policy_file {
	const char *name; /* "default.policy", or "cli" */
	const char *path; /* or NULL */
	const char *version; /* `version:`, or NULL */
	const char *source; /* "file" or "cli" */
	const char *error;
	size_t loaded, filtered, failed;
};

/* Facts about the host that rule `filters` are evaluated against. */
struct cws_policy_host {
	const char *os; /* "linux" */
	const char *os_id; /* /etc/os-release ID, e.g. "debian" */
	const char *os_version_id; /* VERSION_ID */
	const char *os_platform_id; /* PLATFORM_ID */
	const char *hostname;
	const char *kernel_flavor; /* "generic" in 6.8.0-31-generic */
	int kernel_major, kernel_minor, kernel_patch, kernel_abi;
};

struct cws_policy_opts {
	/* Checked against agent_version; NULL: CWS_POLICY_AGENT. */
	const char *agent_version;
	/* Facts for filters; NULL: read from uname(2) and /etc/os-release. */
	const struct cws_policy_host *host;
	/*
	 * False when runtime_security_config.enforcement.enabled is: kill
	 * actions are then refused at load ("'kill' action is disabled
	 * globally"), as Datadog does.
	 */
	bool kill_disabled;
};

struct cws_policy_priv;

struct cws_policy {
	struct cws_secl_ruleset *rs; /* after cws_policy_compile */
	struct cws_policy_file *files;
	size_t nfiles;
	struct cws_policy_rule *rules; /* every definition, in load order */
	size_t nrules;
	struct cws_policy_macro *macros;
	size_t nmacros;
	/* After compiling: rules per class (merged definitions excluded). */
	size_t loaded, filtered, failed;
	size_t macros_failed;
	bool has_kill; /* a loaded rule has a usable kill action */
	bool has_hash; /* a loaded rule has a usable hash action */
	struct cws_policy_priv *priv;
};

/*
 * Creates an empty policy set; opts may be NULL (all defaults) and is
 * copied. Returns NULL with errno ENOMEM. Free with cws_policy_free.
 */
struct cws_policy *cws_policy_new(const struct cws_policy_opts *opts);

/* Frees p, its ruleset and every string it handed out. Accepts NULL. */
void cws_policy_free(struct cws_policy *p);

/*
 * Adds every regular file named *.policy in dir: default.policy first,
 * then the others in byte order of their names (dot files are skipped).
 * A file that cannot be read is recorded with its error; the others are
 * read. Returns the number of files found (0 is allowed), or -ENOENT,
 * -ENOTDIR, -EACCES ... when dir itself cannot be read, -E2BIG past
 * CWS_POLICY_MAX_FILES, -ENOMEM, or -EBUSY after cws_policy_compile.
 */
int cws_policy_add_dir(struct cws_policy *p, const char *dir);

/*
 * Adds one policy file, named after its basename. Read errors (missing,
 * too large) are recorded in the file's status, not returned: returns 0,
 * or -ENOMEM / -EBUSY.
 */
int cws_policy_add_file(struct cws_policy *p, const char *path);

/*
 * Adds a policy from memory as if read from a file called name: the
 * fuzz target and the tests use it. Returns as cws_policy_add_file.
 */
int cws_policy_add_buffer(struct cws_policy *p, const char *name,
			  const char *data, size_t len);

/*
 * Adds a rule from the command line: its id is cli_N, N counting from 1
 * in the order of the calls, in the policy "cli". Returns 0, -E2BIG past
 * CWS_POLICY_MAX_EXPRS, -ENOMEM or -EBUSY.
 */
int cws_policy_add_expr(struct cws_policy *p, const char *expr);

/*
 * Merges the definitions, builds p->rs and sets every status and count.
 * Can be called once. Returns 0 (even when no rule loads: check
 * p->loaded), or -ENOMEM.
 */
int cws_policy_compile(struct cws_policy *p);

/*
 * Runs the usable `set` actions of a matching rule on ev, in order,
 * skipping those whose filter is false. Call it from the match callback
 * of cws_secl_ruleset_eval so that later rules see the values. Returns
 * 0 or the first negative errno of cws_secl_var_set (the other actions
 * still run).
 */
int cws_policy_run_sets(struct cws_policy *p, const struct cws_policy_rule *r,
			const struct cws_event *ev);

/* True when action a has no filter, or its filter is true for ev. */
bool cws_policy_action_applies(struct cws_policy *p,
			       const struct cws_policy_action *a,
			       const struct cws_event *ev);

/* The rule a match callback got, from its SECL rule. */
static inline const struct cws_policy_rule *
cws_policy_rule_of(const struct cws_secl_rule *r)
{
	return (const struct cws_policy_rule *)cws_secl_rule_data(r);
}

/* Finds a rule definition by id (not a merged one); NULL if none. */
const struct cws_policy_rule *cws_policy_find(const struct cws_policy *p,
					      const char *id);

/*
 * The policy status as a ruleset_loaded record (lib/event.h): ev is
 * cleared and filled with pointers into p, valid as long as p. Files
 * skipped as a whole appear with no rules and their error. Returns 0 or
 * -ENOMEM.
 */
int cws_policy_ruleset_event(struct cws_policy *p, struct cws_event *ev);

/*
 * Checks an agent_version constraint ("< 7.71", ">=7.65 <7.70",
 * ">= 7.36, < 8 || ^9") against version. Returns 1 (admitted), 0 (not),
 * or -EINVAL for a constraint it cannot parse.
 */
int cws_policy_version_admits(const char *constraint, const char *version);

/*
 * Evaluates a rule filter (`os == "linux"`, `kernel.version.major >= 5`,
 * `os.is_debian`, ...) against host facts. Returns 1, 0, or -EINVAL
 * with a reason in why (may be NULL) for a filter it cannot evaluate.
 */
int cws_policy_filter_eval(const char *filter,
			   const struct cws_policy_host *host, char *why,
			   size_t whylen);

/* lib/policy_load.c: the policies a tool was told to load. */

/* The source of the self-test policy's file (struct cws_policy_file). */
#define CWS_POLICY_SELF_TEST_SOURCE "self-test"

struct cws_policy_source {
	const char *dir; /* a policy directory, or NULL */
	const char *const *exprs; /* -e rules */
	size_t nexprs;
	const char *self_test_dir; /* the self-test policy's target dir */
	bool kill_disabled; /* as struct cws_policy_opts */
	const char *agent_version; /* NULL: CWS_POLICY_AGENT */
};

/*
 * Loads and compiles what src names, in this order: the directory, the
 * self-test policy, the expressions. Rules that fail are kept with their
 * status, as cws_policy_compile does. Returns 0 with *out set, or a
 * negative errno with one line in why (an unreadable directory, a bad
 * self-test directory, memory).
 */
int cws_policy_load(const struct cws_policy_source *src,
		    struct cws_policy **out, char *why, size_t cap);

/*
 * A digest of the loaded rules and macros (ids and expressions, in load
 * order): two tools that loaded the same policies have the same digest.
 * Never 0 for a policy (0 stands for none).
 */
uint64_t cws_policy_digest(const struct cws_policy *p);

/*
 * Prints to out what cws-probe filters in the kernel with p: per event
 * type with rules, its approvers (up to 64 names shown), or which rule
 * has none and why. cws-filter -n -v and the flare show it.
 */
void cws_policy_print_kernel_filters(const struct cws_policy *p, FILE *out);

/* lib/policy_fim.c: the `fim.write.file.*` umbrella. */

/* True when expr names a `fim.write.file.` field. */
bool cws_policy_fim_uses(const char *expr);

/*
 * Adds rule r (its expression uses fim.write.file.) to rs as one SECL
 * rule per file event type that changes a file, each with Datadog's
 * guard and id, all with r as their data. Returns the first, or NULL
 * with errno and err set (the copy that failed is named in err->msg);
 * then none of the copies is left in rs.
 */
struct cws_secl_rule *cws_policy_fim_add(struct cws_secl_ruleset *rs,
					 struct cws_policy_rule *r,
					 struct cws_secl_err *err);

#endif
