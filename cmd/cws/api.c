/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IPC API of cws run: Datadog's security-agent REST API (its
 * cmd/security-agent/api), same paths, same answers, same auth, so that
 * what talks to one talks to the other.
 *
 *  - HTTPS with TLS 1.3 only, on cmd_host:security_agent.cmd_port, served
 *    by libmicrohttpd (its GnuTLS back end), one thread per connection:
 *    a flare takes seconds and must not hold up a status request.
 *  - A new RSA 2048 key and self-signed certificate at every start, made
 *    in memory with GnuTLS and never written anywhere, as Datadog makes
 *    its own: clients skip verification, the bearer token is the auth.
 *  - The token lives in a file (auth_token beside the configuration file,
 *    or auth_token_file_path), created with 64 random hex digits and mode
 *    0600 when missing; it is compared in constant time.
 *
 * Process: cws run serves the API from a child process of its own that
 * becomes cws_user (no capability, no_new_privs) once the
 * token is read and the certificate made, before it listens (run.c,
 * api_process); what it needs of the supervisor, a SIGTERM or a SIGUSR2,
 * it asks for over a socket (notify). Threads: requests run in
 * libmicrohttpd's threads. The configuration is shared: every access from here
 * holds api->lock, and the only key written here (log_level, the only
 * runtime setting) is one the supervisor does not read once started.
 * A new log level reaches the stages through <run_path>/runtime.yaml,
 * written whole and renamed into place, and a SIGUSR2 to this process,
 * which the supervisor passes on to each stage (man/cws.8, API).
 * POST stop does not touch the supervisor's state either: once the
 * answer has gone out, it sends SIGTERM to this process, which the
 * supervisor handles as any SIGTERM. POST flare runs cws-flare and
 * waits for that child alone; the supervisor reaps only its own.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cws.h"
#include "log.h"
#include "sandbox.h"
#include "scrub.h"

#define TOKEN_MIN 32 /* characters, as Datadog requires */
#define TOKEN_MAX 1024 /* bytes of a token file */
#define TOKEN_BYTES 32 /* random bytes of a new token, hex-encoded */
#define MAX_CONNECTIONS 32
#define CERT_YEARS 10
#define REALM "Bearer realm=\"Datadog Agent\""
#define LOG_LEVEL_HELP                                     \
	"Set/get the log level, valid values are: trace, " \
	"debug, info, warn, error, critical and off"

struct front_api {
	struct front *f;
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock; /* f->cfg and the layers */
	struct cws_scrub *scrub;
	/* What the file and the environment say alone (by-source). */
	struct cws_config *layer_file, *layer_env;
	char token[TOKEN_MAX + 1];
	size_t token_len;
	gnutls_datum_t key_pem, cert_pem;
	char address[300];
};

/* api_req.c answers with these statuses without libmicrohttpd's names. */
_Static_assert(FRONT_API_UNAUTHORIZED == MHD_HTTP_UNAUTHORIZED &&
		       FRONT_API_FORBIDDEN == MHD_HTTP_FORBIDDEN,
	       "api_req.c's statuses");

/* One request, from its first call to its completion. */
struct req {
	struct front_api *api;
	struct front_api_auth auth; /* code 0 when authorized */
	struct MHD_PostProcessor *pp;
	char *value; /* the form field "value" of a POST */
	size_t value_len;
	size_t body_len;
	bool stop; /* SIGTERM once answered */
};

/* Asks the supervisor for sig: itself in-process, else over the socket. */
static void notify(struct front_api *api, int sig)
{
	char m[2] = { 'S', (char)sig };

	if (api->f->api_notify_fd < 0) {
		kill(getpid(), sig);
		return;
	}
	if (send(api->f->api_notify_fd, m, sizeof(m), MSG_NOSIGNAL) < 0)
		cws_warn("cannot reach the supervisor");
}

/* The configuration file cws_config_load read. */
static const char *config_path(const struct front *f)
{
	const char *def = getenv("CWS_CONFIG_DEFAULT");

	if (f->config_path)
		return f->config_path;
	return def && *def ? def : CWS_CONFIG_DEFAULT_PATH;
}

/* ---- the token ---------------------------------------------------------- */

