/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-test-intake: a Datadog logs intake for the tests, on 127.0.0.1,
 * over HTTP or HTTPS (libmicrohttpd). It checks what Datadog's intake
 * would (API key, content type and encoding, a JSON array of messages
 * with the wrapper's keys, each message a JSON object with "agent" and
 * "title"), records every request and answers as the test says.
 *
 *	cws-test-intake -d dir [-ln] [-k api_key] [-c cert -p key] [-P port]
 *	                [-t seconds]
 *
 * It writes its port to dir/port once it listens, and for request N:
 *
 *	dir/req-N.head      "POST /path" and the headers, one per line
 *	dir/req-N.body      the body, decompressed
 *	dir/requests.log    "N <answer> enc=<encoding> count=<n> id=<id>
 *	                    bytes=<body size as received>
 *	                    inflight=<requests being answered then, this
 *	                    one included> peer=<the client's port>"
 *	dir/messages.jsonl  each message of an accepted (2xx) request, as
 *	                    the JSON inside "message", one per line
 *	dir/wrappers.jsonl  the same messages as sent, wrapper and all
 *	dir/errors          why a request failed the checks (answered 400,
 *	                    or 403 for a wrong key)
 *
 * What it answers comes from dir/mode when that file exists (its first
 * line, for every request), else from the next line of dir/script (each
 * used once), else 200. A line is "<code> [retry-after=<s>]
 * [delay=<ms>]" or "reset" (the connection is closed with no answer).
 *
 * An empty body is Datadog's HTTP connectivity check: answered as the
 * mode or script says, logged with count=0.
 *
 * -n (for bench/ship.sh) checks the headers and the key only: the body
 * is neither decompressed nor parsed nor written, only its size logged
 * (count=0), so that the intake costs the benchmark as little as it can.
 *
 * -l (for the soak, tests/soak) checks everything but writes only
 * requests.log and messages.jsonl (each message as it was sent, not
 * dumped again): no req-N files, no wrappers.jsonl.
 * The line of a request in requests.log and its messages in
 * messages.jsonl are appended together, under one lock, so that the
 * 2xx lines of requests.log, in order, tell which lines of
 * messages.jsonl each request brought (count= of them).
 *
 * It exits on SIGTERM or SIGINT, or after -t seconds (900 by default: a
 * test that forgets it does not leave it running for long).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <zlib.h>
#include <zstd.h>

#define MAX_BODY (64u << 20)
#define MAX_PLAIN (256u << 20)

static const char *dir;
static const char *api_key;
static int no_record;
static int lean;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long nreq;
static unsigned long script_pos;
static unsigned inflight; /* requests being answered, under mu */
static volatile sig_atomic_t stop;

struct upload {
	char *p;
	size_t len, cap;
	int too_big;
};

