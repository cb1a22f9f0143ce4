/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for lib/event: round trips, limits, corrupt input. */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"

/* A growable byte buffer that records are packed into. */
struct stream {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void stream_init(struct stream *s)
{
	msgpack_sbuffer_init(&s->sb);
	msgpack_packer_init(&s->pk, &s->sb, msgpack_sbuffer_write);
}

static void stream_put(struct stream *s, const struct cws_event *ev)
{
	assert_int_equal(cws_event_pack(&s->pk, ev), 0);
}

static void stream_raw(struct stream *s, const void *p, size_t n)
{
	msgpack_sbuffer_write(&s->sb, p, n);
}

static void put_key(struct stream *s, const char *k)
{
	msgpack_pack_str(&s->pk, strlen(k));
	msgpack_pack_str_body(&s->pk, k, strlen(k));
}

static const char *argv0[] = { "/bin/sleep", "1.5", "--fancy arg" };
static const char *ctags0[] = { "image_name:nginx", "service:web" };

static void fill_exec(struct cws_event *ev, struct cws_process *anc)
{
	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = CWS_EVT_EXEC;
	ev->evt.cpu = 1;
	ev->evt.retval = -13;
	ev->timestamp = 1700000000123456789ull;
	ev->process.pid = 4242;
	ev->process.tid = 4243;
	ev->process.ppid = 1;
	ev->process.comm = "sleep";
	ev->process.cwd = "/tmp";
	ev->process.container_id = "abc123";
	ev->process.container_tags.v = ctags0;
	ev->process.container_tags.n = 2;
	ev->process.fork_time = 17;
	ev->process.exec_time = 18;
	ev->process.file.path = "/usr/bin/sleep";
	ev->process.file.name = "sleep";
	ev->process.file.inode = 1ull << 40;
	ev->process.file.mount_id = 27;
	ev->process.file.mode = 0100755;
	ev->process.argv.v = argv0;
	ev->process.argv.n = 3;
	ev->process.cred.uid = 1000;
	ev->process.cred.euid = 0;
	ev->process.cred.fsgid = 77;
	ev->process.cred.auid = UINT32_MAX;
	ev->process.cred.user = "alice";
	ev->process.cred.cap_effective = 1ull << 21;
	memset(anc, 0, 2 * sizeof(*anc));
	anc[0].pid = 1;
	anc[0].comm = "bash";
	anc[0].file.path = "/bin/bash";
	anc[1].pid = 0x7fffffff;
	anc[1].comm = "init";
	ev->ancestors = anc;
	ev->nancestors = 2;
	ev->container.id = "abc123";
	ev->exec.file = ev->process.file;
	ev->exec.argv = ev->process.argv;
}

static void test_exec_round_trip(void **state)
{
	struct cws_process anc[2];
	struct cws_event in, *out = malloc(sizeof(*out));
	struct cws_event_err err;
	struct cws_reader r;
	struct stream s;

	(void)state;
	fill_exec(&in, anc);
	stream_init(&s);
	stream_put(&s, &in);
	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	assert_int_equal(cws_reader_next(&r, out, &err), 1);
	assert_int_equal(out->type, CWS_REC_EVENT);
	assert_string_equal(out->evt.name, "exec");
	assert_int_equal(out->evt.type, CWS_EVT_EXEC);
	assert_int_equal(out->evt.retval, -13);
	assert_int_equal(out->evt.cpu, 1);
	assert_true(out->timestamp == 1700000000123456789ull);
	assert_int_equal(out->process.pid, 4242);
	assert_int_equal(out->process.tid, 4243);
	assert_string_equal(out->process.comm, "sleep");
	assert_string_equal(out->process.cwd, "/tmp");
	assert_string_equal(out->process.container_id, "abc123");
	assert_int_equal(out->process.container_tags.n, 2);
	assert_string_equal(out->process.container_tags.v[1], "service:web");
	assert_int_equal(out->ancestors[0].container_tags.n, 0);
	assert_string_equal(out->process.file.path, "/usr/bin/sleep");
	assert_true(out->process.file.inode == 1ull << 40);
	assert_int_equal(out->process.file.mode, 0100755);
	assert_int_equal(out->process.argv.n, 3);
	assert_string_equal(out->process.argv.v[2], "--fancy arg");
	assert_false(out->process.args_truncated);
	assert_int_equal(out->process.cred.uid, 1000);
	assert_int_equal(out->process.cred.fsgid, 77);
	assert_int_equal(out->process.cred.auid, UINT32_MAX);
	assert_string_equal(out->process.cred.user, "alice");
	assert_null(out->process.cred.group);
	assert_true(out->process.cred.cap_effective == 1ull << 21);
	assert_int_equal(out->nancestors, 2);
	assert_string_equal(out->ancestors[0].file.path, "/bin/bash");
	assert_int_equal(out->ancestors[1].pid, 0x7fffffff);
	assert_string_equal(out->container.id, "abc123");
	assert_string_equal(out->exec.file.path, "/usr/bin/sleep");
	assert_int_equal(out->exec.argv.n, 3);
	assert_int_equal(out->offset, 0);
	assert_int_equal(out->raw_len, s.sb.size);
	assert_int_equal(cws_reader_next(&r, out, &err), 0);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(out);
}

static void test_control_round_trip(void **state)
{
	struct cws_event in, out;
	struct cws_event_err err;
	struct cws_reader r;
	struct stream s;

	(void)state;
	stream_init(&s);
	cws_event_clear(&in);
	in.type = CWS_REC_HELLO;
	in.timestamp = 5;
	in.hello.producer = "cws-probe";
	in.hello.version = "1.2.3";
	in.hello.schema = CWS_EVENT_SCHEMA;
	in.hello.host = "h";
	in.hello.boot_id = "b";
	in.hello.pid = 99;
	in.hello.kernel_filter = 0xfedcba9876543210ull;
	stream_put(&s, &in);
	cws_event_clear(&in);
	in.type = CWS_REC_LOST;
	in.lost.total = 12;
	in.lost.ncauses = 2;
	in.lost.causes[0].cause = "ringbuf_full";
	in.lost.causes[0].count = 10;
	in.lost.causes[1].cause = "too_big";
	in.lost.causes[1].count = 2;
	in.lost.ntypes = 1;
	in.lost.types[0].cause = "open";
	in.lost.types[0].count = 12;
	stream_put(&s, &in);
	cws_event_clear(&in);
	in.type = CWS_REC_HEARTBEAT;
	in.heartbeat.producer = "cws-probe";
	in.heartbeat.events = 1000;
	in.heartbeat.lost = 12;
	stream_put(&s, &in);
	/* The key is there as 16 hex digits, past what JSON keeps exact. */
	assert_non_null(memmem(s.sb.data, s.sb.size, "fedcba9876543210", 16));

	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	assert_int_equal(cws_reader_next(&r, &out, &err), 1);
	assert_int_equal(out.type, CWS_REC_HELLO);
	assert_string_equal(out.hello.producer, "cws-probe");
	assert_string_equal(out.hello.version, "1.2.3");
	assert_int_equal(out.hello.schema, CWS_EVENT_SCHEMA);
	assert_int_equal(out.hello.pid, 99);
	assert_true(out.hello.kernel_filter == 0xfedcba9876543210ull);
	assert_int_equal(out.timestamp, 5);
	assert_int_equal(cws_reader_next(&r, &out, &err), 1);
	assert_int_equal(out.type, CWS_REC_LOST);
	assert_int_equal(out.lost.total, 12);
	assert_int_equal(out.lost.ncauses, 2);
	assert_string_equal(out.lost.causes[1].cause, "too_big");
	assert_int_equal(out.lost.causes[1].count, 2);
	assert_int_equal(out.lost.ntypes, 1);
	assert_string_equal(out.lost.types[0].cause, "open");
	assert_int_equal(out.lost.types[0].count, 12);
	assert_int_equal(cws_reader_next(&r, &out, &err), 1);
	assert_int_equal(out.type, CWS_REC_HEARTBEAT);
	assert_int_equal(out.heartbeat.events, 1000);
	/* 0 is "no kernel filter": the key is left out. */
	assert_true(out.heartbeat.kernel_filter == 0);
	assert_int_equal(cws_reader_next(&r, &out, &err), 0);
	assert_int_equal(r.records, 3);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
}

/* Builds hello, a few exec events and returns the record offsets. */
static void three_records(struct stream *s, size_t off[4])
{
	struct cws_process anc[2];
	struct cws_event ev;
	int i;

	stream_init(s);
	for (i = 0; i < 3; i++) {
		off[i] = s->sb.size;
		fill_exec(&ev, anc);
		ev.process.pid = 100 + i;
		stream_put(s, &ev);
	}
	off[3] = s->sb.size;
}

static void test_truncated(void **state)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_event_err err;
	struct cws_reader r;
	struct stream s;
	size_t off[4];

