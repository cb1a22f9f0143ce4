/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for lib/secl: arbitrary text through the lexer, the
 * parser and the compiler, as a rule, a macro (then used by a rule) or a
 * value expression, against a ruleset that already has macros and
 * variables. Whatever compiles is evaluated on an exec and an open event,
 * and every error is formatted with its caret line, so that a message or
 * a position out of bounds shows up. The first byte picks the mode.
 */
#include "compat.h"
#include "secl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *argv_[] = { "sh", "-c", "id", "--flag=1", "-T", "8" };

static void events(struct cws_event *ex, struct cws_event *op,
		   struct cws_process *anc)
{
	cws_event_clear(ex);
	ex->type = CWS_REC_EVENT;
	ex->evt.type = CWS_EVT_EXEC;
	ex->timestamp = 1700000000000000000ull;
	ex->process.pid = 10;
	ex->process.comm = "sh";
	ex->process.file.path = "/bin/sh";
	ex->process.file.name = "sh";
	ex->process.argv.v = argv_;
	ex->process.argv.n = 6;
	memset(anc, 0, 2 * sizeof(*anc));
	anc[0].pid = 1;
	anc[0].comm = "init";
	anc[0].argv.v = argv_;
	anc[0].argv.n = 2;
	ex->ancestors = anc;
	ex->nancestors = 2;
	*op = *ex;
	op->evt.type = CWS_EVT_OPEN;
	op->obj.file.path = "/etc/passwd";
	op->obj.file.name = "passwd";
	op->obj.flags = 0101;
}

static void report(const struct cws_secl_err *err, const char *text)
{
	char buf[1024];

	if (err->code >= 0 || !err->msg[0])
		abort();
	cws_secl_err_format(err, text, buf, sizeof(buf));
	if (err->pos <= strlen(text) &&
	    cws_secl_err_caret(err, text, buf, sizeof(buf)) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cws_secl_ruleset *rs;
	struct cws_secl_err err;
	struct cws_secl_value out;
	struct cws_event ex, op;
	struct cws_process anc[2];
	const struct cws_secl_rule *r;
	struct cws_secl_expr *e;
	char *text;
	int mode;

	if (size > CWS_SECL_MAX_EXPR + 64)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	mode = size ? data[0] % 4 : 0;
	rs = cws_secl_ruleset_new();
	if (!rs)
		abort();
	events(&ex, &op, anc);
	memset(&err, 0, sizeof(err));
	if (cws_secl_macro_add(rs, "LIST", "[\"a\", ~\"b*\", r\"c+\"]", &err) ||
	    cws_secl_macro_add(rs, "FLAGS", "O_CREAT|O_TRUNC", &err) ||
	    cws_secl_var_declare(rs, "v", CWS_SECL_SCOPE_PROCESS, CWS_SECL_STR,
				 NULL, &err) < 0 ||
	    cws_secl_var_declare(rs, "g", CWS_SECL_SCOPE_GLOBAL,
				 CWS_SECL_INT_ARRAY, NULL, &err) < 0)
		abort();
	memset(&err, 0, sizeof(err));
	switch (mode) {
	case 0:
	case 1:
		r = cws_secl_rule_add(rs, "fuzz", text + (size ? 1 : 0), NULL,
				      &err);
		if (!r) {
			report(&err, text + (size ? 1 : 0));
			break;
		}
		cws_secl_rule_eval(rs, r, &ex);
		cws_secl_rule_eval(rs, r, &op);
		cws_secl_ruleset_eval(rs, &ex, NULL, NULL);
		cws_secl_ruleset_eval(rs, &op, NULL, NULL);
		/* What cws-probe derives from the same rule (kernel filters). */
		{
			struct cws_secl_approvers a;

			if (!cws_secl_rule_approvers(r, &a))
				cws_secl_approvers_release(&a);
			if (!cws_secl_ruleset_approvers(
				    rs, cws_secl_rule_event_type(r), &a))
				cws_secl_approvers_release(&a);
		}
		cws_secl_ruleset_discards(rs, &op, CWS_SECL_DISCARD_FILE, NULL);
		cws_secl_ruleset_discards(rs, &op, CWS_SECL_DISCARD_DIR,
					  "/etc");
		cws_secl_ruleset_discards(rs, &op, CWS_SECL_DISCARD_DIR, "/");
		break;
	case 2:
		if (cws_secl_macro_add(rs, "M", text + 1, &err) < 0) {
			report(&err, text + 1);
			break;
		}
		r = cws_secl_rule_add(rs, "m1", "M && exec.comm != \"\"", NULL,
				      &err);
		if (r)
			cws_secl_rule_eval(rs, r, &ex);
		r = cws_secl_rule_add(rs, "m2", "exec.comm in M", NULL, &err);
		if (r)
			cws_secl_rule_eval(rs, r, &ex);
		r = cws_secl_rule_add(rs, "m3", "open.flags & M > 0", NULL,
				      &err);
		if (r)
			cws_secl_rule_eval(rs, r, &op);
		break;
	case 3:
		e = cws_secl_expr_compile(rs, text + 1, CWS_EVT_EXEC, &err);
		if (!e) {
			report(&err, text + 1);
			break;
		}
		cws_secl_expr_eval(rs, e, &ex, &out);
		break;
	}
	cws_secl_ruleset_free(rs);
	free(text);
	return 0;
}
