/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for cws-ship's endpoints (cmd/cws-ship/endpoint.c): the
 * URL Datadog builds from site, dd_url, logs_dd_url and the track, the
 * key fallback, additional endpoints, compression, the status line.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

#include "../../cmd/cws-ship/endpoint.c"

#define E "runtime_security_config.endpoints."

static struct cws_config *cfg;
static struct endpoint_set set;
static char err[512];

static int setup(void **state)
{
	(void)state;
	cfg = cws_config_new();
	memset(&set, 0, sizeof(set));
	err[0] = '\0';
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cws_config_free(cfg);
	return 0;
}

static void set_key(const char *k, const char *v)
{
	assert_int_equal(cws_config_set(cfg, k, v, NULL), 0);
}

static void test_site(void **state)
{
	char line[512];

	(void)state;
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_int_equal(set.n, 1);
	assert_false(set.configured);
	assert_string_equal(set.ep[0].url,
			    "https://runtime-security-http-intake.logs."
			    "datadoghq.com:443/api/v2/secruntime");
	set_key("site", "us3.datadoghq.com");
	set_key("api_key", "  0123456789abcdef0123456789abcdef\n");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_true(set.configured);
	assert_string_equal(set.ep[0].host, "runtime-security-http-intake."
					    "logs.us3.datadoghq.com");
	assert_string_equal(set.ep[0].api_key,
			    "0123456789abcdef0123456789abcdef");
	assert_string_equal(set.encoding, "gzip");
	assert_int_equal(set.level, 6);
	endpoint_status_line(&set, &set.ep[0], line, sizeof(line));
	assert_string_equal(line, "Reliable: Sending compressed logs in HTTPS "
				  "to runtime-security-http-intake.logs."
				  "us3.datadoghq.com on port 443");
	assert_int_equal(strncmp(set.ep[0].id, "ep-", 3), 0);
	assert_int_equal(strlen(set.ep[0].id), 19);
}

static void test_tracks(void **state)
{
	(void)state;
	set_key("runtime_security_config.use_secruntime_track", "false");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_non_null(strstr(set.ep[0].url, ":443/api/v2/logs"));
	set_key(E "use_v2_api", "false");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_non_null(strstr(set.ep[0].url, ":443/v1/input"));
}

static void test_urls(void **state)
{
	(void)state;
	set_key(E "dd_url", "http://intake.example.com:8080");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_true(set.configured);
	assert_string_equal(set.ep[0].url, "http://intake.example.com:8080"
					   "/api/v2/secruntime");
	set_key(E "dd_url", "intake.example.com");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_string_equal(set.ep[0].url, "https://intake.example.com:443"
					   "/api/v2/secruntime");
	/* logs_dd_url wins, TLS unless logs_no_ssl. */
	set_key(E "logs_dd_url", "proxy.local:3834");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_string_equal(set.ep[0].url,
			    "https://proxy.local:3834/api/v2/secruntime");
	set_key(E "logs_no_ssl", "true");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_string_equal(set.ep[0].url,
			    "http://proxy.local:3834/api/v2/secruntime");
	/* An address that does not parse: Datadog's fallback (decide). */
	set_key(E "logs_dd_url", "proxy.local:99999");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)),
			 -EDESTADDRREQ);
	assert_string_equal(err, E "logs_dd_url: expected host:port, got "
				   "'proxy.local:99999'");
}

static void test_keys(void **state)
{
	(void)state;
	set_key("api_key", "main");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_string_equal(set.ep[0].api_key, "main");
	set_key(E "api_key", "own");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_string_equal(set.ep[0].api_key, "own");
}

static void test_additional(void **state)
{
	char line[512];

	(void)state;
	set_key("api_key", "main");
	set_key(E "additional_endpoints",
		"[{\"api_key\":\" k2 \",\"host\":\"a.example.com\","
		"\"port\":\"10516\",\"is_reliable\":false},"
		"{\"api_key\":\"k3\",\"host\":\"b.example.com\","
		"\"use_ssl\":false}]");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.ep[1].url,
			    "https://a.example.com:10516/api/v2/secruntime");
	assert_string_equal(set.ep[1].api_key, "k2");
	assert_false(set.ep[1].reliable);
	assert_true(set.ep[1].additional);
	assert_string_equal(set.ep[2].url,
			    "http://b.example.com:80/api/v2/secruntime");
	assert_true(set.ep[2].reliable);
	assert_string_not_equal(set.ep[1].id, set.ep[2].id);
	endpoint_status_line(&set, &set.ep[1], line, sizeof(line));
	assert_string_equal(line, "Unreliable: Sending compressed logs in "
				  "HTTPS to a.example.com on port 10516");
}

