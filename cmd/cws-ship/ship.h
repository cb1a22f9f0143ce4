/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-ship's own modules:
 *
 *   jbuf.c      a bounded JSON text builder (escaping, UTF-8 repair)
 *   payload.c   stream records -> Datadog's security-event JSON, wrapped
 *               as the logs intake wants each message
 *   payload_objects.c  each event type's own object in that JSON
 *   names.c     flag, capability and signal names for the payload
 *   scrub.c     Datadog's command-line scrubber for process args
 *   endpoint.c  the endpoints Datadog builds from the same keys
 *   backoff.c   Datadog's jittered exponential backoff
 *   spoolfmt.c  the on-disk formats of the spool (batch header, journal)
 *   spool.c     the spool directory and its index; what each endpoint
 *               still has to send
 *   send.c      the HTTP sender threads of an endpoint (libcurl)
 *   tcp.c       the TCP sender of an endpoint: Datadog's framing, TLS
 *               and socks5 through libcurl's connect-only mode
 *   run.c       the stream loop: batching, journal, signals, status
 *
 * Data flow: the main thread reads records, turns each into one message
 * and appends it to the open batch, whose bytes also go to a journal
 * file in the spool as they are read. A full (or old enough) batch is
 * compressed, written to the spool and fsync'd, then linked into the
 * directory of every endpoint; each endpoint's sender thread posts its
 * batches in order and unlinks each one when the intake acknowledged it.
 * Nothing is ever held only in memory for longer than one read.
 */
#ifndef CWS_SHIP_H
#define CWS_SHIP_H

#include "compat.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <msgpack.h>

#include "event.h"
#include "log.h"

struct cws_config;

/* Datadog's protocol constants (reference §6). */
#define SHIP_TIMEOUT_MS 10000 /* one request */
#define SHIP_TICK_MS 250 /* the main loop's timer */
#define SHIP_STATUS_MS 5000 /* status file rewrite */
#define SHIP_MAX_ENDPOINTS 16 /* main + additional */
#define SHIP_AGENT_VERSION "7.73.0" /* the agent cws stands in for */
/*
 * Matches of cws-filter's built-in self-test rules (policy source
 * "self-test") are not sent, as Datadog's silent self-test rules are
 * not: cws-ship lists the last ones it accepted in its status file,
 * where `cws self-test` looks for them.
 */
#define SHIP_SELF_TEST_SOURCE "self-test"
#define SHIP_SELF_TEST_KEEP 16

/* --- jbuf.c ------------------------------------------------------------- */

/*
 * A growing text buffer with a hard cap (curl's dynbuf). Any append that
 * would pass max sets err to -E2BIG (or -ENOMEM) and is dropped; callers
 * check err once at the end.
 */
struct jbuf {
	char *p;
	size_t len, cap, max;
	int err;
};

void jb_init(struct jbuf *b, size_t max);
void jb_release(struct jbuf *b);
/* Empties the buffer and clears err; keeps the memory. */
void jb_reset(struct jbuf *b);
void jb_raw(struct jbuf *b, const char *s, size_t n);
void jb_puts(struct jbuf *b, const char *s);
/* A JSON string: quoted, escaped, invalid UTF-8 bytes as U+FFFD. */
void jb_str(struct jbuf *b, const char *s, size_t n);
void jb_cstr(struct jbuf *b, const char *s); /* NULL: "" */
/*
 * A JSON string holding s[0..n), which must itself be JSON that this
 * module wrote (valid UTF-8, control bytes already escaped): only '"'
 * and '\\' need a backslash. The wrapper's "message".
 */
void jb_str_json(struct jbuf *b, const char *s, size_t n);
/*
 * The same, when s[at..at + len) is already at hand escaped, as
 * esc[0..esc_len) (what jb_json_escape wrote for it): only the rest of s
 * is escaped here. A message reuses its process's escaped JSON this way.
 */
void jb_str_json_hole(struct jbuf *b, const char *s, size_t n, size_t at,
		      size_t len, const char *esc, size_t esc_len);
