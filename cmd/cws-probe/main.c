/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-probe: watch the kernel through eBPF and write one self-contained
 * msgpack record per event to stdout. This file only reads the command
 * line and the configuration; probe.c does the work.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "exit.h"
#include "log.h"
#include "sandbox.h"
#include "num.h"
#include "probe.h"

static const char usage[] =
	"cws-probe [-ADhnqVv] [-b bytes] [-c file] [-e events] [-H seconds]\n"
	"          [-d entries] [-p dir] [-r rule] [-S dir] [-u socket]\n"
	"          [--no-sandbox]";

#define RING_SIZE_KEY "runtime_security_config.event_stream.buffer_size"
#define EVENTS_KEY "runtime_security_config.probe.events"
#define CACHE_KEY "runtime_security_config.pid_cache_size"
#define NETWORK_KEY "runtime_security_config.network.enabled"
#define IMDS_KEY "runtime_security_config.imds_ipv4"
#define RSC "runtime_security_config."
#define MAX_RULES 1024

/*
 * Parses a byte count with an optional K, M or G (binary) suffix. The ring
 * buffer must be a power of two; returns NULL or what is wrong.
 */
static const char *parse_ring_size(const char *s, unsigned long *out)
{
	unsigned long long mult = 1, v;
	char num[32];
	const char *errstr;
	size_t n = strlen(s);

	if (!n || n >= sizeof(num))
		return "invalid";
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k':
	case 'K':
		mult = 1ull << 10;
		break;
	case 'm':
	case 'M':
		mult = 1ull << 20;
		break;
	case 'g':
	case 'G':
		mult = 1ull << 30;
		break;
	}
	if (mult != 1)
		num[n - 1] = '\0';
	v = (unsigned long long)cws_strtonum(num, 1, CWS_PROBE_RING_MAX,
					     &errstr);
	if (errstr)
		return errstr;
	v *= mult;
	if (v < CWS_PROBE_RING_MIN)
		return "too small";
	if (v > CWS_PROBE_RING_MAX)
		return "too large";
	if (v & (v - 1))
		return "not a power of two";
	*out = (unsigned long)v;
	return NULL;
}

