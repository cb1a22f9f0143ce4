/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The endpoints, built from Datadog's keys as its security agent builds
 * them (comp/logs/agent/config/config.go, BuildHTTPEndpointsWithConfig,
 * with the runtime_security_config.endpoints. prefix and the intake
 * "runtime-security-http-intake.logs."):
 *
 *   logs_dd_url (host:port)  wins, TLS unless logs_no_ssl
 *   dd_url                   a host, maybe with a scheme and a port
 *   otherwise                runtime-security-http-intake.logs.<site>:443
 *   path                     /api/v2/secruntime, /api/v2/logs when
 *                            use_secruntime_track is false, /v1/input
 *                            when use_v2_api is false
 *   api_key                  the endpoint's own key, else api_key
 *   additional_endpoints     a JSON list of {api_key, host, port,
 *                            use_ssl, is_reliable}, each delivered on
 *                            its own
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

#include <jansson.h>

#include "config.h"

#define RSC "runtime_security_config."
#define EPS RSC "endpoints."
#define INTAKE_PREFIX "runtime-security-http-intake.logs."

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
 * *ssl. Returns 0 or -EINVAL.
 */
static int split_host(const char *in, char *host, size_t hlen, int *port,
		      bool *ssl)
{
	const char *p = in, *colon, *end;
	long v;
	char *e;

	if (!strncasecmp(p, "https://", 8)) {
		*ssl = true;
		p += 8;
	} else if (!strncasecmp(p, "http://", 7)) {
		*ssl = false;
		p += 7;
	}
	end = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		colon = end;
	if (colon == p || (size_t)(colon - p) >= hlen)
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
	if (!ep->port)
		ep->port = ep->ssl ? 443 : 80;
	if (snprintf(ep->url, sizeof(ep->url), "%s://%s:%d%s",
		     ep->ssl ? "https" : "http", ep->host, ep->port,
		     path) >= (int)sizeof(ep->url))
		return -EINVAL;
	snprintf(ep->id, sizeof(ep->id), "ep-%016llx",
		 (unsigned long long)fnv(ep->url));
	return 0;
}

static int bad(char *err, size_t errlen, const char *fmt, ...) CWS_PRINTF(3, 4);

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int additional(const char *text, struct endpoint_set *set, bool main_ssl,
		      const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *list, *it, *v;
	size_t i;
	int rc = 0;

	list = json_loads(text, 0, &jerr);
	if (!list)
		return bad(err, errlen,
			   EPS "additional_endpoints: expected a JSON list "
			       "of maps, got invalid JSON at column %d: %s",
			   jerr.column, jerr.text);
	if (!json_is_array(list)) {
		rc = bad(err, errlen,
			 EPS "additional_endpoints: expected a list of maps");
		goto out;
	}
	json_array_foreach(list, i, it) {
		struct endpoint *ep = &set->ep[set->n];
		const char *host;
		json_int_t port = 0;

		if (set->n >= SHIP_MAX_ENDPOINTS) {
			rc = bad(err, errlen,
				 EPS "additional_endpoints: more than %d",
				 SHIP_MAX_ENDPOINTS - 1);
			goto out;
		}
		if (!json_is_object(it)) {
			rc = bad(err, errlen,
				 EPS "additional_endpoints[%zu]: expected a "
				     "map",
				 i);
			goto out;
		}
		memset(ep, 0, sizeof(*ep));
		host = json_string_value(json_object_get(it, "host"));
		if (!host || !*host) {
			rc = bad(err, errlen,
				 EPS "additional_endpoints[%zu]: expected a "
				     "host",
				 i);
			goto out;
		}
		ep->ssl = main_ssl;
		v = json_object_get(it, "use_ssl");
		if (json_is_boolean(v))
			ep->ssl = json_is_true(v);
		if (split_host(host, ep->host, sizeof(ep->host), &ep->port,
			       &ep->ssl)) {
			rc = bad(err, errlen,
				 EPS "additional_endpoints[%zu]: invalid "
				     "host '%s'",
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
				 EPS "additional_endpoints[%zu]: expected a "
				     "port from 1 to 65535",
				 i);
			goto out;
		}
		if (port)
			ep->port = (int)port;
		v = json_object_get(it, "is_reliable");
		ep->reliable = !json_is_false(v);
		ep->additional = true;
		v = json_object_get(it, "api_key");
		copy_key(ep->api_key, sizeof(ep->api_key),
			 json_is_string(v) ? json_string_value(v) : "");
		if (finish(ep, path)) {
			rc = bad(err, errlen,
				 EPS "additional_endpoints[%zu]: URL too "
				     "long",
				 i);
			goto out;
		}
		set->n++;
	}
out:
	json_decref(list);
	return rc;
}

