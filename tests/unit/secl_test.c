/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/secl: one test per operator, per precedence and
 * associativity rule of Datadog's grammar, the pattern and glob truth
 * tables of the reference, regexes, arrays and CIDRs, any-element
 * semantics, iterators, durations, variables, macros, every error
 * string, event-type inference, the tree walk, and the two default
 * policies (every rule of an event type cws captures must compile).
 */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <yaml.h>

#include "secl.h"
#include "secl_priv.h"

#define NS 1000000000ll
#define NOW (1700000000ll * NS)

/* ------------------------------------------------------------------ */
/* Events. */

static const char *bash_argv[] = { "bash", "-c", "echo hi", "--version",
				   "-T",   "8",	 "-ln",	    "--width=8" };
static const char *sshd_argv[] = { "/usr/sbin/sshd", "-D" };
static const char *git_argv[] = { "git", "clone", "--recursive", "url" };

struct world {
	struct cws_event ev;
	struct cws_process anc[3];
};

static void base(struct world *w, enum cws_event_type type)
{
	memset(w, 0, sizeof(*w));
	cws_event_clear(&w->ev);
	w->ev.type = CWS_REC_EVENT;
	w->ev.evt.type = type;
	w->ev.evt.name = cws_event_type_name(type);
	w->ev.timestamp = (uint64_t)NOW;
	w->ev.process.pid = 4242;
	w->ev.process.tid = 4242;
	w->ev.process.ppid = 100;
	w->ev.process.comm = "bash";
	w->ev.process.fork_time = (uint64_t)(NOW - 3 * NS);
	w->ev.process.exec_time = (uint64_t)(NOW - 2 * NS);
	w->ev.process.file.path = "/usr/bin/bash";
	w->ev.process.file.name = "bash";
	w->ev.process.file.mode = 0100755;
	w->ev.process.argv.v = bash_argv;
	w->ev.process.argv.n = CWS_ARRAY_SIZE(bash_argv);
	w->ev.process.cred.uid = 1000;
	w->ev.process.cred.gid = 1000;
	w->ev.process.cred.user = "alice";
	w->ev.process.cred.cap_effective = 1ull << 21;
	w->anc[0].pid = 100;
	w->anc[0].comm = "sshd";
	w->anc[0].file.path = "/usr/sbin/sshd";
	w->anc[0].file.name = "sshd";
	w->anc[0].argv.v = sshd_argv;
	w->anc[0].argv.n = CWS_ARRAY_SIZE(sshd_argv);
	w->anc[0].cred.uid = 0;
	w->anc[1].pid = 50;
	w->anc[1].comm = "git";
	w->anc[1].file.path = "/usr/bin/git";
	w->anc[1].file.name = "git";
	w->anc[1].argv.v = git_argv;
	w->anc[1].argv.n = CWS_ARRAY_SIZE(git_argv);
	w->anc[1].cred.uid = 1000;
	w->anc[2].pid = 1;
	w->anc[2].comm = "systemd";
	w->anc[2].file.path = "/usr/lib/systemd/systemd";
	w->anc[2].file.name = "systemd";
	w->ev.ancestors = w->anc;
	w->ev.nancestors = 3;
}

static void exec_event(struct world *w)
{
	base(w, CWS_EVT_EXEC);
	w->ev.exec.file = w->ev.process.file;
	w->ev.exec.argv = w->ev.process.argv;
}

static void open_event(struct world *w, const char *path, uint64_t flags)
{
	const char *slash = strrchr(path, '/');

	base(w, CWS_EVT_OPEN);
	w->ev.obj.file.path = path;
	w->ev.obj.file.name = slash ? slash + 1 : path;
	w->ev.obj.file.mode = 0100644;
	w->ev.obj.flags = flags;
	w->ev.obj.dest.mode = 0644;
}

/* ------------------------------------------------------------------ */
/* Helpers. */

/* Compiles expr alone in a fresh ruleset and evaluates it on ev. */
static bool eval_expr(const char *expr, const struct cws_event *ev)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;
	const struct cws_secl_rule *r;
	bool res;

	assert_non_null(rs);
	memset(&err, 0, sizeof(err));
	r = cws_secl_rule_add(rs, "t", expr, NULL, &err);
	if (!r && err.kind == CWS_SECL_ERR_EVENT_TYPE &&
	    strstr(err.msg, "no event")) {
		/* Common fields only: tie the rule to the event's type. */
		size_t len = strlen(expr) + 128;
		char *typed = malloc(len);
		const char *t = cws_event_type_name(ev->evt.type);

		assert_non_null(typed);
		snprintf(typed, len, "(%s) && %s.retval == %s.retval", expr, t,
			 t);
		r = cws_secl_rule_add(rs, "t", typed, NULL, &err);
		free(typed);
	}
	if (!r)
		fail_msg("%s: %s", expr, err.msg);
	res = cws_secl_rule_eval(rs, r, ev);
	cws_secl_ruleset_free(rs);
	return res;
}

static bool on_open(const char *expr)
{
	struct world w;

	open_event(&w, "/etc/passwd", 2);
	return eval_expr(expr, &w.ev);
}

static bool on_exec(const char *expr)
{
	struct world w;

	exec_event(&w);
	return eval_expr(expr, &w.ev);
}

#define T(e) assert_true(on_open(e))
#define F(e) assert_false(on_open(e))

/* Compiling expr fails with a message containing want. */
static void expect_err(const char *expr, const char *want,
		       enum cws_secl_err_kind kind)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;

	memset(&err, 0, sizeof(err));
	if (cws_secl_rule_add(rs, "t", expr, NULL, &err))
		fail_msg("'%s' compiled, expected '%s'", expr, want);
	if (!strstr(err.msg, want))
		fail_msg("'%s': got '%s', expected '%s'", expr, err.msg, want);
	if (kind && err.kind != kind)
		fail_msg("'%s': kind %d, expected %d", expr, err.kind, kind);
	assert_true(err.code < 0);
	cws_secl_ruleset_free(rs);
}

static void expect_ok(const char *expr)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;

	memset(&err, 0, sizeof(err));
	if (!cws_secl_rule_add(rs, "t", expr, NULL, &err))
		fail_msg("'%s': %s", expr, err.msg);
	cws_secl_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Operators. */

static void test_op_eq_ne(void **state)
{
	(void)state;
	T("open.file.path == \"/etc/passwd\"");
	F("open.file.path == \"/etc/shadow\"");
	T("open.file.path != \"/etc/shadow\"");
	F("open.file.path != \"/etc/passwd\"");
	T("open.flags == 2");
	T("open.flags != 3");
	T("process.file.path == process.file.path");
	T("process.uid == process.gid");
	/* == with a plain string is exact, even with a star in it. */
	F("open.file.path == \"/etc/*\"");
	T("open.file.path == ~\"/etc/*\"");
	T("\"/etc/passwd\" == open.file.path");
	T("open.flags == O_RDWR");
}

static void test_op_order(void **state)
{
	(void)state;
	T("open.flags < 3");
	F("open.flags < 2");
	T("open.flags <= 2");
	F("open.flags <= 1");
	T("open.flags > 1");
	F("open.flags > 2");
	T("open.flags >= 2");
	F("open.flags >= 3");
	/* A constant on the left flips the operator. */
	T("3 > open.flags");
	T("1 < open.flags");
}

static void test_op_match(void **state)
{
	(void)state;
	T("open.file.path =~ \"/etc/*\"");
	F("open.file.path =~ \"/tmp/*\"");
	T("open.file.path !~ \"/tmp/*\"");
	F("open.file.path !~ \"/etc/*\"");
	T("process.comm =~ ~\"ba*\"");
	T("process.comm =~ r\"^ba\"");
	/* `x =~"a*"` without a space, which Datadog's lexer mangles. */
	T("process.comm =~\"ba*\"");
	T("process.comm !~\"zz*\"");
}

static void test_op_in(void **state)
{
	(void)state;
	T("open.file.path in [\"/etc/shadow\", \"/etc/passwd\"]");
	F("open.file.path in [\"/etc/shadow\", \"/etc/group\"]");
	T("open.file.path not in [\"/etc/shadow\"]");
	F("open.file.path not in [\"/etc/passwd\"]");
	T("open.flags in [1, 2, 3]");
	F("open.flags in [1, 3]");
	T("open.flags not in [1, 3]");
	T("open.flags in [O_WRONLY, O_RDWR]");
	T("open.file.path allin [\"/etc/passwd\"]");
	T("open.file.path in [~\"/etc/pass*\"]");
	T("open.file.name in [r\"^pass\", \"x\"]");
	/* A plain string in an array is a literal, not a pattern. */
	assert_false(on_exec("process.comm in [~\"*d*\", \"ba*\"]"));
	assert_true(on_exec("process.comm in [~\"*d*\", ~\"ba*\"]"));
}

static void test_op_logic(void **state)
{
	(void)state;
	T("open.flags == 2 && open.file.name == \"passwd\"");
	T("open.flags == 2 and open.file.name == \"passwd\"");
	F("open.flags == 1 && open.file.name == \"passwd\"");
	T("open.flags == 1 || open.file.name == \"passwd\"");
	T("open.flags == 1 or open.file.name == \"passwd\"");
	F("open.flags == 1 || open.file.name == \"x\"");
	T("!(open.flags == 1)");
	T("not (open.flags == 1)");
	T("not(open.flags == 1)");
	F("!(open.flags == 2)");
	T("!!(open.flags == 2)");
}

static void test_op_arith(void **state)
{
	(void)state;
	T("open.flags & 2 == 2");
	T("open.flags | 1 == 3");
	T("open.flags ^ 3 == 1");
	T("-open.flags == -2");
	T("^open.flags == -3");
	T("open.flags + 1 == 3");
	T("open.flags - 1 == 1");
	T("open.flags + open.flags - 1 == 3");
	T("open.flags & (O_CREAT|O_RDWR) > 0");
	/* + and - bind looser than &: 1 + (2 & 3). */
	T("open.flags + 2 & 3 == 4");
}

/* ------------------------------------------------------------------ */
/* Precedence and associativity (reference section 1.2). */

static const struct cws_secl_node *root_of(struct cws_secl_ruleset *rs,
					   const char *expr)
{
	struct cws_secl_err err;
	const struct cws_secl_rule *r;

	memset(&err, 0, sizeof(err));
	r = cws_secl_rule_add(rs, "p", expr, NULL, &err);
	if (!r)
		fail_msg("%s: %s", expr, err.msg);
	return cws_secl_rule_root(r);
}

static void test_prec_and_or(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	const struct cws_secl_node *n;

	(void)state;
	/* A && B || C is A && (B || C): false && ... is false. */
	F("open.flags == 9 && open.flags == 9 || open.flags == 2");
	/* C would give (A && B) || C = true. */
	T("(open.flags == 9 && open.flags == 9) || open.flags == 2");
	/* A || B && C is A || (B && C). */
	T("open.flags == 2 || open.flags == 9 && open.flags == 9");
	/* The tree says the same. */
	n = root_of(rs, "open.flags == 1 && open.file.uid == 2 || "
			"open.file.gid == 3");
	assert_int_equal(cws_secl_node_op(n), CWS_SECL_OP_AND);
	assert_int_equal(cws_secl_node_nchildren(n), 2);
	assert_true(
		cws_secl_node_op(cws_secl_node_child(n, 0)) == CWS_SECL_OP_OR ||
		cws_secl_node_op(cws_secl_node_child(n, 1)) == CWS_SECL_OP_OR);
	cws_secl_ruleset_free(rs);
}

static void test_prec_bitwise(void **state)
{
	(void)state;
	/* 2 & 1 | 1 is 2 & (1 | 1) = 0 (C gives 1). */
	T("2 & 1 | 1 == 0 && open.flags == 2");
	T("open.flags & 1 | 1 == 0");
	/* Bitwise binds tighter than comparison: 1 == (1 & 1). */
	T("1 == 1 & 1 && open.flags == 2");
	T("open.flags & O_RDWR > 0");
	/* 3 ^ 3 == 0, ^0 == -1, --3 == 3. */
	T("3 ^ 3 == 0 && open.flags == 2");
	T("^0 == -1 && open.flags == 2");
	T("--3 == 3 && open.flags == 2");
	T("- -3 == 3 && open.flags == 2");
	/* The same at run time, from fields. */
	T("open.flags ^ open.flags == 0");
	T("^(open.flags - 2) == -1");
	T("-(-open.flags) == 2");
}

