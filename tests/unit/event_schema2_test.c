/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for schema 2 in lib/event: process records written once
 * before their first reference, events read back complete, byte for byte
 * what schema 1 carried inline, and the tables' bounds.
 */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"

/* A writer on an in-memory file, and what it wrote. */
struct sink {
	int fd;
	struct cws_writer w;
	char *data;
	size_t len;
};

static void sink_init(struct sink *s)
{
	s->fd = memfd_create("stream", 0);
	assert_true(s->fd >= 0);
	cws_writer_init(&s->w, s->fd);
	s->data = NULL;
	s->len = 0;
}

/* Flushes and reads back everything written so far. */
static void sink_collect(struct sink *s)
{
	off_t end;

	assert_int_equal(cws_writer_flush(&s->w), 0);
	end = lseek(s->fd, 0, SEEK_END);
	free(s->data);
	s->len = (size_t)end;
	s->data = malloc(s->len ? s->len : 1);
	assert_non_null(s->data);
	assert_int_equal(pread(s->fd, s->data, s->len, 0), (ssize_t)s->len);
}

static void sink_release(struct sink *s)
{
	cws_writer_release(&s->w);
	close(s->fd);
	free(s->data);
}

static const char *argv_sh[] = { "sh", "-c", "make -j2" };
static const char *argv_cc[] = { "cc", "-O2", "-c", "x.c" };
static const char *tags_cc[] = { "short_image:gcc", "service:build" };

/* init (key 10) -> sh (key 11) -> cc (key 12, or k); ancestors with keys. */
static void fill(struct cws_event *ev, struct cws_process anc[2], uint64_t k,
		 uint32_t pid, enum cws_event_type t)
{
	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = t;
	ev->evt.cpu = 1;
	ev->timestamp = 1700000000000000000ull + pid;
	ev->process.key = k;
	ev->process.parent_key = 11;
	ev->process.pid = pid;
	ev->process.tid = pid + 1;
	ev->process.ppid = 200;
	ev->process.comm = "cc";
	ev->process.cwd = "/src";
	ev->process.container_id = "c0ffee";
	ev->process.container_tags.v = tags_cc;
	ev->process.container_tags.n = 2;
	ev->process.fork_time = 5;
	ev->process.exec_time = 6;
	ev->process.file.path = "/usr/bin/cc";
	ev->process.file.name = "cc";
	ev->process.file.inode = 77;
	ev->process.argv.v = argv_cc;
	ev->process.argv.n = 4;
	ev->process.cred.uid = 1000;
	ev->process.cred.user = "alice";
	memset(anc, 0, 2 * sizeof(*anc));
	anc[0].key = 11;
	anc[0].parent_key = 10;
	anc[0].pid = anc[0].tid = 200;
	anc[0].ppid = 1;
	anc[0].comm = "sh";
	anc[0].argv.v = argv_sh;
	anc[0].argv.n = 3;
	anc[1].key = 10;
	anc[1].pid = anc[1].tid = 1;
	anc[1].comm = "init";
	ev->ancestors = anc;
	ev->nancestors = 2;
	ev->container.id = "c0ffee";
	if (t == CWS_EVT_OPEN) {
		ev->obj.file.path = "/src/x.c";
		ev->obj.file.name = "x.c";
		ev->obj.flags = 0;
	}
}

/* The schema 1 encoding of ev: what the expanded form must equal. */
static void schema1(const struct cws_event *ev, msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(cws_event_pack(&pk, ev), 0);
}

/* p's map alone (cws_event_pack_process_map), unpacked into up. */
static const msgpack_object *map_of(const struct cws_process *p,
				    msgpack_sbuffer *sb, msgpack_unpacked *up)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	cws_event_pack_process_map(&pk, p);
	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, sb->data, sb->size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	return &up->data;
}

static bool str_is(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       !memcmp(o->via.str.ptr, s, strlen(s));
}

/*
 * The expanded "process" in b is the process's map alone, then
 * "ancestors" (each one's map alone) and "ancestors_truncated".
 */
