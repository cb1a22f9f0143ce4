/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-test-flare: Datadog's flare endpoint for the tests, on 127.0.0.1,
 * plain HTTP, one connection at a time. It takes a multipart/form-data
 * POST, records it and answers as Datadog does.
 *
 *	cws-test-flare -d dir [-k api_key]
 *
 * It writes its port to dir/port once it listens, and for request N:
 *
 *	dir/req-N.head       the request line and headers, one per line
 *	dir/req-N/fields     each part's name in order, then, for a file
 *	                     part, " filename=<name> type=<content type>"
 *	dir/req-N/<name>     each part's content
 *
 * It answers the code on the first line of dir/mode when that file
 * exists, else 403 when -k was given and DD-API-KEY differs, else 200
 * with {"case_id": <the case_id field or 0>, "error": "",
 * "request_uuid": "test-N"}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_HEAD (64u << 10)
#define MAX_BODY (64u << 20)

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "cws-test-flare: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp))
		die(path);
}

static int read_some(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return (int)n;
}

/* A header's value in head (CRLF lines), case-insensitive; NULL if none. */
static char *header(const char *head, const char *name, char *out, size_t len)
{
	const char *p = head;
	size_t n = strlen(name), k;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			k = strcspn(p, "\r\n");
			snprintf(out, len, "%.*s", (int)k, p);
			return out;
		}
	}
	return NULL;
}

/* Splits the multipart body and records its parts. */
static void record_parts(const char *rdir, const char *body, size_t len,
			 const char *boundary, char *case_id, size_t idlen)
{
	char delim[300], path[8192], name[256], fname[256], type[256];
	const char *p, *end, *hend, *next;
	FILE *fields;
	size_t dlen;

	snprintf(delim, sizeof(delim), "--%s", boundary);
	dlen = strlen(delim);
	snprintf(path, sizeof(path), "%s/fields", rdir);
	fields = fopen(path, "w");
	if (!fields)
		die(path);
	end = body + len;
	p = memmem(body, len, delim, dlen);
	while (p && (size_t)(end - p) > dlen + 2 && p[dlen] != '-') {
		p += dlen + 2; /* CRLF */
		hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hend)
			break;
		next = memmem(hend, (size_t)(end - hend), delim, dlen);
		if (!next)
			break;
		name[0] = fname[0] = type[0] = '\0';
		{
			char h[4096];
			const char *q;

			snprintf(h, sizeof(h), "\r\n%.*s", (int)(hend - p), p);
			q = strstr(h, "name=\"");
			if (q)
				sscanf(q + 6, "%255[^\"]", name);
			q = strstr(h, "filename=\"");
			if (q)
				sscanf(q + 10, "%255[^\"]", fname);
			header(h, "Content-Type", type, sizeof(type));
		}
		hend += 4;
		/* The content ends before the CRLF that precedes the delimiter. */
		if (name[0] && !strchr(name, '/')) {
			snprintf(path, sizeof(path), "%s/%s", rdir, name);
			write_file(path, hend, (size_t)(next - 2 - hend));
			fprintf(fields, "%s", name);
			if (fname[0])
				fprintf(fields, " filename=%s type=%s", fname,
					type);
			fprintf(fields, "\n");
			if (!strcmp(name, "case_id"))
				snprintf(case_id, idlen, "%.*s",
					 (int)(next - 2 - hend), hend);
		}
		p = next;
	}
	fclose(fields);
}

static void serve(int c, unsigned long n, const char *api_key)
{
	char *buf = malloc(MAX_HEAD + 1), *body = NULL, *p, *headend;
	char path[4096], rdir[4096], val[512], boundary[256], case_id[64] = "0";
	char answer[512], out[1024];
	size_t len = 0, blen, want, hlen;
	int code = 200, k;
	FILE *fp;

	if (!buf)
		die("malloc");
	for (;;) {
		k = read_some(c, buf + len, MAX_HEAD - len);
		if (k <= 0)
			goto out;
		len += (size_t)k;
		buf[len] = '\0';
		headend = strstr(buf, "\r\n\r\n");
		if (headend)
			break;
		if (len == MAX_HEAD)
			goto out;
	}
	hlen = (size_t)(headend - buf) + 2;
	snprintf(path, sizeof(path), "%s/req-%lu.head", dir, n);
	{
		/* CRLF to LF for the tests' greps. */
		char *h = strndup(buf, hlen), *q, *w;

		for (q = w = h; *q; q++)
			if (*q != '\r')
				*w++ = *q;
		write_file(path, h, (size_t)(w - h));
		free(h);
	}
	if (!header(buf, "Content-Length", val, sizeof(val)))
		goto out;
	want = strtoul(val, NULL, 10);
	if (want > MAX_BODY)
		goto out;
	if (header(buf, "Expect", val, sizeof(val)) &&
	    !strcasecmp(val, "100-continue") &&
	    write(c, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 25)
		goto out;
	body = malloc(want + 1);
	if (!body)
		die("malloc");
	blen = len - (hlen + 2);
	if (blen > want)
		blen = want;
	memcpy(body, headend + 4, blen);
	while (blen < want) {
		k = read_some(c, body + blen, want - blen);
		if (k <= 0)
			goto out;
		blen += (size_t)k;
	}
	snprintf(rdir, sizeof(rdir), "%s/req-%lu", dir, n);
	if (mkdir(rdir, 0755) && errno != EEXIST)
		die(rdir);
	if (header(buf, "Content-Type", val, sizeof(val)) &&
	    (p = strstr(val, "boundary=")) != NULL) {
		snprintf(boundary, sizeof(boundary), "%s", p + 9);
		record_parts(rdir, body, blen, boundary, case_id,
			     sizeof(case_id));
	}
	snprintf(path, sizeof(path), "%s/mode", dir);
	fp = fopen(path, "r");
	if (fp) {
		if (fscanf(fp, "%d", &code) != 1)
			code = 500;
		fclose(fp);
	} else if (api_key && (!header(buf, "DD-API-KEY", val, sizeof(val)) ||
			       strcmp(val, api_key))) {
		code = 403;
	}
	if (code == 200)
		snprintf(answer, sizeof(answer),
			 "{\"case_id\": %s, \"error\": \"\", "
			 "\"request_uuid\": \"test-%lu\"}",
			 case_id, n);
	else
		snprintf(answer, sizeof(answer),
			 "{\"error\": \"test answer %d\"}", code);
	k = snprintf(out, sizeof(out),
		     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     code, strlen(answer), answer);
	if (write(c, out, (size_t)k) != k)
		fprintf(stderr, "cws-test-flare: short write\n");
out:
	free(body);
	free(buf);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	const char *api_key = NULL;
	char path[4096], tmp[4096], port[16];
	unsigned long n = 0;
	int s, c, opt, one = 1;

	while ((opt = getopt(argc, argv, "d:k:")) != -1) {
		if (opt == 'd')
			dir = optarg;
		else if (opt == 'k')
			api_key = optarg;
		else
			return 2;
	}
	if (!dir) {
		fprintf(stderr, "usage: cws-test-flare -d dir [-k api_key]\n");
		return 2;
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 16) ||
	    getsockname(s, (struct sockaddr *)&a, &alen))
		die("listen");
	snprintf(port, sizeof(port), "%u\n", ntohs(a.sin_port));
	snprintf(tmp, sizeof(tmp), "%s/port.tmp", dir);
	snprintf(path, sizeof(path), "%s/port", dir);
	write_file(tmp, port, strlen(port));
	if (rename(tmp, path))
		die(path);
	for (;;) {
		c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		serve(c, ++n, api_key);
		close(c);
	}
}
