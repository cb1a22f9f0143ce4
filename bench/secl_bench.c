/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How fast lib/secl evaluates rules, on one core, next to a trivial
 * baseline measured in the same run: hand-written C doing the same test
 * with a chain of strcmp (and flag masks), which is what a rule would
 * cost if it were compiled into the binary.
 *
 *   set:      open.file.path in [16 paths]            vs 16 strcmp
 *   rule:     a default-policy open rule (flags, set,
 *             process and ancestors not in lists)     vs strcmp chains
 *   bucket:   every rule of the event's type, as
 *             cws-filter runs them: 12 open rules on
 *             an open event, 10 exec rules on exec    vs strcmp chains
 *
 * Prints evaluations per second for both and the ratio secl / baseline
 * in time per evaluation (1.0 would mean the interpreter is free). No
 * allocation happens in any timed loop.
 */
#include "compat.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secl.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;

static const char *const paths16[] = {
	"/etc/shadow",
	"/etc/gshadow",
	"/etc/passwd",
	"/etc/group",
	"/etc/sudoers",
	"/etc/ld.so.preload",
	"/etc/crontab",
	"/etc/hosts",
	"/etc/resolv.conf",
	"/etc/nsswitch.conf",
	"/etc/pam.conf",
	"/etc/ssh/sshd_config",
	"/root/.ssh/authorized_keys",
	"/etc/audit/auditd.conf",
	"/etc/audit/audit.rules",
	"/proc/sys/vm/drop_caches",
};

static const char *const cred_bins[] = {
	"/sbin/vipw",	       "/usr/sbin/vipw",
	"/sbin/vigr",	       "/usr/sbin/vigr",
	"/usr/bin/containerd", "/usr/local/bin/containerd",
	"/usr/bin/dockerd",    "/usr/local/bin/dockerd",
	"/usr/sbin/groupadd",  "/usr/sbin/useradd",
	"/usr/sbin/usermod",   "/usr/sbin/userdel",
	"/usr/bin/gpasswd",    "/usr/bin/chage",
	"/usr/sbin/chpasswd",  "/usr/bin/passwd",
};

static const char *const pkg_mgrs[] = {
	"/usr/bin/dpkg",	"/usr/bin/rpm", "/usr/bin/unattended-upgrade",
	"/usr/bin/npm",		"/usr/bin/yum", "/sbin/apk",
	"/usr/lib/snapd/snapd",
};

static bool in_list(const char *s, const char *const *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, l[i]))
			return true;
	return false;
}

/* Baselines: the same tests, written by hand. */

static bool base_set(const struct cws_event *ev)
{
	return in_list(ev->obj.file.path, paths16, 16);
}

static bool base_rule(const struct cws_event *ev)
{
	uint32_t k;

	if (!(ev->obj.flags & (0100 | 02 | 01 | 01000)))
		return false;
	if (strcmp(ev->obj.file.path, "/etc/shadow") &&
	    strcmp(ev->obj.file.path, "/etc/gshadow"))
		return false;
	if (in_list(ev->process.file.path, cred_bins, 16))
		return false;
	for (k = 0; k < ev->nancestors; k++)
		if (in_list(ev->ancestors[k].file.path, pkg_mgrs, 7) ||
		    !strncmp(ev->ancestors[k].file.path, "/usr/bin/apt", 12) ||
		    !strncmp(ev->ancestors[k].file.path, "/usr/bin/pip", 12))
			return false;
	return true;
}

