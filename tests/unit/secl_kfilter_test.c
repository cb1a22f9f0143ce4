/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/secl_kfilter: which rules yield which approvers,
 * which yield none and why, approvers of a whole event type, and the
 * discarder question for a file and for a directory, checked against
 * the evaluator itself: whenever a file or a directory is discarded, no
 * rule may match an event on it, whatever the event's other fields.
 */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secl.h"

#define NS 1000000000ll
#define NOW (1700000000ll * NS)
#define O_CREAT_ 0100 /* SECL's O_CREAT, as on x86 and arm64 */

/* ------------------------------------------------------------------ */
/* Rulesets and events. */

static struct cws_secl_ruleset *new_rs(void)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();

	assert_non_null(rs);
	return rs;
}

static const struct cws_secl_rule *add(struct cws_secl_ruleset *rs,
				       const char *id, const char *expr)
{
	struct cws_secl_err err;
	const struct cws_secl_rule *r;

	memset(&err, 0, sizeof(err));
	r = cws_secl_rule_add(rs, id, expr, NULL, &err);
	if (!r)
		fail_msg("%s: %s", expr, err.msg);
	return r;
}

/* A ruleset of n rules, ids r0, r1, ... */
static struct cws_secl_ruleset *rules_of(const char *const *exprs, size_t n)
{
	struct cws_secl_ruleset *rs = new_rs();
	char id[32];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "r%zu", i);
		add(rs, id, exprs[i]);
	}
	return rs;
}

#define STRS(...) ((const char *const[]){ __VA_ARGS__ })
#define NSTRS(...) (sizeof(STRS(__VA_ARGS__)) / sizeof(const char *))
#define RULES(...) rules_of(STRS(__VA_ARGS__), NSTRS(__VA_ARGS__))

/* An event of type on path (may be NULL), by process comm and uid. */
static void event(struct cws_event *ev, enum cws_event_type type,
		  const char *path, uint64_t flags, const char *comm,
		  uint32_t uid)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	memset(ev, 0, sizeof(*ev));
	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = type;
	ev->evt.name = cws_event_type_name(type);
	ev->timestamp = (uint64_t)NOW;
	ev->process.pid = ev->process.tid = 4242;
	ev->process.ppid = 1;
	ev->process.comm = comm;
	ev->process.file.path = "/usr/bin/bash";
	ev->process.file.name = "bash";
	ev->process.cred.uid = uid;
	ev->obj.file.path = path;
	ev->obj.file.name = slash ? slash + 1 : path;
	ev->obj.file.mode = 0100600;
	ev->obj.file.inode = 77;
	ev->obj.flags = flags;
}

static bool discards_file(struct cws_secl_ruleset *rs, const char *path)
{
	struct cws_event ev;

	event(&ev, CWS_EVT_OPEN, path, 0, "bash", 1000);
	return cws_secl_ruleset_discards(rs, &ev, CWS_SECL_DISCARD_FILE, NULL);
}

static bool discards_dir(struct cws_secl_ruleset *rs, const char *dir)
{
	struct cws_event ev;

	event(&ev, CWS_EVT_OPEN, NULL, 0, "bash", 1000);
	return cws_secl_ruleset_discards(rs, &ev, CWS_SECL_DISCARD_DIR, dir);
}

/* ------------------------------------------------------------------ */
/* Approvers. */

/* The approvers of expr alone (a fresh ruleset, freed before return). */
static void rule_approvers(const char *expr, struct cws_secl_approvers *a,
			   int (*declare)(struct cws_secl_ruleset *))
{
	struct cws_secl_ruleset *rs = new_rs();
	const struct cws_secl_rule *r;

	if (declare)
		assert_true(declare(rs) >= 0);
	r = add(rs, "t", expr);
	assert_int_equal(cws_secl_rule_approvers(r, a), 0);
	cws_secl_ruleset_free(rs);
}

