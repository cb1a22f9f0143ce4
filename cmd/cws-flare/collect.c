/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The parts about cws itself. Each collector adds its members and notes
 * what it could not get; none of them stops the flare.
 */
#include "compat.h"
#include "flare.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <bpf/libbpf.h>
#include <curl/curl.h>
#include <jansson.h>
#include <yaml.h>

#include "config.h"
#include "policy.h"
#include "scrub.h"

#define RSC "runtime_security_config."

/* The cws tools whose versions, status files and journals are collected. */
static const char *const stages[] = { "cws-probe", "cws-filter", "cws-ship",
				      "cws" };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The names of the entries of dir accepted by keep, sorted; NULL with
 * errno set when dir cannot be read. Free with free_names.
 */
static char **list_dir(const char *dir, bool (*keep)(const char *), size_t *n)
{
	struct dirent *de;
	char **names = NULL, **p;
	DIR *d;

	*n = 0;
	d = opendir(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d)) != NULL && *n < FLARE_MAX_FILES) {
		if (de->d_name[0] == '.' || !keep(de->d_name))
			continue;
		p = realloc(names, (*n + 2) * sizeof(*names));
		if (!p)
			break;
		names = p;
		names[*n] = strdup(de->d_name);
		if (!names[*n])
			break;
		names[++*n] = NULL;
	}
	closedir(d);
	if (!names) {
		names = calloc(1, sizeof(*names));
		if (!names)
			return NULL;
	}
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static bool any_name(const char *name)
{
	(void)name;
	return true;
}

static bool yaml_name(const char *name)
{
	return !fnmatch("*.yaml", name, 0) || !fnmatch("*.yml", name, 0);
}

static bool json_name(const char *name)
{
	return !fnmatch("*.json", name, 0);
}

static bool is_regular(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

void collect_version(struct flare *f)
{
	char self[PATH_MAX], dir[PATH_MAX], exe[PATH_MAX + 32], why[256];
	struct fbuf b = { 0 };
	char stamp[32];
	struct tm tm;
	time_t t = (time_t)f->now;
	ssize_t n;
	size_t i;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fbuf_printf(&b, "cws-flare %s\ncreated: %s by uid %u\nhost: %s\n",
		    CWS_VERSION, stamp, (unsigned)getuid(), f->host);
	fbuf_printf(&b, "\nbuild:\n  compiler: %s\n  sysconfdir: %s\n",
#ifdef __VERSION__
		    __VERSION__,
#else
		    "unknown",
#endif
		    CWS_SYSCONFDIR);
	fbuf_printf(&b, "  optimized: %s\n  fortify: %s\n  sanitizers: %s\n",
#ifdef __OPTIMIZE__
		    "yes",
#else
		    "no",
#endif
#ifdef _FORTIFY_SOURCE
		    "yes",
#else
		    "no",
#endif
#if defined(__SANITIZE_ADDRESS__)
		    "address"
#else
		    "none"
#endif
	);
	fbuf_printf(&b,
		    "\nlibraries (run time):\n  libbpf: %u.%u\n"
		    "  libarchive: %s\n  libcurl: %s\n  libyaml: %s\n"
		    "  jansson: %s\n",
		    libbpf_major_version(), libbpf_minor_version(),
		    archive_version_details(), curl_version(),
		    yaml_get_version_string(), jansson_version_str());
	/* The stages installed beside this cws-flare, else in PATH. */
	fbuf_printf(&b, "\nstages:\n");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(self));
	for (i = 0; i < CWS_ARRAY_SIZE(stages) - 1; i++) {
		struct fbuf out = { 0 };
		const char *argv[] = { exe, "-V", NULL };
		int rc;

		snprintf(exe, sizeof(exe), "%s/%s", dir, stages[i]);
		if (access(exe, X_OK) &&
		    !run_find(stages[i], exe, sizeof(exe))) {
			fbuf_printf(&b, "  %s: not installed\n", stages[i]);
			continue;
		}
		rc = run_cmd(argv, &out, why, sizeof(why));
		while (out.len && out.p[out.len - 1] == '\n')
			out.p[--out.len] = '\0';
		fbuf_printf(&b, "  %s: %s (%s)\n", stages[i],
			    !rc && out.p ? out.p : why, exe);
		fbuf_release(&out);
	}
	flare_add_buf(f, "version.txt", &b);
	fbuf_release(&b);
}