	(void)state;
	three_records(&s, off);
	/* Cut the last record in the middle. */
	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, off[3] - 7), 0);
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(ev->process.pid, 100);
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(ev->process.pid, 101);
	assert_int_equal(cws_reader_next(&r, ev, &err), -EBADMSG);
	assert_int_equal(err.offset, off[2]);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(cws_reader_next(&r, ev, &err), 0);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(ev);
}

static void test_garbage_between_records(void **state)
{
	static const unsigned char junk[] = { 0xc1, 0xdd, 0xff, 0xff, 0xff,
					      0xff, 0x01, 0xdb, 0x00 };
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_event_err err;
	struct cws_reader r;
	struct stream s, t;
	size_t off[4];

	(void)state;
	three_records(&s, off);
	stream_init(&t);
	stream_raw(&t, s.sb.data, off[1]);
	stream_raw(&t, junk, sizeof(junk));
	stream_raw(&t, s.sb.data + off[1], off[3] - off[1]);
	assert_int_equal(cws_reader_init_mem(&r, t.sb.data, t.sb.size), 0);
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(ev->process.pid, 100);
	assert_int_equal(cws_reader_next(&r, ev, &err), -EBADMSG);
	assert_int_equal(err.offset, off[1]);
	assert_non_null(strstr(err.msg, "skipped 9 bytes"));
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(ev->process.pid, 101);
	assert_int_equal(ev->offset, off[1] + sizeof(junk));
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(ev->process.pid, 102);
	assert_int_equal(cws_reader_next(&r, ev, &err), 0);
	assert_int_equal(r.skipped, sizeof(junk));
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	msgpack_sbuffer_destroy(&t.sb);
	free(ev);
}

static void test_missing_and_mistyped_keys(void **state)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_event_err err;
	struct cws_reader r;
	struct stream s;
	size_t second;

	(void)state;
	stream_init(&s);
	/* {type: event, evt: {name: exec}, process: {pid: 1}} */
	msgpack_pack_map(&s.pk, 3);
	put_key(&s, "type");
	put_key(&s, "event");
	put_key(&s, "evt");
	msgpack_pack_map(&s.pk, 1);
	put_key(&s, "name");
	put_key(&s, "exec");
	put_key(&s, "process");
	msgpack_pack_map(&s.pk, 1);
	put_key(&s, "pid");
	msgpack_pack_uint32(&s.pk, 1);
	second = s.sb.size;
	/* {type: event, evt: {name: open, timestamp: 1}, process: {pid: "x"}} */
	msgpack_pack_map(&s.pk, 3);
	put_key(&s, "type");
	put_key(&s, "event");
	put_key(&s, "evt");
	msgpack_pack_map(&s.pk, 2);
	put_key(&s, "name");
	put_key(&s, "open");
	put_key(&s, "timestamp");
	msgpack_pack_uint32(&s.pk, 1);
	put_key(&s, "process");
	msgpack_pack_map(&s.pk, 1);
	put_key(&s, "pid");
	put_key(&s, "x");
	/* {no type} */
	msgpack_pack_map(&s.pk, 1);
	put_key(&s, "evt");
	msgpack_pack_nil(&s.pk);

	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	assert_int_equal(cws_reader_next(&r, ev, &err), -EBADMSG);
	assert_int_equal(err.offset, 0);
	assert_string_equal(err.msg, "missing required key 'evt.timestamp'");
	assert_int_equal(cws_reader_next(&r, ev, &err), -EBADMSG);
	assert_int_equal(err.offset, second);
	assert_non_null(strstr(err.msg, "process.pid: expected"));
	assert_int_equal(cws_reader_next(&r, ev, &err), -EBADMSG);
	assert_string_equal(err.msg, "missing required key 'type'");
	assert_int_equal(cws_reader_next(&r, ev, &err), 0);
	assert_int_equal(r.errors, 3);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(ev);
}