static bool has_name(const struct cws_secl_approvers *a,
		     enum cws_secl_approver_kind k, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].kind == k && a->v[i].name &&
		    !strcmp(a->v[i].name, name))
			return true;
	return false;
}

/* a is ok and holds exactly the n names given, of kind k. */
static void assert_names(const struct cws_secl_approvers *a, const char *expr,
			 enum cws_secl_approver_kind k,
			 const char *const *names, size_t n)
{
	size_t i;

	if (!a->ok)
		fail_msg("`%s`: no approver: %s", expr, a->why);
	for (i = 0; i < n; i++)
		if (!has_name(a, k, names[i]))
			fail_msg("`%s`: approver `%s` (kind %d) missing", expr,
				 names[i], k);
	if (a->n != n)
		fail_msg("`%s`: %zu approvers, expected %zu", expr, a->n, n);
}

#define ASSERT_NAMES(a, expr, k, ...) \
	assert_names(a, expr, k, STRS(__VA_ARGS__), NSTRS(__VA_ARGS__))

/* expr alone yields names n1 and n2 (if not NULL) of kind k, no more. */
static void expect_names(const char *expr, enum cws_secl_approver_kind k,
			 const char *n1, const char *n2)
{
	struct cws_secl_approvers a;
	const char *names[] = { n1, n2 };

	rule_approvers(expr, &a, NULL);
	assert_names(&a, expr, k, names, n2 ? 2 : 1);
	cws_secl_approvers_release(&a);
}

static void expect_flags(const char *expr, uint64_t mask)
{
	struct cws_secl_approvers a;

	rule_approvers(expr, &a, NULL);
	if (!a.ok)
		fail_msg("`%s`: no approver: %s", expr, a.why);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.v[0].kind, CWS_SECL_APPROVE_FLAGS);
	assert_null(a.v[0].name);
	assert_int_equal(a.v[0].mask, mask);
	cws_secl_approvers_release(&a);
}

static void expect_none(const char *expr, const char *why,
			int (*declare)(struct cws_secl_ruleset *))
{
	struct cws_secl_approvers a;

	rule_approvers(expr, &a, declare);
	if (a.ok)
		fail_msg("`%s`: %zu approvers, expected none", expr, a.n);
	assert_int_equal(a.n, 0);
	assert_null(a.v);
	if (!strstr(a.why, why))
		fail_msg("`%s`: why is `%s`, expected `%s` in it", expr, a.why,
			 why);
	cws_secl_approvers_release(&a);
}

static int declare_paths(struct cws_secl_ruleset *rs)
{
	struct cws_secl_err err;

	memset(&err, 0, sizeof(err));
	return cws_secl_var_declare(rs, "paths", CWS_SECL_SCOPE_GLOBAL,
				    CWS_SECL_STR_ARRAY, NULL, &err);
}

static void test_approver_kinds(void **state)
{
	unsigned name = 1u << CWS_SECL_APPROVE_NAME;
	unsigned dest = 1u << CWS_SECL_APPROVE_DEST_NAME;
	unsigned flags = 1u << CWS_SECL_APPROVE_FLAGS;
	unsigned comm = 1u << CWS_SECL_APPROVE_COMM;

	(void)state;
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_OPEN),
			 name | flags | comm);
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_RENAME),
			 name | dest | comm);
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_LINK),
			 name | dest | comm);
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_UNLINK), name | comm);
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_CHDIR), name | comm);
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_IO_URING),
			 name | dest | comm);
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_EXEC), 0);
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_UNKNOWN), 0);
}

