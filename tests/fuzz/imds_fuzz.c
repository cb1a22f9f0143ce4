/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the imds event's HTTP parser
 * (cmd/cws-probe/imds.c): any bytes, as the classifier captures them off
 * the network. The parse either refuses them or gives a request or a
 * response whose strings all lie in the caller's buffer, terminated.
 */
#include "../../cmd/cws-probe/imds.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s, const char *buf, size_t cap)
{
	if (!s)
		return;
	if (s < buf || s >= buf + cap ||
	    !memchr(s, '\0', cap - (size_t)(s - buf)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	struct cws_evobj x;
	size_t cap = size % 2 ? sizeof(buf) : 64;

	if (size > CWS_KEV_IMDS_MAX)
		size = CWS_KEV_IMDS_MAX;
	memset(&x, 0, sizeof(x));
	if (cws_imds_parse((const char *)data, size, &x, buf, cap))
		return 0;
	if (!x.imds.type || !x.imds.cloud_provider)
		abort();
	if (strcmp(x.imds.type, "request") && strcmp(x.imds.type, "response"))
		abort();
	if (!strcmp(x.imds.type, "response") && (x.imds.url || x.imds.method))
		abort();
	check(x.imds.url, buf, cap);
	check(x.imds.host, buf, cap);
	check(x.imds.user_agent, buf, cap);
	check(x.imds.server, buf, cap);
	check(x.imds.aws_code, buf, cap);
	check(x.imds.aws_type, buf, cap);
	check(x.imds.aws_access_key_id, buf, cap);
	check(x.imds.aws_last_updated, buf, cap);
	check(x.imds.aws_expiration, buf, cap);
	return 0;
}
