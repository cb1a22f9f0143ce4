/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/policy: policy files written to a scratch
 * directory, the load order, every rule and macro key, filtering versus
 * failing, merging by id, actions, and Datadog's default policies with
 * exact counts. The ruleset_loaded and match records are in
 * policy_record_test.c.
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

#include "event.h"
#include "policy.h"

#include "policy_world.h"

static void test_load_order(void **state)
{
	struct cws_policy *p;

	(void)state;
	put_file("b.policy", "version: 2.0.0\nrules:\n"
			     "  - id: b_rule\n"
			     "    expression: open.file.path == \"/b\"\n");
	put_file("a.policy", "rules:\n"
			     "  - id: a_rule\n"
			     "    expression: open.file.path == \"/a\"\n");
	put_file("default.policy",
		 "version: 1.0.0\nrules:\n"
		 "  - id: d_rule\n"
		 "    expression: open.file.path == \"/d\"\n");
	put_file(".hidden.policy", "rules: [oops\n");
	put_file("notes.txt", "not a policy\n");
	p = load_dir();
	assert_int_equal(p->nfiles, 3);
	assert_string_equal(p->files[0].name, "default.policy");
	assert_string_equal(p->files[0].version, "1.0.0");
	assert_string_equal(p->files[0].source, "file");
	assert_string_equal(p->files[1].name, "a.policy");
	assert_null(p->files[1].version);
	assert_string_equal(p->files[2].name, "b.policy");
	assert_int_equal(p->loaded, 3);
	assert_int_equal(p->filtered + p->failed, 0);
	/* Rules keep the load order. */
	assert_string_equal(p->rules[0].id, "d_rule");
	assert_string_equal(p->rules[2].id, "b_rule");
	cws_policy_free(p);
}

static void test_missing_dir(void **state)
{
	struct cws_policy *p = cws_policy_new(&opts);
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/nope", dir);
	assert_int_equal(cws_policy_add_dir(p, path), -ENOENT);
	assert_int_equal(cws_policy_add_dir(p, dir), 0);
	assert_int_equal(cws_policy_compile(p), 0);
	assert_int_equal(p->loaded, 0);
	assert_int_equal(cws_policy_compile(p), -EBUSY);
	assert_int_equal(cws_policy_add_expr(p, "true"), -EBUSY);
	cws_policy_free(p);
	cws_policy_free(NULL);
}

static void test_rule_keys(void **state)
{
	struct cws_policy *p;
	const struct cws_policy_rule *r;

	(void)state;
	p = load_text("version: 1.2.3\n"
		      "rules:\n"
		      "  - id: full\n"
		      "    version: 4.5.6\n"
		      "    description: Shadow was opened\n"
		      "    expression: >-\n"
		      "      open.file.path == \"/etc/shadow\"\n"
		      "    tags:\n"
		      "      ruleset: threat_detection\n"
		      "      threat_score: '5'\n"
		      "    product_tags: [tactic:TA0006, technique:T1003]\n"
		      "    agent_version: '>= 7.36'\n"
		      "    filters:\n"
		      "      - os == \"linux\"\n"
		      "    silent: true\n"
		      "    every: 1m30s\n"
		      "    group_id: shadow_group\n"
		      "    priority: 3\n"
		      "    some_future_key: {x: 1}\n");
	r = rule(p, "full");
	assert_int_equal(r->status, CWS_POLICY_LOADED);
	assert_null(r->message);
	assert_string_equal(r->version, "4.5.6");
	assert_string_equal(r->description, "Shadow was opened");
	assert_string_equal(r->expression, "open.file.path == \"/etc/shadow\"");
	assert_int_equal(r->ntags, 2);
	assert_string_equal(r->tags[0].key, "ruleset");
	assert_string_equal(r->tags[1].value, "5");
	assert_int_equal(r->nproduct_tags, 2);
	assert_string_equal(r->product_tags[1], "technique:T1003");
	assert_true(r->silent);
	assert_int_equal(r->every_ns, 90000000000ull);
	assert_string_equal(r->group_id, "shadow_group");
	assert_int_equal(r->line, 3);
	assert_non_null(r->secl);
	assert_ptr_equal(cws_policy_rule_of(r->secl), r);
	assert_string_equal(r->file->version, "1.2.3");
	cws_policy_free(p);

	/* Integer durations are nanoseconds (Go's yaml.v2). */
	p = load_text("rules:\n"
		      "  - id: e\n"
		      "    expression: exec.file.name == \"x\"\n"
		      "    every: 1000000000\n"
		      "  - id: bad_every\n"
		      "    expression: exec.file.name == \"x\"\n"
		      "    every: soon\n");
	assert_int_equal(rule(p, "e")->every_ns, 1000000000ull);
	assert_status(p, "bad_every", CWS_POLICY_ERROR);
	assert_message(p, "bad_every", "line 7: `every`: expected a duration");
	cws_policy_free(p);
}

