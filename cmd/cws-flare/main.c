/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-flare: collect what support needs into a zip, with every secret
 * scrubbed, show what is in it, and upload it to Datadog after asking.
 * This file reads the command line, registers the configured secrets
 * with the scrubber and runs the collectors in order; the other files
 * of this directory do the work (see flare.h).
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "config.h"
#include "exit.h"
#include "flare.h"
#include "scrub.h"

static const char usage[] =
	"cws-flare [-hqsVv] [-c file] [-e email] [-o dir] [case_id]";

#define MAX_CASE_ID 19 /* digits: Datadog's case ids are int64 */

/* The file cws_config_load reads when -c is not given. */
static const char *config_in_use(const struct cws_cli *cli)
{
	const char *def = getenv("CWS_CONFIG_DEFAULT");

	if (cli->config_path)
		return cli->config_path;
	return def && *def ? def : CWS_CONFIG_DEFAULT_PATH;
}

/* Reads the IPC auth token beside the configuration file, if there is one. */
static void add_auth_token(struct cws_scrub *s, const char *config_path)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], buf[512];
	size_t n;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s", config_path);
	snprintf(path, sizeof(path), "%s/auth_token", dirname(dir));
	fp = fopen(path, "re");
	if (!fp)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if (cws_scrub_add_secret(s, buf, false))
		cws_warnx("cannot register the auth token with the scrubber");
}

/*
 * For "scheme://user:password@host...": true, with the password (or ""
 * when there is none) in buf. False when value is not a URL.
 */
static bool url_password(const char *value, char *buf, size_t len)
{
	const char *p = strstr(value, "://"), *at, *colon;

	*buf = '\0';
	if (!p || strpbrk(value, " \t\n"))
		return false;
	p += 3;
	at = strchr(p, '@');
	colon = strchr(p, ':');
	if (at && colon && colon < at && !memchr(p, '/', (size_t)(at - p)))
		snprintf(buf, len, "%.*s", (int)(at - colon - 1), colon + 1);
	return true;
}

/*
 * The scrubber knows the configured secrets by value too, so that one
 * copied into a log or an error message goes as well.
 */
static struct cws_scrub *make_scrubber(const struct cws_config *cfg,
				       const char *config_path)
{
	struct cws_config_item it;
	const char *const *names;
	struct cws_scrub *s;
	size_t pos = 0, n, i;
	char pw[512];
	bool keep;

	s = cws_scrub_new();
	if (!s)
		cws_fatal(CWS_EXIT_FAILURE, "cannot set up the scrubber");
	names = cws_config_get_list(cfg, "flare_stripped_keys", &n);
	for (i = 0; i < n; i++)
		if (cws_scrub_add_key(s, names[i]) == -E2BIG)
			cws_warnx("flare_stripped_keys: more than %d names; "
				  "'%s' and the next ones use the built-in "
				  "rules only",
				  CWS_SCRUB_MAX_NAMES, names[i]);
	while (cws_config_next(cfg, &pos, &it)) {
		if (!(it.flags & CWS_CONFIG_F_SECRET) || !*it.value)
			continue;
		keep = strstr(it.key, "api_key") || strstr(it.key, "app_key");
		if (url_password(it.value, pw, sizeof(pw))) {
			/* A proxy URL: its password goes, its host stays. */
			if (*pw && cws_scrub_add_secret(s, pw, false))
				cws_warnx("cannot register the password of "
					  "'%s' with the scrubber",
					  it.key);
		} else if (cws_scrub_add_secret(s, it.value, keep))
			cws_warnx("cannot register the value of '%s' with "
				  "the scrubber",
				  it.key);
	}
	add_auth_token(s, config_path);
	return s;
}

/* Reads one line from the terminal into buf; false at end of input. */
static bool ask(const char *question, char *buf, size_t len)
{
	size_t n;

	fprintf(stderr, "%s", question);
	fflush(stderr);
	if (!fgets(buf, (int)len, stdin))
		return false;
	n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return true;
}

static void print_listing(const struct flare *f)
{
	size_t i;

	printf("%s\n", f->path);
	for (i = 0; i < f->nmembers; i++)
		printf("%10zu  %s/%s\n", f->members[i].size, f->host,
		       f->members[i].name);
	fflush(stdout);
}