/* The same with nh holes, in order and apart (a bad list: no holes). */
struct jb_hole {
	size_t at, len;
	const char *esc;
	size_t esc_len;
};
void jb_str_json_holes(struct jbuf *b, const char *s, size_t n,
		       const struct jb_hole *h, size_t nh);
/*
 * Writes s[0..n) escaped as jb_str_json does, without the quotes, to out
 * (room for 2 n bytes); returns the length written.
 */
size_t jb_json_escape(char *out, const char *s, size_t n);
void jb_u64(struct jbuf *b, uint64_t v);
void jb_i64(struct jbuf *b, int64_t v);
/*
 * Structure: jb_open/jb_close write the bracket; jb_key writes the comma
 * that a previous member needs, the key and the colon; jb_sep writes the
 * comma an array element needs.
 */
void jb_open(struct jbuf *b, char c);
void jb_close(struct jbuf *b, char c);
void jb_keyn(struct jbuf *b, const char *key, size_t n);
void jb_sep(struct jbuf *b);
/*
 * The key helpers are inline so that the length of a literal key is
 * folded at compile time: they run a few dozen times per event.
 */
static inline void jb_key(struct jbuf *b, const char *key)
{
	jb_keyn(b, key, __builtin_strlen(key));
}

/* Members skipped when empty (Go's omitempty). */
static inline void jb_kstr(struct jbuf *b, const char *key, const char *s)
{
	if (!s || !*s)
		return;
	jb_key(b, key);
	jb_str(b, s, __builtin_strlen(s));
}

static inline void jb_ku64(struct jbuf *b, const char *key, uint64_t v)
{
	if (!v)
		return;
	jb_key(b, key);
	jb_u64(b, v);
}

static inline void jb_ki64(struct jbuf *b, const char *key, int64_t v)
{
	if (!v)
		return;
	jb_key(b, key);
	jb_i64(b, v);
}

static inline void jb_kbool(struct jbuf *b, const char *key, bool v)
{
	if (!v)
		return;
	jb_key(b, key);
	jb_raw(b, "true", 4);
}

/* An RFC 3339 time with nanoseconds, trailing zeros cut (Go's Nano). */
void jb_time(struct jbuf *b, uint64_t ns);

/* --- names.c ------------------------------------------------------------ */

/* Appends a JSON array of the names of the bits set in v. */
void names_open_flags(struct jbuf *b, uint64_t v);
void names_caps(struct jbuf *b, uint64_t v);
void names_prot(struct jbuf *b, uint64_t v); /* "PROT_READ|PROT_EXEC" */
void names_mmap_flags(struct jbuf *b, uint64_t v);
/* Arrays of names: io_uring's IOSQE_* and IORING_SETUP_* flags. */
void names_iosqe_flags(struct jbuf *b, uint64_t v);
void names_ioring_setup_flags(struct jbuf *b, uint64_t v);
/* The name of a signal ("SIGKILL"), or NULL. */
const char *names_signal(int64_t sig);
const char *names_ptrace(int64_t req);
const char *names_bpf_cmd(int64_t cmd);
/* Datadog's evt.category of an event type ("File Activity"). */
const char *names_category(const char *evt_name);
/* Splice's PIPE_BUF_FLAG_* as Datadog writes them: "A | B", "" for 0. */
void names_pipe_buf_flags(struct jbuf *b, uint64_t v);
/* BPF_MAP_TYPE_*, or NULL for a type it does not know. */
const char *names_bpf_map_type(uint32_t t);

/* --- scrub.c ------------------------------------------------------------ */

struct scrub_word {
	char *word; /* lower case, with '*' wildcards */
	char *fast; /* its longest literal part, for a first check */
};

struct scrubber {
	struct scrub_word *words;
	size_t n;
	char *line, *lower, *tmp; /* scratch: the joined command line */
	size_t cap;
};

/*
 * Datadog's default sensitive words plus extra[0..n) (the key
 * custom_sensitive_words). A word with characters other than letters,
 * digits, '_' and '*', or with "**", is skipped with a warning, as
 * Datadog does. Returns 0 or -ENOMEM.
 */
int scrub_init(struct scrubber *s, const char *const *extra, size_t n);
void scrub_release(struct scrubber *s);

