/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws's command line as Datadog's users type it (cmd/cws/args.c): global
 * options after the command, and the `runtime ...` forms.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../cmd/cws/args.c"

/* Rewrites the words of in (space separated) and joins the result. */
static void check(const char *in, const char *want)
{
	char buf[512], got[512] = "", *argv[32], **out, *save, *t;
	int argc = 0, n, i;

	snprintf(buf, sizeof(buf), "%s", in);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	n = front_args(argc, argv, &out);
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i ? " " : "", out[i]);
	assert_null(out[n]);
	assert_string_equal(got, want);
	free(out);
}

static void test_global_options_anywhere(void **state)
{
	(void)state;
	check("cws run -c /etc/cws/cws.yaml", "cws -c /etc/cws/cws.yaml run");
	check("cws -c a.yaml run", "cws -c a.yaml run");
	check("cws run --config=a.yaml -v", "cws --config=a.yaml -v run");
	check("cws status --json -q --no-sandbox",
	      "cws -q --no-sandbox status --json");
	check("cws run -ca.yaml", "cws -ca.yaml run");
	/* A command's own values stay, whatever they look like. */
	check("cws policy eval -e -c -p d", "cws policy eval -e -c -p d");
	check("cws self-test -t 5 -v", "cws -v self-test -t 5");
	check("cws flare 1234 -e a@b.c -c x.yaml",
	      "cws -c x.yaml flare 1234 -e a@b.c");
	/* After "--" nothing moves. */
	check("cws config get -- -v", "cws config get -- -v");
	check("cws", "cws");
}

static void test_datadog_forms(void **state)
{
	(void)state;
	check("cws runtime self-test", "cws self-test");
	check("cws runtime policy check", "cws policy check");
	check("cws runtime policy check --policies-dir /etc/p",
	      "cws policy check -p /etc/p");
	check("cws runtime policy check --policies-dir=/etc/p -c c.yaml",
	      "cws -c c.yaml policy check -p /etc/p");
	check("cws runtime check-policies", "cws policy check");
	check("cws runtime policy reload", "cws policy reload");
	check("cws runtime reload", "cws policy reload");
	check("cws runtime policy eval -e x", "cws policy eval -e x");
	/* Words cws does not know are left for main to refuse. */
	check("cws runtime activity-dump list",
	      "cws runtime activity-dump list");
	check("cws flare 12345", "cws flare 12345");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_options_anywhere),
		cmocka_unit_test(test_datadog_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