static void test_limits(void **state)
{
	struct cws_event *ev = malloc(sizeof(*ev)), *back = malloc(sizeof(*ev));
	const char **many = calloc(CWS_EVENT_MAX_ARGS + 10, sizeof(char *));
	char *big = malloc(CWS_EVENT_MAX_STR + 100);
	struct cws_process anc[2];
	struct cws_event_err err;
	struct cws_reader r;
	struct stream s;
	size_t bad, i;

	(void)state;
	for (i = 0; i < CWS_EVENT_MAX_ARGS + 10; i++)
		many[i] = "a";
	memset(big, 'x', CWS_EVENT_MAX_STR + 99);
	big[CWS_EVENT_MAX_STR + 99] = '\0';
	fill_exec(ev, anc);
	ev->process.argv.v = many;
	ev->process.argv.n = CWS_EVENT_MAX_ARGS + 10;
	ev->process.comm = big;
	stream_init(&s);
	stream_put(&s, ev);
	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	assert_int_equal(cws_reader_next(&r, back, &err), 1);
	assert_int_equal(back->process.argv.n, CWS_EVENT_MAX_ARGS);
	assert_true(back->process.args_truncated);
	assert_int_equal(strlen(back->process.comm), CWS_EVENT_MAX_STR);
	cws_reader_release(&r);

	/* A string longer than the cap is refused by the scanner. */
	msgpack_sbuffer_clear(&s.sb);
	msgpack_pack_str(&s.pk, CWS_EVENT_MAX_STR + 1);
	msgpack_pack_str_body(&s.pk, big, CWS_EVENT_MAX_STR + 1);
	assert_int_equal(cws_event_scan(s.sb.data, s.sb.size, &bad), -E2BIG);
	/* A container claiming 4G elements never gets to msgpack-c. */
	assert_int_equal(cws_event_scan("\xdd\xff\xff\xff\xff\x01", 6, &bad),
			 -E2BIG);
	assert_int_equal(cws_event_scan("\xdd\x00\x00\x00\x03\x01", 6, &bad),
			 0);
	assert_int_equal(cws_event_scan("\xdf\xff\xff\xff\xff", 5, &bad),
			 -E2BIG);
	/* Nesting deeper than the cap. */
	memset(big, 0x91, 64);
	assert_int_equal(cws_event_scan(big, 64, &bad), -E2BIG);
	assert_int_equal(cws_event_scan("\xc1", 1, &bad), -EINVAL);
	assert_int_equal(cws_event_scan("\x92\x01", 2, &bad), 0);
	assert_int_equal(cws_event_scan("\x81\xa1\x81\xa1", 4, &bad), 0);
	assert_int_equal(cws_event_scan("\x92\x01\x02\x03", 4, &bad), 3);

	msgpack_sbuffer_destroy(&s.sb);
	free(many);
	free(big);
	free(ev);
	free(back);
}

static void test_unknown_type_and_keys_pass(void **state)
{
	struct cws_event ev;
	struct cws_event_err err;
	struct cws_reader r;
	struct cws_writer w;
	struct stream s;
	int p[2];
	char out[256];
	ssize_t n;

	(void)state;
	stream_init(&s);
	msgpack_pack_map(&s.pk, 3);
	put_key(&s, "type");
	put_key(&s, "future_thing");
	put_key(&s, "x");
	msgpack_pack_int(&s.pk, -5);
	put_key(&s, "timestamp");
	msgpack_pack_uint32(&s.pk, 9);
	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	assert_int_equal(cws_reader_next(&r, &ev, &err), 1);
	assert_int_equal(ev.type, CWS_REC_UNKNOWN);
	assert_string_equal(ev.type_name, "future_thing");
	assert_int_equal(ev.timestamp, 9);
	/* Passing it on writes the same bytes. */
	assert_int_equal(pipe(p), 0);
	cws_writer_init(&w, p[1]);
	assert_int_equal(cws_writer_put(&w, &ev), 0);
	assert_int_equal(cws_writer_flush(&w), 0);
	n = read(p[0], out, sizeof(out));
	assert_int_equal(n, s.sb.size);
	assert_memory_equal(out, s.sb.data, s.sb.size);
	cws_writer_release(&w);
	close(p[0]);
	close(p[1]);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
}

/* Many records through a pipe: chunk boundaries fall inside records. */
static void test_pipe_many(void **state)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_process anc[2];
	struct cws_event_err err;
	struct cws_reader r;
	struct cws_writer w;
	int p[2], i, n = 3000;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		cws_writer_init(&w, p[1]);
		for (i = 0; i < n; i++) {
			fill_exec(ev, anc);
			ev->process.pid = (uint32_t)i;
			if (cws_writer_put(&w, ev))
				_exit(1);
		}
		_exit(cws_writer_flush(&w) ? 1 : 0);
	}
	close(p[1]);
	assert_int_equal(cws_reader_init(&r, p[0]), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(cws_reader_next(&r, ev, &err), 1);
		assert_int_equal(ev->process.pid, i);
	}
	assert_int_equal(cws_reader_next(&r, ev, &err), 0);
	assert_int_equal(r.errors, 0);
	cws_reader_release(&r);
	close(p[0]);
	free(ev);
}

/* Encodes ev and reads it back into out; the caller releases r and s. */
static void round_trip(const struct cws_event *ev, struct cws_event *out,
		       struct cws_reader *r, struct stream *s)
{
	struct cws_event_err err;