static void test_bad_rules_skipped(void **state)
{
	struct cws_policy *p;
	const struct cws_policy_rule *r;

	(void)state;
	p = load_text("rules:\n"
		      "  - id: good\n"
		      "    expression: open.file.path == \"/etc/shadow\"\n"
		      "  - id: typo\n"
		      "    expression: open.file.pth == \"/etc/shadow\"\n"
		      "  - id: syntax\n"
		      "    expression: open.file.path == == 1\n"
		      "  - id: types\n"
		      "    expression: open.file.path == 1\n"
		      "  - id: sysctl\n"
		      "    expression: sysctl.name == \"x\"\n"
		      "  - id: no_type\n"
		      "    expression: process.uid == 0\n"
		      "  - id: two_types\n"
		      "    expression: open.file.path == \"/a\" && "
		      "exec.file.path == \"/b\"\n"
		      "  - id: 'bad id!'\n"
		      "    expression: open.file.path == \"/x\"\n"
		      "  - expression: open.file.path == \"/x\"\n"
		      "  - id: no_expr\n"
		      "  - id: tags_list\n"
		      "    expression: open.file.path == \"/x\"\n"
		      "    tags: [a, b]\n"
		      "  - just a string\n"
		      "  - id: good2\n"
		      "    expression: exec.file.name in [\"sh\", \"bash\"]\n");
	assert_int_equal(p->loaded, 2);
	assert_int_equal(p->filtered, 0);
	assert_int_equal(p->failed, 11);
	assert_int_equal(p->files[0].loaded, 2);
	assert_int_equal(p->files[0].failed, 11);
	assert_status(p, "good", CWS_POLICY_LOADED);
	assert_status(p, "good2", CWS_POLICY_LOADED);
	assert_status(p, "typo", CWS_POLICY_ERROR);
	assert_message(p, "typo", "field `open.file.pth` not found at 1:1");
	assert_int_equal(rule(p, "typo")->err_pos, 0);
	assert_status(p, "syntax", CWS_POLICY_SYNTAX);
	assert_message(p, "syntax", "syntax error: ");
	assert_message(p, "syntax", " at 1:19");
	assert_status(p, "types", CWS_POLICY_ERROR);
	assert_message(p, "types", "expected");
	assert_status(p, "sysctl", CWS_POLICY_EVENT_TYPE);
	assert_status(p, "no_type", CWS_POLICY_ERROR);
	assert_status(p, "two_types", CWS_POLICY_ERROR);
	assert_status(p, "bad id!", CWS_POLICY_ERROR);
	assert_message(p, "bad id!", "rule ID pattern error");
	assert_status(p, "no_expr", CWS_POLICY_ERROR);
	assert_message(p, "no_expr", "no rule expression");
	assert_status(p, "tags_list", CWS_POLICY_ERROR);
	assert_message(p, "tags_list", "`tags`: expected a map of strings");
	r = &p->rules[8];
	assert_string_equal(r->id, "");
	assert_string_equal(r->message, "line 18: no rule ID");
	r = &p->rules[11];
	assert_string_equal(r->message, "line 23: a rule is a map");
	cws_policy_free(p);
}

static void test_agent_version(void **state)
{
	static const struct {
		const char *c, *v;
		int want;
	} t[] = {
		{ ">= 7.36", "7.60.0", 1 },
		{ ">=7.58", "7.60.0", 1 },
		{ ">= 7.60", "7.60.0", 1 },
		{ ">= 7.61", "7.60.0", 0 },
		{ "< 7.71", "7.60.0", 1 },
		{ ">=7.65 <7.70", "7.60.0", 0 },
		{ ">=7.65 <7.70", "7.66.1", 1 },
		{ ">= 7.50, < 7.60", "7.60.0", 0 },
		{ ">= 7.70.1", "7.70.0", 0 },
		{ ">= 7.70.1", "7.70.1", 1 },
		{ "7.60", "7.60.3", 1 },
		{ "= 7.60.1", "7.60.0", 0 },
		{ "!= 7.60", "7.60.5", 0 },
		{ "7.x", "7.99.0", 1 },
		{ "< 7", "7.0.0", 0 },
		{ "<= 7.60", "7.60.9", 1 },
		{ "~7.60.1", "7.60.9", 1 },
		{ "~7.60.1", "7.61.0", 0 },
		{ "^7.1", "7.99.0", 1 },
		{ "^7.1", "8.0.0", 0 },
		{ "< 7.1 || >= 7.60", "7.60.0", 1 },
		{ "< 7.1 || > 7.60", "7.60.0", 0 },
		{ ">= 7.36", "7.60.0-rc.1+git.1", 1 },
		{ "", "7.60.0", -EINVAL },
		{ ">>7", "7.60.0", -EINVAL },
		{ ">= seven", "7.60.0", -EINVAL },
		{ ">= 7 ||", "7.60.0", -EINVAL },
		{ "=~ 7", "7.60.0", -EINVAL },
	};
	struct cws_policy *p;
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(t); i++)
		if (cws_policy_version_admits(t[i].c, t[i].v) != t[i].want)
			fail_msg("'%s' against %s: got %d, want %d", t[i].c,
				 t[i].v,
				 cws_policy_version_admits(t[i].c, t[i].v),
				 t[i].want);

	p = load_text("rules:\n"
		      "  - id: old_enough\n"
		      "    agent_version: '>= 7.36'\n"
		      "    expression: exec.file.name == \"x\"\n"
		      "  - id: too_new\n"
		      "    agent_version: '>= 7.74'\n"
		      "    expression: this would not even parse ==\n"
		      "  - id: bad_constraint\n"
		      "    agent_version: 'soon'\n"
		      "    expression: exec.file.name == \"x\"\n");
	assert_status(p, "old_enough", CWS_POLICY_LOADED);
	assert_status(p, "too_new", CWS_POLICY_AGENT_VERSION);
	assert_message(p, "too_new",
		       "agent version 7.73.0 does not satisfy `>= 7.74`");
	assert_status(p, "bad_constraint", CWS_POLICY_ERROR);
	assert_int_equal(p->filtered, 1);
	cws_policy_free(p);
}

static void test_filters(void **state)
{
	static const struct {
		const char *f;
		int want;
	} t[] = {
		{ "os == \"linux\"", 1 },
		{ "os == \"windows\"", 0 },
		{ "os != \"windows\"", 1 },
		{ "kernel.version.major >= 5", 1 },
		{ "kernel.version.major == 6 && kernel.version.minor < 8", 0 },
		{ "(kernel.version.major == 5 && kernel.version.minor >= 8) "
		  "&& (os == \"linux\")",
		  0 },
		{ "os.is_debian", 1 },
		{ "!os.is_rhel", 1 },
		{ "not os.is_debian", 0 },
		{ "os.id in [\"debian\", \"ubuntu\"]", 1 },
		{ "os.id not in [\"debian\"]", 0 },
		{ "kernel.version.flavor == \"generic\" and origin == \"ebpf\"",
		  1 },
		/* SECL grouping: false && (false || true). */
		{ "false && false || true", 0 },
		{ "true || false && false", 1 },
		{ "kernel.core.enabled", 0 },
		{ "hostname == \"test\"", 1 },
		{ "os == 1", -EINVAL },
		{ "os", -EINVAL },
		{ "cpu.count > 1", -EINVAL },
		{ "os == \"linux", -EINVAL },
		{ "(os == \"linux\"", -EINVAL },
		{ "os == \"linux\" extra", -EINVAL },
		{ "", -EINVAL },
	};
	struct cws_policy *p;
	char why[128];
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(t); i++)
		if (cws_policy_filter_eval(t[i].f, &host, why, sizeof(why)) !=
		    t[i].want)
			fail_msg("filter '%s': want %d (%s)", t[i].f, t[i].want,
				 why);
	assert_int_equal(cws_policy_filter_eval("cpu.count > 1", &host, why,
						sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "unknown filter field `cpu.count`");

	p = load_text("macros:\n"
		      "  - id: win_macro\n"
		      "    expression: this is windows only\n"
		      "    filters: [os == \"windows\"]\n"
		      "rules:\n"
		      "  - id: windows_rule\n"
		      "    expression: create.file.path == \"C:\\\\x\"\n"
		      "    tags: {bad: [not, a, string]}\n"
		      "    filters:\n"
		      "      - os == \"windows\"\n"
		      "  - id: either\n"
		      "    expression: exec.file.name == \"x\"\n"
		      "    filters:\n"
		      "      - os == \"windows\"\n"
		      "      - os == \"linux\"\n"
		      "  - id: bad_filter\n"
		      "    expression: exec.file.name == \"x\"\n"
		      "    filters: [os =]\n");
	assert_status(p, "windows_rule", CWS_POLICY_AGENT_FILTER);
	assert_message(p, "windows_rule",
		       "not applicable to this host: `os == \"windows\"`");
	assert_status(p, "either", CWS_POLICY_LOADED);
	assert_status(p, "bad_filter", CWS_POLICY_ERROR);
	assert_message(p, "bad_filter", "invalid filter `os =`");
	assert_int_equal(p->macros[0].status, CWS_POLICY_AGENT_FILTER);
	assert_int_equal(p->macros_failed, 0);
	cws_policy_free(p);
}

