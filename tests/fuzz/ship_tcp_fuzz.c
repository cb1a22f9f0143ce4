/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for cws-ship's TCP framing of a spooled batch
 * (tcp_frames in cmd/cws-ship/tcp.c): decompression, then the JSON array
 * of wrappers, then one Datadog frame per message. The first byte picks
 * the body: taken as it is, as identity, gzip or zstd (the decoders on
 * any bytes), or compressed here first from the rest (so that mutations
 * reach the JSON and the framing through a valid gzip or zstd stream).
 * A batch framed must be exactly as many lines as messages kept, each
 * "<api key> <pri>0 <time> ..." with no other newline; a refusal says
 * why and leaves nothing framed.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* tcp.c's sender needs the rest of cws-ship but run.c and the payload. */
#include "../../cmd/cws-ship/jbuf.c"
#include "../../cmd/cws-ship/spoolfmt.c"
#include "../../cmd/cws-ship/backoff.c"
#include "../../cmd/cws-ship/spool.c"
#include "../../cmd/cws-ship/endpoint.c"
#include "../../cmd/cws-ship/send.c"
#include "../../cmd/cws-ship/tcp.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "0123456789abcdef0123456789abcdef"

static void check_frames(const struct jbuf *out, int n)
{
	const char *p = out->p, *end, *nl;
	int lines = 0;

	if (!p) {
		if (n)
			abort(); /* messages kept but nothing framed */
		return;
	}
	end = p + out->len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			abort(); /* a frame ends with its newline */
		if ((size_t)(nl - p) < sizeof(KEY) + 3 ||
		    memcmp(p, KEY " <4", sizeof(KEY) + 2) ||
		    p[sizeof(KEY) + 2] < '0' || p[sizeof(KEY) + 2] > '7' ||
		    memcmp(p + sizeof(KEY) + 3, ">0 ", 3))
			abort();
		lines++;
		p = nl + 1;
	}
	if (lines != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const enc[] = { "identity", "gzip", "zstd" };
	struct spool_hdr h;
	struct jbuf out, z;
	const char *why, *body;
	size_t len;
	int mode, n;

	if (!size)
		return 0;
	mode = data[0] % 5;
	memset(&h, 0, sizeof(h));
	jb_init(&z, 64u << 20);
	jb_init(&out, 64u << 20);
	body = (const char *)data + 1;
	len = size - 1;
	if (mode < 3) {
		snprintf(h.encoding, sizeof(h.encoding), "%s", enc[mode]);
	} else {
		snprintf(h.encoding, sizeof(h.encoding), "%s", enc[mode - 2]);
		if (ship_compress(h.encoding, 1, body, len, &z))
			abort();
		body = z.p ? z.p : "";
		len = z.len;
	}
	h.raw_len = size - 1;
	n = tcp_frames(KEY, &h, body, len, &out, &why);
	if (n < 0) {
		if (!why || out.len)
			abort();
	} else {
		check_frames(&out, n);
		if (mode >= 3 && out.err)
			abort();
	}
	jb_release(&out);
	jb_release(&z);
	return 0;
}
