/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One sender thread per endpoint, each with its own libcurl handle (and
 * so its own connection), posting its queue of spooled batches in order
 * with Datadog's headers. The answer decides, as pkg/logs/client/http
 * does: 2xx and 3xx are delivered; 400, 401, 403 and 413 can never
 * succeed and are dropped with one error line; anything else, and any
 * connection error or timeout, is retried after the backoff (or the
 * server's Retry-After, when longer), for ever. An endpoint that is down
 * only holds back its own queue: the others go on.
 *
 * Also the compression of batch bodies (gzip through zlib, zstd), and
 * what the TCP sender (tcp.c) shares with this one: loading a spooled
 * batch, the status notes of a retry or an error.
 */
#include "compat.h"
#include "ship.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <zlib.h>
#include <zstd.h>

#include "log.h"

#define ORIGIN "cloud-workload-security"
#define BATCH_ID_HEADER "DD-CWS-Batch-ID"
#define MAX_FILE (64u << 20) /* no batch file is ever this large */
#define RETRY_AFTER_MAX_MS 600000LL

/* --- compression -------------------------------------------------------- */

static int gzip(int level, const char *in, size_t n, struct jbuf *out)
{
	z_stream zs;
	uLong bound;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&zs, (uLong)n) + 32;
	jb_reset(out);
	jb_raw(out, "", 0);
	if (out->err || bound > out->max) {
		deflateEnd(&zs);
		return -E2BIG;
	}
	if (out->cap < bound + 1) {
		char *p = realloc(out->p, bound + 1);

		if (!p) {
			deflateEnd(&zs);
			return -ENOMEM;
		}
		out->p = p;
		out->cap = bound + 1;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out->p;
	zs.avail_out = (uInt)bound;
	rc = deflate(&zs, Z_FINISH);
	out->len = zs.total_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -EIO;
}

static int zstd(int level, const char *in, size_t n, struct jbuf *out)
{
	static ZSTD_CCtx *cctx; /* the main thread's, kept for speed */
	size_t bound = ZSTD_compressBound(n), r;

	if (!cctx)
		cctx = ZSTD_createCCtx();
	if (!cctx)
		return -ENOMEM;
	jb_reset(out);
	if (bound > out->max)
		return -E2BIG;
	if (out->cap < bound + 1) {
		char *p = realloc(out->p, bound + 1);

		if (!p)
			return -ENOMEM;
		out->p = p;
		out->cap = bound + 1;
	}
	r = ZSTD_compressCCtx(cctx, out->p, bound, in, n, level);
	if (ZSTD_isError(r))
		return -EIO;
	out->len = r;
	return 0;
}

int ship_compress(const char *encoding, int level, const char *in, size_t n,
		  struct jbuf *out)
{
	if (!strcmp(encoding, "gzip"))
		return gzip(level, in, n, out);
	if (!strcmp(encoding, "zstd"))
		return zstd(level, in, n, out);
	jb_reset(out);
	jb_raw(out, in, n);
	return out->err;
}

static int gunzip(const char *in, size_t n, struct jbuf *out)
{
	char tmp[65536];
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = (Bytef *)tmp;
		zs.avail_out = sizeof(tmp);
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
			break;
		jb_raw(out, tmp, sizeof(tmp) - zs.avail_out);
	} while (rc != Z_STREAM_END && !out->err);
	inflateEnd(&zs);
	if (out->err)
		return out->err;
	return rc == Z_STREAM_END ? 0 : -EINVAL;
}

static int unzstd(const char *in, size_t n, struct jbuf *out)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	char tmp[65536];
	size_t r = 1;

	if (!ds)
		return -ENOMEM;
	while (ib.pos < ib.size && !out->err) {
		ZSTD_outBuffer ob = { tmp, sizeof(tmp), 0 };

		r = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(r))
			break;
		jb_raw(out, tmp, ob.pos);
	}
	ZSTD_freeDStream(ds);
	if (out->err)
		return out->err;
	return ZSTD_isError(r) || r != 0 ? -EINVAL : 0;
}