	stream_init(s);
	stream_put(s, ev);
	assert_int_equal(cws_reader_init_mem(r, s->sb.data, s->sb.size), 0);
	assert_int_equal(cws_reader_next(r, out, &err), 1);
	assert_int_equal(out->evt.type, ev->evt.type);
}

static void base_event(struct cws_event *ev, enum cws_event_type t)
{
	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = t;
	ev->evt.retval = -2;
	ev->timestamp = 1;
	ev->process.pid = 10;
}

static void test_objects_round_trip(void **state)
{
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_event *out = calloc(1, sizeof(*out));
	struct cws_reader r;
	struct stream s;

	(void)state;
	/* rename: source and destination files. */
	base_event(ev, CWS_EVT_RENAME);
	ev->obj.file.path = "/tmp/a";
	ev->obj.file.inode = 5;
	ev->obj.dest.path = "/tmp/b";
	ev->obj.dest.name = "b";
	ev->obj.dest.mount_id = 9;
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->evt.name, "rename");
	assert_string_equal(out->obj.file.path, "/tmp/a");
	assert_int_equal(out->obj.file.inode, 5);
	assert_string_equal(out->obj.dest.path, "/tmp/b");
	assert_string_equal(out->obj.dest.name, "b");
	assert_int_equal(out->obj.dest.mount_id, 9);
	assert_int_equal(out->evt.retval, -2);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* open: flags and the creation mode under file.destination. */
	base_event(ev, CWS_EVT_OPEN);
	ev->obj.file.path = "/etc/shadow";
	ev->obj.flags = 0101;
	ev->obj.dest.mode = 0640;
	ev->obj.dest.path = "/ignored"; /* not an open member */
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->obj.file.path, "/etc/shadow");
	assert_int_equal(out->obj.flags, 0101);
	assert_int_equal(out->obj.dest.mode, 0640);
	assert_null(out->obj.dest.path);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* chown and setxattr: destination owner, xattr name. */
	base_event(ev, CWS_EVT_CHOWN);
	ev->obj.file.path = "/x";
	ev->obj.dest.uid = UINT32_MAX;
	ev->obj.dest.gid = 7;
	ev->obj.dest.group = "staff";
	round_trip(ev, out, &r, &s);
	assert_int_equal(out->obj.dest.uid, UINT32_MAX);
	assert_int_equal(out->obj.dest.gid, 7);
	assert_string_equal(out->obj.dest.group, "staff");
	assert_null(out->obj.dest.user);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	base_event(ev, CWS_EVT_SETXATTR);
	ev->obj.file.path = "/x";
	ev->obj.xattr_name = "user.k";
	ev->obj.xattr_namespace = "user";
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->obj.xattr_name, "user.k");
	assert_string_equal(out->obj.xattr_namespace, "user");
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* signal: a target process; bpf: nested map and prog. */
	base_event(ev, CWS_EVT_SIGNAL);
	ev->obj.request = 9;
	ev->obj.pid = 77;
	ev->obj.target.pid = 77;
	ev->obj.target.comm = "victim";
	ev->obj.target.file.path = "/usr/bin/victim";
	round_trip(ev, out, &r, &s);
	assert_int_equal(out->obj.request, 9);
	assert_int_equal(out->obj.pid, 77);
	assert_int_equal(out->obj.target.pid, 77);
	assert_string_equal(out->obj.target.comm, "victim");
	assert_string_equal(out->obj.target.file.path, "/usr/bin/victim");
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	base_event(ev, CWS_EVT_BPF);
	ev->obj.request = 5;
	ev->obj.prog_type = 2;
	ev->obj.prog_name = "p";
	ev->obj.map_type = 27;
	ev->obj.name = "m";
	round_trip(ev, out, &r, &s);
	assert_int_equal(out->obj.request, 5);
	assert_int_equal(out->obj.prog_type, 2);
	assert_string_equal(out->obj.prog_name, "p");
	assert_int_equal(out->obj.map_type, 27);
	assert_string_equal(out->obj.name, "m");
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* exit and mount. */
	base_event(ev, CWS_EVT_EXIT);
	ev->obj.code = -9;
	ev->obj.cause = "SIGNALED";
	round_trip(ev, out, &r, &s);
	assert_int_equal(out->obj.code, -9);
	assert_string_equal(out->obj.cause, "SIGNALED");
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	base_event(ev, CWS_EVT_MOUNT);
	ev->obj.fs_type = "tmpfs";
	ev->obj.mountpoint = "/mnt";
	ev->obj.source = "none";
	ev->obj.flags = 6;
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->obj.fs_type, "tmpfs");
	assert_string_equal(out->obj.mountpoint, "/mnt");
	assert_string_equal(out->obj.source, "none");
	assert_int_equal(out->obj.flags, 6);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* fork carries no object: nothing but evt and process. */
	base_event(ev, CWS_EVT_FORK);
	ev->obj.flags = 3;
	round_trip(ev, out, &r, &s);
	assert_int_equal(out->obj.flags, 0);
	assert_int_equal(cws_reader_object(&r)->via.map.size, 3);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* imds: the message and its network context. */
	base_event(ev, CWS_EVT_IMDS);
	ev->obj.imds.type = "response";
	ev->obj.imds.cloud_provider = "aws";
	ev->obj.imds.server = "EC2ws";
	ev->obj.imds.aws_is_imds_v2 = true;
	ev->obj.imds.aws_access_key_id = "ASIA";
	ev->obj.net.source.family = 2;
	ev->obj.net.source.ip[10] = ev->obj.net.source.ip[11] = 0xff;
	ev->obj.net.source.ip[12] = 169;
	ev->obj.net.source.port = 80;
	ev->obj.net.direction = 1;
	ev->obj.net.ifname = "eth0";
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->obj.imds.type, "response");
	assert_string_equal(out->obj.imds.server, "EC2ws");
	assert_null(out->obj.imds.url);
	assert_true(out->obj.imds.aws_is_imds_v2);
	assert_string_equal(out->obj.imds.aws_access_key_id, "ASIA");
	assert_null(out->obj.imds.aws_code);
	assert_int_equal(out->obj.net.source.ip[12], 169);
	assert_int_equal(out->obj.net.source.port, 80);
	assert_int_equal(out->obj.net.direction, 1);
	assert_string_equal(out->obj.net.ifname, "eth0");
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* packet: the captured bytes and the TLS version. */
	base_event(ev, CWS_EVT_PACKET);
	ev->obj.packet.data = "0a0b";
	ev->obj.packet.tls_version = 0x0303;
	ev->obj.imds.type = "ignored"; /* not a packet member */
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->obj.packet.data, "0a0b");
	assert_int_equal(out->obj.packet.tls_version, 0x0303);
	assert_null(out->obj.imds.type);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(ev);
	free(out);
}