static void assert_process_maps(const struct cws_event *got,
				const msgpack_sbuffer *b)
{
	const msgpack_object *proc = NULL, *m;
	msgpack_sbuffer sb;
	msgpack_unpacked up, mu;
	uint32_t i, n;

	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, b->data, b->size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	for (i = 0; i < up.data.via.map.size; i++)
		if (str_is(&up.data.via.map.ptr[i].key, "process"))
			proc = &up.data.via.map.ptr[i].val;
	assert_non_null(proc);
	m = map_of(&got->process, &sb, &mu);
	n = m->via.map.size;
	assert_int_equal(proc->via.map.size, n + 2);
	for (i = 0; i < n; i++) {
		assert_true(msgpack_object_equal(proc->via.map.ptr[i].key,
						 m->via.map.ptr[i].key));
		assert_true(msgpack_object_equal(proc->via.map.ptr[i].val,
						 m->via.map.ptr[i].val));
	}
	msgpack_unpacked_destroy(&mu);
	msgpack_sbuffer_destroy(&sb);
	assert_true(str_is(&proc->via.map.ptr[n].key, "ancestors"));
	assert_true(
		str_is(&proc->via.map.ptr[n + 1].key, "ancestors_truncated"));
	assert_int_equal(proc->via.map.ptr[n].val.via.array.size,
			 got->nancestors);
	for (i = 0; i < got->nancestors; i++) {
		m = map_of(&got->ancestors[i], &sb, &mu);
		assert_true(msgpack_object_equal(
			proc->via.map.ptr[n].val.via.array.ptr[i], *m));
		msgpack_unpacked_destroy(&mu);
		msgpack_sbuffer_destroy(&sb);
	}
	msgpack_unpacked_destroy(&up);
}

static void assert_expands_to(const struct cws_event *got,
			      const struct cws_event *want)
{
	msgpack_sbuffer a, b;
	msgpack_packer pk;

	schema1(want, &a);
	msgpack_sbuffer_init(&b);
	msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
	assert_int_equal(cws_event_pack_expanded(&pk, got), 0);
	assert_int_equal(a.size, b.size);
	assert_memory_equal(a.data, b.data, a.size);
	assert_process_maps(got, &b);
	msgpack_sbuffer_destroy(&a);
	msgpack_sbuffer_destroy(&b);
}

static void test_written_once_read_whole(void **state)
{
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_process anc[2];
	struct cws_proc_stats st;
	struct cws_event_err err;
	struct cws_reader r;
	struct sink s;
	size_t first;
	uint64_t ctx = 0;
	int i, procs = 0, events = 0;

	(void)state;
	sink_init(&s);
	fill(&in, anc, 12, 300, CWS_EVT_EXEC);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	sink_collect(&s);
	first = s.len;
	/* The next events of the key cost their own bytes only. */
	for (i = 0; i < 10; i++) {
		fill(&in, anc, 12, 300, CWS_EVT_OPEN);
		assert_true(cws_writer_knows(&s.w, 12));
		assert_int_equal(cws_writer_put(&s.w, &in), 0);
	}
	sink_collect(&s);
	assert_true((s.len - first) / 10 < 256);
	assert_true(first > 3 * ((s.len - first) / 10));

	assert_int_equal(cws_reader_init_mem(&r, s.data, s.len), 0);
	r.want_process = true;
	while (cws_reader_next(&r, out, &err) == 1) {
		if (out->type == CWS_REC_PROCESS) {
			procs++;
			continue;
		}
		assert_int_equal(out->type, CWS_REC_EVENT);
		assert_true(out->process_ref);
		assert_false(out->process_unknown);
		fill(&in, anc, 12, 300, events ? CWS_EVT_OPEN : CWS_EVT_EXEC);
		assert_expands_to(out, &in);
		assert_int_equal(out->nancestors, 2);
		assert_string_equal(out->ancestors[0].comm, "sh");
		assert_int_equal(out->ancestors[0].key, 11);
		assert_int_equal(out->process.tid, 301);
		/* One table entry made every event whole; each has its id. */
		assert_true(out->process.ctx != 0);
		if (!ctx)
			ctx = out->process.ctx;
		assert_true(out->process.ctx == ctx);
		assert_true(out->ancestors[0].ctx != 0 &&
			    out->ancestors[0].ctx != ctx &&
			    out->ancestors[1].ctx != 0 &&
			    out->ancestors[1].ctx != out->ancestors[0].ctx);
		/* Carried by the process record, not by each event. */
		assert_int_equal(out->process.container_tags.n, 2);
		assert_string_equal(out->process.container_tags.v[1],
				    "service:build");
		events++;
	}
	assert_int_equal(procs, 3);
	assert_int_equal(events, 11);
	cws_reader_proc_stats(&r, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.unknown, 0);
	cws_reader_release(&r);
	sink_release(&s);
	free(out);
}

