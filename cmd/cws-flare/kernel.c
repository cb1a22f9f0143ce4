/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The parts about the machine. BPF facts come from libbpf's own API
 * (probes that load a tiny program or map of each type, and the
 * kernel's object ids), not from bpftool, which a user's machine may not
 * have. The cws programs are found through the file descriptors that
 * running cws-probe processes hold (/proc/<pid>/fdinfo names each
 * program's and map's id).
 */
#include "compat.h"
#include "flare.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <zlib.h>

/* Appends a file's content, or why it could not be read, under a title. */
static void add_section(struct fbuf *b, const char *title, const char *path)
{
	int rc;

	fbuf_printf(b, "%s (%s): ", title, path);
	rc = fbuf_read_file(b, path, 64 * 1024);
	if (rc)
		fbuf_printf(b, "unavailable: %s", strerror(-rc));
	if (b->len && b->p[b->len - 1] != '\n')
		fbuf_add(b, "\n", 1);
}

/* Kernel config lines that matter to cws. */
static bool config_wanted(const char *line)
{
	static const char *const words[] = {
		"BPF",	   "BTF",      "TRACEPOINT",
		"TRACING", "FTRACE",   "KPROBE",
		"UPROBE",  "NET_CLS",  "NET_SCH_INGRESS",
		"NET_ACT", "CGROUP",   "DEBUG_INFO",
		"LSM",	   "LOCKDOWN", "PERF_EVENT",
		"FPROBE",  "SECURITY", "XDP",
	};
	size_t i;

	if (!strstr(line, "CONFIG_"))
		return false;
	for (i = 0; i < CWS_ARRAY_SIZE(words); i++)
		if (strstr(line, words[i]))
			return true;
	return false;
}

static void kernel_config(struct flare *f, const char *release)
{
	char path[PATH_MAX], line[1024];
	struct fbuf b = { 0 };
	gzFile gz;

	/* /proc/config.gz first; gzopen also reads a plain file as is. */
	snprintf(path, sizeof(path), "/proc/config.gz");
	if (access(path, R_OK))
		snprintf(path, sizeof(path), "/boot/config-%s", release);
	gz = gzopen(path, "rb");
	if (!gz) {
		flare_fail(f, "kernel/config.txt",
			   "neither /proc/config.gz nor '%s' can be read: %s",
			   path, strerror(errno ? errno : ENOENT));
		return;
	}
	fbuf_printf(&b,
		    "# from %s: the lines about BPF, BTF, tracing, TC, "
		    "cgroups and LSMs\n",
		    path);
	while (gzgets(gz, line, sizeof(line)))
		if (config_wanted(line))
			fbuf_printf(&b, "%s", line);
	gzclose(gz);
	flare_add_buf(f, "kernel/config.txt", &b);
	fbuf_release(&b);
}

void collect_kernel(struct flare *f)
{
	static const char *const sysctls[] = {
		"/proc/sys/kernel/unprivileged_bpf_disabled",
		"/proc/sys/kernel/bpf_stats_enabled",
		"/proc/sys/net/core/bpf_jit_enable",
		"/proc/sys/kernel/perf_event_paranoid",
		"/proc/sys/kernel/kptr_restrict",
	};
	struct fbuf b = { 0 };
	struct utsname u;
	struct stat st;
	struct btf *btf;
	size_t i;

	if (uname(&u)) {
		flare_fail(f, "kernel/version.txt", "uname: %s",
			   strerror(errno));
		memset(&u, 0, sizeof(u));
	} else {
		fbuf_printf(&b, "release: %s\nversion: %s\nmachine: %s\n",
			    u.release, u.version, u.machine);
	}
	add_section(&b, "proc version", "/proc/version");
	add_section(&b, "command line", "/proc/cmdline");
	add_section(&b, "lockdown", "/sys/kernel/security/lockdown");
	add_section(&b, "LSMs", "/sys/kernel/security/lsm");
	for (i = 0; i < CWS_ARRAY_SIZE(sysctls); i++)
		add_section(&b, "sysctl", sysctls[i]);
	flare_add_buf(f, "kernel/version.txt", &b);
	fbuf_release(&b);

	kernel_config(f, u.release);

	/* BTF: present, and readable by libbpf (CO-RE needs both). */
	memset(&b, 0, sizeof(b));
	if (stat("/sys/kernel/btf/vmlinux", &st)) {
		fbuf_printf(&b,
			    "/sys/kernel/btf/vmlinux: absent (%s): "
			    "cws-probe cannot run on this kernel\n",
			    strerror(errno));
	} else {
		fbuf_printf(&b,
			    "/sys/kernel/btf/vmlinux: present, %lld bytes\n",
			    (long long)st.st_size);
		btf = btf__load_vmlinux_btf();
		if (!btf)
			fbuf_printf(&b, "libbpf cannot load it: %s\n",
				    strerror(errno));
		else
			fbuf_printf(&b, "libbpf loads it: %u types\n",
				    btf__type_cnt(btf));
		btf__free(btf);
	}
	flare_add_buf(f, "kernel/btf.txt", &b);
	fbuf_release(&b);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static const char *probe_word(int rc, char *buf, size_t len)
{
	if (rc == 1)
		return "yes";
	if (!rc)
		return "no";
	snprintf(buf, len, "unknown (%s)", strerror(-rc));
	return buf;
}

/* Which program and map types this kernel loads: a live probe of each. */
static void bpf_features(struct flare *f)
{
	struct fbuf b = { 0 };
	const char *name;
	char why[128];
	int t, rc, denied = 0;

	fbuf_printf(&b, "# BPF program types this kernel loads "
			"(libbpf_probe_bpf_prog_type)\n");
	for (t = 1; (name = libbpf_bpf_prog_type_str(t)) != NULL; t++) {
		rc = libbpf_probe_bpf_prog_type(t, NULL);
		denied += rc == -EPERM;
		fbuf_printf(&b, "prog %s: %s\n", name,
			    probe_word(rc, why, sizeof(why)));
	}
	fbuf_printf(&b, "\n# BPF map types (libbpf_probe_bpf_map_type)\n");
	for (t = 1; (name = libbpf_bpf_map_type_str(t)) != NULL; t++) {
		rc = libbpf_probe_bpf_map_type(t, NULL);
		denied += rc == -EPERM;
		fbuf_printf(&b, "map %s: %s\n", name,
			    probe_word(rc, why, sizeof(why)));
	}
	if (denied)
		flare_fail(f, "kernel/bpf-features.txt",
			   "%d probes were not permitted: run cws-flare as "
			   "root for them",
			   denied);
	flare_add_buf(f, "kernel/bpf-features.txt", &b);
	fbuf_release(&b);
}

struct ids {
	__u32 *v;
	size_t n;
};

static void ids_add(struct ids *ids, __u32 id)
{
	__u32 *p;
	size_t i;

	for (i = 0; i < ids->n; i++)
		if (ids->v[i] == id)
			return;
	p = realloc(ids->v, (ids->n + 1) * sizeof(*p));
	if (!p)
		return;
	ids->v = p;
	ids->v[ids->n++] = id;
}

/* The program and map ids a process holds, from its fdinfo. */
static void held_ids(const char *pid, struct ids *progs, struct ids *maps)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], line[256];
	struct dirent *de;
	unsigned id;
	FILE *fp;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fp = fopen(path, "re");
		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			if (sscanf(line, "prog_id: %u", &id) == 1)
				ids_add(progs, id);
			else if (sscanf(line, "map_id: %u", &id) == 1)
				ids_add(maps, id);
		}
		fclose(fp);
	}
	closedir(d);
}