/* The open bucket, by hand: one line per rule of open_rules. */
static unsigned base_bucket_open(const struct cws_event *ev)
{
	static const char *const audit[] = { "/etc/audit/rules.d/audit.rules",
					     "/etc/audit/audit.rules" };
	const char *p = ev->obj.file.path, *n = ev->obj.file.name;
	const char *pp = ev->process.file.path;
	uint64_t fl = ev->obj.flags;
	unsigned m = 0;

	m += base_rule(ev);
	m += !strcmp(p, "/etc/audit/auditd.conf") && (fl & 03103) &&
	     strcmp(ev->process.file.name, "auditctl");
	m += in_list(p, audit, 2) && (fl & 03103);
	m += !strcmp(p, "/proc/sys/vm/drop_caches");
	m += !strncmp(p, "/var/run/secrets/eks.amazonaws.com/serviceaccount/",
		      50) &&
	     !strcmp(n, "token");
	m += (!strcmp(p, "/etc/ld.so.preload") ||
	      !strcmp(p, "/etc/ld.so.conf")) &&
	     (fl & 03103);
	m += (fl & 0103) && !strcmp(p, "/etc/nsswitch.conf") &&
	     !in_list(pp, pkg_mgrs, 7);
	m += (fl & 0103) && !strncmp(p, "/var/spool/cron/", 16) &&
	     strcmp(pp, "/usr/bin/at");
	m += (fl & 03103) &&
	     (!strncmp(p, "/etc/pam.d/", 11) || !strcmp(p, "/etc/pam.conf"));
	m += (fl & 03103) && !strncmp(p, "/usr/bin/", 9) &&
	     !in_list(pp, pkg_mgrs, 7);
	m += !strncmp(p, "/proc/", 6) && !strcmp(n, "environ") &&
	     !strncmp(pp, "/tmp/", 5);
	m += (fl & 0100) && !strncmp(p, "/tmp/", 5) &&
	     !strcmp(ev->process.comm, "gcc");
	return m;
}

/*
 * The exfiltration rule by hand: an option of the form name=value that
 * starts with one of the prefixes, and the joined args free of two
 * substrings. The same work as the rule, minus the interpreter.
 */
static bool base_exfil(const struct cws_event *ev)
{
	static const char *const pfx[] = { "post-file=", "post-data=", "T=",
					   "d=@" };
	const struct cws_strv *av = &ev->process.argv;
	char opt[512], args[4096];
	size_t off = 0, i, k;
	bool hit = false;

	for (i = 1; i + 1 < av->n; i++) {
		const char *a = av->v[i];

		if (a[0] != '-' || !a[1] || av->v[i + 1][0] == '-')
			continue;
		a += a[1] == '-' ? 2 : 1;
		snprintf(opt, sizeof(opt), "%s=%s", a, av->v[++i]);
		for (k = 0; k < 4; k++)
			hit |= !strncmp(opt, pfx[k], strlen(pfx[k]));
	}
	if (!hit)
		return false;
	for (i = 1; i < av->n; i++)
		off += (size_t)snprintf(args + off, sizeof(args) - off, "%s%s",
					i > 1 ? " " : "", av->v[i]);
	return !strstr(args, "localhost") && !strstr(args, "127.0.0.1");
}

static unsigned base_bucket_exec(const struct cws_event *ev)
{
	const char *n = ev->process.file.name, *c = ev->process.comm;
	const char *pp = ev->nancestors ? ev->ancestors[0].file.name : "";
	unsigned m = 0;

	m += !strcmp(n, "auditctl");
	m += !strcmp(n, "aws");
	m += !strcmp(n, "base64");
	m += !strcmp(c, "lsmod");
	m += !strcmp(c, "whoami");
	m += !strcmp(n, "nsenter");
	m += (!strcmp(n, "nmap") || !strcmp(n, "masscan"));
	if (!strcmp(c, "wget") || !strcmp(c, "curl"))
		m += base_exfil(ev);
	m += !strcmp(pp, "nginx") && !strcmp(n, "sh");
	m += !strcmp(n, "tcpdump");
	return m;
}

