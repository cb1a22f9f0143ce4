/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the lib/secl unit tests share: an event of each kind with a
 * process and three ancestors, and compiling an expression alone to
 * evaluate it or to see it refused. Included by secl_test.c and
 * secl_rules_test.c after cmocka.h.
 */
#ifndef CWS_SECL_WORLD_H
#define CWS_SECL_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secl.h"

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

static inline void base(struct world *w, enum cws_event_type type)
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

static inline void exec_event(struct world *w)
{
	base(w, CWS_EVT_EXEC);
	w->ev.exec.file = w->ev.process.file;
	w->ev.exec.argv = w->ev.process.argv;
}

static inline void open_event(struct world *w, const char *path, uint64_t flags)
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
static inline bool eval_expr(const char *expr, const struct cws_event *ev)
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

static inline bool on_open(const char *expr)
{
	struct world w;

	open_event(&w, "/etc/passwd", 2);
	return eval_expr(expr, &w.ev);
}

static inline bool on_exec(const char *expr)
{
	struct world w;

	exec_event(&w);
	return eval_expr(expr, &w.ev);
}

#define T(e) assert_true(on_open(e))
#define F(e) assert_false(on_open(e))

/* Compiling expr fails with a message containing want. */
static inline void expect_err(const char *expr, const char *want,
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

static inline void expect_ok(const char *expr)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;

	memset(&err, 0, sizeof(err));
	if (!cws_secl_rule_add(rs, "t", expr, NULL, &err))
		fail_msg("'%s': %s", expr, err.msg);
	cws_secl_ruleset_free(rs);
}

/* A match callback that counts the matches in *(int *)arg. */
static inline int count_cb(const struct cws_secl_rule *r,
			   const struct cws_event *ev, void *arg)
{
	(void)r;
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

#endif
