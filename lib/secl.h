/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SECL, the rule language of Datadog's Cloud Workload Security, as a
 * library: cws-filter evaluates rules with it and cws-probe will derive
 * in-kernel approvers from the same compiled rules, so the two can never
 * disagree about what a rule means.
 *
 * The grammar, precedence and string-matching semantics are Datadog's, not
 * C's (docs: shared/reference/datadog-cws.md section 1): && and || share
 * one level and group to the right, & | ^ bind tighter than comparisons,
 * `not` applies to one operand, patterns never backtrack, globs are used
 * on *.file.path and *.file.name, array fields have "any element"
 * semantics and `!=` / `not in` mean "no element".
 *
 * Life cycle, as the policy loader uses it:
 *
 *	rs = cws_secl_ruleset_new();
 *	cws_secl_macro_add(rs, "SHELLS", "[\"/bin/sh\", ...]", &err);
 *	cws_secl_var_declare(rs, "seen", CWS_SECL_SCOPE_PROCESS,
 *			     CWS_SECL_BOOL, NULL, &err);   // from `set` actions
 *	rule = cws_secl_rule_add(rs, "my_rule", "exec.file.path in SHELLS",
 *				 my_data, &err);           // one per rule
 *	...
 *	cws_secl_ruleset_eval(rs, ev, on_match, arg);      // per event
 *	cws_secl_ruleset_free(rs);
 *
 * Macros and variables must exist before the rules that use them (as in
 * Datadog, a macro sees only the macros added before it). Datadog
 * declares the variable of every `set` action of every rule before it
 * compiles any rule, since a rule may read a variable that a later rule
 * sets: the loader should do the same (two passes over the rules). A
 * rule that fails to compile is not added and the ruleset stays usable:
 * the caller reports the error and goes on with the next rule.
 *
 * Versions: the language is Datadog 7.60's (the policies' agent_version
 * gates newer syntax; e.g. a `**` inside a glob, allowed from 7.65 on,
 * is refused here as 7.60 does). A few newer names are accepted where
 * they cost nothing: ${builtins.uuid4}, ${cgroup.x}, process.is_exec,
 * *.file.extension, the `d` duration unit.
 *
 * Threads: a ruleset holds the scratch memory of one evaluation, the
 * regex match data and the variable store, so one thread at a time may
 * use it (cws-filter is single-threaded; give each thread its own ruleset
 * otherwise). No function allocates while evaluating an event, except
 * cws_secl_var_set which stores a copy of the value.
 *
 * "now": durations (`process.created_at < 5s` means "created less than
 * 5 s ago") and variable TTLs are measured against the event's own
 * timestamp, never the wall clock, so that replaying a capture gives the
 * same verdicts as seeing it live.
 */
#ifndef CWS_SECL_H
#define CWS_SECL_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Caps on everything sized by the input (a rule is untrusted text). */
#define CWS_SECL_MAX_EXPR (64u * 1024) /* bytes of one expression */
#define CWS_SECL_MAX_DEPTH 128 /* nesting of parentheses and operators */
#define CWS_SECL_MAX_ARRAY 16384 /* members of one array literal */
#define CWS_SECL_MAX_NODES 65536 /* compiled nodes of a rule, macros in */
#define CWS_SECL_MAX_NAME 256 /* rule, macro and variable ids */
#define CWS_SECL_MAX_RULES 65536 /* rules in one ruleset */
#define CWS_SECL_MAX_MACROS 4096
#define CWS_SECL_MAX_VARS 1024 /* declared variables */
#define CWS_SECL_MAX_ITER 100 /* ancestors an [A] iterator visits */
#define CWS_SECL_VAR_MAX_VALUES 1024 /* values of one array variable */
#define CWS_SECL_VAR_MAX_ENTRIES 65536 /* scoped variable instances */
#define CWS_SECL_SCRATCH (2u << 20) /* per-event memory for derived values */

/* Value kinds, of fields, variables and expressions. */
enum cws_secl_kind {
	CWS_SECL_NONE = 0,
	CWS_SECL_BOOL,
	CWS_SECL_INT,
	CWS_SECL_STR,
	CWS_SECL_IP, /* an address or a network (CIDR) */
	CWS_SECL_BOOL_ARRAY,
	CWS_SECL_INT_ARRAY,
	CWS_SECL_STR_ARRAY,
	CWS_SECL_IP_ARRAY,
};

/* Why a call failed; err->code holds the negative errno returned. */
enum cws_secl_err_kind {
	CWS_SECL_ERR_NONE = 0,
	CWS_SECL_ERR_SYNTAX, /* the text does not parse */
	CWS_SECL_ERR_COMPILE, /* types, unknown fields, bad values */
	CWS_SECL_ERR_EVENT_TYPE, /* no event type, or several */
	CWS_SECL_ERR_UNSUPPORTED, /* an event type cws does not capture */
	CWS_SECL_ERR_LIMIT, /* a CWS_SECL_MAX_* cap was hit */
	CWS_SECL_ERR_NOMEM,
};

/*
 * Error detail. msg uses Datadog's wording where it has one ("int
 * expected", "field `x` not found", ...), pos is the byte offset in the
 * expression of the token at fault, rule_id is left to the caller (the
 * library never sets it) and is only used by cws_secl_err_format.
 */
struct cws_secl_err {
	int code;
	enum cws_secl_err_kind kind;
	uint32_t pos;
	const char *rule_id;
	char msg[256];
};

/*
 * Formats err as one line, Datadog style: "rule `id` error: <msg>", with
 * "rule syntax error: <msg>: <line>:<col>" for syntax errors (expr, if
 * not NULL, is used to turn pos into line and column). Returns what
 * snprintf would (the line is cut to fit cap).
 */
int cws_secl_err_format(const struct cws_secl_err *err, const char *expr,
			char *buf, size_t cap);

/*
 * Writes the line of expr holding err->pos, a newline, then spaces (tabs
 * kept) up to the offending column and a caret:
 *
 *	open.file.path == 1
 *	                  ^
 *
 * Lines longer than 120 bytes are shown from a window around pos. Returns
 * what snprintf would, or -EINVAL if pos lies outside expr.
 */
int cws_secl_err_caret(const struct cws_secl_err *err, const char *expr,
		       char *buf, size_t cap);

struct cws_secl_ruleset;
struct cws_secl_rule;
struct cws_secl_node;
struct cws_secl_expr;

/* A string slice: values of fields are not always NUL-terminated. */
struct cws_secl_str {
	const char *p;
	uint32_t n;
};

/*
 * A value read from an event or handed to a variable. Arrays point to
 * memory owned by whoever filled the struct: for cws_secl_expr_eval and
 * cws_secl_var_get, the ruleset, until its next evaluation.
 */
struct cws_secl_value {
	enum cws_secl_kind kind;
	union {
		bool b;
		int64_t i;
		struct cws_secl_str s;
		struct {
			uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
			uint8_t bits; /* prefix length, 0..128 */
		} ip;
		struct {
			const struct cws_secl_str *v;
			size_t n;
		} strs;
		struct {
			const int64_t *v;
			size_t n;
		} ints;
		struct {
			const bool *v;
			size_t n;
		} bools;
	};
};

/*
 * Creates an empty ruleset. Returns NULL with errno ENOMEM on failure.
 * Free it with cws_secl_ruleset_free (which accepts NULL).
 */
struct cws_secl_ruleset *cws_secl_ruleset_new(void);
void cws_secl_ruleset_free(struct cws_secl_ruleset *rs);

/*
 * The host's service name, which event.service reads when no DD_SERVICE
 * is in the process's environment or its ancestors' (Datadog's
 * HostServiceName: the `service:` tag of the configuration). NULL or ""
 * for none. Returns -ENOMEM on failure.
 */
int cws_secl_ruleset_set_host_service(struct cws_secl_ruleset *rs,
				      const char *service);

/*
 * Macros. cws_secl_macro_add parses expr as Datadog does (an expression,
 * an array literal or a single operand) and checks its fields and types
 * on its own; rules then use it by id, as an operand (`m && x`) or as an
 * array (`x in m`), and it is compiled into each rule that uses it. It
 * may use only the macros added before it. Fails with -EINVAL (syntax or
 * type error, err says which), -EEXIST (id taken by a macro, constant or
 * field), -E2BIG (a cap) or -ENOMEM.
 *
 * cws_secl_macro_add_values adds a list macro from plain strings (the
 * YAML `values:` form); they are exact values, never patterns.
 */
int cws_secl_macro_add(struct cws_secl_ruleset *rs, const char *id,
		       const char *expr, struct cws_secl_err *err);
int cws_secl_macro_add_values(struct cws_secl_ruleset *rs, const char *id,
			      const char *const *values, size_t n,
			      struct cws_secl_err *err);

/* Variable scopes: where a `set` action stores its value. */
enum cws_secl_scope {
	CWS_SECL_SCOPE_GLOBAL = 0, /* ${name} */
	CWS_SECL_SCOPE_PROCESS, /* ${process.name}, keyed by process.pid */
	CWS_SECL_SCOPE_CONTAINER, /* ${container.name}, keyed by container.id */
	/*
	 * ${cgroup.name}: Datadog keys it by cgroup; cws has no cgroup ids
	 * yet and keys it by container id, so host processes share one.
	 */
	CWS_SECL_SCOPE_CGROUP,
};

/* Options of a variable declaration; a NULL pointer means all zero. */
struct cws_secl_var_opts {
	uint64_t ttl_ns; /* values expire this long after being set; 0 never */
	uint32_t size; /* max values of an array (oldest go); 0: the cap */
	bool inherited; /* process scope: read the nearest ancestor's value */
	/* Value read while unset (kind must match); NULL: false, 0, "", []. */
	const struct cws_secl_value *def;
};

/*
 * Declares a variable that rules may read as ${name} (global) or
 * ${process.name}, ${container.name}, ${cgroup.name}, and that `set`
 * actions write with cws_secl_var_set. kind is the stored kind: BOOL,
 * INT, STR, INT_ARRAY or STR_ARRAY (Datadog 7.60 stores `value: "x"` and
 * `field:` values as arrays; newer agents keep scalars unless `append`:
 * the loader decides). Declaring a name twice with the same scope and kind
 * returns the same id (several rules may set one variable).
 *
 * Returns the variable id (>= 0), or -EINVAL (bad name or kind), -EEXIST
 * (clashes with a field, a constant, or a declaration of another kind),
 * -E2BIG (CWS_SECL_MAX_VARS) or -ENOMEM; err says why.
 */
int cws_secl_var_declare(struct cws_secl_ruleset *rs, const char *name,
			 enum cws_secl_scope scope, enum cws_secl_kind kind,
			 const struct cws_secl_var_opts *opts,
			 struct cws_secl_err *err);

/* Returns the id of a declared variable by its SECL name (no ${ }). */
int cws_secl_var_lookup(const struct cws_secl_ruleset *rs, const char *name);

/*
 * Compiles expr as a rule and adds it to the bucket of its event type.
 * data is the caller's (returned by cws_secl_rule_data and handed to the
 * match callback); id is copied. Returns the rule, owned by rs, or NULL
 * with errno set and err filled: EINVAL (syntax, types, unknown field or
 * variable, bad value), EOPNOTSUPP (an event type cws does not capture,
 * such as imds: err->kind CWS_SECL_ERR_UNSUPPORTED, so the loader can
 * report it as disabled rather than broken), E2BIG or ENOMEM.
 */
struct cws_secl_rule *cws_secl_rule_add(struct cws_secl_ruleset *rs,
					const char *id, const char *expr,
					void *data, struct cws_secl_err *err);

/*
 * Takes rule r out of rs: it is no longer evaluated, nor seen by the
 * kernel filters (its memory stays with rs until cws_secl_ruleset_free).
 * The policy loader uses it to undo the part of a rule it adds as
 * several SECL rules when one of them fails. Accepts NULL.
 */
void cws_secl_rule_drop(struct cws_secl_ruleset *rs, struct cws_secl_rule *r);

const char *cws_secl_rule_id(const struct cws_secl_rule *r);
const char *cws_secl_rule_expr(const struct cws_secl_rule *r);
void *cws_secl_rule_data(const struct cws_secl_rule *r);
enum cws_event_type cws_secl_rule_event_type(const struct cws_secl_rule *r);

/*
 * Returns the name of a field the rule reads that cws does not capture
 * yet (for instance container.tags or process.envs): such fields read as
 * false, 0, "" or an empty array, so the rule compiles but may never (or
 * always) match. NULL when every field is backed by event data. Worth a
 * warning in the policy status.
 */
const char *cws_secl_rule_unbacked_field(const struct cws_secl_rule *r);

/* Rules of one event type, in the order they were added. */
size_t cws_secl_ruleset_count(const struct cws_secl_ruleset *rs,
			      enum cws_event_type type);
const struct cws_secl_rule *
cws_secl_ruleset_rule(const struct cws_secl_ruleset *rs,
		      enum cws_event_type type, size_t i);

/* Bit (1 << type) set for each event type that has at least one rule. */
uint64_t cws_secl_ruleset_event_types(const struct cws_secl_ruleset *rs);

/*
 * Evaluates ev against every rule of its type (ev->evt.type) and calls
 * match for each rule that matches, in the order the rules were added:
 * every matching rule fires. A match callback may set variables
 * (cws_secl_var_set, cws_secl_expr_eval); later rules of the same event
 * see the new values, as in Datadog. Returns the number of matches, or
 * the first negative value a callback returned (evaluation stops there).
 * Records that are not events, and event types without rules, match
 * nothing. After an exit event of a whole process (pid == tid), the
 * process-scoped variables of that pid are dropped. Not re-entrant: a
 * callback must not call cws_secl_ruleset_eval on the same ruleset
 * (cws_secl_rule_eval, cws_secl_expr_eval and the variable functions
 * are fine).
 */
int cws_secl_ruleset_eval(struct cws_secl_ruleset *rs,
			  const struct cws_event *ev,
			  int (*match)(const struct cws_secl_rule *rule,
				       const struct cws_event *ev, void *arg),
			  void *arg);

/* Evaluates one rule of rs against ev; true when it matches. */
bool cws_secl_rule_eval(struct cws_secl_ruleset *rs,
			const struct cws_secl_rule *rule,
			const struct cws_event *ev);

/*
 * Value expressions, for the policy loader's actions: `set.field`
 * (expr is the field name), `set.expression` (`"${process.a}:${b}"`,
 * `${cgroup.count} + 1`) and action `filter:` (a bool expression). type
 * is the event type of the rule the action belongs to: fields must be
 * common or of that type. The expression lives as long as rs. Returns
 * NULL with errno and err set as cws_secl_rule_add does.
 */
struct cws_secl_expr *cws_secl_expr_compile(struct cws_secl_ruleset *rs,
					    const char *expr,
					    enum cws_event_type type,
					    struct cws_secl_err *err);
enum cws_secl_kind cws_secl_expr_kind(const struct cws_secl_expr *e);

/*
 * Evaluates e on ev into out. Strings and arrays in out point into
 * ev or into rs's scratch memory: valid until the next evaluation on rs
 * that starts outside a match callback. Returns 0, or -E2BIG when the
 * scratch memory ran out (out then holds a truncated value).
 */
int cws_secl_expr_eval(struct cws_secl_ruleset *rs,
		       const struct cws_secl_expr *e,
		       const struct cws_event *ev, struct cws_secl_value *out);

/* Overrides where a scoped variable is stored (Datadog's scope_field). */
struct cws_secl_var_key {
	uint32_t pid; /* process scope */
	const char *id; /* container and cgroup scopes */
};

/*
 * Runs a `set` action: stores v in variable var for the scope of ev
 * (process.pid, container id) or of key if not NULL. v's kind must be the
 * variable's, or its element kind for arrays (a single value is then one
 * element). append adds to an array (a value already there only has its
 * TTL renewed; past the size cap the oldest value goes); without append
 * the value replaces what was there. The value is copied. Returns 0,
 * -EINVAL (kind mismatch, unknown var), -ENOENT (no scope: container
 * scope on a host process), -ENOSPC (CWS_SECL_VAR_MAX_ENTRIES scoped
 * instances alive, none expired) or -ENOMEM.
 */
int cws_secl_var_set(struct cws_secl_ruleset *rs, int var,
		     const struct cws_event *ev, const struct cws_secl_value *v,
		     bool append, const struct cws_secl_var_key *key);

/*
 * Reads variable var as a rule would on ev (unexpired values, default if
 * unset). Arrays point into rs's scratch memory, as for
 * cws_secl_expr_eval. Returns 0 or -EINVAL.
 */
int cws_secl_var_get(struct cws_secl_ruleset *rs, int var,
		     const struct cws_event *ev, struct cws_secl_value *out);

/* Drops every process-scoped value of pid (done on exit events too). */
void cws_secl_vars_drop_pid(struct cws_secl_ruleset *rs, uint32_t pid);

/* Frees every scoped value that expired at time now (ns since epoch). */
void cws_secl_vars_expire(struct cws_secl_ruleset *rs, uint64_t now);

/*
 * Fields and constants, for tools that validate names (set.field,
 * limiter_token) or list them: cws_secl_field_kind returns the kind of a
 * field (CWS_SECL_NONE if unknown) and, if type is not NULL, its event
 * type (CWS_EVT_UNKNOWN for common fields). cws_secl_constant looks up a
 * named constant (O_CREAT, SIGKILL, EACCES = -13, ...): 0 or -ENOENT.
 */
enum cws_secl_kind cws_secl_field_kind(const char *name,
				       enum cws_event_type *type);
int cws_secl_constant(const char *name, int64_t *value);

/*
 * The compiled tree, read-only, for approver derivation (cws-probe) and
 * for tools that explain a rule. It is the tree evaluation runs: macros
 * are expanded, constant sub-expressions folded, && and || chains are
 * n-ary nodes with their operands reordered cheapest first, and a
 * comparison keeps its field operand as child 0 (`"x" in exec.argv` is
 * stored as EQ(exec.argv, "x"), `3 < f` as GT(f, 3)).
 *
 * To enumerate, per event type, the AND-ed conditions an approver can
 * come from: for each rule of cws_secl_ruleset_rule(rs, type, i), take
 * root = cws_secl_rule_root(rule); the terms are root's children if its
 * op is CWS_SECL_OP_AND, else root alone. A term is an approver candidate
 * when its op is EQ, IN or MATCH (not NE / NOT_IN / NMATCH), child 0 is a
 * FIELD (cws_secl_node_field gives its name) and child 1 is a CONST or an
 * ARRAY: cws_secl_node_nvalues / cws_secl_node_value give each value with
 * how it matches (exact, pattern, glob, regex). Flag tests look like
 * GT(BITAND(FIELD open.flags, CONST mask), CONST 0). A term that is an OR
 * of candidates on one field is a candidate too; anything else (a term
 * with no candidate) means the rule, hence the event type, has none.
 */
enum cws_secl_op {
	CWS_SECL_OP_AND = 1, /* n-ary */
	CWS_SECL_OP_OR, /* n-ary */
	CWS_SECL_OP_NOT,
	CWS_SECL_OP_EQ,
	CWS_SECL_OP_NE,
	CWS_SECL_OP_LT,
	CWS_SECL_OP_LE,
	CWS_SECL_OP_GT,
	CWS_SECL_OP_GE,
	CWS_SECL_OP_MATCH, /* =~ */
	CWS_SECL_OP_NMATCH, /* !~ */
	CWS_SECL_OP_IN,
	CWS_SECL_OP_NOT_IN,
	CWS_SECL_OP_ALLIN,
	CWS_SECL_OP_BITAND,
	CWS_SECL_OP_BITOR,
	CWS_SECL_OP_BITXOR,
	CWS_SECL_OP_ADD,
	CWS_SECL_OP_SUB,
	CWS_SECL_OP_NEG,
	CWS_SECL_OP_BITNOT,
	CWS_SECL_OP_FIELD,
	CWS_SECL_OP_CONST,
	CWS_SECL_OP_ARRAY, /* a literal array or a list macro */
	CWS_SECL_OP_VAR, /* ${name} */
	CWS_SECL_OP_INTERP, /* a string with ${} inside */
};

/* How a string value matches. */
enum cws_secl_match {
	CWS_SECL_MATCH_EXACT = 0,
	CWS_SECL_MATCH_PATTERN, /* ~"..." or after =~, on a non-path field */
	CWS_SECL_MATCH_GLOB, /* a pattern on *.file.path or *.file.name */
	CWS_SECL_MATCH_REGEX, /* r"..." */
};

/* One value of a CONST or ARRAY node. */
struct cws_secl_literal {
	enum cws_secl_kind kind; /* BOOL, INT, STR or IP */
	enum cws_secl_match match; /* for STR */
	bool duration; /* INT written as a duration (ns) */
	struct cws_secl_value v; /* kind and value, as above */
};

const struct cws_secl_node *cws_secl_rule_root(const struct cws_secl_rule *r);
enum cws_secl_op cws_secl_node_op(const struct cws_secl_node *n);
/* The kind the node yields (an ARRAY node: the kind of its members). */
enum cws_secl_kind cws_secl_node_kind(const struct cws_secl_node *n);
/* Byte offset in the rule's expression of the node's token. */
uint32_t cws_secl_node_pos(const struct cws_secl_node *n);
size_t cws_secl_node_nchildren(const struct cws_secl_node *n);
const struct cws_secl_node *cws_secl_node_child(const struct cws_secl_node *n,
						size_t i);
/* FIELD: the field's name (iterator syntax removed), else NULL. */
const char *cws_secl_node_field(const struct cws_secl_node *n);
/* VAR: the variable's name, else NULL. */
const char *cws_secl_node_var(const struct cws_secl_node *n);
/* CONST: 1; ARRAY: its number of members; others 0. */
size_t cws_secl_node_nvalues(const struct cws_secl_node *n);
/* Member i of a CONST or ARRAY node; 0 or -EINVAL. */
int cws_secl_node_value(const struct cws_secl_node *n, size_t i,
			struct cws_secl_literal *out);

/*
 * Kernel filters (lib/secl_kfilter.c): what cws-probe derives from the
 * very rules cws-filter runs, so that the kernel drops an event only when
 * no rule could match it (shared/reference/datadog-cws.md section 4).
 *
 * Approvers are static: per event type, the values one of which every
 * rule of the type requires (a basename of the event's file, of its
 * destination, a bit of open.flags, the process's comm). An event that
 * carries none of them
 * cannot match a rule of its type. A rule yields approvers when one
 * term of its top-level && does (an || of terms that each do counts), or
 * when its whole expression is such a term; if one rule of a type yields
 * none, the type has none and the kernel passes all of it.
 *
 * Discarders are learnt: cws_secl_ruleset_discards asks, for an event
 * that reached user space, whether any rule of its type could match an
 * event on the same file (whatever the event's other fields), or on any
 * file directly in a directory. It evaluates the rules in three-valued
 * logic: a comparison that reads only what is known is evaluated, any
 * other is "unknown", and the answer is "no rule can match" only when
 * every rule is false.
 */
enum cws_secl_approver_kind {
	CWS_SECL_APPROVE_NAME = 1, /* basename of the event's file */
	CWS_SECL_APPROVE_DEST_NAME, /* basename of the destination */
	CWS_SECL_APPROVE_FLAGS, /* open.flags has a bit of mask */
	CWS_SECL_APPROVE_COMM, /* process.comm, exact */
};

struct cws_secl_approver {
	enum cws_secl_approver_kind kind;
	char *name; /* NAME, DEST_NAME, COMM: the value (malloc'd) */
	uint64_t mask; /* FLAGS */
};

/*
 * The approvers of one rule, or of every rule of a type. ok false means
 * none, and why says which rule and why (an expression on a field the
 * kernel cannot check, a pattern in the basename, ...).
 */
struct cws_secl_approvers {
	bool ok;
	char why[256];
	size_t n;
	struct cws_secl_approver *v;
};

/*
 * The approver kinds (bit 1 << kind) the kernel can check for an event
 * type; 0 when it filters nothing of that type in the kernel.
 */
unsigned cws_secl_approver_kinds(enum cws_event_type type);

/*
 * Fills out (which the caller releases) with a rule's approvers, or with
 * those of every rule of type in rs (out->ok false if a rule has none, or
 * the type has no rule). Returns 0 or -ENOMEM.
 */
int cws_secl_rule_approvers(const struct cws_secl_rule *r,
			    struct cws_secl_approvers *out);
int cws_secl_ruleset_approvers(const struct cws_secl_ruleset *rs,
			       enum cws_event_type type,
			       struct cws_secl_approvers *out);
void cws_secl_approvers_release(struct cws_secl_approvers *a);

enum cws_secl_discard {
	/*
	 * The event's file as it is: its path, name and the inode facts
	 * that stay with a name (inode, mount, filesystem, extension) are
	 * known, nothing else.
	 */
	CWS_SECL_DISCARD_FILE,
	/* Only that the file is directly in dir (an absolute path). */
	CWS_SECL_DISCARD_DIR,
};

/*
 * True when no rule of ev's type can match an event whose file is known
 * as how says (dir is the directory for CWS_SECL_DISCARD_DIR, else
 * ignored), whatever else the event holds. False when a rule may, when
 * the type has a rule reading the destination file, or on bad arguments.
 */
bool cws_secl_ruleset_discards(struct cws_secl_ruleset *rs,
			       const struct cws_event *ev,
			       enum cws_secl_discard how, const char *dir);

/* One classic BPF instruction, as libpcap's struct bpf_insn lays it out. */
struct cws_secl_cbpf {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/*
 * Calls fn once per distinct packet.filter expression of the rules added
 * to rs (a rule that failed to load afterwards may still be listed),
 * with its classic BPF program as libpcap compiled it (Ethernet, snaplen
 * 256). Stops at, and returns, the first nonzero value fn returns; 0
 * otherwise.
 */
int cws_secl_ruleset_packet_filters(const struct cws_secl_ruleset *rs,
				    int (*fn)(void *arg, const char *expr,
					      const struct cws_secl_cbpf *insns,
					      unsigned n),
				    void *arg);

#endif