/* A capture read from its middle: the events still come, counted. */
static void test_cut_capture(void **state)
{
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_process anc[2];
	struct cws_proc_stats st;
	struct cws_event_err err;
	struct cws_reader r;
	struct sink s;
	size_t cut;
	int n = 0;

	(void)state;
	sink_init(&s);
	fill(&in, anc, 12, 300, CWS_EVT_EXEC);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	sink_collect(&s);
	cut = s.len;
	fill(&in, anc, 12, 300, CWS_EVT_OPEN);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	sink_collect(&s);

	assert_int_equal(cws_reader_init_mem(&r, s.data + cut, s.len - cut), 0);
	while (cws_reader_next(&r, out, &err) == 1) {
		assert_true(out->process_unknown);
		assert_true(out->process.ctx == 0);
		assert_int_equal(out->process.key, 12);
		assert_int_equal(out->process.pid, 300);
		assert_int_equal(out->process.tid, 301);
		assert_null(out->process.comm);
		assert_string_equal(out->obj.file.path, "/src/x.c");
		n++;
	}
	assert_int_equal(n, 2);
	cws_reader_proc_stats(&r, &st);
	assert_int_equal(st.unknown, 2);
	assert_int_equal(r.errors, 0);
	cws_reader_release(&r);
	sink_release(&s);
	free(out);
}

/*
 * A new reader on the same pipe (cws run started the next stage again):
 * told so, the writer forgets its keys, and the next event of a key that
 * the old reader had is preceded by its records again, so that the new
 * reader gets it whole; only what was written before is unknown.
 */
static void test_writer_forget(void **state)
{
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_process anc[2];
	struct cws_proc_stats st;
	struct cws_event_err err;
	struct cws_reader r;
	struct sink s;
	size_t cut;
	int n = 0;

	(void)state;
	sink_init(&s);
	fill(&in, anc, 12, 300, CWS_EVT_EXEC);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	sink_collect(&s);
	cut = s.len;
	fill(&in, anc, 12, 300, CWS_EVT_OPEN);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	cws_writer_forget(&s.w);
	assert_false(cws_writer_knows(&s.w, 12));
	cws_writer_proc_stats(&s.w, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.records, 3);
	fill(&in, anc, 12, 300, CWS_EVT_OPEN);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	assert_true(cws_writer_knows(&s.w, 12));
	cws_writer_proc_stats(&s.w, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.records, 6);
	sink_collect(&s);

	assert_int_equal(cws_reader_init_mem(&r, s.data + cut, s.len - cut), 0);
	while (cws_reader_next(&r, out, &err) == 1) {
		if (n++ == 0) {
			assert_true(out->process_unknown);
			continue;
		}
		assert_false(out->process_unknown);
		fill(&in, anc, 12, 300, CWS_EVT_OPEN);
		assert_expands_to(out, &in);
	}
	assert_int_equal(n, 2);
	cws_reader_proc_stats(&r, &st);
	assert_int_equal(st.unknown, 1);
	assert_int_equal(st.entries, 3);
	cws_reader_release(&r);
	sink_release(&s);
	free(out);
}

/*
 * A fork storm: many more short-lived processes than either table holds,
 * each with an open and an exit, under one long-lived parent. The tables
 * stay within their bounds and every event reads back complete.
 */
static void storm(int n, bool exits)
{
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_process anc[2];
	struct cws_proc_stats st;
	struct cws_event_err err;
	struct cws_reader r;
	struct sink s;
	uint32_t max_entries = 0;
	int i, got = 0;

	sink_init(&s);
	for (i = 0; i < n; i++) {
		fill(&in, anc, 1000 + (uint64_t)i, 1000 + (uint32_t)i,
		     CWS_EVT_OPEN);
		assert_int_equal(cws_writer_put(&s.w, &in), 0);
		if (exits) {
			in.evt.type = CWS_EVT_EXIT;
			assert_int_equal(cws_writer_put(&s.w, &in), 0);
		}
		cws_writer_proc_stats(&s.w, &st);
		assert_true(st.entries <= CWS_KEYSET_MAX);
	}
	sink_collect(&s);
	assert_int_equal(cws_reader_init_mem(&r, s.data, s.len), 0);
	while (cws_reader_next(&r, out, &err) == 1) {
		uint32_t pid = 1000 + (uint32_t)(got / (exits ? 2 : 1));

		assert_false(out->process_unknown);
		assert_int_equal(out->process.pid, pid);
		assert_string_equal(out->process.comm, "cc");
		assert_int_equal(out->nancestors, 2);
		assert_string_equal(out->ancestors[1].comm, "init");
		cws_reader_proc_stats(&r, &st);
		if (st.entries > max_entries)
			max_entries = (uint32_t)st.entries;
		got++;
	}
	assert_int_equal(got, n * (exits ? 2 : 1));
	assert_int_equal(r.errors, 0);
	cws_reader_proc_stats(&r, &st);
	assert_true(max_entries <= CWS_PROCTAB_MAX);
	assert_int_equal(st.unknown, 0);
	if (exits) {
		/* Exited keys go first: the live ones stay. */
		assert_true(max_entries <= CWS_PROC_EXITED_READER + 3);
		assert_int_equal(st.evicted, 0);
		assert_true(st.retired > 0);
	} else {
		assert_true(st.evicted > 0);
	}
	cws_reader_release(&r);
	sink_release(&s);
	free(out);
}

