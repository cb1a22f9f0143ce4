/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stream loop. Records are read with lib/event's reader and turned
 * into messages (payload.c). Without an intake the messages go out as
 * JSON lines; with one they go into the open batch, whose bytes are also
 * appended to the journal (current.part in the spool) whenever no whole
 * record is left in the reader's buffer, before the next read: the
 * journal is turned back into a batch at the next start. The input's
 * bytes leave their pipe only once their messages are in the journal
 * ("Input", below), so a crash, even SIGKILL, loses nothing that reached
 * the pipe. A batch closes at batch_max_size messages,
 * batch_max_content_size bytes or batch_wait seconds, is compressed and
 * handed to the spool, which fsyncs it before any sender sees it.
 *
 * fsync discipline: the journal is written but never fsync'd (it
 * survives a crash of the process, not of the machine); a closed batch
 * is fsync'd, and so are the directories it is linked into, before the
 * journal is removed. So power loss can cost at most the last
 * batch_wait seconds; a crash of cws-ship, nothing it journaled.
 *
 * If the spool cannot be written (disk full), cws-ship stops reading
 * and tries again every second: the pipe fills up and the stages before
 * it count their drops, rather than cws-ship losing events it took.
 *
 * Signals only set flags; a 250 ms interval timer interrupts a blocked
 * read(2). After SIGTERM or SIGINT cws-ship reads on to the end of its
 * input (a terminal signals every stage of a pipeline at once, and the
 * stages before it close their output once they have written what they
 * hold), then closes the open batch, gives the senders
 * logs_config.stop_grace_period to empty their queues and exits 0; what
 * is left stays in the spool. A second signal exits at once: what was
 * read is in the journal. SIGHUP reopens the -o file.
 */
#include "compat.h"
#include "ship.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config.h"
#include "exit.h"
#include "sandbox.h"
#include "status.h"
#include "sigs.h"

#define SCRATCH_MAX (64u << 20)
#define LOCAL_FLUSH (1u << 20) /* bytes of lines written at once */

static volatile sig_atomic_t stop_signal, hup_signal;
/* SIGUSR2: cws run set a log level; the first pass reads it too. */
static volatile sig_atomic_t usr2_signal = 1;

static void on_stop(int sig)
{
	if (stop_signal)
		cws_log_second_signal(sig);
	stop_signal = sig;
}

static void on_hup(int sig)
{
	(void)sig;
	hup_signal = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	usr2_signal = 1;
}

/* The tick: time to look at the clock (periodic). */
static volatile sig_atomic_t tick_signal = 1;

static void on_tick(int sig)
{
	(void)sig;
	tick_signal = 1;
}

struct ship {
	struct ship_opts *o;
	struct cws_reader rd;
	struct cws_event *ev;
	struct jbuf scratch, msgs, body, comp;
	/* The open batch. */
	uint64_t seq;
	uint32_t count;
	long long opened_ms;
	int part_fd;
	size_t journaled; /* bytes of body in the journal */
	off_t part_len; /* the journal's good length on disk */
	/* Input (peek mode): what the journal's last mark names. */
	bool peek;
	struct spool_mark resume;
	bool has_resume;
	uint64_t resumed_bytes; /* input skipped at start: journaled before */
	const char *test_crash; /* CWS_SHIP_TEST_CRASH (tests only) */
	bool blocked; /* the spool refused the last batch */
	int held; /* messages waiting in msgs while blocked */
	/* Local output. */
	int out_fd;
	bool out_close;
	int out_err; /* a write to the output failed */
	/* Delivery. */
	struct spool sp;
	bool spool_open;
	struct sender *snd; /* eps.n x eps.concurrency */
	size_t nsnd;
	/* The last self-test matches accepted (cws self-test reads them). */
	struct {
		char rule_id[128];
		char path[512];
		uint64_t at_ns;
	} self_test[SHIP_SELF_TEST_KEEP];
	unsigned self_test_next;
	uint64_t self_test_matches;
	/* Counters. */
	uint64_t records, messages, skipped, bad_records, too_large;
	uint64_t encode_errors, batches, write_errors;
	char last_error[320];
	uint64_t started_ns;
	long long next_status_ms;
	bool status_failed;
	struct cws_ratelimit bad_rl, err_rl;
};

