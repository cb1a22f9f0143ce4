/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-ship: deliver the matches of a cws stream to a Datadog logs intake
 * as Datadog's security agent does, losing nothing it has accepted. This
 * file reads the command line and the configuration; run.c, payload.c,
 * spool.c and send.c do the work (ship.h lists every module).
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "config.h"
#include "exit.h"
#include "log.h"
#include "sandbox.h"
#include "ship.h"

static const char usage[] =
	"cws-ship [-hqVv] [--no-sandbox] [-c file] [-o file]";

#define RSC "runtime_security_config."
#define EPS RSC "endpoints."

static long long int_key(const struct cws_config *cfg, const char *key,
			 long long min, long long max, long long def)
{
	long long v = cws_config_get_int(cfg, key);

	if (v < min || v > max) {
		cws_warnx("%s: %lld is out of range (%lld to %lld): using %lld",
			  key, v, min, max, def);
		return def;
	}
	return v;
}

static char *hostname(const struct cws_config *cfg)
{
	const char *h = cws_config_get_string(cfg, "hostname");
	char buf[HOST_NAME_MAX + 1];

	if (*h)
		return strdup(h);
	if (gethostname(buf, sizeof(buf)))
		return strdup("");
	buf[sizeof(buf) - 1] = '\0';
	return strdup(buf);
}

static char *join(const char *const *list, size_t n, char sep)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(list[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i)
			s[strlen(s)] = sep;
		memcpy(s + strlen(s), list[i], strlen(list[i]) + 1);
	}
	return s;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CWS_CLI_LONGOPTS,
		CWS_CLI_SANDBOX_LONGOPT,
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct ship_opts o;
	struct scrubber scrub;
	struct cws_config *cfg;
	struct cws_cli cli;
	const char *const *words;
	char err[512], *host, *no_proxy;
	size_t nwords;
	long long wait;
	int opt, rc;

	memset(&o, 0, sizeof(o));
	cws_cli_init(&cli, "cws-ship", usage);
	while ((opt = getopt_long(argc, argv, CWS_CLI_OPTSTRING "o:", longopts,
				  NULL)) != -1) {
		if (cws_cli_option(&cli, opt, optarg))
			continue;
		switch (opt) {
		case 'o':
			o.output = optarg;
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

	o.local = o.output != NULL;
	if (!o.local) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			cws_fatalx(CWS_EXIT_FAILURE,
				   "cannot initialise libcurl");
		if (endpoint_decide(cfg, &o.eps, endpoint_http_check, NULL, err,
				    sizeof(err)))
			cws_fatalx(CWS_EXIT_CONFIG, "%s", err);
		o.local = !o.eps.configured;
	}
	if (!o.output && !o.eps.configured)
		cws_info("no api_key and no endpoint configured: writing the "
			 "intake's JSON to standard output");
	o.run_path = cws_config_get_string(cfg, "run_path");
	o.spool_dir = cws_config_get_string(cfg, "spool_dir");
	o.spool_max = (uint64_t)int_key(cfg, "spool_max_size", 1 << 20,
					LLONG_MAX, 268435456);
	/* Datadog: batch_wait outside 1..10 s means the default. */
	wait = cws_config_get_duration_ns(cfg, EPS "batch_wait") / 1000000;
	if (wait < 1000 || wait > 10000) {
		cws_warnx(EPS "batch_wait: %lld ms is outside 1s..10s: using "
			      "5s",
			  wait);
		wait = 5000;
	}
	o.batch_wait_ms = wait;
	o.batch_max_msgs =
		(uint32_t)int_key(cfg, EPS "batch_max_size", 1, 1000000, 1000);
	o.batch_max_bytes = (size_t)int_key(cfg, EPS "batch_max_content_size",
					    1024, 64 << 20, 5000000);
	o.stop_grace_ms = cws_config_get_duration_ns(
				  cfg, "logs_config.stop_grace_period") /
			  1000000;
	if (o.stop_grace_ms < 0)
		o.stop_grace_ms = 0;
	o.backoff_base = cws_config_get_float(cfg, EPS "sender_backoff_base");
	o.backoff_factor =
		cws_config_get_float(cfg, EPS "sender_backoff_factor");
	o.backoff_max = cws_config_get_float(cfg, EPS "sender_backoff_max");
	o.recovery_interval =
		(int)int_key(cfg, EPS "sender_recovery_interval", 0, 1000, 2);
	o.recovery_reset =
		cws_config_get_bool(cfg, EPS "sender_recovery_reset");
	o.proxy_https = cws_config_get_string(cfg, "proxy.https");
	o.proxy_http = cws_config_get_string(cfg, "proxy.http");
	words = cws_config_get_list(cfg, "proxy.no_proxy", &nwords);
	no_proxy = join(words, nwords, ',');
	o.no_proxy = no_proxy;
	/* Like Go's TLS stack (and so Datadog's agent), SSL_CERT_FILE too. */
	o.ca_file = cws_config_get_string(cfg, EPS "ca_file");
	if (!*o.ca_file && getenv("SSL_CERT_FILE"))
		o.ca_file = getenv("SSL_CERT_FILE");
	o.insecure = cws_config_get_bool(cfg, "skip_ssl_validation");

	words = cws_config_get_list(cfg, RSC "custom_sensitive_words", &nwords);
	if (scrub_init(&scrub, words, nwords))
		cws_fatalx(CWS_EXIT_FAILURE, "out of memory");
	host = hostname(cfg);
	if (!host || !no_proxy)
		cws_fatalx(CWS_EXIT_FAILURE, "out of memory");
	o.po.hostname = host;
	o.po.envs_with_value = cws_config_get_list(cfg, RSC "envs_with_value",
						   &o.po.nenvs_with_value);
	o.po.scrub = &scrub;
	o.config_path = cli.config_path;
	o.cfg = cfg;
	o.failover =
		cws_config_get_bool(cfg, "multi_region_failover.failover_logs");

	rc = ship_run(&o);

	scrub_release(&scrub);
	free(host);
	free(no_proxy);
	cws_config_free(cfg);
	if (!o.output)
		curl_global_cleanup();
	return rc;
}
