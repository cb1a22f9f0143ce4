/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Policy loading, Datadog's way (pkg/security/secl/rules: policy.go,
 * policy_dir.go, ruleset.go): files are parsed one by one into rule and
 * macro definitions, filtered by agent_version and host filters, then
 * merged by id across files, then compiled into one SECL ruleset. Every
 * definition keeps a status, because what did not load matters as much
 * as what did: it goes into ruleset_loaded and `cws-filter -n`.
 *
 * Policies are input like any other: a file is capped in size, YAML is
 * first scanned with the event parser to refuse deep nesting before a
 * tree is built, and the tree walk has a node budget so that aliases
 * cannot blow up (ydoc.h). Anything wrong inside one rule fails that rule
 * only.
 *
 * The module's files: this one (arena, definitions, adding files),
 * policy_filter.c (agent_version, host filters), policy_yaml.c (a file's
 * YAML into definitions), policy_compile.c (merging, compiling, what
 * cws-filter asks at match time); policy_priv.h is what they share.
 *
 * All strings and small arrays live in one arena freed with the policy;
 * the definition arrays grow with realloc until cws_policy_compile, after
 * which nothing moves (the SECL rules point back at their definitions).
 */
#include "compat.h"
#include "policy_priv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CHUNK_SIZE (64u * 1024)

/*
 * Arena.
 */

void *palloc(struct cws_policy_priv *pv, size_t n)
{
	struct chunk *c = pv->chunks;
	size_t at;

	n = (n + 15) & ~(size_t)15;
	if (!n)
		n = 16;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + cap);
		if (!c) {
			pv->nomem = true;
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		/* A big block gets its own chunk, behind the current one. */
		if (n > CHUNK_SIZE && pv->chunks) {
			c->next = pv->chunks->next;
			pv->chunks->next = c;
		} else {
			c->next = pv->chunks;
			pv->chunks = c;
		}
	}
	at = c->used;
	c->used += n;
	return memset((char *)c->data + at, 0, n);
}