static int setup_signals(void)
{
	static const struct cws_sig sigs[] = {
		{ SIGINT, on_stop },  { SIGTERM, on_stop }, { SIGHUP, on_hup },
		{ SIGUSR2, on_usr2 }, { SIGALRM, on_tick },
	};

	return cws_signals(sigs, CWS_ARRAY_SIZE(sigs), SHIP_TICK_MS);
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* --- status ------------------------------------------------------------- */

static const char *const drop_names[DROP__COUNT] = {
	[DROP_HTTP_400] = "http_400",	  [DROP_HTTP_401] = "http_401",
	[DROP_HTTP_403] = "http_403",	  [DROP_HTTP_413] = "http_413",
	[DROP_SPOOL_FULL] = "spool_full", [DROP_CORRUPT] = "corrupt",
};

#define SETI(doc, key, v) \
	json_object_set_new((doc), (key), json_integer((json_int_t)(v)))

static json_t *endpoint_status(struct ship *s, size_t i)
{
	const struct endpoint *ep = &s->o->eps.ep[i];
	struct ep_stats *st = &s->sp.st[i];
	json_t *j = json_object(), *d = json_object(), *dm = json_object();
	char line[512], when[64], key[300], raw[300];
	uint64_t pb, pm;
	size_t k;

	spool_pending(&s->sp, i, &pb, &pm);
	endpoint_status_line(&s->o->eps, ep, line, sizeof(line));
	endpoint_api_key(&s->o->eps, i, raw, sizeof(raw));
	endpoint_key_tail(raw, key, sizeof(key));
	pthread_mutex_lock(&s->sp.mu);
	json_object_set_new(j, "url", json_string(ep->url));
	json_object_set_new(j, "status", json_string(line));
	json_object_set_new(j, "protocol",
			    json_string(ep->proto == EP_TCP ? "tcp" : "http"));
	json_object_set_new(j, "reliable", json_boolean(ep->reliable));
	if (ep->additional)
		json_object_set_new(j, "additional", json_true());
	if (ep->mrf) {
		json_object_set_new(j, "mrf", json_true());
		json_object_set_new(j, "failover_logs",
				    json_boolean(s->sp.failover));
	}
	if (*ep->proxy)
		json_object_set_new(j, "socks5", json_string(ep->proxy));
	json_object_set_new(j, "api_key", json_string(key));
	json_object_set_new(j, "state", json_string(st->state));
	SETI(j, "sent_messages", st->sent_messages);
	SETI(j, "sent_batches", st->sent_batches);
	SETI(j, "sent_bytes", st->sent_bytes);
	SETI(j, "retries", st->retries);
	SETI(j, "spooled_messages", st->spooled_messages);
	SETI(j, "spooled_batches", st->spooled_batches);
	if (ep->mrf) {
		SETI(j, "skipped_messages", st->skipped_messages);
		SETI(j, "skipped_batches", st->skipped_batches);
	}
	SETI(j, "pending_messages", pm);
	SETI(j, "pending_batches", pb);
	for (k = 0; k < DROP__COUNT; k++) {
		SETI(d, drop_names[k], st->dropped_messages[k]);
		SETI(dm, drop_names[k], st->dropped_batches[k]);
	}
	json_object_set_new(j, "dropped_messages", d);
	json_object_set_new(j, "dropped_batches", dm);
	if (*st->last_error) {
		json_object_set_new(j, "last_error",
				    json_string(st->last_error));
		cws_status_time(when, sizeof(when), st->last_error_ns);
		json_object_set_new(j, "last_error_at", json_string(when));
	}
	if (st->last_success_ns) {
		cws_status_time(when, sizeof(when), st->last_success_ns);
		json_object_set_new(j, "last_success_at", json_string(when));
	}
	pthread_mutex_unlock(&s->sp.mu);
	return j;
}

static json_t *self_test_status(const struct ship *s)
{
	json_t *st = json_object(), *evs = json_array();
	char when[64];
	unsigned i;

	for (i = 0; i < SHIP_SELF_TEST_KEEP; i++) {
		unsigned k = (s->self_test_next + i) % SHIP_SELF_TEST_KEEP;
		json_t *j;

		if (!s->self_test[k].at_ns)
			continue;
		j = json_object();
		json_object_set_new(j, "rule_id",
				    json_string(s->self_test[k].rule_id));
		json_object_set_new(j, "path",
				    json_string(s->self_test[k].path));
		cws_status_time(when, sizeof(when), s->self_test[k].at_ns);
		json_object_set_new(j, "at", json_string(when));
		json_array_append_new(evs, j);
	}
	json_object_set_new(st, "matches",
			    json_integer((json_int_t)s->self_test_matches));
	json_object_set_new(st, "events", evs);
	return st;
}

static void write_status(struct ship *s, const char *state)
{
	char now[64], started[64];
	uint64_t t = cws_event_now();
	json_t *doc = json_object(), *eps, *sp, *pj;
	struct cws_proc_stats ps;
	size_t i;
	int err;

	cws_status_time(now, sizeof(now), t);
	cws_status_time(started, sizeof(started), s->started_ns);
	json_object_set_new(doc, "tool", json_string("cws-ship"));
	json_object_set_new(doc, "version", json_string(CWS_VERSION));
	SETI(doc, "pid", getpid());
	json_object_set_new(doc, "state", json_string(state));
	json_object_set_new(doc, "started_at", json_string(started));
	json_object_set_new(doc, "updated_at", json_string(now));
	SETI(doc, "uptime_seconds", (t - s->started_ns) / 1000000000ull);
	json_object_set_new(doc, "output",
			    json_string(s->o->local ? "local" : "intake"));
	json_object_set_new(doc, "sandbox",
			    json_string(cws_sandbox_enabled() ? "on" : "off"));
	SETI(doc, "records", s->records);
	SETI(doc, "messages", s->messages);
	SETI(doc, "skipped_records", s->skipped);
	SETI(doc, "bad_records", s->bad_records);
	SETI(doc, "dropped_too_large", s->too_large);
	SETI(doc, "encode_errors", s->encode_errors);
	SETI(doc, "batches", s->batches);
	cws_reader_proc_stats(&s->rd, &ps);
	json_object_set_new(doc, "process_table", cws_status_proc(&ps, true));
	pj = json_object();
	SETI(pj, "hits", payload_ctx_stats()->hits);
	SETI(pj, "misses", payload_ctx_stats()->misses);
	SETI(pj, "swept", payload_ctx_stats()->swept);
	SETI(pj, "kept", payload_ctx_stats()->kept);
	SETI(pj, "bytes", payload_ctx_stats()->bytes);
	json_object_set_new(doc, "process_json", pj);
	json_object_set_new(doc, "self_test", self_test_status(s));
	if (!s->o->local) {
		json_t *in = json_object();

		json_object_set_new(in, "mode",
				    json_string(s->peek ? "peek" : "read"));
		SETI(in, "resumed_bytes", s->resumed_bytes);
		SETI(in, "forced_bytes", s->rd.forced);
		json_object_set_new(doc, "input", in);
	}
	if (s->spool_open) {
		sp = json_object();
		json_object_set_new(sp, "dir", json_string(s->sp.dir));
		pthread_mutex_lock(&s->sp.mu);
		SETI(sp, "bytes", s->sp.bytes);
		SETI(sp, "batches", s->sp.n);
		SETI(sp, "max_bytes", s->sp.max_bytes);
		SETI(sp, "dropped_full_batches", s->sp.full_dropped_batches);
		SETI(sp, "dropped_full_messages", s->sp.full_dropped_messages);
		pthread_mutex_unlock(&s->sp.mu);
		json_object_set_new(sp, "blocked", json_boolean(s->blocked));
		json_object_set_new(doc, "spool", sp);
		json_object_set_new(doc, "protocol",
				    json_string(s->o->eps.proto == EP_TCP ?
							"tcp" :
							"http"));
		json_object_set_new(doc, "decision",
				    json_string(s->o->eps.decision));
		SETI(doc, "batch_max_concurrent_send", s->o->eps.concurrency);
		eps = json_array();
		for (i = 0; i < s->o->eps.n; i++)
			json_array_append_new(eps, endpoint_status(s, i));
		json_object_set_new(doc, "endpoints", eps);
	}
	if (*s->last_error)
		json_object_set_new(doc, "last_error",
				    json_string(s->last_error));
	err = cws_status_write(s->o->run_path, "cws-ship", doc);
	json_decref(doc);
	if (err && !s->status_failed) {
		s->status_failed = true;
		cws_warnx("cannot write the status file in '%s': %s",
			  s->o->run_path, strerror(-err));
	}
}

/* --- local output ------------------------------------------------------- */

static int open_output(struct ship *s)
{
	const char *f = s->o->output;
	int fd;

	if (!f || !strcmp(f, "-")) {
		s->out_fd = STDOUT_FILENO;
		s->out_close = false;
		return 0;
	}
	fd = open(f, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		cws_error("cannot open output file '%s'", f);
		return -errno;
	}
	if (s->out_close)
		close(s->out_fd);
	s->out_fd = fd;
	s->out_close = true;
	return 0;
}

/* Writes the buffered messages as lines: "m,\n" becomes "m\n". */
static int flush_local(struct ship *s)
{
	char *p = s->msgs.p, *end = s->msgs.p + s->msgs.len, *nl;
	size_t o = 0;
	int rc;

	if (!s->msgs.len)
		return 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		memmove(s->msgs.p + o, p, (size_t)(nl - p - 1));
		o += (size_t)(nl - p - 1);
		s->msgs.p[o++] = '\n';
		p = nl + 1;
	}
	rc = write_all(s->out_fd, s->msgs.p, o);
	jb_reset(&s->msgs);
	return rc;
}