static void test_rule_approvers(void **state)
{
	(void)state;
	expect_names("open.file.path == \"/etc/shadow\"", CWS_SECL_APPROVE_NAME,
		     "shadow", NULL);
	expect_names("open.file.path in [\"/etc/passwd\", ~\"/etc/*/group\"]",
		     CWS_SECL_APPROVE_NAME, "passwd", "group");
	/* An && takes one term's set; process.uid gives none. */
	expect_names("open.file.name == \"token\" && process.uid == 0",
		     CWS_SECL_APPROVE_NAME, "token", NULL);
	expect_flags("open.flags & O_CREAT > 0", O_CREAT_);
	/* The path's last component is a pattern: the flags are taken. */
	expect_flags(
		"open.flags & (O_WRONLY|O_RDWR) > 0 && open.file.path =~ \"/etc/**\"",
		3);
	/* An || takes the union of its terms' sets. */
	expect_names("(open.file.path == \"/a/x\" || open.file.name == \"y\")",
		     CWS_SECL_APPROVE_NAME, "x", "y");
	expect_names("rename.file.destination.path == \"/etc/passwd\"",
		     CWS_SECL_APPROVE_DEST_NAME, "passwd", NULL);
	expect_names("chdir.file.path == \"/root/.ssh\"", CWS_SECL_APPROVE_NAME,
		     ".ssh", NULL);
	expect_names("io_uring.file.path == \"/etc/shadow\" && "
		     "io_uring.opcode in [\"OPENAT\", \"OPENAT2\"]",
		     CWS_SECL_APPROVE_NAME, "shadow", NULL);
	/* process.comm, exact values. */
	expect_names(
		"open.file.path =~ \"/etc/*\" && process.comm in [\"vim\", \"nano\"]",
		CWS_SECL_APPROVE_COMM, "vim", "nano");
	/* The most selective term of an && wins over flags. */
	expect_names(
		"open.flags & O_CREAT > 0 && open.file.name in [\"a\", \"b\"]",
		CWS_SECL_APPROVE_NAME, "a", "b");
}

static void test_rule_no_approver(void **state)
{
	struct cws_secl_ruleset *rs = new_rs();
	struct cws_secl_err err;

	(void)state;
	/* A regex on a path does not even compile (Datadog's rule). */
	memset(&err, 0, sizeof(err));
	assert_null(cws_secl_rule_add(rs, "t", "open.file.path =~ r\"/etc/.*\"",
				      NULL, &err));
	assert_non_null(strstr(err.msg, "regexp not supported on path"));
	cws_secl_ruleset_free(rs);
	expect_none("open.file.path =~ \"/etc/*\"",
		    "the last component is a pattern", NULL);
	expect_none("open.file.name =~ r\"^shadow.*\"", "a regular expression",
		    NULL);
	expect_none("open.file.path in ${paths}", "gives no approver",
		    declare_paths);
	expect_none("unlink.file.path == process.file.path",
		    "gives no approver", NULL);
	/* One term of the || gives none, so the || gives none. */
	expect_none("(open.file.path == \"/a\" || process.uid == 0)",
		    "process.uid", NULL);
	expect_none("(open.file.path == \"/a\" || process.uid == 0)",
		    "gives no approver", NULL);
	/* A comm pattern, or an ancestor's comm, gives none. */
	expect_none("process.comm =~ \"vi*\" && open.flags & O_CREAT == 0",
		    "a pattern", NULL);
	expect_none(
		"process.parent.comm == \"sshd\" && open.flags & O_CREAT == 0",
		"no term of", NULL);
	/* Flags tested for absence say nothing the kernel can keep. */
	expect_none("open.flags & O_CREAT == 0", "gives no approver", NULL);
	/* A pattern in a destination's name gives none either. */
	expect_none("rename.file.destination.name =~ \"*.so\"",
		    "the last component is a pattern", NULL);
	/* The kernel filters no exec. */
	assert_int_equal(cws_secl_approver_kinds(CWS_EVT_EXEC), 0);
	expect_none("exec.file.path == \"/usr/bin/curl\"",
		    "the kernel filters no exec event", NULL);
}

