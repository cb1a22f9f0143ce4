/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/secl, rules as a whole: macros, every error string
 * and its format, event-type inference and the fields of every event
 * type, the tree walk, constants, imds, packet and io_uring fields.
 * Operators and values are in secl_test.c, Datadog's default policies in
 * secl_fixture_test.c.
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
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_error_strings),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_event_types),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_tree_walk),
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_io_uring),
		cmocka_unit_test(test_imds_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
