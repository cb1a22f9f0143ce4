/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The configuration is a fixed table of keys (below) and one value slot
 * per key. Loading never creates keys: the YAML document is walked map by
 * map, the path so far is matched against the table, and a leaf that is
 * not in the table becomes a warning. Every value is parsed into its type
 * as it is loaded and also kept as text, so that getters cannot fail and
 * status can print any key the same way.
 *
 * This file holds the table, the values and their parsing, the
 * environment and the getters; config_yaml.c walks a file into the table
 * through the YAML walker cws shares (ydoc.h).
 *
 * Precedence does not depend on the order of calls: a value only replaces
 * one from the same or a lower source (default < file < env < runtime).
 */
#include "compat.h"
#include "config.h"
#include "config_priv.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define STR CWS_CONFIG_STRING
#define BOOL CWS_CONFIG_BOOL
#define INT CWS_CONFIG_INT
#define FLOAT CWS_CONFIG_FLOAT
#define DUR CWS_CONFIG_DURATION
#define LIST CWS_CONFIG_LIST
#define ANY CWS_CONFIG_ANY
#define SECRET CWS_CONFIG_F_SECRET
#define EVMON CWS_CONFIG_F_EVMON
#define CWS CWS_CONFIG_F_CWS

static const char *check_log_level(const char *text);

/*
 * The logs pipeline keys Datadog binds under both logs_config. and
 * runtime_security_config.endpoints. (bindEnvAndSetLogsConfigKeys).
 */
/* clang-format off */
#define KEY(n, t, d, f) \
	{ .name = (n), .type = (t), .def = (d), .flags = (f) }

#define LOGS_KEYS(p)                                                    \
	KEY(p "api_key", STR, "", SECRET),                              \
	KEY(p "dd_url", STR, "", 0),                                    \
	KEY(p "logs_dd_url", STR, "", 0),                               \
	KEY(p "logs_no_ssl", BOOL, "false", 0),                         \
	KEY(p "additional_endpoints", ANY, "", SECRET),                 \
	KEY(p "use_compression", BOOL, "true", 0),                      \
	KEY(p "compression_level", INT, "6", 0),                        \
	KEY(p "compression_kind", STR, "gzip", 0),                      \
	KEY(p "zstd_compression_level", INT, "1", 0),                   \
	KEY(p "batch_wait", DUR, "5", 0),                               \
	KEY(p "batch_max_concurrent_send", INT, "0", 0),                \
	KEY(p "batch_max_content_size", INT, "5000000", 0),             \
	KEY(p "batch_max_size", INT, "1000", 0),                        \
	KEY(p "connection_reset_interval", DUR, "0", 0),                \
	KEY(p "sender_backoff_factor", FLOAT, "2", 0),                  \
	KEY(p "sender_backoff_base", DUR, "1", 0),                      \
	KEY(p "sender_backoff_max", DUR, "120", 0),                     \
	KEY(p "sender_recovery_interval", INT, "2", 0),                 \
	KEY(p "sender_recovery_reset", BOOL, "false", 0),               \
	KEY(p "use_v2_api", BOOL, "true", 0),                           \
	KEY(p "use_http", BOOL, "false", 0)

#define RSC "runtime_security_config."

/*
 * Every key cws reads. Defaults are Datadog's unless a comment says why
 * not; man/cws.yaml.5 documents each line. Add a key here, and in the man
 * page, and nowhere else.
 */
