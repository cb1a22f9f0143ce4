/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lib/secl internals, shared by its source files only (lexer, parser,
 * field registry, constants, matchers, compiler, evaluator, variables).
 * Nothing outside lib/secl_*.c includes this header.
 *
 * Memory: everything a compiled rule needs comes from the ruleset's arena
 * and lives until the ruleset is freed; objects with their own
 * destructor (PCRE2 codes) are registered on a cleanup list. A rule that
 * fails to compile rolls the arena and the list back to where they were,
 * so a bad rule costs nothing afterwards. Per-event memory (joined args,
 * option strings) comes from a bump buffer reset at each evaluation.
 */
#ifndef CWS_SECL_PRIV_H
#define CWS_SECL_PRIV_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "secl.h"

/* A string slice. */
struct sv {
	const char *p;
	uint32_t n;
};

/* An address or network: IPv4 stored IPv4-mapped, bits 96 + prefix. */
struct cidr {
	uint8_t a[16];
	uint8_t bits;
};

/* ------------------------------------------------------------------ */
/* Arena with rollback, and a cleanup list. */

struct arena_chunk {
	struct arena_chunk *prev;
	size_t used, cap;
	/* data follows, max_align_t aligned */
	max_align_t data[];
};

struct cleanup {
	struct cleanup *prev;
	void (*fn)(void *);
	void *p;
};

struct arena {
	struct arena_chunk *top;
	struct cleanup *cleanups;
	size_t total; /* bytes allocated, for caps */
};

struct arena_mark {
	struct arena_chunk *top;
	size_t used;
	struct cleanup *cleanups;
};

void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
int arena_cleanup(struct arena *a, void (*fn)(void *), void *p);
void arena_mark(const struct arena *a, struct arena_mark *m);
void arena_rollback(struct arena *a, const struct arena_mark *m);
void arena_release(struct arena *a);

/* ------------------------------------------------------------------ */
/* Errors. */

int secl_errf(struct cws_secl_err *err, int code, enum cws_secl_err_kind kind,
	      uint32_t pos, const char *fmt, ...) CWS_PRINTF(5, 6);

/* ------------------------------------------------------------------ */
/* Lexer. */

enum tok_type {
	TK_EOF = 0,
	TK_IDENT,
	TK_INT,
	TK_STRING,
	TK_PATTERN,
	TK_REGEX,
	TK_DURATION,
	TK_IP,
	TK_CIDR,
	TK_VAR,
	TK_PUNCT,
};

struct tok {
	uint8_t type;
	char punct; /* TK_PUNCT */
	uint32_t pos, len; /* the token's bytes in the source */
	uint32_t vpos, vlen; /* value: string content, ident, var name */
	int64_t i; /* TK_INT; TK_DURATION in ns */
	struct cidr ip; /* TK_IP, TK_CIDR */
};

/* Tokenizes src[0..n) into *toks (malloc'd, ends with TK_EOF). */
int secl_lex(const char *src, size_t n, struct tok **toks, size_t *ntoks,
	     struct cws_secl_err *err);

/* Parses an IP or CIDR text into c; 0 or -EINVAL. */
int secl_parse_cidr(const char *s, size_t n, struct cidr *c);

/* ------------------------------------------------------------------ */
/* Abstract syntax tree. */

enum ast_type {
	AST_OR = 1, /* n-ary */
	AST_AND, /* n-ary */
	AST_NOT,
	AST_NEG,
	AST_BITNOT,
	AST_BITAND,
	AST_BITOR,
	AST_BITXOR,
	AST_ADD,
	AST_SUB,
	AST_CMP, /* op: CWS_SECL_OP_EQ .. NMATCH */
	AST_ARRAYCMP, /* op: CWS_SECL_OP_IN, NOT_IN, ALLIN */
	AST_IDENT,
	AST_INT,
	AST_STRING,
	AST_PATTERN,
	AST_REGEX,
	AST_DURATION,
	AST_IP, /* a bare address or a CIDR */
	AST_VAR,
	AST_ARRAY,
};

