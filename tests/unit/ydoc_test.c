/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the shared YAML walker (lib/ydoc.c): where errors are
 * reported (syntax, bad bytes, depth), the node budget against alias
 * bombs, and the scalar accessors' YAML 1.1 meanings.
 */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ydoc.h"

static int load(struct cws_ydoc *d, const char *text, int depth,
		unsigned long nodes, struct cws_ydoc_err *err)
{
	return cws_ydoc_load(d, text, strlen(text), depth, nodes, err);
}

static void test_syntax_error_position(void **state)
{
	struct cws_ydoc d;
	struct cws_ydoc_err err;

	(void)state;
	assert_int_equal(load(&d, "a: 1\nb: [1, 2\n", 8, 100, &err), -EINVAL);
	assert_int_equal(err.kind, CWS_YDOC_SYNTAX);
	assert_int_equal(err.line, 3);
	assert_non_null(err.context);
	assert_int_equal(err.context_line, 2);
	cws_ydoc_release(&d);
	assert_int_equal(load(&d, "a: b: c\n", 8, 100, &err), -EINVAL);
	assert_string_equal(err.problem,
			    "mapping values are not allowed in this context");
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 5);
	cws_ydoc_release(&d);
}

static void test_reader_error_offset(void **state)
{
	struct cws_ydoc d;
	struct cws_ydoc_err err;

	(void)state;
	/* A bad UTF-8 byte on line 2, after "x: " (column 4). */
	assert_int_equal(load(&d, "a: 1\nx: \xff\n", 8, 100, &err), -EINVAL);
	assert_int_equal(err.kind, CWS_YDOC_READER);
	assert_int_equal(err.offset, 8);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 4);
	cws_ydoc_release(&d);
}

static void test_depth(void **state)
{
	struct cws_ydoc d;
	struct cws_ydoc_err err;

	(void)state;
	assert_int_equal(load(&d, "a: {b: {c: 1}}\n", 3, 100, &err), 0);
	cws_ydoc_release(&d);
	assert_int_equal(load(&d, "a:\n  b: {c: [1]}\n", 3, 100, &err),
			 -EINVAL);
	assert_int_equal(err.kind, CWS_YDOC_DEPTH);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 10);
	cws_ydoc_release(&d);
}

static void test_budget(void **state)
{
	/* Each level doubles the nodes an unbounded walk would visit. */
	static const char bomb[] = "a: &a [x, x]\n"
				   "b: &b [*a, *a]\n"
				   "c: &c [*b, *b]\n"
				   "d: &d [*c, *c]\n";
	struct cws_ydoc d;
	struct cws_ydoc_err err;
	yaml_node_t *root, *n;
	yaml_node_pair_t *pr;
	unsigned long seen = 0;

	(void)state;
	assert_int_equal(load(&d, bomb, 8, 10, &err), 0);
	root = cws_ydoc_root(&d);
	for (pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		n = cws_ydoc_node(&d, pr->value);
		if (!n)
			break;
		seen++;
	}
	assert_int_equal(seen, 4);
	assert_false(d.overflow);
	while (cws_ydoc_node(&d, 1))
		seen++;
	assert_int_equal(seen, 10);
	assert_true(d.overflow);
	cws_ydoc_release(&d);
}

static void test_scalars(void **state)
{
	struct cws_ydoc d;
	struct cws_ydoc_err err;
	yaml_node_t *root;
	bool b = false;

	(void)state;
	assert_int_equal(
		load(&d,
		     "t: yes\nf: Off\nq: \"yes\"\nn: ~\nN: NULL\n"
		     "e:\nnq: \"null\"\nx: nUlL\nl: [1]\nz: \"a\\0b\"\n",
		     8, 10000, &err),
		0);
	root = cws_ydoc_root(&d);
	assert_int_equal(cws_ydoc_bool(cws_ydoc_get(&d, root, "t"), &b), 0);
	assert_true(b);
	assert_int_equal(cws_ydoc_bool(cws_ydoc_get(&d, root, "f"), &b), 0);
	assert_false(b);
	/* Quoting keeps the text: it is still a YAML 1.1 bool to Datadog. */
	assert_int_equal(cws_ydoc_bool(cws_ydoc_get(&d, root, "q"), &b), 0);
	assert_false(cws_ydoc_plain(cws_ydoc_get(&d, root, "q")));
	assert_true(cws_ydoc_null(cws_ydoc_get(&d, root, "n")));
	assert_true(cws_ydoc_null(cws_ydoc_get(&d, root, "N")));
	assert_true(cws_ydoc_null(cws_ydoc_get(&d, root, "e")));
	assert_false(cws_ydoc_null(cws_ydoc_get(&d, root, "nq")));
	assert_false(cws_ydoc_null(cws_ydoc_get(&d, root, "x")));
	assert_null(cws_ydoc_scalar(cws_ydoc_get(&d, root, "l")));
	assert_int_equal(cws_ydoc_bool(cws_ydoc_get(&d, root, "l"), &b),
			 -EINVAL);
	/* A NUL byte inside: no C string to give. */
	assert_true(cws_ydoc_has_nul(cws_ydoc_get(&d, root, "z")));
	assert_null(cws_ydoc_scalar(cws_ydoc_get(&d, root, "z")));
	assert_null(cws_ydoc_get(&d, root, "missing"));
	assert_null(cws_ydoc_get(&d, cws_ydoc_get(&d, root, "t"), "t"));
	assert_int_equal(cws_ydoc_line(cws_ydoc_get(&d, root, "f")), 2);
	assert_int_equal(cws_ydoc_col(cws_ydoc_get(&d, root, "f")), 4);
	cws_ydoc_release(&d);
}

static void test_empty(void **state)
{
	struct cws_ydoc d;
	struct cws_ydoc_err err;

	(void)state;
	assert_int_equal(load(&d, "", 8, 100, &err), 0);
	assert_null(cws_ydoc_root(&d));
	cws_ydoc_release(&d);
	cws_ydoc_release(&d); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_reader_error_offset),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
