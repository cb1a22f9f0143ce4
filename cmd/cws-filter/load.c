/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loading policies and saying what happened: one error line per file,
 * macro or rule that did not load (git's wording), one warning per
 * action that will not run, and the -n summary. Filtered rules (another
 * agent version, another OS) are not errors and are only listed by -n -v.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "log.h"

static void report(const struct cws_policy *p)
{
	size_t i, unbacked = 0;

	for (i = 0; i < p->nfiles; i++)
		if (p->files[i].error)
			cws_errorx("policy '%s': %s", p->files[i].name,
				   p->files[i].error);
	for (i = 0; i < p->nmacros; i++) {
		const struct cws_policy_macro *m = &p->macros[i];

		if (!m->merged && cws_policy_status_class(m->status) ==
					  CWS_POLICY_CLASS_FAILED)
			cws_errorx("macro '%s' in '%s': %s", m->id,
				   m->file->name, m->message);
	}
	for (i = 0; i < p->nrules; i++) {
		const struct cws_policy_rule *r = &p->rules[i];
		enum cws_policy_class c = cws_policy_status_class(r->status);
		size_t j;

		if (r->merged)
			continue;
		if (c == CWS_POLICY_CLASS_FAILED) {
			cws_errorx("rule '%s' in '%s': %s", r->id,
				   r->file->name, r->message);
			continue;
		}
		if (c != CWS_POLICY_CLASS_LOADED)
			continue;
		for (j = 0; j < r->nactions; j++)
			if (!r->actions[j].usable)
				cws_warnx("rule '%s' in '%s': action %zu (%s) "
					  "skipped: %s",
					  r->id, r->file->name, j + 1,
					  r->actions[j].name,
					  r->actions[j].why);
		unbacked += cws_secl_rule_unbacked_field(r->secl) != NULL;
	}
	if (unbacked)
		cws_info("%zu loaded rule%s read fields cws does not capture "
			 "(cws-filter -n -v lists them)",
			 unbacked, unbacked == 1 ? "" : "s");
}

int filter_load(const struct filter_opts *o, struct cws_policy **out,
		bool quiet)
{
	struct cws_policy_source src = {
		.dir = o->policy_dir,
		.exprs = o->exprs,
		.nexprs = o->nexprs,
		.self_test_dir = o->self_test_dir,
		.kill_disabled = !o->kill_enabled,
	};
	char why[512];
	size_t i, files = 0;
	int err;

	err = cws_policy_load(&src, out, why, sizeof(why));
	if (err) {
		cws_errorx("%s", why);
		return err;
	}
	if ((*out)->rs &&
	    cws_secl_ruleset_set_host_service((*out)->rs, o->host_service)) {
		cws_errorx("out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < (*out)->nfiles; i++)
		files += !strcmp((*out)->files[i].source, "file");
	if (o->policy_dir && !files && !o->nexprs && !quiet)
		cws_warnx("no *.policy file in '%s'", o->policy_dir);
	if (!quiet)
		report(*out);
	return 0;
}

/* Counts rules of one file (or all when f is NULL) by status. */
static void status_counts(const struct cws_policy *p,
			  const struct cws_policy_file *f, size_t *n)
{
	size_t i;

	memset(n, 0, (CWS_POLICY_ERROR + 1) * sizeof(*n));
	for (i = 0; i < p->nrules; i++)
		if (!p->rules[i].merged && (!f || p->rules[i].file == f))
			n[p->rules[i].status]++;
}

/* "agent_version_error 44, agent_filter_error 3" for one class. */
static void print_breakdown(const char *label, const size_t *n,
			    enum cws_policy_class c)
{
	const char *sep = "";
	int s;

	for (s = 0; s <= CWS_POLICY_ERROR; s++)
		if (n[s] && cws_policy_status_class(s) == c)
			break;
	if (s > CWS_POLICY_ERROR)
		return;
	printf("  %s:", label);
	for (s = 0; s <= CWS_POLICY_ERROR; s++) {
		if (!n[s] || cws_policy_status_class(s) != c)
			continue;
		printf("%s %s %zu", sep, cws_policy_status_name(s), n[s]);
		sep = ",";
	}
	printf("\n");
}

void filter_summary(const struct cws_policy *p)
{
	size_t n[CWS_POLICY_ERROR + 1], i, j;
	bool verbose = cws_log_enabled(CWS_LOG_DEBUG);

	for (i = 0; i < p->nfiles; i++) {
		const struct cws_policy_file *f = &p->files[i];

		printf("policy '%s'", f->name);
		if (f->version)
			printf(" version %s", f->version);
		if (f->error) {
			printf(": skipped: %s\n", f->error);
			continue;
		}
		printf(": %zu loaded, %zu filtered, %zu failed\n", f->loaded,
		       f->filtered, f->failed);
		status_counts(p, f, n);
		print_breakdown("filtered", n, CWS_POLICY_CLASS_FILTERED);
		print_breakdown("failed", n, CWS_POLICY_CLASS_FAILED);
		if (!verbose)
			continue;
		for (j = 0; j < p->nrules; j++) {
			const struct cws_policy_rule *r = &p->rules[j];

			if (r->merged || r->file != f ||
			    (r->status == CWS_POLICY_LOADED && !r->message))
				continue;
			printf("    %s: %s%s%s\n", r->id,
			       cws_policy_status_name(r->status),
			       r->message ? ": " : "",
			       r->message ? r->message : "");
		}
	}
	if (verbose)
		cws_policy_print_kernel_filters(p, stdout);
	printf("total: %zu loaded, %zu filtered, %zu failed", p->loaded,
	       p->filtered, p->failed);
	if (p->macros_failed)
		printf(" (%zu macro%s failed)", p->macros_failed,
		       p->macros_failed == 1 ? "" : "s");
	printf("\n");
	fflush(stdout);
}