static void test_disabled_and_override(void **state)
{
	struct cws_policy *p;
	const struct cws_policy_rule *r;
	struct cws_event ev;

	(void)state;
	put_file("default.policy",
		 "rules:\n"
		 "  - id: shadow\n"
		 "    description: original\n"
		 "    expression: open.file.path == \"/etc/shadow\"\n"
		 "    tags: {a: '1', b: '2'}\n"
		 "  - id: passwd\n"
		 "    expression: open.file.path == \"/etc/passwd\"\n"
		 "  - id: gshadow\n"
		 "    expression: open.file.path == \"/etc/gshadow\"\n"
		 "  - id: group\n"
		 "    expression: open.file.path == \"/etc/group\"\n"
		 "  - id: off\n"
		 "    disabled: true\n"
		 "  - id: hosts\n"
		 "    expression: open.file.path == \"/etc/hosts\"\n");
	put_file("custom.policy",
		 "rules:\n"
		 "  - id: shadow\n"
		 "    combine: override\n"
		 "    description: ignored without fields\n"
		 "    expression: open.file.path == \"/etc/shadow-\"\n"
		 "  - id: passwd\n"
		 "    disabled: true\n"
		 "  - id: gshadow\n"
		 "    combine: override\n"
		 "    override_options:\n"
		 "      fields: [all]\n"
		 "    description: replaced\n"
		 "    silent: true\n"
		 "    expression: open.file.path == \"/etc/gshadow-\"\n"
		 "  - id: group\n"
		 "    expression: open.file.path == \"/etc/group-\"\n"
		 "  - id: hosts\n"
		 "    combine: override\n"
		 "    override_options: {fields: [tags]}\n"
		 "    tags: {c: '3'}\n"
		 "  - id: bad_combine\n"
		 "    combine: merge\n"
		 "    expression: open.file.path == \"/x\"\n");
	p = load_dir();
	r = rule(p, "shadow");
	assert_int_equal(r->status, CWS_POLICY_LOADED);
	assert_string_equal(r->expression,
			    "open.file.path == \"/etc/shadow-\"");
	assert_string_equal(r->description, "original");
	assert_int_equal(r->nmodified_by, 1);
	assert_string_equal(r->modified_by[0], "custom.policy");
	assert_status(p, "passwd", CWS_POLICY_DISABLED);
	assert_message(p, "passwd", "disabled by 'custom.policy'");
	r = rule(p, "gshadow");
	assert_string_equal(r->description, "replaced");
	assert_true(r->silent);
	assert_status(p, "off", CWS_POLICY_DISABLED);
	assert_int_equal(rule(p, "hosts")->ntags, 1);
	assert_string_equal(rule(p, "hosts")->tags[0].key, "c");
	/* Without combine, the second definition is the error. */
	r = &p->rules[9];
	assert_string_equal(r->id, "group");
	assert_string_equal(r->file->name, "custom.policy");
	assert_int_equal(r->status, CWS_POLICY_ERROR);
	assert_string_equal(r->message, "multiple definition with the same ID "
					"(first in 'default.policy')");
	assert_status(p, "group", CWS_POLICY_LOADED);
	assert_status(p, "bad_combine", CWS_POLICY_ERROR);
	assert_message(p, "bad_combine", "unknown combine `merge`");
	/* Merged definitions are not rules of their own. */
	assert_int_equal(p->loaded + p->filtered + p->failed, 8);
	assert_int_equal(p->files[0].loaded, 4);
	assert_int_equal(p->files[0].filtered, 2);
	assert_int_equal(p->files[1].failed, 2);

	open_event(&ev, "/etc/shadow", 10, 1);
	assert_string_equal(eval(p, &ev), "");
	open_event(&ev, "/etc/shadow-", 10, 1);
	assert_string_equal(eval(p, &ev), "shadow");
	open_event(&ev, "/etc/passwd", 10, 1);
	assert_string_equal(eval(p, &ev), "");
	cws_policy_free(p);
}

