/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-filter: judge every event of the stream on stdin against SECL
 * rules (policy files, or -e expressions) and write each match, the
 * event plus the rule, to stdout. This file reads the command line and
 * the configuration; load.c, run.c, match.c and report.c do the work.
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "exit.h"
#include "filter.h"
#include "log.h"
#include "sandbox.h"

static const char usage[] =
	"cws-filter [-hnqVv] [--no-sandbox] [-c file] [-e expression] [-p dir]\n"
	"           [--self-test dir]";

#define RSC "runtime_security_config."
#define HR RSC "hash_resolver."

/* hash_resolver.*: exits with a configuration error on a bad value. */
static void hash_options(const struct cws_config *cfg, struct filter_opts *o)
{
	const char *const *v;
	long long n;
	int a;

	o->hash_enabled = cws_config_get_bool(cfg, HR "enabled");
	for (v = cws_config_get_list(cfg, HR "hash_algorithms", NULL); v && *v;
	     v++) {
		a = hash_algo_from_name(*v);
		if (a < 0)
			cws_fatalx(CWS_EXIT_CONFIG,
				   HR "hash_algorithms: unknown algorithm "
				      "'%s' (expected sha1, sha256, md5 or "
				      "ssdeep)",
				   *v);
		if (o->hash.nalgos < HASH_MAX_ALGOS)
			o->hash.algos[o->hash.nalgos++] = (enum hash_algo)a;
	}
	for (v = cws_config_get_list(cfg, HR "event_types", NULL); v && *v;
	     v++) {
		enum cws_event_type t = cws_event_type_from_name(*v);

		if (t == CWS_EVT_UNKNOWN || (unsigned)t >= 64)
			cws_fatalx(CWS_EXIT_CONFIG,
				   HR "event_types: unknown event type '%s'",
				   *v);
		o->hash.event_types |= 1ull << t;
	}
	n = cws_config_get_int(cfg, HR "max_file_size");
	if (n < 0)
		cws_fatalx(CWS_EXIT_CONFIG,
			   HR "max_file_size: expected a size in bytes, "
			      "got %lld",
			   n);
	o->hash.max_file_size = (uint64_t)n;
	n = cws_config_get_int(cfg, HR "max_hash_rate");
	o->hash.rate = n > 0 ? (uint64_t)n : 0;
	n = cws_config_get_int(cfg, HR "max_hash_burst");
	o->hash.burst = n > 0 ? (uint64_t)n : 0;
	n = cws_config_get_int(cfg, HR "cache_size");
	o->hash.cache_size = n > 0 ? (size_t)n : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CWS_CLI_LONGOPTS,
		CWS_CLI_SANDBOX_LONGOPT,
		{ "expression", required_argument, NULL, 'e' },
		{ "check", no_argument, NULL, 'n' },
		{ "policies", required_argument, NULL, 'p' },
		{ "self-test", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct filter_opts o = { 0 };
	struct cws_policy *pol = NULL;
	struct cws_config *cfg;
	const char *const *tag;
	struct cws_cli cli;
	const char **exprs;
	const char *dir = NULL;
	int opt, rc;

	/* At most argc -e options. */
	exprs = calloc((size_t)argc + 1, sizeof(*exprs));
	if (!exprs)
		cws_fatalx(CWS_EXIT_FAILURE, "out of memory");
	cws_cli_init(&cli, "cws-filter", usage);
	while ((opt = getopt_long(argc, argv, CWS_CLI_OPTSTRING "e:np:",
				  longopts, NULL)) != -1) {
		if (cws_cli_option(&cli, opt, optarg))
			continue;
		switch (opt) {
		case 'e':
			exprs[o.nexprs++] = optarg;
			break;
		case 'n':
			o.check = true;
			break;
		case 'p':
			dir = optarg;
			break;
		case 'S':
			o.self_test_dir = optarg;
			break;
		default:
			cws_cli_usage(&cli);
		}
	}
	if (optind != argc)
		cws_cli_usage(&cli);
	cfg = cws_cli_config(&cli);
	if (cli.no_sandbox)
		cws_sandbox_disable();
	o.cfg = cfg;
	o.config_path = cli.config_path;

	/* -e alone needs no policy directory; -p adds one. */
	o.exprs = exprs;
	o.policy_dir = dir ? dir :
		       o.nexprs ?
			     NULL :
			     cws_config_get_string(cfg, RSC "policies.dir");
	o.run_path = cws_config_get_string(cfg, "run_path");
	for (tag = cws_config_get_list(cfg, "tags", NULL); tag && *tag; tag++)
		if (!strncmp(*tag, "service:", 8) && !o.host_service)
			o.host_service = *tag + 8;
	o.rate = cws_config_get_int(cfg, RSC "event_server.rate");
	o.burst = cws_config_get_int(cfg, RSC "event_server.burst");
	o.kill_enabled = cws_config_get_bool(cfg, RSC "enforcement.enabled");
	hash_options(cfg, &o);
	if (o.rate < 0 || o.burst < 0)
		cws_fatalx(CWS_EXIT_CONFIG,
			   "invalid " RSC "event_server.rate or burst: "
			   "negative");

	if (filter_load(&o, &pol, false))
		rc = CWS_EXIT_CONFIG;
	else if (o.check) {
		filter_summary(pol);
		rc = pol->loaded ? CWS_EXIT_OK : CWS_EXIT_CONFIG;
	} else if (!pol->loaded) {
		cws_errorx("no rule loaded");
		rc = CWS_EXIT_CONFIG;
	} else {
		rc = filter_run(&o, pol);
		pol = NULL; /* filter_run frees it, reloads replace it */
	}
	cws_policy_free(pol);
	cws_config_free(cfg);
	free(exprs);
	return rc;
}
