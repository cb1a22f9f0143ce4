/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loading a configuration file: the YAML document (read through the
 * shared walker, ydoc.h) is walked map by map, the path so far is matched
 * against the table of keys, and a leaf that is not in the table becomes
 * a warning. Aliases are followed (they are pointers in libyaml's tree),
 * so the walk counts the nodes it visits and the depth it reaches: a
 * document of nested aliases cannot make it run for ever. YAML merge keys
 * are honoured as Go's yaml packages do.
 */
#include "compat.h"
#include "config.h"
#include "config_priv.h"
#include "ydoc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct loader {
	struct cws_config *cfg;
	struct cws_ydoc *yd;
	const char *name;
	struct cws_config_err *err;
	char path[CWS_CONFIG_MAX_KEY + 1];
	unsigned long budget; /* nodes left to visit */
};

static int node_fail(struct loader *ld, yaml_node_t *node, int rc,
		     const char *fmt, ...) CWS_PRINTF(4, 5);

static int node_fail(struct loader *ld, yaml_node_t *node, int rc,
		     const char *fmt, ...)
{
	char msg[sizeof(ld->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cws_config_fail(ld->err, ld->name,
			       cws_ydoc_mark_line(node->start_mark),
			       cws_ydoc_mark_col(node->start_mark), rc, "%s",
			       msg);
}

static yaml_node_t *node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(&ld->yd->doc, index);
}

static int visit(struct loader *ld, yaml_node_t *node, int depth)
{
	if (!node)
		return cws_config_fail(ld->err, ld->name, 0, 0, -EINVAL,
				       "invalid YAML document");
	if (depth > CWS_CONFIG_MAX_DEPTH)
		return node_fail(ld, node, -EINVAL,
				 "nested deeper than %d levels (alias loop?)",
				 CWS_CONFIG_MAX_DEPTH);
	if (!ld->budget--)
		return node_fail(ld, node, -EINVAL,
				 "more than %d nodes (alias expansion?)",
				 CWS_CONFIG_MAX_NODES);
	return 0;
}

static const char *scalar(yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

static const char *got(yaml_node_t *node, char *buf, size_t len)
{
	if (node->type == YAML_MAPPING_NODE)
		return "a map";
	if (node->type == YAML_SEQUENCE_NODE)
		return "a list";
	return cws_config_quote(scalar(node), buf, len);
}

static int json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	size_t i;
	int rc;

	rc = cws_config_buf_add(b, "\"", 1);
	for (i = 0; i < n && !rc; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = c;
			rc = cws_config_buf_add(b, esc, 2);
		} else if (c < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			rc = cws_config_buf_add(b, esc, 6);
		} else {
			rc = cws_config_buf_add(b, (const char *)&s[i], 1);
		}
	}
	return rc ? rc : cws_config_buf_add(b, "\"", 1);
}

/* JSON's number grammar, so that a plain YAML number stays a number. */
static bool is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (isdigit((unsigned char)*s))
		s += strspn(s, "0123456789");
	else
		return false;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return false;
		s += strspn(s, "0123456789");
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		s += strspn(s, "0123456789");
	}
	return !*s;
}

