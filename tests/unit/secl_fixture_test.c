/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/secl against Datadog's default policies: the
 * expressions of 1.32.0 and 1.69.3 that exercise the hard corners of the
 * grammar, and every rule of both files (shared/fixtures), read with
 * lib/ydoc, its `set` variables declared first as Datadog does: each rule
 * of an event type cws captures, meant for agent 7.73, compiles.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "secl.h"
#include "ydoc.h"

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
/* The text of key in map m, or NULL. */
static const char *ystr(struct cws_ydoc *d, yaml_node_t *m, const char *key)
{
	return cws_ydoc_scalar(cws_ydoc_get(d, m, key));
}

static bool windows_only(struct cws_ydoc *d, yaml_node_t *item)
{
	yaml_node_t *f = cws_ydoc_get(d, item, "filters");
	yaml_node_item_t *it;

	if (!f || f->type != YAML_SEQUENCE_NODE)
		return false;
	for (it = f->data.sequence.items.start; it < f->data.sequence.items.top;
	     it++) {
		const char *s = cws_ydoc_scalar(cws_ydoc_node(d, *it));

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
static void declare_vars(struct cws_secl_ruleset *rs, struct cws_ydoc *d,
			 yaml_node_t *rules)
{
	yaml_node_item_t *it;

	for (it = rules->data.sequence.items.start;
	     it < rules->data.sequence.items.top; it++) {
		yaml_node_t *r = cws_ydoc_node(d, *it);
		yaml_node_t *acts = cws_ydoc_get(d, r, "actions");
		yaml_node_item_t *a;

		if (!acts || acts->type != YAML_SEQUENCE_NODE ||
		    windows_only(d, r))
			continue;
		for (a = acts->data.sequence.items.start;
		     a < acts->data.sequence.items.top; a++) {
			yaml_node_t *set =
				cws_ydoc_get(d, cws_ydoc_node(d, *a), "set");
			const char *name = ystr(d, set, "name");
			const char *scope = ystr(d, set, "scope");
			const char *app = ystr(d, set, "append");
			const char *field = ystr(d, set, "field");
			yaml_node_t *value = cws_ydoc_get(d, set, "value");
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
				k = yaml_kind(cws_ydoc_scalar(value));
			else
				k = yaml_kind(cws_ydoc_scalar(
					cws_ydoc_get(d, set, "default_value")));
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
	struct cws_ydoc d = { 0 };
	struct cws_ydoc_err yerr;
	char *text;
	long len;
	yaml_node_t *root, *macros, *rules;
	yaml_node_item_t *it;
	unsigned newer = 0, unsupported = 0, hard = 0;
	FILE *f = fopen(file, "r");

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	text = malloc((size_t)len);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	if (cws_ydoc_load(&d, text, (size_t)len, 64, 10000000, &yerr))
		fail_msg("%s:%d: %s", file, yerr.line, yerr.problem);
	free(text);
	root = cws_ydoc_root(&d);
	macros = cws_ydoc_get(&d, root, "macros");
	rules = cws_ydoc_get(&d, root, "rules");
	assert_non_null(rules);
	for (it = macros ? macros->data.sequence.items.start : NULL;
	     macros && it < macros->data.sequence.items.top; it++) {
		yaml_node_t *m = cws_ydoc_node(&d, *it);
		const char *id = ystr(&d, m, "id");
		const char *expr = ystr(&d, m, "expression");
		struct cws_secl_err err;

		if (windows_only(&d, m) || !id || !expr)
			continue;
		if (cws_secl_macro_add(rs, id, expr, &err))
			fail_msg("%s: macro %s: %s", file, id, err.msg);
	}
	declare_vars(rs, &d, rules);
	for (it = rules->data.sequence.items.start;
	     it < rules->data.sequence.items.top; it++) {
		yaml_node_t *r = cws_ydoc_node(&d, *it);
		const char *id = ystr(&d, r, "id");
		const char *expr = ystr(&d, r, "expression");
		const char *ver = ystr(&d, r, "agent_version");
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
	cws_ydoc_release(&d);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_hard_rules),
		cmocka_unit_test(test_fixture_policies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
