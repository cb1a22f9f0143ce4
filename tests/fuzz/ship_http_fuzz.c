/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the intake's HTTP answers as cws-ship reads them
 * (cmd/cws-ship/send.c, backoff.c): any bytes as an answer, a status
 * line, header lines handed one by one to the header callback as libcurl
 * does (Retry-After), then the body in pieces to the body callback. The
 * status is classified, and the delay before a retry computed, as the
 * sender does. A Retry-After in seconds must give exactly that many
 * seconds (a day at most); a date, a delay that is not negative; the
 * body kept must be a prefix of the one sent, terminated.
 */
#include "compat.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* send.c's sender needs the rest of cws-ship but run.c and the payload. */
#include "../../cmd/cws-ship/jbuf.c"
#include "../../cmd/cws-ship/spoolfmt.c"
#include "../../cmd/cws-ship/backoff.c"
#include "../../cmd/cws-ship/spool.c"
#include "../../cmd/cws-ship/endpoint.c"
#include "../../cmd/cws-ship/send.c"
#include "../../cmd/cws-ship/tcp.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Digits only, blanks around: the seconds form, or -1. */
static long long seconds_of(const char *v)
{
	long long s = 0;
	size_t i = 0, digits = 0;

	while (v[i] == ' ' || v[i] == '\t')
		i++;
	for (; isdigit((unsigned char)v[i]); i++, digits++)
		s = s > 86400 ? s : s * 10 + (v[i] - '0');
	while (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')
		i++;
	return digits && digits < 19 && !v[i] ? s : -1;
}

static void check_retry_after(const char *v)
{
	long long want = seconds_of(v), got;

	got = send_retry_after_ms(v, 1700000000);
	if (got < -1)
		abort();
	if (want >= 0 && got != (want > 86400 ? 86400000 : want * 1000))
		abort();
}

/* The status code libcurl would give for the first line, or 0. */
static long status_of(const char *p, size_t n)
{
	long code = 0;
	size_t i;

	if (n < 12 || strncmp(p, "HTTP/", 5))
		return 0;
	for (i = 5; i < n && p[i] != ' '; i++)
		;
	if (i + 4 > n)
		return 0;
	for (i++; i < n && isdigit((unsigned char)p[i]) && code < 1000; i++)
		code = code * 10 + (p[i] - '0');
	return code;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct answer a;
	long code = 0;
	size_t n, step;
	bool first = true;
	char *v;

	memset(&a, 0, sizeof(a));
	a.retry_after_ms = -1;
	/* Header lines, each with its line end, up to the empty one. */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (first)
			code = status_of(p, n);
		first = false;
		if (on_header((char *)(uintptr_t)p, 1, n, &a) != n)
			abort();
		if (n > 12 && n < 128 && !strncasecmp(p, "retry-after:", 12)) {
			v = strndup(p + 12, n - 12);
			if (!v)
				abort();
			check_retry_after(v);
			free(v);
		}
		p += n;
		if (n <= 2 && (n == 1 || p[-2] == '\r'))
			break;
		if (a.retry_after_ms < -1)
			abort();
	}
	/* The body, in pieces of a size the first byte of it gives. */
	step = p < end ? (unsigned char)*p % 97 + 1 : 1;
	for (; p < end; p += n) {
		n = (size_t)(end - p) < step ? (size_t)(end - p) : step;
		if (on_body((char *)(uintptr_t)p, 1, n, &a) != n)
			abort();
	}
	if (a.body_len >= sizeof(a.body) || a.body[a.body_len] != '\0')
		abort();

	switch (send_classify(code)) {
	case SEND_OK:
		if (code < 200 || code >= 400)
			abort();
		break;
	case SEND_DROP:
		if (drop_cause(code) < 0)
			abort();
		break;
	case SEND_RETRY: {
		struct backoff bo;
		long long d;

		backoff_init(&bo, 1, 2, 120, 2, false);
		backoff_error(&bo);
		d = backoff_delay_ms(&bo, bo.errors, 0.5);
		if (a.retry_after_ms > d)
			d = a.retry_after_ms < RETRY_AFTER_MAX_MS ?
				    a.retry_after_ms :
				    RETRY_AFTER_MAX_MS;
		if (d < 0 || d > RETRY_AFTER_MAX_MS)
			abort();
		break;
	}
	}
	return 0;
}
