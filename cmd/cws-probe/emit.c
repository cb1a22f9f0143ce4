/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel records to stream records. The kernel hands us fixed-width
 * structs (bpf/cws_event.h) with length-prefixed tails; the stream wants a
 * struct cws_event with NUL-terminated strings and an argv array. The
 * conversion copies the tails into buffers embedded in struct cws_emit and
 * points the event at them, so nothing is allocated per record, and every
 * record is checked against the size the ring buffer says it has before a
 * byte of it is trusted.
 *
 * Records are self-contained: when the kernel could not resolve a path the
 * file carries path_resolution_error and no path, rather than a partial
 * path that would read as a real one. Every event's process, ancestors and
 * container come from the process cache (cache.c), through
 * cws_emit_event_begin, which all emitters call: an exec record updates
 * the cache first and its event is then built like any other.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exit.h"
#include "probe.h"

/* The ABI as user space compiles it must be the ABI the BPF side wrote. */
_Static_assert(sizeof(struct cws_kev_header) == 16, "kev header size");
_Static_assert(sizeof(struct cws_kev_process) == 120, "kev process size");
_Static_assert(offsetof(struct cws_kev_process, cgroup_id) == 24, "kev cgroup");
_Static_assert(offsetof(struct cws_kev_process, pid) == 32, "kev pid");
_Static_assert(offsetof(struct cws_kev_process, comm) == 72, "kev comm");
_Static_assert(offsetof(struct cws_kev_process, tty_name) == 88, "kev tty");
_Static_assert(offsetof(struct cws_kev_exec, proc) == 16, "kev exec proc");
_Static_assert(offsetof(struct cws_kev_exec, inode) == 136, "kev exec inode");
_Static_assert(offsetof(struct cws_kev_exec, path_len) == 152, "kev path_len");
_Static_assert(offsetof(struct cws_kev_exec, ctime) == 160, "kev exec ctime");
_Static_assert(offsetof(struct cws_kev_exec, envs_len) == 188, "kev envs_len");
_Static_assert(offsetof(struct cws_kev_exec, data) == 208, "kev exec data");
_Static_assert(sizeof(((struct cws_kev_exec *)0)->fstype) == CWS_KEV_FSTYPE_LEN,
	       "kev exec fstype");
_Static_assert(sizeof(struct cws_kev_exec) % 8 == 0, "kev exec padding");
_Static_assert(sizeof(struct cws_kev_fork) == 144, "kev fork size");
_Static_assert(offsetof(struct cws_kev_fork, parent_pid) == 136, "kev fork");
_Static_assert(sizeof(struct cws_kev_exit) == 144, "kev exit size");
_Static_assert(offsetof(struct cws_kev_exit, status) == 136, "kev exit");
_Static_assert(CWS_KEV_PATH_MAX <= CWS_EVENT_MAX_STR, "path fits a string");
/* The kernel's event numbers are lib/event.h's. */
_Static_assert((int)CWS_KEV_EVT__COUNT == (int)CWS_EVT__COUNT, "kev events");
_Static_assert((int)CWS_KEV_EVT_EXEC == (int)CWS_EVT_EXEC, "kev exec");
_Static_assert((int)CWS_KEV_EVT_OPEN == (int)CWS_EVT_OPEN, "kev open");
_Static_assert((int)CWS_KEV_EVT_MEMFD_CREATE == (int)CWS_EVT_MEMFD_CREATE,
	       "kev memfd_create");
_Static_assert((int)CWS_KEV_EVT_ACCEPT == (int)CWS_EVT_ACCEPT, "kev accept");
_Static_assert(CWS_KEV_EVT__COUNT <= 64, "event types fit a 64-bit mask");

static const char *const drop_causes[CWS_KEV_DROP__COUNT] = {
	[CWS_KEV_DROP_RINGBUF_FULL] = "ringbuf_full",
	[CWS_KEV_DROP_NO_SCRATCH] = "no_scratch",
};

const char *cws_emit_drop_cause(unsigned cause)
{
	return cause < CWS_KEV_DROP__COUNT && drop_causes[cause] ?
		       drop_causes[cause] :
		       "unknown";
}

