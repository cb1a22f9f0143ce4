/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for cws-ship's TCP framing (cmd/cws-ship/tcp.c): a spooled
 * batch (gzip, zstd, identity) as Datadog's TCP lines, byte for byte;
 * the priority of each status, the time format, the service and tags
 * fields, messages a frame cannot carry, damaged batches; the
 * reconnection backoff.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* tcp.c's sender needs the rest of cws-ship but run.c and the payload. */
#include "../../cmd/cws-ship/jbuf.c"
#include "../../cmd/cws-ship/spoolfmt.c"
#include "../../cmd/cws-ship/backoff.c"
#include "../../cmd/cws-ship/spool.c"
#include "../../cmd/cws-ship/endpoint.c"
#include "../../cmd/cws-ship/send.c"
#include "../../cmd/cws-ship/tcp.c"

#define KEY "0123456789abcdef0123456789abcdef"

/* Two wrappers as payload.c writes them, in a body as run.c closes it. */
static const char body2[] =
	"[\n"
	"{\"message\":\"{\\\"a\\\":1,\\\"s\\\":\\\"x\\\\ny\\\"}\","
	"\"status\":\"info\",\"timestamp\":1700000000123,"
	"\"hostname\":\"web-1\",\"service\":\"\","
	"\"ddsource\":\"runtime-security-agent\","
	"\"ddtags\":\"rule_id:r1,type:exec\"},\n"
	"{\"message\":\"{}\",\"status\":\"error\",\"timestamp\":1,"
	"\"hostname\":\"h\",\"service\":\"billing\",\"ddsource\":\"\","
	"\"ddtags\":\"\"}\n"
	"]";

/* Their frames. */
static const char line1[] = KEY
	" <46>0 2023-11-14T22:13:20.123000000Z web-1 - - - "
	"[dd ddsource=\"runtime-security-agent\"]"
	"[dd ddtags=\"rule_id:r1,type:exec\"] {\"a\":1,\"s\":\"x\\ny\"}\n";
static const char line2[] = KEY
	" <43>0 1970-01-01T00:00:00.001000000Z h billing - - - {}\n";

/* Frames body[0..n) stored as encoding; the frames in out. */
static int frames_of(const char *encoding, const char *body, size_t n,
		     struct jbuf *out, const char **why)
{
	struct spool_hdr h = { .seq = 1, .count = 2 };
	struct jbuf z;
	int rc;

	snprintf(h.encoding, sizeof(h.encoding), "%s", encoding);
	jb_init(&z, 1 << 20);
	assert_int_equal(ship_compress(encoding, 6, body, n, &z), 0);
	rc = tcp_frames(KEY, &h, z.p, z.len, out, why);
	jb_release(&z);
	return rc;
}

static void check_encoding(const char *encoding)
{
	const char *why = "unset";
	char want[1024];
	struct jbuf out;

	snprintf(want, sizeof(want), "%s%s", line1, line2);
	jb_init(&out, 1 << 20);
	assert_int_equal(frames_of(encoding, body2, strlen(body2), &out, &why),
			 2);
	assert_null(why);
	jb_raw(&out, "", 0); /* a terminating NUL for the comparison */
	assert_string_equal(out.p, want);
	/* The same buffer serves the next batch. */
	assert_int_equal(frames_of(encoding, body2, strlen(body2), &out, &why),
			 2);
	assert_int_equal(out.len, strlen(want));
	jb_release(&out);
}

static void test_identity(void **state)
{
	(void)state;
	check_encoding("identity");
}

static void test_gzip(void **state)
{
	(void)state;
	check_encoding("gzip");
}

static void test_zstd(void **state)
{
	(void)state;
	check_encoding("zstd");
}

/* One wrapper with status st: its frame's priority. */
static void check_pri(const char *st, const char *pri)
{
	char body[256], want[256];
	const char *why;
	struct jbuf out;

	snprintf(body, sizeof(body),
		 "[{\"message\":\"m\",\"status\":\"%s\",\"timestamp\":"
		 "1700000000000,\"hostname\":\"h\",\"service\":\"s\"}]",
		 st);
	snprintf(want, sizeof(want),
		 "k %s0 2023-11-14T22:13:20.000000000Z h s - - - m\n", pri);
	jb_init(&out, 4096);
	{
		struct spool_hdr h = { .count = 1, .encoding = "identity" };

		assert_int_equal(
			tcp_frames("k", &h, body, strlen(body), &out, &why), 1);
	}
	jb_raw(&out, "", 0);
	assert_string_equal(out.p, want);
	jb_release(&out);
}

static void test_severity(void **state)
{
	(void)state;
	check_pri("emergency", "<40>");
	check_pri("alert", "<41>");
	check_pri("critical", "<42>");
	check_pri("error", "<43>");
	check_pri("warn", "<44>");
	check_pri("notice", "<45>");
	check_pri("info", "<46>");
	check_pri("debug", "<47>");
	/* Datadog's table knows "warn" only; the rest is info. */
	check_pri("warning", "<46>");
	check_pri("", "<46>");
	check_pri("INFO", "<46>");
}