static void test_additional_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} t[] = {
		{ "nope", "expected a JSON list of maps, got invalid JSON" },
		{ "{}", "expected a list of maps" },
		{ "[1]", "additional_endpoints[0]: expected a map" },
		{ "[{}]", "additional_endpoints[0]: expected a host" },
		{ "[{\"host\":\"x\",\"port\":0}]",
		  "additional_endpoints[0]: expected a port from 1 to 65535" },
		{ "[{\"host\":\"runtime-security-http-intake.logs."
		  "datadoghq.com\"}]",
		  "is configured twice" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(t); i++) {
		set_key(E "additional_endpoints", t[i].json);
		assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)),
				 -EINVAL);
		if (!strstr(err, t[i].msg))
			fail_msg("%s: got '%s'", t[i].json, err);
	}
}

static void test_compression(void **state)
{
	char line[512];

	(void)state;
	set_key(E "compression_kind", "zstd");
	set_key(E "zstd_compression_level", "99");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_string_equal(set.encoding, "zstd");
	assert_int_equal(set.level, 19);
	set_key(E "compression_kind", "gzip");
	set_key(E "compression_level", "12");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_int_equal(set.level, 9);
	set_key(E "use_compression", "false");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), 0);
	assert_string_equal(set.encoding, "identity");
	endpoint_status_line(&set, &set.ep[0], line, sizeof(line));
	assert_non_null(strstr(line, "Sending uncompressed logs in HTTPS"));
	set_key(E "compression_kind", "brotli");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), -EINVAL);
}

