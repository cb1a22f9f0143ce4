/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/policy, the records it makes: ruleset_loaded (every
 * policy and rule with its status) and a match (the rule, its actions,
 * the event), packed with lib/event and read back with the stream
 * reader.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy_world.h"

/* Packs ev, reads it back with the stream reader. */
static void roundtrip(const struct cws_event *ev, struct cws_reader *r,
		      struct cws_event *out)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct cws_event_err err;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(cws_event_pack(&pk, ev), 0);
	assert_int_equal(cws_reader_init_mem(r, sb.data, sb.size), 0);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(cws_reader_next(r, out, &err), 1);
}

static void test_ruleset_record(void **state)
{
	struct cws_policy *p;
	struct cws_event ev, out;
	struct cws_reader r;
	const struct cws_ruleset_policy *pol;
	struct cws_lost_cause drops[] = { { "a_rule", 12 } };

	(void)state;
	put_file("default.policy",
		 "version: 1.0.0\n"
		 "rules:\n"
		 "  - id: a_rule\n"
		 "    version: 2\n"
		 "    expression: open.file.path == \"/a\"\n"
		 "    tags: {ruleset: x}\n"
		 "    actions: [{hash: {}}, {set: {name: v, value: 1}}]\n"
		 "  - id: win\n"
		 "    expression: x\n"
		 "    filters: [os == \"windows\"]\n");
	put_file("custom.policy", "rules:\n"
				  "  - id: a_rule\n"
				  "    combine: override\n"
				  "    expression: open.file.path == \"/b\"\n");
	put_file("z.policy", "rules: [");
	p = load_dir();
	assert_int_equal(cws_policy_ruleset_event(p, &ev), 0);
	assert_int_equal(ev.type, CWS_REC_RULESET_LOADED);
	ev.timestamp = 42;
	ev.ruleset.producer = "cws-filter";
	roundtrip(&ev, &r, &out);
	assert_int_equal(out.type, CWS_REC_RULESET_LOADED);
	assert_int_equal(out.timestamp, 42);
	assert_string_equal(out.ruleset.producer, "cws-filter");
	assert_int_equal(out.ruleset.npolicies, 3);
	pol = &out.ruleset.policies[0];
	assert_string_equal(pol->name, "default.policy");
	assert_string_equal(pol->version, "1.0.0");
	assert_string_equal(pol->source, "file");
	assert_int_equal(pol->nrules, 2);
	assert_string_equal(pol->rules[0].id, "a_rule");
	assert_string_equal(pol->rules[0].version, "2");
	assert_string_equal(pol->rules[0].expression,
			    "open.file.path == \"/b\"");
	assert_string_equal(pol->rules[0].status, "loaded");
	assert_string_equal(pol->rules[0].tags[0].value, "x");
	assert_int_equal(pol->rules[0].actions.n, 2);
	assert_string_equal(pol->rules[0].actions.v[0], "hash");
	assert_string_equal(pol->rules[0].modified_by.v[0], "custom.policy");
	assert_null(pol->rules[0].message); /* hash runs, set too */
	assert_string_equal(pol->rules[1].status, "agent_filter_error");
	assert_int_equal(out.ruleset.policies[1].nrules, 0);
	assert_non_null(out.ruleset.policies[2].error);
	cws_reader_release(&r);

	/* A heartbeat carries the policies, not their rules. */
	ev.type = CWS_REC_HEARTBEAT;
	ev.heartbeat.producer = "cws-filter";
	ev.heartbeat.events = 3;
	ev.ruleset.rate_limited = drops;
	ev.ruleset.nrate_limited = 1;
	roundtrip(&ev, &r, &out);
	assert_int_equal(out.type, CWS_REC_HEARTBEAT);
	assert_int_equal(out.heartbeat.events, 3);
	assert_int_equal(out.ruleset.npolicies, 3);
	assert_int_equal(out.ruleset.policies[0].nrules, 0);
	assert_int_equal(out.ruleset.nrate_limited, 1);
	assert_string_equal(out.ruleset.rate_limited[0].cause, "a_rule");
	assert_int_equal(out.ruleset.rate_limited[0].count, 12);
	cws_reader_release(&r);
	cws_policy_free(p);
}

