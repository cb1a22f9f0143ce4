/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The reader's peek mode (lib/event_reader.c): bytes read from a pipe stay
 * in it until committed, a second reader on the same pipe gets exactly
 * what the first did not commit, and a record larger than the pipe still
 * comes through whole.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"

/*
 * An open event of pid about pad bytes long: its path padded, or past a
 * string's limit arguments of 4000 bytes each.
 */
static void fill_open(struct cws_event *ev, uint32_t pid, size_t pad)
{
	static char path[4000];
	static const char *argv[64];
	size_t i;

	cws_event_clear(ev);
	ev->type = CWS_REC_EVENT;
	ev->evt.type = CWS_EVT_OPEN;
	ev->timestamp = 1700000000000000000ull + pid;
	ev->process.pid = pid;
	ev->process.tid = pid;
	memset(path, 'x', sizeof(path) - 1);
	memcpy(path, "/tmp/", 5);
	path[pad < sizeof(path) ? pad : sizeof(path) - 1] = '\0';
	ev->obj.file.path = path;
	if (pad < sizeof(path))
		return;
	for (i = 0; i < pad / sizeof(path) && i < 64; i++)
		argv[i] = path;
	ev->process.argv.v = argv;
	ev->process.argv.n = (uint32_t)i;
}

/* Writes records pid from..to-1 to fd. */
static void put_range(int fd, uint32_t from, uint32_t to, size_t pad)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_writer w;

	assert_non_null(ev);
	cws_writer_init(&w, fd);
	for (; from < to; from++) {
		fill_open(ev, from, pad);
		assert_int_equal(cws_writer_put(&w, ev), 0);
	}
	assert_int_equal(cws_writer_flush(&w), 0);
	cws_writer_release(&w);
	free(ev);
}

static int queued(int fd)
{
	int n = -1;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

static void test_commit_and_successor(void **state)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_event_err err;
	struct cws_reader r, r2;
	const char *p;
	uint64_t at5 = 0;
	int fds[2], whole, i;
	size_t n;

	(void)state;
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	fcntl(fds[0], F_SETFL, 0); /* the reader blocks, the writer not */
	put_range(fds[1], 0, 10, 64);
	whole = queued(fds[0]);
	assert_int_equal(cws_reader_init(&r, fds[0]), 0);
	assert_int_equal(cws_reader_peek(&r), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(cws_reader_next(&r, ev, &err), 1);
		assert_int_equal(ev->process.pid, i);
		if (i == 5)
			at5 = ev->offset;
	}
	/* Read, not taken: the pipe still holds everything. */
	assert_int_equal(queued(fds[0]), whole);
	n = cws_reader_uncommitted(&r, at5, &p);
	assert_int_equal(n, at5);
	assert_int_equal(cws_reader_commit(&r, at5), 0);
	assert_int_equal(queued(fds[0]), whole - (int)at5);
	/* Nothing twice, nothing past what was read. */
	assert_int_equal(cws_reader_uncommitted(&r, at5, &p), 0);
	assert_int_equal(cws_reader_uncommitted(&r, 1u << 30, &p), 0);
	cws_reader_release(&r);

	/* A successor starts at record 5, the first one not committed. */
	assert_int_equal(cws_reader_init(&r2, fds[0]), 0);
	assert_int_equal(cws_reader_peek(&r2), 0);
	put_range(fds[1], 10, 12, 64);
	close(fds[1]);
	for (i = 5; i < 12; i++) {
		assert_int_equal(cws_reader_next(&r2, ev, &err), 1);
		assert_int_equal(ev->process.pid, i);
	}
	assert_int_equal(cws_reader_next(&r2, ev, &err), 0);
	assert_int_equal(r2.errors, 0);
	assert_int_equal(r2.forced, 0);
	cws_reader_release(&r2);
	close(fds[0]);
	free(ev);
}

static void test_peek_head_discard(void **state)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_event_err err;
	struct cws_reader r;
	char head[4096];
	int fds[2], whole;
	ssize_t got;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	put_range(fds[1], 0, 3, 100);
	whole = queued(fds[0]);
	close(fds[1]);
	assert_int_equal(cws_reader_init(&r, fds[0]), 0);
	assert_int_equal(cws_reader_peek(&r), 0);
	got = cws_reader_peek_head(&r, head, sizeof(head));
	assert_int_equal(got, whole);
	assert_int_equal(queued(fds[0]), whole);
	/* A copy only: the reader still starts at the first record. */
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(ev->process.pid, 0);
	cws_reader_release(&r);
	close(fds[0]);

	assert_int_equal(pipe(fds), 0);
	put_range(fds[1], 0, 3, 100);
	close(fds[1]);
	assert_int_equal(cws_reader_init(&r, fds[0]), 0);
	assert_int_equal(cws_reader_peek(&r), 0);
	/* The first record dropped unread: the reader starts at the second. */
	assert_int_equal(cws_reader_discard(&r, (size_t)whole / 3), 0);
	assert_int_equal(cws_reader_next(&r, ev, &err), 1);
	assert_int_equal(ev->process.pid, 1);
	assert_int_equal(ev->offset, (uint64_t)whole / 3);
	cws_reader_release(&r);
	close(fds[0]);
	free(ev);
}

/* Not a pipe: the reader reads as before. */
static void test_not_a_pipe(void **state)
{
	struct cws_reader r;
	int fd = open("/dev/null", O_RDONLY);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(cws_reader_init(&r, fd), 0);
	assert_int_equal(cws_reader_peek(&r), -EINVAL);
	assert_false(r.peek);
	cws_reader_release(&r);
	close(fd);
}

/*
 * A writer that blocks mid-record (pipe full) and records larger than the
 * pipe: everything arrives whole and in order, and only the bytes of the
 * records past the pipe's size were taken before their commit.
 */
static void test_slow_writer_and_big_records(void **state)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_event_err err;
	struct cws_reader r;
	int fds[2], i, status;
	uint64_t big_bytes = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(fcntl(fds[0], F_SETPIPE_SZ, 65536), 65536);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		put_range(fds[1], 0, 200, 3000);
		put_range(fds[1], 200, 202, 100000);
		put_range(fds[1], 202, 400, 10);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(cws_reader_init(&r, fds[0]), 0);
	assert_int_equal(cws_reader_peek(&r), 0);
	for (i = 0; i < 400; i++) {
		assert_int_equal(cws_reader_next(&r, ev, &err), 1);
		assert_int_equal(ev->process.pid, i);
		if (i >= 200 && i < 202)
			big_bytes += ev->raw_len;
		assert_int_equal(cws_reader_commit(&r, cws_reader_pos(&r)), 0);
	}
	assert_int_equal(cws_reader_next(&r, ev, &err), 0);
	assert_true(r.forced > 0);
	assert_true(r.forced <= big_bytes);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	cws_reader_release(&r);
	close(fds[0]);
	free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_and_successor),
		cmocka_unit_test(test_peek_head_discard),
		cmocka_unit_test(test_not_a_pipe),
		cmocka_unit_test(test_slow_writer_and_big_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
