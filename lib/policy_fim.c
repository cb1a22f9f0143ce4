/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The `fim.write.file.*` umbrella (Datadog agent 7.63 and later): a rule
 * whose expression names `fim.write.file.` stands for every file event
 * that changes a file. As Datadog's loader does (expandFim), the text is
 * rewritten before it is parsed, one copy per event type: the prefix is
 * replaced wherever it appears and a guard is appended that keeps only
 * the calls that write (an open for writing, a chmod, a chown that
 * really changes the owner; -1 is "unchanged"). A rename is copied twice,
 * once for the old name and once for the new one.
 *
 * Each copy is a SECL rule of its own, with Datadog's id
 * `__fim_expanded_<type>_<group_id>_<id>`, but all of them carry the
 * policy rule, so a match is reported, rate-limited and acted on under
 * the rule's own id, as Datadog sends rule.Def.ID. The copies load
 * together or not at all. Macros are not rewritten (Datadog expands the
 * rule's text before macros are resolved), so the loader refuses a macro
 * that names `fim.write.file.`.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define FIM_PREFIX "fim.write.file."

static const struct fim_copy {
	const char *name; /* in the copy's id */
	enum cws_event_type type;
	const char *prefix; /* what FIM_PREFIX becomes */
	const char *guard; /* `(text) && guard`, or NULL: the text alone */
} fim_copies[] = {
	{ "open", CWS_EVT_OPEN, "open.file.",
	  "open.flags & (O_CREAT|O_TRUNC|O_APPEND|O_RDWR|O_WRONLY) > 0" },
	/*
	 * The old mode carries the file type bits and the new one does not
	 * (man/cws-event.5), so on a regular file this is true even when
	 * the permissions stay the same, as in Datadog.
	 */
	{ "chmod", CWS_EVT_CHMOD, "chmod.file.",
	  "(chmod.file.destination.mode != chmod.file.mode)" },
	{ "chown", CWS_EVT_CHOWN, "chown.file.",
	  "((chown.file.destination.uid != -1 && "
	  "chown.file.destination.uid != chown.file.uid) || "
	  "(chown.file.destination.gid != -1 && "
	  "chown.file.destination.gid != chown.file.gid))" },
	{ "link", CWS_EVT_LINK, "link.file.", NULL },
	{ "rename", CWS_EVT_RENAME, "rename.file.", NULL },
	{ "rename_destination", CWS_EVT_RENAME, "rename.file.destination.",
	  NULL },
	{ "unlink", CWS_EVT_UNLINK, "unlink.file.", NULL },
	{ "utimes", CWS_EVT_UTIMES, "utimes.file.", NULL },
};

bool cws_policy_fim_uses(const char *expr)
{
	return expr && strstr(expr, FIM_PREFIX);
}

/* expr with every FIM_PREFIX replaced by prefix; NULL on ENOMEM. */
static char *replace_all(const char *expr, const char *prefix)
{
	size_t pl = strlen(FIM_PREFIX), nl = strlen(prefix), n = 0, len;
	const char *at, *s;
	char *out, *o;

	for (at = strstr(expr, FIM_PREFIX); at;
	     at = strstr(at + pl, FIM_PREFIX))
		n++;
	len = strlen(expr) + n * nl + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	for (s = expr, o = out; (at = strstr(s, FIM_PREFIX)); s = at + pl) {
		memcpy(o, s, (size_t)(at - s));
		o += at - s;
		memcpy(o, prefix, nl);
		o += nl;
	}
	memcpy(o, s, strlen(s) + 1);
	return out;
}

/* Copy c of expr, malloc'd; NULL on ENOMEM. */
static char *expand(const struct fim_copy *c, const char *expr)
{
	char *body = replace_all(expr, c->prefix), *out;
	size_t bl, gl;

	if (!body || !c->guard)
		return body;
	bl = strlen(body);
	gl = strlen(c->guard);
	out = malloc(bl + gl + 7);
	if (out) {
		out[0] = '(';
		memcpy(out + 1, body, bl);
		memcpy(out + 1 + bl, ") && ", 5);
		memcpy(out + 6 + bl, c->guard, gl + 1);
	}
	free(body);
	return out;
}

/* Says in err which copy failed, keeping Datadog's text of why. */
static void blame(struct cws_secl_err *err, const struct fim_copy *c)
{
	char msg[sizeof(err->msg)];
	size_t n = strnlen(err->msg, sizeof(err->msg) - 1);

	/* The reason first: the suffix is what gets cut if too long. */
	memcpy(msg, err->msg, n);
	snprintf(msg + n, sizeof(msg) - n,
		 " (in the `%s` rule expanded from `" FIM_PREFIX "*`)",
		 c->name);
	memcpy(err->msg, msg, sizeof(msg));
}

struct cws_secl_rule *cws_policy_fim_add(struct cws_secl_ruleset *rs,
					 struct cws_policy_rule *r,
					 struct cws_secl_err *err)
{
	struct cws_secl_rule *added[CWS_ARRAY_SIZE(fim_copies)];
	size_t i, n = 0;

	for (i = 0; i < CWS_ARRAY_SIZE(fim_copies); i++) {
		const struct fim_copy *c = &fim_copies[i];
		char *text = expand(c, r->expression), *id = NULL;
		struct cws_secl_rule *sr = NULL;
		int len;

		len = snprintf(NULL, 0, "__fim_expanded_%s_%s_%s", c->name,
			       r->group_id ? r->group_id : "", r->id);
		if (text && len >= 0 && (id = malloc((size_t)len + 1))) {
			snprintf(id, (size_t)len + 1, "__fim_expanded_%s_%s_%s",
				 c->name, r->group_id ? r->group_id : "",
				 r->id);
			sr = cws_secl_rule_add(rs, id, text, r, err);
			if (!sr)
				blame(err, c);
		} else {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			err->kind = CWS_SECL_ERR_NOMEM;
			err->code = -ENOMEM;
		}
		free(id);
		free(text);
		if (sr && cws_secl_rule_event_type(sr) != c->type) {
			/* Only a rule of the copy's type shares its category. */
			snprintf(err->msg, sizeof(err->msg),
				 "the rules expanded from `" FIM_PREFIX
				 "*` must share one event category, `%s` is "
				 "of `%s`",
				 c->name,
				 cws_event_type_name(
					 cws_secl_rule_event_type(sr)));
			err->kind = CWS_SECL_ERR_EVENT_TYPE;
			err->code = -EINVAL;
			cws_secl_rule_drop(rs, sr);
			sr = NULL;
		}
		if (!sr) {
			while (n)
				cws_secl_rule_drop(rs, added[--n]);
			errno = -err->code > 0 ? -err->code : EINVAL;
			return NULL;
		}
		added[n++] = sr;
	}
	return added[0];
}