static void test_ruleset_approvers(void **state)
{
	struct cws_secl_ruleset *rs = new_rs();
	struct cws_secl_approvers a;

	(void)state;
	add(rs, "shadow", "open.file.path == \"/etc/shadow\"");
	add(rs, "names", "open.file.name in [\"passwd\", \"shadow\"]");
	assert_int_equal(cws_secl_ruleset_approvers(rs, CWS_EVT_OPEN, &a), 0);
	/* The union, each name once. */
	ASSERT_NAMES(&a, "2 rules", CWS_SECL_APPROVE_NAME, "shadow", "passwd");
	cws_secl_approvers_release(&a);
	assert_int_equal(a.n, 0);
	assert_null(a.v);

	/* One rule without approvers: the type has none, and why names it. */
	add(rs, "etc_any", "open.file.path =~ \"/etc/*\"");
	assert_int_equal(cws_secl_ruleset_approvers(rs, CWS_EVT_OPEN, &a), 0);
	assert_false(a.ok);
	assert_int_equal(a.n, 0);
	assert_non_null(strstr(a.why, "rule `etc_any`"));
	assert_non_null(strstr(a.why, "the last component is a pattern"));
	cws_secl_approvers_release(&a);

	/* A type with no rule has no approver. */
	assert_int_equal(cws_secl_ruleset_approvers(rs, CWS_EVT_UNLINK, &a), 0);
	assert_false(a.ok);
	assert_int_equal(a.n, 0);
	assert_non_null(strstr(a.why, "no rule"));
	cws_secl_approvers_release(&a);
	assert_int_equal(cws_secl_ruleset_approvers(rs, CWS_EVT__COUNT, &a), 0);
	assert_false(a.ok);
	cws_secl_approvers_release(&a);
	cws_secl_ruleset_free(rs);

	/* Names and flags of several rules make one set. */
	rs = RULES("open.file.path == \"/etc/shadow\"",
		   "open.flags & O_CREAT > 0 && process.uid == 0",
		   "open.flags & O_TRUNC > 0 && open.file.path =~ \"/tmp/*\"");
	assert_int_equal(cws_secl_ruleset_approvers(rs, CWS_EVT_OPEN, &a), 0);
	assert_true(a.ok);
	assert_int_equal(a.n, 2);
	assert_true(has_name(&a, CWS_SECL_APPROVE_NAME, "shadow"));
	assert_int_equal(a.v[1].kind, CWS_SECL_APPROVE_FLAGS);
	assert_int_equal(a.v[1].mask, O_CREAT_ | 01000);
	cws_secl_approvers_release(&a);
	cws_secl_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Discarders. */

static void test_discard_file(void **state)
{
	struct cws_secl_ruleset *rs;
	struct cws_event ev;

	(void)state;
	rs = RULES("open.file.path == \"/etc/shadow\"",
		   "open.flags & O_CREAT > 0 && open.file.path =~ \"/tmp/**\"");
	assert_true(discards_file(rs, "/var/log/x"));
	assert_false(discards_file(rs, "/etc/shadow"));
	/* The flags of a later open are not known. */
	assert_false(discards_file(rs, "/tmp/a"));
	assert_true(discards_file(rs, "/tmpx/a"));
	/* Only the event's type counts: no unlink rule, nothing to keep. */
	event(&ev, CWS_EVT_UNLINK, "/etc/shadow", 0, "bash", 0);
	assert_true(cws_secl_ruleset_discards(rs, &ev, CWS_SECL_DISCARD_FILE,
					      NULL));
	/* No path, or not an event: never discarded. */
	event(&ev, CWS_EVT_OPEN, NULL, 0, "bash", 0);
	assert_false(cws_secl_ruleset_discards(rs, &ev, CWS_SECL_DISCARD_FILE,
					       NULL));
	event(&ev, CWS_EVT_OPEN, "/var/log/x", 0, "bash", 0);
	ev.type = CWS_REC_LOST;
	assert_false(cws_secl_ruleset_discards(rs, &ev, CWS_SECL_DISCARD_FILE,
					       NULL));
	assert_false(cws_secl_ruleset_discards(NULL, &ev, CWS_SECL_DISCARD_FILE,
					       NULL));
	/* A rule reading the process: nothing is discarded any more. */
	add(rs, "proc", "open.file.path == process.file.path");
	assert_false(discards_file(rs, "/var/log/x"));
	assert_false(discards_file(rs, "/etc/motd"));
	cws_secl_ruleset_free(rs);

	/* An unknown term does not keep a file another term rules out. */
	rs = RULES("open.file.mode == 0644 && open.file.path == \"/x\"");
	assert_true(discards_file(rs, "/y"));
	assert_false(discards_file(rs, "/x"));
	cws_secl_ruleset_free(rs);

	/* Name, extension, inode: known for the file. */
	rs = RULES("open.file.extension == \".key\" || open.file.inode == 9");
	assert_true(discards_file(rs, "/srv/a.pem"));
	assert_false(discards_file(rs, "/srv/a.key"));
	cws_secl_ruleset_free(rs);

	/* A variable is never known. */
	rs = new_rs();
	assert_true(declare_paths(rs) >= 0);
	add(rs, "var", "open.file.path in ${paths}");
	assert_false(discards_file(rs, "/var/log/x"));
	cws_secl_ruleset_free(rs);

	/* A rule reading the destination: the type is never discarded. */
	rs = RULES("rename.file.destination.path == \"/etc/passwd\"");
	event(&ev, CWS_EVT_RENAME, "/tmp/a", 0, "bash", 0);
	ev.obj.dest.path = "/tmp/b";
	ev.obj.dest.name = "b";
	assert_false(cws_secl_ruleset_discards(rs, &ev, CWS_SECL_DISCARD_FILE,
					       NULL));
	cws_secl_ruleset_free(rs);
}

/* Sample names of files directly in a directory. */
static const char *const child_names[] = {
	"x",	      "ls", "shadow", "passwd", ".ssh", "group",
	"bin",	      "a",  "tmp",    "token",	"ax",	"app-linux",
	"authorized", "db", "a.pem",  "xx",	"abx",	"a.key",
};

/* Whether some rule of rs matches some open on path. */
static int matches(struct cws_secl_ruleset *rs, const char *path)
{
	static const uint64_t flags[] = { 0, 01, 02, O_CREAT_ | 01, 01002 };
	static const char *const comms[] = { "bash", "python" };
	static const uint32_t uids[] = { 0, 1000 };
	struct cws_event ev;
	size_t f, c, u;
	int n = 0;

	for (f = 0; f < CWS_ARRAY_SIZE(flags); f++)
		for (c = 0; c < CWS_ARRAY_SIZE(comms); c++)
			for (u = 0; u < CWS_ARRAY_SIZE(uids); u++) {
				event(&ev, CWS_EVT_OPEN, path, flags[f],
				      comms[c], uids[u]);
				n += cws_secl_ruleset_eval(rs, &ev, NULL, NULL);
			}
	return n;
}

/* A discarded directory holds no sample file a rule matches. */
static void check_dir(struct cws_secl_ruleset *rs, const char *dir)
{
	char path[256];
	size_t i;

	if (!discards_dir(rs, dir))
		return;
	for (i = 0; i < CWS_ARRAY_SIZE(child_names); i++) {
		snprintf(path, sizeof(path), "%s%s%s", dir,
			 strcmp(dir, "/") ? "/" : "", child_names[i]);
		if (matches(rs, path))
			fail_msg("dir %s discarded, but %s matches", dir, path);
	}
}

static void test_discard_dir(void **state)
{
	static const char *const dirs[] = {
		"/",	    "/srv/build", "/etc",	    "/var/lib/foo/.ssh",
		"/var/lib", "/var",	  "/tmp",	    "/tmp/x",
		"/usr/bin", "/bin",	  "/usr/local/bin",
	};
	struct cws_secl_ruleset *rs;
	const struct cws_secl_rule *bin;
	struct cws_event ev;
	size_t i;

	(void)state;
	rs = RULES("open.file.path == \"/etc/shadow\"",
		   "open.file.path =~ \"/var/lib/*/.ssh/*\"",
		   "open.file.path =~ \"/tmp/**\"");
	bin = add(rs, "bin", "open.file.path =~ \"*/bin/*\"");
	assert_true(discards_dir(rs, "/srv/build"));
	assert_false(discards_dir(rs, "/etc"));
	assert_false(discards_dir(rs, "/var/lib/foo/.ssh"));
	/* /var/lib/x is one level short of /var/lib/ * /.ssh/ *. */
	assert_true(discards_dir(rs, "/var/lib"));
	assert_true(discards_dir(rs, "/var"));
	assert_false(discards_dir(rs, "/tmp"));
	assert_false(discards_dir(rs, "/tmp/x"));
	/* A leading * is one component: * /bin/ * is /X/bin/Y only. */
	assert_false(discards_dir(rs, "/usr/bin"));
	assert_true(discards_dir(rs, "/bin"));
	assert_true(discards_dir(rs, "/usr/local/bin"));
	assert_true(discards_dir(rs, "/"));
	/* The evaluator agrees. */
	event(&ev, CWS_EVT_OPEN, "/usr/bin/ls", 0, "bash", 0);
	assert_true(cws_secl_rule_eval(rs, bin, &ev));
	event(&ev, CWS_EVT_OPEN, "/bin/ls", 0, "bash", 0);
	assert_false(cws_secl_rule_eval(rs, bin, &ev));
	event(&ev, CWS_EVT_OPEN, "/usr/local/bin/ls", 0, "bash", 0);
	assert_false(cws_secl_rule_eval(rs, bin, &ev));
	for (i = 0; i < CWS_ARRAY_SIZE(dirs); i++)
		check_dir(rs, dirs[i]);
	/* Bad directories are never discarded. */
	assert_false(discards_dir(rs, NULL));
	assert_false(discards_dir(rs, "srv"));
	cws_secl_ruleset_free(rs);

	/* The same values as one array. */
	rs = RULES(
		"open.file.path in [\"/etc/shadow\", ~\"/var/lib/*/.ssh/*\", "
		"~\"/tmp/**\", ~\"*/bin/*\"]");
	assert_true(discards_dir(rs, "/srv/build"));
	assert_false(discards_dir(rs, "/etc"));
	assert_true(discards_dir(rs, "/var/lib"));
	assert_false(discards_dir(rs, "/usr/bin"));
	for (i = 0; i < CWS_ARRAY_SIZE(dirs); i++)
		check_dir(rs, dirs[i]);
	cws_secl_ruleset_free(rs);

	/* Only the path is known: a name, a regex or a process keep it. */
	rs = RULES("open.file.name == \"shadow\"");
	assert_false(discards_dir(rs, "/srv/build"));
	cws_secl_ruleset_free(rs);
	rs = RULES("open.file.name =~ r\"^sh.*\"");
	assert_false(discards_dir(rs, "/srv/build"));
	cws_secl_ruleset_free(rs);
	rs = RULES("open.file.path == \"/etc/shadow\" && process.uid == 0",
		   "open.file.path != \"/etc/shadow\" && process.uid == 1");
	assert_false(discards_dir(rs, "/srv/build"));
	cws_secl_ruleset_free(rs);
}

/*
 * A star followed by literal x's: patterns never backtrack, so
 * "app-*x" matches "app-linux" but not "app-xx". The directory check
 * must still find a child name that matches.
 */
static void test_discard_dir_star_x(void **state)
{
	static const char *const globs[] = { "/opt/app-*x", "/opt/*xx",
					     "/opt/*x*x", "/opt/a*x*" };
	static const char *const hits[] = { "/opt/app-linux", "/opt/xx",
					    "/opt/xax", "/opt/abx" };
	struct cws_secl_ruleset *rs;
	char expr[64];
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(globs); i++) {
		snprintf(expr, sizeof(expr), "open.file.path =~ \"%s\"",
			 globs[i]);
		rs = RULES(expr);
		if (!matches(rs, hits[i]))
			fail_msg("%s does not match %s", hits[i], globs[i]);
		if (discards_dir(rs, "/opt"))
			fail_msg("%s: dir /opt discarded, but %s matches",
				 globs[i], hits[i]);
		assert_true(discards_dir(rs, "/srv"));
		cws_secl_ruleset_free(rs);
	}
}

