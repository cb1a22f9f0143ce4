/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the policy loader: any bytes are one policy file
 * (cws_policy_add_buffer), compiled with a -e rule beside it, then every
 * status is checked for consistency, the ruleset_loaded record is packed
 * and read back, and one event goes through the rules and their `set`
 * actions. A host is given so that nothing depends on the machine.
 */
#include "compat.h"
#include "policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cws_policy_host host = { .os = "linux",
					     .os_id = "debian",
					     .kernel_major = 6,
					     .kernel_minor = 8 };

static int on_match(const struct cws_secl_rule *r, const struct cws_event *ev,
		    void *arg)
{
	cws_policy_run_sets(arg, cws_policy_rule_of(r), ev);
	return 0;
}

static void check_record(struct cws_policy *p)
{
	static struct cws_reader rd; /* made once: see stream_fuzz.c */
	struct cws_event ev, out;
	struct cws_event_err err;
	msgpack_sbuffer sb;
	msgpack_packer pk;

	if (cws_policy_ruleset_event(p, &ev))
		abort();
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (cws_event_pack(&pk, &ev))
		abort();
	if ((!rd.buf && cws_reader_init_mem(&rd, "", 0)) ||
	    cws_reader_reset_mem(&rd, sb.data, sb.size))
		abort();
	/* Too large a record is refused by the reader, never misread. */
	if (sb.size <= CWS_EVENT_MAX_RECORD &&
	    (cws_reader_next(&rd, &out, &err) != 1 ||
	     out.type != CWS_REC_RULESET_LOADED ||
	     out.ruleset.npolicies != p->nfiles))
		abort();
	msgpack_sbuffer_destroy(&sb);
	/*
	 * Its zone's extra chunks freed before the input ends: libFuzzer runs
	 * an input again, looking for a leak, whenever it ends with more
	 * allocations than frees.
	 */
	cws_reader_reset_mem(&rd, "", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cws_policy_opts o = { .host = &host };
	struct cws_policy *p = cws_policy_new(&o);
	size_t i, n = 0;
	struct cws_event ev;

	if (!p)
		abort();
	if (cws_policy_add_buffer(p, "fuzz.policy", (const char *)data, size) ||
	    cws_policy_add_expr(p, "open.file.path == \"/etc/shadow\"") ||
	    cws_policy_compile(p))
		abort();
	for (i = 0; i < p->nrules; i++) {
		const struct cws_policy_rule *r = &p->rules[i];

		if (!r->id || !r->file || r->index != i)
			abort();
		if (r->merged)
			continue;
		n++;
		if ((r->status == CWS_POLICY_LOADED) != (r->secl != NULL))
			abort();
		if (r->status != CWS_POLICY_LOADED && !r->message)
			abort();
	}
	if (n != p->loaded + p->filtered + p->failed)
		abort();
	check_record(p);

	cws_event_clear(&ev);
	ev.type = CWS_REC_EVENT;
	ev.evt.type = CWS_EVT_OPEN;
	ev.timestamp = 1;
	ev.process.pid = 42;
	ev.process.comm = "cat";
	ev.obj.file.path = "/etc/shadow";
	ev.obj.file.name = "shadow";
	cws_secl_ruleset_eval(p->rs, &ev, on_match, p);
	cws_policy_free(p);
	return 0;
}