int ship_decompress(const char *encoding, const char *in, size_t n,
		    struct jbuf *out)
{
	jb_reset(out);
	if (!strcmp(encoding, "gzip"))
		return gunzip(in, n, out);
	if (!strcmp(encoding, "zstd"))
		return unzstd(in, n, out);
	if (strcmp(encoding, "identity"))
		return -EINVAL;
	jb_raw(out, in, n);
	return out->err;
}

/* --- one request -------------------------------------------------------- */

struct answer {
	struct sender *s;
	long long retry_after_ms;
	char body[200];
	size_t body_len;
};

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n;
	char tmp[128];

	if (len > 12 && len < sizeof(tmp) &&
	    !strncasecmp(buf, "retry-after:", 12)) {
		memcpy(tmp, buf + 12, len - 12);
		tmp[len - 12] = '\0';
		a->retry_after_ms =
			send_retry_after_ms(tmp, (long long)time(NULL));
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n, k;

	k = sizeof(a->body) - 1 - a->body_len;
	if (k > len)
		k = len;
	memcpy(a->body + a->body_len, buf, k);
	a->body_len += k;
	a->body[a->body_len] = '\0';
	return len;
}

/* Stops a request in flight when the shutdown deadline has passed. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct answer *a = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return spool_late(a->s->sp);
}

static void setup(struct sender *s, CURL *c, const struct endpoint *ep)
{
	curl_easy_setopt(c, CURLOPT_URL, ep->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)SHIP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)SHIP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (s->proxy && *s->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, s->proxy);
	if (s->no_proxy && *s->no_proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, s->no_proxy);
	if (s->ca_file && *s->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	if (s->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static struct curl_slist *headers(const char *api_key,
				  const struct spool_hdr *h, time_t mtime)
{
	struct curl_slist *l = NULL, *n;
	char line[512];
	struct timespec ts;
	const char *lines[8];
	char key[300], enc[64], id[128], cur[64], msg[64];
	size_t i, k = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(key, sizeof(key), "DD-API-KEY: %s", api_key);
	snprintf(enc, sizeof(enc), "Content-Encoding: %s", h->encoding);
	snprintf(id, sizeof(id), BATCH_ID_HEADER ": %s", h->id);
	snprintf(cur, sizeof(cur), "dd-current-timestamp: %lld",
		 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	snprintf(msg, sizeof(msg), "dd-message-timestamp: %lld",
		 (long long)mtime * 1000);
	lines[k++] = key;
	lines[k++] = "Content-Type: application/json";
	lines[k++] = enc;
	lines[k++] = "DD-EVP-ORIGIN: " ORIGIN;
	lines[k++] = "DD-EVP-ORIGIN-VERSION: " SHIP_AGENT_VERSION;
	lines[k++] = cur;
	lines[k++] = msg;
	lines[k++] = id;
	for (i = 0; i < k; i++) {
		snprintf(line, sizeof(line), "%s", lines[i]);
		n = curl_slist_append(l, line);
		if (!n)
			goto fail;
		l = n;
	}
	/* No "Expect: 100-continue" round trip before large bodies. */
	n = curl_slist_append(l, "Expect:");
	if (!n)
		goto fail;
	return n;
fail:
	curl_slist_free_all(l);
	return NULL;
}

/* Reads a whole batch file into *buf. Returns its length or -errno. */
static ssize_t load(const char *path, char **buf, size_t *cap, time_t *mtime)
{
	struct stat st;
	size_t off = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size > (off_t)MAX_FILE) {
		close(fd);
		return -EFBIG;
	}
	*mtime = st.st_mtime;
	if ((size_t)st.st_size + 1 > *cap) {
		char *p = realloc(*buf, (size_t)st.st_size + 1);

		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		*buf = p;
		*cap = (size_t)st.st_size + 1;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, *buf + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	return (ssize_t)off;
}