/* Writes a YAML subtree as JSON, the form env values of "any" keys take. */
static int json_node(struct loader *ld, yaml_node_t *node, struct buf *b,
		     int depth)
{
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;
	yaml_node_t *k;
	bool v;
	int rc;

	rc = visit(ld, node, depth);
	if (rc)
		return rc;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		if (cws_ydoc_null(node))
			return cws_config_buf_puts(b, "null");
		if (cws_ydoc_plain(node) &&
		    !cws_config_parse_bool(scalar(node), &v) &&
		    isalpha((unsigned char)*scalar(node)))
			return cws_config_buf_puts(b, v ? "true" : "false");
		if (cws_ydoc_plain(node) && is_json_number(scalar(node)))
			return cws_config_buf_puts(b, scalar(node));
		return json_string(b, scalar(node), node->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		rc = cws_config_buf_add(b, "[", 1);
		for (item = node->data.sequence.items.start;
		     !rc && item < node->data.sequence.items.top; item++) {
			if (item != node->data.sequence.items.start)
				rc = cws_config_buf_add(b, ",", 1);
			if (!rc)
				rc = json_node(ld, node_at(ld, *item), b,
					       depth + 1);
		}
		return rc ? rc : cws_config_buf_add(b, "]", 1);
	case YAML_MAPPING_NODE:
		rc = cws_config_buf_add(b, "{", 1);
		for (pair = node->data.mapping.pairs.start;
		     !rc && pair < node->data.mapping.pairs.top; pair++) {
			if (pair != node->data.mapping.pairs.start)
				rc = cws_config_buf_add(b, ",", 1);
			k = node_at(ld, pair->key);
			if (!rc)
				rc = visit(ld, k, depth + 1);
			if (!rc && k->type != YAML_SCALAR_NODE)
				return node_fail(ld, k, -EINVAL,
						 "%s: map keys must be scalars",
						 ld->path);
			if (!rc)
				rc = json_string(b, scalar(k),
						 k->data.scalar.length);
			if (!rc)
				rc = cws_config_buf_add(b, ":", 1);
			if (!rc)
				rc = json_node(ld, node_at(ld, pair->value), b,
					       depth + 1);
		}
		return rc ? rc : cws_config_buf_add(b, "}", 1);
	case YAML_NO_NODE:
		break;
	}
	return cws_config_buf_puts(b, "null");
}

static int seq_to_list(struct loader *ld, yaml_node_t *seq, struct value *v,
		       int depth)
{
	char what[80];
	yaml_node_item_t *item;
	yaml_node_t *n;
	int rc;

	for (item = seq->data.sequence.items.start;
	     item < seq->data.sequence.items.top; item++) {
		n = node_at(ld, *item);
		rc = visit(ld, n, depth + 1);
		if (rc)
			return rc;
		if (n->type != YAML_SCALAR_NODE)
			return node_fail(
				ld, n, -EINVAL,
				"%s: expected a list of strings, got %s in the list",
				ld->path, got(n, what, sizeof(what)));
		if (cws_ydoc_has_nul(n))
			return node_fail(ld, n, -EINVAL,
					 "%s: value contains a NUL byte",
					 ld->path);
		if (cws_ydoc_null(n))
			continue;
		rc = cws_config_list_push(v, scalar(n), n->data.scalar.length);
		if (rc)
			return rc;
	}
	return cws_config_list_text(v);
}

/* Sets the key k from the YAML node, reporting a wrong type at the node. */
static int set_from_node(struct loader *ld, size_t idx, yaml_node_t *node,
			 bool via_alias, int depth)
{
	const struct key *k = &cws_config_keys[idx];
	struct value nv = { 0 };
	struct buf b = { 0 };
	const char *what = cws_config_expected(k);
	char gotbuf[80];
	int rc = 0;

	if (node->type == YAML_SCALAR_NODE && cws_ydoc_null(node))
		return 0;
	if (node->type == YAML_SCALAR_NODE && cws_ydoc_has_nul(node))
		return node_fail(ld, node, -EINVAL,
				 "%s: value contains a NUL byte", ld->path);
	if (node->type == YAML_SCALAR_NODE) {
		rc = cws_config_parse_text(k, scalar(node), &nv, &what);
	} else if (k->type == CWS_CONFIG_ANY) {
		rc = json_node(ld, node, &b, depth);
		if (!rc) {
			nv.text = cws_config_buf_take(&b);
			rc = nv.text ? 0 : -ENOMEM;
		}
		cws_config_buf_release(&b);
		if (rc == -EFBIG)
			rc = node_fail(ld, node, rc, "%s: value too large",
				       ld->path);
	} else if (k->type == CWS_CONFIG_LIST &&
		   node->type == YAML_SEQUENCE_NODE) {
		rc = seq_to_list(ld, node, &nv, depth);
	} else {
		rc = -EINVAL;
	}
	if (rc == -EINVAL && !ld->err->msg[0])
		rc = node_fail(ld, node, rc, "%s: expected %s, got %s",
			       ld->path, what,
			       got(node, gotbuf, sizeof(gotbuf)));
	if (rc == -ENOMEM && !ld->err->msg[0])
		rc = node_fail(ld, node, rc, "%s: out of memory", ld->path);
	if (rc) {
		cws_config_value_release(&nv);
		return rc;
	}
	nv.source = CWS_CONFIG_SRC_FILE;
	nv.via_alias = via_alias;
	nv.line = cws_ydoc_mark_line(node->start_mark);
	nv.col = cws_ydoc_mark_col(node->start_mark);
	nv.origin = strdup(ld->name);
	if (!nv.origin) {
		cws_config_value_release(&nv);
		return node_fail(ld, node, -ENOMEM, "out of memory");
	}
	cws_config_commit(ld->cfg, idx, &nv);
	return 0;
}

