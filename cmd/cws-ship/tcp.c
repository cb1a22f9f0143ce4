/* SPDX-License-Identifier: BSD-2-Clause */
/* Placeholder: the TCP sender lands in the next commit. */
#include "compat.h"
#include "ship.h"

#include <errno.h>

int tcp_frames(const char *api_key, const struct spool_hdr *h,
	       const char *body, size_t len, struct jbuf *out,
	       const char **why)
{
	(void)api_key;
	(void)h;
	(void)body;
	(void)len;
	(void)out;
	*why = "a TCP sender (not built yet)";
	return -EINVAL;
}

void *tcp_sender_run(void *arg)
{
	(void)arg;
	return NULL;
}