/* --- batches ------------------------------------------------------------ */

/*
 * Appends the open batch's new messages to the journal, after the mark
 * line that names the input they were made from (m; none outside peek
 * mode). Returns 0, or a negative errno with the journal as it was.
 */
static int journal(struct ship *s, const struct spool_mark *m)
{
	char line[96];
	size_t n;
	int rc = 0, k = 0;

	if (s->part_fd < 0 || s->journaled >= s->body.len)
		return 0;
	n = s->body.len - s->journaled;
	if (m) {
		k = spool_mark_format(line, sizeof(line), m,
				      (uint64_t)s->part_len, n);
		rc = k < 0 ? k : write_all(s->part_fd, line, (size_t)k);
	}
	if (!rc)
		rc = write_all(s->part_fd, s->body.p + s->journaled, n);
	if (rc) {
		/*
		 * A short write (a full disk) would leave half a line that
		 * hides the lines after it: cut back to the last whole one
		 * and try again later.
		 */
		if (ftruncate(s->part_fd, s->part_len) ||
		    lseek(s->part_fd, s->part_len, SEEK_SET) < 0) {
			close(s->part_fd);
			s->part_fd = -1;
		}
		if (cws_ratelimit_ok(&s->err_rl))
			cws_errorx("spool: cannot write the journal: %s",
				   strerror(-rc));
		return rc;
	}
	s->journaled = s->body.len;
	s->part_len += (off_t)(n + (size_t)k);
	return 0;
}

/*
 * Input. cws-ship's input is usually a pipe (cws run makes one), and a
 * pipe gives its bytes up at read(2): killed between a read and the
 * journal write of what it made of them, cws-ship would lose those
 * events, counted nowhere. So it reads its pipe in peek mode (lib/event:
 * tee(2) copies the bytes, they stay in the pipe) and takes bytes out only
 * here, once the messages made of them are in the journal, whose write
 * starts with a mark naming those bytes (length and checksum). A
 * successor started on the same pipe finds the mark in the journal it
 * recovers: if the pipe starts with the bytes it names, the kill came
 * between the journal write and their taking, and it takes them out
 * unread (resumed_bytes); otherwise it reads them, since the journal does
 * not hold their messages. Either way each event is journaled once.
 *
 * A batch closes only here too (at a record's start, or between records),
 * so that a batch spooled never holds messages of bytes still in the pipe.
 * Bytes that made no message are taken out without a mark: read again,
 * they make none. Input that is not a pipe is read as before.
 */