struct ast {
	uint8_t type;
	uint8_t op;
	uint16_t depth;
	uint32_t pos;
	struct ast *l, *r;
	struct ast **items; /* AST_OR/AND operands, AST_ARRAY members */
	uint32_t nitems;
	struct sv s; /* ident, string content, variable name */
	int64_t i;
	struct cidr ip;
};

/*
 * Parses src as a rule (macro false) or as a macro (an expression, an
 * array or a primary). The AST lives in a; *out is set on success.
 */
int secl_parse(struct arena *a, const char *src, size_t n, bool macro,
	       struct ast **out, struct cws_secl_err *err);

/* ------------------------------------------------------------------ */
/* Constants. */

/* A named constant. */
struct secl_const {
	const char *name;
	int64_t value;
};

/* The kernel ABI numbers written out (secl_const_abi.c). */
extern const struct secl_const secl_const_abi[];
extern const size_t secl_const_abi_n;

/* Looks a constant up by name, in secl_const.c's table then the ABI's;
 * 0 or -ENOENT. */
int secl_const_lookup(const char *name, size_t n, int64_t *v);
/* Entry i of the table (NULL past the end), for the unit test. */
const char *secl_const_at(size_t i, int64_t *v);

/* ------------------------------------------------------------------ */
/* Field registry. */

/* Base kinds of values; arrays are these plus the F_MULTI flag. */
enum vkind {
	VK_NONE = 0,
	VK_BOOL,
	VK_INT,
	VK_STR,
	VK_IP,
};

/* Where a field's object comes from. */
enum froot {
	R_EVENT = 0, /* the event itself */
	R_SELF, /* ev->process */
	R_EXEC, /* ev->process, with ev->exec's file and argv when set */
	R_PARENT, /* ancestors[0] */
	R_ANC, /* every ancestor, or the one of the rule's iterator */
	R_TARGET, /* ev->obj.target (ptrace.tracee, signal.target) */
	R_NOPROC, /* a process cws does not carry: zero */
};

/* Which file of the object a file leaf reads. */
enum ffile {
	FF_NONE = 0, /* not a file leaf */
	FF_PROC, /* the process's executable */
	FF_OBJ, /* ev->obj.file */
	FF_DEST, /* ev->obj.dest */
	FF_ABSENT, /* interpreter.file: not carried */
};

enum fflag {
	FL_MULTI = 1 << 0, /* the leaf itself is an array */
	FL_GLOB = 1 << 1, /* patterns are globs (*.file.path, *.file.name) */
	FL_PATHVAL = 1 << 2, /* values are checked as paths (validatePath) */
	FL_CI = 1 << 3, /* case-insensitive (dns.question.name) */
	FL_UNBACKED = 1 << 4, /* cws does not capture it: reads as zero */
	FL_DERIVED = 1 << 5, /* computed from other members (args, flags) */
};

/*
 * What a field reads (struct fref.leaf): defined here rather than in
 * secl_fields.c so that the kernel filters (secl_kfilter.c) can tell a
 * file's path from its mode.
 */
