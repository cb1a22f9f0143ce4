/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the imds event's HTTP parser (cmd/cws-probe/imds.c):
 * requests and responses as the metadata services of each cloud see and
 * send them, Datadog's provider order, is_imds_v2, AWS credentials, and
 * input that is not HTTP or does not fit.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../cmd/cws-probe/imds.c"

static char buf[4096];

static struct cws_evobj parse(const char *msg)
{
	struct cws_evobj x;

	memset(&x, 0, sizeof(x));
	assert_int_equal(cws_imds_parse(msg, strlen(msg), &x, buf, sizeof(buf)),
			 0);
	return x;
}

static void test_aws_request(void **state)
{
	struct cws_evobj x;

	(void)state;
	x = parse(
		"GET /latest/meta-data/iam/security-credentials/web?x=1 HTTP/1.1\r\n"
		"Host: 169.254.169.254\r\n"
		"user-agent:  curl/7.88.1 \r\n"
		"Accept: */*\r\n\r\n");
	assert_string_equal(x.imds.type, "request");
	assert_string_equal(x.imds.method, "GET");
	assert_string_equal(
		x.imds.url,
		"/latest/meta-data/iam/security-credentials/web?x=1");
	assert_string_equal(x.imds.host, "169.254.169.254");
	assert_string_equal(x.imds.user_agent, "curl/7.88.1");
	assert_string_equal(x.imds.cloud_provider, "aws");
	assert_false(x.imds.aws_is_imds_v2);
	assert_null(x.imds.server);
	assert_null(x.imds.aws_code);

	x = parse("PUT /latest/api/token HTTP/1.1\r\n"
		  "X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\r\n");
	assert_string_equal(x.imds.method, "PUT");
	assert_true(x.imds.aws_is_imds_v2);
	x = parse("GET / HTTP/1.1\r\nX-aws-ec2-metadata-token: AQAE\r\n\r\n");
	assert_true(x.imds.aws_is_imds_v2);
	/* An empty token is no token. */
	x = parse("GET / HTTP/1.1\r\nX-aws-ec2-metadata-token:\r\n\r\n");
	assert_false(x.imds.aws_is_imds_v2);
	/* Bare LF line ends, no headers at all. */
	x = parse("GET /latest/meta-data/\nHost: a\n\n");
	assert_string_equal(x.imds.url, "/latest/meta-data/");
	assert_string_equal(x.imds.host, "a");
}

static void test_providers(void **state)
{
	(void)state;
	assert_string_equal(parse("GET /computeMetadata/v1/ HTTP/1.1\r\n"
				  "Metadata-Flavor: Google\r\n\r\n")
				    .imds.cloud_provider,
			    "gcp");
	assert_string_equal(
		parse("GET /x HTTP/1.1\r\nMetadata-Flavor: ibm\r\n\r\n")
			.imds.cloud_provider,
		"ibm");
	assert_string_equal(parse("GET /x HTTP/1.1\r\n"
				  "Authorization: Bearer Oracle\r\n\r\n")
				    .imds.cloud_provider,
			    "oracle");
	assert_string_equal(parse("GET /opc/v2/instance/ HTTP/1.1\r\n\r\n")
				    .imds.cloud_provider,
			    "oracle");
	assert_string_equal(parse("GET /metadata/instance HTTP/1.1\r\n"
				  "Metadata: true\r\n\r\n")
				    .imds.cloud_provider,
			    "azure");
	/* Datadog's order: Google before Azure. */
	assert_string_equal(parse("GET /x HTTP/1.1\r\nMetadata: true\r\n"
				  "Metadata-Flavor: Google\r\n\r\n")
				    .imds.cloud_provider,
			    "gcp");
}

static void test_response(void **state)
{
	struct cws_evobj x;

	(void)state;
	x = parse(
		"HTTP/1.1 200 OK\r\nServer: EC2ws\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"{\"Code\": \"Success\", \"LastUpdated\": \"2026-12-06T08:00:00Z\", "
		"\"Type\": \"AWS-HMAC\", \"AccessKeyId\": \"ASIAX\", "
		"\"SecretAccessKey\": \"s\", \"Token\": \"t\", "
		"\"Expiration\": \"2026-12-06T14:00:00Z\"}");
	assert_string_equal(x.imds.type, "response");
	assert_null(x.imds.url);
	assert_null(x.imds.method);
	assert_string_equal(x.imds.server, "EC2ws");
	assert_string_equal(x.imds.aws_code, "Success");
	assert_string_equal(x.imds.aws_type, "AWS-HMAC");
	assert_string_equal(x.imds.aws_access_key_id, "ASIAX");
	assert_string_equal(x.imds.aws_last_updated, "2026-12-06T08:00:00Z");
	assert_string_equal(x.imds.aws_expiration, "2026-12-06T14:00:00Z");
	/* A body cut by the capture, or another document: no credentials. */
	x = parse("HTTP/1.1 200 OK\r\n\r\n{\"Code\": \"Success\", \"Type\": ");
	assert_null(x.imds.aws_code);
	x = parse("HTTP/1.1 200 OK\r\n\r\nami-0abc\n");
	assert_null(x.imds.aws_code);
	x = parse("HTTP/1.1 200 OK\r\n\r\n[\"Code\"]");
	assert_null(x.imds.aws_code);
}

static void test_refused_and_bounded(void **state)
{
	struct cws_evobj x;
	char small[24];
	const char *req = "GET /latest/meta-data/iam/security-credentials/role "
			  "HTTP/1.1\r\nHost: h\r\n\r\n";

	(void)state;
	memset(&x, 0, sizeof(x));
	assert_int_equal(cws_imds_parse("\x05\x01\x00\x01", 4, &x, buf,
					sizeof(buf)),
			 -EINVAL);
	assert_int_equal(cws_imds_parse("GETX / HTTP/1.1\r\n", 17, &x, buf,
					sizeof(buf)),
			 -EINVAL);
	assert_int_equal(cws_imds_parse("", 0, &x, buf, sizeof(buf)), -EINVAL);
	/* The url does not fit: left out; the host still does. */
	assert_int_equal(
		cws_imds_parse(req, strlen(req), &x, small, sizeof(small)), 0);
	assert_null(x.imds.url);
	assert_string_equal(x.imds.host, "h");
	/* A request line without its end (the capture's 2048 bytes). */
	assert_int_equal(cws_imds_parse("GET /abc", 8, &x, buf, sizeof(buf)),
			 0);
	assert_string_equal(x.imds.url, "/abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_request),
		cmocka_unit_test(test_providers),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_refused_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