static void test_prec_not(void **state)
{
	(void)state;
	/* not binds to one operand: (not true) && false. */
	F("not true && false || open.flags == 2");
	T("not true || open.flags == 2");
	T("not false && open.flags == 2");
	F("not (true && open.flags == 2)");
	/* not on a comparison's operand is a type error. */
	expect_err("not open.file.path == \"x\"", "bool expected",
		   CWS_SECL_ERR_COMPILE);
}

static void test_prec_syntax(void **state)
{
	(void)state;
	/* 1+2 is the Int 1 then the Int +2. */
	expect_err("open.flags == 1+2", "unexpected token",
		   CWS_SECL_ERR_SYNTAX);
	expect_ok("open.flags == 1 + 2");
	T("open.flags == 1 + 1");
	/* A chain of comparisons parses, then fails its types. */
	expect_err("open.flags < 1 == 2", "int expected", CWS_SECL_ERR_COMPILE);
	/* Comments anywhere. */
	T("open.flags == 2 # a comment\n && open.file.name == \"passwd\"");
	T("open.flags == 2 // another\n");
	expect_err("open.flags in []", "unexpected token", CWS_SECL_ERR_SYNTAX);
	expect_err("open.file.path in [\"a\", 1]", "unexpected token",
		   CWS_SECL_ERR_SYNTAX);
	expect_err("open.file.path in \"a\"", "unexpected token",
		   CWS_SECL_ERR_SYNTAX);
	expect_err("(open.flags == 1", "unexpected end", CWS_SECL_ERR_SYNTAX);
	expect_err("open.flags == \"abc", "unterminated string",
		   CWS_SECL_ERR_SYNTAX);
	expect_err("open.flags == 1)", "unexpected token", CWS_SECL_ERR_SYNTAX);
	expect_err("open.flags == 99999999999999999999", "out of range",
		   CWS_SECL_ERR_SYNTAX);
	expect_err("open.flags == ${", "invalid variable", CWS_SECL_ERR_SYNTAX);
	expect_err("open.flags == 1 \x01", "invalid character",
		   CWS_SECL_ERR_SYNTAX);
	/* Strings keep their backslashes (7.60: no escape processing). */
	T("open.file.name != \"pass\\wd\"");
}

/* ------------------------------------------------------------------ */
/* Patterns and globs (reference section 1.5). */

static bool exec_path_is(const char *path, const char *expr)
{
	struct world w;

	exec_event(&w);
	w.ev.exec.file.path = path;
	w.ev.process.file.path = path;
	return eval_expr(expr, &w.ev);
}

static void test_glob_table(void **state)
{
	/* TestStringMatcher, for the value /usr/bin/c$t. */
	static const char *yes[] = { "/usr/bin/c$t*", "/usr/bin/c*",
				     "/usr/bin/**",   "/usr/**",
				     "/**",	      "/*/*/*",
				     "/usr/bin/*",    "*/bin/*",
				     "/usr/*/c$t" };
	static const char *no[] = {
		"/usr/bin/c$t/*", "/usr/bin/c$t/**", "/*",	     "*/*",
		"/bin/*",	  "*/bin",	     "/usr/*/bin/*", "/etc/**"
	};
	char expr[256];
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(yes); i++) {
		snprintf(expr, sizeof(expr), "exec.file.path =~ \"%s\"",
			 yes[i]);
		if (!exec_path_is("/usr/bin/c$t", expr))
			fail_msg("%s should match /usr/bin/c$t", yes[i]);
	}
	for (i = 0; i < CWS_ARRAY_SIZE(no); i++) {
		snprintf(expr, sizeof(expr), "exec.file.path =~ \"%s\"", no[i]);
		if (exec_path_is("/usr/bin/c$t", expr))
			fail_msg("%s should not match /usr/bin/c$t", no[i]);
	}
	/* "*" and "" are refused as path values; "" compares exactly. */
	expect_err("exec.file.path =~ \"*\"", "invalid path",
		   CWS_SECL_ERR_COMPILE);
	expect_err("exec.file.path =~ \"*/*\" && exec.file.path =~ \"*\"",
		   "invalid path", 0);
	assert_false(exec_path_is("/usr/bin/c$t", "exec.file.path =~ \"\""));
	assert_true(exec_path_is("", "exec.file.path == \"\""));
}

static void test_glob_cases(void **state)
{
	(void)state;
	/* `*` never crosses '/'; a leading `*` is one level. */
	assert_true(
		exec_path_is("/etc/shadow", "exec.file.path =~ \"*/shadow\""));
	assert_false(
		exec_path_is("/a/b/shadow", "exec.file.path =~ \"*/shadow\""));
	assert_true(exec_path_is("/1/abc/2", "exec.file.path =~ \"*/abc/*\""));
	assert_true(exec_path_is("/tmp/test/test7890",
				 "exec.file.path =~ \"/tmp/test/test789*\""));
	assert_false(exec_path_is("/tmp/test",
				  "exec.file.path =~ \"/tmp/test/test789*\""));
	assert_false(exec_path_is("/tmp/test",
				  "exec.file.path =~ \"/tmp/test/*st*\""));
	assert_true(exec_path_is("/tmp/test/ast",
				 "exec.file.path =~ \"/tmp/test/*st*\""));
	assert_true(exec_path_is("/tmp/test/test789",
				 "exec.file.path =~ \"/tmp/*/test789\""));
	assert_false(exec_path_is("/tmp/test/test",
				  "exec.file.path =~ \"/tmp/*/test789\""));
	assert_true(
		exec_path_is("/tmp/test/ast", "exec.file.path =~ \"/tmp/**\""));
	assert_false(
		exec_path_is("/tmp/test/ast", "exec.file.path =~ \"/tmp/*\""));
	/* The glob /tmp/ ** (no space) does not match /tmp itself. */
	assert_false(exec_path_is("/tmp", "exec.file.path =~ \"/tmp/**\""));
	assert_true(exec_path_is("/var/log/httpd",
				 "exec.file.path =~ \"*/*/http*\""));
	assert_true(exec_path_is("/httpd", "exec.file.path =~ \"/*\""));
	assert_false(exec_path_is("/var/run/httpd",
				  "exec.file.path == \"/var/run\""));
	/* Globs on names too: no '/' in them. */
	assert_true(on_exec("exec.file.name =~ \"ba*\""));
	assert_true(on_exec("exec.file.name =~ \"*as*\""));
	assert_false(on_exec("exec.file.name =~ \"*d*\""));
	assert_true(on_exec("exec.file.name in [~\"b*\"]"));
	expect_ok("exec.file.path =~ \"/etc/conf.d/**\"");
	/* Globs are case-sensitive. */
	assert_false(
		exec_path_is("/USR/bin/x", "exec.file.path =~ \"/usr/**\""));
}

/* `**` anywhere in a glob (agent 7.71 and later; reference 7.73 §9). */
static void test_glob_dstar(void **state)
{
	static const struct {
		const char *glob, *path;
		bool want;
	} t[] = {
		/* Zero or more whole directories in the middle. */
		{ "/a/**/b", "/a/b", true },
		{ "/a/**/b", "/a/x/b", true },
		{ "/a/**/b", "/a/x/y/b", true },
		{ "/a/**/b", "/a/x/y/c", false },
		{ "/a/**/b", "/a", false },
		{ "/a/**/b", "/ab", false },
		{ "/a/**/b", "/c/x/b", false },
		{ "/a/**/b", "/a/xb", false },
		{ "/a/**/b/*.conf", "/a/b/x.conf", true },
		{ "/a/**/b/*.conf", "/a/1/2/b/x.conf", true },
		{ "/a/**/b/*.conf", "/a/1/2/b/x.txt", false },
		{ "/a/**/b/*.conf", "/a/1/2/c/x.conf", false },
		/* Datadog's two walks may overlap on a short path. */
		{ "/a/b/**/b/c", "/a/b/c", true },
		/* A trailing `**` still needs one element. */
		{ "/tmp/**", "/tmp", false },
		{ "/tmp/**", "/tmp/x", true },
		{ "/tmp/**", "/tmp/x/y", true },
		/* A leading `**`. */
		{ "**/token", "/run/secrets/token", true },
		{ "**/token", "/run/secrets/tokens", false },
		/* Inside a component with other characters: a `*`. */
		{ "/a/**.conf", "/a/x.conf", true },
		{ "/a/**.conf", "/a/b/x.conf", false },
		{ "/a/x**y/b", "/a/x12y/b", true },
		{ "/a/x**y/b", "/a/x1/2y/b", false },
		/* The 1.69.3 pattern (CREDENTIAL_PATHS_K8S). */
		{ "/var/run/secrets/kubernetes.io/serviceaccount/**/token",
		  "/var/run/secrets/kubernetes.io/serviceaccount/token", true },
		{ "/var/run/secrets/kubernetes.io/serviceaccount/**/token",
		  "/var/run/secrets/kubernetes.io/serviceaccount/..2026/token",
		  true },
		{ "/var/run/secrets/kubernetes.io/serviceaccount/**/token",
		  "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
		  false },
		/* An empty value never matches. */
		{ "/a/**/b", "", false },
		{ "**/b", "", false },
	};
	char expr[256];
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(t); i++) {
		snprintf(expr, sizeof(expr), "exec.file.path =~ \"%s\"",
			 t[i].glob);
		if (exec_path_is(t[i].path, expr) != t[i].want)
			fail_msg("%s should %smatch '%s'", t[i].glob,
				 t[i].want ? "" : "not ", t[i].path);
	}
	/* In an array of values. */
	assert_true(exec_path_is("/a/x/b",
				 "exec.file.path in [~\"/a/**/b\", \"/z\"]"));
	/* Once per pattern, as Datadog says it. */
	expect_err("exec.file.path =~ \"/a/**/b/**\"",
		   "`**` is allowed only once in a pattern",
		   CWS_SECL_ERR_COMPILE);
	expect_err("exec.file.path in [~\"/x\", ~\"**/a/**\"]", "invalid glob",
		   0);
	/* A second `**` inside a component is a `*`, not a second one. */
	expect_ok("exec.file.path =~ \"/a/**/b**c\"");
	/* Patterns (not globs) still refuse it. */
	expect_err("exec.comm =~ \"a**\"", "invalid pattern", 0);
}

static void test_pattern_cases(void **state)
{
	struct world w;

	(void)state;
	exec_event(&w);
	/* On a non-path field, `*` crosses '/'. */
	w.ev.process.comm = "/abc/";
	assert_true(eval_expr("process.comm =~ \"*abc*\"", &w.ev));
	w.ev.process.comm = "a/b/c";
	assert_true(eval_expr("process.comm =~ \"a*c\"", &w.ev));
	/* No backtracking: `*ab` does not match abab. */
	w.ev.process.comm = "abab";
	assert_false(eval_expr("process.comm =~ \"*ab\"", &w.ev));
	assert_true(eval_expr("process.comm =~ \"*ba*\"", &w.ev));
	assert_true(eval_expr("process.comm =~ \"ab*\"", &w.ev));
	/* `*` alone matches anything, even the empty string. */
	w.ev.process.comm = "";
	assert_true(eval_expr("process.comm =~ \"*\"", &w.ev));
	assert_false(eval_expr("process.comm =~ \"?\"", &w.ev));
	w.ev.process.comm = "http://example.com";
	assert_true(eval_expr("process.comm =~ \"*example.com\"", &w.ev));
	assert_false(eval_expr("process.comm =~ \"example*\"", &w.ev));
	/* `**` is refused in patterns. */
	expect_err("process.comm =~ \"a**b\"",
		   "`**` is not allowed in patterns", CWS_SECL_ERR_COMPILE);
	expect_err("process.comm in [~\"**\"]", "invalid pattern", 0);
	/* Case-sensitive, except dns.question.name. */
	w.ev.process.comm = "BASH";
	assert_false(eval_expr("process.comm =~ \"ba*\"", &w.ev));
}