/* Every type encodes to something that decodes, with its object named. */
static void test_every_type_encodes(void **state)
{
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_event *out = calloc(1, sizeof(*out));
	struct cws_reader r;
	struct stream s;
	unsigned t;

	(void)state;
	for (t = 1; t < CWS_EVT__COUNT; t++) {
		base_event(ev, t);
		ev->obj.file.path = "/f";
		ev->obj.name = "n";
		round_trip(ev, out, &r, &s);
		assert_string_equal(out->evt.name, cws_event_type_name(t));
		cws_reader_release(&r);
		msgpack_sbuffer_destroy(&s.sb);
	}
	free(ev);
	free(out);
}

/*
 * The reader's fast path and the reference decoder (msgpack-c's object,
 * then cws_event_decode) agree: the record the reader returns, and the
 * same raw bytes decoded the reference way, pack to the same bytes.
 * Returns the packed size, so that callers can also compare with what
 * was written.
 */
static size_t assert_same_as_reference(const struct cws_event *ev,
				       msgpack_sbuffer *packed)
{
	static char arena[2 * CWS_EVENT_MAX_RECORD + 512 * 1024];
	struct cws_event *ref = malloc(sizeof(*ref));
	struct cws_event_err err;
	msgpack_unpacked up;
	struct stream a;
	size_t off = 0;

	assert_non_null(ref);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, ev->raw, ev->raw_len, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, ev->raw_len);
	assert_int_equal(
		cws_event_decode(&up.data, ref, arena, sizeof(arena), &err), 0);
	stream_init(&a);
	msgpack_sbuffer_init(packed);
	{
		msgpack_packer pk;

		msgpack_packer_init(&pk, packed, msgpack_sbuffer_write);
		assert_int_equal(cws_event_pack(&pk, ev), 0);
	}
	stream_put(&a, ref);
	assert_int_equal(a.sb.size, packed->size);
	assert_memory_equal(a.sb.data, packed->data, a.sb.size);
	msgpack_sbuffer_destroy(&a.sb);
	msgpack_unpacked_destroy(&up);
	free(ref);
	return packed->size;
}

/* Every member of every type, read back equal to what was written. */
static void test_fast_path_every_member(void **state)
{
	static const char *args[] = { "a", "", "--b=c" };
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_event *out = calloc(1, sizeof(*out));
	struct cws_process anc[3];
	struct cws_file *files[2];
	msgpack_sbuffer packed;
	struct cws_reader r;
	struct stream s;
	unsigned t, k;

	(void)state;
	for (t = 1; t < CWS_EVT__COUNT; t++) {
		fill_exec(ev, anc);
		ev->evt.type = t;
		anc[2] = anc[1];
		anc[2].argv.v = args;
		anc[2].argv.n = 3;
		anc[2].cred.fsgroup = "wheel";
		ev->nancestors = 3;
		ev->ancestors_truncated = true;
		ev->process.tty_name = "pts/1";
		ev->process.is_thread = true;
		files[0] = &ev->obj.file;
		files[1] = &ev->obj.dest;
		for (k = 0; k < 2; k++) {
			files[k]->path = k ? "/d/b" : "/d/a";
			files[k]->name = k ? "b" : "a";
			files[k]->path_resolution_error = "ERR";
			files[k]->filesystem = "ext4";
			files[k]->user = "root";
			files[k]->group = "adm";
			files[k]->inode = 1ull << 62;
			files[k]->mount_id = 3;
			files[k]->mode = 0100644;
			files[k]->uid = 5;
			files[k]->gid = 6;
			files[k]->change_time = 7;
			files[k]->modification_time = 8;
		}
		ev->obj.xattr_name = "user.k";
		ev->obj.xattr_namespace = "user";
		ev->obj.flags = 0101;
		ev->obj.protection = 5;
		ev->obj.vm_protection = 3;
		ev->obj.request = -4;
		ev->obj.pid = 99;
		ev->obj.code = -11;
		ev->obj.cause = "SIGNALED";
		ev->obj.name = "n";
		ev->obj.uid = ev->obj.euid = ev->obj.fsuid = 1;
		ev->obj.gid = ev->obj.egid = ev->obj.fsgid = 2;
		ev->obj.user = ev->obj.euser = ev->obj.fsuser = "u";
		ev->obj.group = ev->obj.egroup = ev->obj.fsgroup = "g";
		ev->obj.cap_effective = ev->obj.cap_permitted = 1ull << 40;
		ev->obj.map_type = 1;
		ev->obj.prog_type = 2;
		ev->obj.attach_type = 3;
		ev->obj.prog_name = "p";
		ev->obj.loaded_from_memory = true;
		ev->obj.args = "x=1";
		ev->obj.fs_type = "tmpfs";
		ev->obj.mountpoint = "/mnt";
		ev->obj.source = "none";
		ev->obj.pipe_entry_flag = 4;
		ev->obj.pipe_exit_flag = 8;
		ev->obj.target = anc[0];
		ev->obj.net.direction = 2;
		ev->obj.imds.type = "request";
		ev->obj.imds.url = "/latest/";
		ev->obj.imds.aws_is_imds_v2 = true;
		ev->obj.imds.aws_expiration = "x";
		ev->obj.packet.data = "00ff";
		ev->obj.packet.tls_version = 0x0301;
		ev->exec.args_truncated = true;
		stream_init(&s);
		stream_put(&s, ev);
		assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size),
				 0);
		{
			struct cws_event_err err;

			assert_int_equal(cws_reader_next(&r, out, &err), 1);
		}
		assert_int_equal(out->evt.type, t);
		assert_int_equal(assert_same_as_reference(out, &packed),
				 s.sb.size);
		assert_memory_equal(packed.data, s.sb.data, s.sb.size);
		msgpack_sbuffer_destroy(&packed);
		cws_reader_release(&r);
		msgpack_sbuffer_destroy(&s.sb);
	}
	free(ev);
	free(out);
}

