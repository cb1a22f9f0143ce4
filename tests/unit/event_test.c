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

	assert_int_equal(cws_reader_init_mem(&r, s.sb.data, s.sb.size), 0);
	assert_int_equal(cws_reader_next(&r, &out, &err), 1);
	assert_int_equal(out.type, CWS_REC_HELLO);
	assert_string_equal(out.hello.producer, "cws-probe");
	assert_string_equal(out.hello.version, "1.2.3");
	assert_int_equal(out.hello.schema, CWS_EVENT_SCHEMA);
	assert_int_equal(out.hello.pid, 99);
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

static void test_type_names(void **state)
{
	(void)state;
	assert_int_equal(cws_event_type_from_name("open"), CWS_EVT_OPEN);
	assert_int_equal(cws_event_type_from_name("nope"), CWS_EVT_UNKNOWN);
	assert_string_equal(cws_event_type_name(CWS_EVT_LOAD_MODULE),
			    "load_module");
	assert_string_equal(cws_record_type_name(CWS_REC_SELFTEST), "selftest");
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
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
