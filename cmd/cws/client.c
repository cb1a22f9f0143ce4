/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws config set and cws config list-runtime: the client side of the IPC
 * API (api.c), as Datadog's `security-agent config` is. They talk to the
 * agent that runs, not to the configuration file: HTTPS to
 * cmd_host:security_agent.cmd_port with the bearer token of the auth
 * token file. The certificate is not verified, as Datadog's CLI does not
 * verify it: the agent makes a new self-signed one at every start, and
 * the token, readable only by the agent's user, is what authenticates.
 * Answers are capped at RESPONSE_MAX bytes.
 */
#include "compat.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cws.h"
#include "exit.h"
#include "log.h"

#define RESPONSE_MAX 65536
#define TOKEN_MAX 1024
#define CONNECT_TIMEOUT_S 5L
#define REQUEST_TIMEOUT_S 30L

struct response {
	char buf[RESPONSE_MAX + 1];
	size_t len;
	bool truncated;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct response *r = arg;
	size_t len = size * n, room = RESPONSE_MAX - r->len;

	if (len > room) {
		r->truncated = true;
		len = room;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	r->buf[r->len] = '\0';
	return size * n;
}

/* The token, trimmed as the API trims it; 0 or -1 with the error said. */
static int read_token(const struct front *f, char *tok, size_t len)
{
	char path[4096], raw[TOKEN_MAX];
	ssize_t n;
	int fd;

	if (front_api_token_path(f, path, sizeof(path))) {
		cws_errorx("auth token path too long");
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		cws_errorx("cannot read the auth token '%s': %s", path,
			   strerror(errno));
		return -1;
	}
	n = read(fd, raw, sizeof(raw) < len ? sizeof(raw) : len - 1);
	close(fd);
	if (n < 0) {
		cws_errorx("cannot read the auth token '%s': %s", path,
			   strerror(errno));
		return -1;
	}
	front_token_trim(tok, raw, (size_t)n);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/* "https://localhost:5010", what cws run's API listens on. */
static void api_base(const struct front *f, char *buf, size_t len)
{
	const char *host = cws_config_get_string(f->cfg, "cmd_host");
	long long port = cws_config_get_int(f->cfg, "security_agent.cmd_port");

	if (cws_config_source(f->cfg, "ipc_address") != CWS_CONFIG_SRC_DEFAULT)
		host = cws_config_get_string(f->cfg, "ipc_address");
	snprintf(buf, len,
		 strchr(host, ':') ? "https://[%s]:%lld" : "https://%s:%lld",
		 host, port);
}

/*
 * One request to the API: GET path, or POST with body when body is not
 * NULL. Returns the HTTP code with the answer in r, or -1 with the error
 * said (the agent cannot be reached).
 */
static long request(const struct front *f, const char *path, const char *body,
		    struct response *r)
{
	char base[300], url[1200], tok[TOKEN_MAX + 1], auth[TOKEN_MAX + 64];
	char cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	long code = -1;
	CURLcode rc;
	CURL *c;

	if (read_token(f, tok, sizeof(tok)))
		return -1;
	api_base(f, base, sizeof(base));
	snprintf(url, sizeof(url), "%s%s", base, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		cws_errorx("cannot initialise libcurl");
		return -1;
	}
	c = curl_easy_init();
	hdr = curl_slist_append(hdr, auth);
	if (!c || !hdr) {
		cws_errorx("cannot initialise libcurl");
		goto out_cleanup;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		cws_errorx("cannot reach the agent's API at %s: %s", base,
			   cerr[0] ? cerr : curl_easy_strerror(rc));
		goto out_cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
out_cleanup:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	explicit_bzero(tok, sizeof(tok));
	explicit_bzero(auth, sizeof(auth));
	return code;
}

/* An answer other than 200: the API's {"error": ...}, or its text. */
static int refused(const char *what, long code, const struct response *r)
{
	json_t *doc = json_loads(r->buf, 0, NULL);
	const char *msg = json_string_value(json_object_get(doc, "error"));
	size_t n = r->len;

	if (!msg) {
		while (n && strchr(" \r\n", r->buf[n - 1]))
			n--;
		cws_errorx("%s: the agent answered %ld: %.*s", what, code,
			   (int)n, r->buf);
	} else {
		cws_errorx("%s: %s", what, msg);
	}
	json_decref(doc);
	return CWS_EXIT_FAILURE;
}

static int config_set(const struct front *f, const char *key, const char *value)
{
	static struct response r;
	char path[600], *esc_key, *esc_val, *body;
	long code;
	int rc = CWS_EXIT_FAILURE;

	esc_key = curl_easy_escape(NULL, key, 0);
	esc_val = curl_easy_escape(NULL, value, 0);
	if (!esc_key || !esc_val || asprintf(&body, "value=%s", esc_val) < 0) {
		cws_errorx("out of memory");
		goto out_free;
	}
	snprintf(path, sizeof(path), "/agent/config/%s", esc_key);
	code = request(f, path, body, &r);
	free(body);
	if (code == 200) {
		printf("Configuration setting %s is now set to: %s\n", key,
		       value);
		rc = CWS_EXIT_OK;
	} else if (code > 0) {
		refused("config set", code, &r);
	}
out_free:
	curl_free(esc_key);
	curl_free(esc_val);
	return rc;
}

static int list_runtime(const struct front *f)
{
	static struct response r;
	const char *key;
	json_t *doc, *v;
	long code;

	code = request(f, "/agent/config/list-runtime", NULL, &r);
	if (code < 0)
		return CWS_EXIT_FAILURE;
	if (code != 200)
		return refused("config list-runtime", code, &r);
	doc = json_loads(r.buf, 0, NULL);
	if (!json_is_object(doc)) {
		cws_errorx("config list-runtime: the agent's answer is not "
			   "a JSON object");
		json_decref(doc);
		return CWS_EXIT_FAILURE;
	}
	printf("=== Settings that can be changed at runtime ===\n");
	json_object_foreach(doc, key, v) {
		if (json_is_true(json_object_get(v, "Hidden")))
			continue;
		printf("%-30s %s\n", key,
		       json_string_value(json_object_get(v, "Description")) ?:
									      "");
	}
	json_decref(doc);
	return CWS_EXIT_OK;
}

int front_config_remote(const struct front *f, int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[0], "set"))
		return config_set(f, argv[1], argv[2]);
	if (argc == 1 && !strcmp(argv[0], "list-runtime"))
		return list_runtime(f);
	fprintf(stderr, "usage: cws config set key value | list-runtime\n");
	return CWS_EXIT_USAGE;
}