static void test_fork_storm(void **state)
{
	(void)state;
	storm(20000, true);
}

static void test_more_live_keys_than_tables(void **state)
{
	(void)state;
	storm(3 * CWS_PROCTAB_MAX / 2, false);
}

/*
 * cws-filter's path: matches of a lean stream, written by another writer,
 * carry their keys' records too and read back whole.
 */
static void test_matches_self_contained(void **state)
{
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_process anc[2];
	struct cws_event_rule rule = { .id = "r1", .policy_name = "cli" };
	struct cws_event_err err;
	struct cws_reader r, r2;
	struct sink s, m;
	int i, n = 0;

	(void)state;
	sink_init(&s);
	sink_init(&m);
	for (i = 0; i < 50; i++) {
		fill(&in, anc, 100 + (uint64_t)(i % 5), 300 + (uint32_t)(i % 5),
		     CWS_EVT_OPEN);
		assert_int_equal(cws_writer_put(&s.w, &in), 0);
	}
	sink_collect(&s);
	assert_int_equal(cws_reader_init_mem(&r, s.data, s.len), 0);
	for (i = 0; cws_reader_next(&r, out, &err) == 1; i++)
		if (i % 7 == 3)
			assert_int_equal(cws_writer_put_match(&m.w, out, &rule),
					 0);
	sink_collect(&m);
	assert_int_equal(cws_reader_init_mem(&r2, m.data, m.len), 0);
	while (cws_reader_next(&r2, out, &err) == 1) {
		assert_false(out->process_unknown);
		assert_non_null(out->rule);
		assert_string_equal(out->rule->id, "r1");
		assert_string_equal(out->process.comm, "cc");
		assert_int_equal(out->nancestors, 2);
		n++;
	}
	assert_int_equal(n, 7);
	cws_reader_release(&r);
	cws_reader_release(&r2);
	sink_release(&s);
	sink_release(&m);
	free(out);
}

/* A hostile stream: parent keys that loop, duplicates, a missing key. */
static void test_hostile_records(void **state)
{
	struct cws_event *out = malloc(sizeof(*out));
	struct cws_process p = { .pid = 5, .comm = "x" };
	struct cws_event_err err;
	struct cws_reader r;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int got = 0, bad = 0, rc;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	p.key = 1;
	p.parent_key = 2;
	cws_event_pack_process_record(&pk, &p);
	p.key = 2;
	p.parent_key = 1;
	cws_event_pack_process_record(&pk, &p);
	cws_event_pack_process_record(&pk, &p);
	p.key = 0; /* missing key: an error */
	cws_event_pack_process_record(&pk, &p);
	/* Written by hand as a reference: no writer would loop keys. */
	msgpack_pack_map(&pk, 3);
	msgpack_pack_str_with_body(&pk, "type", 4);
	msgpack_pack_str_with_body(&pk, "event", 5);
	msgpack_pack_str_with_body(&pk, "evt", 3);
	msgpack_pack_map(&pk, 4);
	msgpack_pack_str_with_body(&pk, "name", 4);
	msgpack_pack_str_with_body(&pk, "exit", 4);
	msgpack_pack_str_with_body(&pk, "timestamp", 9);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_str_with_body(&pk, "cpu", 3);
	msgpack_pack_uint64(&pk, 0);
	msgpack_pack_str_with_body(&pk, "retval", 6);
	msgpack_pack_int64(&pk, 0);
	msgpack_pack_str_with_body(&pk, "process", 7);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str_with_body(&pk, "key", 3);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_str_with_body(&pk, "pid", 3);
	msgpack_pack_uint64(&pk, 5);
	assert_int_equal(cws_reader_init_mem(&r, sb.data, sb.size), 0);
	while ((rc = cws_reader_next(&r, out, &err)) != 0) {
		if (rc == -EBADMSG) {
			bad++;
			continue;
		}
		assert_int_equal(rc, 1);
		assert_false(out->process_unknown);
		assert_true(out->nancestors <= CWS_EVENT_MAX_ANCESTORS);
		got++;
	}
	assert_int_equal(got, 1);
	assert_int_equal(bad, 1);
	cws_reader_release(&r); /* ASan: nothing leaks through the loop */
	msgpack_sbuffer_destroy(&sb);
	free(out);
}