int front_api_token_path(const struct front *f, char *buf, size_t len)
{
	const char *set = cws_config_get_string(f->cfg, "auth_token_file_path");
	const char *cfg = config_path(f), *slash = strrchr(cfg, '/');
	char dir[PATH_MAX], *real;
	int n;

	if (set[0]) {
		n = snprintf(buf, len, "%s", set);
		return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
	}
	/* The configuration's directory, absolute so that logs say where. */
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == cfg ? 1 : (int)(slash - cfg), cfg);
	real = realpath(dir, NULL);
	n = snprintf(buf, len, "%s%sauth_token", real ? real : dir,
		     strcmp(real ? real : dir, "/") ? "/" : "");
	free(real);
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* Creates path with a new token; -EEXIST when someone else was first. */
static int token_create(const char *path, char *tok, size_t *len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[TOKEN_BYTES];
	size_t i;
	ssize_t n;
	int fd, rc = 0;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	for (i = 0; i < sizeof(rnd); i++) {
		tok[2 * i] = hex[rnd[i] >> 4];
		tok[2 * i + 1] = hex[rnd[i] & 15];
	}
	tok[2 * sizeof(rnd)] = '\0';
	*len = 2 * sizeof(rnd);
	explicit_bzero(rnd, sizeof(rnd));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -errno;
	n = write(fd, tok, *len);
	if (n != (ssize_t)*len)
		rc = n < 0 ? -errno : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}

/* Reads the token, or creates it; err says why it cannot be used. */
static int token_load(struct front_api *api, char *err, size_t errlen)
{
	char path[4096], raw[TOKEN_MAX];
	ssize_t n;
	int fd, rc, tries;

	if (front_api_token_path(api->f, path, sizeof(path))) {
		snprintf(err, errlen, "auth token path too long");
		return -ENAMETOOLONG;
	}
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENOENT)
			goto fail_errno;
		rc = token_create(path, api->token, &api->token_len);
		if (!rc) {
			cws_info("created the auth token '%s' (mode 0600)",
				 path);
			return 0;
		}
		if (rc != -EEXIST) {
			snprintf(err, errlen,
				 "cannot create auth token '%s': %s", path,
				 strerror(-rc));
			return rc;
		}
	}
	if (fd < 0)
		goto fail_errno;
	n = read(fd, raw, TOKEN_MAX);
	close(fd);
	if (n < 0)
		goto fail_errno;
	api->token_len = front_token_trim(api->token, raw, (size_t)n);
	explicit_bzero(raw, sizeof(raw));
	if (api->token_len < TOKEN_MIN ||
	    memchr(api->token, '\0', api->token_len)) {
		snprintf(
			err, errlen,
			"invalid auth token in '%s': %zu characters, at least %d needed",
			path, api->token_len, TOKEN_MIN);
		return -EINVAL;
	}
	return 0;
fail_errno:
	rc = -errno;
	snprintf(err, errlen, "cannot read auth token '%s': %s", path,
		 strerror(errno));
	return rc;
}

/* ---- key and certificate ------------------------------------------------ */

#define GT(call)                                                            \
	do {                                                                \
		rc = (call);                                                \
		if (rc < 0) {                                               \
			snprintf(err, errlen, "certificate: %s: %s", #call, \
				 gnutls_strerror(rc));                      \
			goto out;                                           \
		}                                                           \
	} while (0)

/* now + CERT_YEARS calendar years, as Go's AddDate. */
static time_t years_later(time_t now)
{
	struct tm tm;

	gmtime_r(&now, &tm);
	tm.tm_year += CERT_YEARS;
	return timegm(&tm);
}

/*
 * As Datadog's GenerateRootCert: RSA 2048, a CA, server and client auth,
 * O="Datadog, Inc.", SANs 127.0.0.1 and localhost, a 128-bit random
 * serial, ten years from now.
 */
static int make_cert(struct front_api *api, char *err, size_t errlen)
{
	static const char org[] = "Datadog, Inc.";
	static const unsigned char lo[4] = { 127, 0, 0, 1 };
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	unsigned char serial[17];
	time_t now = time(NULL);
	int rc;

	GT(gnutls_x509_privkey_init(&key));
	GT(gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 2048, 0));
	GT(gnutls_x509_crt_init(&crt));
	GT(gnutls_x509_crt_set_version(crt, 3));
	/* A leading zero keeps all 128 random bits a positive number. */
	serial[0] = 0;
	if (getrandom(serial + 1, sizeof(serial) - 1, 0) !=
	    (ssize_t)sizeof(serial) - 1) {
		snprintf(err, errlen, "certificate: getrandom: %s",
			 strerror(errno));
		rc = -1;
		goto out;
	}
	GT(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)));
	GT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME,
					 0, org, sizeof(org) - 1));
	GT(gnutls_x509_crt_set_activation_time(crt, now));
	GT(gnutls_x509_crt_set_expiration_time(crt, years_later(now)));
	GT(gnutls_x509_crt_set_basic_constraints(crt, 1, -1));
	GT(gnutls_x509_crt_set_key_usage(crt,
					 GNUTLS_KEY_DIGITAL_SIGNATURE |
						 GNUTLS_KEY_KEY_ENCIPHERMENT |
						 GNUTLS_KEY_KEY_CERT_SIGN));
	GT(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER,
					       0));
	GT(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT,
					       0));
	GT(gnutls_x509_crt_set_subject_alt_name(
		crt, GNUTLS_SAN_IPADDRESS, lo, sizeof(lo), GNUTLS_FSAN_APPEND));
	GT(gnutls_x509_crt_set_subject_alt_name(
		crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND));
	GT(gnutls_x509_crt_set_key(crt, key));
	GT(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0));
	GT(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &api->cert_pem));
	GT(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
				       &api->key_pem));
	rc = 0;
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc < 0 ? -EINVAL : 0;
}

