/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Datadog's ExpBackoffPolicy (pkg/util/backoff/backoff.go). After n
 * errors the wait is drawn uniformly from [base*2^n / factor,
 * min(max, base*2^n)], and is exactly max once base*2^n reaches it. The
 * error count stops at floor(log2(max/base)) + 1, and each success takes
 * recovery_interval errors off (all of them with recovery_reset). Go
 * truncates the wait to whole seconds; cws keeps milliseconds, so that a
 * sub-second base works.
 *
 * Also what an answer means (pkg/logs/client/http/destination.go) and
 * the server's Retry-After.
 */
#include "compat.h"
#include "ship.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void backoff_init(struct backoff *b, double base_s, double factor, double max_s,
		  int recovery_interval, bool recovery_reset)
{
	if (!(base_s > 0))
		base_s = 1;
	if (!(factor >= 1))
		factor = 2;
	if (!(max_s >= base_s))
		max_s = base_s;
	b->base_ms = base_s * 1000;
	b->factor = factor;
	b->max_ms = max_s * 1000;
	b->max_errors = (int)floor(log2(max_s / base_s)) + 1;
	b->recovery_interval = recovery_interval > 0 ? recovery_interval : 0;
	b->recovery_reset = recovery_reset;
	b->errors = 0;
}

long long backoff_delay_ms(const struct backoff *b, int n, double r)
{
	double t, lo, hi;

	if (n <= 0)
		return 0;
	t = b->base_ms * pow(2, n);
	if (t > b->max_ms)
		return (long long)b->max_ms;
	lo = t / b->factor;
	hi = fmin(b->max_ms, t);
	if (r < 0)
		r = 0;
	if (r >= 1)
		r = 0.999999;
	return (long long)(lo + r * (hi - lo));
}

void backoff_error(struct backoff *b)
{
	if (b->errors < b->max_errors)
		b->errors++;
}

void backoff_success(struct backoff *b)
{
	if (b->recovery_reset)
		b->errors = 0;
	else if (b->errors > b->recovery_interval)
		b->errors -= b->recovery_interval;
	else
		b->errors = 0;
}

enum send_class send_classify(long code)
{
	if (code >= 200 && code < 400)
		return SEND_OK;
	if (code == 400 || code == 401 || code == 403 || code == 413)
		return SEND_DROP;
	return SEND_RETRY;
}

/* Retry-After: delay-seconds, or an IMF-fixdate (RFC 9110). */
long long send_retry_after_ms(const char *v, long long now_s)
{
	struct tm tm;
	char *end;
	long long s;
	time_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (!*v)
		return -1;
	errno = 0;
	s = strtoll(v, &end, 10);
	if (end != v && !errno) {
		while (*end == ' ' || *end == '\t' || *end == '\r' ||
		       *end == '\n')
			end++;
		if (!*end)
			return s < 0 ? -1 : s > 86400 ? 86400000 : s * 1000;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return t <= now_s ? 0 : ((long long)t - now_s) * 1000;
}