const struct key cws_config_keys[] = {
	KEY("api_key", STR, "", SECRET),
	KEY("app_key", STR, "", SECRET),
	KEY("site", STR, "datadoghq.com", 0),
	KEY("dd_url", STR, "", 0),
	KEY("hostname", STR, "", 0),
	KEY("env", STR, "", 0),
	KEY("tags", LIST, "", 0),
	KEY("extra_tags", LIST, "", 0),
	{ .name = "log_level", .type = STR, .def = "info",
	  .check = check_log_level },
	KEY("run_path", STR, "/run/cws", 0),
	/* The IPC API of cws run (security-agent's, cmd/cws/api.c). */
	KEY("cmd_host", STR, "localhost", 0),
	KEY("ipc_address", STR, "localhost", 0), /* deprecated cmd_host */
	KEY("security_agent.cmd_port", INT, "5010", 0),
	KEY("auth_token_file_path", STR, "", 0),
	KEY("server_timeout", INT, "30", 0),
	KEY("skip_ssl_validation", BOOL, "false", 0),
	KEY("proxy.http", STR, "", SECRET), /* may carry user:password */
	KEY("proxy.https", STR, "", SECRET),
	KEY("proxy.no_proxy", LIST, "", 0),
	KEY("flare_stripped_keys", LIST, "", 0),
	KEY("flare_url", STR, "", CWS),
	KEY("flare_log_files", LIST, "/var/log/cws/*.log", CWS),
	KEY("spool_dir", STR, "/var/lib/cws/spool", CWS),
	/* The unprivileged user of cws-filter, cws-ship and the API. */
	KEY("cws_user", STR, "cws", CWS),
	KEY("spool_max_size", INT, "268435456", CWS),
	/*
	 * DogStatsD (cmd/cws/metrics.c). Datadog's port is 8125, where its
	 * own agent listens; cws is often alone, so no port means no
	 * metrics until one (or the socket) is set.
	 */
	KEY("use_dogstatsd", BOOL, "true", 0),
	KEY("dogstatsd_port", INT, "0", 0),
	KEY("dogstatsd_socket", STR, "", 0),
	KEY("bind_host", STR, "localhost", 0),
	KEY("multi_region_failover.enabled", BOOL, "false", 0),
	KEY("multi_region_failover.failover_logs", BOOL, "false", 0),
	KEY("multi_region_failover.site", STR, "", 0),
	KEY("multi_region_failover.dd_url", STR, "", 0),
	KEY("multi_region_failover.api_key", STR, "", SECRET),
	KEY("observability_pipelines_worker.logs.enabled", BOOL, "false", 0),
	KEY("observability_pipelines_worker.logs.url", STR, "", 0),

	/*
	 * Datadog defaults this to false because the same file serves every
	 * agent; cws is the security agent, so being installed means on.
	 */
	KEY(RSC "enabled", BOOL, "true", 0),
	/*
	 * Not runtime_security_config.socket: system-probe's socket for the
	 * security agent's gRPC, which cws has no use for (its stages talk
	 * through pipes, the API is security_agent.cmd_port). Set, it is an
	 * unknown key and says so.
	 */
	/* The probe's stream for other local agents; "": run_path's. */
	KEY("event_monitoring_config.socket", STR, "", 0),
	KEY(RSC "policies.dir", STR, CWS_SYSCONFDIR "/cws/runtime-security.d",
	    0),
	KEY(RSC "policies.watch_dir", BOOL, "false", 0),
	KEY(RSC "event_server.burst", INT, "40", 0),
	KEY(RSC "event_server.rate", INT, "10", 0),
	KEY(RSC "event_server.retention", DUR, "6s", 0),
	KEY(RSC "enforcement.enabled", BOOL, "true", 0),
	KEY(RSC "self_test.enabled", BOOL, "true", 0),
	KEY(RSC "self_test.send_report", BOOL, "true", 0),
	KEY(RSC "use_secruntime_track", BOOL, "true", 0),
	KEY(RSC "log_patterns", LIST, "", 0),
	KEY(RSC "log_tags", LIST, "", 0),
	KEY(RSC "network.enabled", BOOL, "true", EVMON),
	KEY(RSC "network.ingress.enabled", BOOL, "false", EVMON),
	KEY(RSC "network.lazy_interface_prefixes", LIST, "", EVMON),
	KEY(RSC "network.classifier_priority", INT, "10", EVMON),
	KEY(RSC "network.classifier_handle", INT, "0", EVMON),
	KEY(RSC "imds_ipv4", STR, "169.254.169.254", EVMON),
	/* Datadog's newer default: the default policy's socks5 rules. */
	KEY(RSC "network.raw_packet.enabled", BOOL, "true", EVMON),
	KEY(RSC "network.raw_packet.limiter_rate", INT, "10", EVMON),
	KEY(RSC "enable_kernel_filters", BOOL, "true", EVMON),
	KEY(RSC "enable_approvers", BOOL, "true", EVMON),
	KEY(RSC "enable_discarders", BOOL, "true", EVMON),
	KEY(RSC "pid_cache_size", INT, "10000", EVMON),
	KEY(RSC "dentry_cache_size", INT, "1024", EVMON),
	KEY(RSC "custom_sensitive_words", LIST, "", EVMON),
	/* 0: cws-probe sizes the ring buffer from the number of CPUs. */
	KEY(RSC "event_stream.buffer_size", INT, "0", EVMON),
	KEY(RSC "probe.events", LIST, "", CWS),
	KEY(RSC "envs_with_value", LIST, "LD_PRELOAD LD_LIBRARY_PATH PATH "
	    "HISTSIZE HISTFILESIZE GLIBC_TUNABLES", EVMON),
	LOGS_KEYS(RSC "endpoints."),
	/* cws-ship: a CA bundle for private intakes (Go reads SSL_CERT_FILE). */
	KEY(RSC "endpoints.ca_file", STR, "", CWS),
	/* The hash action (cws-filter): Datadog's hash resolver. */
	KEY(RSC "hash_resolver.enabled", BOOL, "true", 0),
	KEY(RSC "hash_resolver.event_types", LIST, "exec open", 0),
	KEY(RSC "hash_resolver.max_file_size", INT, "10485760", 0),
	KEY(RSC "hash_resolver.max_hash_rate", INT, "500", 0),
	KEY(RSC "hash_resolver.max_hash_burst", INT, "1000", 0),
	KEY(RSC "hash_resolver.hash_algorithms", LIST, "sha1 sha256 ssdeep", 0),
	KEY(RSC "hash_resolver.cache_size", INT, "500", 0),

	LOGS_KEYS("logs_config."),
	KEY("logs_config.dd_port", INT, "10516", 0),
	KEY("logs_config.use_port_443", BOOL, "false", 0),
	KEY("logs_config.dd_url_443", STR,
	    "agent-443-intake.logs.datadoghq.com", 0),
	KEY("logs_config.force_use_http", BOOL, "false", 0),
	KEY("logs_config.use_tcp", BOOL, "false", 0),
	KEY("logs_config.force_use_tcp", BOOL, "false", 0),
	KEY("logs_config.socks5_proxy_address", STR, "", 0),
	KEY("logs_config.stop_grace_period", DUR, "30", 0),
};
/* clang-format on */