/* ---- answers ------------------------------------------------------------ */

/* Takes body (malloc'd, or NULL for an empty one). */
static enum MHD_Result answer(struct MHD_Connection *c, unsigned code,
			      const char *type, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body ? body : (char *)"",
					    body ? MHD_RESPMEM_MUST_FREE :
						   MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					REALM);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* As Go's http.Error: text, a newline, no sniffing. */
static enum MHD_Result answer_error(struct MHD_Connection *c, unsigned code,
				    const char *msg)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL;
	int n = asprintf(&body, "%s\n", msg);

	if (n < 0)
		return MHD_NO;
	r = MHD_create_response_from_buffer((size_t)n, body,
					    MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					REALM);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* http.Error with {"error": msg}, as Datadog's settings handlers do. */
static enum MHD_Result answer_json_error(struct MHD_Connection *c,
					 unsigned code, const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	enum MHD_Result ret;

	json_decref(o);
	if (!text)
		return MHD_NO;
	ret = answer_error(c, code, text);
	free(text);
	return ret;
}

/* Takes doc. */
static enum MHD_Result answer_json(struct MHD_Connection *c, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) :
			   NULL;

	json_decref(doc);
	if (!text)
		return answer_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 "out of memory");
	return answer(c, MHD_HTTP_OK, "application/json", text, strlen(text));
}

/* ---- configuration ------------------------------------------------------ */

/* A value shown: scrubbed when secret, as cws config shows it. */
static char *shown(const struct front_api *api,
		   const struct cws_config_item *it)
{
	char tail[64], *out = NULL;
	size_t n;

	if (!(it->flags & CWS_CONFIG_F_SECRET) || !it->value[0])
		return strdup(it->value);
	if (it->type != CWS_CONFIG_ANY)
		return strdup(
			cws_scrub_key_tail(it->value, tail, sizeof(tail)));
	/* JSON (additional endpoints): the keys inside it. */
	if (cws_scrub_text(api->scrub, it->value, strlen(it->value), &out, &n))
		return NULL;
	return out;
}

/* A value as JSON, typed; NULL when out of memory. */
static json_t *item_json(const struct cws_config_item *it, const char *text)
{
	json_error_t jerr;
	json_t *v, *a;
	char *copy, *tok, *save = NULL;

	if (it->flags & CWS_CONFIG_F_SECRET)
		return json_string(text);
	switch (it->type) {
	case CWS_CONFIG_BOOL:
		return json_boolean(!strcmp(text, "true"));
	case CWS_CONFIG_INT:
		return json_integer(strtoll(text, NULL, 0));
	case CWS_CONFIG_FLOAT:
		return json_real(strtod(text, NULL));
	case CWS_CONFIG_LIST:
		a = json_array();
		copy = strdup(text);
		if (!a || !copy) {
			free(copy);
			json_decref(a);
			return NULL;
		}
		for (tok = strtok_r(copy, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save))
			json_array_append_new(a, json_string(tok));
		free(copy);
		return a;
	case CWS_CONFIG_ANY:
		if (!text[0])
			return json_null();
		v = json_loads(text, JSON_DECODE_ANY, &jerr);
		return v ? v : json_string(text);
	case CWS_CONFIG_STRING:
	case CWS_CONFIG_DURATION:
		break;
	}
	return json_string(text);
}

/* Compares dotted keys so that every prefix's keys come together. */
static int key_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;

	for (; *x && *x == *y; x++, y++)
		;
	return (*x == '.' ? 1 : *x) - (*y == '.' ? 1 : *y);
}