enum leaf {
	L_ZERO = 0, /* unbacked: the zero value of the kind */
	/* process leaves: struct cws_process */
	L_P_PID,
	L_P_PPID,
	L_P_TID,
	L_P_COMM,
	L_P_TTY,
	L_P_CREATED,
	L_P_ARGV0,
	L_P_ARGS,
	L_P_ARGV,
	L_P_FLAGS,
	L_P_OPTIONS,
	L_P_ARGS_TRUNC,
	L_P_UID,
	L_P_GID,
	L_P_EUID,
	L_P_EGID,
	L_P_FSUID,
	L_P_FSGID,
	L_P_AUID,
	L_P_USER,
	L_P_GROUP,
	L_P_EUSER,
	L_P_EGROUP,
	L_P_FSUSER,
	L_P_FSGROUP,
	L_P_CAPE,
	L_P_CAPP,
	L_P_CONTAINER,
	L_P_IS_THREAD,
	L_P_IS_EXEC,
	L_P_ENVS,
	L_P_ENVP,
	L_P_ENVS_TRUNC,
	L_P_CGROUP_ID,
	L_P_CGROUP_INODE,
	L_P_CGROUP_MOUNT,
	L_P_CONT_CREATED,
	L_P_K8S, /* user_session.k8s_*: no session without the webhook */
	L_P_CONT_TAGS, /* container.tags: the process's container's */
	L_P__END,
	/* file leaves: struct cws_file */
	L_F_PATH,
	L_F_PATH_LEN,
	L_F_NAME,
	L_F_NAME_LEN,
	L_F_EXT,
	L_F_INODE,
	L_F_MOUNT,
	L_F_MODE,
	L_F_RIGHTS,
	L_F_UID,
	L_F_GID,
	L_F_USER,
	L_F_GROUP,
	L_F_CTIME,
	L_F_MTIME,
	L_F_FS,
	L_F_UPPER,
	L_F__END,
	/* event leaves: struct cws_event and its object */
	L_E_CONTAINER,
	L_E_TIMESTAMP,
	L_E_ORIGIN,
	L_E_OS,
	L_E_SOURCE,
	L_E_RETVAL,
	L_E_ANC_LEN,
	L_E_SERVICE,
	L_O_FLAGS,
	L_O_PROT,
	L_O_VMPROT,
	L_O_REQUEST,
	L_O_PID,
	L_O_EXIT_CODE,
	L_O_EXIT_CAUSE,
	L_O_NAME,
	L_O_UID,
	L_O_EUID,
	L_O_FSUID,
	L_O_GID,
	L_O_EGID,
	L_O_FSGID,
	L_O_USER,
	L_O_EUSER,
	L_O_FSUSER,
	L_O_GROUP,
	L_O_EGROUP,
	L_O_FSGROUP,
	L_O_CAPE,
	L_O_CAPP,
	L_O_MAP_TYPE,
	L_O_PROG_TYPE,
	L_O_ATTACH,
	L_O_PROG_NAME,
	L_O_FROM_MEM,
	L_O_ARGS,
	L_O_ARGV,
	L_O_FSTYPE,
	L_O_MOUNTPOINT,
	L_O_MSOURCE,
	L_O_PIPE_IN,
	L_O_PIPE_OUT,
	L_O_XNAME,
	L_O_XNS,
	L_N_DNS_ID,
	L_N_DNS_NAME,
	L_N_DNS_NAME_LEN,
	L_N_DNS_TYPE,
	L_N_DNS_CLASS,
	L_N_DNS_COUNT,
	L_N_DNS_SIZE,
	L_N_SRC_IP,
	L_N_SRC_PORT,
	L_N_DST_IP,
	L_N_DST_PORT,
	L_N_L3,
	L_N_L4,
	L_N_SIZE,
	L_N_IFNAME,
	L_N_ADDR_IP,
	L_N_ADDR_PORT,
	L_N_ADDR_FAMILY,
	L_N_ADDR_HOST,
	L_N_ADDR_PUBLIC,
	L_N_PROTO,
	L_O_SYSCALL_PATH,
	L_S_LEVEL,
	L_S_OPTNAME,
	L_S_SOTYPE,
	L_S_SOFAMILY,
	L_S_SOPROTO,
	L_S_FILTER_LEN,
	L_S_FILTER_TRUNC,
	L_S_FILTER_TEXT,
	L_S_FILTER_HASH,
	L_S_FILTER_IMM,
	L_S_PRCTL_OPTION,
	L_S_PRCTL_NAME,
	L_S_PRCTL_TRUNC,
	L_S_CGROUP_PID,
	L_S_SELINUX_STATUS,
	L_S_SELINUX_BOOL,
	L_S_SELINUX_STATE,
	L_S_SELINUX_COMMIT,
	L_O_HELPERS,
	L_N_SRC_PUBLIC,
	L_N_DST_PUBLIC,
	L_N_DIR,
	L_I_TYPE,
	L_I_PROVIDER,
	L_I_URL,
	L_I_HOST,
	L_I_UA,
	L_I_SERVER,
	L_I_V2,
	L_I_CODE,
	L_I_CTYPE,
	L_I_KEY,
	L_I_UPDATED,
	L_I_EXPIRATION,
	L_PK_FILTER,
	L_PK_TLS,
	L_U_OPCODE,
	L_U_SETUP_FLAGS,
};

