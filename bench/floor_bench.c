/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The floors of bench/probe.sh: loads bench/floor.bpf.c, attaches one of
 * its programs to the sys_exit raw tracepoint, and runs until SIGINT or
 * SIGTERM. A workload timed meanwhile pays what any syscall tracer pays
 * before doing work of its own (-m empty), or that plus handing user space
 * a small batched record (-m ringbuf), which this program reads and counts
 * as cws-probe reads its ring: ring_buffer__poll with a timeout, then
 * ring_buffer__consume for what was written without a wake-up.
 *
 *   floor_bench [-hnv] [-m empty|ringbuf] [-s syscall[,syscall...]|all]
 *
 * -s picks the system calls whose exits get a record in ringbuf mode (by
 * name; the default is the file and exec calls whose events cws-probe
 * records: open, openat, openat2, creat, unlink, unlinkat, rename,
 * renameat, renameat2, execve, execveat), or all for every one. -n loads
 * and attaches the program, then exits (does it work on this kernel?).
 * Stopped, it prints one line to stdout:
 *
 *   floor mode=ringbuf records=1234 lost=0 bytes=78976 seconds=3.02
 *
 * Exit status: 0 when stopped by a signal, 1 on a failure to load, attach
 * or read, 2 on a usage error (an unknown syscall name too).
 */
#include "compat.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench/floor.skel.h"
#include "sigs.h"

#define PROG "floor_bench"
#define RING_SIZE (8u << 20) /* cws-probe's default */
#define POLL_MS 100 /* cws-probe's CWS_PROBE_POLL_MS */
#define NR_MAX 512 /* bench/floor.bpf.c FLOOR_NR_MAX */
#define REC_SIZE 64

static const char usage_text[] =
	"usage: " PROG
	" [-hnv] [-m empty|ringbuf] [-s syscall[,syscall...]|all]\n";

static const char default_calls[] =
	"open,openat,openat2,creat,unlink,unlinkat,rename,renameat,renameat2,"
	"execve,execveat";

/* The names -s knows: the calls of cws-probe's file and exec events. */
static const struct {
	const char *name;
	long nr;
} calls[] = {
#ifdef SYS_open
	{ "open", SYS_open },
#endif
#ifdef SYS_creat
	{ "creat", SYS_creat },
#endif
#ifdef SYS_unlink
	{ "unlink", SYS_unlink },
#endif
#ifdef SYS_rename
	{ "rename", SYS_rename },
#endif
#ifdef SYS_renameat
	{ "renameat", SYS_renameat },
#endif
#ifdef SYS_openat2
	{ "openat2", SYS_openat2 },
#endif
	{ "openat", SYS_openat },	{ "unlinkat", SYS_unlinkat },
	{ "renameat2", SYS_renameat2 }, { "execve", SYS_execve },
	{ "execveat", SYS_execveat },	{ "close", SYS_close },
};

static volatile sig_atomic_t stop;
static bool verbose;
static unsigned long long records;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !verbose))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	records++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Marks the calls of a comma-separated list in the object's rodata; "all"
 * for every call. Returns 0, or -1 with the unknown name reported.
 */
