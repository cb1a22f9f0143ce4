/* SPDX-License-Identifier: BSD-2-Clause */
#include "compat.h"
#include "num.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

long long cws_strtonum(const char *s, long long min, long long max,
		       const char **errstr)
{
	long long v;
	char *end;

	*errstr = NULL;
	if (min > max || !s || !*s) {
		*errstr = "invalid";
		errno = EINVAL;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || end == s) {
		*errstr = "invalid";
		errno = EINVAL;
		return 0;
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < min) {
		*errstr = "too small";
		errno = ERANGE;
		return 0;
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > max) {
		*errstr = "too large";
		errno = ERANGE;
		return 0;
	}
	return v;
}