/* A resolved field reference. */
struct fref {
	const char *name; /* full SECL name, iterator removed (arena) */
	uint16_t leaf; /* enum leaf, in secl_fields.c */
	uint8_t kind; /* enum vkind */
	uint8_t flags; /* enum fflag */
	uint8_t root; /* enum froot */
	uint8_t file; /* enum ffile */
	bool iter; /* process.ancestors[X]: bound to the rule's register */
	uint8_t evtype; /* enum cws_event_type; CWS_EVT_UNKNOWN: common */
	uint64_t restrict_types; /* if not 0, the only types allowed */
	char reg[16]; /* iterator name, when iter */
	/*
	 * A plain member at a fixed place in struct cws_event (most fields
	 * of the event, its process and their files): read directly, with
	 * no switch. off is -1 otherwise.
	 */
	int32_t off;
	uint8_t width; /* bytes: 1 (bool), 2, 4, 8; strings are pointers */
	bool sign;
};

/* Reads a direct field (f->off >= 0) of ev. */
static inline int64_t secl_direct_int(const struct cws_event *ev,
				      const struct fref *f)
{
	const char *p = (const char *)ev + f->off;

	switch (f->width) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return *(const uint16_t *)p;
	case 4:
		if (f->sign)
			return *(const int32_t *)p;
		return *(const uint32_t *)p;
	}
	return *(const int64_t *)p;
}

static inline const char *secl_direct_str(const struct cws_event *ev,
					  const struct fref *f)
{
	const char *s = *(const char *const *)((const char *)ev + f->off);

	return s ? s : "";
}

/* Status of secl_field_resolve. */
enum {
	FR_FOUND = 0,
	FR_NOT_FOUND = -1,
	FR_UNSUPPORTED = -2, /* a Datadog event type cws does not capture */
	FR_BAD_ITER = -3, /* an iterator where none is allowed */
};

int secl_field_resolve(const char *name, size_t n, struct fref *f);

/* A field as the kernel filters see it (secl_kfilter.c). */
enum secl_kfield {
	SKF_OTHER = 0,
	SKF_PATH, /* <type>.file.path */
	SKF_NAME, /* <type>.file.name */
	SKF_STABLE, /* extension, inode, mount_id, filesystem, lengths */
	SKF_DEST_PATH, /* <type>.file.destination.path */
	SKF_DEST_NAME,
	SKF_OPEN_FLAGS, /* open.flags */
	SKF_COMM, /* process.comm */
};

enum secl_kfield secl_field_kfilter(const struct fref *f);
bool secl_field_is_comm(const struct fref *f);
/* True if the name starts with an event type Datadog has and cws lacks. */
bool secl_field_unsupported_type(const char *name, size_t n, char *type,
				 size_t cap);

/* ------------------------------------------------------------------ */
/* String matchers. */

enum sm_type {
	SM_EXACT = 0,
	SM_PATTERN,
	SM_GLOB,
	SM_REGEX,
	SM_PCAP, /* packet.filter: re is a struct bpf_program */
};

struct pseg {
	bool star; /* preceded by a star */
	struct sv lit;
};

struct pattern {
	uint32_t nseg;
	bool all; /* the pattern "*" */
	bool empty; /* the pattern "" */
	struct pseg *seg;
};

struct gelem {
	bool dstar; /* "**" */
	struct sv text;
	struct pattern pat;
};

/*
 * A glob's literal head: the text before its first star. A path that
 * does not start with it cannot match (every component before the
 * starred one must be equal, and the starred one must start with its
 * own literal part), so it is rejected with one memcmp.
 */

struct smatch {
	uint8_t type; /* enum sm_type */
	bool ci; /* compare case-insensitively (ASCII) */
	struct sv src; /* the value as written */
	struct pattern pat; /* SM_PATTERN */
	uint32_t nel; /* SM_GLOB */
	bool glob_scalar; /* no star: exact comparison */
	struct gelem *el;
	struct sv head; /* SM_GLOB: literal text before the first star */
	uint32_t dpos; /* SM_GLOB: index of the `**` element, or nel */
	void *re; /* SM_REGEX: pcre2_code */
	void *md; /* pcre2_match_data */
	void *mctx; /* pcre2_match_context */
};

