/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/scrub: what each rule replaces and, as much, what
 * it leaves alone (a flare nobody can read helps nobody).
 */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scrub.h"

#define API_KEY "0123456789abcdef0123456789abcdef"
#define APP_KEY "0123456789abcdef0123456789abcdef01234567"

static void check_with(const struct cws_scrub *s, const char *in,
		       const char *want)
{
	char *out;
	size_t len;

	assert_int_equal(cws_scrub_text(s, in, strlen(in), &out, &len), 0);
	assert_int_equal(len, strlen(out));
	assert_string_equal(out, want);
	free(out);
}

static void check(const char *in, const char *want)
{
	check_with(NULL, in, want);
}

static void test_untouched(void **state)
{
	(void)state;
	check("", "");
	check("hello world\n", "hello world\n");
	check("site: datadoghq.com\nlog_level: info\n",
	      "site: datadoghq.com\nlog_level: info\n");
	check("open.file.path == \"/etc/shadow\"",
	      "open.file.path == \"/etc/shadow\"");
	check("monkey: banana\nkeyboard: yes\n",
	      "monkey: banana\nkeyboard: yes\n");
	check("flare_stripped_keys: [a, b]\n", "flare_stripped_keys: [a, b]\n");
	check("ca_file: /etc/ssl/ca.pem\nkey_file: /etc/k\n",
	      "ca_file: /etc/ssl/ca.pem\nkey_file: /etc/k\n");
	check("host:port user:name", "host:port user:name");
	check("http://example.com:8080/path", "http://example.com:8080/path");
	check("ssh://git@example.com/x", "ssh://git@example.com/x");
	/* Values that cannot be secret stay: they say what is configured. */
	check("password: \nsecret_enabled: true\ntoken: null\n",
	      "password: \nsecret_enabled: true\ntoken: null\n");
	check("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
}

static void test_yaml(void **state)
{
	(void)state;
	check("password: hunter2\n", "password: ********\n");
	check("  db_password: 'hunter2' # x\n",
	      "  db_password: '********' # x\n");
	check("token: \"a b\"\nsite: x\n", "token: \"********\"\nsite: x\n");
	check("- secret: s3\n- name: n\n", "- secret: ********\n- name: n\n");
	check("proxy:\n  my_pass: p\n  http: h\n",
	      "proxy:\n  my_pass: ********\n  http: h\n");
	check("authKey: x\nprivKey: y\ncommunity_string: z\n",
	      "authKey: ********\nprivKey: ********\ncommunity_string: ********\n");
	check("password2: x\n", "password2: ********\n");
	check("password: hunter2\r\nsite: x\r\n",
	      "password: ********\r\nsite: x\r\n");
}

static void test_yaml_blocks(void **state)
{
	(void)state;
	/* Everything nested under a secret key, maps and lists. */
	check("secrets:\n  db: hunter2\n  list:\n    - a\n    - b\nsite: x\n",
	      "secrets:\n  db: \"********\"\n  list:\n    - \"********\"\n"
	      "    - \"********\"\nsite: x\n");
	check("tokens:\n- abc\n- def\nnext: 1\n",
	      "tokens:\n- \"********\"\n- \"********\"\nnext: 1\n");
	check("a:\n  secret:\n\n    k: v\n  b: 2\n",
	      "a:\n  secret:\n\n    k: \"********\"\n  b: 2\n");
	/* Block scalars keep their header, lose their lines. */
	check("key: |\n  line one\n  line two\nsite: x\n",
	      "key: |\n  ********\n  ********\nsite: x\n");
	check("tls_key: >-\n    abc\n", "tls_key: >-\n    ********\n");
}

static void test_json(void **state)
{
	(void)state;
	check("{\"password\":\"hunter2\",\"user\":\"bob\"}",
	      "{\"password\":\"********\",\"user\":\"bob\"}");
	check("{\n  \"auth_token\": \"x\\\"y\",\n  \"n\": 1\n}",
	      "{\n  \"auth_token\": \"********\",\n  \"n\": 1\n}");
	check("{\"secret\": {\"a\": [1, \"}\"]}, \"b\": 2}",
	      "{\"secret\": \"********\", \"b\": 2}");
	check("{\"passwd\":1234,\"x\":true}",
	      "{\"passwd\":********,\"x\":true}");
	check("{\"token\": null, \"key\": \"\"}",
	      "{\"token\": null, \"key\": \"\"}");
	/* Unbalanced: masked to the end. */
	check("{\"secrets\": [\"a\",\n\"b\"", "{\"secrets\": \"********\"");
}

static void test_env_and_query(void **state)
{
	(void)state;
	check("DD_SITE=datadoghq.eu\nMY_SECRET=abc def\n",
	      "DD_SITE=datadoghq.eu\nMY_SECRET=********\n");
	check("export AWS_SECRET_ACCESS_KEY=xyz",
	      "export AWS_SECRET_ACCESS_KEY=********");
	check("GET /x?password=pw&user=u HTTP/1.1",
	      "GET /x?password=********&user=u HTTP/1.1");
	check("cmd --password=hunter2 --user bob",
	      "cmd --password=******** --user bob");
	check("a == b; token == c", "a == b; token == c");
}

static void test_headers_and_bearer(void **state)
{
	(void)state;
	check("Authorization: Basic dXNlcjpwYXNz\n",
	      "Authorization: ********\n");
	check("sent Authorization: Bearer abc.def to x",
	      "sent Authorization: Bearer ******** to x");
	check("curl -H 'Authorization: Bearer t0k3n'",
	      "curl -H 'Authorization: Bearer ********'");
	check("header Bearer abcdef123 then", "header Bearer ******** then");
	check("The bearer is here.", "The bearer is here.");
	check("DD-API-KEY: " API_KEY "\n",
	      "DD-API-KEY: ***************************bcdef\n");
}

static void test_urls(void **state)
{
	(void)state;
	check("proxy: http://user:hunter2@proxy:3128\n",
	      "proxy: http://user:********@proxy:3128\n");
	check("url=\"https://a:b:c@h/p\" next",
	      "url=\"https://a:********@h/p\" next");
	check("postgres://u:p%40ss@db/x", "postgres://u:********@db/x");
}

static void test_api_keys(void **state)
{
	(void)state;
	check("key " API_KEY " end",
	      "key ***************************bcdef end");
	check("app " APP_KEY ".",
	      "app ***********************************34567.");
	/* Not 32 or 40 hex digits, or glued to a word: left alone. */
	check("0123456789abcdef0123456789abcde",
	      "0123456789abcdef0123456789abcde");
	check("x_" API_KEY, "x_" API_KEY);
	/* Hinted keys keep their tail whatever their alphabet. */
	check("api_key: abcdefghijklmnopqrstuvwxyz\n",
	      "api_key: ***************************vwxyz\n");
	check("?app_key=ABCDEFGHIJKLMNOPQRST&x=1",
	      "?app_key=***********************************PQRST&x=1");
	check("api_key: short\n", "api_key: ********\n");
	/* Scrubbing twice changes nothing more. */
	check("api_key: ***************************bcdef\n",
	      "api_key: ***************************bcdef\n");
	check("password: ********\n", "password: ********\n");
	check("\"api_key\": \"" API_KEY "\"",
	      "\"api_key\": \"***************************bcdef\"");
}

static void test_pem(void **state)
{
	(void)state;
	check("a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAAA\n"
	      "-----END RSA PRIVATE KEY-----\nb\n",
	      "a\n-----BEGIN RSA PRIVATE KEY-----\n********\n"
	      "-----END RSA PRIVATE KEY-----\nb\n");
	check("{\"k\":\"-----BEGIN PRIVATE KEY-----\\nMIIE\\n"
	      "-----END PRIVATE KEY-----\\n\"}",
	      "{\"k\":\"-----BEGIN PRIVATE KEY-----\\n********\\n"
	      "-----END PRIVATE KEY-----\\n\"}");
	check("x\\n-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Bl",
	      "x\\n-----BEGIN OPENSSH PRIVATE KEY-----\\n********");
	check("-----BEGIN EC PRIVATE KEY-----\r\nMHc\r\n",
	      "-----BEGIN EC PRIVATE KEY-----\r\n********");
}

static void test_added_names_and_secrets(void **state)
{
	struct cws_scrub *s = cws_scrub_new();

	(void)state;
	assert_non_null(s);
	assert_int_equal(cws_scrub_add_key(s, "mysql_dsn"), 0);
	assert_int_equal(cws_scrub_add_key(s, ""), -EINVAL);
	assert_int_equal(cws_scrub_add_secret(s, "hunter2hunter2", false), 0);
	assert_int_equal(cws_scrub_add_secret(s, "abc", false),
			 0); /* ignored */
	assert_int_equal(cws_scrub_add_secret(s, "NOTHEXAPIKEYVALUE99", true),
			 0);
	check_with(s, "a.mysql_dsn: root@tcp/db\nMYSQL_DSN=x\n",
		   "a.mysql_dsn: ********\nMYSQL_DSN=********\n");
	check_with(s, "log: sent hunter2hunter2 to abc",
		   "log: sent ******** to abc");
	check_with(s, "k NOTHEXAPIKEYVALUE99",
		   "k ***************************LUE99");
	assert_true(cws_scrub_key_is_secret(s, "x.MySQL_DSN"));
	assert_true(cws_scrub_key_is_secret(NULL, "runtime_security_config."
						  "endpoints.api_key"));
	assert_true(cws_scrub_key_is_secret(NULL, "DD_PROXY_PASSWORD"));
	assert_false(cws_scrub_key_is_secret(NULL, "auth_token_file_path"));
	assert_false(cws_scrub_key_is_secret(NULL, "flare_stripped_keys"));
	assert_false(cws_scrub_key_is_secret(NULL, "site"));
	cws_scrub_free(s);
	cws_scrub_free(NULL);
}

static void test_binary_and_limits(void **state)
{
	static const char bin[] = "pass\0word: x\0password: y";
	char *out, buf[64];
	size_t len;

	(void)state;
	assert_int_equal(cws_scrub_text(NULL, bin, sizeof(bin) - 1, &out, &len),
			 0);
	assert_int_equal(len, sizeof("pass\0word: x\0password: ********") - 1);
	assert_memory_equal(out, "pass\0word: x\0password: ********", len);
	free(out);
	assert_int_equal(cws_scrub_text(NULL, "x", CWS_SCRUB_MAX_INPUT + 1u,
					&out, &len),
			 -EFBIG);
	assert_null(out);
	assert_string_equal(cws_scrub_key_tail(API_KEY, buf, sizeof(buf)),
			    "***************************bcdef");
	assert_string_equal(cws_scrub_key_tail("abc", buf, sizeof(buf)),
			    CWS_SCRUB_MASK);
}

/*
 * A line of many keys takes time in proportion to its length: each key
 * used to look for its line's start and end from scratch, and a 2.8 MB
 * line of quoted keys took minutes (a 64 MB one, a day).
 */
static void test_long_line(void **state)
{
	static const char in1[] = "\"token\": \"x\", ";
	static const char out1[] = "\"token\": \"" CWS_SCRUB_MASK "\", ";
	const size_t n = 200000, ilen = sizeof(in1) - 1,
		     olen = sizeof(out1) - 1;
	struct timespec a, b;
	char *in = malloc(n * ilen), *out;
	size_t i, len;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < n; i++)
		memcpy(in + i * ilen, in1, ilen);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(cws_scrub_text(NULL, in, n * ilen, &out, &len), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 20);
	assert_int_equal(len, n * olen);
	for (i = 0; i < n; i++)
		assert_memory_equal(out + i * olen, out1, olen);
	free(out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untouched),
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_yaml_blocks),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_env_and_query),
		cmocka_unit_test(test_headers_and_bearer),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_api_keys),
		cmocka_unit_test(test_pem),
		cmocka_unit_test(test_added_names_and_secrets),
		cmocka_unit_test(test_binary_and_limits),
		cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
