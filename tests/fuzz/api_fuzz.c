/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for what the IPC API of cws run makes of a request
 * (cmd/cws/api_req.c), as a client sends it: the input is lines, the
 * method, the path, the Authorization header (absent when the input has
 * fewer lines), then a POST body handed over in pieces as
 * libmicrohttpd's post processor does, the first byte of the body giving
 * the size of the pieces. The token check must accept exactly "Bearer "
 * and the token, the route must be one of the endpoints with the setting
 * inside the path, and the form value must be the body's bytes, capped.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cws/api_req.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char token[] =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* The next line of data as a C string (cut at a NUL, as headers are). */
static char *line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl;
	char *s;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		nl = end;
	s = strndup((const char *)*p, (size_t)(nl - *p));
	if (!s)
		abort();
	*p = nl < end ? nl + 1 : end;
	return s;
}

static void check_auth(const char *header)
{
	struct front_api_auth a;
	bool want = header && !strncmp(header, "Bearer ", 7) &&
		    !strcmp(header + 7, token);

	front_api_auth(token, sizeof(token) - 1, header, &a);
	if ((a.code == 0) != want)
		abort();
	if (a.code && a.code != FRONT_API_UNAUTHORIZED &&
	    a.code != FRONT_API_FORBIDDEN)
		abort();
	if (a.code && (!a.msg || !*a.msg || strchr(a.msg, '\n')))
		abort();
}

static void check_route(const char *method, const char *url)
{
	const char *setting = "";
	enum front_api_route r = front_api_route(method, url, &setting);
	bool cfg = r == FRONT_API_CONFIG_GET || r == FRONT_API_CONFIG_SET;

	if (cfg != (setting != NULL))
		abort();
	if (cfg && (setting < url || setting > url + strlen(url) || !*setting ||
		    strchr(setting, '/') || strncmp(url, "/agent/config/", 14)))
		abort();
	if (r > FRONT_API_NOT_ALLOWED && strcmp(method, "GET") &&
	    strcmp(method, "POST"))
		abort();
	if (r == FRONT_API_NOT_FOUND && !strncmp(url, "/agent/config", 13))
		abort();
}

static void check_form(const uint8_t *body, size_t n)
{
	size_t step = n ? (size_t)body[0] % 64 + 1 : 1, at, k, len = 0;
	char *value = NULL, *copy;
	bool refused = false;

	for (at = 0; at < n; at += k) {
		k = n - at < step ? n - at : step;
		/* Another field of the form is ignored. */
		if (front_api_form_value(&value, &len, "other",
					 (const char *)body, k))
			abort();
		if (front_api_form_value(&value, &len, "value",
					 (const char *)body + at, k)) {
			refused = true;
			break;
		}
		if (len != at + k)
			abort();
	}
	if (refused != (n > FRONT_API_BODY_MAX))
		abort();
	if (value) {
		/* The body's bytes, NULs (%00) included, in order. */
		if (len > FRONT_API_BODY_MAX || memcmp(value, body, len) ||
		    value[len])
			abort();
		copy = strdup(value);
		if (!copy)
			abort();
		front_api_unescape(value);
		if (strlen(value) > strlen(copy))
			abort();
		free(copy);
	}
	free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *method = line(&p, end), *url = line(&p, end),
	     *auth = line(&p, end);

	check_auth(auth);
	if (method && url)
		check_route(method, url);
	check_form(p, (size_t)(end - p));
	free(method);
	free(url);
	free(auth);
	return 0;
}