/*
 * Events of more processes than the reader keeps decoded, interleaved:
 * every event reads back with its own process and ancestors, whether it
 * came from the cache or not.
 */
static void test_process_cache(void **state)
{
	static const char *comms[] = { "p0", "p1", "p2", "p3", "p4",  "p5",
				       "p6", "p7", "p8", "p9", "p10", "p11" };
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_event *out = calloc(1, sizeof(*out));
	struct cws_process anc[2];
	struct cws_event_err err;
	msgpack_sbuffer packed;
	struct cws_reader r;
	struct stream s;
	unsigned i, n = 200, who;

	(void)state;
	stream_init(&s);
	for (i = 0; i < n; i++) {
		who = (i % 3) ? 0 : (i / 3) % CWS_ARRAY_SIZE(comms);
		fill_exec(ev, anc);
		ev->evt.type = CWS_EVT_OPEN;
		ev->obj.file.path = "/f";
		ev->obj.flags = i;
		ev->process.pid = 1000 + who;
		ev->process.comm = comms[who];
		anc[0].comm = comms[(who + 1) % CWS_ARRAY_SIZE(comms)];
		stream_put(&s, ev);
	}
	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	for (i = 0; i < n; i++) {
		who = (i % 3) ? 0 : (i / 3) % CWS_ARRAY_SIZE(comms);
		assert_int_equal(cws_reader_next(&r, out, &err), 1);
		assert_int_equal(out->obj.flags, i);
		assert_int_equal(out->process.pid, 1000 + who);
		assert_string_equal(out->process.comm, comms[who]);
		assert_int_equal(out->nancestors, 2);
		assert_string_equal(out->ancestors[0].comm,
				    comms[(who + 1) % CWS_ARRAY_SIZE(comms)]);
		assert_string_equal(out->ancestors[1].comm, "init");
		assert_string_equal(out->process.argv.v[2], "--fancy arg");
		assert_same_as_reference(out, &packed);
		msgpack_sbuffer_destroy(&packed);
	}
	assert_int_equal(cws_reader_next(&r, out, &err), 0);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(ev);
	free(out);
}

/*
 * Processes too large to be kept: one whose decoded form overflows a
 * cache entry (64 ancestors of 256 arguments), one whose encoding does
 * (long arguments). Both read back whole, twice in a row.
 */
static void test_process_cache_too_large(void **state)
{
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_event *out = calloc(1, sizeof(*out));
	struct cws_process *anc = calloc(CWS_EVENT_MAX_ANCESTORS, sizeof(*anc));
	const char **empty = calloc(CWS_EVENT_MAX_ARGS, sizeof(char *));
	const char *longs[8];
	char *big = malloc(4000);
	struct cws_event_err err;
	msgpack_sbuffer packed;
	struct cws_reader r;
	struct stream s;
	unsigned i, k;

	(void)state;
	for (i = 0; i < CWS_EVENT_MAX_ARGS; i++)
		empty[i] = "";
	memset(big, 'y', 3999);
	big[3999] = '\0';
	for (i = 0; i < 8; i++)
		longs[i] = big;
	stream_init(&s);
	for (k = 0; k < 2; k++) {
		fill_exec(ev, anc);
		for (i = 0; i < CWS_EVENT_MAX_ANCESTORS; i++) {
			anc[i].pid = i + 1;
			anc[i].argv.v = k ? longs : empty;
			anc[i].argv.n = k ? 8 : CWS_EVENT_MAX_ARGS;
		}
		ev->nancestors = k ? 8 : CWS_EVENT_MAX_ANCESTORS;
		stream_put(&s, ev);
		stream_put(&s, ev);
	}
	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	for (k = 0; k < 4; k++) {
		assert_int_equal(cws_reader_next(&r, out, &err), 1);
		assert_int_equal(out->nancestors,
				 k < 2 ? CWS_EVENT_MAX_ANCESTORS : 8);
		assert_int_equal(out->ancestors[7].argv.n,
				 k < 2 ? CWS_EVENT_MAX_ARGS : 8);
		assert_int_equal(out->ancestors[7].pid, 8);
		assert_same_as_reference(out, &packed);
		msgpack_sbuffer_destroy(&packed);
	}
	assert_int_equal(cws_reader_next(&r, out, &err), 0);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(big);
	free(empty);
	free(anc);
	free(ev);
	free(out);
}