/* A YAML scalar: JSON's quoting is valid YAML. */
static void yaml_scalar(FILE *out, const struct cws_config_item *it,
			const char *text)
{
	json_t *s;
	char *q;

	if (!(it->flags & CWS_CONFIG_F_SECRET) &&
	    (it->type == CWS_CONFIG_BOOL || it->type == CWS_CONFIG_INT ||
	     it->type == CWS_CONFIG_FLOAT)) {
		fprintf(out, "%s\n", text);
		return;
	}
	if (it->type == CWS_CONFIG_LIST || it->type == CWS_CONFIG_ANY) {
		s = item_json(it, text);
		q = s ? json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	} else {
		s = json_string(text);
		q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
	}
	fprintf(out, "%s\n", q ? q : "null");
	free(q);
	json_decref(s);
}

/*
 * The effective configuration as nested YAML, every key, secrets shown
 * by their tail, then the whole text through the scrubber (the token and
 * the configured secrets as literals): what Datadog's GET /config gives.
 */
static char *config_yaml(struct front_api *api)
{
	struct cws_config_item it;
	const char **names = NULL, *prev = "";
	char *text = NULL, *scrubbed = NULL;
	size_t n = 0, cap = 0, pos = 0, len, i, slen;
	FILE *out;

	while (cws_config_next(api->f->cfg, &pos, &it)) {
		if (n == cap) {
			const char **p = reallocarray(
				names, cap ? cap * 2 : 256, sizeof(*names));

			if (!p)
				goto out;
			names = p;
			cap = cap ? cap * 2 : 256;
		}
		names[n++] = it.key;
	}
	qsort(names, n, sizeof(*names), key_cmp);
	out = open_memstream(&text, &len);
	if (!out)
		goto out;
	for (i = 0; i < n; i++) {
		const char *k = names[i], *dot, *seg = k;
		size_t depth = 0, common = 0;
		char *v;

		/* The dotted parts shared with the previous key. */
		while ((dot = strchr(seg, '.'))) {
			size_t l = (size_t)(dot - k);

			if (strncmp(prev, k, l + 1))
				break;
			common++;
			seg = dot + 1;
		}
		/* The maps this key opens. */
		for (depth = common; (dot = strchr(seg, '.')); depth++) {
			fprintf(out, "%*s%.*s:\n", (int)(2 * depth), "",
				(int)(dot - seg), seg);
			seg = dot + 1;
		}
		fprintf(out, "%*s%s: ", (int)(2 * depth), "", seg);
		cws_config_lookup(api->f->cfg, k, &it);
		v = shown(api, &it);
		yaml_scalar(out, &it, v ? v : "");
		free(v);
		prev = k;
	}
	if (fclose(out))
		goto out;
	if (!cws_scrub_text(api->scrub, text, len, &scrubbed, &slen)) {
		free(text);
		text = scrubbed;
	} else {
		free(text);
		text = NULL;
	}
out:
	free(names);
	return text;
}

static const char *const source_names[] = { "default", "file", "env",
					    "runtime" };

/* The value a layer gives key, NULL when it gives none. */
static json_t *layer_value(struct front_api *api, const char *key,
			   enum cws_config_source src)
{
	const struct cws_config *layer = NULL;
	struct cws_config_item it;
	json_t *j;
	char *v;

	switch (src) {
	case CWS_CONFIG_SRC_DEFAULT:
		cws_config_lookup(api->f->cfg, key, &it);
		it.value = it.def;
		break;
	case CWS_CONFIG_SRC_FILE:
		layer = api->layer_file;
		break;
	case CWS_CONFIG_SRC_ENV:
		layer = api->layer_env;
		break;
	case CWS_CONFIG_SRC_RUNTIME:
		layer = api->f->cfg;
		break;
	}
	if (layer && (cws_config_lookup(layer, key, &it) || it.source != src))
		return NULL;
	v = shown(api, &it);
	j = v ? item_json(&it, v) : NULL;
	free(v);
	return j;
}

/* {"default": {...}, "file": {...}, "env": {...}, "runtime": {...}} */
static json_t *config_by_source(struct front_api *api)
{
	json_t *doc = json_object();
	struct cws_config_item it;
	size_t pos, s;

	for (s = 0; s < CWS_ARRAY_SIZE(source_names); s++) {
		json_t *m = json_object();

		pos = 0;
		while (cws_config_next(api->f->cfg, &pos, &it)) {
			json_t *v = layer_value(api, it.key, s);

			if (v)
				json_object_set_new(m, it.key, v);
		}
		json_object_set_new(doc, source_names[s], m);
	}
	return doc;
}