const char *cws_emit_path_error(unsigned error)
{
	switch (error) {
	case CWS_KEV_PATH_NO_FILE:
		return "no file";
	case CWS_KEV_PATH_TOO_LONG:
		return "path too long";
	case CWS_KEV_PATH_TOO_DEEP:
		return "path too deep";
	case CWS_KEV_PATH_FAULT:
		return "kernel read fault";
	case CWS_KEV_PATH_UNREACHABLE:
		return "not reachable from the process root";
	default:
		return "unknown error";
	}
}

static void read_boot_id(char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cws_warn("cannot open '/proc/sys/kernel/random/boot_id'");
		return;
	}
	n = read(fd, buf, len - 1);
	if (n < 0) {
		cws_warn("cannot read '/proc/sys/kernel/random/boot_id'");
		n = 0;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
}

void cws_emit_init(struct cws_emit *e, int fd, const char *host)
{
	struct cws_ratelimit rl = CWS_RATELIMIT_INIT(10, 5);

	memset(e, 0, sizeof(*e));
	cws_writer_init(&e->w, fd);
	e->rl = rl;
	e->events_mask = cws_probe_default_events();
	if (host && *host) {
		snprintf(e->host, sizeof(e->host), "%s", host);
	} else if (gethostname(e->host, sizeof(e->host) - 1)) {
		cws_warn("cannot get the host name");
		e->host[0] = '\0';
	}
	read_boot_id(e->boot_id, sizeof(e->boot_id));
	cws_emit_sync_clock(e);
	/* Before the steady state: without memory for it, give up now. */
	e->cache = cws_cache_new(CWS_CACHE_DEFAULT_SIZE);
	if (!e->cache)
		cws_fatal(CWS_EXIT_FAILURE,
			  "cannot allocate the process cache");
	if (cws_cache_seed(e->cache))
		cws_warn(
			"cannot read /proc: processes started before the probe have no context");
}

int cws_emit_set_cache_size(struct cws_emit *e, size_t size)
{
	struct cws_cache *c = cws_cache_new(size);

	if (!c)
		return -ENOMEM;
	cws_cache_free(e->cache);
	e->cache = c;
	e->evicted = 0;
	cws_cache_set_envs(c, e->envs_with_value);
	if (cws_cache_seed(c))
		cws_warn(
			"cannot read /proc: processes started before the probe have no context");
	return 0;
}

void cws_emit_release(struct cws_emit *e)
{
	if (!e)
		return;
	cws_writer_release(&e->w);
	cws_cache_free(e->cache);
	e->cache = NULL;
	cws_realdir_free(e->realdir);
	e->realdir = NULL;
}

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

void cws_emit_sync_clock(struct cws_emit *e)
{
	struct timespec b0, r, b1;

	/* Bracket the wall clock read and take the middle of the two. */
	clock_gettime(CLOCK_BOOTTIME, &b0);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b1);
	e->boot_to_epoch = ns(&r) - (ns(&b0) + (ns(&b1) - ns(&b0)) / 2);
}

static uint64_t epoch(const struct cws_emit *e, uint64_t boot_ns)
{
	return boot_ns ? (uint64_t)((int64_t)boot_ns + e->boot_to_epoch) : 0;
}

int cws_emit_hello(struct cws_emit *e)
{
	struct cws_event *ev = &e->ev;

	cws_event_clear(ev);
	ev->type = CWS_REC_HELLO;
	ev->timestamp = cws_event_now();
	ev->hello.producer = "cws-probe";
	ev->hello.version = CWS_VERSION;
	ev->hello.schema = CWS_EVENT_SCHEMA;
	ev->hello.host = e->host;
	ev->hello.boot_id = e->boot_id;
	ev->hello.pid = (uint32_t)getpid();
	ev->hello.kernel_filter = e->kernel_filter;
	return cws_writer_put(&e->w, ev);
}

