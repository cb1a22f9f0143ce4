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
	const char *p = "CWSPART1 7\n[\n{\"a\":1},\n{\"b\":2},\n{\"c\":";
	size_t start, end;
	uint64_t seq;
	uint32_t count;

	(void)state;
	assert_int_equal(
		spool_part_parse(p, strlen(p), &seq, &count, &start, &end), 0);
	assert_int_equal(seq, 7);
	assert_int_equal(count, 2);
	assert_int_equal(start, 11);
	assert_memory_equal(p + start, "[\n{\"a\":1},\n{\"b\":2},\n",
			    end - start);
	/* Only the header: an empty batch. */
	assert_int_equal(spool_part_parse("CWSPART1 3\n[\n", 13, &seq, &count,
					  &start, &end),
			 0);
	assert_int_equal(count, 0);
	assert_int_equal(spool_part_parse("CWSPART1 x\n[\n", 13, &seq, &count,
					  &start, &end),
			 -EINVAL);
	assert_int_equal(spool_part_parse("junk", 4, &seq, &count, &start,
					  &end),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_rejects),
		cmocka_unit_test(test_part),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