int send_load_batch(const char *path, char **buf, size_t *cap, size_t *len,
		    struct spool_hdr *h, time_t *mtime, const char **why)
{
	ssize_t n = load(path, buf, cap, mtime);
	int hlen;

	if (n < 0) {
		*why = strerror((int)-n);
		return (int)n;
	}
	*len = (size_t)n;
	hlen = spool_hdr_parse(*buf, (size_t)n, h, why);
	if (hlen < 0)
		return hlen;
	if (!spool_body_ok(h, *buf + hlen, (size_t)n - (size_t)hlen)) {
		*why = "a body matching its checksum";
		return -EINVAL;
	}
	return hlen;
}

static int drop_cause(long code)
{
	switch (code) {
	case 400:
		return DROP_HTTP_400;
	case 401:
		return DROP_HTTP_401;
	case 413:
		return DROP_HTTP_413;
	default:
		return DROP_HTTP_403;
	}
}

void send_note_retry(struct sender *s, const char *what, long long at)
{
	struct spool *sp = s->sp;
	struct ep_stats *st = &sp->st[s->index];

	pthread_mutex_lock(&sp->mu);
	st->retries++;
	snprintf(st->last_error, sizeof(st->last_error), "%s", what);
	st->last_error_ns = cws_event_now();
	st->state = "retrying";
	st->retry_at_ms = at;
	pthread_mutex_unlock(&sp->mu);
}

void send_note_error(struct sender *s, const char *what)
{
	struct spool *sp = s->sp;
	struct ep_stats *st = &sp->st[s->index];

	pthread_mutex_lock(&sp->mu);
	snprintf(st->last_error, sizeof(st->last_error), "%s", what);
	st->last_error_ns = cws_event_now();
	pthread_mutex_unlock(&sp->mu);
}

int send_batch_load(struct sender *s, struct batch_ent *ent,
		    struct send_batch *b)
{
	char path[PATH_MAX], what[256];
	const char *why;

	if (b->seq && b->seq == ent->seq) {
		ent->count = b->h.count;
		return 0;
	}
	b->seq = 0;
	spool_batch_path(s->sp, s->index, ent->seq, path, sizeof(path));
	b->hlen = send_load_batch(path, &b->buf, &b->cap, &b->len, &b->h,
				  &b->mtime, &why);
	if (b->hlen < 0) {
		cws_errorx("spool: batch file '%s' is damaged (expected %s): "
			   "dropped",
			   path, why);
		snprintf(what, sizeof(what),
			 "batch %" PRIu64 " damaged: dropped", ent->seq);
		send_note_error(s, what);
		spool_done(s->sp, s->index, ent, DROP_CORRUPT, 0);
		return -EINVAL;
	}
	/* The header's count is the truth for old batches. */
	ent->count = b->h.count;
	b->seq = ent->seq;
	return 0;
}