static void checkpoint(struct ship *s, uint64_t upto)
{
	struct spool_mark m;
	const char *p, *crash;
	size_t n;
	int rc;

	n = cws_reader_uncommitted(&s->rd, upto, &p);
	if (!n) {
		journal(s, NULL);
		return;
	}
	m.len = n;
	m.sum = spool_input_sum(p, n);
	/* t3100 kills cws-ship in each window: read, journaled. */
	crash = s->test_crash && s->journaled < s->body.len ? s->test_crash :
							      "";
	if (!strcmp(crash, "read"))
		raise(SIGKILL);
	/* Without a journal, nothing to keep the bytes for. */
	if (journal(s, &m) && s->part_fd >= 0)
		return;
	if (!strcmp(crash, "journaled"))
		raise(SIGKILL);
	rc = cws_reader_commit(&s->rd, upto);
	if (rc && cws_ratelimit_ok(&s->err_rl))
		cws_errorx("cannot take %zu bytes out of the input pipe: %s", n,
			   strerror(-rc));
}

/*
 * At start, in peek mode: the bytes the recovered journal's last mark
 * names, if the pipe starts with them, were journaled by the cws-ship
 * before, killed before it took them out.
 */
static void resume_input(struct ship *s)
{
	char *buf;
	ssize_t got;
	int rc;

	if (!s->has_resume || !s->resume.len || s->resume.len > s->rd.pipe_cap)
		return;
	buf = malloc((size_t)s->resume.len);
	if (!buf)
		return;
	got = cws_reader_peek_head(&s->rd, buf, (size_t)s->resume.len);
	if (got == (ssize_t)s->resume.len &&
	    spool_input_sum(buf, (size_t)got) == s->resume.sum) {
		rc = cws_reader_discard(&s->rd, (size_t)got);
		if (rc)
			cws_errorx("cannot take the journaled input out of the "
				   "pipe: %s",
				   strerror(-rc));
		else {
			s->resumed_bytes = (uint64_t)got;
			cws_info("input: %zd bytes the cws-ship before had "
				 "journaled were still in the pipe: taken out "
				 "unread",
				 got);
		}
	}
	free(buf);
}

static int open_batch(struct ship *s)
{
	char path[PATH_MAX], head[64];
	int n;

	s->seq = spool_take_seq(&s->sp);
	s->count = 0;
	s->opened_ms = ship_now_ms();
	jb_reset(&s->body);
	jb_raw(&s->body, "[\n", 2);
	s->journaled = 2;
	spool_part_path(&s->sp, path, sizeof(path));
	s->part_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->part_fd < 0) {
		cws_error("spool: cannot open the journal '%s'", path);
		return 0; /* the batch still works, only less safely */
	}
	n = snprintf(head, sizeof(head), PART_MAGIC " %" PRIu64 "\n[\n",
		     s->seq);
	if (write_all(s->part_fd, head, (size_t)n)) {
		close(s->part_fd);
		s->part_fd = -1;
		unlink(path);
	}
	s->part_len = n;
	return 0;
}

/*
 * Turns a body ending in ",\n" into a JSON array, compresses it and
 * spools it as seq.
 */
static int spool_body(struct ship *s, uint64_t seq, uint32_t count,
		      struct jbuf *body)
{
	const struct endpoint_set *eps = &s->o->eps;
	int rc;

	body->len -= 2; /* the last ",\n" */
	jb_raw(body, "\n]", 2);
	if (body->err)
		return body->err;
	rc = ship_compress(eps->encoding, eps->level, body->p, body->len,
			   &s->comp);
	if (rc) {
		cws_errorx("cannot compress a batch: %s", strerror(-rc));
		return rc;
	}
	return spool_add(&s->sp, seq, count, eps->encoding, body->len,
			 s->comp.p, s->comp.len);
}

static int close_batch(struct ship *s)
{
	char path[PATH_MAX];
	int rc;

	if (!s->count)
		return 0;
	rc = spool_body(s, s->seq, s->count, &s->body);
	if (rc) {
		/* Put the separator back: the batch is retried as it is. */
		s->body.len -= 2;
		jb_raw(&s->body, ",\n", 2);
		s->blocked = true;
		snprintf(s->last_error, sizeof(s->last_error),
			 "cannot spool batch %" PRIu64 ": %s", s->seq,
			 strerror(-rc));
		return rc;
	}
	if (s->blocked)
		cws_info("spool: writable again, reading resumes");
	s->blocked = false;
	s->batches++;
	s->count = 0;
	jb_reset(&s->body);
	if (s->part_fd >= 0) {
		close(s->part_fd);
		s->part_fd = -1;
	}
	spool_part_path(&s->sp, path, sizeof(path));
	unlink(path);
	return 0;
}