static void test_macros(void **state)
{
	struct cws_policy *p;
	struct cws_event ev;

	(void)state;
	put_file("default.policy",
		 "macros:\n"
		 "  - id: secrets\n"
		 "    values: [/etc/shadow, /etc/gshadow]\n"
		 "  - id: more\n"
		 "    expression: '[\"/etc/sudoers\"]'\n"
		 "  - id: broken\n"
		 "    expression: '[\"a\", 1]'\n"
		 "  - id: both\n"
		 "    values: [a]\n"
		 "    expression: '[\"a\"]'\n"
		 "  - id: neither\n"
		 "    description: nothing\n"
		 "  - id: is_root\n"
		 "    expression: process.uid == 0\n"
		 "  - id: new_agent\n"
		 "    agent_version: '>= 8'\n"
		 "    values: [x]\n"
		 "rules:\n"
		 "  - id: secret\n"
		 "    expression: open.file.path in secrets\n"
		 "  - id: sudo\n"
		 "    expression: open.file.path in more && is_root\n"
		 "  - id: uses_broken\n"
		 "    expression: open.file.path in broken\n");
	put_file("extra.policy", "macros:\n"
				 "  - id: secrets\n"
				 "    combine: merge\n"
				 "    values: [/etc/master.passwd]\n"
				 "  - id: more\n"
				 "    combine: override\n"
				 "    expression: '[\"/etc/sudoers.d/x\"]'\n"
				 "  - id: is_root\n"
				 "    expression: process.uid == 1\n"
				 "  - id: more\n"
				 "    combine: merge\n"
				 "    values: [y]\n");
	p = load_dir();
	assert_int_equal(p->macros[2].status, CWS_POLICY_SYNTAX);
	assert_int_equal(p->macros[3].status, CWS_POLICY_ERROR);
	assert_string_equal(p->macros[3].message,
			    "line 8: only one of 'expression' and 'values' can "
			    "be defined");
	assert_string_equal(p->macros[4].message,
			    "line 11: no macro expression");
	assert_int_equal(p->macros[6].status, CWS_POLICY_AGENT_VERSION);
	assert_int_equal(p->macros[7].status, CWS_POLICY_LOADED);
	assert_true(p->macros[7].merged);
	assert_int_equal(p->macros[9].status, CWS_POLICY_ERROR);
	assert_string_equal(p->macros[9].message,
			    "multiple definition with the same ID (first in "
			    "'default.policy')");
	assert_int_equal(p->macros[10].status, CWS_POLICY_ERROR);
	assert_int_equal(p->macros_failed, 5);
	assert_status(p, "secret", CWS_POLICY_LOADED);
	assert_status(p, "sudo", CWS_POLICY_LOADED);
	assert_status(p, "uses_broken", CWS_POLICY_ERROR);

	open_event(&ev, "/etc/master.passwd", 10, 1);
	assert_string_equal(eval(p, &ev), "secret");
	open_event(&ev, "/etc/gshadow", 10, 1);
	assert_string_equal(eval(p, &ev), "secret");
	open_event(&ev, "/etc/sudoers.d/x", 10, 1);
	assert_string_equal(eval(p, &ev), "sudo");
	ev.process.cred.uid = 1000;
	assert_string_equal(eval(p, &ev), "");
	cws_policy_free(p);
}

static void test_set_actions(void **state)
{
	struct cws_policy *p;
	const struct cws_policy_rule *r;
	struct cws_event ev;

	(void)state;
	p = load_text(
		"rules:\n"
		"  - id: mark\n"
		"    expression: open.file.path == \"/tmp/mark\"\n"
		"    actions:\n"
		"      - set:\n"
		"          name: marked\n"
		"          value: true\n"
		"          scope: process\n"
		"      - set:\n"
		"          name: seen_paths\n"
		"          field: open.file.path\n"
		"          append: true\n"
		"          ttl: 10s\n"
		"      - filter: process.pid == 7\n"
		"        set:\n"
		"          name: seven\n"
		"          value: 7\n"
		"  - id: after_mark\n"
		"    expression: open.file.path == \"/etc/shadow\" && "
		"${process.marked}\n"
		"  - id: seen\n"
		"    expression: open.file.path == \"/etc/hosts\" && "
		"\"/tmp/mark\" in ${seen_paths}\n"
		"  - id: seven\n"
		"    expression: open.file.path == \"/etc/group\" && "
		"${seven} == 7\n"
		"  - id: bad_actions\n"
		"    expression: open.file.path == \"/x\"\n"
		"    actions:\n"
		"      - set: {name: no_value}\n"
		"      - set: {name: v, value: 1, field: open.file.path}\n"
		"      - set: {name: open.file.path, value: x}\n"
		"      - set: {name: f, field: open.file.nope}\n"
		"      - set: {name: v, value: [1, two]}\n"
		"      - set: {name: marked, value: str, scope: process}\n"
		"      - kill: {signal: SIGNOPE}\n"
		"      - kill: {signal: SIGKILL, scope: container}\n"
		"      - hash: {field: exec.file}\n"
		"      - coredump: {process: true}\n"
		"      - filter: open.file.nope == 1\n"
		"        set: {name: z, value: 1}\n"
		"      - {}\n"
		"      - set: {name: a, value: 1}\n"
		"        kill: {signal: SIGKILL}\n"
		"  - id: killer\n"
		"    expression: exec.file.name == \"xmrig\"\n"
		"    actions:\n"
		"      - kill:\n"
		"          signal: SIGTERM\n");
	assert_int_equal(p->loaded, 6);
	r = rule(p, "bad_actions");
	assert_int_equal(r->status, CWS_POLICY_LOADED);
	assert_int_equal(r->nactions, 13);
	assert_false(r->has_kill);
	assert_message(p, "bad_actions",
		       "action 1 (set) skipped: one of `value`, `field` and "
		       "`expression` is needed");
	assert_message(p, "bad_actions",
		       "action 2 (set) skipped: one of `value`, `field` and "
		       "`expression` is needed");
	assert_message(p, "bad_actions",
		       "action 3 (set) skipped: variable 'open.file.path' "
		       "conflicts with field");
	assert_message(p, "bad_actions",
		       "action 4 (set) skipped: field `open.file.nope` not "
		       "found");
	assert_message(p, "bad_actions",
		       "action 5 (set) skipped: list elements must all be");
	assert_message(p, "bad_actions",
		       "action 6 (set) skipped: variable 'process.marked' "
		       "already declared with another type");
	assert_message(p, "bad_actions",
		       "action 7 (kill) skipped: unknown signal `SIGNOPE`");
	assert_message(p, "bad_actions",
		       "action 8 (kill) skipped: kill scope `container` is not "
		       "supported by cws");
	assert_message(p, "bad_actions",
		       "action 9 (hash) skipped: `field`: `exec.file` is not "
		       "a file of open events");
	assert_message(p, "bad_actions", "action 10 (coredump) skipped");
	assert_message(p, "bad_actions", "action 11 (set) skipped: filter: ");
	assert_message(p, "bad_actions", "action 12 (?) skipped: empty action");
	assert_message(p, "bad_actions", "action 13 (kill) skipped: an action");
	r = rule(p, "killer");
	assert_true(r->has_kill);
	assert_true(p->has_kill);
	assert_int_equal(r->actions[0].signal, 15);
	assert_string_equal(r->actions[0].signal_name, "SIGTERM");

	/* Variables: set by one event, read by later ones. */
	open_event(&ev, "/etc/shadow", 7, 1000000000ull);
	assert_string_equal(eval(p, &ev), "");
	open_event(&ev, "/tmp/mark", 7, 2000000000ull);
	assert_string_equal(eval(p, &ev), "mark");
	open_event(&ev, "/etc/shadow", 7, 3000000000ull);
	assert_string_equal(eval(p, &ev), "after_mark");
	open_event(&ev, "/etc/shadow", 8, 3000000000ull);
	assert_string_equal(eval(p, &ev), "");
	open_event(&ev, "/etc/hosts", 8, 4000000000ull);
	assert_string_equal(eval(p, &ev), "seen");
	open_event(&ev, "/etc/group", 8, 4000000000ull);
	assert_string_equal(eval(p, &ev), "seven");
	/* The ttl of 10 s runs in event time. */
	open_event(&ev, "/etc/hosts", 8, 13000000000ull);
	cws_secl_vars_expire(p->rs, ev.timestamp);
	assert_string_equal(eval(p, &ev), "");
	cws_policy_free(p);

	/* enforcement.enabled: false refuses kill actions at load. */
	{
		struct cws_policy_opts o = { .host = &host,
					     .kill_disabled = true };
		static const char text[] =
			"rules:\n"
			"  - id: killer\n"
			"    expression: exec.file.name == \"xmrig\"\n"
			"    actions: [{kill: {signal: SIGKILL}}]\n";

		p = cws_policy_new(&o);
		assert_int_equal(cws_policy_add_buffer(p, "k.policy", text,
						       strlen(text)),
				 0);
		assert_int_equal(cws_policy_compile(p), 0);
		assert_false(p->has_kill);
		assert_message(p, "killer",
			       "'kill' action is disabled globally");
		cws_policy_free(p);
	}
}

