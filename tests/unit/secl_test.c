/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/secl, operators and values: one test per operator,
 * per precedence and associativity rule of Datadog's grammar, the
 * pattern and glob truth tables of the reference (with `**` anywhere),
 * regexes, arrays and CIDRs, any-element semantics, iterators, durations
 * and variables. Rules as a whole are in secl_rules_test.c, Datadog's
 * default policies in secl_fixture_test.c.
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
#include "secl_world.h"

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
		cmocka_unit_test(test_glob_dstar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