static const char *envs_cc[] = { "HOME", "PATH=/usr/bin" };
static const char *envp_cc[] = { "HOME=/root", "PATH=/usr/bin" };

/*
 * Issue 14's members: the executable's inode facts and in_upper_layer,
 * envs, envp, the cgroup and container.created_at go through a process
 * record and come back from the reader's table; chdir.syscall.path and
 * bpf.prog.helpers through the event's object; a file without inode
 * facts (mode 0) has no mode, owner or times in the bytes, not zeroes.
 */
static void test_issue14_members(void **state)
{
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_process anc[2];
	struct cws_event_err err;
	struct cws_reader r;
	struct sink s;
	int events = 0;

	(void)state;
	sink_init(&s);
	fill(&in, anc, 12, 300, CWS_EVT_EXEC);
	in.process.file.mode = 0104755;
	in.process.file.uid = 3;
	in.process.file.gid = 4;
	in.process.file.change_time = 1600000000000000001ull;
	in.process.file.modification_time = 1600000000000000002ull;
	in.process.file.in_upper_layer = true;
	in.process.file.in_upper_layer_known = true;
	in.process.envs.v = envs_cc;
	in.process.envs.n = 2;
	in.process.envp.v = envp_cc;
	in.process.envp.n = 2;
	in.process.envs_truncated = true;
	in.process.cgroup_id = "/docker/c0ffee";
	in.process.cgroup_inode = 4242;
	in.process.cgroup_mount_id = 41;
	in.process.container_created_at = 1700000000000000123ull;
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	fill(&in, anc, 12, 300, CWS_EVT_CHDIR);
	in.obj.file.path = "/sys/fs/cgroup";
	in.obj.file.name = "cgroup";
	in.obj.syscall_path = "/proc/self/fd/7";
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	fill(&in, anc, 12, 300, CWS_EVT_BPF);
	in.obj.request = 5;
	in.obj.prog_helpers[0] = 1ull << 36;
	in.obj.prog_helpers[1] = 1ull << (109 - 64);
	in.obj.prog_helpers[2] = 1ull << (191 - 128);
	assert_int_equal(cws_writer_put(&s.w, &in), 0);
	sink_collect(&s);
	assert_non_null(memmem(s.data, s.len, "modification_time", 17));

	assert_int_equal(cws_reader_init_mem(&r, s.data, s.len), 0);
	while (cws_reader_next(&r, out, &err) == 1) {
		const struct cws_process *p = &out->process;

		assert_int_equal(out->type, CWS_REC_EVENT);
		assert_int_equal(p->file.mode, 0104755);
		assert_int_equal(p->file.uid, 3);
		assert_int_equal(p->file.gid, 4);
		assert_true(p->file.change_time == 1600000000000000001ull);
		assert_true(p->file.modification_time ==
			    1600000000000000002ull);
		assert_true(p->file.in_upper_layer_known);
		assert_true(p->file.in_upper_layer);
		assert_int_equal(p->envs.n, 2);
		assert_string_equal(p->envs.v[1], "PATH=/usr/bin");
		assert_int_equal(p->envp.n, 2);
		assert_string_equal(p->envp.v[0], "HOME=/root");
		assert_true(p->envs_truncated);
		assert_string_equal(p->cgroup_id, "/docker/c0ffee");
		assert_int_equal(p->cgroup_inode, 4242);
		assert_int_equal(p->cgroup_mount_id, 41);
		assert_true(p->container_created_at == 1700000000000000123ull);
		assert_false(out->obj.file.in_upper_layer_known);
		if (out->evt.type == CWS_EVT_CHDIR) {
			assert_string_equal(out->obj.syscall_path,
					    "/proc/self/fd/7");
			/* Its file has no inode facts: no keys for them. */
			assert_null(memmem(out->raw, out->raw_len, "mode", 4));
			assert_null(memmem(out->raw, out->raw_len,
					   "modification_time", 17));
		}
		if (out->evt.type == CWS_EVT_BPF) {
			assert_true(out->obj.prog_helpers[0] == 1ull << 36);
			assert_true(out->obj.prog_helpers[1] ==
				    1ull << (109 - 64));
			assert_true(out->obj.prog_helpers[2] ==
				    1ull << (191 - 128));
		}
		events++;
	}
	assert_int_equal(events, 3);
	cws_reader_release(&r);
	sink_release(&s);
	free(out);
}

