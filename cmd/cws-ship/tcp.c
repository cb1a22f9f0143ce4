/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TCP sender of an endpoint: Datadog's TCP logs protocol
 * (pkg/logs/client/tcp). Each message of a spooled batch becomes one
 * line, "<api key> <syslog-like frame>\n" (processor/raw.go and the
 * prefixer), written on one long-lived connection that libcurl opens in
 * its connect-only mode: plain, TLS (the certificate checked as the HTTP
 * sender's is) or through a socks5 proxy, with no socket code of ours
 * for any of the three.
 *
 * TCP has no answer per message. A batch counts as delivered once the
 * kernel's send queue of the socket is empty after its last frame
 * (SIOCOUTQ): every byte was acknowledged by the peer's TCP stack, the
 * intake's host or the socks5 proxy's. That is where the spool's promise
 * ends: bytes the peer acknowledged and then lost (its process died
 * before reading them, the proxy's onward connection broke) are lost.
 * A batch whose bytes were not all acknowledged (a write failed, the
 * queue did not drain within the timeout, the peer closed or reset the
 * connection first) is sent again, whole, on a new connection: the
 * messages of it that the listener had already received arrive twice.
 * Over TCP, delivery is at least once; exactly once holds only as long
 * as no connection breaks mid-batch.
 *
 * A connection the intake closed while idle is noticed before the next
 * batch (a read that finds the end of the stream) and replaced at once;
 * failed attempts back off as Datadog's connection manager does.
 */
#include "compat.h"
#include "ship.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "log.h"

#define TCP_CONNECT_TIMEOUT_MS 20000 /* Datadog's connectionTimeout */
#define TCP_BACKOFF_EXP_MAX 7 /* Datadog's maxExpBackoffCount */
#define TCP_TEXT_MAX (256u << 20) /* a batch decompressed, or framed */
#define TCP_POLL_MS 50

/* --- framing ------------------------------------------------------------ */

/* Datadog's message.StatusToSeverity: anything else is info. */
static const char *severity(const char *status)
{
	static const char *const names[] = { "emergency", "alert", "critical",
					     "error",	  "warn",  "notice",
					     "info",	  "debug" };
	static const char *const pri[] = { "<40>", "<41>", "<42>", "<43>",
					   "<44>", "<45>", "<46>", "<47>" };
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(names); i++)
		if (!strcmp(status, names[i]))
			return pri[i];
	return "<46>";
}

/*
 * Datadog's config.DateFormat, "2006-01-02T15:04:05.000000000Z", of ms
 * since the epoch; the current time when there is none (as Datadog's
 * encoder, which stamps a message as it frames it).
 */
static void frame_time(struct jbuf *out, json_int_t ms)
{
	struct timespec now;
	struct tm tm;
	char buf[64];
	time_t t;
	long ns;
	int n;

	if (ms > 0) {
		t = (time_t)(ms / 1000);
		ns = (long)(ms % 1000) * 1000000;
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		t = now.tv_sec;
		ns = now.tv_nsec;
	}
	if (!gmtime_r(&t, &tm)) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ns);
	jb_raw(out, buf, (size_t)n);
}

/* A string member of a wrapper, "" when it is absent or not a string. */
static const char *member(const json_t *o, const char *key, size_t *len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		*len = 0;
		return "";
	}
	*len = json_string_length(v);
	return json_string_value(v);
}

/*
 * Appends w's frame to out; false when it would hold a raw newline,
 * which would end the frame early (it is then left out).
 */
static bool frame(const char *api_key, const json_t *w, struct jbuf *out)
{
	const json_t *ts = json_object_get(w, "timestamp");
	size_t hl, sl, srcl, tl, ml, stl, start = out->len;
	const char *host = member(w, "hostname", &hl);
	const char *service = member(w, "service", &sl);
	const char *source = member(w, "ddsource", &srcl);
	const char *tags = member(w, "ddtags", &tl);
	const char *msg = member(w, "message", &ml);
	const char *status = member(w, "status", &stl);

	jb_puts(out, api_key);
	jb_raw(out, " ", 1);
	jb_puts(out, severity(status));
	jb_raw(out, "0 ", 2);
	frame_time(out, json_is_integer(ts) ? json_integer_value(ts) : 0);
	jb_raw(out, " ", 1);
	jb_raw(out, host, hl);
	jb_raw(out, " ", 1);
	jb_raw(out, sl ? service : "-", sl ? sl : 1);
	jb_raw(out, " - - ", 5);
	if (srcl) {
		jb_puts(out, "[dd ddsource=\"");
		jb_raw(out, source, srcl);
		jb_raw(out, "\"]", 2);
	}
	if (tl) {
		jb_puts(out, "[dd ddtags=\"");
		jb_raw(out, tags, tl);
		jb_raw(out, "\"]", 2);
	}
	if (!srcl && !tl)
		jb_raw(out, "-", 1);
	jb_raw(out, " ", 1);
	jb_raw(out, msg, ml);
	if (!out->err && memchr(out->p + start, '\n', out->len - start)) {
		out->len = start;
		return false;
	}
	jb_raw(out, "\n", 1);
	return true;
}