static void test_newer_set_forms(void **state)
{
	struct cws_policy *p;
	const struct cws_policy_rule *r;
	struct cws_event ev;

	(void)state;
	p = load_text("rules:\n"
		      "  - id: tag_it\n"
		      "    expression: open.file.path == \"/tmp/a\"\n"
		      "    actions:\n"
		      "      - set:\n"
		      "          name: who\n"
		      "          expression: '\"${process.pid}:x\"'\n"
		      "          default_value: ''\n"
		      "          scope: process\n"
		      "          inherited: true\n"
		      "      - set:\n"
		      "          name: count\n"
		      "          expression: ${count} + 1\n"
		      "          default_value: 0\n"
		      "      - set:\n"
		      "          name: big\n"
		      "          field: open.file.path\n"
		      "          append: true\n"
		      "          size: 10000\n"
		      "      - set:\n"
		      "          name: label\n"
		      "          expression: '\"set\"'\n"
		      "          default_value: none\n"
		      "          scope: process\n"
		      "  - id: read_default\n"
		      "    expression: open.file.path == \"/tmp/c\" && "
		      "${process.label} == \"none\"\n"
		      "  - id: read_it\n"
		      "    expression: open.file.path == \"/tmp/b\" && "
		      "${process.who} == \"5:x\" && ${count} == 1\n");
	r = rule(p, "tag_it");
	assert_null(r->message);
	assert_int_equal(r->actions[2].size, CWS_SECL_VAR_MAX_VALUES);
	assert_status(p, "read_it", CWS_POLICY_LOADED);
	open_event(&ev, "/tmp/a", 5, 1);
	assert_string_equal(eval(p, &ev), "tag_it");
	open_event(&ev, "/tmp/b", 5, 2);
	assert_string_equal(eval(p, &ev), "read_it");
	open_event(&ev, "/tmp/c", 5, 3);
	assert_string_equal(eval(p, &ev), "");
	open_event(&ev, "/tmp/c", 6, 4);
	assert_string_equal(eval(p, &ev), "read_default");
	cws_policy_free(p);
}

static void test_expressions_from_cli(void **state)
{
	struct cws_policy *p = cws_policy_new(&opts);
	struct cws_event ev;

	(void)state;
	assert_int_equal(cws_policy_add_expr(p, "open.file.path == \"/a\""), 0);
	assert_int_equal(cws_policy_add_expr(p, "open.file.path =="), 0);
	assert_int_equal(cws_policy_add_expr(p, "open.file.name == \"a\""), 0);
	assert_int_equal(cws_policy_compile(p), 0);
	assert_int_equal(p->nfiles, 1);
	assert_string_equal(p->files[0].name, "cli");
	assert_string_equal(p->files[0].source, "cli");
	assert_null(p->files[0].path);
	assert_status(p, "cli_1", CWS_POLICY_LOADED);
	assert_status(p, "cli_2", CWS_POLICY_SYNTAX);
	assert_int_equal(p->loaded, 2);
	open_event(&ev, "/a", 1, 1);
	assert_string_equal(eval(p, &ev), "cli_1 cli_3");
	cws_policy_free(p);
}

