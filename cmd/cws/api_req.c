/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the IPC API makes of a request before it answers (api.c serves
 * it): the bearer token check, the route of a method and a path, the
 * form field "value" of a POST body as libmicrohttpd's post processor
 * hands it over in pieces, and the HTML entities Go's form value
 * unescapes. Everything here reads bytes a client sent and nothing here
 * calls libmicrohttpd, so that tests/fuzz/api_fuzz.c runs it alone.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cws.h"

size_t front_token_trim(char *dst, const char *raw, size_t n)
{
	size_t b = 0, e = n;

	while (e && strchr(" \t\r\n", raw[e - 1]))
		e--;
	while (b < e && strchr(" \t\r\n", raw[b]))
		b++;
	memcpy(dst, raw + b, e - b);
	dst[e - b] = '\0';
	return e - b;
}

/* Constant time in the length of the token we hold. */
static bool token_ok(const char *token, size_t token_len, const char *given)
{
	size_t n = strlen(given), i;
	unsigned char d = n != token_len;

	for (i = 0; i < token_len; i++)
		d |= (unsigned char)(token[i] ^ given[i < n ? i : 0]);
	return !d;
}

/*
 * Datadog's util.Validate: tok := strings.Split(auth, " "); a first
 * word other than "Bearer" is 401, a second that is not the token 403.
 */
void front_api_auth(const char *token, size_t token_len, const char *header,
		    struct front_api_auth *a)
{
	const char *sp;
	size_t n;

	a->code = 0;
	a->msg = NULL;
	a->scheme[0] = '\0';
	if (!header || !*header) {
		a->code = FRONT_API_UNAUTHORIZED;
		a->msg = "no session token provided";
		return;
	}
	sp = strchr(header, ' ');
	n = sp ? (size_t)(sp - header) : strlen(header);
	if (n != 6 || strncmp(header, "Bearer", 6)) {
		/* Go's strings.Split(auth, " ")[0], cut. */
		snprintf(a->scheme, sizeof(a->scheme),
			 "unsupported authorization scheme: %.*s",
			 (int)(n > 32 ? 32 : n), header);
		a->code = FRONT_API_UNAUTHORIZED;
		a->msg = a->scheme;
		return;
	}
	/* "Bearer" alone has no second word: Go's len(tok) != 2. */
	if (!sp || !token_ok(token, token_len, sp + 1)) {
		a->code = FRONT_API_FORBIDDEN;
		a->msg = "invalid session token";
	}
}

enum front_api_route front_api_route(const char *method, const char *url,
				     const char **setting)
{
	static const char prefix[] = "/agent/config/";
	static const struct {
		const char *url;
		bool post;
		enum front_api_route route;
	} fixed[] = {
		{ "/agent/version", false, FRONT_API_VERSION },
		{ "/agent/hostname", false, FRONT_API_HOSTNAME },
		{ "/agent/flare", true, FRONT_API_FLARE },
		{ "/agent/stop", true, FRONT_API_STOP },
		{ "/agent/status", false, FRONT_API_STATUS },
		{ "/agent/status/health", false, FRONT_API_HEALTH },
		{ "/agent/config", false, FRONT_API_CONFIG },
		{ "/agent/config/by-source", false, FRONT_API_BY_SOURCE },
		{ "/agent/config/list-runtime", false, FRONT_API_LIST_RUNTIME },
	};
	const size_t np = sizeof(prefix) - 1;
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	size_t i;

	*setting = NULL;
	for (i = 0; i < CWS_ARRAY_SIZE(fixed); i++)
		if (!strcmp(url, fixed[i].url) && (fixed[i].post ? post : get))
			return fixed[i].route;
	if (!strncmp(url, prefix, np) && url[np] && !strchr(url + np, '/') &&
	    (get || post)) {
		*setting = url + np;
		return get ? FRONT_API_CONFIG_GET : FRONT_API_CONFIG_SET;
	}
	for (i = 0; i < CWS_ARRAY_SIZE(fixed); i++)
		if (!strcmp(url, fixed[i].url))
			return FRONT_API_NOT_ALLOWED;
	if (!strncmp(url, "/agent/config", 13))
		return FRONT_API_NOT_ALLOWED;
	return FRONT_API_NOT_FOUND;
}

int front_api_form_value(char **value, size_t *len, const char *key,
			 const char *data, size_t size)
{
	size_t old = *value ? *len : 0;
	char *p;

	if (strcmp(key, "value"))
		return 0;
	if (size > FRONT_API_BODY_MAX || old + size > FRONT_API_BODY_MAX)
		return -1;
	p = realloc(*value, old + size + 1);
	if (!p)
		return -1;
	/* By length: a NUL in a piece (%00) must not move the next one. */
	memcpy(p + old, data, size);
	p[old + size] = '\0';
	*value = p;
	*len = old + size;
	return 0;
}

/* html.UnescapeString for the entities a form value may carry. */
void front_api_unescape(char *s)
{
	static const struct {
		const char *ent, ch;
	} ents[] = { { "&amp;", '&' },	{ "&lt;", '<' },   { "&gt;", '>' },
		     { "&quot;", '"' }, { "&#39;", '\'' }, { "&#34;", '"' } };
	char *w = s;
	size_t i;

	while (*s) {
		for (i = 0; i < CWS_ARRAY_SIZE(ents); i++) {
			size_t l = strlen(ents[i].ent);

			if (!strncmp(s, ents[i].ent, l)) {
				*w++ = ents[i].ch;
				s += l;
				break;
			}
		}
		if (i == CWS_ARRAY_SIZE(ents))
			*w++ = *s++;
	}
	*w = '\0';
}