/* The configuration's ring size, or 0 when it leaves the choice to us. */
static unsigned long config_ring_size(const struct cws_config *cfg)
{
	struct cws_config_item it;
	unsigned long size;
	const char *errstr;

	if (cws_config_lookup(cfg, RING_SIZE_KEY, &it) ||
	    cws_config_get_int(cfg, RING_SIZE_KEY) <= 0)
		return 0;
	errstr = parse_ring_size(it.value, &size);
	if (errstr)
		cws_fatalx(CWS_EXIT_CONFIG,
			   "invalid %s '%s': %s (a power of two from %u to %u)",
			   RING_SIZE_KEY, it.value, errstr, CWS_PROBE_RING_MIN,
			   CWS_PROBE_RING_MAX);
	return size;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CWS_CLI_LONGOPTS,
		CWS_CLI_SANDBOX_LONGOPT,
		{ "ring-size", required_argument, NULL, 'b' },
		{ "heartbeat", required_argument, NULL, 'H' },
		{ "check", no_argument, NULL, 'n' },
		{ "events", required_argument, NULL, 'e' },
		{ "policies", required_argument, NULL, 'p' },
		{ "rule", required_argument, NULL, 'r' },
		{ "self-test", required_argument, NULL, 'S' },
		{ "no-approvers", no_argument, NULL, 'A' },
		{ "no-discarders", no_argument, NULL, 'D' },
		{ "discarders-max", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *rules[MAX_RULES];
	struct cws_probe_opts opts = { .heartbeat =
					       CWS_PROBE_HEARTBEAT_DEFAULT };
	struct cws_config *cfg;
	struct cws_cli cli;
	const char *errstr, *const *list, *imds;
	long long rate;
	char bad[64];
	int opt, rc;

	cws_cli_init(&cli, "cws-probe", usage);
	while ((opt = getopt_long(argc, argv,
				  CWS_CLI_OPTSTRING "Ab:Dd:e:H:np:r:S:u:",
				  longopts, NULL)) != -1) {
		if (cws_cli_option(&cli, opt, optarg))
			continue;
		switch (opt) {
		case 'b':
			errstr = parse_ring_size(optarg, &opts.ring_size);
			if (errstr) {
				cws_errorx(
					"ring size '%s' is %s (a power of two from %u to %u)",
					optarg, errstr, CWS_PROBE_RING_MIN,
					CWS_PROBE_RING_MAX);
				cws_cli_usage(&cli);
			}
			break;
		case 'e':
			if (cws_probe_parse_events(optarg, &opts.events, bad,
						   sizeof(bad))) {
				cws_errorx("unknown event type '%s'", bad);
				cws_cli_usage(&cli);
			}
			break;
		case 'H':
			opts.heartbeat = (unsigned)cws_strtonum(optarg, 0,
								86400, &errstr);
			if (errstr) {
				cws_errorx("heartbeat interval '%s' is %s",
					   optarg, errstr);
				cws_cli_usage(&cli);
			}
			break;
		case 'n':
			opts.check = true;
			break;
		case 'p':
			opts.policy_dir = optarg;
			break;
		case 'r':
			if (opts.nexprs == MAX_RULES) {
				cws_errorx("more than %d -r rules", MAX_RULES);
				cws_cli_usage(&cli);
			}
			rules[opts.nexprs++] = optarg;
			break;
		case 'S':
			opts.self_test_dir = optarg;
			break;
		case 'A':
			opts.no_approvers = true;
			break;
		case 'D':
			opts.no_discarders = true;
			break;
		case 'u':
			opts.socket = optarg;
			break;
		case 'd':
			opts.discarders_max = (uint32_t)cws_strtonum(
				optarg, 16, 1 << 24, &errstr);
			if (errstr) {
				cws_errorx("discarder map size '%s' is %s "
					   "(16 to 16777216 entries)",
					   optarg, errstr);
				cws_cli_usage(&cli);
			}
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
	opts.exprs = rules;
	opts.events_given = opts.events != 0;
	/*
	 * The configuration's policy directory only when it says one: a
	 * bare cws-probe captures everything (cws run passes -p).
	 */
	if (!opts.policy_dir && !opts.nexprs &&
	    cws_config_source(cfg, RSC "policies.dir") !=
		    CWS_CONFIG_SRC_DEFAULT)
		opts.policy_dir =
			cws_config_get_string(cfg, RSC "policies.dir");
	opts.kill_disabled =
		!cws_config_get_bool(cfg, RSC "enforcement.enabled");
	if (!cws_config_get_bool(cfg, RSC "enable_kernel_filters"))
		opts.no_approvers = opts.no_discarders = true;
	if (!cws_config_get_bool(cfg, RSC "enable_approvers"))
		opts.no_approvers = true;
	if (!cws_config_get_bool(cfg, RSC "enable_discarders"))
		opts.no_discarders = true;
	if (!opts.ring_size)
		opts.ring_size = config_ring_size(cfg);
	if (!opts.ring_size)
		opts.ring_size = CWS_PROBE_RING_DEFAULT;
	opts.hostname = cws_config_get_string(cfg, "hostname");
	opts.envs_with_value =
		cws_config_get_list(cfg, RSC "envs_with_value", NULL);
	opts.run_path = cws_config_get_string(cfg, "run_path");
	if (cws_config_get_int(cfg, CACHE_KEY) > 0)
		opts.cache_size = (size_t)cws_config_get_int(cfg, CACHE_KEY);
	/* -e wins over the configuration; each list item may be a list. */
	list = opts.events ? NULL : cws_config_get_list(cfg, EVENTS_KEY, NULL);
	for (; list && *list; list++) {
		if (cws_probe_parse_events(*list, &opts.events, bad,
					   sizeof(bad)))
			cws_fatalx(CWS_EXIT_CONFIG,
				   "%s: unknown event type '%s'", EVENTS_KEY,
				   bad);
		opts.config_events = true;
	}
	if (!opts.events)
		opts.events = cws_probe_default_events();
	opts.tc_priority = (uint32_t)cws_config_get_int(
		cfg, "runtime_security_config.network.classifier_priority");
	opts.tc_handle = (uint32_t)cws_config_get_int(
		cfg, "runtime_security_config.network.classifier_handle");
	opts.tc_ingress = cws_config_get_bool(
		cfg, "runtime_security_config.network.ingress.enabled");
	imds = cws_config_get_string(cfg, IMDS_KEY);
	if (imds && *imds && inet_pton(AF_INET, imds, &opts.imds_ip) != 1)
		cws_fatalx(CWS_EXIT_CONFIG,
			   "%s: expected an IPv4 address, got '%s'", IMDS_KEY,
			   imds);
	opts.raw_packet = cws_config_get_bool(
		cfg, "runtime_security_config.network.raw_packet.enabled");
	rate = cws_config_get_int(
		cfg, "runtime_security_config.network.raw_packet.limiter_rate");
	if (rate < 0 || rate > UINT32_MAX)
		cws_fatalx(
			CWS_EXIT_CONFIG,
			"%s: expected a rate from 0 to %u, got %lld",
			"runtime_security_config.network.raw_packet.limiter_rate",
			UINT32_MAX, (long long)rate);
	opts.raw_packet_rate = (uint32_t)rate;
	/* network.enabled: false attaches nothing network-related. */
	if (!cws_config_get_bool(cfg, NETWORK_KEY)) {
		uint64_t net = 1ull << CWS_EVT_CONNECT | 1ull << CWS_EVT_BIND |
			       1ull << CWS_EVT_ACCEPT | 1ull << CWS_EVT_DNS |
			       1ull << CWS_EVT_IMDS | 1ull << CWS_EVT_PACKET;

		if (opts.events & net)
			cws_info("%s is false: no network event", NETWORK_KEY);
		opts.events &= ~net;
		opts.no_network = true;
		if (!opts.events)
			cws_fatalx(
				CWS_EXIT_CONFIG,
				"only network events asked for, and %s is false",
				NETWORK_KEY);
	}
	opts.verbose = cli.verbose > 0;

	rc = cws_probe_run(&opts);
	cws_config_free(cfg);
	return rc;
}