char *pstrndup(struct cws_policy_priv *pv, const char *s, size_t n)
{
	char *d;

	if (!s)
		return NULL;
	d = palloc(pv, n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *pstrdup(struct cws_policy_priv *pv, const char *s)
{
	return s ? pstrndup(pv, s, strlen(s)) : NULL;
}

CWS_PRINTF(2, 3)
char *pprintf(struct cws_policy_priv *pv, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pstrdup(pv, buf);
}

/* Appends s to a NULL-free string list grown in the arena. */
void plist_add(struct cws_policy_priv *pv, const char ***v, size_t *n,
	       const char *s)
{
	const char **nv = palloc(pv, (*n + 1) * sizeof(*nv));

	if (!nv)
		return;
	if (*n)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[(*n)++] = s;
	*v = nv;
}
/*
 * Statuses.
 */

static const char *const status_names[] = {
	[CWS_POLICY_LOADED] = "loaded",
	[CWS_POLICY_DISABLED] = "disabled",
	[CWS_POLICY_AGENT_VERSION] = "agent_version_error",
	[CWS_POLICY_AGENT_FILTER] = "agent_filter_error",
	[CWS_POLICY_EVENT_TYPE] = "event_type_disabled",
	[CWS_POLICY_SYNTAX] = "syntax_error",
	[CWS_POLICY_ERROR] = "error",
};

const char *cws_policy_status_name(enum cws_policy_status s)
{
	if ((unsigned)s >= CWS_ARRAY_SIZE(status_names))
		return "error";
	return status_names[s];
}

enum cws_policy_class cws_policy_status_class(enum cws_policy_status s)
{
	switch (s) {
	case CWS_POLICY_LOADED:
		return CWS_POLICY_CLASS_LOADED;
	case CWS_POLICY_DISABLED:
	case CWS_POLICY_AGENT_VERSION:
	case CWS_POLICY_AGENT_FILTER:
		return CWS_POLICY_CLASS_FILTERED;
	default:
		return CWS_POLICY_CLASS_FAILED;
	}
}

const char *cws_policy_class_name(enum cws_policy_class c)
{
	switch (c) {
	case CWS_POLICY_CLASS_LOADED:
		return "loaded";
	case CWS_POLICY_CLASS_FILTERED:
		return "filtered";
	default:
		return "failed";
	}
}
/*
 * Definitions: growing the arrays until compile time.
 */

struct cws_policy_rule *cws_policy_new_rule(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_rule *r;

	if (p->nrules == pv->cap_rules) {
		size_t nc = pv->cap_rules ? pv->cap_rules * 2 : 64;

		if (p->nrules >= CWS_SECL_MAX_RULES) {
			errno = E2BIG;
			return NULL;
		}
		r = realloc(p->rules, nc * sizeof(*r));
		if (!r) {
			pv->nomem = true;
			return NULL;
		}
		p->rules = r;
		pv->cap_rules = nc;
	}
	r = &p->rules[p->nrules++];
	memset(r, 0, sizeof(*r));
	r->err_pos = -1;
	return r;
}

struct cws_policy_macro *cws_policy_new_macro(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_macro *m;

	if (p->nmacros == pv->cap_macros) {
		size_t nc = pv->cap_macros ? pv->cap_macros * 2 : 32;

		if (p->nmacros >= CWS_SECL_MAX_MACROS) {
			errno = E2BIG;
			return NULL;
		}
		m = realloc(p->macros, nc * sizeof(*m));
		if (!m) {
			pv->nomem = true;
			return NULL;
		}
		p->macros = m;
		pv->cap_macros = nc;
	}
	m = &p->macros[p->nmacros++];
	memset(m, 0, sizeof(*m));
	m->err_pos = -1;
	return m;
}

/* Files never move: the array is sized for the cap at creation. */
static struct cws_policy_file *new_file(struct cws_policy *p, const char *name,
					const char *path, const char *source)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_file *f;

	if (p->nfiles >= CWS_POLICY_MAX_FILES + 1)
		return NULL;
	f = &p->files[p->nfiles++];
	memset(f, 0, sizeof(*f));
	f->name = pstrdup(pv, name);
	f->path = pstrdup(pv, path);
	f->source = source;
	return f;
}

/* Reads at most CWS_POLICY_MAX_FILE bytes of path into a new buffer. */
static int read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out_close;
	}
	if (st.st_size > (off_t)CWS_POLICY_MAX_FILE) {
		err = -EFBIG;
		goto out_close;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			/* The file grew while being read. */
			if (cap > CWS_POLICY_MAX_FILE) {
				err = -EFBIG;
				goto out_free;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto out_free;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > CWS_POLICY_MAX_FILE) {
		err = -EFBIG;
		goto out_free;
	}
	*out = buf;
	*len = n;
	close(fd);
	return 0;

out_free:
	free(buf);
out_close:
	close(fd);
	return err;
}

/*
 * Adding.
 */

static void default_host(struct cws_policy_priv *pv)
{
	if (pv->opts.host) {
		pv->host = *pv->opts.host;
		if (!pv->host.os)
			pv->host.os = "linux";
	} else {
		cws_policy_read_host(pv);
	}
}

struct cws_policy *cws_policy_new(const struct cws_policy_opts *opts)
{
	struct cws_policy *p = calloc(1, sizeof(*p));
	struct cws_policy_priv *pv = calloc(1, sizeof(*pv));

	if (!p || !pv)
		goto out_free;
	p->priv = pv;
	if (opts)
		pv->opts = *opts;
	pv->cli_file = SIZE_MAX;
	pv->agent_version = pstrdup(pv, pv->opts.agent_version ?
						pv->opts.agent_version :
						CWS_POLICY_AGENT);
	p->files = calloc(CWS_POLICY_MAX_FILES + 1, sizeof(*p->files));
	if (!p->files || !pv->agent_version)
		goto out_free;
	default_host(pv);
	if (pv->nomem)
		goto out_free;
	return p;

out_free:
	cws_policy_free(p);
	if (!p)
		free(pv);
	errno = ENOMEM;
	return NULL;
}

