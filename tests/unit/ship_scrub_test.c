/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for cws-ship's command-line scrubber (cmd/cws-ship/scrub.c),
 * against what Datadog's regular expressions do to the same lines.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../cmd/cws-ship/scrub.c"

/* Scrubs a space-separated command line; "=" when nothing changed. */
static void check(struct scrubber *s, const char *in, const char *want)
{
	char buf[512], *argv[32], *save = NULL, *tok;
	uint32_t n = 0;
	const char *got;

	snprintf(buf, sizeof(buf), "%s", in);
	for (tok = strtok_r(buf, " ", &save); tok && n < 32;
	     tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	got = scrub_cmdline(s, (const char *const *)argv, n);
	if (!strcmp(want, "="))
		assert_null(got);
	else
		assert_string_equal(got ? got : "(unchanged)", want);
}

static void test_default_words(void **state)
{
	struct scrubber s;

	(void)state;
	assert_int_equal(scrub_init(&s, NULL, 0), 0);
	check(&s, "mysql -u root --password=hunter2",
	      "mysql -u root --password=********");
	check(&s, "mysql -u root --password hunter2 -h db",
	      "mysql -u root --password ******** -h db");
	check(&s, "app -password:x", "app -password:********");
	check(&s, "app --db-password=x --other=y",
	      "app --db-password=******** --other=y");
	check(&s, "app --API_KEY=abc", "app --API_KEY=********");
	check(&s, "app --apikey abc", "app --apikey ********");
	check(&s, "app --my_secret_file=/etc/x",
	      "app --my_secret_file=********");
	check(&s, "app --stripetoken=1", "app --stripetoken=********");
	check(&s, "app --xstripetoken=1", "=");
	check(&s, "curl -H access_token=1 https://x",
	      "curl -H access_token=******** https://x");
	/* A key with no delimiter after it, or at the very start: kept. */
	check(&s, "app --password", "=");
	check(&s, "--password=x", "=");
	check(&s, "ls -la /tmp", "=");
	/* Quoted values go whole (the line is split on spaces after). */
	check(&s, "app --password=\"a b\" --x", "app --password=******** --x");
	check(&s, "app --password='a' --x", "app --password=******** --x");
	/* A '/' or '$' ends a middle '*': not a key. */
	check(&s, "app /opt/password=x", "=");
	scrub_release(&s);
}

static void test_custom_words(void **state)
{
	static const char *const words[] = { "token", "bad-word", "**x", "*",
					     "pin*" };
	struct scrubber s;

	(void)state;
	assert_int_equal(scrub_init(&s, words, CWS_ARRAY_SIZE(words)), 0);
	/* bad-word, **x and * are refused: 10 defaults, token and pin*. */
	assert_int_equal(s.n, 12);
	check(&s, "app --token abc", "app --token ********");
	check(&s, "app --mytoken abc", "=");
	check(&s, "app -PINCODE=1234 -v", "app -PINCODE=******** -v");
	scrub_release(&s);
}

static void test_many_matches(void **state)
{
	struct scrubber s;

	(void)state;
	assert_int_equal(scrub_init(&s, NULL, 0), 0);
	check(&s, "a --password=1 --password=2 --secret 3 --apikey:4",
	      "a --password=******** --password=******** --secret ******** "
	      "--apikey:********");
	scrub_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_words),
		cmocka_unit_test(test_custom_words),
		cmocka_unit_test(test_many_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
