/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stream writer: records packed into a buffer that goes out past a
 * threshold or on flush, a tap handed the same bytes.
 *
 * Schema 2: the writer remembers the keys whose process record it wrote
 * (event_proc.c) and, before an event that references a key it does not
 * remember, writes that key's record and those of its ancestors it does
 * not remember, farthest first. So every stream a writer makes (the
 * probe's, cws-filter's matches, a capture) reads alone from its start.
 * An event with no key (a hand-made one, a schema 1 producer) is written
 * inline, whole.
 *
 * A retire record tells the reader that keys will not be referenced again;
 * the writer writes it only for keys it wrote and had not retired, and
 * marks them as exited in its own set as the reader does in its table, so
 * that the two keep forgetting alike (event_proc.c). An exit event, or a
 * match of one, marks its key the same way.
 */
#include "compat.h"
#include "event_priv.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_AT (64u * 1024)
#define RETIRE_CHUNK 512 /* keys per retire record: about 4.6 kB */

void cws_writer_init(struct cws_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->flush_at = FLUSH_AT;
	msgpack_sbuffer_init(&w->sbuf);
	msgpack_packer_init(&w->pk, &w->sbuf, msgpack_sbuffer_write);
}

void cws_writer_release(struct cws_writer *w)
{
	if (!w)
		return;
	msgpack_sbuffer_destroy(&w->sbuf);
	cws_keyset_free(w->keys);
	w->keys = NULL;
}

/* The key set, made on first use; NULL when memory is short (inline). */
static struct cws_keyset *keys(struct cws_writer *w)
{
	if (!w->keys)
		w->keys =
			cws_keyset_new(CWS_KEYSET_MAX, CWS_PROC_EXITED_WRITER);
	return w->keys;
}

bool cws_writer_knows(struct cws_writer *w, uint64_t key)
{
	struct cws_keyset *s = keys(w);

	return s && key && cws_keyset_has(s, key);
}

void cws_writer_forget(struct cws_writer *w)
{
	cws_keyset_clear(w->keys);
}

void cws_writer_proc_stats(const struct cws_writer *w,
			   struct cws_proc_stats *out)
{
	cws_keyset_stats(w->keys, out);
}

/* One process record; without argv if it would be too large to read. */
static int put_process(struct cws_writer *w, const struct cws_process *p)
{
	size_t mark = w->sbuf.size;

	event_pack_process_record(&w->pk, p, false);
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
		w->sbuf.size = mark;
		event_pack_process_record(&w->pk, p, true);
		if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return -E2BIG;
		}
	}
	cws_keyset_add(w->keys, p->key);
	w->records++;
	return 0;
}

/* The records ev's key needs before it, ancestors first. */
static int put_chain(struct cws_writer *w, const struct cws_event *ev)
{
	uint32_t i;
	int rc;

	if (cws_keyset_touch(w->keys, ev->process.key))
		return 0;
	for (i = ev->ancestors ? ev->nancestors : 0; i-- > 0;) {
		const struct cws_process *a = &ev->ancestors[i];

		if (!a->key || cws_keyset_touch(w->keys, a->key))
			continue;
		rc = put_process(w, a);
		if (rc)
			return rc;
	}
	return put_process(w, &ev->process);
}

int cws_writer_flush(struct cws_writer *w)
{
	size_t done = 0;

	while (done < w->sbuf.size) {
		ssize_t n =
			write(w->fd, w->sbuf.data + done, w->sbuf.size - done);

		if (n < 0) {
			struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				poll(&pfd, 1, -1);
				continue;
			}
			/* Keep what was not written for a later retry. */
			memmove(w->sbuf.data, w->sbuf.data + done,
				w->sbuf.size - done);
			w->sbuf.size -= done;
			return -errno;
		}
		if (w->tap)
			w->tap(w->tap_arg, w->sbuf.data + done, (size_t)n);
		done += (size_t)n;
		w->bytes += (uint64_t)n;
	}
	w->sbuf.size = 0;
	return 0;
}