int tcp_frames(const char *api_key, const struct spool_hdr *h, const char *body,
	       size_t len, struct jbuf *out, const char **why)
{
	struct jbuf plain;
	json_error_t jerr;
	json_t *a, *w;
	size_t i;
	int n = 0, rc;
	bool cut = false;

	*why = NULL;
	jb_reset(out);
	jb_init(&plain, TCP_TEXT_MAX);
	rc = ship_decompress(h->encoding, body, len, &plain);
	if (rc) {
		*why = rc == -E2BIG ? "a batch smaller once decompressed" :
				      "a body in its encoding";
		jb_release(&plain);
		return -EINVAL;
	}
	a = json_loadb(plain.p ? plain.p : "", plain.len, 0, &jerr);
	jb_release(&plain);
	if (!json_is_array(a)) {
		*why = "a JSON array of messages";
		rc = -EINVAL;
		goto out;
	}
	json_array_foreach(a, i, w) {
		if (!json_is_object(w) ||
		    !json_is_string(json_object_get(w, "message"))) {
			*why = "a \"message\" string in every wrapper";
			rc = -EINVAL;
			goto out;
		}
		if (frame(api_key, w, out))
			n++;
		else
			cut = true;
		if (out->err) {
			*why = "a batch smaller once framed";
			rc = -EINVAL;
			goto out;
		}
	}
	if (cut)
		*why = "no raw newline in a message";
	rc = n;
out:
	json_decref(a);
	if (rc < 0)
		jb_reset(out);
	return rc;
}

/* --- the connection ----------------------------------------------------- */

struct tcp {
	struct sender *s;
	const struct endpoint *ep;
	CURL *c; /* NULL: no connection */
	curl_socket_t fd;
	int failures; /* attempts that failed since the last delivery */
	long long since_ms; /* when the connection opened */
	bool said; /* "Connecting to the backend" */
	char errbuf[CURL_ERROR_SIZE];
};

/* How the peer left the connection, as a read finds it. */
enum peer {
	PEER_OPEN,
	PEER_CLOSED, /* the end of the stream: it closed its side */
	PEER_BROKEN, /* reset, or a TLS or socket error */
};

/*
 * Datadog's connection manager waits a random [2^(n-1), 2^n) seconds
 * before connection attempt n (n >= 1), the exponent capped at 7 (Go
 * draws whole seconds, cws any time in the range). cws counts those
 * seconds in units of sender_backoff_base, 1 s unless configured (so
 * Datadog's waits), so that tests can retry in tens of milliseconds.
 * r is the random draw in [0, 1).
 */
static long long tcp_backoff_ms(const struct backoff *bo, int n, double r)
{
	double lo;

	if (n <= 0)
		return 0;
	if (n > TCP_BACKOFF_EXP_MAX)
		n = TCP_BACKOFF_EXP_MAX;
	lo = (double)(1u << (n - 1));
	if (r < 0)
		r = 0;
	if (r >= 1)
		r = 0.999999;
	return (long long)((lo + r * lo) * bo->base_ms);
}

static void tcp_close(struct tcp *t)
{
	if (t->c)
		curl_easy_cleanup(t->c);
	t->c = NULL;
	t->fd = CURL_SOCKET_BAD;
}

/* Stops a connection attempt when the shutdown deadline has passed. */
static int on_connecting(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
			 curl_off_t un)
{
	struct tcp *t = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return spool_late(t->s->sp);
}