/* An event as written, with one more key and value at the given map. */
static void event_with_extra(struct stream *s, int where)
{
	unsigned i;

	msgpack_pack_map(&s->pk, 5 + (where == 0) + (where == 4));
	if (where == 4) {
		/* Before "evt": the fast path gives up, the result holds. */
		put_key(s, "zz");
		msgpack_pack_array(&s->pk, 2);
		msgpack_pack_nil(&s->pk);
		msgpack_pack_map(&s->pk, 1);
		put_key(s, "k");
		msgpack_pack_double(&s->pk, 1.5);
	}
	put_key(s, "type");
	put_key(s, "event");
	put_key(s, "evt");
	msgpack_pack_map(&s->pk, 2 + (where == 1));
	put_key(s, "name");
	put_key(s, "open");
	put_key(s, "timestamp");
	msgpack_pack_uint64(&s->pk, 5);
	if (where == 1) {
		put_key(s, "future");
		msgpack_pack_bin(&s->pk, 3);
		msgpack_pack_bin_body(&s->pk, "abc", 3);
	}
	put_key(s, "process");
	msgpack_pack_map(&s->pk, 3 + (where == 2));
	put_key(s, "pid");
	msgpack_pack_int64(&s->pk, 7); /* a signed encoding, non-negative */
	if (where == 2) {
		put_key(s, "namespaces");
		msgpack_pack_map(&s->pk, 1);
		put_key(s, "pid");
		msgpack_pack_array(&s->pk, 3);
		for (i = 0; i < 3; i++)
			msgpack_pack_uint32(&s->pk, i);
	}
	put_key(s, "comm");
	msgpack_pack_nil(&s->pk); /* NIL is a missing string */
	put_key(s, "ancestors");
	msgpack_pack_array(&s->pk, 1);
	msgpack_pack_map(&s->pk, 2);
	put_key(s, "pid");
	msgpack_pack_uint8(&s->pk, 1);
	put_key(s, "ancestors"); /* not an ancestor's key: ignored */
	msgpack_pack_array(&s->pk, 0);
	put_key(s, "open");
	msgpack_pack_map(&s->pk, 2 + (where == 3));
	put_key(s, "flags");
	msgpack_pack_uint16(&s->pk, 0101);
	put_key(s, "file");
	msgpack_pack_map(&s->pk, 2);
	put_key(s, "path");
	put_key(s, "/p");
	put_key(s, "hash");
	put_key(s, "beef");
	if (where == 3) {
		put_key(s, "new_field");
		msgpack_pack_true(&s->pk);
	}
	if (where == 0) {
		put_key(s, "extra");
		msgpack_pack_map(&s->pk, 0);
	}
	put_key(s, "container");
	msgpack_pack_map(&s->pk, 1);
	put_key(s, "id");
	put_key(s, "c1");
}

/* Keys this version does not know are skipped wherever they are. */
static void test_fast_path_unknown_keys(void **state)
{
	struct cws_event *out = calloc(1, sizeof(*out));
	struct cws_event_err err;
	msgpack_sbuffer packed;
	struct cws_reader r;
	struct stream s;
	int where;

	(void)state;
	stream_init(&s);
	for (where = 0; where <= 4; where++)
		event_with_extra(&s, where);
	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	for (where = 0; where <= 4; where++) {
		assert_int_equal(cws_reader_next(&r, out, &err), 1);
		assert_int_equal(out->evt.type, CWS_EVT_OPEN);
		assert_int_equal(out->process.pid, 7);
		assert_null(out->process.comm);
		assert_int_equal(out->nancestors, 1);
		assert_int_equal(out->ancestors[0].pid, 1);
		assert_int_equal(out->obj.flags, 0101);
		assert_string_equal(out->obj.file.path, "/p");
		assert_string_equal(out->container.id, "c1");
		assert_int_equal(cws_reader_object(&r)->via.map.size,
				 5 + (where == 0) + (where == 4));
		assert_same_as_reference(out, &packed);
		msgpack_sbuffer_destroy(&packed);
	}
	assert_int_equal(cws_reader_next(&r, out, &err), 0);
	assert_int_equal(r.errors, 0);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(out);
}

static int waits;

static int count_wait(void *arg)
{
	waits++;
	return arg ? -EPIPE : 0;
}

/* on_wait runs before each read(2), and its error stops the reader. */
static void test_on_wait(void **state)
{
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_process anc[2];
	struct cws_event_err err;
	struct cws_reader r;
	struct stream s;
	int p[2];

	(void)state;
	fill_exec(ev, anc);
	stream_init(&s);
	stream_put(&s, ev);
	stream_put(&s, ev);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], s.sb.data, s.sb.size), s.sb.size);
	close(p[1]);
	assert_int_equal(cws_reader_init(&r, p[0]), 0);
	r.on_wait = count_wait;
	waits = 0;
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(waits, 1);
	/* The second record is buffered: no read, no wait. */
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(waits, 1);
	r.on_wait_arg = &r;
	assert_int_equal(cws_reader_next(&r, ev, &err), -EPIPE);
	assert_int_equal(waits, 2);
	r.on_wait_arg = NULL;
	assert_int_equal(cws_reader_next(&r, ev, &err), 0);
	cws_reader_release(&r);
	close(p[0]);
	msgpack_sbuffer_destroy(&s.sb);
	free(ev);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_int_equal(cws_event_type_from_name("open"), CWS_EVT_OPEN);
	assert_int_equal(cws_event_type_from_name("nope"), CWS_EVT_UNKNOWN);
	assert_string_equal(cws_event_type_name(CWS_EVT_LOAD_MODULE),
			    "load_module");
	assert_string_equal(cws_record_type_name(CWS_REC_SELFTEST), "selftest");
}

/* The value at o[k1][k2] of a record's map, or NULL. */
static const msgpack_object *mp_get(const msgpack_object *o, const char *k1,
				    const char *k2)
{
	const char *keys[2] = { k1, k2 };
	unsigned d;
	uint32_t i;

	for (d = 0; d < 2 && o; d++) {
		const msgpack_object *next = NULL;

		if (o->type != MSGPACK_OBJECT_MAP)
			return NULL;
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];

			if (kv->key.type == MSGPACK_OBJECT_STR &&
			    kv->key.via.str.size == strlen(keys[d]) &&
			    !memcmp(kv->key.via.str.ptr, keys[d],
				    kv->key.via.str.size))
				next = &kv->val;
		}
		o = next;
	}
	return o;
}

/*
 * The system events' members: optional ones (the filter of setsockopt,
 * a prctl name, a cgroup pid) are absent unless known, an array of
 * integers reads back, and selinux writes only the shape it has.
 */
