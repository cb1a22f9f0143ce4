/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The endpoints, built from Datadog's keys as its security agent builds
 * them (pkg/security/common/logs_context.go NewLogContext, and
 * comp/logs/agent/config/config.go).
 *
 * HTTP (BuildHTTPEndpointsWithConfig, runtime_security_config.endpoints.
 * keys, intake "runtime-security-http-intake.logs."):
 *
 *   observability_pipelines_worker.logs.url  when .enabled: the Worker
 *   logs_dd_url (host:port)  wins, TLS unless logs_no_ssl
 *   dd_url                   a host, maybe with a scheme and a port
 *   otherwise                runtime-security-http-intake.logs.<site>:443
 *   path                     /api/v2/secruntime, /api/v2/logs when
 *                            use_secruntime_track is false (and for the
 *                            Worker, whose datadog_agent source takes
 *                            only Datadog's logs paths), /v1/input when
 *                            use_v2_api is false
 *   api_key                  the endpoint's own key, else api_key
 *   additional_endpoints     a JSON list of {api_key, host, port,
 *                            use_ssl, is_reliable}, each delivered on
 *                            its own
 *
 * When those keys cannot make an endpoint (a value that does not parse),
 * Datadog falls back to the logs_config. keys and the generic intake
 * "agent-http-intake.logs.", and an HTTP connectivity check against its
 * main endpoint decides between HTTP and TCP (endpoint_decide).
 *
 * TCP (buildTCPEndpoints, logs_config. keys): see endpoint_build_tcp.
 *
 * multi_region_failover adds one HTTP endpoint, the same track at
 * "<intake>mrf.<mrf site>" or multi_region_failover.dd_url, with its own
 * key; cws-ship links batches to it only while failover_logs is on.
 *
 * Every endpoint also gets a stable id, the name of its directory in the
 * spool: a hash of its URL (not of its key, so that rotating a key keeps
 * what is queued).
 */
#include "compat.h"
#include "ship.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config.h"

#define RSC "runtime_security_config."
#define EPS RSC "endpoints."
#define LC "logs_config."
#define MRF "multi_region_failover."
#define OPW "observability_pipelines_worker.logs."
#define INTAKE_PREFIX "runtime-security-http-intake.logs."
#define GENERIC_HTTP_PREFIX "agent-http-intake.logs."
#define TCP_PREFIX "agent-intake.logs."
#define CHECK_TIMEOUT_MS 5000 /* Datadog's connectivity check */

/* Datadog trims white space around keys (SanitizeAPIKey). */
static void copy_key(char *dst, size_t len, const char *src)
{
	size_t n;

	while (isspace((unsigned char)*src))
		src++;
	n = strlen(src);
	while (n && isspace((unsigned char)src[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Splits "[scheme://]host[:port][/...]" into host and port; a scheme sets
 * *ssl. need_port: a port must be there (Datadog's parseAddress for
 * host:port keys). Returns 0 or -EINVAL.
 */
static int split_host(const char *in, char *host, size_t hlen, int *port,
		      bool *ssl, bool need_port)
{
	const char *p = in, *colon, *end;
	bool scheme = false;
	long v;
	char *e;

	if (!strncasecmp(p, "https://", 8)) {
		*ssl = true;
		p += 8;
		scheme = true;
	} else if (!strncasecmp(p, "http://", 7)) {
		*ssl = false;
		p += 7;
		scheme = true;
	}
	end = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		colon = end;
	if (colon == p || (size_t)(colon - p) >= hlen)
		return -EINVAL;
	if (need_port && !scheme && colon == end)
		return -EINVAL;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	if (colon < end) {
		v = strtol(colon + 1, &e, 10);
		if (e != end || v < 1 || v > 65535)
			return -EINVAL;
		*port = (int)v;
	}
	return 0;
}

/* FNV-1a: stable across builds and machines, which is all it needs. */
static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static int finish(struct endpoint *ep, const char *path)
{
	int n;

	if (!ep->port)
		ep->port = ep->ssl ? 443 : 80;
	if (ep->proto == EP_TCP)
		n = snprintf(ep->url, sizeof(ep->url), "%s://%s:%d",
			     ep->ssl ? "tcp+tls" : "tcp", ep->host, ep->port);
	else
		n = snprintf(ep->url, sizeof(ep->url), "%s://%s:%d%s",
			     ep->ssl ? "https" : "http", ep->host, ep->port,
			     path);
	if (n >= (int)sizeof(ep->url))
		return -EINVAL;
	snprintf(ep->id, sizeof(ep->id), "ep-%016llx",
		 (unsigned long long)fnv(ep->url));
	return 0;
}

/*
 * An address that does not parse is -EDESTADDRREQ: Datadog then falls
 * back to the logs_config. keys (endpoint_decide); any other bad value
 * is -EINVAL, a configuration error.
 */
static int bad(char *err, size_t errlen, const char *fmt, ...) CWS_PRINTF(3, 4);

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int bad_address(char *err, size_t errlen, const char *fmt, ...)
	CWS_PRINTF(3, 4);

static int bad_address(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EDESTADDRREQ;
}

/* A key that is set: a list with at least one element, for lists. */
static bool has_list(const char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	if (!*text)
		return false;
	if (*text != '[')
		return true;
	text++;
	while (isspace((unsigned char)*text))
		text++;
	return *text != ']';
}

/*
 * The entries of an additional_endpoints list (key names it in errors);
 * they inherit the main endpoint's TLS, protocol and proxy.
 */
static int additional(const char *key, const char *text,
		      struct endpoint_set *set, const struct endpoint *main_ep,
		      const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *list, *it, *v;
	size_t i;
	int rc = 0;

	list = json_loads(text, 0, &jerr);
	if (!list)
		return bad(err, errlen,
			   "%s: expected a JSON list of maps, got invalid "
			   "JSON at column %d: %s",
			   key, jerr.column, jerr.text);
	if (!json_is_array(list)) {
		rc = bad(err, errlen, "%s: expected a list of maps", key);
		goto out;
	}
	json_array_foreach(list, i, it) {
		struct endpoint *ep = &set->ep[set->n];
		const char *host;
		json_int_t port = 0;

		if (set->n >= SHIP_MAX_ENDPOINTS - 1) {
			rc = bad(err, errlen, "%s: more than %d", key,
				 SHIP_MAX_ENDPOINTS - 2);
			goto out;
		}
		if (!json_is_object(it)) {
			rc = bad(err, errlen, "%s[%zu]: expected a map", key,
				 i);
			goto out;
		}
		memset(ep, 0, sizeof(*ep));
		host = json_string_value(json_object_get(it, "host"));
		if (!host || !*host) {
			rc = bad(err, errlen, "%s[%zu]: expected a host", key,
				 i);
			goto out;
		}
		ep->proto = main_ep->proto;
		ep->ssl = main_ep->ssl;
		snprintf(ep->proxy, sizeof(ep->proxy), "%s", main_ep->proxy);
		v = json_object_get(it, "use_ssl");
		if (json_is_boolean(v) && ep->proto == EP_HTTP)
			ep->ssl = json_is_true(v);
		if (split_host(host, ep->host, sizeof(ep->host), &ep->port,
			       &ep->ssl, false)) {
			rc = bad(err, errlen, "%s[%zu]: invalid host '%s'", key,
				 i, host);
			goto out;
		}
		v = json_object_get(it, "port");
		if (json_is_integer(v))
			port = json_integer_value(v);
		else if (json_is_string(v))
			port = strtol(json_string_value(v), NULL, 10);
		if (v && (port < 1 || port > 65535)) {
			rc = bad(err, errlen,
				 "%s[%zu]: expected a port from 1 to 65535",
				 key, i);
			goto out;
		}
		if (port)
			ep->port = (int)port;
		if (ep->proto == EP_TCP && !ep->port) {
			rc = bad(err, errlen, "%s[%zu]: expected a port", key,
				 i);
			goto out;
		}
		v = json_object_get(it, "is_reliable");
		ep->reliable = !json_is_false(v);
		ep->additional = true;
		v = json_object_get(it, "api_key");
		copy_key(ep->api_key, sizeof(ep->api_key),
			 json_is_string(v) ? json_string_value(v) : "");
		if (finish(ep, path)) {
			rc = bad(err, errlen, "%s[%zu]: URL too long", key, i);
			goto out;
		}
		set->n++;
	}
out:
	json_decref(list);
	return rc;
}

/* Two endpoints with one URL would share a spool directory. */
static int no_twins(const struct endpoint_set *set, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 1; i < set->n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(set->ep[i].url, set->ep[j].url))
				return bad(err, errlen,
					   "endpoint '%s' is configured twice",
					   set->ep[i].url);
	return 0;
}

static int compression(const struct cws_config *cfg, const char *p,
		       struct endpoint_set *set, char *err, size_t errlen)
{
	char k[128];
	const char *kind;

	snprintf(k, sizeof(k), "%scompression_kind", p);
	kind = cws_config_get_string(cfg, k);
	snprintf(k, sizeof(k), "%suse_compression", p);
	set->use_compression = cws_config_get_bool(cfg, k);
	if (!strcasecmp(kind, "gzip")) {
		snprintf(set->encoding, sizeof(set->encoding), "gzip");
		snprintf(k, sizeof(k), "%scompression_level", p);
		set->level = (int)cws_config_get_int(cfg, k);
		/* Datadog clamps the gzip level. */
		if (set->level < 0)
			set->level = 0;
		if (set->level > 9)
			set->level = 9;
	} else if (!strcasecmp(kind, "zstd")) {
		snprintf(set->encoding, sizeof(set->encoding), "zstd");
		snprintf(k, sizeof(k), "%szstd_compression_level", p);
		set->level = (int)cws_config_get_int(cfg, k);
		if (set->level < 1)
			set->level = 1;
		if (set->level > 19)
			set->level = 19;
	} else {
		return bad(err, errlen,
			   "%scompression_kind: expected gzip or zstd, got "
			   "'%s'",
			   p, kind);
	}
	if (!set->use_compression)
		snprintf(set->encoding, sizeof(set->encoding), "identity");
	return 0;
}

static void track_path(const struct cws_config *cfg, const char *p, bool logs,
		       char *path, size_t len)
{
	char k[128];

	snprintf(k, sizeof(k), "%suse_v2_api", p);
	if (!cws_config_get_bool(cfg, k))
		snprintf(path, len, "/v1/input");
	else
		snprintf(path, len, "/api/v2/%s",
			 !logs && cws_config_get_bool(cfg, RSC
						      "use_secruntime_track") ?
				 "secruntime" :
				 "logs");
}

/*
 * BuildHTTPEndpointsWithConfig with the keys under p and the intake
 * host prefix: the main endpoint (the Worker's when opw) and the
 * additional ones.
 */
static int build_http(const struct cws_config *cfg, const char *p,
		      const char *intake, bool opw, struct endpoint_set *set,
		      char *err, size_t errlen)
{
	char k[128], path[64];
	const char *logs_dd_url, *dd_url, *key, *extra;
	const char *site = cws_config_get_string(cfg, "site");
	struct endpoint *ep = &set->ep[0];
	bool no_ssl;

	snprintf(k, sizeof(k), "%slogs_dd_url", p);
	logs_dd_url = cws_config_get_string(cfg, k);
	snprintf(k, sizeof(k), "%sdd_url", p);
	dd_url = cws_config_get_string(cfg, k);
	snprintf(k, sizeof(k), "%sapi_key", p);
	key = cws_config_get_string(cfg, k);
	if (!*key)
		key = cws_config_get_string(cfg, "api_key");
	snprintf(k, sizeof(k), "%sadditional_endpoints", p);
	extra = cws_config_get_string(cfg, k);
	snprintf(k, sizeof(k), "%slogs_no_ssl", p);
	no_ssl = cws_config_get_bool(cfg, k);

	set->n = 0;
	set->proto = EP_HTTP;
	set->opw = false;
	if (compression(cfg, p, set, err, errlen))
		return -EINVAL;
	track_path(cfg, p, opw, path, sizeof(path));

	memset(ep, 0, sizeof(*ep));
	ep->reliable = true;
	ep->ssl = true;
	ep->proto = EP_HTTP;
	if (opw) {
		const char *url = cws_config_get_string(cfg, OPW "url");

		ep->ssl = !no_ssl;
		if (!*url)
			return bad(err, errlen,
				   OPW "url: expected the Worker's URL, as " OPW
				       "enabled is true");
		if (split_host(url, ep->host, sizeof(ep->host), &ep->port,
			       &ep->ssl, true))
			return bad_address(err, errlen,
					   OPW
					   "url: expected host:port or a URL, "
					   "got '%s'",
					   url);
		set->opw = true;
	} else if (*logs_dd_url) {
		ep->ssl = !no_ssl;
		if (split_host(logs_dd_url, ep->host, sizeof(ep->host),
			       &ep->port, &ep->ssl, true))
			return bad_address(
				err, errlen,
				"%slogs_dd_url: expected host:port, got "
				"'%s'",
				p, logs_dd_url);
	} else if (*dd_url) {
		if (split_host(dd_url, ep->host, sizeof(ep->host), &ep->port,
			       &ep->ssl, false))
			return bad_address(
				err, errlen,
				"%sdd_url: expected a host, got '%s'", p,
				dd_url);
	} else {
		if (!*site || strchr(site, '/') ||
		    snprintf(ep->host, sizeof(ep->host), "%s%s", intake,
			     site) >= (int)sizeof(ep->host))
			return bad(err, errlen,
				   "site: expected a domain, got '%s'", site);
	}
	copy_key(ep->api_key, sizeof(ep->api_key), key);
	if (finish(ep, path))
		return bad(err, errlen, "intake URL too long");
	set->n = 1;
	set->configured = set->configured || *ep->api_key || *logs_dd_url ||
			  *dd_url || *extra || opw;
	snprintf(k, sizeof(k), "%sadditional_endpoints", p);
	if (*extra && additional(k, extra, set, ep, path, err, errlen))
		return -EINVAL;
	return no_twins(set, err, errlen);
}

int endpoint_build(const struct cws_config *cfg, struct endpoint_set *set,
		   char *err, size_t errlen)
{
	set->configured = false;
	return build_http(cfg, EPS, INTAKE_PREFIX,
			  cws_config_get_bool(cfg, OPW "enabled"), set, err,
			  errlen);
}

/* Datadog's logsEndpoints: the TCP port of its own intakes. */
static int tcp_port(const char *host, int dd_port)
{
	static const struct {
		const char *host;
		int port;
	} known[] = {
		{ TCP_PREFIX "datadoghq.com", 10516 },
		{ TCP_PREFIX "datadoghq.eu", 443 },
		{ TCP_PREFIX "datad0g.com", 10516 },
		{ TCP_PREFIX "datad0g.eu", 443 },
	};
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(known); i++)
		if (!strcmp(host, known[i].host))
			return known[i].port;
	return dd_port;
}

int endpoint_build_tcp(const struct cws_config *cfg, struct endpoint_set *set,
		       char *err, size_t errlen)
{
	const char *logs_dd_url = cws_config_get_string(cfg, LC "logs_dd_url");
	const char *dd_url = cws_config_get_string(cfg, LC "dd_url");
	const char *site = cws_config_get_string(cfg, "site");
	const char *key = cws_config_get_string(cfg, LC "api_key");
	const char *socks =
		cws_config_get_string(cfg, LC "socks5_proxy_address");
	const char *extra =
		cws_config_get_string(cfg, LC "additional_endpoints");
	struct endpoint *ep = &set->ep[0];

	if (!*key)
		key = cws_config_get_string(cfg, "api_key");
	set->n = 0;
	set->proto = EP_TCP;
	set->opw = false;
	/* TCP frames are never compressed (Datadog's "none"). */
	set->use_compression = false;
	memset(ep, 0, sizeof(*ep));
	ep->proto = EP_TCP;
	ep->reliable = true;
	if (*socks) {
		const char *a = strstr(socks, "://");

		snprintf(ep->proxy, sizeof(ep->proxy), "%s", a ? a + 3 : socks);
	}
	if (*logs_dd_url) {
		ep->ssl = !cws_config_get_bool(cfg, LC "logs_no_ssl");
		if (split_host(logs_dd_url, ep->host, sizeof(ep->host),
			       &ep->port, &ep->ssl, true))
			return bad(err, errlen,
				   LC "logs_dd_url: expected host:port, got "
				      "'%s'",
				   logs_dd_url);
	} else if (cws_config_get_bool(cfg, LC "use_port_443")) {
		snprintf(ep->host, sizeof(ep->host), "%s",
			 cws_config_get_string(cfg, LC "dd_url_443"));
		ep->port = 443;
		ep->ssl = true;
	} else {
		ep->ssl = true;
		if (*dd_url) {
			if (split_host(dd_url, ep->host, sizeof(ep->host),
				       &ep->port, &ep->ssl, false))
				return bad(err, errlen,
					   LC "dd_url: expected a host, got "
					      "'%s'",
					   dd_url);
		} else if (!*site || strchr(site, '/') ||
			   snprintf(ep->host, sizeof(ep->host), TCP_PREFIX "%s",
				    site) >= (int)sizeof(ep->host)) {
			return bad(err, errlen,
				   "site: expected a domain, got '%s'", site);
		}
		if (!ep->port)
			ep->port = tcp_port(ep->host,
					    (int)cws_config_get_int(cfg, LC
								    "dd_port"));
	}
	copy_key(ep->api_key, sizeof(ep->api_key), key);
	if (finish(ep, ""))
		return bad(err, errlen, "intake address too long");
	set->n = 1;
	set->configured = true;
	if (*extra && additional(LC "additional_endpoints", extra, set, ep, "",
				 err, errlen))
		return -EINVAL;
	return no_twins(set, err, errlen);
}

/*
 * The failover region's endpoint: the main endpoint's track and
 * compression at multi_region_failover.dd_url, or at the main intake's
 * host with "mrf." after ".logs." for multi_region_failover.site.
 */
static int add_mrf(const struct cws_config *cfg, struct endpoint_set *set,
		   char *err, size_t errlen)
{
	const char *site = cws_config_get_string(cfg, MRF "site");
	const char *dd_url = cws_config_get_string(cfg, MRF "dd_url");
	struct endpoint *ep = &set->ep[set->n];
	char path[64];

	if (set->n >= SHIP_MAX_ENDPOINTS)
		return bad(err, errlen, "too many endpoints");
	memset(ep, 0, sizeof(*ep));
	ep->proto = EP_HTTP;
	ep->ssl = true;
	ep->reliable = true;
	ep->mrf = true;
	track_path(cfg, EPS, false, path, sizeof(path));
	if (*dd_url) {
		if (split_host(dd_url, ep->host, sizeof(ep->host), &ep->port,
			       &ep->ssl, false))
			return bad(err, errlen,
				   MRF "dd_url: expected a host, got '%s'",
				   dd_url);
	} else if (*site && !strchr(site, '/')) {
		snprintf(ep->host, sizeof(ep->host), INTAKE_PREFIX "mrf.%s",
			 site);
	} else {
		return bad(err, errlen,
			   MRF "enabled is true: expected " MRF "site or " MRF
			       "dd_url");
	}
	copy_key(ep->api_key, sizeof(ep->api_key),
		 cws_config_get_string(cfg, MRF "api_key"));
	if (finish(ep, path))
		return bad(err, errlen, MRF "dd_url: URL too long");
	set->n++;
	return no_twins(set, err, errlen);
}

bool endpoint_http_check(const struct endpoint *ep, void *arg)
{
	struct curl_slist *hl = NULL;
	char key[300];
	long code = 0;
	CURLcode cc;
	CURL *c;

	(void)arg;
	c = curl_easy_init();
	if (!c)
		return false;
	snprintf(key, sizeof(key), "DD-API-KEY: %s", ep->api_key);
	hl = curl_slist_append(hl, key);
	hl = curl_slist_append(hl, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, ep->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)CHECK_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
			 "datadog-agent/" SHIP_AGENT_VERSION);
	if (getenv("SSL_CERT_FILE"))
		curl_easy_setopt(c, CURLOPT_CAINFO, getenv("SSL_CERT_FILE"));
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	cws_debug("connectivity check of '%s': %s", ep->url,
		  cc != CURLE_OK ? curl_easy_strerror(cc) :
		  code < 400	 ? "ok" :
				   "refused");
	return cc == CURLE_OK && code >= 200 && code < 400;
}

int endpoint_decide(const struct cws_config *cfg, struct endpoint_set *set,
		    endpoint_check_fn check, void *check_arg, char *err,
		    size_t errlen)
{
	bool force_http = cws_config_get_bool(cfg, LC "force_use_http") ||
			  cws_config_get_bool(cfg, LC "use_http") ||
			  cws_config_get_bool(cfg, EPS "use_http");
	bool force_tcp = cws_config_get_bool(cfg, LC "force_use_tcp") ||
			 cws_config_get_bool(cfg, LC "use_tcp");
	bool socks = *cws_config_get_string(cfg, LC "socks5_proxy_address");
	bool tcp_extra =
		has_list(cws_config_get_string(cfg, LC "additional_endpoints"));
	bool opw = cws_config_get_bool(cfg, OPW "enabled");
	bool mrf = cws_config_get_bool(cfg, MRF "enabled");
	bool checked = false, check_ok = true, http;
	char why[256];
	long long conc;
	int rc;

	memset(set, 0, sizeof(*set));
	pthread_mutex_init(&set->key_mu, NULL);
	conc = cws_config_get_int(cfg, EPS "batch_max_concurrent_send");
	if (conc < 0) {
		cws_warnx(EPS "batch_max_concurrent_send: %lld should be >= "
			      "0: using 0",
			  conc);
		conc = 0;
	}
	if (conc > 64) {
		cws_warnx(EPS "batch_max_concurrent_send: %lld is more than "
			      "cws-ship runs: using 64",
			  conc);
		conc = 64;
	}
	set->concurrency = conc > 0 ? (int)conc : 1;

	rc = endpoint_build(cfg, set, why, sizeof(why));
	if (rc && rc != -EDESTADDRREQ) {
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	if (rc) {
		/*
		 * Datadog's security agent: the generic logs keys, and the
		 * connectivity check of their main HTTP endpoint.
		 */
		cws_warnx("%s: using the " LC "* endpoints instead", why);
		set->configured = false;
		if (build_http(cfg, LC, GENERIC_HTTP_PREFIX, opw, set, err,
			       errlen))
			return -EINVAL; /* what could it send to? */
		if (!force_http && !opw && !mrf && !force_tcp && !socks &&
		    !tcp_extra) {
			check_ok = check(&set->ep[0], check_arg);
			checked = true;
		}
	}
	http = force_http || opw || mrf ||
	       (check_ok && !(force_tcp || socks || tcp_extra));
	if (http) {
		snprintf(set->decision, sizeof(set->decision), "HTTP: %s",
			 force_http ? LC "force_use_http is set" :
			 opw	    ? OPW "enabled is set" :
			 mrf	    ? MRF "enabled is set" :
			 checked    ? "the connectivity check passed" :
				      DEFAULT_DECISION);
	} else {
		snprintf(set->decision, sizeof(set->decision), "TCP: %s",
			 force_tcp ? LC "force_use_tcp is set" :
			 socks	   ? LC "socks5_proxy_address is set" :
			 tcp_extra ? LC "additional_endpoints is set" :
				     "the HTTP connectivity check failed");
		cws_warnx("You are currently sending Logs to Datadog through "
			  "TCP (either because " LC "force_use_tcp or " LC
			  "socks5_proxy_address is set or the HTTP "
			  "connectivity test has failed) To benefit from "
			  "increased reliability and better network "
			  "performances, we strongly encourage switching over "
			  "to compressed HTTPS which is now the default "
			  "protocol.");
		if (endpoint_build_tcp(cfg, set, err, errlen))
			return -EINVAL;
	}
	if (mrf && add_mrf(cfg, set, err, errlen))
		return -EINVAL;
	/* Each protocol's own key set, as Datadog reads it. */
	set->reset_ms = cws_config_get_duration_ns(
				cfg, set->proto == EP_TCP ?
					     LC "connection_reset_interval" :
					     EPS "connection_reset_interval") /
			1000000;
	if (set->reset_ms < 0)
		set->reset_ms = 0;
	return 0;
}

void endpoint_api_key(struct endpoint_set *set, size_t i, char *buf, size_t len)
{
	pthread_mutex_lock(&set->key_mu);
	snprintf(buf, len, "%s", set->ep[i].api_key);
	pthread_mutex_unlock(&set->key_mu);
}

int endpoint_reload_keys(struct endpoint_set *set,
			 const struct endpoint_set *fresh)
{
	char was[300], now[300];
	size_t i, j;
	int n = 0;

	pthread_mutex_lock(&set->key_mu);
	for (i = 0; i < set->n; i++) {
		struct endpoint *ep = &set->ep[i];

		for (j = 0; j < fresh->n; j++)
			if (!strcmp(ep->url, fresh->ep[j].url))
				break;
		if (j == fresh->n || !strcmp(ep->api_key, fresh->ep[j].api_key))
			continue;
		endpoint_key_tail(ep->api_key, was, sizeof(was));
		endpoint_key_tail(fresh->ep[j].api_key, now, sizeof(now));
		cws_info("rotating the API key of '%s': %s -> %s", ep->url, was,
			 now);
		snprintf(ep->api_key, sizeof(ep->api_key), "%s",
			 fresh->ep[j].api_key);
		n++;
	}
	pthread_mutex_unlock(&set->key_mu);
	return n;
}

void endpoint_status_line(const struct endpoint_set *set,
			  const struct endpoint *ep, char *buf, size_t len)
{
	const char *proto;

	if (ep->proto == EP_TCP)
		proto = ep->ssl ? "SSL encrypted TCP" : "TCP";
	else
		proto = ep->ssl ? "HTTPS" : "HTTP";
	snprintf(buf, len, "%s%s: Sending %s logs in %s to %s on port %d",
		 ep->mrf ? "MRF " : "",
		 ep->reliable ? "Reliable" : "Unreliable",
		 set->use_compression && ep->proto == EP_HTTP ? "compressed" :
								"uncompressed",
		 proto, ep->host, ep->port);
}

void endpoint_key_tail(const char *key, char *buf, size_t len)
{
	size_t n = strlen(key), i, o = 0;

	for (i = 0; i < n && o + 1 < len; i++)
		buf[o++] = i + 5 < n ? '*' : key[i];
	buf[o] = '\0';
}