static void test_bad_files(void **state)
{
	struct cws_policy *p;
	char deep[200], path[PATH_MAX];
	size_t i;

	(void)state;
	put_file("a.policy", "rules: [\n  - id: x\n");
	for (i = 0; i < 40; i++)
		deep[i] = '[';
	deep[40] = '\0';
	put_file("b.policy", deep);
	put_file("c.policy", "- just\n- a list\n");
	put_file("d.policy", "rules: {id: x}\n");
	put_file("e.policy", "");
	put_file("f.policy", "rules:\n"
			     "  - id: good\n"
			     "    expression: exec.file.name == \"x\"\n");
	/*
	 * A billion laughs: aliases make the walk explode, not the file,
	 * and the node budget stops it (10000 rules of 200 tags each).
	 */
	{
		size_t cap = 64 * 1024, n;
		char *g = malloc(cap);

		assert_non_null(g);
		n = (size_t)snprintf(g, cap, "x: &t [");
		for (i = 0; i < 200; i++)
			n += (size_t)snprintf(g + n, cap - n, "a, ");
		n += (size_t)snprintf(g + n, cap - n,
				      "a]\nr: &r {id: lol, expression: "
				      "'exec.file.name == \"x\"', "
				      "product_tags: *t}\nrules: [");
		for (i = 0; i < 10000; i++)
			n += (size_t)snprintf(g + n, cap - n, "*r, ");
		snprintf(g + n, cap - n, "*r]\n");
		put_file("g.policy", g);
		free(g);
	}
	snprintf(path, sizeof(path), "%s/h.policy", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/i.policy", dir);
	assert_int_equal(truncate(path, 0) == 0 || errno == ENOENT, 1);
	{
		int fd = open(path, O_WRONLY | O_CREAT, 0644);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, CWS_POLICY_MAX_FILE + 1), 0);
		close(fd);
	}
	p = load_dir();
	assert_int_equal(p->nfiles, 9);
	assert_non_null(strstr(p->files[0].error, "invalid YAML: "));
	assert_non_null(strstr(p->files[0].error, "line 2"));
	assert_string_equal(p->files[1].error,
			    "line 1: nested deeper than 32 levels");
	assert_non_null(strstr(p->files[2].error, "expected a map"));
	assert_string_equal(p->files[3].error,
			    "line 1: `rules`: expected a list");
	assert_null(p->files[4].error);
	assert_null(p->files[5].error);
	assert_string_equal(p->files[6].error,
			    "more than 1048576 YAML nodes (aliases?)");
	assert_string_equal(p->files[7].error, "not a regular file");
	assert_string_equal(p->files[8].error, "larger than 4194304 bytes");
	assert_int_equal(p->loaded, 1);
	assert_int_equal(p->failed, 0);
	cws_policy_free(p);
}

/*
 * Datadog's default policies. The counts were computed once with this
 * loader and each failure checked by hand: only event types cws does
 * not capture (imds) fail; everything gated to a
 * newer agent or to Windows is filtered. Kernel-gated rules (dirty_pipe)
 * depend on the host, hence the fixed host above (Linux 6.8).
 */
/*
 * $CWS_SRC/../shared/fixtures, else the same next to any directory above
 * the test binary (build/, build/asan/, ...), else next to the working
 * directory.
 */
