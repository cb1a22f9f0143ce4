/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the spool's file formats (cmd/cws-ship/spoolfmt.c):
 * any bytes are read as a batch file (header line, checksum) and as a
 * journal, as cws-ship reads what it finds in its spool at start. What
 * parses must format back to the same header, and a journal's body span
 * must lie inside the input, end on a message and hold only messages
 * (its mark lines taken out).
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
	struct spool_part part;
	uint32_t lines;
	char *copy;
	size_t i;
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
	/* The journal: parsed in place, from a copy. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (!spool_part_parse(copy, size, &part)) {
		if (part.body_start > part.body_end || part.body_end > size ||
		    copy[part.body_start] != '[')
			abort();
		if (part.count && copy[part.body_end - 1] != '\n')
			abort();
		/* What is left is messages only, one a line. */
		for (i = part.body_start + 2, lines = 0; i < part.body_end; i++)
			if (copy[i] == '\n')
				lines++;
			else if (copy[i] == '#' && copy[i - 1] == '\n')
				abort();
		if (lines != part.count)
			abort();
	}
	free(copy);
	return 0;
}