/* A journal left by a crash becomes the batch it would have been. */
static void recover_part(struct ship *s)
{
	char path[PATH_MAX];
	struct jbuf data;
	struct spool_part part;
	char tmp[65536];
	ssize_t n;
	int fd;

	spool_part_path(&s->sp, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	jb_init(&data, s->o->batch_max_bytes + (1u << 20));
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		jb_raw(&data, tmp, (size_t)n);
	close(fd);
	if (data.err || !data.p || spool_part_parse(data.p, data.len, &part)) {
		cws_warnx("spool: journal '%s' is unreadable: removed", path);
		goto out;
	}
	s->resume = part.mark;
	s->has_resume = part.has_mark;
	spool_seen_seq(&s->sp, part.seq);
	if (!part.count || spool_has(&s->sp, part.seq))
		goto out;
	/* The body: "[\n" and the complete lines. */
	memmove(data.p, data.p + part.body_start,
		part.body_end - part.body_start);
	data.len = part.body_end - part.body_start;
	if (spool_body(s, part.seq, part.count, &data))
		goto keep;
	cws_info("spool: recovered %u events read before cws-ship stopped",
		 part.count);
out:
	unlink(path);
keep:
	jb_release(&data);
}

/* --- records ------------------------------------------------------------ */

static void add_messages(struct ship *s, int n)
{
	const struct ship_opts *o = s->o;

	/* One message alone over the limit can never be sent. */
	if (s->msgs.len + 4 > o->batch_max_bytes) {
		s->too_large += (uint64_t)n;
		snprintf(s->last_error, sizeof(s->last_error),
			 "offset %llu: message of %zu bytes dropped: larger "
			 "than batch_max_content_size",
			 (unsigned long long)s->ev->offset, s->msgs.len);
		if (cws_ratelimit_ok(&s->err_rl))
			cws_errorx("%s", s->last_error);
		jb_reset(&s->msgs);
		return;
	}
	if (s->count && (s->body.len + s->msgs.len + 2 > o->batch_max_bytes ||
			 s->count + (uint32_t)n > o->batch_max_msgs)) {
		/* This record's messages go to the next batch. */
		checkpoint(s, s->ev->offset);
		close_batch(s);
	}
	if (s->blocked) {
		s->held = n; /* kept in s->msgs, added once unblocked */
		return;
	}
	s->held = 0;
	if (!s->count)
		open_batch(s);
	jb_raw(&s->body, s->msgs.p, s->msgs.len);
	s->count += (uint32_t)n;
	s->messages += (uint64_t)n;
	jb_reset(&s->msgs);
}

/* A self-test match: accepted and noted, not sent. */
static bool self_test(struct ship *s, const struct cws_event *ev)
{
	const struct cws_event_rule *r = ev->rule;
	unsigned k;

	if (ev->type != CWS_REC_EVENT || !r || !r->id || !r->policy_source ||
	    strcmp(r->policy_source, SHIP_SELF_TEST_SOURCE))
		return false;
	k = s->self_test_next++ % SHIP_SELF_TEST_KEEP;
	snprintf(s->self_test[k].rule_id, sizeof(s->self_test[k].rule_id), "%s",
		 r->id);
	snprintf(s->self_test[k].path, sizeof(s->self_test[k].path), "%s",
		 ev->obj.file.path ? ev->obj.file.path : "");
	s->self_test[k].at_ns = cws_event_now();
	s->self_test_matches++;
	/* cws self-test is waiting: say so now, not in 5 seconds. */
	s->next_status_ms = 0;
	return true;
}

/*
 * The record's msgpack object, for what the decoder does not keep: only
 * an event with an "envp" (schema 1) and control records need it, and
 * unpacking every event again would cost a fifth of cws-ship's time.
 */
static const msgpack_object *record_object(struct ship *s,
					   const struct cws_event *ev)
{
	const char *p, *end;

	if (ev->type != CWS_REC_EVENT || !ev->raw || s->rd.obj_ready)
		return cws_reader_object(&s->rd);
	/* "envp" anywhere in the bytes: a 'v' is rare in a record. */
	end = ev->raw + ev->raw_len;
	for (p = ev->raw + 2; p + 1 < end; p++) {
		p = memchr(p, 'v', (size_t)(end - 1 - p));
		if (!p)
			break;
		if (p[-2] == 'e' && p[-1] == 'n' && p[1] == 'p')
			return cws_reader_object(&s->rd);
	}
	return NULL;
}

/*
 * The wrapper's timestamp, in ms: the coarse clock (the kernel's tick,
 * a few ms) is plenty for it, at a fraction of the cost of a read of the
 * precise one, which is per message.
 */
static uint64_t now_coarse_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &ts))
		return cws_event_now() / 1000000ull;
	return (uint64_t)ts.tv_sec * 1000ull +
	       (uint64_t)ts.tv_nsec / 1000000ull;
}

static void handle(struct ship *s, const struct cws_event *ev)
{
	uint64_t now_ms = now_coarse_ms();
	int n;

	s->records++;
	if (self_test(s, ev))
		return;
	n = payload_record(&s->o->po, ev, record_object(s, ev), now_ms,
			   &s->scratch, &s->msgs);
	if (n < 0) {
		s->encode_errors++;
		snprintf(s->last_error, sizeof(s->last_error),
			 "offset %llu: cannot encode the %s record: %s",
			 (unsigned long long)ev->offset,
			 ev->type_name ? ev->type_name : "?",
			 n == -E2BIG ? "too large" : strerror(-n));
		if (cws_ratelimit_ok(&s->err_rl))
			cws_errorx("%s", s->last_error);
		jb_reset(&s->msgs);
		return;
	}
	if (!n) {
		s->skipped++;
		return;
	}
	if (s->o->local) {
		s->messages += (uint64_t)n;
		/* Flushed when the input pauses, or when this much waits. */
		if (s->msgs.len >= LOCAL_FLUSH && !s->out_err)
			s->out_err = flush_local(s);
		return;
	}
	add_messages(s, n);
}