static void test_path_values(void **state)
{
	(void)state;
	expect_err(
		"open.file.path == \"etc/shadow\"",
		"invalid path `etc/shadow`, all the path have to be absolute",
		CWS_SECL_ERR_COMPILE);
	expect_err("open.file.path == \"/etc/../shadow\"", "invalid path", 0);
	expect_err("open.file.path == \"/etc/\"", "invalid path", 0);
	expect_err("open.file.path == \"/etc//x\"", "invalid path", 0);
	expect_err("open.file.path == \"/etc/./x\"", "invalid path", 0);
	expect_err("open.file.path == \"~/x\"", "invalid path", 0);
	expect_err("open.file.path in [\"/ok\", \"bad\"]", "invalid path", 0);
	expect_err("mount.mountpoint.path == \"x\"", "invalid path", 0);
	expect_ok("open.file.path == \"\"");
	expect_ok("open.file.path == \"/\"");
	expect_ok("open.file.path =~ \"*/bin/*\"");
	/* Not checked: names, syscall paths, variables. */
	expect_ok("open.file.name == \"passwd\"");
	expect_ok("open.syscall.path == \"relative\"");
	{
		char expr[600];
		char seg[300];

		memset(seg, 'a', 256);
		seg[256] = '\0';
		snprintf(expr, sizeof(expr), "open.file.path == \"/%s\"", seg);
		expect_err(expr, "each segment of a path must be shorter than",
			   0);
	}
}

/* ------------------------------------------------------------------ */
/* Regexes. */

static void test_regex(void **state)
{
	(void)state;
	/* Unanchored, like Go's MatchString. */
	assert_true(on_exec("exec.args =~ r\"ech\""));
	assert_true(on_exec("exec.args =~ r\"hi\""));
	assert_false(on_exec("exec.args =~ r\"^hi\""));
	assert_true(on_exec("exec.args =~ r\"^-c\""));
	assert_true(on_exec("exec.args == r\"v[a-z]+sion\""));
	assert_true(on_exec("exec.args in [r\"zzz\", r\"T 8\"]"));
	assert_false(on_exec("exec.args !~ r\"echo\""));
	/* $ only at the very end, as in RE2. */
	assert_true(on_exec("exec.file.name =~ r\"bash$\""));
	/* Refused on path fields, allowed on names. */
	expect_err("open.file.path =~ r\"/etc\"",
		   "regexp not supported on path `open.file.path`",
		   CWS_SECL_ERR_COMPILE);
	expect_err("open.file.path in [r\"/etc\"]",
		   "regexp not supported on path", 0);
	expect_ok("open.file.name =~ r\"^pass\"");
	expect_err("exec.args =~ r\"(unclosed\"", "invalid regexp `(unclosed`",
		   CWS_SECL_ERR_COMPILE);
	/* A pathological pattern hits the match limit, not the CPU. */
	{
		struct world w;
		char big[4096];

		exec_event(&w);
		memset(big, 'a', sizeof(big) - 2);
		big[sizeof(big) - 2] = 'b';
		big[sizeof(big) - 1] = '\0';
		w.ev.process.comm = big;
		assert_false(eval_expr("process.comm =~ r\"(a|aa)*c\"", &w.ev));
	}
}

/* ------------------------------------------------------------------ */
/* Arrays, CIDRs, any-element semantics. */

static void connect_event(struct world *w, const char *ip)
{
	struct cidr c;

	base(w, CWS_EVT_CONNECT);
	assert_int_equal(secl_parse_cidr(ip, strlen(ip), &c), 0);
	memcpy(w->ev.obj.addr.ip, c.a, 16);
	w->ev.obj.addr.family = strchr(ip, ':') ? 10 : 2;
	w->ev.obj.addr.port = 443;
	w->ev.obj.addr.hostname = "Example.COM";
}

static bool on_connect(const char *ip, const char *expr)
{
	struct world w;

	connect_event(&w, ip);
	return eval_expr(expr, &w.ev);
}

static void test_cidr(void **state)
{
	(void)state;
	assert_true(on_connect("10.1.2.3", "connect.addr.ip in 10.0.0.0/8"));
	assert_false(on_connect("11.1.2.3", "connect.addr.ip in 10.0.0.0/8"));
	assert_true(
		on_connect("11.1.2.3", "connect.addr.ip not in 10.0.0.0/8"));
	assert_true(on_connect("10.1.2.3", "connect.addr.ip == 10.1.2.3"));
	assert_true(on_connect("10.1.2.3", "connect.addr.ip == 10.0.0.0/8"));
	assert_true(on_connect("10.1.2.3", "connect.addr.ip != 10.1.2.4"));
	assert_true(
		on_connect("192.168.1.1",
			   "connect.addr.ip in [10.0.0.0/8, 192.168.0.0/16]"));
	assert_true(on_connect("192.168.1.1",
			       "connect.addr.ip allin [192.168.0.0/16]"));
	assert_true(on_connect("192.168.1.1",
			       "connect.addr.ip in [127.0.0.1, 192.168.1.1]"));
	/* IPv6. */
	assert_true(
		on_connect("2001:db8::1", "connect.addr.ip in 2001:db8::/32"));
	assert_false(
		on_connect("2001:db9::1", "connect.addr.ip in 2001:db8::/32"));
	assert_true(on_connect("::1", "connect.addr.ip == ::1"));
	assert_true(on_connect("fe80::1",
			       "connect.addr.ip in [2001::/16, fe80::/10]"));
	/* IPv4-mapped IPv6 on either side. */
	assert_true(
		on_connect("::ffff:10.1.2.3", "connect.addr.ip in 10.0.0.0/8"));
	assert_true(on_connect("10.1.2.3",
			       "connect.addr.ip in ::ffff:10.0.0.0/104"));
	assert_true(
		on_connect("10.1.2.3", "connect.addr.ip == ::ffff:10.1.2.3"));
	/* Other network fields. */
	assert_true(on_connect("8.8.8.8", "connect.addr.is_public"));
	assert_false(on_connect("10.0.0.1", "connect.addr.is_public == true"));
	assert_false(on_connect("fd00::1", "connect.addr.is_public"));
	assert_true(on_connect("8.8.8.8", "connect.addr.family == AF_INET && "
					  "connect.addr.port in [80, 443]"));
	assert_true(on_connect("8.8.8.8",
			       "connect.addr.hostname == \"example.com\""));
	assert_true(
		on_connect("8.8.8.8", "connect.addr.hostname in [~\"*.com\"]"));
	expect_err("connect.addr.ip in 10.0.0.0/33", "invalid CIDR",
		   CWS_SECL_ERR_SYNTAX);
	expect_err("connect.addr.ip < 10.0.0.1", "operator `<` unknown",
		   CWS_SECL_ERR_COMPILE);
}

static void test_array_fields(void **state)
{
	(void)state;
	/* argv excludes argv0; any element matches, != means none does. */
	assert_true(on_exec("exec.argv == \"-c\""));
	assert_false(on_exec("exec.argv == \"bash\""));
	assert_false(on_exec("exec.argv != \"-c\""));
	assert_true(on_exec("exec.argv != \"-x\""));
	assert_true(on_exec("exec.argv in [\"-x\", \"echo hi\"]"));
	assert_true(on_exec("\"echo hi\" in exec.argv"));
	assert_true(on_exec("\"echo hi\" == exec.argv"));
	assert_false(on_exec("\"nope\" in exec.argv"));
	assert_true(on_exec("\"nope\" not in exec.argv"));
	assert_true(on_exec("exec.argv =~ \"ech*\""));
	assert_true(on_exec("exec.argv0 == \"bash\""));
	assert_true(on_exec(
		"exec.args == \"-c echo hi --version -T 8 -ln --width=8\""));
	/* args_flags: -ln gives l, n, ln; --version gives version. */
	assert_true(on_exec("exec.args_flags == \"version\""));
	assert_true(on_exec("exec.args_flags == \"l\" && "
			    "exec.args_flags == \"n\" && "
			    "exec.args_flags == \"ln\""));
	assert_true(on_exec("exec.args_flags in [\"c\"]"));
	assert_false(on_exec("exec.args_flags in [\"width\", \"width=8\"]"));
	assert_true(on_exec("exec.args_flags not in [\"s\", \"q\"]"));
	/* args_options: -T 8 gives T=8, --width=8 gives width=8. */
	assert_true(on_exec("exec.args_options == \"T=8\""));
	assert_true(on_exec("exec.args_options in [\"width=8\"]"));
	assert_true(on_exec("exec.args_options in [~\"c=echo*\"]"));
	/* Ancestors: any of them; != none of them. */
	assert_true(on_exec("process.ancestors.comm == \"sshd\""));
	assert_true(on_exec("process.ancestors.file.name == \"git\""));
	assert_false(
		on_exec("process.ancestors.file.path != \"/usr/bin/git\""));
	assert_true(on_exec("process.ancestors.file.path not in "
			    "[\"/bin/x\"]"));
	assert_true(on_exec("process.ancestors.uid == 0"));
	assert_true(on_exec("process.ancestors.uid > 999"));
	assert_true(on_exec("process.ancestors.length == 3"));
	assert_true(on_exec("process.ancestors.argv in [\"--recursive\"]"));
	assert_true(on_exec("process.ancestors.args_flags == \"D\""));
	assert_true(on_exec("process.parent.comm == \"sshd\""));
	assert_true(on_exec("process.parent.argv0 == \"/usr/sbin/sshd\""));
	assert_true(on_exec("process.ancestors.pid in [1, 2]"));
	/* An empty array matches nothing, and != everything. */
	{
		struct world w;

		exec_event(&w);
		w.ev.nancestors = 0;
		assert_false(
			eval_expr("process.ancestors.comm == \"sshd\"", &w.ev));
		assert_true(
			eval_expr("process.ancestors.comm != \"sshd\"", &w.ev));
		assert_true(eval_expr("process.parent.comm == \"\"", &w.ev));
	}
	/* Two arrays: any pair. */
	assert_true(
		on_exec("process.ancestors.argv0 == process.ancestors.argv0"));
}

static void test_iterators(void **state)
{
	struct world w;

	(void)state;
	exec_event(&w);
	/* Without a register, each part is its own "any ancestor". */
	assert_true(eval_expr("process.ancestors.comm == \"sshd\" && "
			      "process.ancestors.uid == 1000",
			      &w.ev));
	/* With [A], one and the same ancestor must satisfy both. */
	assert_false(eval_expr("process.ancestors[A].comm == \"sshd\" && "
			       "process.ancestors[A].uid == 1000",
			       &w.ev));
	assert_true(eval_expr("process.ancestors[A].comm == \"git\" && "
			      "process.ancestors[A].uid == 1000",
			      &w.ev));
	/* git_cve_2025_48384, from the default policy. */
	assert_true(
		eval_expr("exec.comm in [\"bash\"] && "
			  "process.ancestors[A].comm == \"git\" && "
			  "process.ancestors[A].argv in [\"clone\"] && "
			  "process.ancestors[A].args_flags in [\"recursive\"]",
			  &w.ev));
	expect_err("process.ancestors[A].comm == \"a\" && "
		   "process.ancestors[B].comm == \"b\" && exec.comm == \"x\"",
		   "iterator variable limit to one per rule",
		   CWS_SECL_ERR_COMPILE);
	expect_err("process.ancestors[_].comm == \"a\" && exec.comm == \"x\"",
		   "register name `_`", CWS_SECL_ERR_COMPILE);
	expect_err("process.parent[A].comm == \"a\" && exec.comm == \"x\"",
		   "doesn't support iteration", CWS_SECL_ERR_COMPILE);
	/* [A] iterates at most CWS_SECL_MAX_ITER ancestors. */
	w.ev.nancestors = 0;
	assert_false(eval_expr("process.ancestors[A].comm != \"x\" && "
			       "exec.comm == \"bash\"",
			       &w.ev));
}

/* ------------------------------------------------------------------ */
/* Durations and time. */