static const char *const open_rules[] = {
	"(open.flags & ((O_CREAT|O_RDWR|O_WRONLY|O_TRUNC)) > 0 && "
	"(open.file.path in [ \"/etc/shadow\", \"/etc/gshadow\" ]) && "
	"process.file.path not in CREDENTIAL_BINARIES && "
	"process.ancestors.file.path not in PACKAGE_MANAGERS)",
	"open.file.path == \"/etc/audit/auditd.conf\" && open.flags & "
	"(OPEN_WRITE_FLAGS) > 0 && process.file.name != \"auditctl\"",
	"open.file.path in [\"/etc/audit/rules.d/audit.rules\", "
	"\"/etc/audit/audit.rules\"] && open.flags & (OPEN_WRITE_FLAGS) > 0",
	"open.file.path == \"/proc/sys/vm/drop_caches\"",
	"open.file.path =~ \"/var/run/secrets/eks.amazonaws.com/serviceaccount/"
	"**\" && open.file.name == \"token\"",
	"open.file.path in [\"/etc/ld.so.preload\", \"/etc/ld.so.conf\", "
	"~\"/etc/ld.so.conf.d/*.conf\"] && open.flags & (OPEN_WRITE_FLAGS) > 0",
	"open.flags & ((O_RDWR|O_WRONLY|O_CREAT)) > 0 && (open.file.path in [ "
	"\"/etc/nsswitch.conf\" ]) && process.file.path not in "
	"PACKAGE_MANAGERS",
	"open.flags & (OPEN_CREATE_FLAGS) > 0 && (open.file.path in [ "
	"~\"/var/spool/cron/**\", ~\"/etc/cron.*/**\", ~\"/etc/crontab\", "
	"~\"/etc/crontabs/**\"]) && process.file.path not in [ "
	"\"/usr/bin/at\", \"/usr/bin/crontab\" ]",
	"open.flags & (OPEN_WRITE_FLAGS) > 0 && (open.file.path in [ "
	"~\"/etc/pam.d/**\", \"/etc/pam.conf\", ~\"/lib/security/*\", "
	"~\"/usr/lib/security/*\" ])",
	"open.flags & (OPEN_WRITE_FLAGS) > 0 && open.file.path in [ "
	"~\"/bin/*\", ~\"/sbin/*\", ~\"/usr/bin/*\", ~\"/usr/sbin/*\", "
	"~\"/usr/local/bin/*\", ~\"/boot/**\" ] && process.file.path not in "
	"PACKAGE_MANAGERS && process.ancestors.file.path not in "
	"PACKAGE_MANAGERS",
	"open.file.path in [~\"/proc/*/environ\"] && open.file.path != "
	"\"/proc/self/environ\" && process.file.path in [~\"/dev/shm/**\", "
	"~\"/tmp/**\"]",
	"open.flags & O_CREAT > 0 && ((open.file.path =~ \"/tmp/**\" && "
	"open.file.name in [~\"*.ko\", ~\".*\"]) || open.file.path in "
	"[~\"/var/tmp/**\", ~\"/root/**\", ~\"*/bin/*\"]) && (process.comm in "
	"COMPILER_PROCESSES || process.ancestors.comm in COMPILER_PROCESSES)",
};

static const char *const exec_rules[] = {
	"exec.file.name == \"auditctl\" && exec.args_flags not in [\"s\", "
	"\"l\"]",
	"exec.file.name == \"aws\"",
	"exec.file.name == \"base64\" && exec.args_flags in [\"d\"]",
	"exec.comm == \"lsmod\"",
	"exec.comm == \"whoami\"",
	"exec.file.name == \"nsenter\" && exec.args_options in [\"target=1\", "
	"\"t=1\"] && process.container.id != \"\"",
	"exec.file.name in [\"nmap\", \"masscan\", \"fping\", \"zgrab\"] && "
	"exec.args_flags not in [\"V\", \"version\"]",
	"exec.comm in [\"wget\", \"curl\", \"lwp-download\"] && "
	"exec.args_options in [ ~\"post-file=*\", ~\"post-data=*\", ~\"T=*\", "
	"~\"d=@*\"] && exec.args not in [~\"*localhost*\", ~\"*127.0.0.1*\"]",
	"exec.file.path in [\"/bin/sh\", \"/bin/bash\", \"/usr/bin/dash\"] && "
	"(process.parent.file.name in [\"apache2\", \"nginx\", ~\"tomcat*\", "
	"\"httpd\"] || process.parent.file.name =~ \"php*\")",
	"exec.file.name in [\"tcpdump\", \"tshark\"]",
};

static const char *const macros[][2] = {
	{ "CREDENTIAL_BINARIES",
	  "[ \"/sbin/vipw\", \"/usr/sbin/vipw\", \"/sbin/vigr\", "
	  "\"/usr/sbin/vigr\", \"/usr/bin/containerd\", "
	  "\"/usr/local/bin/containerd\", \"/usr/bin/dockerd\", "
	  "\"/usr/local/bin/dockerd\", \"/usr/sbin/groupadd\", "
	  "\"/usr/sbin/useradd\", \"/usr/sbin/usermod\", "
	  "\"/usr/sbin/userdel\", \"/usr/bin/gpasswd\", \"/usr/bin/chage\", "
	  "\"/usr/sbin/chpasswd\", \"/usr/bin/passwd\" ]" },
	{ "PACKAGE_MANAGERS",
	  "[~\"/usr/bin/apt*\", \"/usr/bin/dpkg\", \"/usr/bin/rpm\", "
	  "\"/usr/bin/unattended-upgrade\", \"/usr/bin/npm\", "
	  "~\"/usr/bin/pip*\", \"/usr/bin/yum\", \"/sbin/apk\", "
	  "\"/usr/lib/snapd/snapd\"]" },
	{ "OPEN_WRITE_FLAGS", "O_CREAT|O_TRUNC|O_APPEND|O_RDWR|O_WRONLY" },
	{ "OPEN_CREATE_FLAGS", "O_CREAT|O_RDWR|O_WRONLY" },
	{ "COMPILER_PROCESSES", "[\"javac\", \"clang\", \"gcc\", \"bcc\"]" },
};