/*
 * Scrubs a command line: argv[0..argc) joined with spaces, every value
 * of an argument whose name matches a sensitive word replaced by
 * "********" (Datadog's regular expression, done by hand). Returns NULL
 * when nothing matched (use argv as it is), else the scrubbed line,
 * owned by s until the next call.
 */
const char *scrub_cmdline(struct scrubber *s, const char *const *argv,
			  uint32_t argc);

/* --- payload.c ---------------------------------------------------------- */

struct payload_opts {
	const char *hostname;
	const char *const *envs_with_value;
	size_t nenvs_with_value;
	struct scrubber *scrub;
};

enum payload_result {
	PAYLOAD_MESSAGE = 1, /* one or more messages appended */
	PAYLOAD_SKIP = 0, /* a record that is not sent (hello, ...) */
};

/*
 * Appends the messages for one record to out, each a complete wrapper
 * object {"message": ..., "status", "timestamp", "hostname", "service",
 * "ddsource", "ddtags"} followed by sep: one for a match record or a
 * custom event, one per policy for a heartbeat. obj is the record's
 * msgpack object (for keys the decoder does not keep: envp, selftest
 * bodies). Returns the number of messages (0: nothing to send for this
 * record), or -E2BIG / -ENOMEM with out->err set; scratch is used for
 * the message body.
 */
int payload_record(const struct payload_opts *o, const struct cws_event *ev,
		   const msgpack_object *obj, uint64_t now_ms,
		   struct jbuf *scratch, struct jbuf *out);

/* Frees the scratch memory payload_record keeps between calls. */
void payload_release(void);

/* The per-key process JSON kept between messages (payload.c). */
struct payload_ctx_stats {
	uint64_t hits, misses;
	uint64_t swept; /* let go by payload_ctx_sweep */
	uint64_t kept, bytes; /* contexts kept now, and their memory */
};
const struct payload_ctx_stats *payload_ctx_stats(void);

/*
 * Lets go of the process JSON kept for keys that live(arg, key) says no
 * message will need any more (their process exited: cws_reader_key_live),
 * rather than keeping up to 1024 contexts of exited processes.
 */
void payload_ctx_sweep(bool (*live)(void *arg, uint64_t key), void *arg);

/* Only the inner event JSON of a match record (tests, -o raw). */
int payload_event_json(const struct payload_opts *o, const struct cws_event *ev,
		       const msgpack_object *obj, struct jbuf *out);

/* ns as Go's time.Duration.String writes it ("1.5ms"): Datadog's ttr. */
void payload_go_duration(char *buf, size_t len, uint64_t ns);

/* The "agent" member of a custom event (no rule behind it). */
void payload_agent(struct jbuf *b, const char *rule_id);

/* --- custom.c ----------------------------------------------------------- */

/* A custom event's head: "{", agent, title, date, service. */
void payload_custom_head(struct jbuf *b, const char *rule_id, const char *title,
			 uint64_t ts);
/* A policy's name, version and source, without the braces. */
void payload_policy_head(struct jbuf *b, const struct cws_ruleset_policy *p);
/* Whether p is internal (the self-test policy), left out of both events. */
bool payload_internal_policy(const struct cws_ruleset_policy *p);
/*
 * The whole ruleset_loaded body of ev; mf is the record's
 * monitored_files array, or NULL.
 */
void payload_ruleset_loaded(struct jbuf *b, const struct cws_event *ev,
			    const msgpack_object *mf, uint64_t ts);

/* --- endpoint.c --------------------------------------------------------- */

#define DEFAULT_DECISION "runtime_security_config.endpoints"

/* How an endpoint is reached. */
enum ep_proto {
	EP_HTTP, /* POST of a batch, Datadog's HTTP logs protocol */
	EP_TCP, /* one framed line per message (tcp.c) */
};

