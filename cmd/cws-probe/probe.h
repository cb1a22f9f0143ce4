/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-probe's private interfaces (OpenBSD's extern.h): probe.c loads the
 * BPF programs and runs the ring buffer loop, emit.c turns kernel records
 * into stream records, mounts.c makes sure the pseudo file systems libbpf
 * needs are there. main.c only parses options and wires these together.
 */
#ifndef CWS_PROBE_PROBE_H
#define CWS_PROBE_PROBE_H

#include "compat.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "log.h"

/* The kernel ABI; only this tool includes it. */
#include "../../bpf/cws_event.h"

#define CWS_PROBE_RING_DEFAULT (8u << 20) /* bytes of the ring buffer */
#define CWS_PROBE_RING_MIN (64u << 10) /* must hold a few largest records */
#define CWS_PROBE_RING_MAX (1u << 30)
#define CWS_PROBE_HEARTBEAT_DEFAULT 10 /* seconds */
#define CWS_PROBE_POLL_MS 100 /* latency bound for low-rate events */
#define CWS_PROBE_BTF_PATH "/sys/kernel/btf/vmlinux"

/* What main() decided from the command line and the configuration. */
struct cws_probe_opts {
	unsigned long ring_size; /* power of two, in bytes */
	unsigned heartbeat; /* seconds between heartbeats, 0 for none */
	bool check; /* load and attach, then exit */
	bool verbose; /* -v given: libbpf warnings shown as warnings */
	const char *hostname; /* hello.host; NULL or "" for gethostname */
	uint64_t events; /* event types to attach: bit 1 << CWS_EVT_x */
	const char *run_path; /* status file directory; NULL or "" for none */
};

/* The event types attached by default: all but fork. */
uint64_t cws_probe_default_events(void);

/*
 * Adds the event types named in list (SECL names separated by commas or
 * blanks; "all" for the default set) to *mask. Returns 0, or -1 with the
 * first unknown name copied to bad.
 */
int cws_probe_parse_events(const char *list, uint64_t *mask, char *bad,
			   size_t badlen);

struct bpf_object;

/*
 * Marks the programs of event types not in events as not to be loaded
 * (before bpf_object__load). Returns how many programs will load, and in
 * *attached the requested types that have a program.
 */
unsigned cws_probe_select(struct bpf_object *obj, uint64_t events,
			  uint64_t *attached);

/*
 * Loads and attaches the programs, writes the stream to stdout until
 * SIGINT or SIGTERM, then detaches and flushes. Returns an exit code
 * (CWS_EXIT_OK, or CWS_EXIT_FAILURE after printing why).
 */
int cws_probe_run(const struct cws_probe_opts *opts);

/*
 * The stream side. Everything an event needs is preallocated here, so
 * converting a kernel record allocates nothing; only the writer's buffer
 * grows, up to the largest batch between two flushes.
 */
struct cws_emit {
	struct cws_writer w;
	struct cws_event ev; /* reused for every record */
	int64_t boot_to_epoch; /* ns to add to a boot-time stamp */
	uint64_t events; /* event records written */
	uint64_t lost; /* records lost before user space, all causes */
	uint64_t bad; /* kernel records that could not be decoded */
	uint64_t events_mask; /* event types to write; others are dropped */
	uint64_t filtered; /* events of types nobody asked for */
	struct cws_ratelimit rl;
	char host[HOST_NAME_MAX + 1];
	char boot_id[64];
	char comm[CWS_KEV_COMM_LEN + 1];
	char path[CWS_KEV_PATH_MAX + 1];
	char args[CWS_KEV_ARGS_MAX + 1];
	const char *argv[CWS_EVENT_MAX_ARGS];
};

/*
 * Prepares e to write to fd. host names the machine in the hello record;
 * NULL or "" means gethostname(2). Never fails.
 */
void cws_emit_init(struct cws_emit *e, int fd, const char *host);

/* Frees the writer's buffer without flushing. Accepts NULL. */
void cws_emit_release(struct cws_emit *e);

/*
 * Samples the offset between CLOCK_BOOTTIME (what the kernel stamps) and
 * CLOCK_REALTIME, so that a wall clock step is followed within one poll.
 */
void cws_emit_sync_clock(struct cws_emit *e);

/* Each of these buffers one record; 0 or a negative errno from write(2). */
int cws_emit_hello(struct cws_emit *e);
int cws_emit_heartbeat(struct cws_emit *e);

/*
 * Writes a "lost" record for the counts in delta[CWS_KEV_DROP_SLOTS]
 * (records dropped since the last call, per cause and event type, indexed
 * by CWS_KEV_DROP_INDEX). Writes nothing when they are all zero.
 */
int cws_emit_lost(struct cws_emit *e, const uint64_t *delta);

/*
 * Converts one ring buffer record. A record too short for its type or of
 * an unknown type or version is counted in e->bad, reported with a rate
 * limit, and skipped (returns 0).
 */
int cws_emit_record(struct cws_emit *e, const void *data, size_t size);

/*
 * Buffers one event record if its type was asked for (events_mask), and
 * counts it; an event of another type is counted in filtered and skipped.
 * Every emitter writes events through this. Returns 0 or a negative errno.
 */
int cws_emit_put(struct cws_emit *e, const struct cws_event *ev);

/* The name of a drop cause ("ringbuf_full"), for lost records and status. */
const char *cws_emit_drop_cause(unsigned cause);

/* Writes out what is buffered. */
int cws_emit_flush(struct cws_emit *e);

/*
 * Mounts tracefs at /sys/kernel/tracing unless a tracefs is already there
 * (or at /sys/kernel/debug/tracing). libbpf needs it to attach to
 * tracepoint/ and tp/ programs; tp_btf does not. Returns 0 or a negative
 * errno.
 */
int cws_mount_tracefs(void);

/* Mounts the BPF file system at /sys/fs/bpf unless it is there (pinning). */
int cws_mount_bpffs(void);

#endif