int cws_emit_greeting(void *arg, msgpack_sbuffer *out)
{
	struct cws_emit *e = arg;
	struct cws_event ev;
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	cws_event_clear(&ev);
	ev.type = CWS_REC_HELLO;
	ev.timestamp = cws_event_now();
	ev.hello.producer = "cws-probe";
	ev.hello.version = CWS_VERSION;
	ev.hello.schema = CWS_EVENT_SCHEMA;
	ev.hello.host = e->host;
	ev.hello.boot_id = e->boot_id;
	ev.hello.pid = (uint32_t)getpid();
	ev.hello.kernel_filter = e->kernel_filter;
	if (cws_event_pack(&pk, &ev))
		return -EINVAL;
	cws_cache_dump(e->cache, &pk, e->boot_to_epoch);
	return 0;
}

int cws_emit_heartbeat(struct cws_emit *e)
{
	struct cws_event *ev = &e->ev;

	cws_event_clear(ev);
	ev->type = CWS_REC_HEARTBEAT;
	ev->timestamp = cws_event_now();
	ev->heartbeat.producer = "cws-probe";
	ev->heartbeat.events = e->events;
	ev->heartbeat.lost = e->lost;
	ev->heartbeat.kernel_filter = e->kernel_filter;
	return cws_writer_put(&e->w, ev);
}

int cws_emit_lost(struct cws_emit *e, const uint64_t *delta)
{
	uint64_t by_cause[CWS_KEV_DROP__COUNT] = { 0 };
	uint64_t by_type[CWS_KEV_EVT__COUNT] = { 0 };
	struct cws_event *ev = &e->ev;
	struct cws_lost_cause *c;
	uint64_t evicted;
	unsigned i, t;

	for (i = 0; i < CWS_KEV_DROP__COUNT; i++)
		for (t = 0; t < CWS_KEV_EVT__COUNT; t++) {
			by_cause[i] += delta[CWS_KEV_DROP_INDEX(i, t)];
			by_type[t] += delta[CWS_KEV_DROP_INDEX(i, t)];
		}
	cws_event_clear(ev);
	ev->type = CWS_REC_LOST;
	for (i = 0; i < CWS_KEV_DROP__COUNT; i++) {
		if (!by_cause[i])
			continue;
		c = &ev->lost.causes[ev->lost.ncauses++];
		c->cause = drop_causes[i];
		c->count = by_cause[i];
		ev->lost.total += by_cause[i];
	}
	/*
	 * An evicted cache entry loses no event, only context: later events
	 * of that process carry what /proc or its parent still tell. A cause
	 * of its own, not counted in total (which counts events).
	 */
	evicted = cws_cache_stats(e->cache)->evicted - e->evicted;
	if (evicted) {
		c = &ev->lost.causes[ev->lost.ncauses++];
		c->cause = "cache_evicted";
		c->count = evicted;
		e->evicted += evicted;
	}
	for (t = 0; t < CWS_KEV_EVT__COUNT &&
		    ev->lost.ntypes < CWS_EVENT_MAX_LOST_CAUSES;
	     t++) {
		if (!by_type[t])
			continue;
		c = &ev->lost.types[ev->lost.ntypes++];
		c->cause = cws_event_type_name(t);
		c->count = by_type[t];
	}
	if (!ev->lost.total && !evicted)
		return 0;
	e->lost += ev->lost.total;
	ev->timestamp = cws_event_now();
	return cws_writer_put(&e->w, ev);
}

/*
 * The keys the cache retired, for those the writer wrote: whatever event
 * types were asked for, so that readers let them go (cws-event(5)).
 */
static int put_gone(struct cws_emit *e)
{
	const uint64_t *keys;
	uint32_t n = cws_cache_gone(e->cache, &keys);

	return n ? cws_writer_put_retire(&e->w, keys, n) : 0;
}

int cws_emit_flush(struct cws_emit *e)
{
	int err = put_gone(e);

	return err ? err : cws_writer_flush(&e->w);
}

static void bad_record(struct cws_emit *e, const char *why, unsigned type,
		       size_t size)
{
	e->bad++;
	if (cws_ratelimit_ok(&e->rl))
		cws_errorx("skipping kernel record of type %u (%zu bytes): %s",
			   type, size, why);
}