struct endpoint {
	/*
	 * HTTP: scheme://host:port/path. TCP: tcp://host:port, or
	 * tcp+tls://host:port. Its hash names the spool directory.
	 */
	char url[1024];
	char host[256];
	int port;
	bool ssl;
	bool reliable;
	bool additional;
	bool mrf; /* the multi-region failover destination */
	enum ep_proto proto;
	char proxy[512]; /* TCP: socks5 proxy host:port, "" for none */
	/*
	 * Read it with endpoint_api_key: SIGHUP may change it while the
	 * senders run. Never logged (see endpoint_key_tail).
	 */
	char api_key[256];
	char id[24]; /* "ep-<hex>": its spool directory */
};

struct endpoint_set {
	struct endpoint ep[SHIP_MAX_ENDPOINTS];
	size_t n;
	bool configured; /* an api_key or an endpoint key was set */
	bool use_compression;
	char encoding[16]; /* "gzip", "zstd" or "identity" */
	int level;
	enum ep_proto proto; /* of every endpoint but the MRF one */
	bool opw; /* the main endpoint is an Observability Pipelines Worker */
	int concurrency; /* batches in flight per endpoint, at least 1 */
	long long reset_ms; /* connection_reset_interval, 0: never */
	/*
	 * Why proto was chosen, one line (status, the start-up log):
	 * "HTTP: " DEFAULT_DECISION when nothing asked for anything else.
	 */
	char decision[256];
	pthread_mutex_t key_mu; /* guards every ep[].api_key */
};

/*
 * The connectivity check the decision runs (endpoint_decide): true when
 * an HTTP POST of an empty batch to ep succeeds within the timeout.
 * Tests put their own in its place.
 */
typedef bool (*endpoint_check_fn)(const struct endpoint *ep, void *arg);
bool endpoint_http_check(const struct endpoint *ep, void *arg);

/*
 * Builds the endpoints as Datadog's security agent decides them
 * (NewLogContext, BuildEndpointsWithConfig), calling check when the
 * decision needs the HTTP connectivity check. Returns 0, or -EINVAL
 * with one line in err.
 */
int endpoint_decide(const struct cws_config *cfg, struct endpoint_set *set,
		    endpoint_check_fn check, void *check_arg, char *err,
		    size_t errlen);

/*
 * The HTTP endpoints alone, from runtime_security_config.endpoints.*
 * (BuildHTTPEndpointsWithConfig). Returns 0 or -EINVAL.
 */
int endpoint_build(const struct cws_config *cfg, struct endpoint_set *set,
		   char *err, size_t errlen);

/*
 * The TCP endpoints from logs_config.* (Datadog's buildTCPEndpoints):
 * logs_dd_url (host:port, TLS unless logs_no_ssl), use_port_443, or
 * dd_url / agent-intake.logs.<site> with Datadog's port; the socks5
 * proxy; logs_config.additional_endpoints. Returns 0 or -EINVAL.
 */
int endpoint_build_tcp(const struct cws_config *cfg, struct endpoint_set *set,
		       char *err, size_t errlen);

/* Copies endpoint i's current API key into buf (under key_mu). */
void endpoint_api_key(struct endpoint_set *set, size_t i, char *buf,
		      size_t len);

/*
 * Takes the API keys of fresh (built again from a reloaded
 * configuration) for the endpoints of set with the same URL; says
 * which changed (their last five characters). Returns how many did.
 */
int endpoint_reload_keys(struct endpoint_set *set,
			 const struct endpoint_set *fresh);

/* Datadog's endpoint status line ("Reliable: Sending compressed ..."). */
void endpoint_status_line(const struct endpoint_set *set,
			  const struct endpoint *ep, char *buf, size_t len);

/* The last 5 characters of the key, the rest as '*' (Datadog's scrubber). */
void endpoint_key_tail(const char *key, char *buf, size_t len);

/* --- backoff.c ---------------------------------------------------------- */

/* Datadog's ExpBackoffPolicy (pkg/util/backoff), in milliseconds. */
struct backoff {
	double base_ms, factor, max_ms;
	int max_errors;
	int recovery_interval;
	bool recovery_reset;
	int errors;
};

void backoff_init(struct backoff *b, double base_s, double factor, double max_s,
		  int recovery_interval, bool recovery_reset);