static void test_sysev_round_trip(void **state)
{
	static const int64_t imm[] = { 2048, -1, 0 };
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_event *out = calloc(1, sizeof(*out));
	msgpack_sbuffer packed;
	struct cws_reader r;
	struct stream s;

	(void)state;
	base_event(ev, CWS_EVT_SETSOCKOPT);
	ev->obj.sockopt.level = 1;
	ev->obj.sockopt.optname = 26;
	ev->obj.sockopt.socket_type = 3;
	ev->obj.sockopt.filter_len = 4;
	round_trip(ev, out, &r, &s);
	/* Without has_filter: no filter_len, no is_filter_truncated. */
	assert_int_equal(out->obj.sockopt.optname, 26);
	assert_false(out->obj.sockopt.has_filter);
	assert_int_equal(out->obj.sockopt.filter_len, 0);
	assert_null(mp_get(cws_reader_object(&r), "setsockopt", "filter_len"));
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	ev->obj.sockopt.has_filter = true;
	ev->obj.sockopt.is_filter_truncated = true;
	ev->obj.sockopt.filter_instructions = "(000) ret      #0";
	ev->obj.sockopt.filter_hash = "ab";
	ev->obj.sockopt.used_immediates.v = imm;
	ev->obj.sockopt.used_immediates.n = 3;
	round_trip(ev, out, &r, &s);
	assert_true(out->obj.sockopt.has_filter);
	assert_int_equal(out->obj.sockopt.filter_len, 4);
	assert_true(out->obj.sockopt.is_filter_truncated);
	assert_string_equal(out->obj.sockopt.filter_hash, "ab");
	assert_int_equal(out->obj.sockopt.used_immediates.n, 3);
	assert_int_equal(out->obj.sockopt.used_immediates.v[1], -1);
	assert_int_equal(assert_same_as_reference(out, &packed), s.sb.size);
	assert_memory_equal(packed.data, s.sb.data, s.sb.size);
	msgpack_sbuffer_destroy(&packed);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	base_event(ev, CWS_EVT_PRCTL);
	ev->obj.prctl.option = 38;
	round_trip(ev, out, &r, &s);
	assert_int_equal(out->obj.prctl.option, 38);
	assert_null(
		mp_get(cws_reader_object(&r), "prctl", "is_name_truncated"));
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	base_event(ev, CWS_EVT_CGROUP_WRITE);
	ev->obj.file.path = "/sys/fs/cgroup/a";
	round_trip(ev, out, &r, &s);
	assert_false(out->obj.cgroup_pid_known);
	assert_null(mp_get(cws_reader_object(&r), "cgroup_write", "pid"));
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	ev->obj.cgroup_pid_known = true;
	ev->obj.cgroup_pid = 77;
	round_trip(ev, out, &r, &s);
	assert_true(out->obj.cgroup_pid_known);
	assert_int_equal(out->obj.cgroup_pid, 77);
	assert_string_equal(out->obj.file.path, "/sys/fs/cgroup/a");
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	base_event(ev, CWS_EVT_SELINUX);
	ev->obj.file.path = "/sys/fs/selinux/enforce";
	ev->obj.selinux.enforce_status = "permissive";
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->obj.selinux.enforce_status, "permissive");
	/* No empty "bool" or "bool_commit" map beside "enforce". */
	assert_null(mp_get(cws_reader_object(&r), "selinux", "bool"));
	assert_null(mp_get(cws_reader_object(&r), "selinux", "bool_commit"));
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(ev);
	free(out);
}

/*
 * io_uring: a request that names no file (a ring's creation, a NOP) has
 * no "file" map at all, not one of zeros; one that names two files has
 * both, and both decoders read them back.
 */
static void test_uring_round_trip(void **state)
{
	struct cws_event *ev = calloc(1, sizeof(*ev));
	struct cws_event *out = calloc(1, sizeof(*out));
	msgpack_sbuffer packed;
	struct cws_reader r;
	struct stream s;

	(void)state;
	base_event(ev, CWS_EVT_IO_URING);
	ev->obj.uring.opcode = "SETUP";
	ev->obj.uring.setup_flags = 2;
	round_trip(ev, out, &r, &s);
	assert_string_equal(out->obj.uring.opcode, "SETUP");
	assert_int_equal(out->obj.uring.setup_flags, 2);
	assert_false(out->obj.uring.has_file);
	assert_null(mp_get(cws_reader_object(&r), "io_uring", "file"));
	assert_non_null(mp_get(cws_reader_object(&r), "io_uring", "flags"));
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	ev->obj.uring.opcode = "RENAMEAT";
	ev->obj.flags = 64;
	ev->obj.uring.has_file = ev->obj.uring.has_dest = true;
	ev->obj.file.path = "/a";
	ev->obj.file.name = "a";
	ev->obj.dest.path = "/b";
	round_trip(ev, out, &r, &s);
	assert_true(out->obj.uring.has_file);
	assert_true(out->obj.uring.has_dest);
	assert_string_equal(out->obj.file.path, "/a");
	assert_string_equal(out->obj.dest.path, "/b");
	assert_int_equal(out->obj.flags, 64);
	assert_int_equal(assert_same_as_reference(out, &packed), s.sb.size);
	assert_memory_equal(packed.data, s.sb.data, s.sb.size);
	msgpack_sbuffer_destroy(&packed);
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);

	/* One file: no "destination" map in it. */
	ev->obj.uring.has_dest = false;
	ev->obj.dest.path = NULL;
	round_trip(ev, out, &r, &s);
	assert_true(out->obj.uring.has_file);
	assert_false(out->obj.uring.has_dest);
	assert_non_null(mp_get(cws_reader_object(&r), "io_uring", "file"));
	assert_null(mp_get(mp_get(cws_reader_object(&r), "io_uring", "file"),
			   "destination", "inode"));
	cws_reader_release(&r);
	msgpack_sbuffer_destroy(&s.sb);
	free(ev);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_round_trip),
		cmocka_unit_test(test_control_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage_between_records),
		cmocka_unit_test(test_missing_and_mistyped_keys),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_unknown_type_and_keys_pass),
		cmocka_unit_test(test_pipe_many),
		cmocka_unit_test(test_objects_round_trip),
		cmocka_unit_test(test_every_type_encodes),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_fast_path_every_member),
		cmocka_unit_test(test_uring_round_trip),
		cmocka_unit_test(test_process_cache),
		cmocka_unit_test(test_process_cache_too_large),
		cmocka_unit_test(test_fast_path_unknown_keys),
		cmocka_unit_test(test_on_wait),
		cmocka_unit_test(test_sysev_round_trip),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
