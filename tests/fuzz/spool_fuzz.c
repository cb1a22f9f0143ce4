/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the spool's file formats (cmd/cws-ship/spoolfmt.c):
 * any bytes are read as a batch file (header line, checksum) and as a
 * journal, as cws-ship reads what it finds in its spool at start. What
 * parses must format back to the same header, and a journal's body span
 * must lie inside the input and end on a message.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cws-ship/spoolfmt.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *why = NULL;
	char buf[SPOOL_HDR_MAX * 2];
	struct spool_hdr h, g;
	size_t start, end;
	uint64_t seq;
	uint32_t count;
	int n, m;

	n = spool_hdr_parse(p, size, &h, &why);
	if (n < 0 && !why)
		abort();
	if (n > 0) {
		if ((size_t)n > size || (size_t)n > SPOOL_HDR_MAX)
			abort();
		(void)spool_body_ok(&h, p + n, size - (size_t)n);
		m = spool_hdr_format(&h, buf, sizeof(buf));
		if (m < 0 || spool_hdr_parse(buf, (size_t)m, &g, &why) != m ||
		    g.seq != h.seq || g.count != h.count ||
		    g.raw_len != h.raw_len || g.crc != h.crc ||
		    strcmp(g.encoding, h.encoding) || strcmp(g.id, h.id))
			abort();
	}
	if (!spool_part_parse(p, size, &seq, &count, &start, &end)) {
		if (start > end || end > size || p[start] != '[')
			abort();
		if (count && p[end - 1] != '\n')
			abort();
	}
	return 0;
}