int cws_writer_put(struct cws_writer *w, const struct cws_event *ev)
{
	size_t mark = w->sbuf.size;
	uint32_t i;
	int rc;

	if (ev->type == CWS_REC_UNKNOWN && ev->raw)
		return cws_writer_put_raw(w, ev->raw, ev->raw_len);
	if (ev->type == CWS_REC_EVENT && ev->process.key &&
	    !ev->process_unknown && keys(w)) {
		rc = put_chain(w, ev);
		if (rc)
			return rc;
		mark = w->sbuf.size;
		event_pack_body(&w->pk, ev, false, true);
		if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return -E2BIG;
		}
		if (ev->evt.type == CWS_EVT_EXIT)
			cws_keyset_exit(w->keys, ev->process.key);
		goto out;
	}
	rc = cws_event_pack(&w->pk, ev);
	if (rc)
		return rc;
	if (ev->type == CWS_REC_RETIRE && w->keys)
		for (i = 0; i < ev->retire.n; i++)
			cws_keyset_exit(w->keys, ev->retire.keys[i]);
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD &&
	    ev->type == CWS_REC_EVENT) {
		/* Too big to be read back: retry without ancestors' argv. */
		w->sbuf.size = mark;
		event_pack_body(&w->pk, ev, true, false);
		if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return -E2BIG;
		}
	}
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD &&
	    ev->type == CWS_REC_RULESET_LOADED) {
		/* cws-filter addition: retry without the expressions. */
		w->sbuf.size = mark;
		event_pack_ruleset_loaded(&w->pk, ev, true);
		if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return -E2BIG;
		}
	}
out:
	w->records++;
	if (w->sbuf.size >= w->flush_at)
		return cws_writer_flush(w);
	return 0;
}

int cws_writer_put_retire(struct cws_writer *w, const uint64_t *keys,
			  uint32_t n)
{
	uint64_t live[RETIRE_CHUNK];
	struct cws_event ev;
	uint32_t i = 0, k;
	int rc;

	if (!w->keys)
		return 0;
	cws_event_clear(&ev);
	ev.type = CWS_REC_RETIRE;
	ev.retire.keys = live;
	while (i < n) {
		/* Marked as they are taken: a key named twice goes once. */
		for (k = 0; i < n && k < RETIRE_CHUNK; i++)
			if (cws_keyset_exit(w->keys, keys[i]))
				live[k++] = keys[i];
		if (!k)
			break;
		ev.retire.n = k;
		rc = cws_event_pack(&w->pk, &ev);
		if (rc)
			return rc;
		w->records++;
		if (w->sbuf.size >= w->flush_at) {
			rc = cws_writer_flush(w);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int cws_writer_put_raw(struct cws_writer *w, const void *data, size_t len)
{
	if (msgpack_sbuffer_write(&w->sbuf, data, len))
		return -ENOMEM;
	w->records++;
	if (w->sbuf.size >= w->flush_at)
		return cws_writer_flush(w);
	return 0;
}

int cws_writer_put_match(struct cws_writer *w, const struct cws_event *ev,
			 const struct cws_event_rule *rule)
{
	size_t mark = w->sbuf.size, lean_len;
	char *lean;
	int rc;

	if (!ev->raw)
		return -EINVAL;
	/* A reference: its key's records first, as the reader had them. */
	if (ev->process_ref && !ev->process_unknown && ev->process.key &&
	    keys(w)) {
		rc = put_chain(w, ev);
		if (rc)
			return rc;
		mark = w->sbuf.size;
	}
	rc = cws_event_pack_match(&w->pk, ev->raw, ev->raw_len, rule);
	if (rc) {
		w->sbuf.size = mark;
		return rc;
	}
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
		/*
		 * Rare: re-encode the event without the ancestors' argv
		 * (its unknown keys are lost then), copied out because
		 * packing appends to the buffer it is read from.
		 */
		w->sbuf.size = mark;
		event_pack_body(&w->pk, ev, true, ev->process_ref);
		lean_len = w->sbuf.size - mark;
		lean = malloc(lean_len);
		if (!lean) {
			w->sbuf.size = mark;
			return -ENOMEM;
		}
		memcpy(lean, w->sbuf.data + mark, lean_len);
		w->sbuf.size = mark;
		rc = cws_event_pack_match(&w->pk, lean, lean_len, rule);
		free(lean);
		if (rc || w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return rc ? rc : -E2BIG;
		}
	}
	/* As cws_writer_put marks an exit: the reader marks it too. */
	if (ev->evt.type == CWS_EVT_EXIT && ev->process_ref &&
	    !ev->process_unknown && w->keys)
		cws_keyset_exit(w->keys, ev->process.key);
	w->records++;
	if (w->sbuf.size >= w->flush_at)
		return cws_writer_flush(w);
	return 0;
}
