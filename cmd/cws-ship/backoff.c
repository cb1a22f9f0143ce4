/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Datadog's ExpBackoffPolicy (pkg/util/backoff/backoff.go). After n
 * errors the wait is drawn uniformly from [base*2^n / factor,
 * min(max, base*2^n)], and is exactly max once base*2^n reaches it. The
 * error count stops at floor(log2(max/base)) + 1, and each success takes
 * recovery_interval errors off (all of them with recovery_reset). Go
 * truncates the wait to whole seconds; cws keeps milliseconds, so that a
 * sub-second base works.
 */
#include "compat.h"
#include "ship.h"

#include <math.h>

void backoff_init(struct backoff *b, double base_s, double factor,
		  double max_s, int recovery_interval, bool recovery_reset)
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