void cws_emit_bad(struct cws_emit *e, const char *why, unsigned type,
		  size_t size)
{
	bad_record(e, why, type, size);
}

int cws_emit_put(struct cws_emit *e, const struct cws_event *ev)
{
	int err;

	if (!(e->events_mask & (1ull << ev->evt.type))) {
		e->filtered++;
		return 0;
	}
	err = cws_writer_put(&e->w, ev);
	if (err == -E2BIG) {
		/* Cannot happen with the kernel's caps; never fatal anyway. */
		bad_record(e, "too large for the stream", ev->evt.type, 0);
		return 0;
	}
	if (!err)
		e->events++;
	return err;
}

void cws_emit_process(struct cws_emit *e, const struct cws_kev_process *kp)
{
	cws_cache_fill(e->cache, &e->ev, kp, e->boot_to_epoch, &e->w);
}

void cws_emit_event_begin(struct cws_emit *e, const struct cws_kev_header *h,
			  const struct cws_kev_process *kp,
			  enum cws_event_type type)
{
	struct cws_event *ev = &e->ev;

	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->timestamp = epoch(e, h->timestamp);
	ev->evt.name = cws_event_type_name(type);
	ev->evt.type = type;
	ev->evt.cpu = h->cpu;
	ev->evt.retval = 0;
	/* pid 0: a packet whose sender is not known (bpf/dns.bpf.h). */
	if (kp->pid)
		cws_emit_process(e, kp);
}

/*
 * The cache takes the new image first, so that the event's process (and
 * every later event of this process and its children) is the new program;
 * its ancestors start at the image it replaced, as Datadog's do.
 */
static int emit_exec(struct cws_emit *e, const struct cws_kev_exec *k,
		     size_t size)
{
	struct cws_event *ev = &e->ev;
	struct cws_process *p = &ev->process;

	if (size < offsetof(struct cws_kev_exec, data) ||
	    size < CWS_KEV_EXEC_SIZE(k) || k->path_len > CWS_KEV_PATH_MAX ||
	    k->args_len > CWS_KEV_ARGS_MAX || k->envs_len > CWS_KEV_ENVS_MAX) {
		bad_record(e, "lengths do not match the record size",
			   k->hdr.type, size);
		return 0;
	}

	cws_cache_exec(e->cache, k,
		       k->path_error == CWS_KEV_PATH_OK ?
			       NULL :
			       cws_emit_path_error(k->path_error));
	if (!(e->events_mask & (1ull << CWS_EVT_EXEC))) {
		e->filtered++;
		return 0;
	}
	cws_emit_event_begin(e, &k->hdr, &k->proc, CWS_EVT_EXEC);

	/* exec.* is the same image: the new process is the exec's target. */
	ev->exec.file = p->file;
	ev->exec.argv = p->argv;
	ev->exec.args_truncated = p->args_truncated;

	return cws_emit_put(e, ev);
}

int cws_emit_record(struct cws_emit *e, const void *data, size_t size)
{
	struct cws_kev_header h;
	int err;

	if (size < sizeof(h)) {
		bad_record(e, "shorter than a header", 0, size);
		return 0;
	}
	memcpy(&h, data, sizeof(h));
	if (h.version != CWS_KEV_VERSION) {
		bad_record(e, "unknown version", h.type, size);
		return 0;
	}
	switch (h.type) {
	case CWS_KEV_EXEC:
		err = emit_exec(e, data, size);
		break;
	case CWS_KEV_FORK:
		err = cws_emit_fork(e, data, size);
		break;
	case CWS_KEV_EXIT:
		err = cws_emit_exit(e, data, size);
		break;
	case CWS_KEV_SYSCALL:
		err = cws_emit_syscall(e, data, size);
		break;
	case CWS_KEV_CWD:
		err = cws_emit_cwd(e, data, size);
		break;
	default:
		bad_record(e, "unknown type", h.type, size);
		return 0;
	}
	/* After the record's event: an exit's keys retire after it. */
	return err ? err : put_gone(e);
}
