/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the stream decoder: any bytes must yield records or
 * errors, never a crash, a leak or an unbounded allocation; and every
 * record decoded must encode again and decode to the same record type.
 */
#include "compat.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cws_event ev, back;
	struct cws_event_err err;
	struct cws_reader r, r2;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int n, guard = 0;

	if (cws_reader_init_mem(&r, data, size))
		return 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	while ((n = cws_reader_next(&r, &ev, &err)) != 0) {
		if (++guard > 1000000)
			abort(); /* the reader must make progress */
		if (n < 0)
			continue;
		if (ev.type == CWS_REC_UNKNOWN)
			continue;
		msgpack_sbuffer_clear(&sb);
		if (cws_event_pack(&pk, &ev))
			abort();
		if (cws_reader_init_mem(&r2, sb.data, sb.size))
			continue;
		if (cws_reader_next(&r2, &back, &err) != 1 ||
		    back.type != ev.type)
			abort();
		cws_reader_release(&r2);
	}
	msgpack_sbuffer_destroy(&sb);
	cws_reader_release(&r);
	return 0;
}