/* GET config/{setting}: any key cws knows, secrets scrubbed. */
static enum MHD_Result config_get(struct front_api *api,
				  struct MHD_Connection *c, const char *key)
{
	const char *sources = MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "sources");
	struct cws_config_item it;
	json_t *doc, *list;
	char msg[400];
	size_t s;
	char *v;

	if (cws_config_lookup(api->f->cfg, key, &it)) {
		snprintf(msg, sizeof(msg), "setting %s not found", key);
		return answer_json_error(c, MHD_HTTP_BAD_REQUEST, msg);
	}
	v = shown(api, &it);
	doc = json_object();
	json_object_set_new(doc, "value", v ? item_json(&it, v) : NULL);
	free(v);
	if (sources && !strcmp(sources, "true")) {
		list = json_array();
		for (s = 0; s < CWS_ARRAY_SIZE(source_names); s++)
			json_array_append_new(
				list, json_pack("{s:s,s:o}", "Source",
						source_names[s], "Value",
						layer_value(api, key, s) ?:
							json_null()));
		json_object_set_new(doc, "sources_value", list);
	}
	return answer_json(c, doc);
}

/*
 * <run_path>/runtime.yaml: "log_level: NAME", written to a temporary file
 * and renamed, so that a stage never reads half of it. Returns 0 or a
 * negative errno.
 */
static int write_runtime(const struct front *f, const char *level)
{
	const char *dir = cws_config_get_string(f->cfg, "run_path");
	char path[4200], tmp[4300], line[128];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, CWS_LOG_RUNTIME_FILE);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	n = snprintf(line, sizeof(line), "log_level: %s\n", level);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    write(fd, line, (size_t)n) != n)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* POST config/{setting}: only log_level may change at run time. */
static enum MHD_Result config_set(struct front_api *api,
				  struct MHD_Connection *c, struct req *r,
				  const char *key)
{
	const char *q =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "value");
	struct cws_config_err cerr;
	char msg[700], *value;
	int level, err;

	if (strcmp(key, "log_level")) {
		snprintf(msg, sizeof(msg), "setting %s not found", key);
		return answer_json_error(c, MHD_HTTP_BAD_REQUEST, msg);
	}
	/* As Go's r.Form: the body's field first, then the query's. */
	value = strdup(r->value ? r->value : q ? q : "");
	if (!value)
		return MHD_NO;
	front_api_unescape(value);
	/* A NUL sent in the body (%00) is in no level's name. */
	level = r->value && strlen(r->value) != r->value_len ?
			-1 :
			cws_log_level_parse(value);
	if (level < 0 || cws_config_set(api->f->cfg, key, value, &cerr)) {
		snprintf(
			msg, sizeof(msg),
			"unknown log level '%.64s': trace, debug, info, warn, error, critical or off",
			value);
		free(value);
		return answer_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 msg);
	}
	cws_log_set_level((enum cws_log_level)level);
	cws_info("log level set to '%s' through the API", value);
	/* The stages read it on the SIGUSR2 that the supervisor passes on. */
	err = write_runtime(api->f, value);
	if (err) {
		snprintf(msg, sizeof(msg),
			 "cannot pass the log level to the stages: %s/%s: %s",
			 cws_config_get_string(api->f->cfg, "run_path"),
			 CWS_LOG_RUNTIME_FILE, strerror(-err));
		cws_errorx("%s", msg);
		free(value);
		return answer_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 msg);
	}
	notify(api, SIGUSR2);
	free(value);
	return answer(c, MHD_HTTP_OK, NULL, NULL, 0);
}

/* ---- the other endpoints ------------------------------------------------ */

static enum MHD_Result get_version(struct MHD_Connection *c)
{
	long long v[3] = { 0, 0, 0 };
	const char *p = CWS_VERSION;
	char pre[64] = "", meta[64] = "", *end;
	int i;

	/* major.minor.patch[-pre][+meta], as Datadog's version.New. */
	for (i = 0; i < 3 && *p; i++) {
		v[i] = strtoll(p, &end, 10);
		p = *end == '.' ? end + 1 : end;
	}
	if (*p == '-')
		snprintf(pre, sizeof(pre), "%.*s", (int)strcspn(p + 1, "+"),
			 p + 1);
	p = strchr(p, '+');
	if (p)
		snprintf(meta, sizeof(meta), "%s", p + 1);
	return answer_json(c, json_pack("{s:I,s:I,s:I,s:s,s:s,s:s}", "Major",
					(json_int_t)v[0], "Minor",
					(json_int_t)v[1], "Patch",
					(json_int_t)v[2], "Pre", pre, "Meta",
					meta, "Commit", ""));
}

static enum MHD_Result get_status(struct front_api *api,
				  struct MHD_Connection *c)
{
	const char *fmt =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	bool json = !fmt || !*fmt || !strcmp(fmt, "json");
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (!json && strcmp(fmt, "text"))
		return answer_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 "unknown status format: json or text");
	out = open_memstream(&text, &len);
	if (!out)
		return answer_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 strerror(errno));
	front_status_render(api->f, out, json);
	if (fclose(out)) {
		free(text);
		return answer_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 "cannot render the status");
	}
	return answer(c, MHD_HTTP_OK,
		      json ? "application/json" : "text/plain; charset=utf-8",
		      text, len);
}