/*
 * The reader is about to read(2), which may block: no whole record is
 * left in its buffer. What was read goes out now: the lines (-o), or the
 * open batch's new bytes to the journal. A failed write of the lines is
 * returned (cws_reader_next hands it back; the loop reports it).
 */
static int on_wait(void *arg)
{
	struct ship *s = arg;

	if (!s->o->local) {
		checkpoint(s, cws_reader_pos(&s->rd));
		return 0;
	}
	if (!s->out_err)
		s->out_err = flush_local(s);
	return s->out_err;
}

/* payload_ctx_sweep's question, to the reader's process table. */
static bool key_live(void *arg, uint64_t key)
{
	return cws_reader_key_live(arg, key);
}

static void periodic(struct ship *s)
{
	long long now = ship_now_ms();

	if (!s->o->local && s->count &&
	    now - s->opened_ms >= s->o->batch_wait_ms) {
		checkpoint(s, cws_reader_pos(&s->rd));
		close_batch(s);
	}
	if (now >= s->next_status_ms) {
		s->next_status_ms = now + SHIP_STATUS_MS;
		payload_ctx_sweep(key_live, &s->rd);
		write_status(s, "running");
	}
}

/* The check's answer at start: the same decision, without the wait. */
static bool same_check(const struct endpoint *ep, void *arg)
{
	const struct endpoint_set *was = arg;

	(void)ep;
	return was->proto == EP_HTTP;
}

/*
 * SIGHUP: the configuration again, for what can change without a
 * restart: the API keys (Datadog reads its key before every request)
 * and multi_region_failover.failover_logs. Endpoints, protocol and
 * batching stay as they were at start.
 */
static void reload(struct ship *s)
{
	struct cws_config *cfg = cws_config_new();
	struct cws_config_err err;
	struct endpoint_set *fresh = calloc(1, sizeof(*fresh));
	char why[256];
	bool fo;

	if (!cfg || !fresh)
		goto out;
	if (cws_config_load(cfg, s->o->config_path, &err)) {
		cws_errorx("SIGHUP: %s: the configuration stays as it was",
			   err.msg);
		goto out;
	}
	if (endpoint_decide(cfg, fresh, same_check, &s->o->eps, why,
			    sizeof(why))) {
		cws_errorx("SIGHUP: %s: the endpoints stay as they were", why);
		goto out;
	}
	if (!endpoint_reload_keys(&s->o->eps, fresh))
		cws_info("SIGHUP: the API keys are unchanged");
	fo = cws_config_get_bool(cfg, "multi_region_failover.failover_logs");
	if (fo != s->sp.failover)
		cws_info("SIGHUP: multi_region_failover.failover_logs is now "
			 "%s",
			 fo ? "true: new batches go to the failover region "
			      "too" :
			      "false");
	s->sp.failover = fo;
	s->next_status_ms = 0;
out:
	if (fresh)
		pthread_mutex_destroy(&fresh->key_mu);
	free(fresh);
	cws_config_free(cfg);
}

static int loop(struct ship *s)
{
	struct cws_event_err err;
	bool stopping = false;
	int n, rc;

	for (;;) {
		if (stop_signal && !stopping) {
			stopping = true;
			cws_debug("%s: reading to the end of the input",
				  strsignal(stop_signal));
		}
		if (hup_signal) {
			hup_signal = 0;
			if (s->o->local && s->out_close) {
				cws_info("reopening '%s'", s->o->output);
				open_output(s);
			}
			if (!s->o->local)
				reload(s);
		}
		if (usr2_signal) {
			usr2_signal = 0;
			cws_log_runtime_level(s->o->run_path);
		}
		/* Not per record: the clock costs more than a record's read. */
		if (tick_signal || !s->next_status_ms) {
			tick_signal = 0;
			periodic(s);
		}
		if (s->blocked) {
			/* Nothing is read until the batch is spooled. */
			if (!close_batch(s) && s->held)
				add_messages(s, s->held);
			/* What is still unread was never accepted. */
			if (s->blocked && stop_signal)
				break;
			if (s->blocked) {
				if (cws_ratelimit_ok(&s->err_rl))
					cws_errorx("%s; reading stops until "
						   "it can",
						   s->last_error);
				sleep(1);
				continue;
			}
		}
		if (s->out_err) {
			rc = s->out_err;
			if (rc == -EPIPE) {
				cws_info("standard output closed, stopping");
				return CWS_EXIT_FAILURE;
			}
			errno = -rc;
			cws_error("cannot write the output");
			return CWS_EXIT_FAILURE;
		}
		n = cws_reader_next(&s->rd, s->ev, &err);
		if (n == 0)
			break;
		if (n == -EINTR || (n < 0 && s->out_err))
			continue;
		if (n == -EBADMSG) {
			s->bad_records++;
			snprintf(s->last_error, sizeof(s->last_error),
				 "offset %llu: %s",
				 (unsigned long long)err.offset, err.msg);
			if (cws_ratelimit_ok(&s->bad_rl))
				cws_errorx("offset %llu: %s",
					   (unsigned long long)err.offset,
					   err.msg);
			continue;
		}
		if (n < 0) {
			errno = -n;
			cws_error("cannot read standard input");
			return CWS_EXIT_FAILURE;
		}
		handle(s, s->ev);
	}
	if (s->o->local) {
		rc = flush_local(s);
		if (rc && rc != -EPIPE) {
			errno = -rc;
			cws_error("cannot write the output");
			return CWS_EXIT_FAILURE;
		}
		return CWS_EXIT_OK;
	}
	checkpoint(s, cws_reader_pos(&s->rd));
	close_batch(s);
	return CWS_EXIT_OK;
}

