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
	set_key(E "logs_dd_url", "proxy.local:99999");
	assert_int_equal(endpoint_build(cfg, &set, err, sizeof(err)), -EINVAL);
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

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_site),	     T(test_tracks),
		T(test_urls),	     T(test_keys),
		T(test_additional),  T(test_additional_errors),
		T(test_compression), T(test_key_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