/* Compiles m (type and src set) into a; 0 or -EINVAL with err. */
int secl_smatch_compile(struct arena *a, struct smatch *m, void *mctx,
			struct cws_secl_err *err, uint32_t pos);
bool secl_smatch_run(const struct smatch *m, const char *s, uint32_t n);
bool secl_pattern_match(const struct pattern *p, const char *s, uint32_t n,
			bool ci);

/* A literal array of strings: exact values hashed, the rest in order. */
struct strset {
	bool ci;
	uint32_t nexact, cap; /* cap: hash slots, a power of two */
	struct sv *slot;
	uint32_t nmatch;
	struct smatch *match;
	/* every member in source order, for the tree walk */
	uint32_t nall;
	struct smatch **all;
};

bool secl_strset_has(const struct strset *s, const char *p, uint32_t n);
uint64_t secl_hash(const char *p, uint32_t n, bool ci);

struct intset {
	uint32_t n;
	int64_t *v; /* sorted */
	int64_t *src; /* in source order */
	bool *dur; /* written as durations */
};

struct ipset {
	uint32_t n;
	struct cidr *v;
};

bool secl_cidr_contains(const struct cidr *net, const struct cidr *ip);
void secl_cidr_from_bytes(struct cidr *c, const uint8_t a[16], uint8_t bits);
bool secl_ip_is_public(const uint8_t a[16]);

/* ------------------------------------------------------------------ */
/* Values during evaluation. */

struct val {
	uint8_t kind; /* enum vkind */
	union {
		int64_t i;
		bool b;
		struct sv s;
		struct cidr ip;
	};
};

struct ectx;
struct cws_secl_node;

/* Visits values one by one; returns true to stop (found). */
struct visit {
	bool (*fn)(struct ectx *x, const struct visit *v,
		   const struct val *val);
	const void *arg;
	const struct val *rv; /* the right-hand value, when there is one */
};

/* ------------------------------------------------------------------ */
/* Compiled nodes. */

enum nflag {
	N_MULTI = 1 << 0, /* yields several values (array field or var) */
	N_CONST = 1 << 1, /* a constant */
	N_DURATION = 1 << 2, /* an int constant written as a duration */
	N_AGE = 1 << 3, /* comparison: compare now - lhs with a duration */
	N_NEGATE = 1 << 4, /* comparison: NOT(any) (!=, not in, !~) */
	N_ALL = 1 << 5, /* comparison: every lhs value (allin on IPs) */
	N_CI = 1 << 6, /* comparison: case-insensitive strings */
	N_BUILTIN = 1 << 7, /* VAR: a built-in (process.pid, uuid4) */
};

/* How one left-hand value is tested against the right-hand side. */
enum mop {
	M_NONE = 0,
	M_CMP, /* ordered/equality against rv (int, bool, str exact, ip) */
	M_SMATCH, /* string against one pattern/glob/regex */
	M_STRSET,
	M_INTSET,
	M_IPSET,
	M_NESTED, /* right side yields several values: any of them */
};

struct interp_part {
	struct sv lit; /* literal text, or */
	struct cws_secl_node *var; /* a variable node */
};

struct cws_secl_node {
	uint8_t op; /* enum cws_secl_op */
	uint8_t kind; /* enum vkind of the value */
	uint8_t mop; /* comparisons: enum mop */
	uint8_t cmp; /* comparisons: the operator applied per value */
	uint16_t flags; /* enum nflag */
	uint32_t pos;
	uint32_t weight; /* evaluation cost estimate */
	uint32_t n; /* children */
	struct cws_secl_node **c;
	union {
		bool (*b)(struct ectx *, const struct cws_secl_node *);
		int64_t (*i)(struct ectx *, const struct cws_secl_node *);
		struct sv (*s)(struct ectx *, const struct cws_secl_node *);
		void (*ip)(struct ectx *, const struct cws_secl_node *,
			   struct cidr *);
	} fn;
	/* CONST */
	struct val v;
	struct smatch *sm; /* CONST strings that match (pattern, ...) */
	/* FIELD */
	struct fref *f;
	/* ARRAY */
	struct strset *ss;
	struct intset *is;
	struct ipset *ips;
	/* VAR */
	int var; /* declared variable id, or a builtin (< 0) */
	const char *vname;
	/* INTERP */
	uint32_t nparts;
	struct interp_part *parts;
};