/*
 * Nothing cws-ship does needs a privilege. Once its files are open (the
 * spool, the output), started as root it becomes cws_user (the spool
 * given to that user first; run_path shared with its group), which
 * leaves no capability; then Landlock leaves it the spool and run_path
 * to write, and the system's files to read (libraries, CA bundles, the
 * resolver's files, the configuration for SIGHUP); then the seccomp
 * allow-list. All before the sender threads start, which inherit it.
 */
static int sandbox_user(struct ship *s)
{
	const struct ship_opts *o = s->o;
	uid_t uid;
	gid_t gid;
	int rc;

	if (!cws_sandbox_enabled())
		return 0;
	if (getuid())
		return cws_sandbox_no_new_privs();
	if (cws_sandbox_user_ids(o->cfg, &uid, &gid)) {
		cws_warnx("user '%s' (cws_user) does not exist: running as "
			  "root without capabilities",
			  cws_config_get_string(o->cfg, "cws_user"));
		return cws_sandbox_keep_caps(NULL, 0);
	}
	/* Before the spool is opened: it is cws_user's (0700). */
	rc = o->local ? 0 : cws_sandbox_give_dir(o->cfg, o->spool_dir);
	if (rc) {
		cws_errorx("spool directory '%s': %s", o->spool_dir,
			   strerror(-rc));
		return rc;
	}
	rc = cws_sandbox_share_dir(o->cfg, o->run_path);
	if (rc) {
		cws_errorx("run_path '%s': %s", o->run_path, strerror(-rc));
		return rc;
	}
	{
		const char *dirs[] = { o->run_path,
				       o->local ? NULL : o->spool_dir };

		if (!cws_sandbox_user_reaches(o->cfg, dirs, 2)) {
			cws_warnx("user '%s' (cws_user) cannot reach run_path "
				  "or spool_dir (a parent directory closed "
				  "to it): running as root without "
				  "capabilities",
				  cws_config_get_string(o->cfg, "cws_user"));
			return cws_sandbox_keep_caps(NULL, 0);
		}
	}
	return cws_sandbox_user(o->cfg);
}

static const char *const peek_calls[] = { "tee", "splice" };

static int sandbox_rules(struct ship *s)
{
	const struct ship_opts *o = s->o;
	const char *ro[12], *rw[3];
	char cfgdir[PATH_MAX], outdir[PATH_MAX], *p;
	size_t nro = 0, nrw = 0;
	int rc;

	if (!cws_sandbox_enabled())
		return 0;
	nro = cws_sandbox_system_ro(ro);
	snprintf(cfgdir, sizeof(cfgdir), "%s",
		 o->config_path ? o->config_path : CWS_CONFIG_DEFAULT_PATH);
	p = strrchr(cfgdir, '/');
	if (p)
		*p = '\0';
	ro[nro++] = p && *cfgdir ? cfgdir : ".";
	if (o->ca_file && *o->ca_file)
		ro[nro++] = o->ca_file;
	if (!o->local)
		rw[nrw++] = o->spool_dir;
	rw[nrw++] = o->run_path;
	if (o->output && strcmp(o->output, "-")) {
		snprintf(outdir, sizeof(outdir), "%s", o->output);
		p = strrchr(outdir, '/');
		if (p)
			*p = '\0';
		rw[nrw++] = p && *outdir ? outdir : ".";
	}
	rc = cws_sandbox_landlock(ro, nro, rw, nrw);
	if (rc == -EOPNOTSUPP)
		cws_debug("no Landlock in this kernel: file system rules off");
	else if (rc)
		return rc;
	/* Peek mode's reads of the input pipe (checkpoint). */
	return cws_sandbox_seccomp(peek_calls, CWS_ARRAY_SIZE(peek_calls));
}

/* --- delivery ----------------------------------------------------------- */

