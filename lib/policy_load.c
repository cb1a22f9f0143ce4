/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One way to load "the policies" from what a tool was told (a directory,
 * -e expressions, the self-test policy), shared by cws-filter, which
 * judges events with them, and cws-probe, which derives its kernel
 * filters from them: both load the same files in the same order through
 * this function, and the digest says whether they did.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

/*
 * The self-test policy, as Datadog's agent injects it: three rules that
 * match an open with O_CREAT, a chmod and a chown of a target file that
 * `cws self-test` makes in a directory of its own in dir. The file's name
 * is fixed (the directory is what changes) so that the rules give the
 * kernel an approver: a pattern in a basename would take every open's.
 */
static int add_self_test(struct cws_policy *p, const char *dir, char *why,
			 size_t cap)
{
	char buf[8192];
	int n;

	if (strpbrk(dir, "\"\\\n*?")) {
		snprintf(
			why, cap,
			"--self-test '%s': a directory name with quotes, "
			"backslashes, newlines or wildcards cannot go in a rule",
			dir);
		return -EINVAL;
	}
	n = snprintf(
		buf, sizeof(buf),
		"version: 1.0.0\n"
		"rules:\n"
		"  - id: datadog_agent_cws_self_test_rule_open\n"
		"    expression: open.file.path =~ \"%s/*/datadog_agent_cws_target_file\" && open.flags & O_CREAT > 0\n"
		"  - id: datadog_agent_cws_self_test_rule_chmod\n"
		"    expression: chmod.file.path =~ \"%s/*/datadog_agent_cws_target_file\"\n"
		"  - id: datadog_agent_cws_self_test_rule_chown\n"
		"    expression: chown.file.path =~ \"%s/*/datadog_agent_cws_target_file\"\n",
		dir, dir, dir);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		snprintf(why, cap, "--self-test '%s': too long", dir);
		return -E2BIG;
	}
	n = cws_policy_add_buffer(p, "datadog-agent-cws-self-test-policy", buf,
				  (size_t)n);
	if (n) {
		snprintf(why, cap, "self-test policy: %s", strerror(-n));
		return n;
	}
	p->files[p->nfiles - 1].source = CWS_POLICY_SELF_TEST_SOURCE;
	return 0;
}

int cws_policy_load(const struct cws_policy_source *src,
		    struct cws_policy **out, char *why, size_t cap)
{
	struct cws_policy_opts po = { .kill_disabled = src->kill_disabled,
				      .agent_version = src->agent_version };
	struct cws_policy *p;
	size_t i;
	int err = 0;

	*out = NULL;
	why[0] = '\0';
	p = cws_policy_new(&po);
	if (!p) {
		snprintf(why, cap, "out of memory");
		return -ENOMEM;
	}
	if (src->dir) {
		err = cws_policy_add_dir(p, src->dir);
		if (err == -E2BIG)
			snprintf(why, cap,
				 "policy directory '%s' has more than %u "
				 "policy files",
				 src->dir, CWS_POLICY_MAX_FILES);
		else if (err < 0)
			snprintf(why, cap,
				 "cannot read policy directory '%s': %s",
				 src->dir, strerror(-err));
		if (err > 0)
			err = 0;
	}
	if (!err && src->self_test_dir)
		err = add_self_test(p, src->self_test_dir, why, cap);
	for (i = 0; !err && i < src->nexprs; i++) {
		err = cws_policy_add_expr(p, src->exprs[i]);
		if (err)
			snprintf(why, cap, "-e '%s': %s", src->exprs[i],
				 err == -E2BIG ? "too many -e rules" :
						 strerror(-err));
	}
	if (!err) {
		err = cws_policy_compile(p);
		if (err)
			snprintf(why, cap, "cannot compile the policies: %s",
				 strerror(-err));
	}
	if (err) {
		cws_policy_free(p);
		return err;
	}
	*out = p;
	return 0;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	if (!s)
		s = "\x01"; /* NULL is not "" */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= 0xff; /* a separator no string holds */
	h *= 0x100000001b3ull;
	return h;
}

uint64_t cws_policy_digest(const struct cws_policy *p)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, j;

	if (!p)
		return 0;
	for (i = 0; i < p->nmacros; i++) {
		const struct cws_policy_macro *m = &p->macros[i];

		if (m->merged || m->status != CWS_POLICY_LOADED)
			continue;
		h = fnv(h, m->id);
		h = fnv(h, m->expression);
		for (j = 0; j < m->nvalues; j++)
			h = fnv(h, m->values[j]);
	}
	for (i = 0; i < p->nrules; i++) {
		const struct cws_policy_rule *r = &p->rules[i];

		if (r->merged || r->status != CWS_POLICY_LOADED || !r->secl)
			continue;
		h = fnv(h, cws_secl_rule_id(r->secl));
		h = fnv(h, cws_secl_rule_expr(r->secl));
	}
	return h ? h : 1;
}

/*
 * What cws-probe would filter in the kernel with these policies: per
 * event type with rules, its approvers, or which rule has none and why.
 */
void cws_policy_print_kernel_filters(const struct cws_policy *p, FILE *out)
{
	int t;

	fprintf(out, "kernel filters:\n");
	for (t = CWS_EVT_UNKNOWN + 1; t < CWS_EVT__COUNT; t++) {
		struct cws_secl_approvers a;
		size_t i, names = 0, dests = 0, comms = 0, shown = 0;
		uint64_t flags = 0;

		if (!cws_secl_ruleset_count(p->rs, t))
			continue;
		fprintf(out, "  %s: %zu rule%s", cws_event_type_name(t),
			cws_secl_ruleset_count(p->rs, t),
			cws_secl_ruleset_count(p->rs, t) == 1 ? "" : "s");
		if (cws_secl_ruleset_approvers(p->rs, t, &a)) {
			fprintf(out, ", approvers: out of memory\n");
			continue;
		}
		if (!a.ok) {
			fprintf(out, ", no approver: %s\n", a.why);
			cws_secl_approvers_release(&a);
			continue;
		}
		for (i = 0; i < a.n; i++) {
			names += a.v[i].kind == CWS_SECL_APPROVE_NAME;
			dests += a.v[i].kind == CWS_SECL_APPROVE_DEST_NAME;
			comms += a.v[i].kind == CWS_SECL_APPROVE_COMM;
			if (a.v[i].kind == CWS_SECL_APPROVE_FLAGS)
				flags |= a.v[i].mask;
		}
		fprintf(out, ", approvers:");
		if (names)
			fprintf(out, " %zu basename%s", names,
				names == 1 ? "" : "s");
		if (dests)
			fprintf(out, " %zu destination basename%s", dests,
				dests == 1 ? "" : "s");
		if (comms)
			fprintf(out, " %zu process.comm", comms);
		if (flags)
			fprintf(out, " flags 0%llo", (unsigned long long)flags);
		fprintf(out, "\n");
		for (i = 0; i < a.n && shown < 64; i++) {
			if (a.v[i].kind == CWS_SECL_APPROVE_FLAGS)
				continue;
			fprintf(out, "    %s %s\n",
				a.v[i].kind == CWS_SECL_APPROVE_NAME ?
					"basename" :
				a.v[i].kind == CWS_SECL_APPROVE_COMM ?
					"process.comm" :
					"destination basename",
				a.v[i].name);
			shown++;
		}
		if (shown < names + dests + comms)
			fprintf(out, "    ... %zu more\n",
				names + dests + comms - shown);
		cws_secl_approvers_release(&a);
	}
}