/* The wait after n errors, with r in [0, 1) the random draw. */
long long backoff_delay_ms(const struct backoff *b, int n, double r);
void backoff_error(struct backoff *b);
void backoff_success(struct backoff *b);

/* --- spoolfmt.c --------------------------------------------------------- */

#define SPOOL_MAGIC "CWSSPOOL1"
#define SPOOL_HDR_MAX 256
#define PART_MAGIC "CWSPART1"

/* The header line of a batch file. */
struct spool_hdr {
	uint64_t seq;
	uint32_t count; /* messages */
	char encoding[16]; /* "gzip", "zstd", "identity" */
	uint64_t raw_len; /* bytes before compression */
	uint32_t crc; /* crc32 of the body as stored */
	char id[80]; /* the batch id sent as a header */
};

/* Writes the header line into buf; returns its length or -ENAMETOOLONG. */
int spool_hdr_format(const struct spool_hdr *h, char *buf, size_t len);

/*
 * Parses the header line at the start of data[0..len). Returns the
 * header length (the body follows), or -EINVAL with why set to what was
 * expected. Does not check the body's crc (spool_body_ok does).
 */
int spool_hdr_parse(const char *data, size_t len, struct spool_hdr *h,
		    const char **why);

/* True when body[0..n) has the header's crc. */
bool spool_body_ok(const struct spool_hdr *h, const char *body, size_t n);

/* The input a journal write was made from (run.c, "Input"). */
struct spool_mark {
	uint64_t len; /* bytes */
	uint64_t sum; /* spool_input_sum of them */
};

/* crc32 and adler32 of p[0..n), as one number. */
uint64_t spool_input_sum(const char *p, size_t n);

/*
 * Formats the mark line that starts a journal write of msgs_len bytes of
 * messages to a journal part_len long. Returns its length or
 * -ENAMETOOLONG.
 */
int spool_mark_format(char *buf, size_t len, const struct spool_mark *m,
		      uint64_t part_len, size_t msgs_len);

/* A journal, as spool_part_parse finds it. */
struct spool_part {
	uint64_t seq;
	uint32_t count; /* complete messages */
	size_t body_start, body_end; /* "[\n" and the messages */
	struct spool_mark mark; /* the last whole write's, if has_mark */
	bool has_mark;
};

/*
 * Recovers a journal ("CWSPART1 <seq>\n[\n", then mark lines and
 * "<message>,\n" lines): the complete messages of the writes that were
 * whole, moved together in place (the marks taken out) at
 * data[body_start..body_end), and the last whole write's mark. A message
 * cut by a crash, or a write cut short, is left out with what follows.
 * Returns 0 or -EINVAL.
 */
int spool_part_parse(char *data, size_t len, struct spool_part *out);

/* --- spool.c ------------------------------------------------------------ */

/* Why a batch left an endpoint's queue without being sent. */
enum drop_cause {
	DROP_HTTP_400,
	DROP_HTTP_401,
	DROP_HTTP_403,
	DROP_HTTP_413,
	DROP_SPOOL_FULL,
	DROP_CORRUPT,
	DROP__COUNT
};

/* One batch the spool holds: which endpoints still have to send it. */
struct batch_ent {
	uint64_t seq;
	uint64_t bytes; /* file size */
	uint32_t count; /* messages */
	uint32_t pending; /* bit i: endpoint i has not finished it */
	uint32_t inflight; /* bit i: endpoint i is sending it */
};

/* Counters per endpoint (status file), under the spool lock. */
struct ep_stats {
	uint64_t sent_messages, sent_batches, sent_bytes;
	uint64_t retries;
	uint64_t dropped_batches[DROP__COUNT];
	uint64_t dropped_messages[DROP__COUNT];
	uint64_t spooled_batches, spooled_messages;
	/* MRF: batches not linked as failover_logs was off. */
	uint64_t skipped_batches, skipped_messages;
	char last_error[256];
	uint64_t last_error_ns, last_success_ns;
	const char *state; /* "idle", "sending", "retrying", "stopped" */
	long long retry_at_ms;
};

