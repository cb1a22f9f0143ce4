/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the stream decoder: any bytes must yield records or
 * errors, never a crash, a leak or an unbounded allocation; every record
 * decoded must encode again and decode to the same record type; and the
 * reader's fast path must agree with the reference decoder: each record
 * the reader returns, unpacked with msgpack-c and decoded again by
 * cws_event_decode, must decode too and pack to the same bytes. An input
 * of odd length is read as cws-cat -R reads, its process records
 * returned and checked as well; one of even length as the filter reads,
 * its retire records returned.
 *
 * Readers are made once and pointed at each new buffer
 * (cws_reader_reset_mem): under ASan, allocating a reader's megabytes
 * for every record cost more than all the decoding. What an input leaves
 * in them (process tables, zone chunks) is freed before it returns:
 * libFuzzer runs an input a second time, looking for a leak, whenever it
 * ends with more allocations than frees, and that cost an eighth of the
 * time.
 */
#include "compat.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference decoder on ev's raw bytes agrees with what the reader gave. */
static void same_as_reference(const struct cws_event *ev)
{
	static struct cws_event ref;
	static char arena[2 * CWS_EVENT_MAX_RECORD + 512 * 1024];
	msgpack_sbuffer a, b;
	msgpack_packer pa, pb;
	msgpack_unpacked up;
	struct cws_event_err err;
	size_t off = 0;

	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, ev->raw, ev->raw_len, &off) !=
		    MSGPACK_UNPACK_SUCCESS ||
	    off != ev->raw_len ||
	    cws_event_decode(&up.data, &ref, arena, sizeof(arena), &err))
		abort();
	if (ev->process_ref) {
		/* What the table added: the reference decoder has no table. */
		if (ref.process.key != ev->process.key ||
		    ref.process.tid != ev->process.tid)
			abort();
		ref.process = ev->process;
		ref.ancestors = ev->ancestors;
		ref.nancestors = ev->nancestors;
		ref.ancestors_truncated = ev->ancestors_truncated;
		ref.container.id = ev->container.id;
	}
	msgpack_sbuffer_init(&a);
	msgpack_sbuffer_init(&b);
	msgpack_packer_init(&pa, &a, msgpack_sbuffer_write);
	msgpack_packer_init(&pb, &b, msgpack_sbuffer_write);
	if (ev->type != CWS_REC_UNKNOWN &&
	    (cws_event_pack(&pa, ev) || cws_event_pack(&pb, &ref) ||
	     a.size != b.size || memcmp(a.data, b.data, a.size)))
		abort();
	if (ev->type != ref.type || strcmp(ev->type_name, ref.type_name))
		abort();
	msgpack_sbuffer_destroy(&a);
	msgpack_sbuffer_destroy(&b);
	msgpack_unpacked_destroy(&up);
}

/* A reader made once, pointed at data[0..len); false if it cannot be. */
static bool reader_on(struct cws_reader *r, const void *data, size_t len)
{
	if (!r->buf && cws_reader_init_mem(r, "", 0))
		return false;
	return !cws_reader_reset_mem(r, data, len);
}

/* Frees what the last input left in a reader made once. */
static void reader_drop(struct cws_reader *r)
{
	if (r->buf)
		cws_reader_reset_mem(r, "", 0);
}

static struct cws_reader schema2_reader;

/*
 * Schema 2: the self-contained form of an event read by key decodes, and
 * a fresh writer's stream of it (its process records first) reads back
 * complete, as a plain event or as a match.
 */
static void schema2(const struct cws_event *ev)
{
	static const struct cws_event_rule rule = { .id = "fuzz" };
	static struct cws_event back;
	struct cws_reader *r = &schema2_reader;
	struct cws_event_err err;
	struct cws_writer w;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int pass;

	if (ev->type != CWS_REC_EVENT || !ev->process_ref)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (cws_event_pack_expanded(&pk, ev))
		abort();
	if (reader_on(r, sb.data, sb.size) &&
	    (cws_reader_next(r, &back, &err) != 1 ||
	     back.type != CWS_REC_EVENT))
		abort();
	msgpack_sbuffer_destroy(&sb);
	for (pass = 0; pass < 2; pass++) {
		cws_writer_init(&w, -1);
		w.flush_at = SIZE_MAX; /* kept in memory, never written */
		if (pass ? cws_writer_put_match(&w, ev, &rule) :
			   cws_writer_put(&w, ev)) {
			cws_writer_release(&w);
			continue;
		}
		if (reader_on(r, w.sbuf.data, w.sbuf.size) &&
		    (cws_reader_next(r, &back, &err) != 1 ||
		     back.type != CWS_REC_EVENT ||
		     (back.process_unknown && !ev->process_unknown) ||
		     back.process.pid != ev->process.pid))
			abort();
		cws_writer_release(&w);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cws_event ev, back;
	static struct cws_reader r, r2;
	struct cws_event_err err;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int n, guard = 0;

	if (!reader_on(&r, data, size))
		return 0;
	r.want_process = size % 2;
	r.want_retire = !r.want_process;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	while ((n = cws_reader_next(&r, &ev, &err)) != 0) {
		if (++guard > 1000000)
			abort(); /* the reader must make progress */
		if (n < 0)
			continue;
		same_as_reference(&ev);
		if (ev.type == CWS_REC_UNKNOWN)
			continue;
		schema2(&ev);
		msgpack_sbuffer_clear(&sb);
		if (cws_event_pack(&pk, &ev))
			abort();
		if (!reader_on(&r2, sb.data, sb.size))
			continue;
		r2.want_process = true; /* a process record comes back too */
		if (cws_reader_next(&r2, &back, &err) != 1 ||
		    back.type != ev.type)
			abort();
	}
	msgpack_sbuffer_destroy(&sb);
	reader_drop(&r);
	reader_drop(&r2);
	reader_drop(&schema2_reader);
	return 0;
}