static void test_key_tail(void **state)
{
	char buf[64];

	(void)state;
	endpoint_key_tail("0123456789abcdef0123456789abcdef", buf, sizeof(buf));
	assert_string_equal(buf, "***************************bcdef");
	endpoint_key_tail("abc", buf, sizeof(buf));
	assert_string_equal(buf, "abc");
	endpoint_key_tail("", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/*
 * The decision of Datadog's NewLogContext / BuildEndpointsWithConfig, one
 * row per input: the protocol chosen, the main endpoint, whether the
 * connectivity check ran, and the failover endpoint.
 */
static int checks; /* connectivity checks run */
static bool check_answer;

static bool fake_check(const struct endpoint *ep, void *arg)
{
	(void)arg;
	checks++;
	assert_string_equal(ep->url, "http://127.0.0.1:9/api/v2/secruntime");
	return check_answer;
}

#define LC "logs_config."
#define BAD_RSC E "logs_dd_url=no-port-here" /* cannot be built */

static void test_decide(void **state)
{
	static const struct {
		const char *keys; /* key=value;key=value */
		bool check; /* what the check answers */
		enum ep_proto proto;
		const char *main_url;
		int checked;
		const char *mrf_url; /* NULL: none */
	} t[] = {
		/* The security agent's usual way: HTTP, no check. */
		{ "", false, EP_HTTP,
		  "https://runtime-security-http-intake.logs.datadoghq.com:443"
		  "/api/v2/secruntime",
		  0, NULL },
		{ LC "force_use_tcp=true", true, EP_TCP,
		  "tcp+tls://agent-intake.logs.datadoghq.com:10516", 0, NULL },
		{ LC "use_tcp=true;site=datadoghq.eu", true, EP_TCP,
		  "tcp+tls://agent-intake.logs.datadoghq.eu:443", 0, NULL },
		{ LC "force_use_tcp=true;site=example.com;" LC "dd_port=1234",
		  true, EP_TCP, "tcp+tls://agent-intake.logs.example.com:1234",
		  0, NULL },
		{ LC "force_use_tcp=true;" LC "use_port_443=true", true, EP_TCP,
		  "tcp+tls://agent-443-intake.logs.datadoghq.com:443", 0,
		  NULL },
		{ LC "socks5_proxy_address=127.0.0.1:1080", true, EP_TCP,
		  "tcp+tls://agent-intake.logs.datadoghq.com:10516", 0, NULL },
		{ LC "additional_endpoints=[{\"host\":\"b.example\","
		     "\"port\":10516}]",
		  true, EP_TCP,
		  "tcp+tls://agent-intake.logs.datadoghq.com:10516", 0, NULL },
		{ LC "force_use_tcp=true;" LC "logs_dd_url=127.0.0.1:10516;" LC
		     "logs_no_ssl=true",
		  true, EP_TCP, "tcp://127.0.0.1:10516", 0, NULL },
		/* What forces HTTP wins over what asks for TCP. */
		{ LC "force_use_tcp=true;" LC "force_use_http=true", true,
		  EP_HTTP,
		  "https://runtime-security-http-intake.logs.datadoghq.com:443"
		  "/api/v2/secruntime",
		  0, NULL },
		{ LC "socks5_proxy_address=127.0.0.1:1080;"
		     "observability_pipelines_worker.logs.enabled=true;"
		     "observability_pipelines_worker.logs.url="
		     "http://opw.local:8282",
		  true, EP_HTTP, "http://opw.local:8282/api/v2/logs", 0, NULL },
		{ LC "force_use_tcp=true;multi_region_failover.enabled=true;"
		     "multi_region_failover.site=datadoghq.eu",
		  true, EP_HTTP,
		  "https://runtime-security-http-intake.logs.datadoghq.com:443"
		  "/api/v2/secruntime",
		  0,
		  "https://runtime-security-http-intake.logs.mrf.datadoghq.eu:443"
		  "/api/v2/secruntime" },
		{ "multi_region_failover.enabled=true;"
		  "multi_region_failover.dd_url=http://127.0.0.1:7777",
		  true, EP_HTTP,
		  "https://runtime-security-http-intake.logs.datadoghq.com:443"
		  "/api/v2/secruntime",
		  0, "http://127.0.0.1:7777/api/v2/secruntime" },
		/*
		 * The runtime security keys cannot make an endpoint: the
		 * logs_config. keys, and the check decides.
		 */
		{ BAD_RSC ";" LC "logs_dd_url=127.0.0.1:9;" LC
			  "logs_no_ssl=true",
		  true, EP_HTTP, "http://127.0.0.1:9/api/v2/secruntime", 1,
		  NULL },
		{ BAD_RSC ";" LC "logs_dd_url=127.0.0.1:9;" LC
			  "logs_no_ssl=true",
		  false, EP_TCP, "tcp://127.0.0.1:9", 1, NULL },
		{ BAD_RSC ";" LC "logs_dd_url=127.0.0.1:9;" LC
			  "logs_no_ssl=true;" LC "force_use_http=true",
		  false, EP_HTTP, "http://127.0.0.1:9/api/v2/secruntime", 0,
		  NULL },
		{ BAD_RSC ";" LC "logs_dd_url=127.0.0.1:9;" LC
			  "logs_no_ssl=true;" LC "socks5_proxy_address=p:1",
		  true, EP_TCP, "tcp://127.0.0.1:9", 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(t); i++) {
		char keys[512], *k, *save = NULL;
		size_t m;

		cws_config_free(cfg);
		cfg = cws_config_new();
		assert_non_null(cfg);
		snprintf(keys, sizeof(keys), "%s", t[i].keys);
		for (k = strtok_r(keys, ";", &save); k;
		     k = strtok_r(NULL, ";", &save)) {
			char *eq = strchr(k, '=');

			assert_non_null(eq);
			*eq = '\0';
			set_key(k, eq + 1);
		}
		checks = 0;
		check_answer = t[i].check;
		if (endpoint_decide(cfg, &set, fake_check, NULL, err,
				    sizeof(err)))
			fail_msg("row %zu (%s): %s", i, t[i].keys, err);
		if (set.proto != t[i].proto ||
		    strcmp(set.ep[0].url, t[i].main_url) ||
		    checks != t[i].checked)
			fail_msg("row %zu (%s): got %s %s, %d checks (%s)", i,
				 t[i].keys,
				 set.proto == EP_TCP ? "TCP" : "HTTP",
				 set.ep[0].url, checks, set.decision);
		for (m = 0; m < set.n && !set.ep[m].mrf; m++)
			;
		if (t[i].mrf_url) {
			assert_true(m < set.n);
			assert_string_equal(set.ep[m].url, t[i].mrf_url);
			assert_int_equal(set.ep[m].proto, EP_HTTP);
		} else {
			assert_int_equal(m, set.n);
		}
		pthread_mutex_destroy(&set.key_mu);
	}
}

static void test_decide_details(void **state)
{
	char line[512];

	(void)state;
	set_key("api_key", "main-key");
	set_key(LC "socks5_proxy_address", "socks5://127.0.0.1:1080");
	set_key(LC "additional_endpoints",
		"[{\"host\":\"b.example\",\"port\":10517,\"api_key\":\"k2\"}]");
	assert_int_equal(endpoint_decide(cfg, &set, fake_check, NULL, err,
					 sizeof(err)),
			 0);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.ep[0].proxy, "127.0.0.1:1080");
	assert_string_equal(set.ep[1].proxy, "127.0.0.1:1080");
	assert_string_equal(set.ep[0].api_key, "main-key");
	assert_string_equal(set.ep[1].url, "tcp+tls://b.example:10517");
	endpoint_status_line(&set, &set.ep[0], line, sizeof(line));
	assert_string_equal(line, "Reliable: Sending uncompressed logs in SSL "
				  "encrypted TCP to agent-intake.logs."
				  "datadoghq.com on port 10516");
	pthread_mutex_destroy(&set.key_mu);

	/* A TCP additional endpoint needs its port. */
	set_key(LC "additional_endpoints", "[{\"host\":\"b.example\"}]");
	assert_int_equal(endpoint_decide(cfg, &set, fake_check, NULL, err,
					 sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "expected a port"));
	pthread_mutex_destroy(&set.key_mu);

	/* MRF needs a site or a URL; the concurrency is at least one. */
	cws_config_free(cfg);
	cfg = cws_config_new();
	set_key("multi_region_failover.enabled", "true");
	assert_int_equal(endpoint_decide(cfg, &set, fake_check, NULL, err,
					 sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "multi_region_failover.site"));
	pthread_mutex_destroy(&set.key_mu);
	set_key("multi_region_failover.site", "datadoghq.eu");
	set_key("multi_region_failover.api_key", "mrf-key");
	set_key(E "batch_max_concurrent_send", "3");
	assert_int_equal(endpoint_decide(cfg, &set, fake_check, NULL, err,
					 sizeof(err)),
			 0);
	assert_int_equal(set.concurrency, 3);
	assert_true(set.ep[1].mrf);
	assert_string_equal(set.ep[1].api_key, "mrf-key");
	endpoint_status_line(&set, &set.ep[1], line, sizeof(line));
	assert_string_equal(line, "MRF Reliable: Sending compressed logs in "
				  "HTTPS to runtime-security-http-intake.logs."
				  "mrf.datadoghq.eu on port 443");
	pthread_mutex_destroy(&set.key_mu);
}

static void test_reload_keys(void **state)
{
	struct endpoint_set fresh;
	char key[sizeof(fresh.ep[0].api_key)];

	(void)state;
	set_key("api_key", "old-key-11111");
	assert_int_equal(endpoint_decide(cfg, &set, fake_check, NULL, err,
					 sizeof(err)),
			 0);
	set_key("api_key", "new-key-22222");
	assert_int_equal(endpoint_decide(cfg, &fresh, fake_check, NULL, err,
					 sizeof(err)),
			 0);
	assert_int_equal(endpoint_reload_keys(&set, &fresh), 1);
	endpoint_api_key(&set, 0, key, sizeof(key));
	assert_string_equal(key, "new-key-22222");
	assert_int_equal(endpoint_reload_keys(&set, &fresh), 0);
	pthread_mutex_destroy(&set.key_mu);
	pthread_mutex_destroy(&fresh.key_mu);
}

int main(void)
{
	/* Datadog's TCP warning, once per row, is not what is tested. */
	cws_log_init("ship_endpoint_test", CWS_LOG_ERROR);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_site),	     T(test_tracks),
		T(test_urls),	     T(test_keys),
		T(test_additional),  T(test_additional_errors),
		T(test_compression), T(test_key_tail),
		T(test_decide),	     T(test_decide_details),
		T(test_reload_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