/*
 * Datadog's lineage as cws-probe writes it: each image a key. sh (key 11)
 * forks pid 300 (its copy, key 20), which execs nohup (21), env (22) and
 * cat (23): each image's parent is the one it replaced, same pid. Pid 301,
 * forked by the copy before the execs, outlives 300 and changes key.
 */
static const char *argv_nohup[] = { "nohup", "env", "cat", "f" };
static const char *argv_env[] = { "env", "cat", "f" };
static const char *argv_cat[] = { "cat", "f" };

static void image(struct cws_process *p, uint64_t key, uint64_t parent,
		  uint32_t pid, uint32_t ppid, const char **argv, uint32_t argc)
{
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->parent_key = parent;
	p->pid = p->tid = pid;
	p->ppid = ppid;
	p->comm = argv[0];
	p->file.name = argv[0];
	p->argv.v = argv;
	p->argv.n = argc;
	p->is_thread = argv == argv_sh; /* the fork copies */
}

/* Writes an event of type t by process key i of the chain. */
static void put_chain(struct sink *s, const struct cws_process *chain,
		      const uint64_t *up, uint32_t n, uint32_t i,
		      enum cws_event_type t)
{
	struct cws_process anc[6];
	struct cws_event ev;
	uint32_t k, j;

	cws_event_clear(&ev);
	ev.type = CWS_REC_EVENT;
	ev.evt.type = t;
	ev.timestamp = 1700000000000000000ull + i;
	ev.process = chain[i];
	ev.process.tid = chain[i].pid;
	/* Its ancestors: follow parent keys through the chain's index. */
	for (k = 0, j = (uint32_t)up[i]; j < n && k < 6; j = (uint32_t)up[j])
		anc[k++] = chain[j];
	ev.ancestors = anc;
	ev.nancestors = k;
	assert_int_equal(cws_writer_put(&s->w, &ev), 0);
}

static void test_exec_chain_lineage(void **state)
{
	struct cws_event *out = malloc(sizeof(*out));
	struct cws_process chain[8];
	/* Index of each one's parent in chain[], 8 for none. */
	static const uint64_t up[8] = { 8, 0, 1, 2, 3, 4, 2, 2 };
	static const uint32_t cat_anc[5] = { 300, 300, 300, 200, 1 };
	static const char *const cat_names[5] = { "env", "nohup", "sh", "sh",
						  "init" };
	struct cws_proc_stats st;
	struct cws_event_err err;
	struct cws_reader r;
	struct sink s;
	uint32_t i;
	int cat_events = 0, late = 0;

	(void)state;
	image(&chain[0], 10, 0, 1, 0, argv_sh, 1);
	chain[0].comm = "init";
	chain[0].is_thread = false;
	image(&chain[1], 11, 10, 200, 1, argv_sh, 3);
	chain[1].is_thread = false;
	image(&chain[2], 20, 11, 300, 200, argv_sh, 3);
	image(&chain[3], 21, 20, 300, 200, argv_nohup, 4);
	image(&chain[4], 22, 21, 300, 200, argv_env, 3);
	image(&chain[5], 23, 22, 300, 200, argv_cat, 2);
	image(&chain[6], 30, 20, 301, 300, argv_sh, 3);
	image(&chain[7], 31, 20, 301, 300, argv_sh, 3);
	chain[7].cred.uid = 65534; /* a setuid: a new key, the same parent */

	sink_init(&s);
	put_chain(&s, chain, up, 8, 2, CWS_EVT_FORK);
	put_chain(&s, chain, up, 8, 6, CWS_EVT_FORK);
	for (i = 3; i <= 5; i++)
		put_chain(&s, chain, up, 8, i, CWS_EVT_EXEC);
	put_chain(&s, chain, up, 8, 5, CWS_EVT_OPEN);
	put_chain(&s, chain, up, 8, 5, CWS_EVT_EXIT);
	/* After 300 exited: 20, its copy of sh, is still 301's parent. */
	assert_true(cws_writer_knows(&s.w, 20));
	put_chain(&s, chain, up, 8, 7, CWS_EVT_SETUID);
	sink_collect(&s);

	assert_int_equal(cws_reader_init_mem(&r, s.data, s.len), 0);
	while (cws_reader_next(&r, out, &err) == 1) {
		assert_false(out->process_unknown);
		if (out->process.key == 23) {
			assert_int_equal(out->nancestors, 5);
			for (i = 0; i < 5; i++) {
				assert_int_equal(out->ancestors[i].pid,
						 cat_anc[i]);
				assert_string_equal(out->ancestors[i].comm,
						    cat_names[i]);
			}
			/* The kernel's ppid, on every image of the pid. */
			assert_int_equal(out->process.ppid, 200);
			assert_int_equal(out->ancestors[0].ppid, 200);
			assert_int_equal(out->ancestors[2].ppid, 200);
			assert_false(out->ancestors[0].is_thread);
			assert_true(out->ancestors[2].is_thread);
			assert_int_equal(out->ancestors[2].argv.n, 3);
			cat_events++;
		}
		if (out->process.key == 31) {
			assert_int_equal(out->nancestors, 3);
			assert_int_equal(out->ancestors[0].key, 20);
			assert_int_equal(out->ancestors[0].pid, 300);
			assert_string_equal(out->ancestors[0].comm, "sh");
			assert_int_equal(out->ancestors[1].key, 11);
			late++;
		}
	}
	assert_int_equal(cat_events, 3);
	assert_int_equal(late, 1);
	assert_int_equal(r.errors, 0);
	cws_reader_proc_stats(&r, &st);
	assert_int_equal(st.unknown, 0);
	cws_reader_release(&r);
	sink_release(&s);
	free(out);
}