/*
 * Finds the key for a flattened path, also under the event_monitoring_config
 * spelling for the keys that have it.
 */
static bool lookup_path(const char *path, size_t *idx, bool *via_alias)
{
	char alt[CWS_CONFIG_MAX_KEY + 1];
	size_t n = sizeof(evmon_ns) - 1;

	*via_alias = false;
	if (cws_config_find_def(path, idx))
		return true;
	if (strncmp(path, evmon_ns, n) || path[n] != '.')
		return false;
	snprintf(alt, sizeof(alt), "%s%s", rsc_ns, path + n);
	if (!cws_config_find_def(alt, idx) ||
	    !(cws_config_keys[*idx].flags & CWS_CONFIG_F_EVMON))
		return false;
	*via_alias = true;
	return true;
}

/* True when some key lies under path, i.e. path should be a map. */
static bool is_prefix(const char *path)
{
	size_t i, n = strlen(path), e = sizeof(evmon_ns) - 1;
	bool alias = !strncmp(path, evmon_ns, e) &&
		     (path[e] == '.' || !path[e]);

	for (i = 0; i < cws_config_nkeys; i++) {
		if (!strncmp(cws_config_keys[i].name, path, n) &&
		    cws_config_keys[i].name[n] == '.')
			return true;
		if (alias && (cws_config_keys[i].flags & CWS_CONFIG_F_EVMON) &&
		    !strncmp(cws_config_keys[i].name, rsc_ns, e) &&
		    !strncmp(cws_config_keys[i].name + e, path + e, n - e) &&
		    cws_config_keys[i].name[n] == '.')
			return true;
	}
	return false;
}

static int warn_unknown(struct loader *ld, yaml_node_t *key)
{
	if (cws_config_warn_unknown(ld->cfg, ld->path, ld->name,
				    cws_ydoc_line(key), cws_ydoc_col(key)))
		return node_fail(ld, key, -ENOMEM, "out of memory");
	return 0;
}

static int walk_map(struct loader *ld, yaml_node_t *map, size_t plen,
		    int depth);

/* One "key: value" pair, the path already extended with key. */
static int walk_pair(struct loader *ld, yaml_node_t *key, yaml_node_t *value,
		     size_t plen, int depth)
{
	char gotbuf[80];
	size_t idx;
	bool alias;

	if (lookup_path(ld->path, &idx, &alias))
		return set_from_node(ld, idx, value, alias, depth);
	if (is_prefix(ld->path)) {
		if (value->type == YAML_MAPPING_NODE)
			return walk_map(ld, value, plen, depth);
		if (cws_ydoc_null(value))
			return 0;
		return node_fail(ld, value, -EINVAL,
				 "%s: expected a map, got %s", ld->path,
				 got(value, gotbuf, sizeof(gotbuf)));
	}
	if (value->type == YAML_MAPPING_NODE &&
	    value->data.mapping.pairs.top > value->data.mapping.pairs.start)
		return walk_map(ld, value, plen, depth);
	return warn_unknown(ld, key);
}