static const char *bash_argv[] = { "/bin/bash", "-c", "ls -l /tmp" };
static const char *curl_argv[] = { "curl", "-sS", "-o", "/tmp/x",
				   "https://example.com/file" };

struct events {
	struct cws_event open_miss, open_hit, exec_miss;
	struct cws_process anc[4];
};

static void make_events(struct events *e)
{
	static const char *const anc_paths[] = { "/usr/bin/bash",
						 "/usr/sbin/sshd",
						 "/usr/sbin/sshd",
						 "/usr/lib/systemd/systemd" };
	struct cws_event *ev;
	int k;

	memset(e, 0, sizeof(*e));
	for (k = 0; k < 4; k++) {
		e->anc[k].pid = (uint32_t)(100 - k);
		e->anc[k].file.path = anc_paths[k];
		e->anc[k].file.name = strrchr(anc_paths[k], '/') + 1;
		e->anc[k].comm = e->anc[k].file.name;
		e->anc[k].argv.v = bash_argv;
		e->anc[k].argv.n = 3;
	}
	ev = &e->open_miss;
	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = CWS_EVT_OPEN;
	ev->timestamp = 1700000000000000000ull;
	ev->process.pid = 4242;
	ev->process.comm = "python3";
	ev->process.file.path = "/usr/bin/python3.11";
	ev->process.file.name = "python3.11";
	ev->process.argv.v = bash_argv;
	ev->process.argv.n = 3;
	ev->ancestors = e->anc;
	ev->nancestors = 4;
	ev->obj.file.path = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
	ev->obj.file.name = "libssl.so.3";
	ev->obj.flags = 02000000; /* O_CLOEXEC, a read */
	e->open_hit = *ev;
	e->open_hit.obj.file.path = "/etc/shadow";
	e->open_hit.obj.file.name = "shadow";
	e->open_hit.obj.flags = 01;
	e->exec_miss = *ev;
	ev = &e->exec_miss;
	ev->evt.type = CWS_EVT_EXEC;
	ev->process.comm = "curl";
	ev->process.file.path = "/usr/bin/curl";
	ev->process.file.name = "curl";
	ev->process.argv.v = curl_argv;
	ev->process.argv.n = 5;
	ev->exec.file = ev->process.file;
	ev->exec.argv = ev->process.argv;
}

/* Runs fn until it has taken at least 0.3 s; returns ns per call. */
#define TIME(expr)                                                    \
	({                                                            \
		unsigned long _n = 0, _batch = 1024;                  \
		double _t0 = now(), _t;                               \
		do {                                                  \
			for (unsigned long _i = 0; _i < _batch; _i++) \
				sink += (unsigned long)(expr);        \
			_n += _batch;                                 \
			_t = now() - _t0;                             \
		} while (_t < 0.3);                                   \
		_t * 1e9 / (double)_n;                                \
	})

static void print(const char *name, double secl_ns, double base_ns)
{
	printf("%-34s secl %8.1f ns (%6.2f M/s)  baseline %7.1f ns "
	       "(%7.2f M/s)  ratio %.2f\n",
	       name, secl_ns, 1e3 / secl_ns, base_ns, 1e3 / base_ns,
	       secl_ns / base_ns);
}

static struct cws_secl_ruleset *ruleset(const char *const *rules, size_t n)
{
	struct cws_secl_ruleset *rs = cws_secl_ruleset_new();
	struct cws_secl_err err;
	size_t i;