static void test_durations(void **state)
{
	struct world w;

	(void)state;
	exec_event(&w);
	/* created 3 s before the event: the age, from the event's time. */
	assert_true(eval_expr("process.created_at < 5s && exec.comm != \"\"",
			      &w.ev));
	assert_false(eval_expr("process.created_at > 5s && exec.comm != \"\"",
			       &w.ev));
	assert_true(eval_expr("process.created_at > 2s && exec.comm != \"\"",
			      &w.ev));
	assert_true(eval_expr("process.created_at >= 3s && exec.comm != \"\"",
			      &w.ev));
	assert_true(eval_expr("process.created_at < 3001ms && "
			      "exec.comm != \"\"",
			      &w.ev));
	assert_true(eval_expr("process.created_at < 1m && process.created_at < "
			      "1h && process.created_at < 1d && exec.comm != "
			      "\"\"",
			      &w.ev));
	/* A constant duration on the left flips. */
	assert_true(eval_expr("5s > process.created_at && exec.comm != \"\"",
			      &w.ev));
	/* Arithmetic on the left: the values, not an age. */
	assert_true(eval_expr("process.created_at - process.created_at < 1s "
			      "&& exec.comm != \"\"",
			      &w.ev));
	/* Durations are ns ints. */
	assert_true(on_open("1s == 1000000000 && open.flags == 2"));
	assert_true(on_open("90s == 1m + 30s && open.flags == 2"));
	/* Replays are deterministic: a later event makes it older. */
	w.ev.timestamp += 10 * NS;
	assert_false(eval_expr("process.created_at < 5s && exec.comm != \"\"",
			       &w.ev));
	assert_true(
		eval_expr("event.timestamp > 0 && exec.comm != \"\"", &w.ev));
}

/* ------------------------------------------------------------------ */
/* Variables. */

static int count_cb(const struct cws_secl_rule *r, const struct cws_event *ev,
		    void *arg)
{
	(void)r;
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static void test_variables(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_var_opts ttl = { .ttl_ns = 10 * NS };
	struct cws_secl_err err;
	struct cws_secl_value v;
	struct world w;
	int seen, flag, list, cnt, ctr;
	const struct cws_secl_rule *r;

	(void)state;
	memset(&err, 0, sizeof(err));
	flag = cws_secl_var_declare(rs, "seen", CWS_SECL_SCOPE_PROCESS,
				    CWS_SECL_BOOL, NULL, &err);
	assert_true(flag >= 0);
	/* Declaring again with the same kind returns the same id. */
	assert_int_equal(cws_secl_var_declare(rs, "seen",
					      CWS_SECL_SCOPE_PROCESS,
					      CWS_SECL_BOOL, NULL, &err),
			 flag);
	assert_int_equal(cws_secl_var_declare(rs, "seen",
					      CWS_SECL_SCOPE_PROCESS,
					      CWS_SECL_INT, NULL, &err),
			 -EEXIST);
	list = cws_secl_var_declare(rs, "paths", CWS_SECL_SCOPE_CONTAINER,
				    CWS_SECL_STR_ARRAY, &ttl, &err);
	assert_true(list >= 0);
	cnt = cws_secl_var_declare(rs, "count", CWS_SECL_SCOPE_GLOBAL,
				   CWS_SECL_INT, NULL, &err);
	assert_true(cnt >= 0);
	ctr = cws_secl_var_declare(
		rs, "key", CWS_SECL_SCOPE_PROCESS, CWS_SECL_STR,
		&(struct cws_secl_var_opts){ .inherited = true }, &err);
	assert_true(ctr >= 0);
	assert_int_equal(cws_secl_var_lookup(rs, "process.seen"), flag);
	assert_int_equal(cws_secl_var_lookup(rs, "nope"), -ENOENT);
	/* Clashes with fields and constants. */
	assert_int_equal(cws_secl_var_declare(rs, "comm",
					      CWS_SECL_SCOPE_PROCESS,
					      CWS_SECL_STR, NULL, &err),
			 -EEXIST);
	assert_non_null(strstr(err.msg, "conflicts with field"));
	assert_int_equal(cws_secl_var_declare(rs, "O_CREAT",
					      CWS_SECL_SCOPE_GLOBAL,
					      CWS_SECL_INT, NULL, &err),
			 -EEXIST);
	assert_int_equal(cws_secl_var_declare(rs, "bad name",
					      CWS_SECL_SCOPE_GLOBAL,
					      CWS_SECL_INT, NULL, &err),
			 -EINVAL);

	r = cws_secl_rule_add(rs, "r1",
			      "exec.comm == \"bash\" && ${process.seen} == "
			      "false && ${count} < 2",
			      NULL, &err);
	assert_non_null(r);
	assert_non_null(cws_secl_rule_add(
		rs, "r2",
		"exec.file.path in ${container.paths} && ${process.key} == "
		"\"k-${process.pid}\"",
		NULL, &err));
	assert_non_null(cws_secl_rule_add(
		rs, "r3",
		"\"/usr/bin/bash\" in ${container.paths} && exec.comm != \"\"",
		NULL, &err));
	assert_null(cws_secl_rule_add(
		rs, "r4", "${nope} == 1 && exec.comm == \"\"", NULL, &err));
	assert_string_equal(err.msg, "variable 'nope' doesn't exist");

	exec_event(&w);
	w.ev.container.id = "c1";
	seen = 0;
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, count_cb, &seen), 1);
	/* A set action: the rule no longer matches for this process. */
	v.kind = CWS_SECL_BOOL;
	v.b = true;
	assert_int_equal(cws_secl_var_set(rs, flag, &w.ev, &v, false, NULL), 0);
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 0);
	/* ... but does for another pid. */
	w.ev.process.pid = 7;
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 1);
	/* The global counter. */
	v.kind = CWS_SECL_INT;
	v.i = 5;
	assert_int_equal(cws_secl_var_set(rs, cnt, &w.ev, &v, false, NULL), 0);
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 0);
	assert_int_equal(cws_secl_var_get(rs, cnt, &w.ev, &v), 0);
	assert_int_equal(v.i, 5);
	/* Container-scoped array with TTL, appended. */
	v.kind = CWS_SECL_STR;
	v.s.p = "/usr/bin/bash";
	v.s.n = 13;
	assert_int_equal(cws_secl_var_set(rs, list, &w.ev, &v, true, NULL), 0);
	v.s.p = "/bin/sh";
	v.s.n = 7;
	assert_int_equal(cws_secl_var_set(rs, list, &w.ev, &v, true, NULL), 0);
	assert_int_equal(cws_secl_var_set(rs, list, &w.ev, &v, true, NULL), 0);
	assert_int_equal(cws_secl_var_get(rs, list, &w.ev, &v), 0);
	assert_int_equal(v.kind, CWS_SECL_STR_ARRAY);
	assert_int_equal(v.strs.n, 2); /* appending a value again renews it */
	/* r2 needs process.key == "k-<pid>", interpolated. */
	v.kind = CWS_SECL_STR;
	v.s.p = "k-7";
	v.s.n = 3;
	assert_int_equal(cws_secl_var_set(rs, ctr, &w.ev, &v, false, NULL), 0);
	seen = 0;
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, count_cb, &seen), 2);
	/* Inherited: a child of pid 7 reads its parent's value. */
	w.ev.process.pid = 8;
	w.anc[0].pid = 7;
	assert_int_equal(cws_secl_var_get(rs, ctr, &w.ev, &v), 0);
	assert_int_equal(v.s.n, 3);
	w.ev.process.pid = 7;
	/* Another container does not see the values. */
	w.ev.container.id = "c2";
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 0);
	/* A host process has no container scope. */
	w.ev.container.id = NULL;
	assert_int_equal(cws_secl_var_set(rs, list, &w.ev, &v, true, NULL),
			 -ENOENT);
	/* TTL: 11 s later the values are gone. */
	w.ev.container.id = "c1";
	w.ev.timestamp += 11 * NS;
	assert_int_equal(cws_secl_var_get(rs, list, &w.ev, &v), 0);
	assert_int_equal(v.strs.n, 0);
	cws_secl_vars_expire(rs, w.ev.timestamp);
	/* Kind mismatch. */
	v.kind = CWS_SECL_INT;
	assert_int_equal(cws_secl_var_set(rs, flag, &w.ev, &v, false, NULL),
			 -EINVAL);
	/* An exit event of pid 7 drops its process-scoped values. */
	w.ev.evt.type = CWS_EVT_EXIT;
	w.ev.process.tid = 7;
	cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL);
	w.ev.evt.type = CWS_EVT_EXEC;
	assert_int_equal(cws_secl_var_get(rs, ctr, &w.ev, &v), 0);
	assert_int_equal(v.s.n, 0);
	cws_secl_ruleset_free(rs);
}

static void test_var_size_and_builtins(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_var_opts o = { .size = 2 };
	struct cws_secl_value v, out;
	struct cws_secl_err err;
	struct cws_secl_expr *e;
	struct world w;
	int id;

	(void)state;
	id = cws_secl_var_declare(rs, "pids", CWS_SECL_SCOPE_GLOBAL,
				  CWS_SECL_INT_ARRAY, &o, &err);
	assert_true(id >= 0);
	exec_event(&w);
	v.kind = CWS_SECL_INT;
	for (v.i = 1; v.i <= 3; v.i++)
		assert_int_equal(
			cws_secl_var_set(rs, id, &w.ev, &v, true, NULL), 0);
	assert_int_equal(cws_secl_var_get(rs, id, &w.ev, &out), 0);
	assert_int_equal(out.ints.n, 2); /* the oldest went */
	assert_int_equal(out.ints.v[0], 2);
	assert_true(
		eval_expr("exec.comm != \"\" && \"/proc/${process.pid}/maps\" "
			  "== \"/proc/4242/maps\"",
			  &w.ev));
	/* Expressions for set actions: a field, a sum, an interpolation. */
	e = cws_secl_expr_compile(rs, "process.pid + 1", CWS_EVT_EXEC, &err);
	assert_non_null(e);
	assert_int_equal(cws_secl_expr_kind(e), CWS_SECL_INT);
	assert_int_equal(cws_secl_expr_eval(rs, e, &w.ev, &out), 0);
	assert_int_equal(out.i, 4243);
	e = cws_secl_expr_compile(rs, "\"${builtins.uuid4}\"", CWS_EVT_EXEC,
				  &err);
	assert_non_null(e);
	assert_int_equal(cws_secl_expr_eval(rs, e, &w.ev, &out), 0);
	assert_int_equal(out.s.n, 36);
	assert_int_equal(out.s.p[14], '4');
	e = cws_secl_expr_compile(rs, "exec.argv", CWS_EVT_EXEC, &err);
	assert_non_null(e);
	assert_int_equal(cws_secl_expr_kind(e), CWS_SECL_STR_ARRAY);
	assert_int_equal(cws_secl_expr_eval(rs, e, &w.ev, &out), 0);
	assert_int_equal(out.strs.n, 7);
	assert_int_equal(cws_secl_var_set(rs, id, &w.ev, &v, false, NULL), 0);
	e = cws_secl_expr_compile(rs, "\"${pids}!\"", CWS_EVT_EXEC, &err);
	assert_non_null(e);
	assert_int_equal(cws_secl_expr_eval(rs, e, &w.ev, &out), 0);
	assert_int_equal(out.s.n, 2);
	assert_memory_equal(out.s.p, "4!", 2);
	/* A filter: a bool expression. */
	e = cws_secl_expr_compile(rs, "${pids} == 4 && process.pid == 4242",
				  CWS_EVT_EXEC, &err);
	assert_non_null(e);
	assert_int_equal(cws_secl_expr_eval(rs, e, &w.ev, &out), 0);
	assert_true(out.b);
	/* Fields of another event type are refused. */
	assert_null(
		cws_secl_expr_compile(rs, "open.flags", CWS_EVT_EXEC, &err));
	assert_non_null(strstr(err.msg, "not available for event type `exec`"));
	cws_secl_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Macros. */

static void test_macros(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	static const char *const vals[] = { "/usr/bin/bash", "/bin/sh" };
	struct cws_secl_err err;
	struct world w;
	int n;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(cws_secl_macro_add(rs, "SHELL_NAMES",
					    "[\"bash\", ~\"z*sh\"]", &err),
			 0);
	assert_int_equal(cws_secl_macro_add(rs, "EXEC_BITS",
					    "S_IXUSR|S_IXGRP|S_IXOTH", &err),
			 0);
	assert_int_equal(cws_secl_macro_add(rs, "is_shell",
					    "process.comm in SHELL_NAMES",
					    &err),
			 0);
	assert_int_equal(cws_secl_macro_add(rs, "GLOBS",
					    "[~\"/usr/**\", \"/x\"]", &err),
			 0);
	assert_int_equal(cws_secl_macro_add_values(rs, "SHELLS", vals, 2, &err),
			 0);
	assert_int_equal(cws_secl_macro_add(rs, "SHELLS", "[\"x\"]", &err),
			 -EEXIST);
	assert_int_equal(cws_secl_macro_add(rs, "O_CREAT", "[\"x\"]", &err),
			 -EEXIST);
	assert_int_equal(cws_secl_macro_add(rs, "bad", "process.nope == 1",
					    &err),
			 -EINVAL);
	assert_string_equal(err.msg, "field `process.nope` not found");
	assert_int_equal(cws_secl_macro_add(rs, "bad2", "[\"a\",", &err),
			 -EINVAL);
	assert_int_equal(err.kind, CWS_SECL_ERR_SYNTAX);
	/* A macro only sees the macros added before it. */
	assert_int_equal(cws_secl_macro_add(rs, "early", "LATER", &err),
			 -EINVAL);
	assert_non_null(cws_secl_rule_add(
		rs, "m1",
		"is_shell && exec.file.mode & EXEC_BITS > 0 && "
		"exec.file.path in SHELLS && exec.file.path in GLOBS",
		NULL, &err));
	assert_non_null(cws_secl_rule_add(
		rs, "m2", "exec.file.name not in SHELL_NAMES", NULL, &err));
	assert_null(cws_secl_rule_add(rs, "m3", "exec.file.mode in is_shell",
				      NULL, &err));
	assert_null(cws_secl_rule_add(rs, "m4",
				      "exec.file.path in [\"/a\"] && "
				      "open.file.path in GLOBS",
				      NULL, &err));
	exec_event(&w);
	n = 0;
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, count_cb, &n), 1);
	w.ev.process.comm = "zsh";
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 1);
	cws_secl_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Errors. */