static void prog_line(struct fbuf *b, __u32 id, bool detail)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	const char *type;
	int fd, i;

	fd = bpf_prog_get_fd_by_id(id);
	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fbuf_printf(b, "prog %u: %s\n", id, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	type = libbpf_bpf_prog_type_str(info.type);
	fbuf_printf(b, "prog %u %s %s", id, type ? type : "unknown",
		    info.name[0] ? info.name : "-");
	if (detail) {
		fbuf_printf(b, " tag ");
		for (i = 0; i < BPF_TAG_SIZE; i++)
			fbuf_printf(b, "%02x", info.tag[i]);
		fbuf_printf(b, " xlated %u jited %u maps %u",
			    info.xlated_prog_len, info.jited_prog_len,
			    info.nr_map_ids);
	}
	fbuf_printf(b, " run_cnt %llu run_time_ns %llu\n",
		    (unsigned long long)info.run_cnt,
		    (unsigned long long)info.run_time_ns);
}

static void map_line(struct fbuf *b, __u32 id)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	const char *type;
	int fd;

	fd = bpf_map_get_fd_by_id(id);
	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fbuf_printf(b, "map %u: %s\n", id, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	type = libbpf_bpf_map_type_str(info.type);
	fbuf_printf(b,
		    "map %u %s %s key %u value %u max_entries %u flags 0x%x\n",
		    id, type ? type : "unknown", info.name[0] ? info.name : "-",
		    info.key_size, info.value_size, info.max_entries,
		    info.map_flags);
}

static void bpf_loaded(struct flare *f)
{
	struct ids progs = { 0 }, maps = { 0 };
	char path[PATH_MAX], comm[64];
	struct fbuf b = { 0 };
	struct dirent *de;
	size_t i, nprobe = 0, nall = 0;
	__u32 id = 0;
	FILE *fp;
	DIR *d;

	d = opendir("/proc");
	while (d && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fp = fopen(path, "re");
		if (!fp)
			continue;
		if (fgets(comm, sizeof(comm), fp) &&
		    !strcmp(comm, "cws-probe\n")) {
			fbuf_printf(&b, "cws-probe running as pid %s\n",
				    de->d_name);
			held_ids(de->d_name, &progs, &maps);
			nprobe++;
		}
		fclose(fp);
	}
	if (d)
		closedir(d);
	if (!nprobe)
		fbuf_printf(&b, "no cws-probe process is running\n");
	add_section(&b, "run counts need kernel.bpf_stats_enabled=1, now",
		    "/proc/sys/kernel/bpf_stats_enabled");
	fbuf_printf(&b, "\n# the programs and maps cws-probe holds\n");
	for (i = 0; i < progs.n; i++)
		prog_line(&b, progs.v[i], true);
	for (i = 0; i < maps.n; i++)
		map_line(&b, maps.v[i]);
	fbuf_printf(&b, "\n# every BPF program loaded on this machine\n");
	while (!bpf_prog_get_next_id(id, &id)) {
		prog_line(&b, id, false);
		nall++;
	}
	if (errno == EPERM)
		flare_fail(f, "kernel/bpf-loaded.txt",
			   "listing BPF programs is not permitted: run "
			   "cws-flare as root");
	fbuf_printf(&b, "%zu programs\n", nall);
	free(progs.v);
	free(maps.v);
	flare_add_buf(f, "kernel/bpf-loaded.txt", &b);
	fbuf_release(&b);
}