static bool is_merge(yaml_node_t *key)
{
	return cws_ydoc_plain(key) && !strcmp(scalar(key), "<<");
}

/* YAML merge keys (<<: *base), as Go's yaml packages honour them. */
static int walk_merge(struct loader *ld, yaml_node_t *value, size_t plen,
		      int depth)
{
	yaml_node_item_t *item;
	yaml_node_t *n;
	int rc;

	if (value->type == YAML_MAPPING_NODE)
		return walk_map(ld, value, plen, depth);
	if (value->type != YAML_SEQUENCE_NODE)
		return node_fail(
			ld, value, -EINVAL,
			"merge key '<<' expects a map or a list of maps");
	/* Earlier maps win: apply them last. */
	for (item = value->data.sequence.items.top;
	     item > value->data.sequence.items.start; item--) {
		n = node_at(ld, item[-1]);
		rc = visit(ld, n, depth + 1);
		if (!rc && n->type != YAML_MAPPING_NODE)
			rc = node_fail(
				ld, n, -EINVAL,
				"merge key '<<' expects a map or a list of maps");
		if (!rc)
			rc = walk_map(ld, n, plen, depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

#define MAX_PAIRS 1024 /* keeps the duplicate check cheap */

static int walk_map(struct loader *ld, yaml_node_t *map, size_t plen, int depth)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	yaml_node_pair_t *top = map->data.mapping.pairs.top, *pair, *prev;
	yaml_node_t *key, *value, *pk;
	char gotbuf[80];
	size_t n, i, j;
	int rc;

	rc = visit(ld, map, depth);
	if (rc)
		return rc;
	if (top - start > MAX_PAIRS)
		return node_fail(ld, map, -EINVAL,
				 "more than %d keys in one map", MAX_PAIRS);
	/* Merged keys first, so that the map's own keys override them. */
	for (pair = start; pair < top; pair++) {
		key = node_at(ld, pair->key);
		value = node_at(ld, pair->value);
		if (!key || !value || !is_merge(key))
			continue;
		rc = visit(ld, value, depth + 1);
		if (!rc)
			rc = walk_merge(ld, value, plen, depth + 1);
		if (rc)
			return rc;
		ld->path[plen] = '\0';
	}
	for (pair = start; pair < top; pair++) {
		key = node_at(ld, pair->key);
		value = node_at(ld, pair->value);
		rc = visit(ld, key, depth + 1);
		if (!rc)
			rc = visit(ld, value, depth + 1);
		if (rc)
			return rc;
		if (is_merge(key))
			continue;
		if (key->type != YAML_SCALAR_NODE)
			return node_fail(ld, key, -EINVAL,
					 "expected a key, got %s",
					 got(key, gotbuf, sizeof(gotbuf)));
		if (cws_ydoc_has_nul(key))
			return node_fail(ld, key, -EINVAL,
					 "key contains a NUL byte");
		for (prev = start; prev < pair; prev++) {
			pk = node_at(ld, prev->key);
			if (pk->type == YAML_SCALAR_NODE &&
			    pk->data.scalar.length == key->data.scalar.length &&
			    !memcmp(scalar(pk), scalar(key),
				    key->data.scalar.length))
				return node_fail(
					ld, key, -EINVAL,
					"duplicate key '%s' (first at line %d)",
					scalar(key),
					cws_ydoc_mark_line(pk->start_mark));
		}
		n = key->data.scalar.length;
		if (plen + 1 + n > CWS_CONFIG_MAX_KEY)
			return node_fail(ld, key, -EINVAL,
					 "key longer than %d bytes",
					 CWS_CONFIG_MAX_KEY);
		i = plen;
		if (plen)
			ld->path[i++] = '.';
		/* Datadog's keys are case-insensitive (viper lowers them). */
		for (j = 0; j < n; j++)
			ld->path[i++] = tolower((unsigned char)scalar(key)[j]);
		ld->path[i] = '\0';
		rc = walk_pair(ld, key, value, i, depth + 1);
		ld->path[plen] = '\0';
		if (rc)
			return rc;
	}
	return 0;
}

int cws_config_load_buffer(struct cws_config *cfg, const char *name,
			   const char *data, size_t len,
			   struct cws_config_err *err)
{
	struct cws_config_err dummy;
	struct loader ld = { .cfg = cfg, .name = name ? name : "<buffer>" };
	struct cws_ydoc yd;
	struct cws_ydoc_err yerr;
	yaml_node_t *root;
	int rc;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	ld.err = err;
	ld.yd = &yd;
	ld.budget = CWS_CONFIG_MAX_NODES;
	if (len > CWS_CONFIG_MAX_FILE)
		return cws_config_fail(ld.err, ld.name, 0, 0, -EFBIG,
				       "'%s' is larger than %d bytes", ld.name,
				       CWS_CONFIG_MAX_FILE);
	rc = cws_ydoc_load(&yd, data, len, CWS_CONFIG_MAX_DEPTH,
			   CWS_CONFIG_MAX_NODES, &yerr);
	if (rc == -ENOMEM)
		rc = cws_config_fail(ld.err, ld.name, 0, 0, rc,
				     "out of memory parsing '%s'", ld.name);
	else if (rc && yerr.kind == CWS_YDOC_DEPTH)
		rc = cws_config_fail(ld.err, ld.name, yerr.line, yerr.col, rc,
				     "nested deeper than %d levels",
				     CWS_CONFIG_MAX_DEPTH);
	else if (rc && yerr.context)
		rc = cws_config_fail(ld.err, ld.name, yerr.line, yerr.col, rc,
				     "invalid YAML: %s (%s at line %d)",
				     yerr.problem, yerr.context,
				     yerr.context_line);
	else if (rc)
		rc = cws_config_fail(ld.err, ld.name, yerr.line, yerr.col, rc,
				     "invalid YAML: %s", yerr.problem);
	if (rc)
		goto out_release;
	root = cws_ydoc_root(&yd);
	if (!root || cws_ydoc_null(root))
		rc = 0;
	else if (root->type == YAML_MAPPING_NODE)
		rc = walk_map(&ld, root, 0, 1);
	else
		rc = node_fail(&ld, root, -EINVAL,
			       "expected a map of keys at the top level");
out_release:
	cws_ydoc_release(&yd);
	return rc;
}

int cws_config_load_file(struct cws_config *cfg, const char *path,
			 unsigned flags, struct cws_config_err *err)
{
	struct cws_config_err dummy;
	size_t len = 0, cap = 0;
	char *data = NULL, *p;
	ssize_t n;
	int fd, rc;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT && (flags & CWS_CONFIG_OPTIONAL))
			return 0;
		return cws_config_fail(err, path, 0, 0, rc,
				       "cannot open config file '%s': %s", path,
				       strerror(-rc));
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > CWS_CONFIG_MAX_FILE + 1)
				cap = CWS_CONFIG_MAX_FILE + 1;
			p = realloc(data, cap);
			if (!p) {
				rc = cws_config_fail(
					err, path, 0, 0, -ENOMEM,
					"out of memory reading '%s'", path);
				goto out_free;
			}
			data = p;
		}
		n = read(fd, data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			cws_config_fail(err, path, 0, 0, rc,
					"cannot read config file '%s': %s",
					path, strerror(-rc));
			goto out_free;
		}
		if (!n)
			break;
		len += n;
		if (len > CWS_CONFIG_MAX_FILE) {
			rc = cws_config_fail(
				err, path, 0, 0, -EFBIG,
				"config file '%s' is larger than %d bytes",
				path, CWS_CONFIG_MAX_FILE);
			goto out_free;
		}
	}
	rc = cws_config_load_buffer(cfg, path, data ? data : "", len, err);
out_free:
	free(data);
	close(fd);
	return rc;
}