/* Built-in variables. */
enum {
	VB_PID = -1, /* ${process.pid} */
	VB_UUID4 = -2, /* ${builtins.uuid4} */
};

/* ------------------------------------------------------------------ */
/* Variables. */

struct vval {
	uint64_t expire; /* ns since epoch; 0: never */
	union {
		int64_t i;
		bool b;
	};
	char *s;
	uint32_t slen;
};

struct vinst {
	struct vinst *next; /* hash chain */
	int var;
	uint32_t pid;
	char *id;
	uint32_t n, cap;
	struct vval *v;
};

struct vdecl {
	char name[CWS_SECL_MAX_NAME]; /* full SECL name: process.x */
	uint8_t scope; /* enum cws_secl_scope */
	uint8_t kind; /* enum vkind of one value */
	bool array;
	bool inherited;
	uint32_t size;
	uint64_t ttl;
	struct vval def;
	bool has_def;
	struct vinst *global;
};

struct vstore {
	struct vdecl *decl;
	uint32_t ndecl;
	struct vinst **bucket;
	uint32_t nbucket; /* a power of two */
	uint32_t ninst;
};

void secl_vars_release(struct vstore *vs);
struct vdecl *secl_var_decl(struct cws_secl_ruleset *rs, int var);
int secl_var_find(const struct cws_secl_ruleset *rs, const char *name,
		  size_t n);
/* Finds the live instance of var for ev (or an inherited one). */
const struct vinst *secl_var_instance(struct cws_secl_ruleset *rs, int var,
				      const struct cws_event *ev);
bool secl_vval_live(const struct vval *v, uint64_t now);

/* ------------------------------------------------------------------ */
/* Evaluation context (one per ruleset). */

#define ARGS_CACHE (2 + CWS_EVENT_MAX_ANCESTORS)

struct ectx {
	struct cws_secl_ruleset *rs;
	const struct cws_event *ev;
	int64_t now;
	int reg; /* ancestor index of the rule's iterator, -1 none */
	char *scratch; /* per-event bump memory */
	size_t scratch_cap, scratch_used;
	bool overflow; /* scratch ran out during this evaluation */
	bool in_eval; /* inside cws_secl_ruleset_eval (callbacks) */
	uint64_t args_valid[(ARGS_CACHE + 63) / 64];
	struct sv args_cache[ARGS_CACHE];
};

void *secl_scratch(struct ectx *x, size_t n);
void secl_ectx_begin(struct ectx *x, const struct cws_event *ev);

/* Field access (secl_access.c). */
void secl_field_get(struct ectx *x, const struct fref *f, struct val *out);
bool secl_field_visit(struct ectx *x, const struct fref *f,
		      const struct visit *v);
/* Value of a node that yields one value. */
void secl_node_value(struct ectx *x, const struct cws_secl_node *n,
		     struct val *out);
/* Calls v for each value of n (one for scalar nodes); true if v did. */
bool secl_node_visit(struct ectx *x, const struct cws_secl_node *n,
		     const struct visit *v);
/* Picks the evaluation function of a node once its fields are set. */
void secl_node_bind(struct cws_secl_node *n);
/* Formats a value of a variable as interpolation does. */
struct sv secl_var_string(struct ectx *x, const struct cws_secl_node *n);

/* ------------------------------------------------------------------ */
/* The ruleset. */

struct cws_secl_rule {
	char *id;
	char *expr;
	void *data;
	uint8_t type; /* enum cws_event_type */
	bool has_reg;
	const char *unbacked;
	struct cws_secl_node *root;
};

struct cws_secl_expr {
	struct cws_secl_node *root;
	uint8_t type;
	bool has_reg;
};

struct macro {
	char *id;
	struct ast *ast;
	char *src; /* the macro's text: AST slices point into it */
	struct macro *next;
};

