/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP message of an imds event (bpf/netev.bpf.h captures at most
 * CWS_KEV_IMDS_MAX bytes of a TCP payload to or from the metadata
 * address), read as Datadog's agent reads it: a request gives the method,
 * the request target (imds.url), Host and User-Agent; a response
 * ("HTTP/...") the Server header and, when its body is AWS's JSON
 * credentials document, imds.aws.security_credentials.*. The cloud
 * provider comes from the headers, checked in Datadog's order:
 * Metadata-Flavor: Google, Metadata-Flavor: ibm, Authorization: Bearer
 * Oracle or a url under /opc, Metadata: true, else aws. is_imds_v2 is a
 * non-empty X-aws-ec2-metadata-token(-ttl-seconds) header.
 *
 * The bytes are the network's: every length is checked, nothing is
 * trusted to be text or terminated; tests/fuzz/imds_fuzz.c runs it.
 */
#include "compat.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "probe.h"

struct out {
	char *buf;
	size_t cap, len;
};

/* A NUL-terminated copy of p[0..n) in the output buffer, or NULL. */
static const char *keep(struct out *o, const char *p, size_t n)
{
	char *s;

	if (o->len + n + 1 > o->cap)
		return NULL;
	s = o->buf + o->len;
	memcpy(s, p, n);
	s[n] = '\0';
	o->len += n + 1;
	return s;
}

/* The value of a header line "Name: value" if it is name; else NULL. */
static const char *header(const char *line, size_t n, const char *name,
			  size_t *vn)
{
	size_t l = strlen(name);
	const char *v;

	if (n <= l || line[l] != ':' || strncasecmp(line, name, l))
		return NULL;
	v = line + l + 1;
	n -= l + 1;
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*vn = n;
	return v;
}

static bool value_is(const char *v, size_t n, const char *w)
{
	return v && n == strlen(w) && !strncasecmp(v, w, n);
}

/* AWS's credentials document: {"Code": ..., "AccessKeyId": ...}. */
static void aws_credentials(struct out *o, const char *body, size_t n,
			    struct cws_evobj *x)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "Code", offsetof(struct cws_evobj, imds.aws_code) },
		{ "Type", offsetof(struct cws_evobj, imds.aws_type) },
		{ "AccessKeyId",
		  offsetof(struct cws_evobj, imds.aws_access_key_id) },
		{ "LastUpdated",
		  offsetof(struct cws_evobj, imds.aws_last_updated) },
		{ "Expiration",
		  offsetof(struct cws_evobj, imds.aws_expiration) },
	};
	json_t *doc;
	size_t i;

	doc = json_loadb(body, n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "Code"))) {
		json_decref(doc);
		return;
	}
	for (i = 0; i < CWS_ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(doc, keys[i].key);

		if (json_is_string(v))
			*(const char **)((char *)x + keys[i].off) = keep(
				o, json_string_value(v), json_string_length(v));
	}
	json_decref(doc);
}

static const char *const methods[] = {
	"GET",	  "HEAD",    "POST",	"PUT",	 "PATCH",
	"DELETE", "CONNECT", "OPTIONS", "TRACE",
};

int cws_imds_parse(const char *p, size_t n, struct cws_evobj *x, char *buf,
		   size_t cap)
{
	struct out o = { buf, cap, 0 };
	bool flavor_gcp = false, flavor_ibm = false, oracle = false;
	bool azure = false, response;
	const char *line = p, *end = p + n, *eol, *v;
	size_t i, vn;

	memset(&x->imds, 0, sizeof(x->imds));
	response = n >= 5 && !memcmp(p, "HTTP/", 5);
	if (response) {
		x->imds.type = "response";
	} else {
		for (i = 0; i < CWS_ARRAY_SIZE(methods); i++) {
			size_t l = strlen(methods[i]);

			if (n > l && !memcmp(p, methods[i], l) && p[l] == ' ')
				break;
		}
		if (i == CWS_ARRAY_SIZE(methods))
			return -EINVAL;
		x->imds.type = "request";
		x->imds.method = methods[i];
	}
	/* The start line: method, target and version, or the status. */
	eol = memchr(p, '\n', n);
	if (!eol)
		eol = end;
	if (!response) {
		const char *t = memchr(p, ' ', (size_t)(eol - p));
		const char *te;

		if (t) {
			t++;
			te = memchr(t, ' ', (size_t)(eol - t));
			if (!te)
				te = eol > t && eol[-1] == '\r' ? eol - 1 : eol;
			x->imds.url = keep(&o, t, (size_t)(te - t));
		}
	}
	/* Header lines, up to the empty line. */
	for (line = eol < end ? eol + 1 : end; line < end;) {
		size_t ln;

		eol = memchr(line, '\n', (size_t)(end - line));
		ln = (size_t)((eol ? eol : end) - line);
		if (ln && line[ln - 1] == '\r')
			ln--;
		if (!ln) {
			line = eol ? eol + 1 : end;
			break; /* the body follows */
		}
		if ((v = header(line, ln, "Host", &vn)))
			x->imds.host = keep(&o, v, vn);
		else if ((v = header(line, ln, "User-Agent", &vn)))
			x->imds.user_agent = keep(&o, v, vn);
		else if ((v = header(line, ln, "Server", &vn)))
			x->imds.server = keep(&o, v, vn);
		else if ((v = header(line, ln, "Metadata-Flavor", &vn))) {
			flavor_gcp = flavor_gcp || value_is(v, vn, "Google");
			flavor_ibm = flavor_ibm || value_is(v, vn, "ibm");
		} else if ((v = header(line, ln, "Authorization", &vn)))
			oracle = oracle || value_is(v, vn, "Bearer Oracle");
		else if ((v = header(line, ln, "Metadata", &vn)))
			azure = azure || value_is(v, vn, "true");
		else if ((v = header(line, ln, "X-aws-ec2-metadata-token",
				     &vn)) ||
			 (v = header(line, ln,
				     "X-aws-ec2-metadata-token-ttl-seconds",
				     &vn)))
			x->imds.aws_is_imds_v2 = x->imds.aws_is_imds_v2 || vn;
		if (!eol) {
			line = end;
			break;
		}
		line = eol + 1;
	}
	if (x->imds.url && !strncmp(x->imds.url, "/opc", 4))
		oracle = true;
	x->imds.cloud_provider = flavor_gcp ? "gcp" :
				 flavor_ibm ? "ibm" :
				 oracle	    ? "oracle" :
				 azure	    ? "azure" :
					      "aws";
	if (response && line < end && !strcmp(x->imds.cloud_provider, "aws"))
		aws_credentials(&o, line, (size_t)(end - line), x);
	return 0;
}