static void test_error_strings(void **state)
{
	char big[CWS_SECL_MAX_EXPR + 16];
	size_t i;

	(void)state;
	expect_err("process.uid == \"root\" && exec.comm == \"x\"",
		   "int expected", CWS_SECL_ERR_COMPILE);
	expect_err("exec.comm == 1", "string expected", CWS_SECL_ERR_COMPILE);
	expect_err("exec.comm == \"x\" && 1", "bool expected",
		   CWS_SECL_ERR_COMPILE);
	expect_err("exec.comm", "bool expected", CWS_SECL_ERR_COMPILE);
	expect_err("exec.argv", "bool expected", CWS_SECL_ERR_COMPILE);
	expect_err("exec.comm in [1, 2]", "array of string expected",
		   CWS_SECL_ERR_COMPILE);
	expect_err("exec.uid in [\"a\"]", "array of int expected",
		   CWS_SECL_ERR_COMPILE);
	expect_err("exec.comm in exec.comm", "array of string expected",
		   CWS_SECL_ERR_COMPILE);
	expect_err("exec.comm < \"a\"", "operator `<` unknown",
		   CWS_SECL_ERR_COMPILE);
	expect_err(
		"exec.comm =~ exec.file.name",
		"unable to apply pattern on non static value `exec.file.name`",
		CWS_SECL_ERR_COMPILE);
	expect_err("exec.uid =~ 1", "operator `=~` unknown",
		   CWS_SECL_ERR_COMPILE);
	expect_err("exec.nope == 1", "field `exec.nope` not found",
		   CWS_SECL_ERR_COMPILE);
	expect_err("nope == 1", "field `nope` not found", CWS_SECL_ERR_COMPILE);
	expect_err("sysctl.name == \"x\"", "field `sysctl.name` not found",
		   CWS_SECL_ERR_UNSUPPORTED);
	expect_err("exec.comm == \"x\" && open.flags == 1",
		   "expression with multiple event types is not supported",
		   CWS_SECL_ERR_EVENT_TYPE);
	expect_err("process.uid == 0", "no event in the rule definition",
		   CWS_SECL_ERR_EVENT_TYPE);
	expect_err("network.size > 0 && open.flags == 1",
		   "field `network.size` not available for event type `open`, "
		   "available for `[dns, imds, packet]`",
		   CWS_SECL_ERR_EVENT_TYPE);
	expect_err("exec.comm =~ \"a**\"", "invalid pattern", 0);
	expect_err("exec.file.path =~ \"/a/**/b/**\"", "invalid glob", 0);
	expect_err("exec.comm =~ r\"[\"", "invalid regexp", 0);
	expect_err("exec.file.path =~ r\"x\"", "regexp not supported on path",
		   0);
	expect_err("exec.file.path == \"x\"",
		   "all the path have to be absolute", 0);
	expect_err("exec.comm == ${x}", "variable 'x' doesn't exist", 0);
	expect_err("exec.comm in [SIGKILL]", "array of string expected", 0);
	expect_err("exec.uid in [SIGKILL, NOPE]", "unknown constant `NOPE`", 0);
	expect_err("exec.comm == \"x\" &&", "unexpected end of expression",
		   CWS_SECL_ERR_SYNTAX);
	expect_err("exec.comm == == \"x\"", "unexpected token \"=\"",
		   CWS_SECL_ERR_SYNTAX);
	/* Limits. */
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "exec.uid == 1", 13);
	expect_err(big, "expression longer than", CWS_SECL_ERR_LIMIT);
	for (i = 0; i < 300; i++)
		big[i] = '(';
	snprintf(big + 300, 64, "exec.uid == 1");
	expect_err(big, "nested too deeply", CWS_SECL_ERR_LIMIT);
	for (i = 0; i < 300; i++)
		big[i] = '!';
	snprintf(big + 300, 64, "(exec.uid == 1)");
	expect_err(big, "nested too deeply", CWS_SECL_ERR_LIMIT);
	{
		/* A long && chain costs no depth. */
		size_t cap = 40 * 2000 + 64, off = 0;
		char *chain = malloc(cap);

		assert_non_null(chain);
		for (i = 0; i < 2000; i++)
			off += (size_t)snprintf(chain + off, cap - off,
						"%sexec.uid != %zu",
						i ? " && " : "", i + 5000);
		expect_ok(chain);
		/* An array past the cap. */
		off = (size_t)snprintf(chain, cap, "exec.uid in [");
		for (i = 0; i < CWS_SECL_MAX_ARRAY + 1 && off + 4 < cap; i++)
			off += (size_t)snprintf(chain + off, cap - off, "%s1",
						i ? "," : "");
		snprintf(chain + off, cap - off, "]");
		expect_err(chain, "array longer than", CWS_SECL_ERR_LIMIT);
		free(chain);
	}
}

static void test_error_format(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;
	char buf[512];
	const char *e = "exec.comm == \"x\" &&\n  exec.uid == \"0\"";
	const char *s = "exec.comm == \"x\" &&\n  exec.uid ==";

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_null(cws_secl_rule_add(rs, "my_rule", e, NULL, &err));
	assert_int_equal(errno, EINVAL);
	err.rule_id = "my_rule";
	cws_secl_err_format(&err, e, buf, sizeof(buf));
	assert_string_equal(buf, "rule `my_rule` error: int expected");
	cws_secl_err_caret(&err, e, buf, sizeof(buf));
	assert_string_equal(buf, "  exec.uid == \"0\"\n              ^");
	assert_null(cws_secl_rule_add(rs, "my_rule", s, NULL, &err));
	err.rule_id = "my_rule";
	cws_secl_err_format(&err, s, buf, sizeof(buf));
	assert_string_equal(buf, "rule `my_rule` error: rule syntax error: "
				 "unexpected end of expression: 2:14");
	/* A tiny buffer is never overrun. */
	assert_true(cws_secl_err_caret(&err, s, buf, 4) > 3);
	assert_int_equal(strlen(buf), 3);
	err.pos = 1000;
	assert_int_equal(cws_secl_err_caret(&err, s, buf, sizeof(buf)),
			 -EINVAL);
	/* The ruleset stays usable after errors. */
	assert_non_null(
		cws_secl_rule_add(rs, "ok", "exec.uid == 0", NULL, &err));
	assert_int_equal(cws_secl_ruleset_count(rs, CWS_EVT_EXEC), 1);
	cws_secl_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Event types, rulesets. */

static void test_event_types(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;
	enum cws_event_type t;
	struct world w;
	int n;

	(void)state;
	memset(&err, 0, sizeof(err));
	/* Common fields fit any type; the event-specific one decides. */
	assert_int_equal(cws_secl_rule_event_type(cws_secl_rule_add(
				 rs, "a", "process.uid == 0 && open.flags > 0",
				 NULL, &err)),
			 CWS_EVT_OPEN);
	assert_int_equal(cws_secl_rule_event_type(cws_secl_rule_add(
				 rs, "b", "exec.comm == \"bash\"", NULL, &err)),
			 CWS_EVT_EXEC);
	assert_non_null(cws_secl_rule_add(rs, "c",
					  "process.comm == \"bash\" && "
					  "exec.uid >= 0",
					  NULL, &err));
	assert_non_null(
		cws_secl_rule_add(rs, "d", "exec.comm != \"zsh\"", NULL, &err));
	assert_non_null(
		cws_secl_rule_add(rs, "e", "exec.comm == \"zsh\"", NULL, &err));
	assert_int_equal(cws_secl_ruleset_event_types(rs),
			 (1ull << CWS_EVT_OPEN) | (1ull << CWS_EVT_EXEC));
	assert_int_equal(cws_secl_ruleset_count(rs, CWS_EVT_EXEC), 4);
	assert_string_equal(
		cws_secl_rule_id(cws_secl_ruleset_rule(rs, CWS_EVT_EXEC, 1)),
		"c");
	assert_null(cws_secl_ruleset_rule(rs, CWS_EVT_EXEC, 9));
	/* Every matching rule fires; other types' rules do not run. */
	exec_event(&w);
	n = 0;
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, count_cb, &n), 3);
	assert_int_equal(n, 3);
	open_event(&w, "/x", 1);
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 0);
	w.ev.process.cred.uid = 0;
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 1);
	/* Non-event records match nothing. */
	w.ev.type = CWS_REC_HEARTBEAT;
	assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, NULL, NULL), 0);
	/* Field kinds, for tools. */
	assert_int_equal(cws_secl_field_kind("exec.argv", &t),
			 CWS_SECL_STR_ARRAY);
	assert_int_equal(t, CWS_EVT_EXEC);
	assert_int_equal(cws_secl_field_kind("process.ancestors.uid", &t),
			 CWS_SECL_INT_ARRAY);
	assert_int_equal(t, CWS_EVT_UNKNOWN);
	assert_int_equal(cws_secl_field_kind("process.ancestors[A].uid", NULL),
			 CWS_SECL_INT);
	assert_int_equal(cws_secl_field_kind("connect.addr.ip", NULL),
			 CWS_SECL_IP);
	assert_int_equal(cws_secl_field_kind("rename.file.destination.path",
					     NULL),
			 CWS_SECL_STR);
	assert_int_equal(cws_secl_field_kind("chown.file.destination.path",
					     NULL),
			 CWS_SECL_NONE);
	assert_int_equal(cws_secl_field_kind("nope", NULL), CWS_SECL_NONE);
	cws_secl_ruleset_free(rs);
}

static int stop_cb(const struct cws_secl_rule *r, const struct cws_event *ev,
		   void *arg)
{
	(void)r;
	(void)ev;
	(void)arg;
	return -EPIPE;
}