/*
 * {"Healthy": [...], "Unhealthy": [...]}: the supervisor and this API
 * answer, so they are healthy; a stage is when its status file says it
 * runs and its process is there.
 */
static enum MHD_Result get_health(struct front_api *api,
				  struct MHD_Connection *c)
{
	static const char *const stages[] = { "cws-probe", "cws-filter",
					      "cws-ship" };
	json_t *ok = json_pack("[ss]", "cws", "cws-api"), *bad = json_array();
	const char *dir = cws_config_get_string(api->f->cfg, "run_path");
	char path[4200];
	json_error_t jerr;
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(stages); i++) {
		json_t *doc;
		json_int_t pid;
		bool up;

		snprintf(path, sizeof(path), "%s/%s.json", dir, stages[i]);
		doc = json_load_file(path, 0, &jerr);
		pid = json_integer_value(json_object_get(doc, "pid"));
		up = doc &&
		     !strcmp(json_string_value(json_object_get(doc, "state")) ?:
				     "",
			     "running") &&
		     pid > 0 && (!kill((pid_t)pid, 0) || errno == EPERM);
		json_array_append_new(up ? ok : bad, json_string(stages[i]));
		json_decref(doc);
	}
	return answer_json(c, json_pack("{s:o,s:o}", "Healthy", ok, "Unhealthy",
					bad));
}

/*
 * POST flare: cws-flare -o <a new temporary directory>, stdin closed so
 * it uploads nothing; the first line it prints is the archive's path.
 */
static enum MHD_Result post_flare(struct front_api *api,
				  struct MHD_Connection *c)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], tool[4200], line[4200] = "", *nl;
	char *argv[10];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int p[2], status = 0, n = 0, rc;
	pid_t pid;
	FILE *in;

	snprintf(dir, sizeof(dir), "%s/cws-flare-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || pipe2(p, O_CLOEXEC)) {
		cws_warn("flare: cannot make a temporary directory in '%s'",
			 tmp && *tmp ? tmp : "/tmp");
		return answer_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    strerror(errno));
	}
	argv[n++] = (char *)"cws-flare";
	if (api->f->config_path) {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)api->f->config_path;
	}
	argv[n++] = (char *)"-q";
	argv[n++] = (char *)"-o";
	argv[n++] = dir;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	/* Our threads block the supervisor's signals; cws-flare must not. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&pid,
			  front_tool(api->f, "cws-flare", tool, sizeof(tool)),
			  &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc) {
		close(p[0]);
		cws_warnx("flare: cannot run cws-flare: %s", strerror(rc));
		return answer_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    strerror(rc));
	}
	in = fdopen(p[0], "r");
	if (in) {
		if (!fgets(line, sizeof(line), in))
			line[0] = '\0';
		while (fgets(tool, sizeof(tool), in))
			; /* the members, not needed */
		fclose(in);
	} else {
		close(p[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) || line[0] != '/') {
		cws_warnx(
			"the flare failed to be created (cws-flare: status %#x)",
			status);
		rmdir(dir);
		return answer_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "the flare failed to be created");
	}
	cws_info("flare created through the API: '%s'", line);
	return answer(c, MHD_HTTP_OK, "text/plain; charset=utf-8", strdup(line),
		      strlen(line));
}

/* ---- requests ----------------------------------------------------------- */

static void check_auth(struct front_api *api, struct MHD_Connection *c,
		       struct req *r)
{
	front_api_auth(api->token, api->token_len,
		       MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						   "Authorization"),
		       &r->auth);
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *filename,
				 const char *type, const char *encoding,
				 const char *data, uint64_t off, size_t size)
{
	struct req *r = cls;

	(void)kind, (void)filename, (void)type, (void)encoding, (void)off;
	return front_api_form_value(&r->value, &r->value_len, key, data, size) ?
		       MHD_NO :
		       MHD_YES;
}

static bool is(const char *method, const char *want)
{
	return !strcmp(method, want);
}

/* Answers an authorized request; r->stop set for POST stop. */
static enum MHD_Result route(struct front_api *api, struct MHD_Connection *c,
			     struct req *r, const char *url, const char *method)
{
	const char *setting;
	enum MHD_Result ret;
	char host[256], *yaml;
	json_t *doc;

