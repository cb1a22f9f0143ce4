/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The upload, as Datadog's agent does it (helpers.SendTo): a multipart
 * POST with the DD-API-KEY header, the fields case_id, email, source,
 * flare_file, agent_version and hostname in that order, and a JSON
 * answer {"case_id", "error", "request_uuid"}. Redirects are not
 * followed: the archive is only ever sent to the URL that was asked for.
 */
#include "compat.h"
#include "flare.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config.h"
#include "scrub.h"

#define MAX_ANSWER (64u * 1024)

char *upload_url(const struct cws_config *cfg, const char *case_id)
{
	const char *url = cws_config_get_string(cfg, "flare_url");
	const char *site = cws_config_get_string(cfg, "site");
	char ver[64], *out = NULL;
	size_t i, n;
	int rc;

	if (!*site)
		site = "datadoghq.com";
	snprintf(ver, sizeof(ver), "%s", CWS_VERSION);
	for (i = 0; ver[i]; i++)
		if (ver[i] == '.')
			ver[i] = '-';
	if (*url) {
		n = strlen(url);
		while (n && url[n - 1] == '/')
			n--;
		rc = asprintf(&out, "%.*s%s%s", (int)n, url, case_id ? "/" : "",
			      case_id ? case_id : "");
	} else {
		rc = asprintf(&out,
			      "https://%s-flare.agent.%s/support/flare%s%s",
			      ver, site, case_id ? "/" : "",
			      case_id ? case_id : "");
	}
	return rc < 0 ? NULL : out;
}

static size_t on_answer(char *data, size_t size, size_t n, void *arg)
{
	struct fbuf *b = arg;

	if (b->len < MAX_ANSWER)
		fbuf_add(b, data,
			 size * n < MAX_ANSWER - b->len ? size * n :
							  MAX_ANSWER - b->len);
	return size * n;
}

static int add_field(curl_mime *mime, const char *name, const char *value)
{
	curl_mimepart *part = curl_mime_addpart(mime);

	if (!part || curl_mime_name(part, name) ||
	    curl_mime_data(part, value, CURL_ZERO_TERMINATED))
		return -1;
	return 0;
}

/* Prints what the endpoint said; returns 0 when it took the flare. */
static int judge(long code, const struct fbuf *answer, const char *api_key)
{
	json_t *j = answer->p ? json_loads(answer->p, 0, NULL) : NULL;
	const char *err = NULL;
	size_t n = strlen(api_key);
	int rc = -1;

	if (json_is_object(j) && json_is_string(json_object_get(j, "error")))
		err = json_string_value(json_object_get(j, "error"));
	if (code == 403) {
		cws_errorx("the flare endpoint refused the API key (403): "
			   "make sure your API key is valid; API key ending "
			   "with: %s",
			   n > 5 ? api_key + n - 5 : "");
	} else if (code < 200 || code > 299) {
		cws_errorx("the flare endpoint answered %ld%s%.200s", code,
			   err || answer->len ? ": " : "",
			   err	     ? err :
			   answer->p ? answer->p :
				       "");
	} else if (err && *err) {
		cws_errorx("the flare endpoint answered: %.200s", err);
	} else {
		json_t *id = json_object_get(j, "case_id");

		if (json_is_integer(id) && json_integer_value(id))
			fprintf(stderr,
				"Your logs were successfully uploaded. For "
				"future reference, your internal case id is "
				"%lld\n",
				(long long)json_integer_value(id));
		else
			fprintf(stderr,
				"Your logs were successfully uploaded.\n");
		rc = 0;
	}
	json_decref(j);
	return rc;
}

int upload_send(const struct cws_config *cfg, const struct upload *u)
{
	const char *api_key = cws_config_get_string(cfg, "api_key");
	const char *proxy = cws_config_get_string(cfg, "proxy.https");
	char hdr[512], errbuf[CURL_ERROR_SIZE] = "", name[PATH_MAX];
	struct curl_slist *headers = NULL;
	struct fbuf answer = { 0 };
	curl_mimepart *part;
	curl_mime *mime = NULL;
	char *url, *noproxy = NULL;
	CURLcode res;
	size_t i;
	long code = 0;
	CURL *curl;
	int rc = -1;

	if (!*api_key) {
		cws_errorx("no api_key is configured: cannot upload");
		return -1;
	}
	url = upload_url(cfg, u->case_id);
	curl = curl_easy_init();
	if (!url || !curl) {
		cws_errorx("out of memory");
		goto out;
	}
	snprintf(name, sizeof(name), "%s", u->archive);
	mime = curl_mime_init(curl);
	if (!mime || (u->case_id && add_field(mime, "case_id", u->case_id)) ||
	    (u->email && add_field(mime, "email", u->email)) ||
	    add_field(mime, "source", "local"))
		goto out_mem;
	part = curl_mime_addpart(mime);
	if (!part || curl_mime_name(part, "flare_file") ||
	    curl_mime_filedata(part, u->archive) ||
	    curl_mime_filename(part, basename(name)) ||
	    curl_mime_type(part, "application/octet-stream"))
		goto out_mem;
	if (add_field(mime, "agent_version", CWS_VERSION) ||
	    add_field(mime, "hostname", u->hostname))
		goto out_mem;
	snprintf(hdr, sizeof(hdr), "DD-API-KEY: %s", api_key);
	headers = curl_slist_append(NULL, hdr);
	if (!headers)
		goto out_mem;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "cws-flare/" CWS_VERSION);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (*proxy)
		curl_easy_setopt(curl, CURLOPT_PROXY, proxy);
	/* The list is space separated; curl wants commas. */
	noproxy = strdup(cws_config_get_string(cfg, "proxy.no_proxy"));
	if (!noproxy)
		goto out_mem;
	for (i = 0; noproxy[i]; i++)
		if (noproxy[i] == ' ')
			noproxy[i] = ',';
	if (*noproxy)
		curl_easy_setopt(curl, CURLOPT_NOPROXY, noproxy);
	if (cws_config_get_bool(cfg, "skip_ssl_validation")) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	fprintf(stderr, "Uploading %s to %s\n", u->archive, url);
	res = curl_easy_perform(curl);
	if (res != CURLE_OK) {
		cws_errorx("cannot upload to '%s': %s", url,
			   *errbuf ? errbuf : curl_easy_strerror(res));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	rc = judge(code, &answer, api_key);
	goto out;
out_mem:
	cws_errorx("cannot build the upload: out of memory");
out:
	curl_slist_free_all(headers);
	curl_mime_free(mime);
	if (curl)
		curl_easy_cleanup(curl);
	fbuf_release(&answer);
	free(noproxy);
	free(url);
	return rc;
}