static void what_failed(struct tcp *t, CURLcode cc, char *what, size_t len)
{
	snprintf(what, len, "%s",
		 *t->errbuf ? t->errbuf : curl_easy_strerror(cc));
}

/*
 * Opens the connection: TCP, then TLS unless logs_no_ssl, through the
 * socks5 proxy when there is one (which resolves the host). Returns 0,
 * -ECANCELED at the shutdown deadline, or -EIO with what set.
 */
static int tcp_connect(struct tcp *t, char *what, size_t len)
{
	const struct endpoint *ep = t->ep;
	struct sender *s = t->s;
	char url[sizeof(ep->host) + 32], addr[sizeof(ep->host) + 16];
	char proxy[sizeof(ep->proxy) + 16];
	long timeout = TCP_CONNECT_TIMEOUT_MS;
	CURLcode cc;
	bool v6 = strchr(ep->host, ':') != NULL;

	/* net.JoinHostPort, as Datadog names the address. */
	snprintf(addr, sizeof(addr), "%s%s%s:%d", v6 ? "[" : "", ep->host,
		 v6 ? "]" : "", ep->port);
	if (!t->said) {
		if (*ep->proxy)
			cws_info("Connecting to the backend: %s, via socks5: "
				 "%s, with SSL: %s",
				 addr, ep->proxy, ep->ssl ? "true" : "false");
		else
			cws_info("Connecting to the backend: %s, with SSL: %s",
				 addr, ep->ssl ? "true" : "false");
		t->said = true;
	}
	t->c = curl_easy_init();
	if (!t->c) {
		snprintf(what, len, "cannot start libcurl");
		return -EIO;
	}
	/* Not HTTP: the scheme only says whether curl does TLS. */
	snprintf(url, sizeof(url), "%s://%s", ep->ssl ? "https" : "http", addr);
	curl_easy_setopt(t->c, CURLOPT_URL, url);
	curl_easy_setopt(t->c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(t->c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->c, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->c, CURLOPT_XFERINFOFUNCTION, on_connecting);
	curl_easy_setopt(t->c, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(t->c, CURLOPT_NOPROGRESS, 0L);
	/* Go's dialer keeps idle connections probed; so does this one. */
	curl_easy_setopt(t->c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(t->c, CURLOPT_SSL_ENABLE_ALPN, 0L);
	pthread_mutex_lock(&s->sp->mu);
	if (s->sp->stopping && s->sp->deadline_ms - ship_now_ms() < timeout)
		timeout = (long)(s->sp->deadline_ms - ship_now_ms());
	pthread_mutex_unlock(&s->sp->mu);
	curl_easy_setopt(t->c, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout > 1 ? timeout : 1L);
	/*
	 * Datadog's TCP client knows no HTTP proxy: "" keeps curl from
	 * taking one from the environment.
	 */
	snprintf(proxy, sizeof(proxy), "%s%s", *ep->proxy ? "socks5h://" : "",
		 ep->proxy);
	curl_easy_setopt(t->c, CURLOPT_PROXY, proxy);
	if (s->ca_file && *s->ca_file)
		curl_easy_setopt(t->c, CURLOPT_CAINFO, s->ca_file);
	if (s->insecure) {
		curl_easy_setopt(t->c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(t->c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	t->errbuf[0] = '\0';
	cc = curl_easy_perform(t->c);
	if (cc == CURLE_OK)
		cc = curl_easy_getinfo(t->c, CURLINFO_ACTIVESOCKET, &t->fd);
	if (cc == CURLE_OK && t->fd != CURL_SOCKET_BAD) {
		cws_debug("endpoint '%s': connected", ep->url);
		t->since_ms = ship_now_ms();
		return 0;
	}
	what_failed(t, cc, what, len);
	tcp_close(t);
	return cc == CURLE_ABORTED_BY_CALLBACK ? -ECANCELED : -EIO;
}

/*
 * Reads what the peer has for us. The intake never says anything over
 * TCP: what it sends is dropped; what matters is whether the stream
 * ended or broke.
 */
static enum peer peer_state(struct tcp *t)
{
	char buf[512];
	CURLcode cc;
	size_t n;
	int i;

	for (i = 0; i < 64; i++) {
		t->errbuf[0] = '\0';
		cc = curl_easy_recv(t->c, buf, sizeof(buf), &n);
		if (cc == CURLE_AGAIN)
			return PEER_OPEN;
		if (cc != CURLE_OK)
			return PEER_BROKEN;
		if (!n)
			return PEER_CLOSED;
	}
	return PEER_OPEN;
}

/* Writes p[0..len); 0, -ECANCELED at the deadline, or -EIO with what. */
static int write_frames(struct tcp *t, const char *p, size_t len, char *what,
			size_t wlen)
{
	long long idle_until = ship_now_ms() + SHIP_TIMEOUT_MS;
	struct pollfd pfd = { .fd = t->fd, .events = POLLOUT };
	size_t off = 0, n;
	CURLcode cc;

	while (off < len) {
		t->errbuf[0] = '\0';
		n = 0;
		cc = curl_easy_send(t->c, p + off, len - off, &n);
		if (cc == CURLE_OK) {
			off += n;
			idle_until = ship_now_ms() + SHIP_TIMEOUT_MS;
			continue;
		}
		if (cc != CURLE_AGAIN) {
			what_failed(t, cc, what, wlen);
			return -EIO;
		}
		if (spool_late(t->s->sp))
			return -ECANCELED;
		if (ship_now_ms() >= idle_until) {
			snprintf(what, wlen,
				 "no room to write for %d s: %zu of %zu bytes "
				 "written",
				 SHIP_TIMEOUT_MS / 1000, off, len);
			return -EIO;
		}
		/*
		 * TLS may need to read before it can write: either wakes.
		 * Readable alone: whatever came is read (and dropped), an
		 * end of stream or a reset ends the attempt.
		 */
		pfd.events = POLLOUT | POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, TCP_POLL_MS) > 0 &&
		    !(pfd.revents & POLLOUT) && peer_state(t) != PEER_OPEN) {
			snprintf(what, wlen,
				 "the connection was closed after %zu of %zu "
				 "bytes",
				 off, len);
			return -EIO;
		}
	}
	return 0;
}

/*
 * Waits until the peer's TCP stack has acknowledged every byte written
 * (the socket's send queue is empty) and the connection is still whole.
 * Returns 0, -ECANCELED at the deadline, or -EIO with what set.
 */
static int drain(struct tcp *t, char *what, size_t wlen)
{
	long long until = ship_now_ms() + SHIP_TIMEOUT_MS;
	struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
	socklen_t sl = sizeof(int);
	int queued = 0, err = 0, step = 1;
	enum peer p;

	for (;;) {
		if (ioctl(t->fd, SIOCOUTQ, &queued)) {
			snprintf(what, wlen, "cannot read the send queue: %s",
				 strerror(errno));
			return -EIO;
		}
		if (!queued)
			break;
		if (spool_late(t->s->sp))
			return -ECANCELED;
		if (ship_now_ms() >= until) {
			snprintf(what, wlen,
				 "%d bytes not acknowledged within %d s",
				 queued, SHIP_TIMEOUT_MS / 1000);
			return -EIO;
		}
		/* Sleeps, or wakes early for an end of stream or a reset. */
		if (poll(&pfd, 1, step) > 0) {
			p = peer_state(t);
			if (p != PEER_OPEN) {
				snprintf(what, wlen,
					 "the connection was %s with %d bytes "
					 "not acknowledged",
					 p == PEER_CLOSED ? "closed" : "reset",
					 queued);
				return -EIO;
			}
		}
		step = step * 2 < TCP_POLL_MS ? step * 2 : TCP_POLL_MS;
	}
	/*
	 * All acknowledged. A reset now means the listener closed with our
	 * bytes unread: they are lost there, and sent again. An end of
	 * stream alone is a peer that read them and left (the next batch
	 * reconnects).
	 */
	if (peer_state(t) == PEER_BROKEN) {
		snprintf(what, wlen, "the connection was reset");
		return -EIO;
	}
	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err) {
		snprintf(what, wlen, "%s", strerror(err));
		return -EIO;
	}
	return 0;
}

/* Sends one batch's frames, connecting first when needed. */
static int deliver(struct tcp *t, const char *p, size_t len, char *what,
		   size_t wlen)
{
	int rc;

	if (t->c && peer_state(t) != PEER_OPEN) {
		cws_debug("endpoint '%s': the intake closed the connection: "
			  "reconnecting",
			  t->ep->url);
		tcp_close(t);
	}
	if (!t->c) {
		rc = tcp_connect(t, what, wlen);
		if (rc)
			return rc;
	}
	rc = write_frames(t, p, len, what, wlen);
	return rc ? rc : drain(t, what, wlen);
}

/* Messages a batch could not carry, counted as corrupt ones. */
static void note_cut(struct tcp *t, const struct batch_ent *ent, uint32_t cut)
{
	struct spool *sp = t->s->sp;
	char what[256];

	cws_errorx("endpoint '%s': batch %" PRIu64 ": %" PRIu32
		   " messages hold a raw newline, which a TCP frame cannot "
		   "carry: dropped",
		   t->ep->url, ent->seq, cut);
	snprintf(what, sizeof(what),
		 "batch %" PRIu64 ": %" PRIu32 " messages with a newline "
		 "dropped",
		 ent->seq, cut);
	send_note_error(t->s, what);
	pthread_mutex_lock(&sp->mu);
	sp->st[t->s->index].dropped_messages[DROP_CORRUPT] += cut;
	pthread_mutex_unlock(&sp->mu);
}

void *tcp_sender_run(void *arg)
{
	struct sender *s = arg;
	const struct endpoint *ep = &s->eps->ep[s->index];
	struct cws_ratelimit rl = CWS_RATELIMIT_INIT(60, 5);
	struct tcp t = { .s = s, .ep = ep, .fd = CURL_SOCKET_BAD };
	char api_key[sizeof(ep->api_key)], what[256];
	struct send_batch b = { 0 };
	struct batch_ent ent;
	struct jbuf frames;
	const char *why;
	long long d;
	int n, rc;

	jb_init(&frames, TCP_TEXT_MAX);
	while (spool_next(s->sp, s->index, &ent) == 1) {
		if (send_batch_load(s, &ent, &b))
			continue;
		/* Read for every batch: SIGHUP may have rotated it. */
		endpoint_api_key(s->eps, s->index, api_key, sizeof(api_key));
		n = tcp_frames(api_key, &b.h, b.buf + b.hlen,
			       b.len - (size_t)b.hlen, &frames, &why);
		if (n < 0) {
			cws_errorx("endpoint '%s': batch %" PRIu64
				   " cannot be framed (expected %s): dropped",
				   ep->url, ent.seq, why);
			snprintf(what, sizeof(what),
				 "batch %" PRIu64 " cannot be framed: dropped",
				 ent.seq);
			send_note_error(s, what);
			spool_done(s->sp, s->index, &ent, DROP_CORRUPT, 0);
			continue;
		}
		what[0] = '\0';
		/*
		 * connection_reset_interval (Datadog's ShouldReset): a
		 * connection that old is not used for another batch.
		 */
		if (t.c && s->eps->reset_ms &&
		    ship_now_ms() - t.since_ms >= s->eps->reset_ms)
			tcp_close(&t);
		rc = n ? deliver(&t, frames.p, frames.len, what, sizeof(what)) :
			 0;
		if (!rc) {
			/*
			 * Datadog counts attempts until one connects; here
			 * until a batch gets through, so that an intake that
			 * takes connections and drops them is not hammered.
			 */
			t.failures = 0;
			if (ent.count > (uint32_t)n)
				note_cut(&t, &ent, ent.count - (uint32_t)n);
			ent.count = (uint32_t)n;
			spool_done(s->sp, s->index, &ent, -1, frames.len);
			continue;
		}
		tcp_close(&t);
		if (rc == -ECANCELED) {
			spool_release(s->sp, s->index, &ent);
			break;
		}
		/* Again, whole, on a new connection, after the backoff. */
		t.failures++;
		d = tcp_backoff_ms(&s->bo, t.failures,
				   (double)rand_r(&s->seed) /
					   ((double)RAND_MAX + 1));
		send_note_retry(s, what, ship_now_ms() + d);
		if (cws_ratelimit_ok(&rl))
			cws_warnx("endpoint '%s': %s: retrying batch %" PRIu64
				  " in %lld.%03lld s",
				  ep->url, what, ent.seq, d / 1000, d % 1000);
		spool_release(s->sp, s->index, &ent);
		if (!spool_sleep_until(s->sp, ship_now_ms() + d))
			break;
	}
	tcp_close(&t);
	jb_release(&frames);
	send_batch_release(&b);
	return NULL;
}