void send_batch_release(struct send_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static void *run(void *arg)
{
	struct sender *s = arg;
	const struct endpoint *ep = &s->eps->ep[s->index];
	struct cws_ratelimit rl = CWS_RATELIMIT_INIT(60, 5);
	char what[256], errbuf[CURL_ERROR_SIZE];
	char api_key[sizeof(ep->api_key)];
	long long conn_ms = ship_now_ms();
	struct curl_slist *hl;
	struct batch_ent ent;
	struct send_batch b = { 0 };
	struct answer a;
	size_t len;
	long code;
	CURLcode cc;
	CURL *c;

	c = curl_easy_init();
	if (!c) {
		cws_errorx("endpoint '%s': cannot start libcurl", ep->url);
		return NULL;
	}
	setup(s, c, ep);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	while (spool_next(s->sp, s->index, &ent) == 1) {
		if (send_batch_load(s, &ent, &b))
			continue;
		len = b.len - (size_t)b.hlen;
		endpoint_api_key(s->eps, s->index, api_key, sizeof(api_key));
		hl = headers(api_key, &b.h, b.mtime);
		/* connection_reset_interval: a new connection now and then. */
		if (s->eps->reset_ms &&
		    ship_now_ms() - conn_ms >= s->eps->reset_ms) {
			curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
			conn_ms = ship_now_ms();
		} else {
			curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 0L);
		}
		memset(&a, 0, sizeof(a));
		a.s = s;
		a.retry_after_ms = -1;
		errbuf[0] = '\0';
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(c, CURLOPT_USERAGENT,
				 "datadog-agent/" SHIP_AGENT_VERSION
				 " (cws-ship " CWS_VERSION ")");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, b.buf + b.hlen);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, &a);
		cc = curl_easy_perform(c);
		curl_slist_free_all(hl);
		code = 0;
		if (cc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (cc == CURLE_ABORTED_BY_CALLBACK) {
			spool_release(s->sp, s->index, &ent);
			break;
		}
		if (cc == CURLE_OK && send_classify(code) == SEND_OK) {
			backoff_success(&s->bo);
			spool_done(s->sp, s->index, &ent, -1, len);
			continue;
		}
		if (cc == CURLE_OK && send_classify(code) == SEND_DROP) {
			snprintf(what, sizeof(what),
				 "HTTP %ld: batch %" PRIu64 " dropped", code,
				 ent.seq);
			if (code == 403 || code == 401) {
				size_t kl = strlen(api_key);

				cws_errorx("endpoint '%s': HTTP %ld: the "
					   "intake refused batch %" PRIu64
					   " (%u events), dropped: check the "
					   "API key ending with '%s'",
					   ep->url, code, ent.seq, ent.count,
					   api_key + (kl > 5 ? kl - 5 : 0));
			} else {
				cws_errorx("endpoint '%s': HTTP %ld: the "
					   "intake refused batch %" PRIu64
					   " (%u events, %zu bytes), dropped",
					   ep->url, code, ent.seq, ent.count,
					   len);
			}
			send_note_error(s, what);
			backoff_success(&s->bo);
			spool_done(s->sp, s->index, &ent, drop_cause(code), 0);
			continue;
		}
		/* Retry: the same batch, after the backoff. */
		backoff_error(&s->bo);
		{
			long long d = backoff_delay_ms(
				&s->bo, s->bo.errors,
				(double)rand_r(&s->seed) /
					((double)RAND_MAX + 1));

			/* The server's word wins, within reason. */
			if (a.retry_after_ms > d)
				d = a.retry_after_ms < RETRY_AFTER_MAX_MS ?
					    a.retry_after_ms :
					    RETRY_AFTER_MAX_MS;
			if (cc == CURLE_OK)
				snprintf(what, sizeof(what), "HTTP %ld", code);
			else
				snprintf(what, sizeof(what), "%s",
					 *errbuf ? errbuf :
						   curl_easy_strerror(cc));
			send_note_retry(s, what, ship_now_ms() + d);
			if (cws_ratelimit_ok(&rl))
				cws_warnx("endpoint '%s': %s: retrying batch "
					  "%" PRIu64 " in %lld.%03lld s",
					  ep->url, what, ent.seq, d / 1000,
					  d % 1000);
			spool_release(s->sp, s->index, &ent);
			if (!spool_sleep_until(s->sp, ship_now_ms() + d))
				break;
		}
	}
	send_batch_release(&b);
	curl_easy_cleanup(c);
	return NULL;
}

int sender_start(struct sender *s)
{
	int rc;

	s->seed = (unsigned)time(NULL) ^ (unsigned)(s->index * 2654435761u) ^
		  (s->slot << 16);
	rc = pthread_create(
		&s->thread, NULL,
		s->eps->ep[s->index].proto == EP_TCP ? tcp_sender_run : run, s);
	if (rc)
		return -rc;
	s->started = true;
	return 0;
}

void sender_join(struct sender *s)
{
	if (s->started)
		pthread_join(s->thread, NULL);
	s->started = false;
}