static const char *fixture_dir(void)
{
	static const char sub[] = "/../shared/fixtures/datadog-policies";
	static char path[PATH_MAX + 64];
	char probe[PATH_MAX + 128], exe[PATH_MAX];
	const char *src = getenv("CWS_SRC");
	ssize_t n;
	char *slash;

	if (src) {
		snprintf(path, sizeof(path), "%s%s", src, sub);
		snprintf(probe, sizeof(probe), "%s/default-1.32.0.policy",
			 path);
		if (!access(probe, R_OK))
			return path;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	while ((slash = strrchr(exe, '/')) && slash != exe) {
		*slash = '\0';
		snprintf(path, sizeof(path), "%s%s", exe, sub);
		snprintf(probe, sizeof(probe), "%s/default-1.32.0.policy",
			 path);
		if (!access(probe, R_OK))
			return path;
	}
	snprintf(path, sizeof(path), ".%s", sub);
	snprintf(probe, sizeof(probe), "%s/default-1.32.0.policy", path);
	return access(probe, R_OK) ? NULL : path;
}

static void check_fixture(const char *fdir, const char *name, size_t loaded,
			  size_t filtered, size_t failed, size_t by_version,
			  size_t by_filter, const char *const *failures)
{
	struct cws_policy *p = cws_policy_new(&opts);
	char path[PATH_MAX];
	size_t i, j, nv = 0, nf = 0, k = 0;

	snprintf(path, sizeof(path), "%s/%s", fdir, name);
	assert_int_equal(cws_policy_add_file(p, path), 0);
	assert_int_equal(cws_policy_compile(p), 0);
	assert_null(p->files[0].error);
	for (i = 0; i < p->nrules; i++) {
		const struct cws_policy_rule *r = &p->rules[i];

		nv += r->status == CWS_POLICY_AGENT_VERSION;
		nf += r->status == CWS_POLICY_AGENT_FILTER;
		if (cws_policy_status_class(r->status) !=
		    CWS_POLICY_CLASS_FAILED)
			continue;
		print_message("# %s: %s: %s: %s\n", name, r->id,
			      cws_policy_status_name(r->status), r->message);
		/* The only legitimate failure: a type cws does not capture. */
		if (r->status != CWS_POLICY_EVENT_TYPE)
			fail_msg("%s: rule %s fails for a bad reason: %s", name,
				 r->id, r->message);
		for (j = 0; failures[j]; j++)
			if (!strcmp(failures[j], r->id))
				break;
		if (!failures[j])
			fail_msg("%s: rule %s fails unexpectedly", name, r->id);
		k++;
	}
	for (i = 0; i < p->nmacros; i++)
		if (cws_policy_status_class(p->macros[i].status) ==
		    CWS_POLICY_CLASS_FAILED)
			fail_msg("%s: macro %s: %s", name, p->macros[i].id,
				 p->macros[i].message);
	print_message("# %s: %zu loaded, %zu filtered (%zu agent_version, %zu "
		      "filters), %zu failed\n",
		      name, p->loaded, p->filtered, nv, nf, p->failed);
	assert_int_equal(p->loaded, loaded);
	assert_int_equal(p->filtered, filtered);
	assert_int_equal(p->failed, failed);
	assert_int_equal(k, failed);
	assert_int_equal(nv, by_version);
	assert_int_equal(nf, by_filter);
	cws_policy_free(p);
}

static void test_datadog_fixtures(void **state)
{
	static const char *const fail_132[] = { NULL };
	static const char *const fail_169[] = { NULL };
	const char *fdir = fixture_dir();

	(void)state;
	if (!fdir) {
		print_message("# skipped: ../shared/fixtures/datadog-policies "
			      "not found (set CWS_SRC)\n");
		skip();
	}
	/* 1.32.0: 210 rules, 173 Linux and 37 Windows. */
	check_fixture(fdir, "default-1.32.0.policy", 173, 37, 0, 0, 37,
		      fail_132);
	/*
	 * 1.69.3: 319 rules, 282 for Linux. At 7.73, 25 are for older
	 * agents (the 24 `< 7.71` twins of the _v2 rules and `>=7.65
	 * <7.70`), 39 for other hosts (37 Windows, 2 dirty_pipe for 5.x
	 * kernels): 255 eligible, and all load.
	 */
	check_fixture(fdir, "default-1.69.3.policy", 255, 64, 0, 25, 39,
		      fail_169);
}

/* fim.write.file.*: one SECL rule per file event that writes. */
static void test_fim(void **state)
{
	const uint64_t fim_types =
		1ull << CWS_EVT_OPEN | 1ull << CWS_EVT_CHMOD |
		1ull << CWS_EVT_CHOWN | 1ull << CWS_EVT_LINK |
		1ull << CWS_EVT_RENAME | 1ull << CWS_EVT_UNLINK |
		1ull << CWS_EVT_UTIMES;
	const struct cws_policy_rule *r;
	struct cws_policy *p;
	struct cws_event ev;

	(void)state;
	p = load_text("macros:\n"
		      "  - id: fim_macro\n"
		      "    expression: fim.write.file.name == \"x\"\n"
		      "rules:\n"
		      "  - id: watch\n"
		      "    group_id: grp\n"
		      "    expression: fim.write.file.path == \"/etc/x\"\n"
		      "  - id: no_group\n"
		      "    expression: fim.write.file.name == \"y\"\n"
		      "  - id: half\n"
		      "    expression: fim.write.file.destination.mode == 0\n"
		      "  - id: by_macro\n"
		      "    expression: fim_macro\n");
	assert_status(p, "watch", CWS_POLICY_LOADED);
	r = rule(p, "watch");
	assert_string_equal(cws_secl_rule_id(r->secl),
			    "__fim_expanded_open_grp_watch");
	assert_ptr_equal(cws_policy_rule_of(r->secl), r);
	assert_string_equal(cws_secl_rule_id(rule(p, "no_group")->secl),
			    "__fim_expanded_open__no_group");
	assert_int_equal(cws_secl_ruleset_event_types(p->rs) & fim_types,
			 fim_types);
	/* The copies load together or not at all. */
	assert_status(p, "half", CWS_POLICY_ERROR);
	assert_message(p, "half", "in the `chown` rule expanded from");
	assert_true(p->macros[0].status == CWS_POLICY_ERROR);
	assert_string_equal(p->macros[0].message,
			    "`fim.write.file.*` fields are not allowed in "
			    "macros");
	assert_int_not_equal(rule(p, "by_macro")->status, CWS_POLICY_LOADED);

	/* open: only for writing. */
	open_event(&ev, "/etc/x", 10, 1);
	assert_string_equal(eval(p, &ev), "");
	ev.obj.flags = 01; /* O_WRONLY */
	assert_string_equal(eval(p, &ev), "__fim_expanded_open_grp_watch");
	ev.obj.flags = 0100; /* O_CREAT: creation mode 0, yet `half` is out */
	assert_string_equal(eval(p, &ev), "__fim_expanded_open_grp_watch");
	/* rename: the old name and the new one are two rules. */
	open_event(&ev, "/tmp/x", 10, 2);
	ev.evt.type = CWS_EVT_RENAME;
	ev.evt.name = "rename";
	ev.obj.dest.path = "/etc/x";
	ev.obj.dest.name = "x";
	assert_string_equal(eval(p, &ev),
			    "__fim_expanded_rename_destination_grp_watch");
	ev.obj.file.path = "/etc/x";
	assert_string_equal(eval(p, &ev),
			    "__fim_expanded_rename_grp_watch "
			    "__fim_expanded_rename_destination_grp_watch");
	/* chown: the owner must really change; -1 is "unchanged". */
	open_event(&ev, "/etc/x", 10, 3);
	ev.evt.type = CWS_EVT_CHOWN;
	ev.evt.name = "chown";
	ev.obj.file.uid = 0;
	ev.obj.file.gid = 0;
	ev.obj.dest.uid = UINT32_MAX;
	ev.obj.dest.gid = UINT32_MAX;
	assert_string_equal(eval(p, &ev), "");
	ev.obj.dest.uid = 0;
	assert_string_equal(eval(p, &ev), "");
	ev.obj.dest.gid = 1000;
	assert_string_equal(eval(p, &ev), "__fim_expanded_chown_grp_watch");
	/* chmod compares with the whole old mode, type bits included. */
	open_event(&ev, "/etc/x", 10, 4);
	ev.evt.type = CWS_EVT_CHMOD;
	ev.evt.name = "chmod";
	ev.obj.file.mode = 0100644;
	ev.obj.dest.mode = 0644;
	assert_string_equal(eval(p, &ev), "__fim_expanded_chmod_grp_watch");
	ev.obj.file.mode = 0644;
	assert_string_equal(eval(p, &ev), "");
	/* Other file events are not writes. */
	ev.evt.type = CWS_EVT_MKDIR;
	ev.evt.name = "mkdir";
	assert_string_equal(eval(p, &ev), "");
	cws_policy_free(p);
}

/*
 * scope: cgroup is keyed by the cgroup path of the event's process, so
 * host processes share one per cgroup; a process without a cgroup sets
 * nothing and reads the variable as unset, as Datadog does.
 */
static void test_cgroup_scope(void **state)
{
	struct cws_policy *p;
	struct cws_event ev;

	(void)state;
	p = load_text("rules:\n"
		      "  - id: mark\n"
		      "    expression: open.file.path == \"/mark\"\n"
		      "    actions:\n"
		      "      - set:\n"
		      "          name: marked\n"
		      "          value: true\n"
		      "          scope: cgroup\n"
		      "      - set:\n"
		      "          name: seen\n"
		      "          field: open.file.path\n"
		      "          append: true\n"
		      "          scope: cgroup\n"
		      "  - id: in_marked\n"
		      "    expression: open.file.path == \"/x\" && "
		      "${cgroup.marked}\n"
		      "  - id: not_seen\n"
		      "    expression: open.file.path == \"/y\" && "
		      "\"/mark\" not in ${cgroup.seen}\n");
	assert_status(p, "mark", CWS_POLICY_LOADED);
	assert_status(p, "in_marked", CWS_POLICY_LOADED);
	/* A process in a service's cgroup. */
	open_event(&ev, "/mark", 10, 1);
	ev.process.cgroup_id = "/system.slice/a.service";
	ev.container.id = "c1";
	assert_string_equal(eval(p, &ev), "mark");
	/* Another process of the cgroup sees the values, on the host too. */
	open_event(&ev, "/x", 11, 2);
	ev.process.cgroup_id = "/system.slice/a.service";
	assert_string_equal(eval(p, &ev), "in_marked");
	ev.obj.file.path = "/y";
	assert_string_equal(eval(p, &ev), "");
	/* Another cgroup, even in the same container, does not. */
	open_event(&ev, "/x", 10, 3);
	ev.process.cgroup_id = "/system.slice/b.service";
	ev.container.id = "c1";
	assert_string_equal(eval(p, &ev), "");
	ev.obj.file.path = "/y";
	assert_string_equal(eval(p, &ev), "not_seen");
	/* No cgroup: the set fails, the read is unset, container or not. */
	open_event(&ev, "/mark", 12, 4);
	ev.container.id = "c1";
	assert_string_equal(eval(p, &ev), "mark");
	assert_int_equal(cws_policy_run_sets(p, rule(p, "mark"), &ev), -ENOENT);
	ev.obj.file.path = "/x";
	assert_string_equal(eval(p, &ev), "");
	ev.obj.file.path = "/y";
	assert_string_equal(eval(p, &ev), "not_seen");
	ev.process.cgroup_id = "";
	assert_string_equal(eval(p, &ev), "not_seen");
	cws_policy_free(p);
}

/*
 * scope_field with an integer field stores the value on the process
 * with that pid (Datadog looks it up by pid); the filter and the value
 * come from the event.
 */
static void test_scope_field_pid(void **state)
{
	struct cws_policy *p;
	struct cws_event ev;

	(void)state;
	p = load_text("rules:\n"
		      "  - id: signalled\n"
		      "    expression: signal.type == SIGUSR1\n"
		      "    actions:\n"
		      "      - set:\n"
		      "          name: sender\n"
		      "          field: process.comm\n"
		      "          scope: process\n"
		      "          scope_field: signal.pid\n"
		      "  - id: target_opens\n"
		      "    expression: open.file.path == \"/x\" && "
		      "${process.sender} == \"kill\"\n");
	assert_status(p, "signalled", CWS_POLICY_LOADED);
	assert_null(rule(p, "signalled")->message);
	open_event(&ev, "/", 100, 1);
	ev.evt.type = CWS_EVT_SIGNAL;
	ev.evt.name = "signal";
	ev.process.comm = "kill";
	ev.obj.request = 10; /* SIGUSR1 */
	ev.obj.pid = 200;
	assert_string_equal(eval(p, &ev), "signalled");
	/* The target has the value; the sender does not. */
	open_event(&ev, "/x", 200, 2);
	assert_string_equal(eval(p, &ev), "target_opens");
	open_event(&ev, "/x", 100, 3);
	assert_string_equal(eval(p, &ev), "");
	/* No process (pid 0): nothing is set. */
	open_event(&ev, "/", 100, 4);
	ev.evt.type = CWS_EVT_SIGNAL;
	ev.evt.name = "signal";
	ev.obj.request = 10;
	ev.obj.pid = 0;
	assert_int_equal(cws_policy_run_sets(p, rule(p, "signalled"), &ev),
			 -ENOENT);
	open_event(&ev, "/x", 0, 5);
	assert_string_equal(eval(p, &ev), "");
	cws_policy_free(p);
}

/* The hash action: Datadog's validation, and what it carries. */
static void test_hash_actions(void **state)
{
	struct cws_policy *p;
	const struct cws_policy_rule *r;

	(void)state;
	p = load_text("rules:\n"
		      "  - id: on_open\n"
		      "    expression: open.file.path == \"/x\"\n"
		      "    actions:\n"
		      "      - hash: {}\n"
		      "      - hash:\n"
		      "          max_file_size: 1024\n"
		      "  - id: on_exec\n"
		      "    expression: exec.file.name == \"x\"\n"
		      "    actions:\n"
		      "      - hash:\n"
		      "  - id: on_chmod\n"
		      "    expression: chmod.file.path == \"/x\"\n"
		      "    actions:\n"
		      "      - hash: {}\n"
		      "      - hash: {field: process.file}\n"
		      "      - hash: {field: chmod.file}\n"
		      "      - hash: {field: open.file}\n"
		      "      - hash: {field: process.nope}\n"
		      "      - hash: {max_file_size: 0}\n"
		      "      - hash: {max_file_size: big}\n"
		      "      - hash: [x]\n");
	r = rule(p, "on_open");
	assert_true(r->has_hash);
	assert_null(r->message);
	assert_int_equal(r->actions[0].type, CWS_POLICY_ACT_HASH);
	assert_null(r->actions[0].field);
	assert_int_equal(r->actions[0].max_file_size, 0);
	assert_int_equal(r->actions[1].max_file_size, 1024);
	assert_true(rule(p, "on_exec")->has_hash);
	assert_true(p->has_hash);
	r = rule(p, "on_chmod");
	assert_int_equal(r->status, CWS_POLICY_LOADED);
	assert_true(r->has_hash); /* process.file and chmod.file */
	assert_string_equal(r->actions[1].field, "process.file");
	assert_true(r->actions[1].usable && r->actions[2].usable);
	assert_message(p, "on_chmod",
		       "action 1 (hash) skipped: a hash action without "
		       "`field` is only for open and exec rules, not chmod");
	assert_message(p, "on_chmod",
		       "action 4 (hash) skipped: `field`: `open.file` is not a "
		       "file of chmod events");
	assert_message(p, "on_chmod",
		       "action 5 (hash) skipped: `field`: `process.nope`");
	assert_message(p, "on_chmod",
		       "action 6 (hash) skipped: `max_file_size`: expected a "
		       "positive int");
	assert_message(p, "on_chmod",
		       "action 7 (hash) skipped: `max_file_size`");
	assert_message(p, "on_chmod",
		       "action 8 (hash) skipped: expected a map");
	cws_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, setup,
						teardown),
		cmocka_unit_test(test_rule_keys),
		cmocka_unit_test(test_bad_rules_skipped),
		cmocka_unit_test(test_agent_version),
		cmocka_unit_test(test_filters),
		cmocka_unit_test_setup_teardown(test_disabled_and_override,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_macros, setup, teardown),
		cmocka_unit_test(test_set_actions),
		cmocka_unit_test(test_newer_set_forms),
		cmocka_unit_test(test_expressions_from_cli),
		cmocka_unit_test_setup_teardown(test_bad_files, setup,
						teardown),
		cmocka_unit_test(test_datadog_fixtures),
		cmocka_unit_test(test_fim),
		cmocka_unit_test(test_cgroup_scope),
		cmocka_unit_test(test_scope_field_pid),
		cmocka_unit_test(test_hash_actions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
