/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for cws-filter's hasher (cmd/cws-filter/hash.c): the
 * digests against known values, each of Datadog's states, the size
 * limits (the configuration's and an action's), the rate limit and the
 * cache.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../cmd/cws-filter/broker.c"
#include "../../cmd/cws-filter/hash.c"

static char dir[] = "/tmp/cws-hash-test.XXXXXX";

/* dir/name with content; returns its absolute path (static buffer). */
static const char *put(const char *name, const char *content)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	return path;
}

static struct hash_opts opts(void)
{
	struct hash_opts o = {
		.algos = { HASH_SHA1, HASH_SHA256, HASH_MD5, HASH_SSDEEP },
		.nalgos = 4,
		.event_types = (1ull << CWS_EVT_OPEN) | (1ull << CWS_EVT_EXEC),
		.max_file_size = 1 << 20,
		.rate = 500,
		.burst = 1000,
		.cache_size = 4,
	};

	return o;
}

static struct hash_req req(const char *path, uint64_t inode)
{
	struct hash_req q = {
		.type = CWS_EVT_OPEN,
		.pid = (uint32_t)getpid(),
		.path = path,
		.inode = inode,
		.now_ns = 1,
	};

	return q;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_digests(void **state)
{
	struct hash_opts o = opts();
	struct hasher *h = hasher_new(&o);
	struct hash_req q = req(put("abc", "abc"), 1);
	struct hash_result r;

	(void)state;
	hasher_hash(h, &q, &r);
	assert_int_equal(r.state, HASH_DONE);
	assert_string_equal(hash_state_name(r.state), "Done");
	assert_int_equal(r.n, 4);
	/* The configured order, each with its algorithm's name. */
	assert_string_equal(r.text[0],
			    "sha1:a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_string_equal(r.text[1], "sha256:ba7816bf8f01cfea414140de5dae22"
				       "23b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(r.text[2], "md5:900150983cd24fb0d6963f7d28e17f72");
	assert_true(!strncmp(r.text[3], "ssdeep:3:", 9));
	hasher_free(h);
}

static void test_states(void **state)
{
	struct hash_opts o = opts();
	struct hasher *h;
	struct hash_req q;
	struct hash_result r;
	char fifo[300];

	(void)state;
	o.max_file_size = 8;
	h = hasher_new(&o);
	q = req("/nonexistent/cws-hash-test", 2);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "FileNotFound");
	q = req(put("big", "0123456789"), 3);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "FileTooBig");
	/* An action's max_file_size replaces the configuration's. */
	q.max_file_size = 10;
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "Done");
	q = req(put("big", "0123456789"), 4);
	q.max_file_size = 9;
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "FileTooBig");
	q = req(put("empty", ""), 5);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "FileEmpty");
	q = req(NULL, 6);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state),
			    "PathnameResolutionError");
	q = req("relative/path", 6);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state),
			    "PathnameResolutionError");
	q = req(put("abc", "abc"), 7);
	q.type = CWS_EVT_CHMOD;
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "EventTypeNotConfigured");
	/* A path through a regular file: it cannot be opened. */
	snprintf(fifo, sizeof(fifo), "%s/x", put("abc", "abc"));
	q = req(fifo, 8);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "FileOpenError");
	/* Not a regular file: nothing to hash, and no waiting on a FIFO. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	q = req(fifo, 9);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "Done");
	assert_int_equal(r.n, 0);
	assert_int_equal(hasher_stats(h)->states[HASH_FILE_TOO_BIG], 2);
	hasher_free(h);
}

static void test_rate_limit(void **state)
{
	struct hash_opts o = opts();
	struct hasher *h;
	struct hash_req q;
	struct hash_result r;

	(void)state;
	o.rate = 1;
	o.burst = 2;
	o.cache_size = 0;
	h = hasher_new(&o);
	q = req(put("a", "a"), 1);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "Done");
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "Done");
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "HashWasRateLimited");
	/* The checks that need no reading are not limited. */
	q = req(put("e", ""), 2);
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "FileEmpty");
	/* One second later, one more token. */
	q = req(put("a", "a"), 1);
	q.now_ns = 1000000001ull;
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "Done");
	hasher_hash(h, &q, &r);
	assert_string_equal(hash_state_name(r.state), "HashWasRateLimited");
	hasher_free(h);
}

static void test_cache(void **state)
{
	struct hash_opts o = opts();
	struct hasher *h;
	struct hash_req q;
	struct hash_result r, first;
	char name[16];
	int i;

	(void)state;
	o.cache_size = 2;
	h = hasher_new(&o);
	q = req(put("c", "one"), 10);
	hasher_hash(h, &q, &first);
	/* Same path and inode: the cache answers, the file is not read. */
	q = req(put("c", "two"), 10);
	hasher_hash(h, &q, &r);
	assert_string_equal(r.text[1], first.text[1]);
	assert_int_equal(hasher_stats(h)->cache_hits, 1);
	/* Another inode is another file. */
	q.inode = 11;
	hasher_hash(h, &q, &r);
	assert_string_not_equal(r.text[1], first.text[1]);
	/* Two more files push the least recently used out. */
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		q = req(put(name, name), 20 + (uint64_t)i);
		hasher_hash(h, &q, &r);
	}
	q = req(put("c", "two"), 10);
	hasher_hash(h, &q, &r);
	assert_int_equal(hasher_stats(h)->cache_hits, 1);
	assert_string_not_equal(r.text[1], first.text[1]);
	hasher_free(h);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(hash_algo_from_name("sha256"), HASH_SHA256);
	assert_int_equal(hash_algo_from_name("ssdeep"), HASH_SSDEEP);
	assert_int_equal(hash_algo_from_name("sha512"), -1);
	assert_string_equal(hash_state_name(HASH_NO_HASH), "NoHash");
	assert_string_equal(hash_state_name(HASH_RATE_LIMITED),
			    "HashWasRateLimited");
	assert_string_equal(hash_state_name(HASH_FAILED), "HashFailed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