struct answer {
	int code; /* 0: reset */
	long retry_after; /* -1: none */
	long delay_ms;
};

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static char *path_of(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

static void append(const char *name, const char *text, size_t n)
{
	char path[4096];
	int fd = open(path_of(name, path, sizeof(path)),
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ssize_t w;

	if (fd < 0)
		return;
	while (n) {
		w = write(fd, text, n);
		if (w <= 0)
			break;
		text += w;
		n -= (size_t)w;
	}
	close(fd);
}

static void write_file(const char *name, const char *text, size_t n)
{
	char path[4096];
	int fd = open(path_of(name, path, sizeof(path)),
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	if (write(fd, text, n) < 0)
		perror("write");
	close(fd);
}

static void parse_answer(const char *line, struct answer *a)
{
	const char *p;

	a->code = 200;
	a->retry_after = -1;
	a->delay_ms = 0;
	while (*line == ' ')
		line++;
	if (!strncmp(line, "reset", 5))
		a->code = 0;
	else if (*line >= '1' && *line <= '5')
		a->code = (int)strtol(line, NULL, 10);
	p = strstr(line, "retry-after=");
	if (p)
		a->retry_after = strtol(p + 12, NULL, 10);
	p = strstr(line, "delay=");
	if (p)
		a->delay_ms = strtol(p + 6, NULL, 10);
}

/* Reads line k (0-based) of a file into buf; 0 if there is one. */
static int read_line(const char *name, unsigned long k, char *buf, size_t len)
{
	char path[4096];
	FILE *f = fopen(path_of(name, path, sizeof(path)), "r");
	unsigned long i = 0;
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(buf, (int)len, f)) {
		if (i++ == k) {
			buf[strcspn(buf, "\n")] = '\0';
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static void next_answer(struct answer *a)
{
	char line[256];

	if (!read_line("mode", 0, line, sizeof(line))) {
		parse_answer(line, a);
		return;
	}
	if (!read_line("script", script_pos, line, sizeof(line))) {
		script_pos++;
		parse_answer(line, a);
		return;
	}
	parse_answer("200", a);
}

static int gunzip(const char *in, size_t n, char **out, size_t *olen)
{
	z_stream zs;
	size_t cap = n * 4 + 1024;
	char *p = malloc(cap);
	int rc;

	if (!p)
		return -1;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(p);
		return -1;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	for (;;) {
		if (zs.total_out == cap) {
			char *np;

			if (cap * 2 > MAX_PLAIN)
				break;
			np = realloc(p, cap * 2);
			if (!np)
				break;
			p = np;
			cap *= 2;
		}
		zs.next_out = (Bytef *)p + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			*out = p;
			*olen = zs.total_out;
			inflateEnd(&zs);
			return 0;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			break;
		if (rc == Z_BUF_ERROR && zs.avail_in == 0)
			break;
	}
	inflateEnd(&zs);
	free(p);
	return -1;
}

static int unzstd(const char *in, size_t n, char **out, size_t *olen)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t cap = n * 4 + 1024, r;
	char *p = malloc(cap);
	ZSTD_outBuffer ob;

	if (!ds || !p)
		goto fail;
	ZSTD_initDStream(ds);
	ob.dst = p;
	ob.size = cap;
	ob.pos = 0;
	for (;;) {
		r = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(r))
			goto fail;
		if (r == 0 && ib.pos == ib.size)
			break;
		if (ob.pos == ob.size) {
			char *np;

			if (cap * 2 > MAX_PLAIN)
				goto fail;
			np = realloc(p, cap * 2);
			if (!np)
				goto fail;
			p = np;
			cap *= 2;
			ob.dst = p;
			ob.size = cap;
		} else if (ib.pos == ib.size) {
			goto fail; /* truncated frame */
		}
	}
	ZSTD_freeDStream(ds);
	*out = p;
	*olen = ob.pos;
	return 0;
fail:
	ZSTD_freeDStream(ds);
	free(p);
	return -1;
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *value)
{
	FILE *f = cls;

	(void)kind;
	fprintf(f, "%s: %s\n", key, value);
	return MHD_YES;
}

/*
 * Checks a decompressed body; on success appends the lines to msgs and
 * wraps and sets *count. Returns NULL or why it is wrong.
 */
static const char *check_body(const char *body, size_t n, char **msgs,
			      size_t *mlen, char **wraps, size_t *wlen,
			      size_t *count)
{
	static const char *const str_keys[] = { "message",  "status",
						"hostname", "service",
						"ddsource", "ddtags" };
	static char why[512];
	json_error_t err;
	json_t *arr, *it, *inner;
	FILE *mf, *wf;
	size_t i, k;
	const char *m;
	char *s;

	arr = json_loadb(body, n, 0, &err);
	if (!arr) {
		snprintf(why, sizeof(why), "body is not JSON: %s", err.text);
		return why;
	}
	if (!json_is_array(arr)) {
		json_decref(arr);
		return "body is not a JSON array";
	}
	mf = open_memstream(msgs, mlen);
	wf = open_memstream(wraps, wlen);
	json_array_foreach(arr, i, it) {
		if (!json_is_object(it)) {
			snprintf(why, sizeof(why), "item %zu is not an object",
				 i);
			goto bad;
		}
		for (k = 0; k < sizeof(str_keys) / sizeof(*str_keys); k++) {
			if (!json_is_string(json_object_get(it, str_keys[k]))) {
				snprintf(why, sizeof(why),
					 "item %zu: '%s' is not a string", i,
					 str_keys[k]);
				goto bad;
			}
		}
		if (!json_is_integer(json_object_get(it, "timestamp"))) {
			snprintf(why, sizeof(why),
				 "item %zu: 'timestamp' is not an integer", i);
			goto bad;
		}
		inner = json_loads(
			json_string_value(json_object_get(it, "message")), 0,
			&err);
		if (!inner || !json_is_object(inner) ||
		    !json_is_object(json_object_get(inner, "agent")) ||
		    !json_is_string(json_object_get(inner, "title"))) {
			snprintf(why, sizeof(why),
				 "item %zu: message is not a JSON object with "
				 "agent and title",
				 i);
			json_decref(inner);
			goto bad;
		}
		/*
		 * -l: the message as sent when it is one line (compact JSON
		 * is), which spares a dump of each message.
		 */
		m = json_string_value(json_object_get(it, "message"));
		if (lean && !strchr(m, '\n')) {
			fprintf(mf, "%s\n", m);
		} else {
			s = json_dumps(inner,
				       JSON_COMPACT | JSON_PRESERVE_ORDER);
			fprintf(mf, "%s\n", s);
			free(s);
		}
		json_decref(inner);
		if (lean)
			continue;
		s = json_dumps(it, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fprintf(wf, "%s\n", s);
		free(s);
	}
	*count = json_array_size(arr);
	fclose(mf);
	fclose(wf);
	json_decref(arr);
	return NULL;
bad:
	fclose(mf);
	fclose(wf);
	free(*msgs);
	free(*wraps);
	*msgs = *wraps = NULL;
	json_decref(arr);
	return why;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *data,
			       size_t *size, void **con_cls)
{
	struct upload *u = *con_cls;
	struct MHD_Response *r;
	struct answer a;
	const char *enc, *ctype, *key, *id, *why = NULL;
	char name[64], *head = NULL, *plain = NULL, *msgs = NULL, *wraps = NULL,
		       line[1024], num[32];
	size_t hlen = 0, plen = 0, mlen = 0, wlen = 0, count = 0;
	unsigned long n;
	unsigned busy, peer;
	const union MHD_ConnectionInfo *ci;
	enum MHD_Result ret;
	FILE *hf;
	int code;

	(void)cls;
	(void)version;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*size) {
		if (u->len + *size > MAX_BODY) {
			u->too_big = 1;
		} else {
			if (u->len + *size > u->cap) {
				size_t cap = (u->len + *size) * 2;
				char *p = realloc(u->p, cap);

				if (!p)
					return MHD_NO;
				u->p = p;
				u->cap = cap;
			}
			memcpy(u->p + u->len, data, *size);
			u->len += *size;
		}
		*size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&mu);
	n = ++nreq;
	next_answer(&a);
	pthread_mutex_unlock(&mu);

	if (!lean) {
		hf = open_memstream(&head, &hlen);
		fprintf(hf, "%s %s\n", method, url);
		MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, hf);
		fclose(hf);
		snprintf(name, sizeof(name), "req-%lu.head", n);
		write_file(name, head, hlen);
		free(head);
	}

	enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					  "Content-Encoding");
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-API-KEY");
	id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-CWS-Batch-ID");
	code = a.code;
	if (strcmp(method, "POST")) {
		why = "method is not POST";
	} else if (u->too_big) {
		why = "body too large for the test intake";
	} else if (!ctype || strcmp(ctype, "application/json")) {
		why = "Content-Type is not application/json";
	} else if (no_record) {
		/* Headers and key only: see -n at the top. */
	} else if (!u->len) {
		/* Datadog's connectivity check: an empty POST. */
	} else if (!enc || !strcmp(enc, "identity")) {
		plain = malloc(u->len + 1);
		if (plain)
			memcpy(plain, u->p ? u->p : "", u->len);
		plen = u->len;
	} else if (!strcmp(enc, "gzip")) {
		if (gunzip(u->p ? u->p : "", u->len, &plain, &plen))
			why = "body is not valid gzip";
	} else if (!strcmp(enc, "zstd")) {
		if (unzstd(u->p ? u->p : "", u->len, &plain, &plen))
			why = "body is not valid zstd";
	} else {
		why = "unknown Content-Encoding";
	}
	if (!why && plain) {
		if (!lean) {
			snprintf(name, sizeof(name), "req-%lu.body", n);
			write_file(name, plain, plen);
		}
		why = check_body(plain, plen, &msgs, &mlen, &wraps, &wlen,
				 &count);
	}
	if (why) {
		code = 400;
		snprintf(line, sizeof(line), "%lu %s\n", n, why);
		append("errors", line, strlen(line));
	} else if (api_key && (!key || strcmp(key, api_key))) {
		code = 403;
		snprintf(line, sizeof(line), "%lu wrong API key\n", n);
		append("errors", line, strlen(line));
	}
	pthread_mutex_lock(&mu);
	busy = ++inflight;
	pthread_mutex_unlock(&mu);
	if (a.delay_ms > 0)
		usleep((useconds_t)a.delay_ms * 1000);
	pthread_mutex_lock(&mu);
	inflight--;
	pthread_mutex_unlock(&mu);
	if (code)
		snprintf(num, sizeof(num), "%d", code);
	else
		snprintf(num, sizeof(num), "reset");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	peer = ci && ci->client_addr && ci->client_addr->sa_family == AF_INET ?
		       ntohs(((const struct sockaddr_in *)ci->client_addr)
				     ->sin_port) :
		       0;
	snprintf(line, sizeof(line),
		 "%lu %s enc=%s count=%zu id=%s bytes=%zu inflight=%u "
		 "peer=%u\n",
		 n, num, enc ? enc : "-", count, id ? id : "-", u->len, busy,
		 peer);
	/* Together: the order of the one is the order of the other (-l). */
	pthread_mutex_lock(&mu);
	if (code >= 200 && code < 300) {
		append("messages.jsonl", msgs, mlen);
		if (!lean)
			append("wrappers.jsonl", wraps, wlen);
	}
	append("requests.log", line, strlen(line));
	pthread_mutex_unlock(&mu);
	free(plain);
	free(msgs);
	free(wraps);
	if (!code)
		return MHD_NO; /* a reset: no answer at all */
	r = MHD_create_response_from_buffer(2, (void *)"{}",
					    MHD_RESPMEM_PERSISTENT);
	if (a.retry_after >= 0) {
		snprintf(num, sizeof(num), "%ld", a.retry_after);
		MHD_add_response_header(r, "Retry-After", num);
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, (unsigned)code, r);
	MHD_destroy_response(r);
	return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u) {
		free(u->p);
		free(u);
	}
	*con_cls = NULL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int ch;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(m);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	const char *cert = NULL, *keyf = NULL;
	char *certpem = NULL, *keypem = NULL, port[16], path[4096], tmp[4096];
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	int opt, want_port = 0;
	long lifetime_s = 900;

	while ((opt = getopt(argc, argv, "c:d:k:lnp:P:t:")) != -1) {
		switch (opt) {
		case 'l':
			lean = 1;
			break;
		case 'n':
			no_record = 1;
			break;
		case 't':
			lifetime_s = strtol(optarg, NULL, 10);
			break;
		case 'c':
			cert = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			api_key = optarg;
			break;
		case 'p':
			keyf = optarg;
			break;
		case 'P':
			want_port = (int)strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
				"usage: cws-test-intake -d dir [-ln] [-k api_key] "
				"[-c cert -p key] [-P port] [-t seconds]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "cws-test-intake: -d dir is required\n");
		return 2;
	}
	mkdir(dir, 0755);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)want_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (cert) {
		certpem = slurp(cert);
		keypem = keyf ? slurp(keyf) : NULL;
		if (!certpem || !keypem) {
			fprintf(stderr,
				"cws-test-intake: cannot read the certificate "
				"or key\n");
			return 1;
		}
		flags |= MHD_USE_TLS;
		d = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL,
				     MHD_OPTION_SOCK_ADDR, &sa,
				     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
				     MHD_OPTION_HTTPS_MEM_CERT, certpem,
				     MHD_OPTION_HTTPS_MEM_KEY, keypem,
				     MHD_OPTION_END);
	} else {
		d = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL,
				     MHD_OPTION_SOCK_ADDR, &sa,
				     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
				     MHD_OPTION_END);
	}
	if (!d) {
		fprintf(stderr, "cws-test-intake: cannot start the server\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(port, sizeof(port), "%u\n", info ? (unsigned)info->port : 0u);
	snprintf(tmp, sizeof(tmp), "%s/.port", dir);
	snprintf(path, sizeof(path), "%s/port", dir);
	write_file(".port", port, strlen(port));
	rename(tmp, path);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	/* A test that forgets us does not leave us running for long. */
	for (long i = 0; !stop && i < lifetime_s * 10; i++)
		usleep(100000);
	MHD_stop_daemon(d);
	free(certpem);
	free(keypem);
	return 0;
}
