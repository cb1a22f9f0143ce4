/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hash action at match time, Datadog's way (probe/file_hasher.go):
 * a file an exec event ran is hashed at once; any other file may still
 * be being written (a compiler's output, a download), so its match is
 * held until the process exits or 5 seconds pass, then hashed and
 * written with the state and what triggered it.
 *
 * A held match is kept as the record it will be, self-contained (its
 * process and ancestors inline, its rule with the pending actions), so
 * that nothing it needs can go away meanwhile: not the reader's process
 * table, not a policy replaced by a reload. On release it is decoded,
 * its hash actions filled in, and written. Held matches leave in the
 * order they came, but after the records that passed meanwhile: that
 * delay and reordering are what cws-filter(8) documents. Nothing held is
 * dropped: past FILTER_HASH_MAX_HELD the oldest goes early, and at the
 * end of the input every held match is written before cws-filter ends.
 */
#include "compat.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"

struct held_hash {
	uint32_t idx; /* in the rule's actions */
	char *path;
	uint64_t inode;
	uint64_t max_file_size;
};

struct held {
	char *rec; /* the match record, self-contained */
	size_t len;
	enum cws_event_type type;
	uint32_t pid;
	char *container_id; /* NULL on the host */
	long long since_ms;
	unsigned nhash;
	struct held_hash hash[];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The file an action names: its field, or the event's own file. */
static const struct cws_file *action_file(const struct cws_event *ev,
					  const char *field)
{
	size_t n;

	if (!field)
		return ev->evt.type == CWS_EVT_EXEC ? &ev->exec.file :
						      &ev->obj.file;
	if (!strcmp(field, "process.file"))
		return &ev->process.file;
	if (!strcmp(field, "exec.file"))
		return &ev->exec.file;
	if (!strcmp(field, "process.parent.file"))
		return ev->nancestors ? &ev->ancestors[0].file : NULL;
	n = strlen(field);
	if (n > 17 && !strcmp(field + n - 17, ".file.destination"))
		return &ev->obj.dest;
	if (n > 5 && !strcmp(field + n - 5, ".file") &&
	    strchr(field, '.') == field + n - 5)
		return &ev->obj.file;
	return NULL;
}

/* Points an action's hashes at a result (which must outlive the write). */
static void fill(struct cws_rule_action *o, const struct hash_result *res,
		 const char **ptrs, const char *trigger)
{
	unsigned i;

	for (i = 0; i < res->n; i++)
		ptrs[i] = res->text[i];
	o->state = hash_state_name(res->state);
	o->trigger = trigger;
	o->hashes.v = ptrs;
	o->hashes.n = res->n;
}

uint32_t filter_hash_actions(struct filter *f, const struct cws_policy_rule *r,
			     const struct cws_event *ev, uint32_t n)
{
	size_t i;

	f->npend = 0;
	if (!f->hasher || ev->process.pid == (uint32_t)getpid())
		return n;
	for (i = 0; i < r->nactions && n < CWS_POLICY_MAX_ACTIONS; i++) {
		const struct cws_policy_action *a = &r->actions[i];
		struct cws_rule_action *o = &f->acts[n];
		const struct cws_file *file;
		struct hash_req q;

		if (a->type != CWS_POLICY_ACT_HASH || !a->usable ||
		    !cws_policy_action_applies(f->pol, a, ev))
			continue;
		file = action_file(ev, a->field);
		memset(o, 0, sizeof(*o));
		o->type = "hash";
		o->status = "performed";
		o->path = file ? file->path : NULL;
		memset(&q, 0, sizeof(q));
		q.type = ev->evt.type;
		q.pid = ev->process.pid;
		q.container_id = ev->process.container_id;
		q.path = o->path;
		q.inode = file ? file->inode : 0;
		q.max_file_size = a->max_file_size;
		if (ev->evt.type == CWS_EVT_EXEC) {
			/* What ran is what is on disk: no need to wait. */
			q.now_ns = mono_ns();
			hasher_hash(f->hasher, &q, &f->hres[n]);
			fill(o, &f->hres[n], f->hptr[n], "exec");
		} else {
			o->state = hash_state_name(HASH_NO_HASH);
			f->pend[f->npend].idx = n;
			f->pend[f->npend].req = q;
			f->npend++;
		}
		n++;
	}
	return n;
}

/* Hashes the pending actions of the match being written, now. */
static void resolve_now(struct filter *f, const char *trigger)
{
	unsigned i;

	for (i = 0; i < f->npend; i++) {
		uint32_t k = f->pend[i].idx;

		f->pend[i].req.now_ns = mono_ns();
		hasher_hash(f->hasher, &f->pend[i].req, &f->hres[k]);
		fill(&f->acts[k], &f->hres[k], f->hptr[k], trigger);
	}
	f->npend = 0;
}

static void held_free(struct held *h)
{
	unsigned i;

	if (!h)
		return;
	for (i = 0; i < h->nhash; i++)
		free(h->hash[i].path);
	free(h->container_id);
	free(h->rec);
	free(h);
}

/* The match record, as it will be written, in a buffer of its own. */
static int pack_record(const struct cws_event *ev,
		       const struct cws_event_rule *er, msgpack_sbuffer *out)
{
	msgpack_sbuffer body;
	msgpack_packer pk;
	int rc;

	msgpack_sbuffer_init(&body);
	msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
	rc = cws_event_pack_expanded(&pk, ev);
	if (!rc) {
		msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
		rc = cws_event_pack_match(&pk, body.data, body.size, er);
	}
	msgpack_sbuffer_destroy(&body);
	if (!rc && out->size > CWS_EVENT_MAX_RECORD)
		rc = -E2BIG;
	return rc;
}

static void release(struct filter *f, size_t at, const char *trigger);

int filter_hold(struct filter *f, const struct cws_event *ev,
		const struct cws_event_rule *er)
{
	msgpack_sbuffer sb;
	struct held *h = NULL;
	unsigned i;
	int rc;

	if (!f->npend)
		return -ENOENT;
	if (f->nheld == FILTER_HASH_MAX_HELD) {
		f->hash_early++;
		release(f, 0, "timeout");
	}
	msgpack_sbuffer_init(&sb);
	rc = pack_record(ev, er, &sb);
	if (!rc) {
		h = calloc(1, sizeof(*h) + f->npend * sizeof(h->hash[0]));
		rc = h ? 0 : -ENOMEM;
	}
	if (!rc) {
		h->rec = sb.data; /* taken */
		h->len = sb.size;
		sb.data = NULL;
		h->type = ev->evt.type;
		h->pid = ev->process.pid;
		h->since_ms = filter_now_ms();
		if (ev->process.container_id) {
			h->container_id = strdup(ev->process.container_id);
			if (!h->container_id)
				rc = -ENOMEM;
		}
		for (i = 0; i < f->npend && !rc; i++) {
			const struct hash_req *q = &f->pend[i].req;

			h->hash[i].idx = f->pend[i].idx;
			h->hash[i].inode = q->inode;
			h->hash[i].max_file_size = q->max_file_size;
			if (q->path) {
				h->hash[i].path = strdup(q->path);
				if (!h->hash[i].path)
					rc = -ENOMEM;
			}
			h->nhash = i + 1;
		}
	}
	msgpack_sbuffer_destroy(&sb);
	if (rc) {
		/* Cannot wait: hash now rather than lose the hash. */
		held_free(h);
		resolve_now(f, "timeout");
		f->hash_early++;
		return rc;
	}
	f->held[f->nheld++] = h;
	f->hash_held++;
	f->npend = 0;
	return 0;
}

/* Writes the held match at index at, hashed now, and removes it. */
static void release(struct filter *f, size_t at, const char *trigger)
{
	struct held *h = f->held[at];
	struct cws_rule_action acts[CWS_POLICY_MAX_ACTIONS];
	static struct hash_result res[CWS_POLICY_MAX_ACTIONS];
	const char *ptrs[CWS_POLICY_MAX_ACTIONS][HASH_MAX_ALGOS];
	struct cws_event_rule er;
	struct cws_event_err err;
	struct cws_event *ev = calloc(1, sizeof(*ev));
	size_t cap = 2 * h->len + 65536;
	char *arena = malloc(cap);
	msgpack_unpacked up;
	unsigned i;
	int rc = -ENOMEM;

	msgpack_unpacked_init(&up);
	memmove(&f->held[at], &f->held[at + 1],
		(f->nheld - at - 1) * sizeof(f->held[0]));
	f->nheld--;
	f->hash_released++;
	if (!ev || !arena)
		goto out;
	rc = -EINVAL;
	if (msgpack_unpack_next(&up, h->rec, h->len, NULL) !=
		    MSGPACK_UNPACK_SUCCESS ||
	    cws_event_decode(&up.data, ev, arena, cap, &err) || !ev->rule ||
	    ev->rule->nactions > CWS_POLICY_MAX_ACTIONS)
		goto out;
	ev->raw = h->rec;
	ev->raw_len = h->len;
	ev->process_ref = false;
	er = *ev->rule;
	memcpy(acts, er.actions, er.nactions * sizeof(acts[0]));
	er.actions = acts;
	for (i = 0; i < h->nhash; i++) {
		struct hash_req q = {
			.type = h->type,
			.pid = h->pid,
			.container_id = h->container_id,
			.path = h->hash[i].path,
			.inode = h->hash[i].inode,
			.max_file_size = h->hash[i].max_file_size,
			.now_ns = mono_ns(),
		};
		uint32_t k = h->hash[i].idx;

		if (k >= er.nactions)
			continue;
		hasher_hash(f->hasher, &q, &res[i]);
		fill(&acts[k], &res[i], ptrs[i], trigger);
	}
	rc = f->werr ? 0 : cws_writer_put_match(&f->wr, ev, &er);
	if (rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM) {
		f->write_errors++;
		if (cws_ratelimit_ok(&f->err_rl))
			cws_errorx("cannot write a held match: %s",
				   strerror(-rc));
	} else if (rc) {
		f->werr = rc;
	} else {
		f->written++;
	}
	rc = 0;
out:
	if (rc) {
		f->write_errors++;
		if (cws_ratelimit_ok(&f->err_rl))
			cws_errorx("cannot write a held match: %s",
				   strerror(-rc));
	}
	msgpack_unpacked_destroy(&up);
	free(arena);
	free(ev);
	held_free(h);
}

void filter_held_exit(struct filter *f, uint32_t pid)
{
	size_t i = 0;

	while (i < f->nheld) {
		if (f->held[i]->pid == pid)
			release(f, i, "process_exit");
		else
			i++;
	}
}

void filter_held_check(struct filter *f, bool all)
{
	long long now = filter_now_ms();
	size_t i = 0;

	while (i < f->nheld) {
		struct held *h = f->held[i];

		if (all || now - h->since_ms >= FILTER_HASH_DELAY_MS)
			release(f, i, "timeout");
		else if (kill((pid_t)h->pid, 0) && errno == ESRCH)
			release(f, i, "process_exit");
		else
			i++;
	}
}

void filter_held_release(struct filter *f)
{
	while (f->nheld)
		release(f, 0, "timeout");
	free(f->held);
	f->held = NULL;
	hasher_free(f->hasher);
	f->hasher = NULL;
}
