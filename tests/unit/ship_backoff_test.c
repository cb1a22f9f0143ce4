/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for cws-ship's retry policy (cmd/cws-ship/backoff.c):
 * Datadog's jittered exponential backoff, the error count and its
 * recovery, what each HTTP answer means, Retry-After.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../cmd/cws-ship/backoff.c"

static void test_delays_default(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 1, 2, 120, 2, false);
	assert_int_equal(b.max_errors, 7); /* floor(log2(120)) + 1 */
	assert_int_equal(backoff_delay_ms(&b, 0, 0.5), 0);
	/* n errors: [base*2^n/2, base*2^n] until that passes max. */
	assert_int_equal(backoff_delay_ms(&b, 1, 0), 1000);
	assert_int_equal(backoff_delay_ms(&b, 1, 0.999999), 1999);
	assert_int_equal(backoff_delay_ms(&b, 2, 0), 2000);
	assert_int_equal(backoff_delay_ms(&b, 2, 0.5), 3000);
	assert_int_equal(backoff_delay_ms(&b, 6, 0), 32000);
	assert_int_equal(backoff_delay_ms(&b, 6, 0.5), 48000);
	/* 2^7 = 128 > 120: exactly max. */
	assert_int_equal(backoff_delay_ms(&b, 7, 0), 120000);
	assert_int_equal(backoff_delay_ms(&b, 7, 0.9), 120000);
}

static void test_error_count(void **state)
{
	struct backoff b;
	int i;

	(void)state;
	backoff_init(&b, 1, 2, 120, 2, false);
	for (i = 0; i < 20; i++)
		backoff_error(&b);
	assert_int_equal(b.errors, 7);
	backoff_success(&b);
	assert_int_equal(b.errors, 5);
	backoff_success(&b);
	backoff_success(&b);
	backoff_success(&b);
	assert_int_equal(b.errors, 0);
	backoff_error(&b);
	backoff_error(&b);
	b.recovery_reset = true;
	backoff_success(&b);
	assert_int_equal(b.errors, 0);
}

static void test_subsecond_and_bad_values(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 0.05, 2, 0.2, 2, false);
	assert_int_equal(backoff_delay_ms(&b, 1, 0), 50);
	assert_int_equal(backoff_delay_ms(&b, 2, 0.999999), 199);
	assert_int_equal(backoff_delay_ms(&b, 3, 0), 200);
	/* Nonsense settings fall back to something sane. */
	backoff_init(&b, 0, 0, -1, -3, false);
	assert_int_equal(b.recovery_interval, 0);
	assert_true(backoff_delay_ms(&b, 1, 0) > 0);
}

static void test_classify(void **state)
{
	static const struct {
		long code;
		enum send_class c;
	} t[] = {
		{ 200, SEND_OK },    { 202, SEND_OK },	  { 301, SEND_OK },
		{ 400, SEND_DROP },  { 401, SEND_DROP },  { 403, SEND_DROP },
		{ 413, SEND_DROP },  { 404, SEND_RETRY }, { 408, SEND_RETRY },
		{ 429, SEND_RETRY }, { 500, SEND_RETRY }, { 503, SEND_RETRY },
		{ 100, SEND_RETRY },
	};
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(t); i++)
		assert_int_equal(send_classify(t[i].code), t[i].c);
}

static void test_retry_after(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	long long now = 784111777;

	(void)state;
	assert_int_equal(send_retry_after_ms(" 1\r\n", now), 1000);
	assert_int_equal(send_retry_after_ms("120", now), 120000);
	assert_int_equal(send_retry_after_ms("999999999", now), 86400000);
	assert_int_equal(send_retry_after_ms("-5", now), -1);
	assert_int_equal(send_retry_after_ms("", now), -1);
	assert_int_equal(send_retry_after_ms("soon", now), -1);
	assert_int_equal(send_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT",
					     now),
			 10000);
	assert_int_equal(
		send_retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", now), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delays_default),
		cmocka_unit_test(test_error_count),
		cmocka_unit_test(test_subsecond_and_bad_values),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_retry_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