/* Asks, then uploads; returns the exit status. */
static int send_flare(const struct cws_config *cfg, const struct flare *f,
		      const char *case_id, const char *email, bool yes)
{
	struct upload u = { .archive = f->path,
			    .case_id = case_id,
			    .email = email,
			    .hostname = f->host };
	char answer[256], mail[256];

	if (!yes && !isatty(STDIN_FILENO)) {
		fprintf(stderr,
			"Not uploaded: no terminal to ask on and no -s. "
			"The flare is %s\n",
			f->path);
		return CWS_EXIT_OK;
	}
	if (!yes) {
		if (!email &&
		    ask("Please enter your email: ", mail, sizeof(mail)) &&
		    *mail)
			u.email = mail;
		fprintf(stderr, "%s is going to be uploaded to Datadog\n",
			f->path);
		if (!ask("Are you sure you want to upload a flare? [y/N] ",
			 answer, sizeof(answer)) ||
		    (strcasecmp(answer, "y") && strcasecmp(answer, "yes"))) {
			fprintf(stderr, "Aborting. (You can still use %s)\n",
				f->path);
			return CWS_EXIT_OK;
		}
	}
	if (upload_send(cfg, &u)) {
		fprintf(stderr,
			"The flare was not uploaded; it is kept in %s\n",
			f->path);
		return CWS_EXIT_FAILURE;
	}
	fprintf(stderr, "The flare is also kept in %s\n", f->path);
	return CWS_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CWS_CLI_LONGOPTS,
		{ "email", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "send", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *email = NULL, *dir = NULL, *case_id = NULL;
	char absdir[PATH_MAX];
	struct flare f = { .fd = -1 };
	struct cws_config *cfg;
	struct cws_cli cli;
	bool yes = false;
	int opt, rc;

	cws_cli_init(&cli, "cws-flare", usage);
	while ((opt = getopt_long(argc, argv, CWS_CLI_OPTSTRING "e:o:s",
				  longopts, NULL)) != -1) {
		if (cws_cli_option(&cli, opt, optarg))
			continue;
		switch (opt) {
		case 'e':
			email = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 's':
			yes = true;
			break;
		default:
			cws_cli_usage(&cli);
		}
	}
	if (argc - optind > 1)
		cws_cli_usage(&cli);
	if (optind < argc) {
		case_id = argv[optind];
		if (!*case_id || strlen(case_id) > MAX_CASE_ID ||
		    strspn(case_id, "0123456789") != strlen(case_id))
			cws_fatalx(CWS_EXIT_USAGE,
				   "case id '%s' is not a number: Datadog "
				   "case ids are digits only, e.g. 1234567",
				   case_id);
	}
	if (!dir) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	/* An absolute path, so that what is printed can be used anywhere. */
	if (!realpath(dir, absdir))
		cws_fatal(CWS_EXIT_FAILURE,
			  "cannot use the output directory '%s'", dir);
	cfg = cws_cli_config(&cli);
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		cws_fatalx(CWS_EXIT_FAILURE, "cannot initialise libcurl");

	f.cfg = cfg;
	f.config_path = config_in_use(&cli);
	f.now = (long long)time(NULL);
	f.scrub = make_scrubber(cfg, f.config_path);
	snprintf(f.host, sizeof(f.host), "%s",
		 cws_config_get_string(cfg, "hostname"));
	if (!f.host[0] && gethostname(f.host, sizeof(f.host) - 1))
		snprintf(f.host, sizeof(f.host), "unknown");
	for (rc = 0; f.host[rc]; rc++)
		if (f.host[rc] == '/')
			f.host[rc] = '_';

	rc = CWS_EXIT_FAILURE;
	if (flare_open(&f, absdir))
		goto out;
	collect_version(&f);
	collect_config(&f);
	collect_env(&f);
	collect_status(&f);
	collect_policies(&f);
	collect_logs(&f);
	collect_spool(&f);
	collect_kernel(&f);
	collect_bpf(&f);
	collect_mounts(&f);
	collect_tc(&f);
	collect_system(&f);
	if (flare_close(&f))
		goto out;
	print_listing(&f);
	if (f.nfailed)
		cws_warnx("%zu part%s could not be collected: "
			  "flare_creation.log in the archive says why",
			  f.nfailed, f.nfailed == 1 ? "" : "s");
	rc = send_flare(cfg, &f, case_id, email, yes);
out:
	flare_release(&f);
	cws_scrub_free(f.scrub);
	cws_config_free(cfg);
	curl_global_cleanup();
	return rc;
}