struct spool {
	char dir[512];
	uint64_t max_bytes;
	int lock_fd;
	char instance[17]; /* random hex kept in <dir>/id: batch ids */
	const struct endpoint_set *eps;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a batch was added, or stop changed */
	struct batch_ent *ents; /* ring of batches, oldest first */
	size_t head, n, cap;
	uint64_t bytes; /* sum of ents[].bytes */
	uint64_t next_seq;
	size_t cursor[SHIP_MAX_ENDPOINTS]; /* index from head of next */
	struct ep_stats st[SHIP_MAX_ENDPOINTS];
	uint64_t full_dropped_batches, full_dropped_messages;
	/*
	 * multi_region_failover.failover_logs: new batches are linked to
	 * the MRF endpoint only while it is true (the main thread's).
	 */
	bool failover;
	bool stopping; /* finish what is pending, then exit */
	long long deadline_ms; /* give up at this time when stopping */
	struct cws_ratelimit full_rl;
};

/*
 * Opens (creating, mode 0700) the spool directory and one directory per
 * endpoint, takes its lock, removes temporary files, recovers batches a
 * crash left half-linked and rebuilds the index. Says once per orphaned
 * endpoint directory what it still holds. Returns 0 or a negative errno
 * with a message already printed.
 */
int spool_open(struct spool *sp, const char *dir, uint64_t max_bytes,
	       const struct endpoint_set *eps);
void spool_close(struct spool *sp);

/*
 * Writes one closed batch (body already compressed as encoding) as the
 * next seq, fsyncs it, links it for every endpoint and fsyncs their
 * directories; drops the oldest batches first when the spool would pass
 * its bound. Returns 0 or a negative errno (message printed).
 */
int spool_add(struct spool *sp, uint64_t seq, uint32_t count,
	      const char *encoding, uint64_t raw_len, const void *body,
	      size_t len);

/* A sequence number for a new batch. */
uint64_t spool_take_seq(struct spool *sp);

/* True when the spool holds batch seq for some endpoint. */
bool spool_has(struct spool *sp, uint64_t seq);

/* Moves the next sequence number past seq. */
void spool_seen_seq(struct spool *sp, uint64_t seq);

/* Path of the journal of the open batch. */
void spool_part_path(const struct spool *sp, char *buf, size_t len);

/*
 * For sender i: waits for its next batch and returns 1 with *ent filled
 * (marked in flight), or 0 when it should exit (stopping and nothing
 * left, or the deadline passed).
 */
int spool_next(struct spool *sp, size_t i, struct batch_ent *ent);

/* Path of batch seq in endpoint i's directory. */
void spool_batch_path(const struct spool *sp, size_t i, uint64_t seq, char *buf,
		      size_t len);

/*
 * Sender i is done with seq: sent (drop < 0) or dropped for a cause.
 * Unlinks it from i's directory and updates the counters.
 */
void spool_done(struct spool *sp, size_t i, const struct batch_ent *ent,
		int drop, size_t bytes);

/* Sender i gives seq back for a later retry. */
void spool_release(struct spool *sp, size_t i, const struct batch_ent *ent);

/* Waits until ms (monotonic) or until stop says to hurry; true: go on. */
bool spool_sleep_until(struct spool *sp, long long ms);

/* True once the shutdown deadline has passed: senders give up. */
bool spool_late(struct spool *sp);

/* Begins the shutdown: senders finish their queues until deadline_ms. */
void spool_stop(struct spool *sp, long long deadline_ms);

/* Batches and messages endpoint i still has to send. */
void spool_pending(struct spool *sp, size_t i, uint64_t *batches,
		   uint64_t *messages);

/* Monotonic milliseconds. */
long long ship_now_ms(void);

/* --- send.c ------------------------------------------------------------- */

struct sender {
	struct spool *sp;
	struct endpoint_set *eps;
	size_t index; /* the endpoint */
	unsigned slot; /* which of its batch_max_concurrent_send threads */
	const char *proxy; /* proxy URL or NULL */
	const char *no_proxy;
	const char *ca_file;
	bool insecure; /* skip_ssl_validation */
	struct backoff bo;
	pthread_t thread;
	bool started;
	unsigned seed;
};