static void test_event_fields(void **state)
{
	struct world w;

	(void)state;
	/* Every event object, through its SECL names. */
	open_event(&w, "/etc/passwd", 0101);
	w.ev.evt.retval = -13;
	assert_true(
		eval_expr("open.retval == EACCES && open.flags & O_CREAT > 0 "
			  "&& open.file.destination.mode == 420 && "
			  "open.file.rights == 420 && open.file.mode & "
			  "S_IFMT == S_IFREG && open.file.path.length == "
			  "11 && open.file.name.length == 6",
			  &w.ev));
	base(&w, CWS_EVT_RENAME);
	w.ev.obj.file.path = "/a";
	w.ev.obj.dest.path = "/etc/shadow";
	assert_true(eval_expr("rename.file.destination.path == \"/etc/shadow\"",
			      &w.ev));
	base(&w, CWS_EVT_CHMOD);
	w.ev.obj.file.mode = 0100644;
	w.ev.obj.dest.mode = 0100755;
	assert_true(eval_expr("chmod.file.destination.mode != chmod.file.mode "
			      "&& chmod.file.destination.rights & "
			      "(S_IXUSR|S_IXGRP|S_IXOTH) > 0",
			      &w.ev));
	base(&w, CWS_EVT_CHOWN);
	w.ev.obj.dest.uid = 0;
	w.ev.obj.file.uid = 1000;
	assert_true(eval_expr("chown.file.destination.uid != chown.file.uid",
			      &w.ev));
	base(&w, CWS_EVT_SETXATTR);
	w.ev.obj.xattr_name = "security.capability";
	assert_true(eval_expr("setxattr.file.destination.name == "
			      "\"security.capability\"",
			      &w.ev));
	base(&w, CWS_EVT_PTRACE);
	w.ev.obj.request = 4;
	w.ev.obj.target.pid = 9;
	w.ev.obj.target.cred.euid = 0;
	assert_true(
		eval_expr("ptrace.request == PTRACE_POKETEXT && "
			  "ptrace.tracee.pid == 9 && ptrace.tracee.euid == 0",
			  &w.ev));
	base(&w, CWS_EVT_SIGNAL);
	w.ev.obj.request = 9;
	w.ev.obj.pid = 1;
	w.ev.obj.target.comm = "init";
	assert_true(eval_expr("signal.type == SIGKILL && signal.pid == 1 && "
			      "signal.target.comm == \"init\"",
			      &w.ev));
	base(&w, CWS_EVT_BPF);
	w.ev.obj.request = 5;
	assert_true(eval_expr("bpf.cmd == BPF_PROG_LOAD && "
			      "BPF_OVERRIDE_RETURN not in bpf.prog.helpers",
			      &w.ev));
	base(&w, CWS_EVT_MMAP);
	w.ev.obj.protection = 7;
	w.ev.obj.flags = 0x22;
	assert_true(eval_expr("mmap.protection & PROT_EXEC > 0 && mmap.flags & "
			      "MAP_ANONYMOUS > 0",
			      &w.ev));
	base(&w, CWS_EVT_EXIT);
	w.ev.obj.cause = "COREDUMPED";
	w.ev.obj.code = 11;
	assert_true(eval_expr("exit.cause == COREDUMPED && exit.code == 11 && "
			      "exit.comm == \"bash\"",
			      &w.ev));
	base(&w, CWS_EVT_LOAD_MODULE);
	w.ev.obj.name = "evil";
	w.ev.obj.args = "a=1  b=2";
	w.ev.obj.loaded_from_memory = true;
	assert_true(eval_expr("load_module.name == \"evil\" && "
			      "load_module.loaded_from_memory && "
			      "load_module.argv == \"b=2\"",
			      &w.ev));
	base(&w, CWS_EVT_SPLICE);
	w.ev.obj.pipe_entry_flag = 0x10;
	assert_true(eval_expr("(splice.pipe_entry_flag & "
			      "PIPE_BUF_FLAG_CAN_MERGE) != 0 && "
			      "(splice.pipe_exit_flag & "
			      "PIPE_BUF_FLAG_CAN_MERGE) == 0",
			      &w.ev));
	base(&w, CWS_EVT_MOUNT);
	w.ev.obj.fs_type = "overlay";
	w.ev.obj.mountpoint = "/mnt";
	assert_true(eval_expr("mount.fs_type == \"overlay\" && "
			      "mount.mountpoint.path =~ \"/mn*\"",
			      &w.ev));
	base(&w, CWS_EVT_SETUID);
	w.ev.obj.uid = 0;
	w.ev.obj.euid = 0;
	assert_true(eval_expr("setuid.uid == 0 && setuid.euid == 0", &w.ev));
	base(&w, CWS_EVT_DNS);
	w.ev.obj.dns.name = "API.Telegram.org";
	w.ev.obj.dns.type = 16;
	assert_true(eval_expr("dns.question.name == \"api.telegram.org\" && "
			      "dns.question.type == TXT",
			      &w.ev));
	assert_true(eval_expr("dns.question.name in [\"api.telegram.ORG\"]",
			      &w.ev));
	assert_true(
		eval_expr("dns.question.name =~ \"*.TELEGRAM.org\"", &w.ev));
	assert_true(eval_expr("dns.question.name.length == 16 && "
			      "network.l4_protocol == 0",
			      &w.ev));
	/* Common fields. */
	exec_event(&w);
	w.ev.container.id = "abc";
	assert_true(eval_expr("container.id == \"abc\" && process.container.id "
			      "== \"abc\" && event.origin == \"ebpf\" && "
			      "event.os == \"linux\" && evt.os == \"linux\" && "
			      "exec.comm != \"\"",
			      &w.ev));
	assert_true(eval_expr("process.cap_effective & CAP_SYS_ADMIN > 0 && "
			      "process.user == \"alice\" && exec.is_exec",
			      &w.ev));
	/* Issue 14's fields read what the event carries. */
	{
		static const char *envs[] = { "HOME", "LD_PRELOAD=/tmp/x.so" };
		static const char *envp[] = { "HOME=/root",
					      "LD_PRELOAD=/tmp/x.so" };
		struct cws_event e14 = w.ev;

		e14.process.envs.v = envs;
		e14.process.envs.n = 2;
		e14.process.envp.v = envp;
		e14.process.envp.n = 2;
		e14.process.cgroup_id = "/system.slice/x.service";
		e14.process.cgroup_inode = 99;
		e14.process.container_created_at = 5;
		e14.process.file.in_upper_layer = true;
		e14.process.file.in_upper_layer_known = true;
		assert_true(eval_expr(
			"exec.envs in [~\"LD_PRELOAD=*/tmp/*\"] && "
			"process.envs in [\"HOME\"] && "
			"process.envp in [\"HOME=/root\"] && "
			"process.envs not in [\"HOME=/root\"] && "
			"cgroup.id == \"/system.slice/x.service\" && "
			"process.cgroup.id == cgroup.id && "
			"cgroup.file.inode == 99 && container.created_at == 5 && "
			"process.file.in_upper_layer && "
			"exec.user_session.k8s_username == \"\"",
			&e14));
		e14.process.file.in_upper_layer_known = false;
		assert_false(eval_expr("process.file.in_upper_layer", &e14));
	}
	/* Fields the event does not carry read as zero values. */
	assert_true(eval_expr("process.envs != \"LD_PRELOAD\" && "
			      "container.created_at == 0 && "
			      "exec.file.in_upper_layer == false && "
			      "container.runtime == \"\"",
			      &w.ev));
	/* container.tags: the process's container's; none on the host. */
	assert_true(
		eval_expr("container.tags not in [\"service:web\"]", &w.ev));
	{
		static const char *tags[] = { "image_name:nginx",
					      "service:web" };

		w.ev.process.container_tags.v = tags;
		w.ev.process.container_tags.n = 2;
		assert_true(eval_expr("\"service:web\" in container.tags && "
				      "process.container.tags == "
				      "\"image_name:nginx\" && "
				      "container.tags not in [\"service:db\"]",
				      &w.ev));
		assert_false(eval_expr("\"tags.datadoghq.com/service\" in "
				       "container.tags",
				       &w.ev));
		w.ev.process.container_tags.n = 0;
	}
	{
		struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
		struct cws_secl_err err;
		const struct cws_secl_rule *r;

		r = cws_secl_rule_add(
			rs, "u",
			"exec.comm == \"x\" && container.runtime == \"X\"",
			NULL, &err);
		assert_non_null(r);
		assert_string_equal(cws_secl_rule_unbacked_field(r),
				    "container.runtime");
		r = cws_secl_rule_add(rs, "e", "exec.envs in [\"X\"]", NULL,
				      &err);
		assert_null(cws_secl_rule_unbacked_field(r));
		r = cws_secl_rule_add(rs, "b", "exec.comm == \"x\"", NULL,
				      &err);
		assert_null(cws_secl_rule_unbacked_field(r));
		/* A callback error stops the evaluation. */
		w.ev.process.comm = "x";
		assert_int_equal(cws_secl_ruleset_eval(rs, &w.ev, stop_cb,
						       NULL),
				 -EPIPE);
		cws_secl_ruleset_free(rs);
	}
}

/* ------------------------------------------------------------------ */
/* The tree walk, as approvers will use it. */

