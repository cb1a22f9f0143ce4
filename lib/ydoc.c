/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The YAML walker shared by the configuration and the policy loaders (see
 * ydoc.h). It knows YAML, not what either document means: keys, types and
 * messages stay with the readers.
 */
#include "compat.h"
#include "ydoc.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

int cws_ydoc_mark_line(yaml_mark_t m)
{
	return m.line < INT_MAX ? (int)m.line + 1 : INT_MAX;
}

int cws_ydoc_mark_col(yaml_mark_t m)
{
	return m.column < INT_MAX ? (int)m.column + 1 : INT_MAX;
}

int cws_ydoc_line(const yaml_node_t *n)
{
	return cws_ydoc_mark_line(n->start_mark);
}

int cws_ydoc_col(const yaml_node_t *n)
{
	return cws_ydoc_mark_col(n->start_mark);
}

/* libyaml's own error, with a position in the input. */
static int parser_err(const yaml_parser_t *p, const char *data, size_t len,
		      struct cws_ydoc_err *err)
{
	size_t i;

	memset(err, 0, sizeof(*err));
	err->problem = p->problem ? p->problem : "syntax error";
	if (p->error == YAML_MEMORY_ERROR) {
		err->kind = CWS_YDOC_NOMEM;
		err->problem = "out of memory";
		return -ENOMEM;
	}
	err->line = cws_ydoc_mark_line(p->problem_mark);
	err->col = cws_ydoc_mark_col(p->problem_mark);
	if (p->error == YAML_READER_ERROR) {
		/* The reader knows a byte offset, not a mark. */
		err->kind = CWS_YDOC_READER;
		err->offset = p->problem_offset;
		err->line = 1;
		err->col = 1;
		for (i = 0; i < p->problem_offset && i < len; i++) {
			if (data[i] == '\n') {
				err->line++;
				err->col = 1;
			} else if (((unsigned char)data[i] & 0xc0) != 0x80) {
				err->col++;
			}
		}
		return -EINVAL;
	}
	err->kind = CWS_YDOC_SYNTAX;
	if (p->context) {
		err->context = p->context;
		err->context_line = cws_ydoc_mark_line(p->context_mark);
	}
	return -EINVAL;
}

/* First pass: syntax and depth, without building a tree. */
static int prescan(const char *data, size_t len, int max_depth,
		   struct cws_ydoc_err *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p)) {
		memset(err, 0, sizeof(*err));
		err->kind = CWS_YDOC_NOMEM;
		err->problem = "out of memory";
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = parser_err(&p, data, len, err);
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > max_depth) {
				memset(err, 0, sizeof(*err));
				err->kind = CWS_YDOC_DEPTH;
				err->problem = "nested too deep";
				err->line = cws_ydoc_mark_line(ev.start_mark);
				err->col = cws_ydoc_mark_col(ev.start_mark);
				rc = -EINVAL;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_END_EVENT: /* only the first one is read */
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

int cws_ydoc_load(struct cws_ydoc *d, const char *data, size_t len,
		  int max_depth, unsigned long max_nodes,
		  struct cws_ydoc_err *err)
{
	yaml_parser_t p;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = prescan(data, len, max_depth, err);
	if (rc)
		return rc;
	if (!yaml_parser_initialize(&p)) {
		memset(err, 0, sizeof(*err));
		err->kind = CWS_YDOC_NOMEM;
		err->problem = "out of memory";
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	if (!yaml_parser_load(&p, &d->doc)) {
		rc = parser_err(&p, data, len, err);
		yaml_parser_delete(&p);
		return rc;
	}
	yaml_parser_delete(&p);
	d->loaded = true;
	d->budget = max_nodes;
	return 0;
}

void cws_ydoc_release(struct cws_ydoc *d)
{
	if (d && d->loaded) {
		yaml_document_delete(&d->doc);
		d->loaded = false;
	}
}

yaml_node_t *cws_ydoc_root(struct cws_ydoc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

yaml_node_t *cws_ydoc_node(struct cws_ydoc *d, int idx)
{
	if (!d->budget) {
		d->overflow = true;
		return NULL;
	}
	d->budget--;
	return yaml_document_get_node(&d->doc, idx);
}

yaml_node_t *cws_ydoc_get(struct cws_ydoc *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *pr;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		const char *k = cws_ydoc_scalar(cws_ydoc_node(d, pr->key));

		if (k && !strcmp(k, key))
			return cws_ydoc_node(d, pr->value);
	}
	return NULL;
}

bool cws_ydoc_has_nul(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE &&
	       strlen((const char *)n->data.scalar.value) !=
		       n->data.scalar.length;
}

const char *cws_ydoc_scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE || cws_ydoc_has_nul(n))
		return NULL;
	return (const char *)n->data.scalar.value;
}

bool cws_ydoc_plain(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool cws_ydoc_null(const yaml_node_t *n)
{
	const char *s = cws_ydoc_scalar(n);

	return s && cws_ydoc_plain(n) &&
	       (!*s || !strcmp(s, "~") || !strcmp(s, "null") ||
		!strcmp(s, "Null") || !strcmp(s, "NULL"));
}

int cws_ydoc_bool(const yaml_node_t *n, bool *b)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *s = cws_ydoc_scalar(n);
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < CWS_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}
