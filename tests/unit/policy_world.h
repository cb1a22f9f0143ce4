/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the lib/policy unit tests share: a fixed host, a scratch
 * directory of policy files (setup, teardown, put_file, load_dir), rule
 * status checks, an open event, and evaluation to the matching ids.
 * Included by policy_test.c and policy_record_test.c after cmocka.h.
 */
#ifndef CWS_POLICY_WORLD_H
#define CWS_POLICY_WORLD_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "policy.h"

/* A fixed host, so that filters give the same answer everywhere. */
static const struct cws_policy_host host = {
	.os = "linux",
	.os_id = "debian",
	.os_version_id = "12",
	.hostname = "test",
	.kernel_flavor = "generic",
	.kernel_major = 6,
	.kernel_minor = 8,
	.kernel_patch = 0,
	.kernel_abi = 31,
};

static const struct cws_policy_opts opts = { .host = &host };

static char dir[512];

static inline int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/policy_test.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static inline int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes dir/name with the given text. */
static inline void put_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Loads dir and compiles; every test starts from an empty dir. */
static inline struct cws_policy *load_dir(void)
{
	struct cws_policy *p = cws_policy_new(&opts);

	assert_non_null(p);
	assert_true(cws_policy_add_dir(p, dir) >= 0);
	assert_int_equal(cws_policy_compile(p), 0);
	return p;
}

static inline struct cws_policy *load_text(const char *text)
{
	struct cws_policy *p = cws_policy_new(&opts);

	assert_non_null(p);
	assert_int_equal(
		cws_policy_add_buffer(p, "t.policy", text, strlen(text)), 0);
	assert_int_equal(cws_policy_compile(p), 0);
	return p;
}

static inline const struct cws_policy_rule *rule(const struct cws_policy *p,
						 const char *id)
{
	const struct cws_policy_rule *r = cws_policy_find(p, id);

	if (!r)
		fail_msg("no rule '%s'", id);
	return r;
}

static inline void assert_status(const struct cws_policy *p, const char *id,
				 enum cws_policy_status st)
{
	const struct cws_policy_rule *r = rule(p, id);

	if (r->status != st)
		fail_msg("rule '%s': status %s, want %s: %s", id,
			 cws_policy_status_name(r->status),
			 cws_policy_status_name(st),
			 r->message ? r->message : "");
}

static inline void assert_message(const struct cws_policy *p, const char *id,
				  const char *part)
{
	const struct cws_policy_rule *r = rule(p, id);

	if (!r->message || !strstr(r->message, part))
		fail_msg("rule '%s': message '%s' lacks '%s'", id,
			 r->message ? r->message : "(null)", part);
}

/* An open event on path by pid, at time ts. */
static inline void open_event(struct cws_event *ev, const char *path,
			      uint32_t pid, uint64_t ts)
{
	const char *name = strrchr(path, '/');

	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = CWS_EVT_OPEN;
	ev->evt.name = "open";
	ev->timestamp = ts;
	ev->process.pid = pid;
	ev->process.tid = pid;
	ev->process.comm = "cat";
	ev->process.file.path = "/usr/bin/cat";
	ev->process.file.name = "cat";
	ev->obj.file.path = path;
	ev->obj.file.name = name ? name + 1 : path;
}

struct matches {
	char ids[16][64];
	int n;
	struct cws_policy *p;
	bool run_sets;
};

static inline int collect(const struct cws_secl_rule *r,
			  const struct cws_event *ev, void *arg)
{
	struct matches *m = arg;

	if (m->n < 16)
		snprintf(m->ids[m->n++], sizeof(m->ids[0]), "%s",
			 cws_secl_rule_id(r));
	if (m->run_sets)
		cws_policy_run_sets(m->p, cws_policy_rule_of(r), ev);
	return 0;
}

/* Evaluates ev and returns the matching ids joined by spaces. */
static inline const char *eval(struct cws_policy *p, const struct cws_event *ev)
{
	static char out[1024];
	struct matches m = { .p = p, .run_sets = true };
	int i;

	cws_secl_ruleset_eval(p->rs, ev, collect, &m);
	out[0] = '\0';
	for (i = 0; i < m.n; i++) {
		if (i)
			strncat(out, " ", sizeof(out) - strlen(out) - 1);
		strncat(out, m.ids[i], sizeof(out) - strlen(out) - 1);
	}
	return out;
}

#endif