	if (!rs)
		exit(1);
	for (i = 0; i < CWS_ARRAY_SIZE(macros); i++)
		if (cws_secl_macro_add(rs, macros[i][0], macros[i][1], &err)) {
			fprintf(stderr, "secl_bench: macro %s: %s\n",
				macros[i][0], err.msg);
			exit(1);
		}
	for (i = 0; i < n; i++)
		if (!cws_secl_rule_add(rs, "r", rules[i], NULL, &err)) {
			fprintf(stderr, "secl_bench: rule %zu: %s\n", i,
				err.msg);
			exit(1);
		}
	return rs;
}

int main(void)
{
	struct cws_secl_ruleset *rs_set, *rs_rule, *rs_open, *rs_exec;
	const struct cws_secl_rule *set_rule, *one_rule;
	struct cws_secl_err err;
	struct events *e = malloc(sizeof(*e));
	char expr[2048];
	size_t off, i;
	cpu_set_t cpus;
	double s, b;

	if (!e)
		return 1;
	/* One core, so that the numbers are per core. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	(void)sched_setaffinity(0, sizeof(cpus), &cpus);
	make_events(e);

	off = (size_t)snprintf(expr, sizeof(expr), "open.file.path in [");
	for (i = 0; i < 16; i++)
		off += (size_t)snprintf(expr + off, sizeof(expr) - off,
					"%s\"%s\"", i ? ", " : "", paths16[i]);
	snprintf(expr + off, sizeof(expr) - off, "]");
	rs_set = ruleset(NULL, 0);
	set_rule = cws_secl_rule_add(rs_set, "set", expr, NULL, &err);
	rs_rule = ruleset(open_rules, 1);
	one_rule = cws_secl_ruleset_rule(rs_rule, CWS_EVT_OPEN, 0);
	rs_open = ruleset(open_rules, CWS_ARRAY_SIZE(open_rules));
	rs_exec = ruleset(exec_rules, CWS_ARRAY_SIZE(exec_rules));
	if (!set_rule || !one_rule)
		return 1;
	/* The verdicts agree before anything is timed. */
	if (cws_secl_rule_eval(rs_rule, one_rule, &e->open_hit) !=
		    base_rule(&e->open_hit) ||
	    cws_secl_rule_eval(rs_rule, one_rule, &e->open_miss) !=
		    base_rule(&e->open_miss) ||
	    (unsigned)cws_secl_ruleset_eval(rs_open, &e->open_hit, NULL,
					    NULL) !=
		    base_bucket_open(&e->open_hit)) {
		fprintf(stderr, "secl_bench: secl and the baseline disagree\n");
		return 1;
	}

	printf("lib/secl evaluation, one core, ns per evaluation "
	       "(ratio = secl / hand-written C)\n");
	s = TIME(cws_secl_rule_eval(rs_set, set_rule, &e->open_miss));
	b = TIME(base_set(&e->open_miss));
	print("set of 16 paths, miss", s, b);
	s = TIME(cws_secl_rule_eval(rs_set, set_rule, &e->open_hit));
	b = TIME(base_set(&e->open_hit));
	print("set of 16 paths, hit", s, b);
	s = TIME(cws_secl_rule_eval(rs_rule, one_rule, &e->open_miss));
	b = TIME(base_rule(&e->open_miss));
	print("credential rule, miss", s, b);
	s = TIME(cws_secl_rule_eval(rs_rule, one_rule, &e->open_hit));
	b = TIME(base_rule(&e->open_hit));
	print("credential rule, hit", s, b);
	s = TIME(cws_secl_ruleset_eval(rs_open, &e->open_miss, NULL, NULL));
	b = TIME(base_bucket_open(&e->open_miss));
	print("12 open rules, miss", s, b);
	s = TIME(cws_secl_ruleset_eval(rs_open, &e->open_hit, NULL, NULL));
	b = TIME(base_bucket_open(&e->open_hit));
	print("12 open rules, hit", s, b);
	s = TIME(cws_secl_ruleset_eval(rs_exec, &e->exec_miss, NULL, NULL));
	b = TIME(base_bucket_exec(&e->exec_miss));
	print("10 exec rules (args, options)", s, b);

	cws_secl_ruleset_free(rs_set);
	cws_secl_ruleset_free(rs_rule);
	cws_secl_ruleset_free(rs_open);
	cws_secl_ruleset_free(rs_exec);
	free(e);
	return 0;
}