static int pick_calls(struct floor_bpf *skel, const char *list)
{
	char buf[512], *save = NULL, *name;
	size_t i;

	if (!strcmp(list, "all")) {
		skel->rodata->record_all = true;
		return 0;
	}
	if (strlen(list) >= sizeof(buf)) {
		fprintf(stderr, PROG ": error: syscall list too long\n");
		return -1;
	}
	memcpy(buf, list, strlen(list) + 1);
	for (name = strtok_r(buf, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			if (!strcmp(calls[i].name, name))
				break;
		if (i == sizeof(calls) / sizeof(calls[0])) {
			/*
			 * A default call this architecture does not have
			 * (open, creat, rename on arm64) is left out.
			 */
			if (list == default_calls)
				continue;
			fprintf(stderr, PROG ": error: unknown syscall '%s'\n",
				name);
			return -1;
		}
		if (calls[i].nr >= 0 && calls[i].nr < NR_MAX)
			skel->rodata->record_nr[calls[i].nr] = 1;
	}
	return 0;
}

/* The ring's lost records, summed over the CPUs. */
static unsigned long long read_lost(struct floor_bpf *skel)
{
	int n = libbpf_num_possible_cpus(), i;
	unsigned long long sum = 0, *v;
	__u32 key = 0;

	if (n <= 0)
		return 0;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return 0;
	if (!bpf_map__lookup_elem(skel->maps.floor_lost, &key, sizeof(key), v,
				  sizeof(*v) * (size_t)n, 0))
		for (i = 0; i < n; i++)
			sum += v[i];
	free(v);
	return sum;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "check", no_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "syscalls", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cws_sig sigs[] = {
		{ SIGINT, on_signal },
		{ SIGTERM, on_signal },
	};
	const char *mode = "empty", *list = default_calls;
	struct ring_buffer *rb = NULL;
	struct floor_bpf *skel;
	struct bpf_link *link;
	struct bpf_program *prog;
	bool ringbuf, check = false;
	double t0;
	int opt, err, rc = 1;

	while ((opt = getopt_long(argc, argv, "hm:ns:v", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'm':
			mode = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 's':
			list = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc ||
	    (strcmp(mode, "empty") && strcmp(mode, "ringbuf"))) {
		fputs(usage_text, stderr);
		return 2;
	}
	ringbuf = !strcmp(mode, "ringbuf");
	libbpf_set_print(libbpf_log);
	if (cws_signals(sigs, sizeof(sigs) / sizeof(sigs[0]), 0)) {
		fprintf(stderr, PROG ": error: cannot set up signals\n");
		return 1;
	}

	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr,
			PROG ": error: cannot open the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	/* Only the program asked for is loaded. */
	bpf_program__set_autoload(skel->progs.floor__empty, !ringbuf);
	bpf_program__set_autoload(skel->progs.floor__ringbuf, ringbuf);
	skel->rodata->self_tgid = (__u32)getpid();
	skel->rodata->wakeup_bytes = RING_SIZE / 8; /* as cws-probe */
	if (pick_calls(skel, list)) {
		rc = 2;
		goto out_destroy;
	}
	err = bpf_map__set_max_entries(skel->maps.floor_events, RING_SIZE);
	if (!err)
		err = floor_bpf__load(skel);
	if (err) {
		fprintf(stderr,
			PROG ": error: cannot load the BPF object: %s\n",
			strerror(-err));
		goto out_destroy;
	}
	prog = ringbuf ? skel->progs.floor__ringbuf : skel->progs.floor__empty;
	link = bpf_program__attach(prog);
	if (!link) {
		fprintf(stderr, PROG ": error: cannot attach '%s': %s\n",
			bpf_program__name(prog), strerror(errno));
		goto out_destroy;
	}
	if (check) {
		rc = 0;
		goto out_destroy_link;
	}
	if (ringbuf) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_events),
				      on_record, NULL, NULL);
		if (!rb) {
			fprintf(stderr,
				PROG
				": error: cannot set up the ring buffer: %s\n",
				strerror(errno));
			goto out_destroy_link;
		}
	}
	if (verbose)
		fprintf(stderr, PROG ": %s attached\n",
			bpf_program__name(prog));

	t0 = now_s();
	while (!stop) {
		if (!rb) {
			pause();
			continue;
		}
		err = ring_buffer__poll(rb, POLL_MS);
		/* Records written with BPF_RB_NO_WAKEUP woke nobody. */
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr,
				PROG
				": error: cannot read the ring buffer: %s\n",
				strerror(-err));
			goto out_free_rb;
		}
	}
	/* Detach first, so that what is left in the ring is all of it. */
	bpf_link__destroy(link);
	link = NULL;
	if (rb && ring_buffer__consume(rb) < 0)
		goto out_free_rb;
	printf("floor mode=%s records=%llu lost=%llu bytes=%llu seconds=%.2f\n",
	       mode, records, ringbuf ? read_lost(skel) : 0,
	       records * (unsigned long long)(REC_SIZE + 8), now_s() - t0);
	rc = fflush(stdout) ? 1 : 0;
out_free_rb:
	ring_buffer__free(rb);
out_destroy_link:
	bpf_link__destroy(link);
out_destroy:
	floor_bpf__destroy(skel);
	return rc;
}