static int start_senders(struct ship *s)
{
	struct ship_opts *o = s->o;
	sigset_t all, old;
	size_t i;
	unsigned slot;
	int rc = 0;

	s->snd = calloc(o->eps.n * (size_t)o->eps.concurrency, sizeof(*s->snd));
	if (!s->snd)
		return -ENOMEM;
	/* Signals are for the main thread: senders start with them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; !rc && i < o->eps.n; i++) {
		const struct endpoint *ep = &o->eps.ep[i];
		/* One TCP connection is one ordered stream. */
		unsigned n = ep->proto == EP_TCP ? 1 :
						   (unsigned)o->eps.concurrency;

		for (slot = 0; slot < n; slot++) {
			struct sender *sd = &s->snd[s->nsnd];

			sd->sp = &s->sp;
			sd->eps = &o->eps;
			sd->index = i;
			sd->slot = slot;
			sd->proxy = ep->ssl ? o->proxy_https : o->proxy_http;
			sd->no_proxy = o->no_proxy;
			sd->ca_file = o->ca_file;
			sd->insecure = o->insecure;
			backoff_init(&sd->bo, o->backoff_base,
				     o->backoff_factor, o->backoff_max,
				     o->recovery_interval, o->recovery_reset);
			rc = sender_start(sd);
			if (rc) {
				cws_errorx("cannot start a sender thread: %s",
					   strerror(-rc));
				break;
			}
			s->nsnd++;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Gives the senders the grace period, then says what stays behind. */
static void stop_senders(struct ship *s)
{
	uint64_t pb, pm;
	size_t i;

	spool_stop(&s->sp, ship_now_ms() + s->o->stop_grace_ms);
	for (i = 0; i < s->nsnd; i++)
		sender_join(&s->snd[i]);
	for (i = 0; i < s->o->eps.n; i++) {
		spool_pending(&s->sp, i, &pb, &pm);
		if (pb)
			cws_warnx("%" PRIu64 " events (%" PRIu64
				  " batches) for '%s' stay in the spool; "
				  "they are sent at the next start",
				  pm, pb, s->o->eps.ep[i].url);
	}
}

int ship_run(struct ship_opts *o)
{
	struct ship *s = calloc(1, sizeof(*s));
	char line[512];
	size_t i;
	int rc = CWS_EXIT_FAILURE, err;

	if (!s) {
		cws_errorx("out of memory");
		return CWS_EXIT_FAILURE;
	}
	s->o = o;
	s->part_fd = -1;
	s->test_crash = getenv("CWS_SHIP_TEST_CRASH");
	s->out_fd = -1;
	s->started_ns = cws_event_now();
	s->bad_rl = (struct cws_ratelimit)CWS_RATELIMIT_INIT(10, 5);
	s->err_rl = (struct cws_ratelimit)CWS_RATELIMIT_INIT(10, 5);
	jb_init(&s->scratch, SCRATCH_MAX);
	jb_init(&s->msgs, SCRATCH_MAX);
	jb_init(&s->body, o->batch_max_bytes + 16);
	jb_init(&s->comp, SCRATCH_MAX + (1u << 20));
	s->ev = malloc(sizeof(*s->ev));
	if (!s->ev || cws_reader_init(&s->rd, STDIN_FILENO)) {
		cws_errorx("out of memory");
		goto out_free;
	}
	s->rd.on_wait = on_wait;
	s->rd.on_wait_arg = s;
	if (o->local) {
		if (open_output(s))
			goto out_release;
		err = sandbox_user(s);
		if (err) {
			cws_errorx("cannot sandbox itself: %s", strerror(-err));
			goto out_release;
		}
	} else {
		/* Datadog says nothing when it took its usual way. */
		if (strcmp(o->eps.decision, "HTTP: " DEFAULT_DECISION))
			cws_info("endpoints: %s", o->eps.decision);
		for (i = 0; i < o->eps.n; i++) {
			endpoint_status_line(&o->eps, &o->eps.ep[i], line,
					     sizeof(line));
			cws_info("%s", line);
			if (!*o->eps.ep[i].api_key && !o->eps.opw)
				cws_warnx("endpoint '%s' has no API key: a "
					  "Datadog intake will refuse it (403)",
					  o->eps.ep[i].url);
		}
		err = sandbox_user(s);
		if (err) {
			cws_errorx("cannot sandbox itself: %s", strerror(-err));
			goto out_release;
		}
		if (spool_open(&s->sp, o->spool_dir, o->spool_max, &o->eps)) {
			rc = CWS_EXIT_FAILURE;
			goto out_release;
		}
		s->sp.failover = o->failover;
		s->spool_open = true;
		recover_part(s);
		/* Before Landlock: /dev/null is opened here. */
		s->peek = !cws_reader_peek(&s->rd);
		if (s->peek)
			resume_input(s);
	}
	err = sandbox_rules(s);
	if (err) {
		cws_errorx("cannot sandbox itself: %s", strerror(-err));
		goto out_stop;
	}
	cws_sandbox_test_hook();
	if (!o->local && start_senders(s))
		goto out_stop;
	err = setup_signals();
	if (err) {
		cws_errorx("cannot set up signals: %s", strerror(-err));
		goto out_stop;
	}
	s->next_status_ms = ship_now_ms();
	rc = loop(s);
	if (stop_signal)
		cws_debug("stopped by signal %d", (int)stop_signal);
	if (!o->local && rc == CWS_EXIT_OK) {
		/* A batch the spool refused stays in the journal. */
		if (s->blocked)
			cws_errorx("%s: its events stay in the journal",
				   s->last_error);
	}

out_stop:
	if (s->spool_open) {
		stop_senders(s);
		write_status(s, "stopped");
		spool_close(&s->sp);
	} else {
		write_status(s, "stopped");
	}
	if (s->part_fd >= 0)
		close(s->part_fd);
out_release:
	if (s->out_close)
		close(s->out_fd);
	cws_reader_release(&s->rd);
out_free:
	free(s->ev);
	jb_release(&s->scratch);
	jb_release(&s->msgs);
	jb_release(&s->body);
	jb_release(&s->comp);
	payload_release();
	free(s->snd);
	free(s);
	return rc;
}