/*
 * Starts the thread (the HTTP sender, or tcp_sender_run for a TCP
 * endpoint); returns 0 or a negative errno.
 */
int sender_start(struct sender *s);
void sender_join(struct sender *s);

/* Classification of an HTTP answer (Datadog's destination.go). */
enum send_class {
	SEND_OK,
	SEND_DROP,
	SEND_RETRY,
};
enum send_class send_classify(long code);

/* Retry-After (seconds or an HTTP date) in ms, or -1. */
long long send_retry_after_ms(const char *value, long long now_s);

/*
 * Reads a spooled batch file whole into *buf and checks its header and
 * crc. Returns the header length (the body follows, up to *len), or a
 * negative errno with *why saying what was expected.
 */
int send_load_batch(const char *path, char **buf, size_t *cap, size_t *len,
		    struct spool_hdr *h, time_t *mtime, const char **why);

/* A batch file a sender loaded, kept while it is retried. */
struct send_batch {
	char *buf;
	size_t cap, len;
	int hlen; /* the body is buf[hlen..len) */
	struct spool_hdr h;
	time_t mtime;
	uint64_t seq; /* 0: nothing loaded */
};

/*
 * Loads batch ent->seq of sender s into b (unless b holds it already)
 * and takes the header's count into ent. Returns 0, or -EINVAL when the
 * file is damaged: it is then dropped as corrupt, with one error line.
 */
int send_batch_load(struct sender *s, struct batch_ent *ent,
		    struct send_batch *b);
/* Frees b's buffer; b can be used again. */
void send_batch_release(struct send_batch *b);

/*
 * The sender's status under the spool lock: a retry at ms (monotonic)
 * after the error what (counted in retries), or an error alone.
 */
void send_note_retry(struct sender *s, const char *what, long long at);
void send_note_error(struct sender *s, const char *what);

/* --- tcp.c -------------------------------------------------------------- */

/*
 * Datadog's TCP frames for one spooled batch (body[0..len) compressed
 * as h->encoding, a JSON array of the wrappers payload_record writes):
 * one line per message, "<api_key> <pri>0 <time> <hostname> <service>
 * - - <tags> <message>\n" (reference §6.4), written over out. A message
 * that would hold a raw newline is left out, and *why says so (h->count
 * minus the return is how many); else *why is NULL. Returns the number
 * of frames, or -EINVAL with *why set to what was expected.
 */
int tcp_frames(const char *api_key, const struct spool_hdr *h, const char *body,
	       size_t len, struct jbuf *out, const char **why);

/* A TCP endpoint's sender thread (sender_start starts it). */
void *tcp_sender_run(void *arg);

/* --- run.c ------------------------------------------------------------- */

struct ship_opts {
	const char *output; /* -o: local output file, "-" for stdout */
	bool local; /* write JSON lines instead of sending */
	const char *run_path;
	const char *spool_dir;
	uint64_t spool_max;
	struct endpoint_set eps;
	long long batch_wait_ms;
	uint32_t batch_max_msgs;
	size_t batch_max_bytes;
	long long stop_grace_ms;
	struct payload_opts po;
	const char *proxy_https, *proxy_http, *no_proxy, *ca_file;
	bool insecure;
	const char *config_path; /* -c, read again on SIGHUP; NULL: default */
	const struct cws_config *cfg; /* as read at start (the sandbox) */
	bool failover; /* multi_region_failover.failover_logs */
	double backoff_base, backoff_factor, backoff_max;
	int recovery_interval;
	bool recovery_reset;
};

/* Runs until the end of input or a signal; returns an exit code. */
int ship_run(struct ship_opts *o);

/* --- compression (send.c) ----------------------------------------------- */

/*
 * Compresses in[0..n) with encoding ("gzip", "zstd", "identity") at level
 * into out (grown as needed). Returns 0 or a negative errno.
 */
int ship_compress(const char *encoding, int level, const char *in, size_t n,
		  struct jbuf *out);

/* The reverse, for the TCP framing; out->max bounds the result. */
int ship_decompress(const char *encoding, const char *in, size_t n,
		    struct jbuf *out);

#endif