int endpoint_build(const struct cws_config *cfg, struct endpoint_set *set,
		   char *err, size_t errlen)
{
	const char *logs_dd_url = cws_config_get_string(cfg, EPS "logs_dd_url");
	const char *dd_url = cws_config_get_string(cfg, EPS "dd_url");
	const char *site = cws_config_get_string(cfg, "site");
	const char *key = cws_config_get_string(cfg, EPS "api_key");
	const char *kind = cws_config_get_string(cfg, EPS "compression_kind");
	const char *extra =
		cws_config_get_string(cfg, EPS "additional_endpoints");
	struct endpoint *ep = &set->ep[0];
	char path[64];
	size_t i;

	memset(set, 0, sizeof(*set));
	if (!*key)
		key = cws_config_get_string(cfg, "api_key");
	if (!cws_config_get_bool(cfg, EPS "use_v2_api"))
		snprintf(path, sizeof(path), "/v1/input");
	else
		snprintf(path, sizeof(path), "/api/v2/%s",
			 cws_config_get_bool(cfg, RSC "use_secruntime_track") ?
				 "secruntime" :
				 "logs");

	set->use_compression = cws_config_get_bool(cfg, EPS "use_compression");
	if (!strcasecmp(kind, "gzip")) {
		snprintf(set->encoding, sizeof(set->encoding), "gzip");
		set->level =
			(int)cws_config_get_int(cfg, EPS "compression_level");
		/* Datadog clamps the gzip level. */
		if (set->level < 0)
			set->level = 0;
		if (set->level > 9)
			set->level = 9;
	} else if (!strcasecmp(kind, "zstd")) {
		snprintf(set->encoding, sizeof(set->encoding), "zstd");
		set->level = (int)cws_config_get_int(cfg, EPS
						     "zstd_compression_level");
		if (set->level < 1)
			set->level = 1;
		if (set->level > 19)
			set->level = 19;
	} else {
		return bad(err, errlen,
			   EPS "compression_kind: expected gzip or zstd, "
			       "got '%s'",
			   kind);
	}
	if (!set->use_compression)
		snprintf(set->encoding, sizeof(set->encoding), "identity");

	memset(ep, 0, sizeof(*ep));
	ep->reliable = true;
	ep->ssl = true;
	if (*logs_dd_url) {
		ep->ssl = !cws_config_get_bool(cfg, EPS "logs_no_ssl");
		if (split_host(logs_dd_url, ep->host, sizeof(ep->host),
			       &ep->port, &ep->ssl))
			return bad(err, errlen,
				   EPS "logs_dd_url: expected host:port, "
				       "got '%s'",
				   logs_dd_url);
	} else if (*dd_url) {
		if (split_host(dd_url, ep->host, sizeof(ep->host), &ep->port,
			       &ep->ssl))
			return bad(err, errlen,
				   EPS "dd_url: expected a host, got '%s'",
				   dd_url);
	} else {
		if (!*site || strchr(site, '/') ||
		    snprintf(ep->host, sizeof(ep->host), INTAKE_PREFIX "%s",
			     site) >= (int)sizeof(ep->host))
			return bad(err, errlen,
				   "site: expected a domain, got '%s'", site);
	}
	copy_key(ep->api_key, sizeof(ep->api_key), key);
	if (finish(ep, path))
		return bad(err, errlen, "intake URL too long");
	set->n = 1;
	set->configured = *ep->api_key || *logs_dd_url || *dd_url || *extra;
	if (*extra && additional(extra, set, ep->ssl, path, err, errlen))
		return -EINVAL;
	/* Two endpoints with one URL would share a spool directory. */
	for (i = 1; i < set->n; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (!strcmp(set->ep[i].url, set->ep[j].url))
				return bad(err, errlen,
					   "endpoint '%s' is configured "
					   "twice",
					   set->ep[i].url);
	}
	return 0;
}

void endpoint_status_line(const struct endpoint_set *set,
			  const struct endpoint *ep, char *buf, size_t len)
{
	snprintf(buf, len, "%s: Sending %s logs in %s to %s on port %d",
		 ep->reliable ? "Reliable" : "Unreliable",
		 set->use_compression ? "compressed" : "uncompressed",
		 ep->ssl ? "HTTPS" : "HTTP", ep->host, ep->port);
}

void endpoint_key_tail(const char *key, char *buf, size_t len)
{
	size_t n = strlen(key), i, o = 0;

	for (i = 0; i < n && o + 1 < len; i++)
		buf[o++] = i + 5 < n ? '*' : key[i];
	buf[o] = '\0';
}