#define NKEYS CWS_ARRAY_SIZE(cws_config_keys)

const size_t cws_config_nkeys = NKEYS;

struct warning {
	char *key;
	char *text;
};

struct cws_config {
	struct value values[NKEYS];
	char *defs[NKEYS]; /* each default as text, for status */
	struct warning warnings[CWS_CONFIG_MAX_WARNINGS];
	size_t nwarnings;
};

int cws_config_buf_add(struct buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (n > BUF_MAX || b->len + n > BUF_MAX)
		return -EFBIG;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int cws_config_buf_puts(struct buf *b, const char *s)
{
	return cws_config_buf_add(b, s, strlen(s));
}

/* Hands the text over ("" when nothing was added); NULL when out of memory. */
char *cws_config_buf_take(struct buf *b)
{
	char *p = b->p ? b->p : strdup("");

	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void cws_config_buf_release(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int cws_config_fail(struct cws_config_err *err, const char *file, int line,
		    int col, int rc, const char *fmt, ...) CWS_PRINTF(6, 7);

int cws_config_fail(struct cws_config_err *err, const char *file, int line,
		    int col, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return rc;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* Quotes a value for a message: 'text', cut and made printable. */
const char *cws_config_quote(const char *s, char *out, size_t len)
{
	size_t i, o = 0, max = 64;

	out[o++] = '\'';
	for (i = 0; i < max && s[i] && o + 5 < len; i++)
		out[o++] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	if (s[i] && o + 5 < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
	return out;
}

const struct key *cws_config_find_def(const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (!strcmp(cws_config_keys[i].name, name)) {
			if (idx)
				*idx = i;
			return &cws_config_keys[i];
		}
	}
	return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static unsigned key_flags(const struct key *k)
{
	unsigned flags = k->flags;

	/* Datadog's scrubber works on names too; later keys get it free. */
	if (ends_with(k->name, "_path") || ends_with(k->name, "_file"))
		return flags; /* where a secret is, not the secret */
	if (ends_with(k->name, "api_key") || ends_with(k->name, "app_key") ||
	    strstr(k->name, "password") || strstr(k->name, "token") ||
	    strstr(k->name, "secret"))
		flags |= CWS_CONFIG_F_SECRET;
	return flags;
}

const char *cws_config_expected(const struct key *k)
{
	switch (k->type) {
	case CWS_CONFIG_STRING:
		return "a string";
	case CWS_CONFIG_BOOL:
		return "a boolean";
	case CWS_CONFIG_INT:
		return "an integer";
	case CWS_CONFIG_FLOAT:
		return "a number";
	case CWS_CONFIG_DURATION:
		return "a duration";
	case CWS_CONFIG_LIST:
		return "a list of strings";
	case CWS_CONFIG_ANY:
		break;
	}
	return "a value";
}

static const char *check_log_level(const char *text)
{
	static const char what[] =
		"a log level (trace, debug, info, warn, error, critical, off)";

	return cws_log_level_parse(text) < 0 ? what : NULL;
}

void cws_config_value_release(struct value *v)
{
	size_t i;

	free(v->text);
	for (i = 0; i < v->nlist; i++)
		free(v->list[i]);
	free(v->list);
	free(v->origin);
	memset(v, 0, sizeof(*v));
}

/*
 * Copies the value of s without surrounding white space into out; returns
 * false when it does not fit (no valid number is that long).
 */
static bool trim(const char *s, char *out, size_t len)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* Datadog (cast.ToBool) takes 1, t, true, 0, f, false; YAML 1.1 adds more. */
int cws_config_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "true", "yes", "on", "t", "1", "y" };
	static const char *const no[] = { "false", "no", "off", "f", "0", "n" };
	char t[16];
	size_t i;

	if (!trim(s, t, sizeof(t)))
		return -EINVAL;
	for (i = 0; i < CWS_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(t, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(t, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal, 0x hex or 0 octal like Go's ParseInt(s, 0, 64); "5.0" is 5. */
static int parse_int(const char *s, long long *v)
{
	char t[64], *end;

	if (!trim(s, t, sizeof(t)) || !t[0])
		return -EINVAL;
	errno = 0;
	*v = strtoll(t, &end, 0);
	if (errno || end == t)
		return -EINVAL;
	if (*end == '.' && end > t && isdigit((unsigned char)end[-1]))
		end += strspn(end + 1, "0") + 1;
	return *end ? -EINVAL : 0;
}

static int parse_float(const char *s, double *v)
{
	char t[64], *end;

	if (!trim(s, t, sizeof(t)) || !t[0])
		return -EINVAL;
	errno = 0;
	*v = strtod(t, &end);
	if (errno || end == t || *end || !isfinite(*v))
		return -EINVAL;
	return 0;
}

/*
 * Seconds to nanoseconds, rounded; false when out of range. Written out so
 * that libcws needs no libm: tools link only what pkg-config gives them.
 */
static bool secs_to_ns(double secs, long long *ns)
{
	double x = secs * 1e9;

	if (!isfinite(secs) || x >= 9.2e18 || x <= -9.2e18)
		return false;
	*ns = (long long)(x < 0 ? x - 0.5 : x + 0.5);
	return true;
}

/*
 * A duration: a plain number of seconds ("5", "1.5"), or Go's
 * time.ParseDuration syntax ("300ms", "1h30m", "-2s"), into nanoseconds.
 */
static int parse_duration(const char *s, long long *ns)
{
	static const struct {
		const char *name;
		long long ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
		{ "ms", 1000000 },
		{ "s", 1000000000 },
		{ "m", 60000000000LL },
		{ "h", 3600000000000LL },
	};
	char t[64], *p, *end;
	long long total = 0, whole, part;
	bool neg = false;
	double secs, frac, scale;
	size_t i, n, best;

	if (!trim(s, t, sizeof(t)) || !t[0])
		return -EINVAL;
	errno = 0;
	secs = strtod(t, &end);
	if (!*end && end != t && isdigit((unsigned char)end[-1])) {
		return !errno && secs_to_ns(secs, ns) ? 0 : -EINVAL;
	}
	p = t;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!*p)
		return -EINVAL;
	while (*p) {
		if (!isdigit((unsigned char)*p) &&
		    !(*p == '.' && isdigit((unsigned char)p[1])))
			return -EINVAL;
		for (whole = 0; isdigit((unsigned char)*p); p++)
			if (__builtin_mul_overflow(whole, 10, &whole) ||
			    __builtin_add_overflow(whole, *p - '0', &whole))
				return -EINVAL;
		frac = 0;
		if (*p == '.')
			for (scale = 0.1, p++; isdigit((unsigned char)*p);
			     p++, scale /= 10)
				frac += (*p - '0') * scale;
		best = CWS_ARRAY_SIZE(units);
		for (i = 0; i < CWS_ARRAY_SIZE(units); i++) {
			n = strlen(units[i].name);
			if (!strncmp(p, units[i].name, n) &&
			    (best == CWS_ARRAY_SIZE(units) ||
			     n > strlen(units[best].name)))
				best = i;
		}
		if (best == CWS_ARRAY_SIZE(units))
			return -EINVAL;
		p += strlen(units[best].name);
		if (__builtin_mul_overflow(whole, units[best].ns, &part) ||
		    __builtin_add_overflow(
			    part, (long long)(frac * units[best].ns), &part) ||
		    __builtin_add_overflow(total, part, &total))
			return -EINVAL;
	}
	*ns = neg ? -total : total;
	return 0;
}

/* Formats nanoseconds the way Go's Duration.String does: "1h0m5.5s". */
static void format_duration(long long ns, char *out, size_t len)
{
	static const char *const small[] = { "ns", "us", "ms" };
	unsigned long long u = ns < 0 ? -(unsigned long long)ns :
					(unsigned long long)ns;
	unsigned long long secs = u / 1000000000ULL, frac = u % 1000000000ULL;
	const char *sign = ns < 0 ? "-" : "";
	char fs[16] = "";
	size_t i, n;

	if (!u) {
		snprintf(out, len, "0s");
		return;
	}
	if (!secs) {
		for (i = 0; i < 2 && !(u % 1000); i++)
			u /= 1000;
		snprintf(out, len, "%s%llu%s", sign, u, small[i]);
		return;
	}
	if (frac) {
		snprintf(fs, sizeof(fs), ".%09llu", frac);
		n = strlen(fs);
		while (fs[n - 1] == '0')
			fs[--n] = '\0';
	}
	if (secs >= 3600)
		snprintf(out, len, "%s%lluh%llum%llu%ss", sign, secs / 3600,
			 secs / 60 % 60, secs % 60, fs);
	else if (secs >= 60)
		snprintf(out, len, "%s%llum%llu%ss", sign, secs / 60, secs % 60,
			 fs);
	else
		snprintf(out, len, "%s%llu%ss", sign, secs, fs);
}

int cws_config_list_push(struct value *v, const char *s, size_t n)
{
	char **list, *dup;

	dup = strndup(s, n);
	if (!dup)
		return -ENOMEM;
	list = realloc(v->list, (v->nlist + 2) * sizeof(*list));
	if (!list) {
		free(dup);
		return -ENOMEM;
	}
	v->list = list;
	list[v->nlist++] = dup;
	list[v->nlist] = NULL;
	return 0;
}

/* The elements joined by one space: the list's text for status. */
int cws_config_list_text(struct value *v)
{
	struct buf b = { 0 };
	size_t i;
	int rc = 0;

	if (!v->list) {
		v->list = calloc(1, sizeof(*v->list));
		if (!v->list)
			return -ENOMEM;
	}
	for (i = 0; i < v->nlist && !rc; i++) {
		if (i)
			rc = cws_config_buf_add(&b, " ", 1);
		if (!rc)
			rc = cws_config_buf_puts(&b, v->list[i]);
	}
	if (rc) {
		cws_config_buf_release(&b);
		return rc;
	}
	v->text = cws_config_buf_take(&b);
	return v->text ? 0 : -ENOMEM;
}

static int split_list(struct value *v, const char *s)
{
	size_t n;
	int rc;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		for (n = 0; s[n] && !isspace((unsigned char)s[n]); n++)
			;
		rc = cws_config_list_push(v, s, n);
		if (rc)
			return rc;
		s += n;
	}
	return cws_config_list_text(v);
}

/* Removes leading and trailing white space in place. */
static void strip(char *s)
{
	size_t skip = 0, n;

	while (isspace((unsigned char)s[skip]))
		skip++;
	n = strlen(s + skip);
	memmove(s, s + skip, n + 1);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static bool is_key_name(const char *name)
{
	return ends_with(name, "api_key") || ends_with(name, "app_key");
}

/*
 * Parses a value written as text (environment, run time, defaults, YAML
 * scalars) into v. Returns 0, -ENOMEM, or -EINVAL with *what set to what
 * was expected.
 */
int cws_config_parse_text(const struct key *k, const char *s, struct value *v,
			  const char **what)
{
	char t[64];
	int rc = 0;

	*what = cws_config_expected(k);
	switch (k->type) {
	case CWS_CONFIG_STRING:
	case CWS_CONFIG_ANY:
		if (k->check && (*what = k->check(s)))
			return -EINVAL;
		v->text = strdup(s);
		if (!v->text)
			return -ENOMEM;
		/* Datadog trims keys: a newline pasted with one is common. */
		if (is_key_name(k->name))
			strip(v->text);
		return 0;
	case CWS_CONFIG_BOOL:
		rc = cws_config_parse_bool(s, &v->b);
		snprintf(t, sizeof(t), "%s", v->b ? "true" : "false");
		break;
	case CWS_CONFIG_INT:
		rc = parse_int(s, &v->i);
		snprintf(t, sizeof(t), "%lld", v->i);
		break;
	case CWS_CONFIG_FLOAT:
		rc = parse_float(s, &v->f);
		snprintf(t, sizeof(t), "%g", v->f);
		break;
	case CWS_CONFIG_DURATION:
		rc = parse_duration(s, &v->i);
		format_duration(v->i, t, sizeof(t));
		break;
	case CWS_CONFIG_LIST:
		return split_list(v, s);
	}
	if (rc)
		return rc;
	v->text = strdup(t);
	return v->text ? 0 : -ENOMEM;
}

/* Stores nv in slot idx unless the slot holds a value of higher rank. */
void cws_config_commit(struct cws_config *cfg, size_t idx, struct value *nv)
{
	struct value *cur = &cfg->values[idx];

	/*
	 * In a file, runtime_security_config.X beats the newer spelling
	 * event_monitoring_config.X, as in Datadog's eventmonitor config.
	 */
	if (nv->source < cur->source || (nv->source == CWS_CONFIG_SRC_FILE &&
					 cur->source == CWS_CONFIG_SRC_FILE &&
					 nv->via_alias && !cur->via_alias)) {
		cws_config_value_release(nv);
		return;
	}
	cws_config_value_release(cur);
	*cur = *nv;
}

struct cws_config *cws_config_new(void)
{
	struct cws_config *cfg;
	const char *what;
	size_t i;
	int rc = -ENOMEM;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	for (i = 0; i < NKEYS; i++) {
		/* A default that does not parse is a bug in the table. */
		rc = cws_config_parse_text(&cws_config_keys[i],
					   cws_config_keys[i].def,
					   &cfg->values[i], &what);
		if (rc)
			goto out_free;
		cfg->defs[i] = strdup(cfg->values[i].text);
		if (!cfg->defs[i]) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	return cfg;

out_free:
	cws_config_free(cfg);
	errno = -rc;
	return NULL;
}

void cws_config_free(struct cws_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < NKEYS; i++) {
		cws_config_value_release(&cfg->values[i]);
		free(cfg->defs[i]);
	}
	for (i = 0; i < cfg->nwarnings; i++) {
		free(cfg->warnings[i].key);
		free(cfg->warnings[i].text);
	}
	free(cfg);
}

int cws_config_warn_unknown(struct cws_config *cfg, const char *key,
			    const char *file, int line, int col)
{
	struct warning *w;
	size_t i;

	for (i = 0; i < cfg->nwarnings; i++)
		if (!strcmp(cfg->warnings[i].key, key))
			return 0;
	if (cfg->nwarnings == CWS_CONFIG_MAX_WARNINGS)
		return 0;
	w = &cfg->warnings[cfg->nwarnings];
	w->key = strdup(key);
	if (!w->key || asprintf(&w->text, "%s:%d:%d: unknown key '%s'", file,
				line, col, key) < 0) {
		free(w->key);
		w->key = NULL;
		w->text = NULL;
		return -ENOMEM;
	}
	cfg->nwarnings++;
	return 0;
}

/* --- Environment and run time ------------------------------------------ */

/* "DD_" + upper-cased key, dots as underscores; prefix replaces the RSC. */
static void env_name(const struct key *k, bool evmon, char *out, size_t len)
{
	const char *name = k->name;
	size_t i;

	if (evmon)
		name += sizeof(rsc_ns) - 1;
	snprintf(out, len, "DD_%s%s", evmon ? "EVENT_MONITORING_CONFIG" : "",
		 name);
	for (i = 3; out[i]; i++)
		out[i] = out[i] == '.' ? '_' : toupper((unsigned char)out[i]);
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Sets slot idx from text; label names the source in messages. */
static int set_text(struct cws_config *cfg, size_t idx, const char *text,
		    enum cws_config_source source, const char *env,
		    const char *label, struct cws_config_err *err)
{
	const struct key *k = &cws_config_keys[idx];
	struct value nv = { 0 };
	const char *what;
	char q[80];
	int rc;

	rc = cws_config_parse_text(k, text, &nv, &what);
	if (!rc && env) {
		nv.origin = strdup(env);
		rc = nv.origin ? 0 : -ENOMEM;
	}
	if (rc) {
		cws_config_value_release(&nv);
		if (rc == -ENOMEM)
			return cws_config_fail(err, NULL, 0, 0, rc,
					       "%s: out of memory", label);
		return cws_config_fail(err, NULL, 0, 0, rc,
				       "%s: expected %s, got %s", label, what,
				       cws_config_quote(text, q, sizeof(q)));
	}
	nv.source = source;
	cws_config_commit(cfg, idx, &nv);
	return 0;
}

int cws_config_load_env(struct cws_config *cfg, char *const *envp,
			struct cws_config_err *err)
{
	char name[CWS_CONFIG_MAX_KEY + 32], label[sizeof(name) + 16];
	const char *text;
	size_t i;
	int rc;

	if (err)
		memset(err, 0, sizeof(*err));
	for (i = 0; i < NKEYS; i++) {
		text = NULL;
		if (cws_config_keys[i].flags & CWS_CONFIG_F_EVMON) {
			env_name(&cws_config_keys[i], true, name, sizeof(name));
			text = env_get(envp, name);
		}
		/* Like viper, an empty variable is an unset one. */
		if (!text || !*text) {
			env_name(&cws_config_keys[i], false, name,
				 sizeof(name));
			text = env_get(envp, name);
		}
		if (!text || !*text)
			continue;
		snprintf(label, sizeof(label), "environment %s", name);
		rc = set_text(cfg, i, text, CWS_CONFIG_SRC_ENV, name, label,
			      err);
		if (rc)
			return rc;
	}
	return 0;
}

int cws_config_set(struct cws_config *cfg, const char *key, const char *value,
		   struct cws_config_err *err)
{
	size_t idx;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!key || !cws_config_find_def(key, &idx))
		return cws_config_fail(err, NULL, 0, 0, -ENOENT,
				       "unknown key '%s'",
				       key ? key : "(null)");
	return set_text(cfg, idx, value ? value : "", CWS_CONFIG_SRC_RUNTIME,
			NULL, key, err);
}

int cws_config_load(struct cws_config *cfg, const char *path,
		    struct cws_config_err *err)
{
	const char *def = getenv("CWS_CONFIG_DEFAULT");
	size_t first = cfg->nwarnings, i;
	int rc;

	/* CWS_CONFIG_DEFAULT moves the default file (tests, packagers). */
	if (!def || !*def)
		def = CWS_CONFIG_DEFAULT_PATH;
	rc = cws_config_load_file(cfg, path ? path : def,
				  path ? 0 : CWS_CONFIG_OPTIONAL, err);
	if (!rc)
		rc = cws_config_load_env(cfg, environ, err);
	for (i = first; i < cfg->nwarnings; i++)
		cws_warnx("%s", cfg->warnings[i].text);
	return rc;
}

/* --- Getters ------------------------------------------------------------ */

/* Finds key's slot if it has one of the types in mask; logs misuse. */
static const struct value *slot(const struct cws_config *cfg, const char *key,
				unsigned mask, const char *getter)
{
	size_t idx;

	if (!cfg || !key || !cws_config_find_def(key, &idx)) {
		cws_errorx("config: %s of unknown key '%s'", getter,
			   key ? key : "(null)");
		return NULL;
	}
	if (!(mask & (1u << cws_config_keys[idx].type))) {
		cws_errorx("config: %s of key '%s', which is a %s", getter, key,
			   cws_config_type_name(cws_config_keys[idx].type));
		return NULL;
	}
	return &cfg->values[idx];
}

#define ALL_TYPES (~0u)
#define T(t) (1u << (t))

const char *cws_config_get_string(const struct cws_config *cfg, const char *key)
{
	const struct value *v = slot(cfg, key, ALL_TYPES, "get_string");

	return v ? v->text : "";
}

bool cws_config_get_bool(const struct cws_config *cfg, const char *key)
{
	const struct value *v = slot(cfg, key, T(BOOL), "get_bool");

	return v ? v->b : false;
}

long long cws_config_get_int(const struct cws_config *cfg, const char *key)
{
	const struct value *v = slot(cfg, key, T(INT), "get_int");

	return v ? v->i : 0;
}

double cws_config_get_float(const struct cws_config *cfg, const char *key)
{
	const struct value *v =
		slot(cfg, key, T(FLOAT) | T(INT) | T(DUR), "get_float");
	size_t idx;

	if (!v)
		return 0;
	idx = v - cfg->values;
	if (cws_config_keys[idx].type == CWS_CONFIG_INT)
		return (double)v->i;
	if (cws_config_keys[idx].type == CWS_CONFIG_DURATION)
		return (double)v->i / 1e9;
	return v->f;
}

long long cws_config_get_duration_ns(const struct cws_config *cfg,
				     const char *key)
{
	const struct value *v =
		slot(cfg, key, T(FLOAT) | T(INT) | T(DUR), "get_duration");
	long long ns;
	size_t idx;

	if (!v)
		return 0;
	idx = v - cfg->values;
	if (cws_config_keys[idx].type == CWS_CONFIG_DURATION)
		return v->i;
	if (cws_config_keys[idx].type == CWS_CONFIG_FLOAT)
		return secs_to_ns(v->f, &ns) ? ns : 0;
	return __builtin_mul_overflow(v->i, 1000000000LL, &ns) ? 0 : ns;
}

const char *const *cws_config_get_list(const struct cws_config *cfg,
				       const char *key, size_t *n)
{
	static const char *const empty[] = { NULL };
	const struct value *v = slot(cfg, key, T(LIST), "get_list");

	if (n)
		*n = v ? v->nlist : 0;
	return v ? (const char *const *)v->list : empty;
}

enum cws_config_source cws_config_source(const struct cws_config *cfg,
					 const char *key)
{
	size_t idx;

	if (!cfg || !key || !cws_config_find_def(key, &idx))
		return CWS_CONFIG_SRC_DEFAULT;
	return cfg->values[idx].source;
}

const char *cws_config_source_name(enum cws_config_source source)
{
	switch (source) {
	case CWS_CONFIG_SRC_DEFAULT:
		return "default";
	case CWS_CONFIG_SRC_FILE:
		return "file";
	case CWS_CONFIG_SRC_ENV:
		return "env";
	case CWS_CONFIG_SRC_RUNTIME:
		return "runtime";
	}
	return "unknown";
}

const char *cws_config_type_name(enum cws_config_type type)
{
	static const char *const names[] = {
		[CWS_CONFIG_STRING] = "string",
		[CWS_CONFIG_BOOL] = "bool",
		[CWS_CONFIG_INT] = "int",
		[CWS_CONFIG_FLOAT] = "float",
		[CWS_CONFIG_DURATION] = "duration",
		[CWS_CONFIG_LIST] = "list",
		[CWS_CONFIG_ANY] = "any",
	};

	return (unsigned)type < CWS_ARRAY_SIZE(names) ? names[type] : "unknown";
}

static void fill_item(const struct cws_config *cfg, size_t idx,
		      struct cws_config_item *it)
{
	const struct value *v = &cfg->values[idx];

	memset(it, 0, sizeof(*it));
	it->key = cws_config_keys[idx].name;
	it->type = cws_config_keys[idx].type;
	it->flags = key_flags(&cws_config_keys[idx]);
	it->source = v->source;
	it->value = v->text;
	it->def = cfg->defs[idx];
	if (v->source == CWS_CONFIG_SRC_FILE) {
		it->file = v->origin;
		it->line = v->line;
		it->col = v->col;
	} else if (v->source == CWS_CONFIG_SRC_ENV) {
		it->env = v->origin;
	}
}

int cws_config_lookup(const struct cws_config *cfg, const char *key,
		      struct cws_config_item *item)
{
	size_t idx;

	if (!cfg || !key || !cws_config_find_def(key, &idx))
		return -ENOENT;
	fill_item(cfg, idx, item);
	return 0;
}

bool cws_config_next(const struct cws_config *cfg, size_t *pos,
		     struct cws_config_item *item)
{
	if (!cfg || *pos >= NKEYS)
		return false;
	fill_item(cfg, (*pos)++, item);
	return true;
}

size_t cws_config_warning_count(const struct cws_config *cfg)
{
	return cfg ? cfg->nwarnings : 0;
}

const char *cws_config_warning(const struct cws_config *cfg, size_t i)
{
	return cfg && i < cfg->nwarnings ? cfg->warnings[i].text : NULL;
}

const char *cws_config_err_format(const struct cws_config_err *err, char *buf,
				  size_t len)
{
	if (err->line > 0)
		snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line,
			 err->col, err->msg);
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}