static void test_tree_walk(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	const struct cws_secl_node *root, *t, *v;
	struct cws_secl_literal lit;
	struct cws_secl_err err;
	size_t i, eq = 0, flags = 0;

	(void)state;
	assert_int_equal(cws_secl_macro_add(rs, "F", "O_CREAT|O_TRUNC", &err),
			 0);
	root = cws_secl_rule_root(cws_secl_rule_add(
		rs, "w",
		"open.file.path in [\"/etc/shadow\", ~\"/etc/cron.d/*\"] && "
		"open.flags & F > 0 && process.comm != \"x\" && "
		"\"passwd\" == open.file.name",
		NULL, &err));
	assert_non_null(root);
	assert_int_equal(cws_secl_node_op(root), CWS_SECL_OP_AND);
	assert_int_equal(cws_secl_node_nchildren(root), 4);
	for (i = 0; i < cws_secl_node_nchildren(root); i++) {
		t = cws_secl_node_child(root, i);
		switch (cws_secl_node_op(t)) {
		case CWS_SECL_OP_IN:
			assert_string_equal(
				cws_secl_node_field(cws_secl_node_child(t, 0)),
				"open.file.path");
			v = cws_secl_node_child(t, 1);
			assert_int_equal(cws_secl_node_op(v),
					 CWS_SECL_OP_ARRAY);
			assert_int_equal(cws_secl_node_nvalues(v), 2);
			assert_int_equal(cws_secl_node_value(v, 1, &lit), 0);
			assert_int_equal(lit.match, CWS_SECL_MATCH_GLOB);
			assert_int_equal(lit.v.s.n, 13);
			assert_int_equal(cws_secl_node_value(v, 0, &lit), 0);
			assert_int_equal(lit.match, CWS_SECL_MATCH_EXACT);
			assert_int_equal(cws_secl_node_value(v, 2, &lit),
					 -EINVAL);
			eq++;
			break;
		case CWS_SECL_OP_EQ:
			/* "passwd" == f was stored as f == "passwd". */
			assert_string_equal(
				cws_secl_node_field(cws_secl_node_child(t, 0)),
				"open.file.name");
			assert_int_equal(
				cws_secl_node_value(cws_secl_node_child(t, 1),
						    0, &lit),
				0);
			assert_int_equal(lit.kind, CWS_SECL_STR);
			eq++;
			break;
		case CWS_SECL_OP_GT:
			v = cws_secl_node_child(t, 0);
			assert_int_equal(cws_secl_node_op(v),
					 CWS_SECL_OP_BITAND);
			assert_string_equal(
				cws_secl_node_field(cws_secl_node_child(v, 0)),
				"open.flags");
			assert_int_equal(
				cws_secl_node_value(cws_secl_node_child(v, 1),
						    0, &lit),
				0);
			assert_int_equal(lit.v.i, 01000 | 0100);
			flags++;
			break;
		case CWS_SECL_OP_NE:
			break;
		default:
			fail_msg("unexpected op %d", cws_secl_node_op(t));
		}
	}
	assert_int_equal(eq, 2);
	assert_int_equal(flags, 1);
	cws_secl_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Constants. */

static void test_constants(void **state)
{
	int64_t v, w;
	size_t i, j;
	const char *a, *b;

	(void)state;
	assert_int_equal(cws_secl_constant("EACCES", &v), 0);
	assert_int_equal(v, -13);
	assert_int_equal(cws_secl_constant("EPERM", &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(cws_secl_constant("CAP_SYS_ADMIN", &v), 0);
	assert_int_equal(v, 1ll << 21);
	assert_int_equal(cws_secl_constant("SIGKILL", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(cws_secl_constant("O_CREAT", &v), 0);
	assert_int_equal(v, 0100);
	assert_int_equal(cws_secl_constant("BPF_PROG_LOAD", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(cws_secl_constant("BPF_OVERRIDE_RETURN", &v), 0);
	assert_int_equal(v, 58);
	assert_int_equal(cws_secl_constant("PTRACE_TRACEME", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cws_secl_constant("TXT", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(cws_secl_constant("IP_PROTO_TCP", &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(cws_secl_constant("ETH_P_IP", &v), 0);
	assert_int_equal(v, 0x800);
	assert_int_equal(cws_secl_constant("AF_INET6", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(cws_secl_constant("nope", &v), -ENOENT);
	/* No name has two values. */
	for (i = 0; (a = secl_const_at(i, &v)); i++)
		for (j = i + 1; (b = secl_const_at(j, &w)); j++)
			if (!strcmp(a, b) && v != w)
				fail_msg("%s is both %lld and %lld", a,
					 (long long)v, (long long)w);
	assert_true(i > 700);
}

/* ------------------------------------------------------------------ */
/* The default policies. */

/* Expressions from the fixtures that exercise the hard corners. */
static const char *const hard_rules[] = {
	"open.flags & O_CREAT > 0\n&& (\n  (open.file.path =~ \"/tmp/**\" && "
	"open.file.name in [~\"*.ko\", ~\".*\"])\n  || open.file.path in "
	"[~\"/var/tmp/**\", ~\"/root/**\", ~\"*/bin/*\", "
	"~\"/usr/local/lib/**\"]\n)\n&& (process.comm in COMPILER_PROCESSES || "
	"process.ancestors.comm in COMPILER_PROCESSES || process.file.name in "
	"COMPILER_PROCESSES || process.ancestors.file.name in "
	"COMPILER_PROCESSES)\n&& process.file.name not in [\"pip\", "
	"~\"python*\"]\n&& container.id != \"\"",
	"(\n    (chown.file.path in [ \"/etc/shadow\", \"/etc/gshadow\" ])\n    "
	"&& process.file.path not in CREDENTIAL_BINARIES\n    && "
	"process.ancestors.file.path not in PACKAGE_MANAGERS\n) && "
	"(chown.file.destination.uid != chown.file.uid || "
	"chown.file.destination.gid != chown.file.gid)",
	"(\n    open.flags & ((O_CREAT|O_RDWR|O_WRONLY|O_TRUNC)) > 0 &&\n    "
	"(open.file.path in [ \"/etc/shadow\", \"/etc/gshadow\" ])\n    && "
	"process.file.path not in CREDENTIAL_BINARIES\n) && "
	"container.created_at > 90s",
	"exec.comm in HTTP_UTILS &&\nexec.args_options in [ ~\"post-file=*\", "
	"~\"post-data=*\", ~\"T=*\", ~\"d=@*\", ~\"upload-file=*\", "
	"~\"F=file*\"] &&\nexec.args not in [~\"*localhost*\", "
	"~\"*127.0.0.1*\"]",
	"exec.comm in SHELL_NAMES && process.ancestors[A].comm == \"git\" && "
	"process.ancestors[A].argv in [\"clone\"] && "
	"process.ancestors[A].args_flags in [\"recursive\"]",
	"exec.args_options in [~\"cpu-priority*\", ~\"donate-level*\"] || "
	"exec.args_flags == \"randomx-1gb-pages\" || exec.args in "
	"[~\"*stratum+tcp*\", ~\"*nicehash*\"]",
	"(exec.file.path in SHELLS ||\n exec.comm in HTTP_UTILS) &&\n"
	"process.parent.file.name in DATABASE_PROCESSES &&\n"
	"!(process.parent.file.name == \"initdb\" &&\nexec.args == \"-c locale "
	"-a\") &&\n!(process.parent.file.name == \"postgres\" &&\nexec.args == "
	"~\"*pg_wal*\")",
	"chmod.file.in_upper_layer &&\nchmod.file.change_time < 30s &&\n"
	"process.container.id != \"\" &&\nchmod.file.destination.mode != "
	"chmod.file.mode &&\nchmod.file.destination.mode & CHMOD_EXEC_FLAGS > "
	"0 &&\nprocess.argv in [\"+x\"]",
	"(splice.pipe_entry_flag & PIPE_BUF_FLAG_CAN_MERGE) != 0 && "
	"(splice.pipe_exit_flag & PIPE_BUF_FLAG_CAN_MERGE) == 0 && "
	"(process.uid != 0 && process.gid != 0)",
	"bpf.cmd == BPF_PROG_LOAD && (BPF_SEND_SIGNAL in bpf.prog.helpers || "
	"BPF_SEND_SIGNAL_THREAD in bpf.prog.helpers)",
	"exec.file.name != \"\" && process.container.id != \"\" && "
	"container.created_at < 1s && process.cap_permitted & CAP_SYS_ADMIN > 0",
	"(exec.file.name in [ ~\"python*\" ] && (\"KubiScan.py\" in exec.argv "
	"|| \"kubestriker\" in exec.argv)) || exec.file.name in [ "
	"\"kubiscan\",~\"botb-*\"] || (exec.file.name == \"cdk\" && exec.argv "
	"in [\"evaluate\", \"exploit\"])",
	"exec.file.path == ~\"/dev/shm/**\" && process.file.path != "
	"\"/dev/shm/runc\"",
	"ptrace.request == PTRACE_TRACEME && process.file.name != \"\" && "
	"process.file.name not in [\"oneagenthelper\"]",
	"(connect.addr.family == AF_INET || connect.addr.family == AF_INET6) "
	"&& connect.addr.is_public == true && connect.addr.port >= 60100 && "
	"connect.addr.port <= 60150",
	"connect.addr.hostname in PASTE_SITES && connect.addr.is_public == "
	"true && connect.addr.port in [80, 443]",
	"dns.question.type == TXT\n&& process.file.name != \"\"\n&& "
	"dns.question.name not in [~\"_grpc_config*\", ~\"_acme-challenge*\"]",
	"exec.auid >= 0 && exec.auid != AUDIT_AUID_UNSET",
	"process.envs in [\"LD_AUDIT\"] && \n(\n  mmap.file.path in "
	"[~\"/home/*\", ~\"/tmp/*\", ~\"/dev/shm/*\"] || \n  "
	"mmap.file.in_upper_layer == true\n) &&\nmmap.protection & "
	"(PROT_EXEC) > 0  ",
	"chdir.syscall.path =~ \"/proc/self/fd/*\" && chdir.file.path == "
	"\"/sys/fs/cgroup\" && process.file.name =~ \"runc.*\"",
	"exit.cause == COREDUMPED && process.container.id != \"\"",
	"open.file.extension in [\".yaml\", \".yml\"] && open.file.path =~ "
	"\"/etc/kubernetes/**\"",
	"load_module.loaded_from_memory == true || load_module.name not in "
	"COMMON_MODULES",
	"mount.mountpoint.path in [\"/\", \"/root\"] && mount.source.path =~ "
	"\"/*\" && mount.fs_type != \"overlay\"",
	"process.ancestors.args in [~\"*-m pip install*\"] && open.file.path "
	"=~ \"/usr/lib/python3*/**\"",
	"setuid.uid == 0 && setuid.euid == 0 && process.uid != 0",
	"unlink.file.path in [\"/var/run/utmp\", \"/var/log/wtmp\"] && "
	"process.comm not in [\"dockerd\", \"containerd\"]",
	"rename.file.destination.path in [ ~\"/etc/cron.*/**\", "
	"~\"/etc/crontab\" ] || rename.file.path in [ \"/etc/crontab\" ]",
};

static const char *const hard_macros[][2] = {
	{ "COMPILER_PROCESSES", "[\"javac\", \"clang\", \"gcc\", \"bcc\"]" },
	{ "CREDENTIAL_BINARIES", "[ \"/sbin/vipw\", \"/usr/bin/passwd\" ]" },
	{ "PACKAGE_MANAGERS",
	  "[~\"/usr/bin/apt*\", \"/usr/bin/dpkg\", ~\"/usr/bin/pip*\"]" },
	{ "HTTP_UTILS", "[\"wget\", \"curl\", \"lwp-download\"]" },
	{ "SHELL_NAMES", "[\"dash\",\"sh\",\"bash\"]" },
	{ "SHELLS", "[ \"/bin/dash\",\n  \"/usr/bin/dash\" ]" },
	{ "DATABASE_PROCESSES", "[\"mysqld\", \"mongod\", \"postgres\"]" },
	{ "CHMOD_EXEC_FLAGS", "S_IXUSR|S_IXGRP|S_IXOTH" },
	{ "PASTE_SITES", "[\"pastebin.com\", \"ghostbin.com\"]" },
	{ "COMMON_MODULES", "[\"nf_tables\", \"iptable_filter\"]" },
};

static void test_fixture_hard_rules(void **state)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;
	size_t i;
	char id[32];

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(hard_macros); i++)
		if (cws_secl_macro_add(rs, hard_macros[i][0], hard_macros[i][1],
				       &err))
			fail_msg("macro %s: %s", hard_macros[i][0], err.msg);
	for (i = 0; i < CWS_ARRAY_SIZE(hard_rules); i++) {
		snprintf(id, sizeof(id), "hard_%zu", i);
		memset(&err, 0, sizeof(err));
		if (!cws_secl_rule_add(rs, id, hard_rules[i], NULL, &err))
			fail_msg("%s: %s\n%s", id, err.msg, hard_rules[i]);
	}
	cws_secl_ruleset_free(rs);
}

/*
 * The fixture files themselves, read with libyaml. They live outside
 * the repository (shared/fixtures); CWS_SECL_FIXTURES names their
 * directory, else a few usual places are tried, else the test skips.
 */
struct ydoc {
	yaml_document_t doc;
};

static yaml_node_t *ymap_get(yaml_document_t *d, yaml_node_t *m,
			     const char *key)
{
	yaml_node_pair_t *p;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *yscalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (char *)n->data.scalar.value :
						  NULL;
}

static bool windows_only(yaml_document_t *d, yaml_node_t *item)
{
	yaml_node_t *f = ymap_get(d, item, "filters");
	yaml_node_item_t *it;

	if (!f || f->type != YAML_SEQUENCE_NODE)
		return false;
	for (it = f->data.sequence.items.start; it < f->data.sequence.items.top;
	     it++) {
		const char *s = yscalar(yaml_document_get_node(d, *it));

		if (s && strstr(s, "windows"))
			return true;
	}
	return false;
}

/* Does an agent_version constraint (">= 7.65", "< 7.71") admit 7.73? */
static bool admits_773(const char *c)
{
	int major = 0, minor = 0;
	const char *p = c;
	int want;

	if (!c)
		return true;
	while (*p == ' ')
		p++;
	if (sscanf(p + strspn(p, "<>=! "), "%d.%d", &major, &minor) < 2)
		return true;
	want = major * 1000 + minor;
	if (!strncmp(p, ">=", 2))
		return 7073 >= want;
	if (!strncmp(p, "<=", 2))
		return 7073 <= want;
	if (*p == '>')
		return 7073 > want;
	if (*p == '<')
		return 7073 < want;
	return true;
}

static enum cws_secl_kind yaml_kind(const char *s)
{
	if (!s)
		return CWS_SECL_STR;
	if (!strcmp(s, "true") || !strcmp(s, "false"))
		return CWS_SECL_BOOL;
	if (*s && strspn(s, "0123456789") == strlen(s))
		return CWS_SECL_INT;
	return CWS_SECL_STR;
}

/* Declares the variables of every `set` action, as Datadog does first. */
static void declare_vars(struct cws_secl_ruleset *rs, yaml_document_t *d,
			 yaml_node_t *rules)
{
	yaml_node_item_t *it;

	for (it = rules->data.sequence.items.start;
	     it < rules->data.sequence.items.top; it++) {
		yaml_node_t *r = yaml_document_get_node(d, *it);
		yaml_node_t *acts = ymap_get(d, r, "actions");
		yaml_node_item_t *a;

		if (!acts || acts->type != YAML_SEQUENCE_NODE ||
		    windows_only(d, r))
			continue;
		for (a = acts->data.sequence.items.start;
		     a < acts->data.sequence.items.top; a++) {
			yaml_node_t *set = ymap_get(
				d, yaml_document_get_node(d, *a), "set");
			const char *name = yscalar(ymap_get(d, set, "name"));
			const char *scope = yscalar(ymap_get(d, set, "scope"));
			const char *app = yscalar(ymap_get(d, set, "append"));
			const char *field = yscalar(ymap_get(d, set, "field"));
			yaml_node_t *value = ymap_get(d, set, "value");
			enum cws_secl_scope sc = CWS_SECL_SCOPE_GLOBAL;
			enum cws_secl_kind k;
			struct cws_secl_err err;

			if (!set || !name)
				continue;
			if (scope && !strcmp(scope, "process"))
				sc = CWS_SECL_SCOPE_PROCESS;
			else if (scope && !strcmp(scope, "container"))
				sc = CWS_SECL_SCOPE_CONTAINER;
			else if (scope && !strcmp(scope, "cgroup"))
				sc = CWS_SECL_SCOPE_CGROUP;
			if (field)
				k = cws_secl_field_kind(field, NULL);
			else if (value && value->type == YAML_SEQUENCE_NODE)
				k = CWS_SECL_STR_ARRAY;
			else if (value)
				k = yaml_kind(yscalar(value));
			else
				k = yaml_kind(yscalar(
					ymap_get(d, set, "default_value")));
			if (app && !strcmp(app, "true"))
				k = k == CWS_SECL_INT ? CWS_SECL_INT_ARRAY :
							CWS_SECL_STR_ARRAY;
			cws_secl_var_declare(rs, name, sc, k, NULL, &err);
		}
	}
}

static const char *fixture_dir(void)
{
	static const char *const tries[] = {
		"../shared/fixtures/datadog-policies",
		"../../shared/fixtures/datadog-policies",
		"/work/shared/fixtures/datadog-policies",
		"tests/fixtures/datadog-policies",
	};
	const char *env = getenv("CWS_SECL_FIXTURES");
	char p[512];
	size_t i;

	if (env)
		return env;
	for (i = 0; i < CWS_ARRAY_SIZE(tries); i++) {
		snprintf(p, sizeof(p), "%s/default-1.32.0.policy", tries[i]);
		if (access(p, R_OK) == 0)
			return tries[i];
	}
	return NULL;
}

static void load_policy(const char *file, unsigned *ok, unsigned *failed)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	yaml_parser_t parser;
	yaml_document_t d;
	yaml_node_t *root, *macros, *rules;
	yaml_node_item_t *it;
	unsigned newer = 0, unsupported = 0, hard = 0;
	FILE *f = fopen(file, "r");

	assert_non_null(f);
	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_file(&parser, f);
	assert_true(yaml_parser_load(&parser, &d));
	root = yaml_document_get_root_node(&d);
	macros = ymap_get(&d, root, "macros");
	rules = ymap_get(&d, root, "rules");
	assert_non_null(rules);
	for (it = macros ? macros->data.sequence.items.start : NULL;
	     macros && it < macros->data.sequence.items.top; it++) {
		yaml_node_t *m = yaml_document_get_node(&d, *it);
		const char *id = yscalar(ymap_get(&d, m, "id"));
		const char *expr = yscalar(ymap_get(&d, m, "expression"));
		struct cws_secl_err err;

		if (windows_only(&d, m) || !id || !expr)
			continue;
		if (cws_secl_macro_add(rs, id, expr, &err))
			fail_msg("%s: macro %s: %s", file, id, err.msg);
	}
	declare_vars(rs, &d, rules);
	for (it = rules->data.sequence.items.start;
	     it < rules->data.sequence.items.top; it++) {
		yaml_node_t *r = yaml_document_get_node(&d, *it);
		const char *id = yscalar(ymap_get(&d, r, "id"));
		const char *expr = yscalar(ymap_get(&d, r, "expression"));
		const char *ver = yscalar(ymap_get(&d, r, "agent_version"));
		struct cws_secl_err err;
		char msg[600];

		if (windows_only(&d, r) || !id || !expr)
			continue;
		/* The policy loader expands these (policy_test.c). */
		if (strstr(expr, "fim.write.file."))
			continue;
		memset(&err, 0, sizeof(err));
		if (cws_secl_rule_add(rs, id, expr, NULL, &err)) {
			(*ok)++;
			continue;
		}
		err.rule_id = id;
		cws_secl_err_format(&err, expr, msg, sizeof(msg));
		if (err.kind == CWS_SECL_ERR_UNSUPPORTED) {
			unsupported++;
			print_message("# not captured: %s\n", msg);
		} else if (!admits_773(ver)) {
			newer++;
			print_message("# not for 7.73 (agent_version %s): %s\n",
				      ver, msg);
		} else {
			hard++;
			print_message("# FAILED: %s\n", msg);
		}
		(*failed)++;
	}
	print_message("# %s: %u rules compile, %u on event types cws does not "
		      "capture, %u gated to other agents\n",
		      file, *ok, unsupported, newer);
	yaml_document_delete(&d);
	yaml_parser_delete(&parser);
	fclose(f);
	cws_secl_ruleset_free(rs);
	/* Every rule of a captured type, for a 7.73 agent, compiles. */
	assert_int_equal(hard, 0);
}

static void test_fixture_policies(void **state)
{
	const char *dir = fixture_dir();
	char p[512];
	unsigned ok = 0, failed = 0;

	(void)state;
	if (!dir) {
		print_message("# fixtures not found: set CWS_SECL_FIXTURES\n");
		skip();
	}
	snprintf(p, sizeof(p), "%s/default-1.32.0.policy", dir);
	load_policy(p, &ok, &failed);
	assert_true(ok >= 170);
	ok = failed = 0;
	snprintf(p, sizeof(p), "%s/default-1.69.3.policy", dir);
	load_policy(p, &ok, &failed);
	assert_true(ok >= 260);
}

/*
 * A SOCKS5 CONNECT (05 01 00 01) from 10.0.0.1:40000 to 10.0.0.2:1080 in
 * an Ethernet frame, as the probe's packet.data carries it (hex).
 */
static const char socks5_hex[] = "020000000002"
				 "020000000001"
				 "0800" /* ethernet */
				 "45000030"
				 "00004000"
				 "40060000"
				 "0a000001"
				 "0a000002" /* ipv4 */
				 "9c400438"
				 "00000001"
				 "00000001"
				 "50180200"
				 "00000000" /* tcp */
				 "05010001"
				 "0a000003"
				 "0050"; /* socks5 connect */

static void test_imds_packet(void **state)
{
	struct world w;

	(void)state;
	base(&w, CWS_EVT_IMDS);
	w.ev.obj.imds.type = "request";
	w.ev.obj.imds.cloud_provider = "aws";
	w.ev.obj.imds.url = "/latest/meta-data/iam/security-credentials/role";
	w.ev.obj.imds.aws_is_imds_v2 = false;
	w.ev.obj.net.destination.family = AF_INET;
	w.ev.obj.net.destination.ip[10] = w.ev.obj.net.destination.ip[11] =
		0xff;
	w.ev.obj.net.destination.ip[12] = 169;
	w.ev.obj.net.destination.ip[13] = 254;
	w.ev.obj.net.destination.ip[14] = 169;
	w.ev.obj.net.destination.ip[15] = 254;
	w.ev.obj.net.direction = 2;
	/* imds.url is no path: the pattern's star crosses slashes. */
	assert_true(eval_expr(
		"imds.url =~ \"/*/meta-data/iam/security-credentials/*\"",
		&w.ev));
	assert_true(eval_expr(
		"imds.aws.is_imds_v2 == false && "
		"imds.url =~ \"*/*/meta-data/iam/security-credentials/*\"",
		&w.ev));
	assert_true(eval_expr("imds.type == \"request\" && "
			      "imds.cloud_provider == \"aws\" && "
			      "network.destination.ip == 169.254.169.254 && "
			      "network.destination.is_public == false && "
			      "network.network_direction == EGRESS",
			      &w.ev));
	assert_false(eval_expr("imds.server == \"EC2ws\"", &w.ev));

	base(&w, CWS_EVT_PACKET);
	w.ev.obj.packet.data = socks5_hex;
	w.ev.obj.net.source.family = AF_INET;
	w.ev.obj.net.source.ip[10] = w.ev.obj.net.source.ip[11] = 0xff;
	w.ev.obj.net.source.ip[12] = 8;
	w.ev.obj.net.source.ip[13] = 8;
	w.ev.obj.net.source.ip[14] = 8;
	w.ev.obj.net.source.ip[15] = 8;
	w.ev.obj.net.destination.port = 1080;
	assert_true(eval_expr(
		"packet.filter == \"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x05010001\"",
		&w.ev));
	assert_false(eval_expr(
		"packet.filter == \"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x05010003\"",
		&w.ev));
	assert_true(eval_expr("\"tcp dst port 1080\" == packet.filter && "
			      "packet.destination.port == 1080 && "
			      "packet.source.is_public && "
			      "network.source.ip == 8.8.8.8",
			      &w.ev));
	assert_false(eval_expr("packet.filter == \"udp\"", &w.ev));
	/* len is the packet's length, not the capture's. */
	w.ev.obj.net.size = 1500;
	assert_true(eval_expr("packet.filter == \"len > 1000\"", &w.ev));
	w.ev.obj.net.size = 0;
	assert_false(eval_expr("packet.filter == \"len > 1000\"", &w.ev));
	/* No capture, or a broken one: no match. */
	w.ev.obj.packet.data = "050";
	assert_false(eval_expr("packet.filter == \"len >= 0\"", &w.ev));
	w.ev.obj.packet.data = NULL;
	assert_false(eval_expr("packet.filter == \"len >= 0\"", &w.ev));

	expect_err(
		"packet.filter != \"tcp\"",
		"field `packet.filter` only supports matching a single static value",
		CWS_SECL_ERR_COMPILE);
	expect_err(
		"packet.filter =~ \"tcp*\"",
		"field `packet.filter` only supports matching a single static value",
		CWS_SECL_ERR_COMPILE);
	expect_err(
		"packet.filter in [\"tcp\", \"udp\"]",
		"field `packet.filter` only supports matching a single static value",
		CWS_SECL_ERR_COMPILE);
	expect_err(
		"packet.filter == \"tcp[[\"",
		"failed to compile packet filter `tcp[[` on field `packet.filter`",
		CWS_SECL_ERR_COMPILE);
	expect_err("network.size > 0 && exec.comm == \"x\"",
		   "not available for event type `exec`",
		   CWS_SECL_ERR_EVENT_TYPE);
}

/* io_uring: the operation, its flags and the ring's, the files it names. */
static void test_io_uring(void **state)
{
	struct world w;

	(void)state;
	base(&w, CWS_EVT_IO_URING);
	w.ev.obj.uring.opcode = "RENAMEAT";
	w.ev.obj.uring.setup_flags = 2;
	w.ev.obj.flags = 64;
	w.ev.obj.uring.has_file = w.ev.obj.uring.has_dest = true;
	w.ev.obj.file.path = "/etc/shadow";
	w.ev.obj.file.name = "shadow";
	w.ev.obj.dest.path = "/tmp/x";
	w.ev.obj.dest.name = "x";
	assert_true(
		eval_expr("io_uring.opcode in [\"RENAMEAT\", \"LINKAT\"] && "
			  "io_uring.file.path == \"/etc/shadow\" && "
			  "io_uring.file.destination.name == \"x\"",
			  &w.ev));
	assert_true(
		eval_expr("io_uring.setup_flags & IORING_SETUP_SQPOLL > 0 && "
			  "io_uring.flags & IOSQE_CQE_SKIP_SUCCESS > 0",
			  &w.ev));
	assert_false(eval_expr("io_uring.flags & IOSQE_ASYNC > 0", &w.ev));
	assert_false(eval_expr("io_uring.opcode == \"SETUP\"", &w.ev));
	expect_err("io_uring.file.path == \"/x\" && open.flags > 0",
		   "multiple event types", CWS_SECL_ERR_EVENT_TYPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op_eq_ne),
		cmocka_unit_test(test_op_order),
		cmocka_unit_test(test_op_match),
		cmocka_unit_test(test_op_in),
		cmocka_unit_test(test_op_logic),
		cmocka_unit_test(test_op_arith),
		cmocka_unit_test(test_prec_and_or),
		cmocka_unit_test(test_prec_bitwise),
		cmocka_unit_test(test_prec_not),
		cmocka_unit_test(test_prec_syntax),
		cmocka_unit_test(test_glob_table),
		cmocka_unit_test(test_glob_cases),
		cmocka_unit_test(test_pattern_cases),
		cmocka_unit_test(test_path_values),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_array_fields),
		cmocka_unit_test(test_iterators),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_var_size_and_builtins),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_error_strings),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_event_types),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_tree_walk),
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_io_uring),
		cmocka_unit_test(test_fixture_hard_rules),
		cmocka_unit_test(test_fixture_policies),
		cmocka_unit_test(test_glob_dstar),
		cmocka_unit_test(test_imds_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