/* One identity batch of body: the frames, or the error. */
static int frame_text(const char *body, char *buf, size_t len, const char **why)
{
	struct spool_hdr h = { .count = 1, .encoding = "identity" };
	struct jbuf out;
	int rc;

	jb_init(&out, 4096);
	rc = tcp_frames("k", &h, body, strlen(body), &out, why);
	snprintf(buf, len, "%.*s", (int)out.len, out.p ? out.p : "");
	jb_release(&out);
	return rc;
}

static void test_tags(void **state)
{
	const char *why;
	char buf[512];

	(void)state;
	assert_int_equal(frame_text("[{\"message\":\"m\",\"timestamp\":1,"
				    "\"hostname\":\"h\",\"ddsource\":\"src\"}]",
				    buf, sizeof(buf), &why),
			 1);
	assert_string_equal(buf, "k <46>0 1970-01-01T00:00:00.001000000Z h - "
				 "- - [dd ddsource=\"src\"] m\n");
	assert_int_equal(frame_text("[{\"message\":\"m\",\"timestamp\":1,"
				    "\"hostname\":\"h\",\"ddtags\":\"a:b,c\"}]",
				    buf, sizeof(buf), &why),
			 1);
	assert_string_equal(buf, "k <46>0 1970-01-01T00:00:00.001000000Z h - "
				 "- - [dd ddtags=\"a:b,c\"] m\n");
	/* No timestamp: the time of framing, in the same layout. */
	assert_int_equal(
		frame_text("[{\"message\":\"m\"}]", buf, sizeof(buf), &why), 1);
	assert_int_equal(strlen(buf), strlen("k <46>0 2006-01-02T15:04:05."
					     "000000000Z  - - - - m\n"));
	assert_memory_equal(buf + 37, "Z  - - - - m\n", 13);
	assert_int_equal(buf[18], 'T');
	/* An empty batch has no frames. */
	assert_int_equal(frame_text("[]", buf, sizeof(buf), &why), 0);
	assert_null(why);
}

static void test_newline(void **state)
{
	const char *why;
	char buf[512];

	(void)state;
	/* "a\nb" decoded holds a raw newline: left out, and said. */
	assert_int_equal(frame_text("[{\"message\":\"a\\nb\",\"timestamp\":1},"
				    "{\"message\":\"c\",\"timestamp\":1}]",
				    buf, sizeof(buf), &why),
			 1);
	assert_non_null(why);
	assert_string_equal(buf, "k <46>0 1970-01-01T00:00:00.001000000Z  - "
				 "- - - c\n");
	/* So is one in any other field. */
	assert_int_equal(
		frame_text("[{\"message\":\"c\",\"hostname\":\"a\\nb\"}]", buf,
			   sizeof(buf), &why),
		0);
	assert_non_null(why);
	assert_string_equal(buf, "");
}

static void test_bad(void **state)
{
	struct spool_hdr h = { .count = 1, .encoding = "gzip" };
	const char *why = NULL;
	struct jbuf out;
	char buf[64];

	(void)state;
	assert_int_equal(frame_text("[{\"message\":", buf, sizeof(buf), &why),
			 -EINVAL);
	assert_string_equal(why, "a JSON array of messages");
	assert_int_equal(frame_text("{\"message\":\"m\"}", buf, sizeof(buf),
				    &why),
			 -EINVAL);
	assert_string_equal(why, "a JSON array of messages");
	assert_int_equal(frame_text("[{\"message\":\"m\"},{\"message\":1}]",
				    buf, sizeof(buf), &why),
			 -EINVAL);
	assert_string_equal(why, "a \"message\" string in every wrapper");
	assert_string_equal(buf, "");
	assert_int_equal(frame_text("[\"m\"]", buf, sizeof(buf), &why),
			 -EINVAL);
	/* Not gzip at all. */
	jb_init(&out, 4096);
	assert_int_equal(tcp_frames("k", &h, "[{}]", 4, &out, &why), -EINVAL);
	assert_string_equal(why, "a body in its encoding");
	snprintf(h.encoding, sizeof(h.encoding), "br");
	assert_int_equal(tcp_frames("k", &h, "[{}]", 4, &out, &why), -EINVAL);
	jb_release(&out);
}

static void test_backoff(void **state)
{
	struct backoff bo;

	(void)state;
	/* Datadog's: [2^(n-1), 2^n) s before attempt n, 2^7 at most. */
	backoff_init(&bo, 1, 2, 120, 2, false);
	assert_int_equal(tcp_backoff_ms(&bo, 0, 0.5), 0);
	assert_int_equal(tcp_backoff_ms(&bo, 1, 0), 1000);
	assert_int_equal(tcp_backoff_ms(&bo, 1, 0.5), 1500);
	assert_true(tcp_backoff_ms(&bo, 1, 0.9999999) < 2000);
	assert_int_equal(tcp_backoff_ms(&bo, 3, 0), 4000);
	assert_int_equal(tcp_backoff_ms(&bo, 7, 0), 64000);
	assert_int_equal(tcp_backoff_ms(&bo, 20, 0), 64000);
	assert_true(tcp_backoff_ms(&bo, 20, 0.9999999) < 128000);
	/* Scaled by sender_backoff_base. */
	backoff_init(&bo, 0.05, 2, 0.2, 2, false);
	assert_int_equal(tcp_backoff_ms(&bo, 1, 0), 50);
	assert_int_equal(tcp_backoff_ms(&bo, 2, 0.5), 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_newline),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