/*
 * Retire records, end to end as the pipeline has them: a probe-like
 * writer retires each process's keys after its last event (no exit event
 * asked for), a filter-like stage reads that stream, writes the matches
 * of one process in ten and passes on the retire records of the keys it
 * wrote, and a ship-like reader reads the matches. Both readers retire
 * their keys, so their tables stay near the exited keys they keep instead
 * of filling; no retire record reaches a reader's caller unless asked
 * for; what the filter passes on names only keys it wrote.
 */
static void test_retire_records(void **state)
{
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_event_rule rule = { .id = "r1", .policy_name = "cli" };
	struct cws_process anc[2];
	struct cws_proc_stats st;
	struct cws_event_err err;
	struct cws_reader r, r2;
	struct sink s, m;
	uint64_t keys[3], max1 = 0, max2 = 0, named = 0;
	const int n = 3 * CWS_PROCTAB_MAX / 2, nm = (n + 9) / 10;
	int i, rc, events = 0, retires = 0, matches = 0;

	(void)state;
	sink_init(&s);
	sink_init(&m);
	for (i = 0; i < n; i++) {
		fill(&in, anc, 1000 + (uint64_t)i, 1000 + (uint32_t)i,
		     CWS_EVT_OPEN);
		assert_int_equal(cws_writer_put(&s.w, &in), 0);
		assert_int_equal(cws_writer_put(&s.w, &in), 0);
		/* Its key twice, and one this writer never wrote. */
		keys[0] = keys[1] = 1000 + (uint64_t)i;
		keys[2] = 7;
		assert_int_equal(cws_writer_put_retire(&s.w, keys, 3), 0);
		/* Already retired: nothing more is written. */
		assert_int_equal(cws_writer_put_retire(&s.w, keys, 1), 0);
	}
	cws_writer_proc_stats(&s.w, &st);
	assert_true(st.entries <= CWS_PROC_EXITED_WRITER + 2);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.retired, n - CWS_PROC_EXITED_WRITER);
	sink_collect(&s);

	/* The filter: its reader hands it the retire records. */
	assert_int_equal(cws_reader_init_mem(&r, s.data, s.len), 0);
	r.want_retire = true;
	while ((rc = cws_reader_next(&r, out, &err)) == 1) {
		if (out->type == CWS_REC_RETIRE) {
			assert_int_equal(out->retire.n, 1);
			retires++;
			assert_int_equal(cws_writer_put_retire(&m.w,
							       out->retire.keys,
							       out->retire.n),
					 0);
			continue;
		}
		assert_int_equal(out->type, CWS_REC_EVENT);
		assert_false(out->process_unknown);
		assert_int_equal(out->nancestors, 2);
		if (events++ % 20 == 0)
			assert_int_equal(cws_writer_put_match(&m.w, out, &rule),
					 0);
		cws_reader_proc_stats(&r, &st);
		if (st.entries > max1)
			max1 = st.entries;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(events, 2 * n);
	assert_int_equal(retires, n);
	cws_reader_proc_stats(&r, &st);
	assert_int_equal(st.unknown, 0);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.retired, n - CWS_PROC_EXITED_READER);
	/* The exited keys kept, the two ancestors and the live one. */
	assert_true(max1 <= CWS_PROC_EXITED_READER + 3);
	cws_writer_proc_stats(&m.w, &st);
	assert_true(st.entries <= CWS_PROC_EXITED_WRITER + 2);
	assert_int_equal(st.records, nm + 2);
	sink_collect(&m);

	/* The ship: matches only, whole; its table retires the same keys. */
	assert_int_equal(cws_reader_init_mem(&r2, m.data, m.len), 0);
	while ((rc = cws_reader_next(&r2, out, &err)) == 1) {
		assert_int_equal(out->type, CWS_REC_EVENT);
		assert_non_null(out->rule);
		assert_false(out->process_unknown);
		assert_string_equal(out->ancestors[1].comm, "init");
		assert_int_equal(out->process.pid, 1000 + 10 * matches);
		matches++;
		cws_reader_proc_stats(&r2, &st);
		if (st.entries > max2)
			max2 = st.entries;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(matches, nm);
	cws_reader_proc_stats(&r2, &st);
	assert_int_equal(st.unknown, 0);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.records, nm + 2);
	assert_int_equal(st.retired, nm - CWS_PROC_EXITED_READER);
	assert_true(max2 <= CWS_PROC_EXITED_READER + 3);
	cws_reader_release(&r2);

	/* The filter's retire records name the keys of its matches only. */
	assert_int_equal(cws_reader_init_mem(&r2, m.data, m.len), 0);
	r2.want_process = true;
	while (cws_reader_next(&r2, out, &err) == 1) {
		if (out->type != CWS_REC_RETIRE)
			continue;
		for (i = 0; i < (int)out->retire.n; i++) {
			assert_int_equal((out->retire.keys[i] - 1000) % 10, 0);
			named++;
		}
	}
	assert_int_equal(named, nm);
	cws_reader_release(&r2);
	cws_reader_release(&r);
	sink_release(&s);
	sink_release(&m);
	free(out);
}