void collect_bpf(struct flare *f)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);

	bpf_features(f);
	bpf_loaded(f);
	libbpf_set_print(old);
}

void collect_mounts(struct flare *f)
{
	static const char *const types[] = { " - tracefs ", " - debugfs ",
					     " - bpf ", " - cgroup2 ",
					     " - cgroup " };
	struct fbuf b = { 0 };
	char line[4096];
	bool want;
	size_t i;
	FILE *fp;

	fp = fopen("/proc/self/mountinfo", "re");
	if (!fp) {
		flare_fail(f, "kernel/mounts.txt", "/proc/self/mountinfo: %s",
			   strerror(errno));
		return;
	}
	fbuf_printf(&b, "# tracefs, debugfs, bpffs and cgroup mounts "
			"(/proc/self/mountinfo)\n");
	while (fgets(line, sizeof(line), fp)) {
		for (want = false, i = 0; i < CWS_ARRAY_SIZE(types); i++)
			want = want || strstr(line, types[i]);
		if (want)
			fbuf_printf(&b, "%s", line);
	}
	fclose(fp);
	flare_add_buf(f, "kernel/mounts.txt", &b);
	fbuf_release(&b);
}

void collect_tc(struct flare *f)
{
	static const char *const what[][3] = {
		{ "qdisc", "show", NULL },
		{ "filter", "show", "ingress" },
		{ "filter", "show", "egress" },
	};
	char exe[PATH_MAX], why[256], path[PATH_MAX];
	struct fbuf b = { 0 };
	struct dirent *de;
	size_t i;
	DIR *d;

	if (!run_find("tc", exe, sizeof(exe))) {
		flare_fail(f, "kernel/tc.txt",
			   "tc is not installed (iproute2): no TC filters "
			   "listed");
		return;
	}
	d = opendir("/sys/class/net");
	if (!d) {
		flare_fail(f, "kernel/tc.txt", "/sys/class/net: %s",
			   strerror(errno));
		return;
	}
	fbuf_printf(&b, "# TC qdiscs and filters per interface: another "
			"classifier at a priority below\n# cws's "
			"(network.classifier_priority) runs first\n");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s", de->d_name);
		for (i = 0; i < CWS_ARRAY_SIZE(what); i++) {
			const char *argv[] = { exe,   what[i][0], what[i][1],
					       "dev", path,	  what[i][2],
					       NULL };
			int rc;

			fbuf_printf(&b, "\n$ tc %s %s dev %s%s%s\n", what[i][0],
				    what[i][1], path, what[i][2] ? " " : "",
				    what[i][2] ? what[i][2] : "");
			rc = run_cmd(argv, &b, why, sizeof(why));
			if (rc)
				fbuf_printf(&b, "[%s]\n", why);
		}
	}
	closedir(d);
	flare_add_buf(f, "kernel/tc.txt", &b);
	fbuf_release(&b);
}

void collect_system(struct flare *f)
{
	struct fbuf b = { 0 };
	struct sysinfo si;
	long up;

	if (!sysinfo(&si)) {
		up = si.uptime;
		fbuf_printf(&b, "uptime: %ld seconds (%ldd %02ldh %02ldm)\n",
			    up, up / 86400, up / 3600 % 24, up / 60 % 60);
		fbuf_printf(&b, "load: %.2f %.2f %.2f\nprocesses: %u\n",
			    si.loads[0] / 65536.0, si.loads[1] / 65536.0,
			    si.loads[2] / 65536.0, (unsigned)si.procs);
		fbuf_printf(&b, "memory: %llu MiB total, %llu MiB free\n",
			    (unsigned long long)si.totalram * si.mem_unit >> 20,
			    (unsigned long long)si.freeram * si.mem_unit >> 20);
	} else {
		flare_fail(f, "system.txt", "sysinfo: %s", strerror(errno));
	}
	fbuf_printf(&b, "cpus: %ld online, %ld configured\n",
		    sysconf(_SC_NPROCESSORS_ONLN),
		    sysconf(_SC_NPROCESSORS_CONF));
	add_section(&b, "memory details", "/proc/meminfo");
	fbuf_printf(&b, "\n");
	add_section(&b, "os release", "/etc/os-release");
	flare_add_buf(f, "system.txt", &b);
	fbuf_release(&b);
}
