/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for cws-filter's work on a stream: any bytes are read
 * as the records the probe hands cws-filter, and each event goes through
 * a policy whose rules read fields of every kind (strings, patterns,
 * regexes, arrays and their iterators, ancestors, args flags, addresses,
 * packet.filter), then its discarders are derived, then each match is
 * written as cws-filter writes it and must read back. The policy is
 * compiled once and keeps no state between inputs: it has no `set`
 * action (policy_fuzz runs those).
 */
#include "compat.h"
#include "policy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
	"version: 1.0.0\n"
	"macros:\n"
	"  - id: shells\n"
	"    values: [/bin/sh, /bin/bash, /usr/bin/zsh]\n"
	"rules:\n"
	"  - id: exec_shell\n"
	"    expression: exec.file.path in shells && process.parent.comm != "
	"\"sshd\" && exec.args_flags in [\"c\", \"l\"]\n"
	"  - id: exec_args\n"
	"    expression: exec.args =~ r\"-{1,2}[a-z]+=[0-9]+\" || "
	"exec.argv in [~\"*.sh\", \"-e\"] || exec.envs in [\"LD_PRELOAD\"] "
	"|| process.envp =~ \"PATH=*\"\n"
	"  - id: ancestors\n"
	"    expression: exec.file.name != \"\" && "
	"process.ancestors.file.name in shells && "
	"process.ancestors[A].uid == 0 && process.ancestors[A].comm != "
	"\"init\" && process.ancestors.length > 1\n"
	"  - id: chmod_x\n"
	"    expression: chmod.file.mode & S_IXUSR > 0 && chmod.file.path =~ "
	"\"/tmp/**\" && chmod.file.user != \"root\"\n"
	"  - id: rename\n"
	"    expression: rename.file.path == \"/etc/passwd\" || "
	"rename.file.destination.name =~ \"*.so*\"\n"
	"  - id: unlink\n"
	"    expression: unlink.file.inode > 0 && unlink.file.filesystem in "
	"[\"ext4\", \"overlay\"] && unlink.file.in_upper_layer\n"
	"  - id: dns\n"
	"    expression: dns.question.name in [~\"*.onion\", "
	"r\"^[a-z0-9]{32,}\\\\.\"] && dns.question.type == 16 && "
	"dns.question.name.length > 40\n"
	"  - id: connect\n"
	"    expression: connect.addr.ip in [10.0.0.0/8, 169.254.169.254, "
	"::1] && connect.addr.port in [22, 4444] && "
	"connect.addr.is_public == false\n"
	"  - id: imds\n"
	"    expression: imds.cloud_provider == \"aws\" && "
	"imds.aws.security_credentials.type != \"\" && "
	"imds.url =~ \"*security-credentials*\"\n"
	"  - id: packet\n"
	"    expression: packet.filter == \"udp dst port 53 or tcp[13] & 2 != "
	"0\" && network.destination.port != 0\n"
	"  - id: bpf\n"
	"    expression: bpf.cmd == BPF_PROG_LOAD && bpf.prog.type in "
	"[BPF_PROG_TYPE_KPROBE] && bpf.prog.name != \"\" && "
	"bpf.map.name =~ r\"^[a-z_]+$\"\n"
	"  - id: ptrace\n"
	"    expression: ptrace.request == PTRACE_POKETEXT && "
	"ptrace.tracee.file.name != process.file.name\n"
	"  - id: mount\n"
	"    expression: mount.mountpoint.path in [\"/\", ~\"/proc/*\"] || "
	"mount.fs_type == \"overlay\" || mount.source.path =~ \"/dev/*\"\n"
	"  - id: setsockopt\n"
	"    expression: setsockopt.filter_hash != \"\" && "
	"setsockopt.is_filter_truncated == false\n"
	"  - id: selinux\n"
	"    expression: selinux.enforce.status == \"permissive\" || "
	"selinux.bool.state == \"off\"\n"
	"  - id: signal\n"
	"    expression: signal.type == SIGKILL && signal.target.comm == "
	"\"cws-probe\"\n"
	"  - id: any_event\n"
	"    expression: exit.cause == EXITED && exit.code != 0 && "
	"process.user not in [\"root\", \"nobody\"]\n";

struct run {
	struct cws_policy *p;
	struct cws_writer w;
	uint64_t matches; /* written */
};

static const struct cws_policy_host host = { .os = "linux",
					     .os_id = "debian",
					     .kernel_major = 6,
					     .kernel_minor = 8 };

static struct cws_policy *compile(const char *text, size_t len)
{
	struct cws_policy_opts o = { .host = &host };
	struct cws_policy *p = cws_policy_new(&o);
	size_t i;

	if (!p || cws_policy_add_buffer(p, "fuzz.policy", text, len) ||
	    cws_policy_compile(p))
		abort();
	if (p->failed) {
		for (i = 0; i < p->nrules; i++)
			if (p->rules[i].status != CWS_POLICY_LOADED)
				fprintf(stderr, "%s: %s\n", p->rules[i].id,
					p->rules[i].message);
		abort();
	}
	return p;
}

static int on_match(const struct cws_secl_rule *r, const struct cws_event *ev,
		    void *arg)
{
	const struct cws_policy_rule *pr = cws_policy_rule_of(r);
	struct cws_event_rule er = { .id = pr->id,
				     .policy_name = pr->file->name };
	struct run *run = arg;

	if (!cws_writer_put_match(&run->w, ev, &er))
		run->matches++;
	return 0;
}

/* Every match written must read back, as a match. */
static void read_back(struct cws_reader *r, const struct run *run)
{
	const struct cws_writer *w = &run->w;
	static struct cws_event ev;
	struct cws_event_err err;
	uint64_t n = 0;
	int rc;

	if ((!r->buf && cws_reader_init_mem(r, "", 0)) ||
	    cws_reader_reset_mem(r, w->sbuf.data, w->sbuf.size))
		return;
	while ((rc = cws_reader_next(r, &ev, &err)) == 1)
		if (ev.type == CWS_REC_EVENT && ev.rule)
			n++;
	if (rc || n != run->matches)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cws_reader r, back;
	static struct cws_policy *fixed;
	static struct cws_event ev;
	struct cws_event_err err;
	struct run run;
	int n, guard = 0;

	if (!fixed)
		fixed = compile(policy, sizeof(policy) - 1);
	if ((!r.buf && cws_reader_init_mem(&r, "", 0)) ||
	    cws_reader_reset_mem(&r, data, size))
		return 0;
	memset(&run, 0, sizeof(run));
	run.p = fixed;
	cws_writer_init(&run.w, -1);
	run.w.flush_at = SIZE_MAX;
	while ((n = cws_reader_next(&r, &ev, &err)) != 0) {
		if (++guard > 100000)
			abort();
		if (n < 0 || ev.type != CWS_REC_EVENT)
			continue;
		cws_secl_ruleset_eval(fixed->rs, &ev, on_match, &run);
		cws_secl_ruleset_discards(fixed->rs, &ev, CWS_SECL_DISCARD_FILE,
					  NULL);
		cws_secl_ruleset_discards(fixed->rs, &ev, CWS_SECL_DISCARD_DIR,
					  "/etc");
	}
	read_back(&back, &run);
	cws_writer_release(&run.w);
	/*
	 * What the input left in the readers (process tables) is freed:
	 * libFuzzer runs an input again, looking for a leak, whenever it
	 * ends with more allocations than frees.
	 */
	cws_reader_reset_mem(&r, "", 0);
	if (back.buf)
		cws_reader_reset_mem(&back, "", 0);
	return 0;
}
