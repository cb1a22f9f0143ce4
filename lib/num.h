/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef CWS_NUM_H
#define CWS_NUM_H

/*
 * OpenBSD strtonum(3) semantics: parses a base-10 integer in [min, max].
 * On error returns 0, sets *errstr to "invalid", "too small" or "too large"
 * and errno to EINVAL or ERANGE; on success *errstr is NULL.
 */
long long cws_strtonum(const char *s, long long min, long long max,
		       const char **errstr);

#endif