/* One value of the effective configuration, masked if secret. */
static void put_value(struct flare *f, struct fbuf *b,
		      const struct cws_config_item *it)
{
	char tail[64];

	if (!*it->value) {
		fbuf_printf(b, "\"\"");
	} else if ((it->flags & CWS_CONFIG_F_SECRET) ||
		   cws_scrub_key_is_secret(f->scrub, it->key)) {
		if (strstr(it->key, "api_key") || strstr(it->key, "app_key"))
			fbuf_printf(b, "\"%s\"",
				    cws_scrub_key_tail(it->value, tail,
						       sizeof(tail)));
		else
			fbuf_printf(b, "\"%s\"", CWS_SCRUB_MASK);
	} else {
		fbuf_printf(b, "%s", it->value);
	}
}

void collect_config(struct flare *f)
{
	struct cws_config_item it;
	struct fbuf b = { 0 };
	char dir[PATH_MAX], name[PATH_MAX + 16], path[PATH_MAX * 2];
	char **names;
	size_t pos = 0, i, n;

	fbuf_printf(&b,
		    "# The effective configuration: every key cws knows, "
		    "its value, and where\n# the value came from "
		    "(default, file:line:col, env VARIABLE, runtime).\n"
		    "# Values of secret keys are scrubbed.\n"
		    "# configuration file: %s\n",
		    f->config_path);
	while (cws_config_next(f->cfg, &pos, &it)) {
		fbuf_printf(&b, "%s: ", it.key);
		put_value(f, &b, &it);
		if (it.source == CWS_CONFIG_SRC_FILE)
			fbuf_printf(&b, "  # file %s:%d:%d\n", it.file, it.line,
				    it.col);
		else if (it.source == CWS_CONFIG_SRC_ENV)
			fbuf_printf(&b, "  # env %s\n", it.env);
		else
			fbuf_printf(&b, "  # %s\n",
				    cws_config_source_name(it.source));
	}
	for (i = 0; i < cws_config_warning_count(f->cfg); i++)
		fbuf_printf(&b, "# warning: %s\n",
			    cws_config_warning(f->cfg, i));
	flare_add_buf(f, "config/effective.yaml", &b);
	fbuf_release(&b);

	/* The file in use, and the other YAML files beside it. */
	if (!is_regular(f->config_path)) {
		flare_note(f, "config",
			   "no configuration file at '%s': "
			   "defaults and environment apply",
			   f->config_path);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", f->config_path);
	snprintf(name, sizeof(name), "config/%s", basename(dir));
	flare_add_file(f, name, f->config_path);
	snprintf(name, sizeof(name), "%s", f->config_path);
	snprintf(dir, sizeof(dir), "%s", dirname(name));
	names = list_dir(dir, yaml_name, &n);
	for (i = 0; names && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(name, sizeof(name), "config/%s", names[i]);
		if (!strcmp(path, f->config_path) || !is_regular(path))
			continue;
		flare_add_file(f, name, path);
	}
	free_names(names, n);
}

static bool env_wanted(const char *e)
{
	static const char *const plain[] = {
		"HTTP_PROXY=",	  "HTTPS_PROXY=",  "NO_PROXY=",
		"http_proxy=",	  "https_proxy=",  "no_proxy=",
		"SSL_CERT_FILE=", "SSL_CERT_DIR=", "CWS_CONFIG_DEFAULT=",
	};
	size_t i;

	if (!strncmp(e, "DD_", 3))
		return true;
	for (i = 0; i < CWS_ARRAY_SIZE(plain); i++)
		if (!strncmp(e, plain[i], strlen(plain[i])))
			return true;
	return false;
}

void collect_env(struct flare *f)
{
	struct fbuf b = { 0 };
	const char **vars;
	size_t n = 0, i;

	for (i = 0; environ[i]; i++)
		n++;
	vars = calloc(n + 1, sizeof(*vars));
	if (!vars) {
		flare_fail(f, "envvars.log", "out of memory");
		return;
	}
	for (n = 0, i = 0; environ[i]; i++)
		if (env_wanted(environ[i]))
			vars[n++] = environ[i];
	qsort(vars, n, sizeof(*vars), cmp_str);
	fbuf_printf(&b, "# DD_* and proxy variables of cws-flare's "
			"environment, scrubbed\n");
	for (i = 0; i < n; i++)
		fbuf_printf(&b, "%s\n", vars[i]);
	free(vars);
	flare_add_buf(f, "envvars.log", &b);
	fbuf_release(&b);
}

void collect_status(struct flare *f)
{
	const char *run = cws_config_get_string(f->cfg, "run_path");
	char path[PATH_MAX * 2], name[PATH_MAX + 16];
	char **names;
	size_t n, i;

	names = list_dir(run, json_name, &n);
	if (!names) {
		flare_fail(f, "status", "cannot read run_path '%s': %s", run,
			   strerror(errno));
		return;
	}
	if (!n)
		flare_fail(f, "status",
			   "no status file in run_path '%s': no "
			   "stage has run",
			   run);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", run, names[i]);
		snprintf(name, sizeof(name), "status/%s", names[i]);
		if (is_regular(path))
			flare_add_file(f, name, path);
	}
	free_names(names, n);
}