static void test_match_record(void **state)
{
	static const struct cws_kv tags[] = { { "ruleset", "td" } };
	static const char *ptags[] = { "tactic:TA0006" };
	static const struct cws_rule_action acts[] = {
		{ .type = "kill",
		  .signal = "SIGKILL",
		  .scope = "process",
		  .pid = 42,
		  .status = "error",
		  .message = "No such process",
		  .created_at = 1700000000000000002,
		  .detected_at = 1700000000000000001 },
	};
	struct cws_event_rule rule = {
		.id = "r1",
		.version = "1.0",
		.description = "d",
		.policy_name = "default.policy",
		.policy_version = "1.2.3",
		.policy_source = "file",
		.tags = tags,
		.ntags = 1,
		.product_tags = { ptags, 1 },
		.actions = acts,
		.nactions = 1,
	};
	struct cws_event ev, out, again;
	struct cws_event_err err;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct cws_reader r;
	char raw[4096];
	size_t rawlen;

	(void)state;
	open_event(&ev, "/etc/shadow", 42, 7);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(cws_event_pack(&pk, &ev), 0);
	assert_true(sb.size < sizeof(raw));
	memcpy(raw, sb.data, sb.size);
	rawlen = sb.size;
	sb.size = 0;
	assert_int_equal(cws_event_pack_match(&pk, raw, rawlen, &rule), 0);
	assert_int_equal(cws_event_pack_match(&pk, raw, rawlen - 1, &rule),
			 -EINVAL);
	assert_int_equal(cws_event_pack_match(&pk, "\x01", 1, &rule), -EINVAL);
	assert_int_equal(cws_reader_init_mem(&r, sb.data, sb.size), 0);
	assert_int_equal(cws_reader_next(&r, &out, &err), 1);
	assert_int_equal(out.type, CWS_REC_EVENT);
	assert_string_equal(out.obj.file.path, "/etc/shadow");
	assert_non_null(out.rule);
	assert_string_equal(out.rule->id, "r1");
	assert_string_equal(out.rule->version, "1.0");
	assert_string_equal(out.rule->description, "d");
	assert_string_equal(out.rule->policy_name, "default.policy");
	assert_string_equal(out.rule->policy_version, "1.2.3");
	assert_string_equal(out.rule->policy_source, "file");
	assert_string_equal(out.rule->tags[0].key, "ruleset");
	assert_string_equal(out.rule->product_tags.v[0], "tactic:TA0006");
	assert_int_equal(out.rule->nactions, 1);
	assert_string_equal(out.rule->actions[0].status, "error");
	assert_int_equal(out.rule->actions[0].pid, 42);
	assert_string_equal(out.rule->actions[0].message, "No such process");
	assert_true(out.rule->actions[0].created_at == 1700000000000000002ull);
	assert_true(out.rule->actions[0].detected_at == 1700000000000000001ull);
	assert_true(out.rule->actions[0].killed_at == 0);
	assert_true(out.rule->actions[0].exited_at == 0);

	/* Matching a match again replaces its rule, keeps one key. */
	rule.id = "r2";
	rule.nactions = 0;
	sb.size = 0;
	assert_int_equal(cws_event_pack_match(&pk, out.raw, out.raw_len, &rule),
			 0);
	cws_reader_release(&r);
	assert_int_equal(cws_reader_init_mem(&r, sb.data, sb.size), 0);
	assert_int_equal(cws_reader_next(&r, &again, &err), 1);
	assert_string_equal(again.rule->id, "r2");
	assert_int_equal(again.rule->nactions, 0);
	assert_int_equal(cws_reader_object(&r)->via.map.size,
			 /* type, evt, process, open, rule */ 5);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ruleset_record, setup,
						teardown),
		cmocka_unit_test(test_match_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