	switch (front_api_route(method, url, &setting)) {
	case FRONT_API_VERSION:
		return get_version(c);
	case FRONT_API_HOSTNAME:
		pthread_mutex_lock(&api->lock);
		front_hostname(api->f, host, sizeof(host));
		pthread_mutex_unlock(&api->lock);
		return answer_json(c, json_string(host));
	case FRONT_API_FLARE:
		return post_flare(api, c);
	case FRONT_API_STOP:
		cws_info("stop asked through the API");
		r->stop = true;
		return answer_json(c, json_string(""));
	case FRONT_API_STATUS:
		return get_status(api, c);
	case FRONT_API_HEALTH:
		return get_health(api, c);
	case FRONT_API_CONFIG:
		pthread_mutex_lock(&api->lock);
		yaml = config_yaml(api);
		pthread_mutex_unlock(&api->lock);
		if (!yaml)
			return answer_json_error(c,
						 MHD_HTTP_INTERNAL_SERVER_ERROR,
						 "out of memory");
		return answer(c, MHD_HTTP_OK, "text/plain; charset=utf-8", yaml,
			      strlen(yaml));
	case FRONT_API_BY_SOURCE:
		pthread_mutex_lock(&api->lock);
		doc = config_by_source(api);
		pthread_mutex_unlock(&api->lock);
		return answer_json(c, doc);
	case FRONT_API_LIST_RUNTIME:
		return answer_json(c, json_pack("{s:{s:s,s:b}}", "log_level",
						"Description", LOG_LEVEL_HELP,
						"Hidden", 0));
	case FRONT_API_CONFIG_GET:
	case FRONT_API_CONFIG_SET:
		pthread_mutex_lock(&api->lock);
		if (is(method, MHD_HTTP_METHOD_GET))
			ret = config_get(api, c, setting);
		else
			ret = config_set(api, c, r, setting);
		pthread_mutex_unlock(&api->lock);
		return ret;
	case FRONT_API_NOT_ALLOWED:
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, NULL, 0);
	case FRONT_API_NOT_FOUND:
		break;
	}
	return answer_error(c, MHD_HTTP_NOT_FOUND, "404 page not found");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct front_api *api = cls;
	struct req *r = *con_cls;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->api = api;
		check_auth(api, c, r);
		if (!r->auth.code && is(method, MHD_HTTP_METHOD_POST))
			r->pp = MHD_create_post_processor(c, 4096, post_iter,
							  r);
		*con_cls = r;
		return MHD_YES;
	}
	if (*size) {
		r->body_len += *size;
		if (r->pp && r->body_len <= FRONT_API_BODY_MAX)
			MHD_post_process(r->pp, data, *size);
		*size = 0;
		return MHD_YES;
	}
	cws_debug("api: %s %s%s", method, url,
		  r->auth.code ? " (refused)" : "");
	if (r->auth.code)
		return answer_error(c, r->auth.code, r->auth.msg);
	if (r->body_len > FRONT_API_BODY_MAX)
		return answer_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				    "request body too large");
	return route(api, c, r, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode why)
{
	struct req *r = *con_cls;

	(void)c;
	if (!r)
		return;
	/* The answer has gone out: now the supervisor may stop. */
	if (r->stop && why == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		notify(cls, SIGTERM);
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	free(r->value);
	free(r);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	cws_debug("api: %s", msg);
}

/* ---- start and stop ----------------------------------------------------- */

/* The address to listen on: IPv4 first, as Go's listener picks it. */
static int resolve(const char *host, int port, struct sockaddr_storage *ss,
		   char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV },
			*res, *ai, *pick = NULL;
	char serv[16];
	int rc;

	snprintf(serv, sizeof(serv), "%d", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve cmd_host '%s': %s", host,
			 gai_strerror(rc));
		return -EINVAL;
	}
	for (ai = res; ai && !pick; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			pick = ai;
	for (ai = res; ai && !pick; ai = ai->ai_next)
		if (ai->ai_family == AF_INET6)
			pick = ai;
	if (pick)
		memcpy(ss, pick->ai_addr, pick->ai_addrlen);
	freeaddrinfo(res);
	if (!pick) {
		snprintf(err, errlen, "cmd_host '%s': no IP address", host);
		return -EINVAL;
	}
	return 0;
}

/*
 * The API process's sandbox: cws_user, no capability, no_new_privs. No
 * seccomp list: a flare runs cws-flare, which inherits it and runs the
 * system's tools (bpftool, tc) whose calls no list of ours can know.
 */