/* The policy status as cws-filter -n -v would print it. */
static void policy_status(struct flare *f, const char *dir)
{
	struct cws_policy_opts po = {
		.kill_disabled =
			!cws_config_get_bool(f->cfg, RSC "enforcement.enabled"),
	};
	struct cws_policy *p;
	struct fbuf b = { 0 };
	size_t i, j;
	int rc;

	p = cws_policy_new(&po);
	if (!p) {
		flare_fail(f, "policy-status.txt", "out of memory");
		return;
	}
	rc = cws_policy_add_dir(p, dir);
	if (rc < 0) {
		flare_fail(f, "policy-status.txt", "cannot read '%s': %s", dir,
			   strerror(-rc));
		goto out_free;
	}
	rc = cws_policy_compile(p);
	if (rc < 0) {
		flare_fail(f, "policy-status.txt", "cannot compile: %s",
			   strerror(-rc));
		goto out_free;
	}
	fbuf_printf(&b, "policies in %s, as cws %s loads them now\n", dir,
		    CWS_VERSION);
	fbuf_printf(&b,
		    "total: %zu loaded, %zu filtered, %zu failed, %zu "
		    "macros failed\n",
		    p->loaded, p->filtered, p->failed, p->macros_failed);
	for (i = 0; i < p->nfiles; i++) {
		const struct cws_policy_file *pf = &p->files[i];

		fbuf_printf(&b, "\npolicy '%s'", pf->name);
		if (pf->version)
			fbuf_printf(&b, " version %s", pf->version);
		if (pf->error) {
			fbuf_printf(&b, ": skipped: %s\n", pf->error);
			continue;
		}
		fbuf_printf(&b, ": %zu loaded, %zu filtered, %zu failed\n",
			    pf->loaded, pf->filtered, pf->failed);
		for (j = 0; j < p->nmacros; j++) {
			const struct cws_policy_macro *m = &p->macros[j];

			if (m->merged || m->file != pf ||
			    m->status == CWS_POLICY_LOADED)
				continue;
			fbuf_printf(&b, "  macro %s: %s: %s\n", m->id,
				    cws_policy_status_name(m->status),
				    m->message ? m->message : "");
		}
		for (j = 0; j < p->nrules; j++) {
			const struct cws_policy_rule *r = &p->rules[j];

			if (r->merged || r->file != pf ||
			    (r->status == CWS_POLICY_LOADED && !r->message))
				continue;
			fbuf_printf(&b, "  rule %s (line %u): %s%s%s\n", r->id,
				    r->line, cws_policy_status_name(r->status),
				    r->message ? ": " : "",
				    r->message ? r->message : "");
		}
	}
	{
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);

		if (mem) {
			fputc('\n', mem);
			cws_policy_print_kernel_filters(p, mem);
			fclose(mem);
			fbuf_printf(&b, "%s", text ? text : "");
		}
		free(text);
	}
	flare_add_buf(f, "policy-status.txt", &b);
	fbuf_release(&b);
out_free:
	cws_policy_free(p);
}

void collect_policies(struct flare *f)
{
	const char *dir = cws_config_get_string(f->cfg, RSC "policies.dir");
	char path[PATH_MAX * 2], name[PATH_MAX + 32];
	char **names;
	size_t n, i;

	names = list_dir(dir, any_name, &n);
	if (!names) {
		flare_fail(f, "runtime-security.d", "cannot read '%s': %s", dir,
			   strerror(errno));
		flare_fail(f, "policy-status.txt", "no policy directory '%s'",
			   dir);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(name, sizeof(name), "runtime-security.d/%s", names[i]);
		if (is_regular(path))
			flare_add_file(f, name, path);
	}
	if (!n)
		flare_note(f, "runtime-security.d", "'%s' is empty", dir);
	free_names(names, n);
	policy_status(f, dir);
}