/*
 * `**` in the middle of a glob: the basename still faces the glob's last
 * component (an approver when it has no star), and a directory is kept
 * whenever a file directly in it could match.
 */
static void test_dstar(void **state)
{
	static const char *const kept[] = {
		"/var/run/secrets",	"/var/run/secrets/a",
		"/var/run/secrets/a/b", "/etc/pam.d",
		"/etc/pam.d/x",		"/usr/lib",
		"/usr/x/y/lib",
	};
	static const char *const gone[] = { "/var/run", "/var", "/etc", "/srv",
					    "/usr/x/y" };
	struct cws_secl_ruleset *rs;
	size_t i;

	(void)state;
	expect_names("open.file.path =~ \"/var/run/secrets/**/token\"",
		     CWS_SECL_APPROVE_NAME, "token", NULL);
	expect_names("open.file.path in [~\"**/a.conf\", \"/b\"]",
		     CWS_SECL_APPROVE_NAME, "a.conf", "b");
	expect_none("open.file.path =~ \"/etc/pam.d/**\"", "a pattern", NULL);
	expect_none("open.file.path =~ \"/usr/**/lib/*.so\"", "a pattern",
		    NULL);
	rs = RULES("open.file.path =~ \"/var/run/secrets/**/token\"",
		   "open.file.path in [~\"/etc/pam.d/**\", "
		   "~\"/usr/**/lib/*.so\"]");
	for (i = 0; i < CWS_ARRAY_SIZE(kept); i++)
		if (discards_dir(rs, kept[i]))
			fail_msg("dir %s discarded", kept[i]);
	for (i = 0; i < CWS_ARRAY_SIZE(gone); i++)
		if (!discards_dir(rs, gone[i]))
			fail_msg("dir %s kept", gone[i]);
	assert_true(discards_file(rs, "/var/run/secrets/a/tokens"));
	assert_false(discards_file(rs, "/var/run/secrets/a/token"));
	assert_true(matches(rs, "/var/run/secrets/token") > 0);
	assert_true(matches(rs, "/usr/lib/x.so") > 0);
	cws_secl_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Soundness: a discarded file or directory matches no rule. */

static const char *const prop_rules[] = {
	"open.file.path == \"/etc/shadow\"",
	"open.file.path in [\"/etc/passwd\", ~\"/etc/*/group\"]",
	"open.file.name == \"token\" && process.uid == 0",
	"open.flags & O_CREAT > 0 && open.file.path =~ \"/tmp/**\"",
	"open.file.path =~ \"/var/lib/*/.ssh/*\"",
	"open.file.path =~ \"*/bin/*\" && process.comm != \"bash\"",
	"open.file.name =~ r\"^\\.bash(rc|_profile)$\" && process.uid == 0",
	"open.file.extension == \".key\" && not (open.file.path =~ \"/usr/**\")",
	"open.file.path =~ \"/opt/app-*x\"",
	"(open.file.path == \"/srv/data/db\" || open.file.name =~ \"*.pem\") "
	"&& open.flags & (O_WRONLY|O_RDWR) > 0",
	"open.file.path.length > 24 && process.uid == 0",
	"open.file.path =~ \"/var/run/secrets/**/token\"",
	"open.file.path in [~\"/etc/pam.d/**\", ~\"/usr/**/lib/*.so\"]",
};

static const char *const prop_paths[] = {
	"/etc/shadow",
	"/etc/passwd",
	"/etc/x/group",
	"/etc/group",
	"/etc/a/b/group",
	"/etc/hosts",
	"/run/token",
	"/token",
	"/tmp/a",
	"/tmp/a/b/c",
	"/tmpx",
	"/var/lib/foo/.ssh/authorized",
	"/var/lib/.ssh/x",
	"/var/lib/foo/.ssh",
	"/usr/bin/ls",
	"/bin/ls",
	"/usr/local/bin/ls",
	"/home/ann/.bashrc",
	"/home/Ann/.bashrc",
	"/srv/a.key",
	"/usr/share/a.key",
	"/opt/app-linux",
	"/opt/app-xx",
	"/opt/app-x",
	"/srv/data/db",
	"/srv/data/a.pem",
	"/srv/data/a.pem.bak",
	"/var/log/a-rather-long-name.log",
	"/x",
	"/var/log/x",
	"/var/run/secrets/token",
	"/var/run/secrets/a/b/token",
	"/var/run/secrets/a/tokens",
	"/var/run/token",
	"/etc/pam.d/sshd",
	"/etc/pam.d/x/y",
	"/etc/pam.d",
	"/usr/lib/a.so",
	"/usr/x/y/lib/a.so",
	"/usr/x/lib/a.sox",
};

static void dirname_of(const char *path, char *dir, size_t cap)
{
	size_t n = (size_t)(strrchr(path, '/') - path);

	snprintf(dir, cap, "%.*s", (int)(n ? n : 1), path);
}

/* Checks every path against rs; counts discarded files and dirs. */
static void check_soundness(struct cws_secl_ruleset *rs, const char *what,
			    int *nfile, int *ndir)
{
	char dir[256];
	size_t p;

	for (p = 0; p < CWS_ARRAY_SIZE(prop_paths); p++) {
		const char *path = prop_paths[p];

		if (discards_file(rs, path)) {
			(*nfile)++;
			if (matches(rs, path))
				fail_msg("%s: file %s discarded, but matches",
					 what, path);
		}
		dirname_of(path, dir, sizeof(dir));
		if (discards_dir(rs, dir)) {
			(*ndir)++;
			if (matches(rs, path))
				fail_msg("%s: dir %s discarded, but %s matches",
					 what, dir, path);
			/* What is true of the directory is of the file. */
			if (!discards_file(rs, path))
				fail_msg("%s: dir %s discarded, not file %s",
					 what, dir, path);
		}
	}
}

static void test_soundness(void **state)
{
	struct cws_secl_ruleset *rs, *all = new_rs();
	int nfile = 0, ndir = 0, kept = 0;
	char id[32];
	size_t i, p;

	(void)state;
	/* Each rule alone, then all of them together. */
	for (i = 0; i < CWS_ARRAY_SIZE(prop_rules); i++) {
		rs = RULES(prop_rules[i]);
		check_soundness(rs, prop_rules[i], &nfile, &ndir);
		cws_secl_ruleset_free(rs);
		snprintf(id, sizeof(id), "r%zu", i);
		add(all, id, prop_rules[i]);
	}
	check_soundness(all, "all rules", &nfile, &ndir);
	/* Not vacuous: files and dirs were discarded, matches were kept. */
	assert_true(nfile > 100);
	assert_true(ndir > 100);
	for (p = 0; p < CWS_ARRAY_SIZE(prop_paths); p++)
		kept += matches(all, prop_paths[p]) > 0;
	assert_true(kept >= 12);
	cws_secl_ruleset_free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_approver_kinds),
		cmocka_unit_test(test_rule_approvers),
		cmocka_unit_test(test_rule_no_approver),
		cmocka_unit_test(test_ruleset_approvers),
		cmocka_unit_test(test_discard_file),
		cmocka_unit_test(test_discard_dir),
		cmocka_unit_test(test_discard_dir_star_x),
		cmocka_unit_test(test_soundness),
		cmocka_unit_test(test_dstar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