/* The record as written and read: its keys, nothing else; bad ones. */
static void test_retire_codec(void **state)
{
	static const uint64_t keys[] = { 1, (1ull << 53) - 1, 300 };
	static char arena[4096];
	struct cws_event ev, got;
	struct cws_event_err err;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	cws_event_clear(&ev);
	ev.type = CWS_REC_RETIRE;
	ev.retire.keys = keys;
	ev.retire.n = 3;
	assert_int_equal(cws_event_pack(&pk, &ev), 0);
	/* {"type":"retire","keys":[...]}: 13 bytes and the keys. */
	assert_int_equal(sb.size, 1 + 5 + 7 + 5 + 1 + 1 + 9 + 3);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(cws_event_decode(&up.data, &got, arena, sizeof(arena),
					  &err),
			 0);
	assert_int_equal(got.type, CWS_REC_RETIRE);
	assert_string_equal(cws_record_type_name(got.type), "retire");
	assert_int_equal(got.retire.n, 3);
	assert_memory_equal(got.retire.keys, keys, sizeof(keys));
	assert_int_equal(got.timestamp, 0);

	/* Without keys, or keys that are not an array: decode errors. */
	sb.size = 0;
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "type", 4);
	msgpack_pack_str_with_body(&pk, "retire", 6);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(cws_event_decode(&up.data, &got, arena, sizeof(arena),
					  &err),
			 -EINVAL);
	assert_string_equal(err.msg, "missing required key 'retire.keys'");
	sb.size = 0;
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str_with_body(&pk, "type", 4);
	msgpack_pack_str_with_body(&pk, "retire", 6);
	msgpack_pack_str_with_body(&pk, "keys", 4);
	msgpack_pack_int64(&pk, -3);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(cws_event_decode(&up.data, &got, arena, sizeof(arena),
					  &err),
			 -EINVAL);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_once_read_whole),
		cmocka_unit_test(test_cut_capture),
		cmocka_unit_test(test_writer_forget),
		cmocka_unit_test(test_fork_storm),
		cmocka_unit_test(test_more_live_keys_than_tables),
		cmocka_unit_test(test_matches_self_contained),
		cmocka_unit_test(test_hostile_records),
		cmocka_unit_test(test_issue14_members),
		cmocka_unit_test(test_exec_chain_lineage),
		cmocka_unit_test(test_retire_records),
		cmocka_unit_test(test_retire_codec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