void cws_policy_free(struct cws_policy *p)
{
	struct cws_policy_priv *pv;
	struct chunk *c, *next;

	if (!p)
		return;
	pv = p->priv;
	cws_secl_ruleset_free(p->rs);
	free(p->rules);
	free(p->macros);
	free(p->files);
	if (pv) {
		for (c = pv->chunks; c; c = next) {
			next = c->next;
			free(c);
		}
		free(pv);
	}
	free(p);
}

int cws_policy_add_buffer(struct cws_policy *p, const char *name,
			  const char *data, size_t len)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_file *f;

	if (pv->compiled)
		return -EBUSY;
	f = new_file(p, name, NULL, "file");
	if (!f)
		return -E2BIG;
	if (len > CWS_POLICY_MAX_FILE)
		f->error = pprintf(pv, "larger than %u bytes",
				   CWS_POLICY_MAX_FILE);
	else
		cws_policy_parse(p, f, data, len);
	return pv->nomem ? -ENOMEM : 0;
}

int cws_policy_add_file(struct cws_policy *p, const char *path)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_file *f;
	const char *base = strrchr(path, '/');
	char *data = NULL;
	size_t len = 0;
	int err;

	if (pv->compiled)
		return -EBUSY;
	f = new_file(p, base ? base + 1 : path, path, "file");
	if (!f)
		return -E2BIG;
	err = read_file(path, &data, &len);
	if (err == -EFBIG)
		f->error = pprintf(pv, "larger than %u bytes",
				   CWS_POLICY_MAX_FILE);
	else if (err == -EISDIR || err == -EINVAL)
		f->error = "not a regular file";
	else if (err)
		f->error = pprintf(pv, "cannot read '%s': %s", path,
				   strerror(-err));
	else
		cws_policy_parse(p, f, data, len);
	free(data);
	return pv->nomem ? -ENOMEM : 0;
}

/* default.policy first, then byte order (Datadog's policy_dir.go). */
static int cmp_policy_names(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool dx = !strcmp(x, "default.policy"),
	     dy = !strcmp(y, "default.policy");

	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x, y);
}

int cws_policy_add_dir(struct cws_policy *p, const char *dir)
{
	struct cws_policy_priv *pv = p->priv;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, i;
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (pv->compiled)
		return -EBUSY;
	d = opendir(dir);
	if (!d)
		return -errno;
	names = calloc(CWS_POLICY_MAX_FILES, sizeof(*names));
	if (!names) {
		err = -ENOMEM;
		goto out_close;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= 7 ||
		    strcmp(de->d_name + len - 7, ".policy"))
			continue;
		if (n == CWS_POLICY_MAX_FILES) {
			err = -E2BIG;
			goto out_free;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto out_free;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_policy_names);
	for (i = 0; i < n && !err; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path)) {
			struct cws_policy_file *f =
				new_file(p, names[i], NULL, "file");

			if (f)
				f->error = "path too long";
			continue;
		}
		err = cws_policy_add_file(p, path);
	}
	if (!err)
		err = (int)n;
out_free:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
out_close:
	closedir(d);
	return err;
}

int cws_policy_add_expr(struct cws_policy *p, const char *expr)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_rule *r;
	struct cws_policy_file *f;

	if (pv->compiled)
		return -EBUSY;
	if (pv->nexprs >= CWS_POLICY_MAX_EXPRS)
		return -E2BIG;
	if (pv->cli_file == SIZE_MAX) {
		f = new_file(p, "cli", NULL, "cli");
		if (!f)
			return -E2BIG;
		pv->cli_file = (size_t)(f - p->files);
	}
	r = cws_policy_new_rule(p);
	if (!r)
		return pv->nomem ? -ENOMEM : -E2BIG;
	r->file = &p->files[pv->cli_file];
	r->id = pprintf(pv, "cli_%u", ++pv->nexprs);
	r->expression = pstrdup(pv, expr);
	return pv->nomem ? -ENOMEM : 0;
}
