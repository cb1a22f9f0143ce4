/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the spool's file formats (cmd/cws-ship/spoolfmt.c): the
 * batch header line and its checksum, and the journal a crash leaves.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../cmd/cws-ship/spoolfmt.c"

static void test_header_roundtrip(void **state)
{
	struct spool_hdr h = { .seq = 12, .count = 1000, .raw_len = 812345 }, g;
	const char *body = "[\n{}\n]", *why = NULL;
	char buf[SPOOL_HDR_MAX];
	int n;

	(void)state;
	snprintf(h.encoding, sizeof(h.encoding), "gzip");
	snprintf(h.id, sizeof(h.id), "0123456789abcdef-12");
	h.crc = (uint32_t)crc32(0, (const Bytef *)body, 6);
	n = spool_hdr_format(&h, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(spool_hdr_parse(buf, (size_t)n, &g, &why), n);
	assert_int_equal(g.seq, 12);
	assert_int_equal(g.count, 1000);
	assert_int_equal(g.raw_len, 812345);
	assert_string_equal(g.encoding, "gzip");
	assert_string_equal(g.id, "0123456789abcdef-12");
	assert_true(spool_body_ok(&g, body, 6));
	assert_false(spool_body_ok(&g, body, 5));
}

static void test_header_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"CWSSPOOL1",
		"CWSSPOOL2 seq=1 count=1 encoding=gzip raw=1 crc=00000000 id=a\n",
		"CWSSPOOL1 seq=1 count=1 encoding=gzip raw=1 crc=00000000\n",
		"CWSSPOOL1 seq=x count=1 encoding=gzip raw=1 crc=00000000 id=a\n",
		"CWSSPOOL1 seq=1 count=1 encoding=br raw=1 crc=00000000 id=a\n",
		"CWSSPOOL1 seq=1 count=1 encoding=gzip raw=1 crc=0 id=a\n",
		"CWSSPOOL1 seq=1 count=99999999999 encoding=gzip raw=1 "
		"crc=00000000 id=a\n",
		"CWSSPOOL1 seq=1 count=1 encoding=gzip raw=1 crc=00000000 "
		"id=a/b\n",
		"CWSSPOOL1 seq=1 count=1 encoding=gzip raw=1 crc=00000000 id=a "
		"extra\n",
	};
	struct spool_hdr h;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(bad); i++) {
		why = NULL;
		if (spool_hdr_parse(bad[i], strlen(bad[i]), &h, &why) !=
		    -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(why);
	}
}

static void test_part(void **state)
{
	char p[] = "CWSPART1 7\n[\n{\"a\":1},\n{\"b\":2},\n{\"c\":";
	char only[] = "CWSPART1 3\n[\n", bad[] = "CWSPART1 x\n[\n",
	     junk[] = "junk";
	struct spool_part part;

	(void)state;
	assert_int_equal(spool_part_parse(p, strlen(p), &part), 0);
	assert_int_equal(part.seq, 7);
	assert_int_equal(part.count, 2);
	assert_int_equal(part.body_start, 11);
	assert_false(part.has_mark);
	assert_memory_equal(p + part.body_start, "[\n{\"a\":1},\n{\"b\":2},\n",
			    part.body_end - part.body_start);
	/* Only the header: an empty batch. */
	assert_int_equal(spool_part_parse(only, strlen(only), &part), 0);
	assert_int_equal(part.count, 0);
	assert_int_equal(spool_part_parse(bad, strlen(bad), &part), -EINVAL);
	assert_int_equal(spool_part_parse(junk, strlen(junk), &part), -EINVAL);
}

/* Appends a write as cws-ship makes it: its mark, then its messages. */
static void add_write(char *j, size_t cap, uint64_t len, uint64_t sum,
		      const char *msgs)
{
	struct spool_mark m = { .len = len, .sum = sum };
	size_t at = strlen(j);
	int n;

	n = spool_mark_format(j + at, cap - at, &m, at, strlen(msgs));
	assert_true(n > 0);
	assert_true(at + (size_t)n + strlen(msgs) < cap);
	snprintf(j + strlen(j), cap - strlen(j), "%s", msgs);
	/* The end it names is the journal's length after the write. */
	assert_int_equal(strtoull(strrchr(j + at, ' ') + 1, NULL, 10),
			 strlen(j));
}

static void test_part_marks(void **state)
{
	char j[4096] = "CWSPART1 9\n[\n", cut[4096];
	struct spool_part part;
	size_t whole;

	(void)state;
	add_write(j, sizeof(j), 120, 0x1122334455667788ull,
		  "{\"a\":1},\n{\"b\":2},\n");
	/* A second write: the last mark is the one that counts. */
	add_write(j, sizeof(j), 7, 42, "{\"c\":3},\n");
	whole = strlen(j);
	memcpy(cut, j, whole + 1);
	assert_int_equal(spool_part_parse(j, whole, &part), 0);
	assert_int_equal(part.count, 3);
	assert_true(part.has_mark);
	assert_int_equal(part.mark.len, 7);
	assert_int_equal(part.mark.sum, 42);
	assert_memory_equal(j + part.body_start,
			    "[\n{\"a\":1},\n{\"b\":2},\n{\"c\":3},\n",
			    part.body_end - part.body_start);

	/*
	 * The last write cut by a SIGKILL after its first line: that line
	 * is whole, but the write is not, so neither its message nor its
	 * mark counts (the input still holds its bytes).
	 */
	memcpy(j, cut, whole + 1);
	add_write(j, sizeof(j), 99, 5, "{\"d\":4},\n{\"e\":5},\n");
	assert_int_equal(spool_part_parse(j, strlen(j) - 8, &part), 0);
	assert_int_equal(part.count, 3);
	assert_int_equal(part.mark.len, 7);
	/* Cut inside its mark line: the same. */
	memcpy(j, cut, whole + 1);
	add_write(j, sizeof(j), 99, 5, "{\"d\":4},\n");
	assert_int_equal(spool_part_parse(j, whole + 10, &part), 0);
	assert_int_equal(part.count, 3);
	assert_int_equal(part.mark.sum, 42);
	/* A damaged mark ends the journal there. */
	memcpy(j, cut, whole + 1);
	snprintf(j + strlen(j), sizeof(j) - strlen(j), "%s",
		 "#in 12 zz 99\n{\"d\":4},\n");
	assert_int_equal(spool_part_parse(j, strlen(j), &part), 0);
	assert_int_equal(part.count, 3);
}

static void test_input_sum(void **state)
{
	(void)state;
	assert_int_equal(spool_input_sum("abc", 3), spool_input_sum("abc", 3));
	assert_int_not_equal(spool_input_sum("abc", 3),
			     spool_input_sum("abd", 3));
	assert_int_not_equal(spool_input_sum("abc", 3),
			     spool_input_sum("abc", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_rejects),
		cmocka_unit_test(test_part),
		cmocka_unit_test(test_part_marks),
		cmocka_unit_test(test_input_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