static void journal(struct flare *f)
{
	char exe[PATH_MAX], name[64], why[256];
	size_t i;

	if (!run_find("journalctl", exe, sizeof(exe))) {
		flare_fail(f, "logs/journal",
			   "journalctl is not installed: no journal read");
		return;
	}
	for (i = 0; i < CWS_ARRAY_SIZE(stages); i++) {
		const char *argv[] = { exe,	    "--no-pager", "-q",	  "-o",
				       "short-iso", "-n",	  "2000", "-t",
				       stages[i],   NULL };
		struct fbuf out = { 0 };
		int rc;

		snprintf(name, sizeof(name), "logs/journal-%s.log", stages[i]);
		rc = run_cmd(argv, &out, why, sizeof(why));
		if (rc)
			flare_fail(f, name, "journalctl: %s%s%.200s", why,
				   out.len ? ": " : "", out.p ? out.p : "");
		else
			flare_add_buf(f, name, &out);
		fbuf_release(&out);
	}
}

void collect_logs(struct flare *f)
{
	const char *const *pats;
	char name[PATH_MAX + 16], *base, *copy;
	size_t npats, i, j, k, added = 0;
	glob_t g;
	int rc;

	journal(f);
	pats = cws_config_get_list(f->cfg, "flare_log_files", &npats);
	for (i = 0; i < npats; i++) {
		rc = glob(pats[i], GLOB_NOSORT, NULL, &g);
		if (rc == GLOB_NOMATCH) {
			flare_note(f, "logs", "no file matches '%s'", pats[i]);
			continue;
		}
		if (rc) {
			flare_fail(f, "logs", "cannot expand '%s'", pats[i]);
			continue;
		}
		qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
		for (j = 0; j < g.gl_pathc && added < FLARE_MAX_FILES; j++) {
			copy = strdup(g.gl_pathv[j]);
			if (!copy)
				break;
			base = basename(copy);
			snprintf(name, sizeof(name), "logs/%s", base);
			/* Same name from two directories: number the second. */
			for (k = 2; k < 100; k++) {
				size_t m;
				bool dup = false;

				for (m = 0; m < f->nmembers && !dup; m++)
					dup = !strcmp(f->members[m].name, name);
				if (!dup)
					break;
				snprintf(name, sizeof(name), "logs/%zu-%s", k,
					 base);
			}
			flare_add_file(f, name, g.gl_pathv[j]);
			added++;
			free(copy);
		}
		globfree(&g);
	}
}

void collect_spool(struct flare *f)
{
	const char *dir = cws_config_get_string(f->cfg, "spool_dir");
	char path[PATH_MAX * 2], sub[PATH_MAX * 3];
	unsigned long long bytes = 0, files = 0, batches = 0;
	long long oldest = 0;
	struct fbuf b = { 0 };
	char **names, **inner;
	struct stat st;
	size_t n, m, i, j;

	names = list_dir(dir, any_name, &n);
	if (!names) {
		flare_fail(f, "spool.txt", "cannot read spool_dir '%s': %s",
			   dir, strerror(errno));
		return;
	}
	/* Batches are hard-linked once per endpoint: count each inode once. */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lstat(path, &st))
			continue;
		if (S_ISREG(st.st_mode)) {
			files++;
			bytes += (unsigned long long)st.st_size;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		inner = list_dir(path, any_name, &m);
		for (j = 0; inner && j < m; j++) {
			snprintf(sub, sizeof(sub), "%s/%s", path, inner[j]);
			if (lstat(sub, &st) || !S_ISREG(st.st_mode))
				continue;
			files++;
			if (fnmatch("*.batch", inner[j], 0))
				continue;
			batches++;
			if (!oldest || st.st_mtime < oldest)
				oldest = st.st_mtime;
			if (st.st_nlink <= 1 ||
			    (unsigned long long)st.st_size == 0)
				bytes += (unsigned long long)st.st_size;
			else
				bytes += (unsigned long long)st.st_size /
					 st.st_nlink;
		}
		free_names(inner, m);
	}
	free_names(names, n);
	fbuf_printf(&b, "spool_dir: %s\nspool_max_size: %lld bytes\n", dir,
		    cws_config_get_int(f->cfg, "spool_max_size"));
	fbuf_printf(&b, "files: %llu\nbytes: %llu\nbatches waiting: %llu\n",
		    files, bytes, batches);
	if (batches)
		fbuf_printf(&b, "oldest batch age: %lld seconds\n",
			    f->now - oldest);
	else
		fbuf_printf(&b, "oldest batch age: none waiting\n");
	flare_add_buf(f, "spool.txt", &b);
	fbuf_release(&b);
}