static int api_sandbox(struct front *f, char *err, size_t errlen)
{
	int rc = cws_sandbox_user(f->cfg);

	if (rc == -ENOENT) {
		cws_warnx("user '%s' (cws_user) does not exist: the API runs "
			  "as root without capabilities",
			  cws_config_get_string(f->cfg, "cws_user"));
		rc = cws_sandbox_keep_caps(NULL, 0);
	}
	if (rc) {
		snprintf(err, errlen, "cannot sandbox the API: %s",
			 strerror(-rc));
		return -1;
	}
	return 0;
}

struct front_api *front_api_start(struct front *f, bool *disabled, char *err,
				  size_t errlen)
{
	struct front_api *api;
	struct cws_config_err cerr;
	struct cws_config_item it;
	struct sockaddr_storage ss = { 0 };
	const char *host = cws_config_get_string(f->cfg, "cmd_host");
	long long port = cws_config_get_int(f->cfg, "security_agent.cmd_port");
	long long timeout = cws_config_get_int(f->cfg, "server_timeout");
	char ip[INET6_ADDRSTRLEN] = "?";
	size_t pos = 0;

	*disabled = false;
	if (port == 0) {
		*disabled = true;
		snprintf(err, errlen, "security_agent.cmd_port is 0");
		return NULL;
	}
	if (port < 0 || port > 65535) {
		snprintf(err, errlen,
			 "security_agent.cmd_port %lld out of range (1-65535)",
			 port);
		return NULL;
	}
	if (cws_config_source(f->cfg, "ipc_address") !=
	    CWS_CONFIG_SRC_DEFAULT) {
		cws_warnx("ipc_address is deprecated: use cmd_host");
		host = cws_config_get_string(f->cfg, "ipc_address");
	}
	if (resolve(host, (int)port, &ss, err, errlen))
		return NULL;
	api = calloc(1, sizeof(*api));
	if (!api) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	api->f = f;
	pthread_mutex_init(&api->lock, NULL);
	if (token_load(api, err, errlen) || make_cert(api, err, errlen))
		goto fail;
	api->scrub = cws_scrub_new();
	api->layer_file = cws_config_new();
	api->layer_env = cws_config_new();
	if (!api->scrub || !api->layer_file || !api->layer_env) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	cws_scrub_add_secret(api->scrub, api->token, false);
	while (cws_config_next(f->cfg, &pos, &it))
		if ((it.flags & CWS_CONFIG_F_SECRET) &&
		    it.type != CWS_CONFIG_ANY)
			cws_scrub_add_secret(api->scrub, it.value, true);
	/* The layers by-source shows; already loaded once, so no error. */
	cws_config_load_file(api->layer_file, config_path(f),
			     f->config_path ? 0 : CWS_CONFIG_OPTIONAL, &cerr);
	cws_config_load_env(api->layer_env, environ, &cerr);
	/*
	 * In its own process: everything secret is in memory, so cws_user
	 * from here on, before the first byte from the network.
	 */
	if (f->api_notify_fd >= 0 && api_sandbox(f, err, errlen))
		goto fail;

	api->mhd = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION |
			MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			MHD_USE_TLS | MHD_USE_ERROR_LOG |
			(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, handle, api, MHD_OPTION_SOCK_ADDR, &ss,
		MHD_OPTION_HTTPS_MEM_KEY, (const char *)api->key_pem.data,
		MHD_OPTION_HTTPS_MEM_CERT, (const char *)api->cert_pem.data,
		MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3",
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)(timeout > 0 && timeout < 3600 ? timeout : 30),
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
		MHD_OPTION_NOTIFY_COMPLETED, completed, api,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api, MHD_OPTION_END);
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip,
			  sizeof(ip));
	snprintf(api->address, sizeof(api->address),
		 ss.ss_family == AF_INET6 ? "https://[%s]:%lld" :
					    "https://%s:%lld",
		 ip, port);
	if (!api->mhd) {
		snprintf(err, errlen, "cannot listen on %s:%lld: %s", ip, port,
			 errno ? strerror(errno) : "libmicrohttpd failed");
		goto fail;
	}
	return api;
fail:
	front_api_stop(api);
	return NULL;
}

const char *front_api_address(const struct front_api *api)
{
	return api->address;
}

static void wipe(gnutls_datum_t *d)
{
	if (!d->data)
		return;
	explicit_bzero(d->data, d->size);
	gnutls_free(d->data);
	d->data = NULL;
}

void front_api_stop(struct front_api *api)
{
	if (!api)
		return;
	if (api->mhd)
		MHD_stop_daemon(api->mhd);
	wipe(&api->key_pem);
	wipe(&api->cert_pem);
	cws_scrub_free(api->scrub);
	cws_config_free(api->layer_file);
	cws_config_free(api->layer_env);
	explicit_bzero(api->token, sizeof(api->token));
	pthread_mutex_destroy(&api->lock);
	free(api);
}