/*
 * A rule's guard: one test of an integer member of the event against a
 * constant that the rule needs to hold (its root, or a conjunct of its
 * top-level &&: open.flags & O_CREAT > 0, process.euid != 0). Guards sit
 * side by side in the bucket, so a bucket's rules that cannot match are
 * passed over with no call and no pointer chase; most open rules of
 * Datadog's policy need write flags, which most opens lack. The test is
 * the one the rule's own node runs (b_dmask_cmp or b_dint_cmp), so a
 * guard that fails means the rule is false, and a rule that passes it is
 * evaluated whole, as before.
 */
struct guard {
	int64_t mask; /* ANDed with the member first: -1 for none */
	int64_t val;
	int32_t off; /* -1: no guard */
	uint8_t width, cmp; /* width as struct fref's; cmp an op */
	bool sign, negate;
};

static inline bool secl_guard_pass(const struct guard *g,
				   const struct cws_event *ev)
{
	const char *p = (const char *)ev + g->off;
	int64_t a;
	bool r;

	if (g->off < 0)
		return true;
	switch (g->width) {
	case 1:
		a = *(const uint8_t *)p;
		break;
	case 2:
		a = *(const uint16_t *)p;
		break;
	case 4:
		if (g->sign)
			a = *(const int32_t *)p;
		else
			a = *(const uint32_t *)p;
		break;
	default:
		a = *(const int64_t *)p;
		break;
	}
	a &= g->mask;
	switch (g->cmp) {
	case CWS_SECL_OP_EQ:
		r = a == g->val;
		break;
	case CWS_SECL_OP_LT:
		r = a < g->val;
		break;
	case CWS_SECL_OP_LE:
		r = a <= g->val;
		break;
	case CWS_SECL_OP_GT:
		r = a > g->val;
		break;
	case CWS_SECL_OP_GE:
		r = a >= g->val;
		break;
	default:
		r = false;
		break;
	}
	return g->negate ? !r : r;
}

/* The guard of a rule's root node (off -1 when it has none). */
void secl_guard_of(const struct cws_secl_node *root, struct guard *g);

struct bucket {
	struct cws_secl_rule **rules;
	struct guard *guards; /* one per rule, same index */
	size_t n, cap;
};

struct cws_secl_ruleset {
	struct arena arena;
	struct macro *macros; /* newest first */
	uint32_t nmacros;
	uint32_t nrules;
	struct bucket by_type[CWS_EVT__COUNT];
	struct vstore vars;
	struct ectx x;
	void *jit_stack; /* pcre2_jit_stack shared by every regex */
	void *mctx; /* pcre2_match_context: limits and the JIT stack */
	const char *host_service; /* event.service off any DD_SERVICE */
	struct secl_pcap *pcap; /* packet.filter programs (secl_packet.c) */
};

/*
 * packet.filter (secl_packet.c). secl_pcap_compile compiles m->src with
 * libpcap into m->re and remembers it in rs; 0, or -EINVAL with Datadog's
 * message in err. secl_pcap_run: whether the program accepts the packet
 * in s[0..n), "<wire length>:<hex bytes>" (packet.filter's value).
 * secl_pcap_release frees what rs remembers.
 */
int secl_pcap_compile(struct cws_secl_ruleset *rs, struct smatch *m,
		      const char *field, struct cws_secl_err *err,
		      uint32_t pos);
bool secl_pcap_run(const struct smatch *m, const char *s, uint32_t n);
void secl_pcap_release(struct cws_secl_ruleset *rs);

/* Compiles an AST (rule, macro check or value expression). */
struct compile_opts {
	bool rule; /* needs bool and an event type */
	bool macro; /* a macro's own check: any kind, no event type */
	int type; /* value expressions: the event type, -1 for rules */
};

struct cws_secl_node *secl_compile(struct cws_secl_ruleset *rs, const char *src,
				   struct ast *ast,
				   const struct compile_opts *o, int *evtype,
				   bool *has_reg, const char **unbacked,
				   struct cws_secl_err *err);

const struct macro *secl_macro_find(const struct cws_secl_ruleset *rs,
				    const char *id, size_t n);

#endif
