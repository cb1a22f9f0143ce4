/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DogStatsD metrics, as Datadog's security agent reports them. Every
 * METRICS_MS, cws run reads the stages' status files (the counters they
 * already keep) and sends what changed since the last time, in
 * DogStatsD's text format (name:value|type|#tags, several to a datagram
 * separated by newlines), to dogstatsd_socket (a Unix datagram socket) or
 * else bind_host:dogstatsd_port over UDP. Datadog's metric names where one
 * exists (datadog.runtime_security.*, datadog.security_agent.*), cws.* for
 * the rest; every metric is tagged with the host.
 *
 * Off unless dogstatsd_socket or dogstatsd_port is set (and use_dogstatsd
 * is not false): cws is often alone on its host, and Datadog's default port
 * would send to nobody. Never blocking: the socket is non-blocking and a
 * datagram that cannot go is counted (dropped) and forgotten; metrics are
 * sent by the supervisor, never by a stage of the pipeline.
 */
#include "compat.h"
#include "cws.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "log.h"

#define UDP_MAX 1432 /* DogStatsD's default packet size over UDP */
#define UDS_MAX 8192
#define PREV_MAX 2048 /* counters remembered for their deltas */

struct prev {
	char key[160];
	json_int_t v;
};

struct metrics {
	int fd;
	size_t max; /* bytes of one datagram */
	char address[300];
	char host[256];
	char buf[UDS_MAX];
	size_t len;
	uint64_t datagrams, dropped, series;
	struct prev *prev;
	size_t nprev;
};

/*
 * Opens the socket the configuration names; NULL when metrics are off.
 * quiet: no line saying where they go (a one-off send).
 */
static struct metrics *open_quiet(const struct front *f, bool quiet)
{
	const char *sock = cws_config_get_string(f->cfg, "dogstatsd_socket");
	const char *host = cws_config_get_string(f->cfg, "bind_host");
	long long port = cws_config_get_int(f->cfg, "dogstatsd_port");
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL, *a;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct metrics *m;
	char ports[16];
	int rc;

	if (!cws_config_get_bool(f->cfg, "use_dogstatsd") ||
	    (!*sock && port <= 0))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->fd = -1;
	m->prev = calloc(PREV_MAX, sizeof(*m->prev));
	front_hostname(f, m->host, sizeof(m->host));
	if (*sock) {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
		snprintf(m->address, sizeof(m->address), "unix://%s", sock);
		m->max = UDS_MAX;
		m->fd = socket(AF_UNIX,
			       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		/* Connected later if the server is not there yet. */
		if (m->fd >= 0)
			(void)connect(m->fd, (struct sockaddr *)&sun,
				      sizeof(sun));
	} else {
		snprintf(ports, sizeof(ports), "%lld", port);
		snprintf(m->address, sizeof(m->address), "%s:%lld", host, port);
		m->max = UDP_MAX;
		rc = getaddrinfo(host, ports, &hints, &ai);
		if (rc) {
			cws_errorx("dogstatsd: cannot resolve bind_host '%s': "
				   "%s: no metrics",
				   host, gai_strerror(rc));
			free(m->prev);
			free(m);
			return NULL;
		}
		for (a = ai; a && m->fd < 0; a = a->ai_next) {
			m->fd = socket(
				a->ai_family,
				SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (m->fd >= 0 &&
			    connect(m->fd, a->ai_addr, a->ai_addrlen)) {
				close(m->fd);
				m->fd = -1;
			}
		}
		freeaddrinfo(ai);
	}
	if (m->fd < 0 || !m->prev) {
		cws_errorx("dogstatsd: cannot open a socket to %s: %s: no "
			   "metrics",
			   m->address, strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		free(m->prev);
		free(m);
		return NULL;
	}
	if (!quiet)
		cws_info("dogstatsd: metrics every %d s to %s",
			 METRICS_MS / 1000, m->address);
	return m;
}

struct metrics *metrics_open(const struct front *f)
{
	return open_quiet(f, false);
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	close(m->fd);
	free(m->prev);
	free(m);
}

static void flush(struct metrics *m)
{
	if (!m->len)
		return;
	if (send(m->fd, m->buf, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		m->dropped++;
	else
		m->datagrams++;
	m->len = 0;
}

/* One series: name:value|type|#host:H[,tags]. */
static void put(struct metrics *m, const char *name, json_int_t v,
		const char *type, const char *tags)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "%s:%lld|%s|#host:%s%s%s", name,
		     (long long)v, type, m->host, tags && *tags ? "," : "",
		     tags ? tags : "");
	if (n <= 0 || (size_t)n >= sizeof(line) || (size_t)n >= m->max)
		return;
	if (m->len && m->len + 1 + (size_t)n > m->max)
		flush(m);
	if (m->len)
		m->buf[m->len++] = '\n';
	memcpy(m->buf + m->len, line, (size_t)n);
	m->len += (size_t)n;
	m->series++;
}

/*
 * A counter's change since the last time it was seen (all of it the first
 * time, or after its stage started again and counts from 0).
 */
static json_int_t delta(struct metrics *m, const char *name, const char *tags,
			json_int_t v)
{
	char key[160];
	size_t i;
	json_int_t d;

	snprintf(key, sizeof(key), "%s|%s", name, tags ? tags : "");
	for (i = 0; i < m->nprev; i++)
		if (!strcmp(m->prev[i].key, key))
			break;
	if (i == m->nprev) {
		if (m->nprev == PREV_MAX)
			return 0;
		snprintf(m->prev[m->nprev].key, sizeof(m->prev[0].key), "%s",
			 key);
		m->prev[m->nprev++].v = 0;
	}
	d = v >= m->prev[i].v ? v - m->prev[i].v : v;
	m->prev[i].v = v;
	return d;
}

static void count(struct metrics *m, const char *name, const char *tags,
		  json_t *j)
{
	json_int_t d;

	if (!json_is_integer(j))
		return;
	d = delta(m, name, tags, json_integer_value(j));
	if (d > 0)
		put(m, name, d, "c", tags);
}

static void gauge(struct metrics *m, const char *name, const char *tags,
		  json_t *j)
{
	if (json_is_integer(j))
		put(m, name, json_integer_value(j), "g", tags);
}

static json_t *load(const struct front *f, const char *tool)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s.json",
		 cws_config_get_string(f->cfg, "run_path"), tool);
	return json_load_file(path, 0, NULL);
}

static void probe_metrics(struct metrics *m, json_t *p)
{
	json_t *v, *types;
	const char *t;
	char tags[160];

	count(m, "datadog.runtime_security.perf_buffer.events.write",
	      "map:events", json_object_get(p, "events"));
	json_object_foreach(
		json_object_get(json_object_get(p, "lost"), "types"), t, v) {
		snprintf(tags, sizeof(tags), "map:events,event_type:%s", t);
		count(m,
		      "datadog.runtime_security.perf_buffer.lost_events.write",
		      tags, v);
	}
	types = json_object_get(json_object_get(p, "kernel_filters"), "types");
	json_object_foreach(types, t, v) {
		snprintf(tags, sizeof(tags),
			 "event_type:%s,discarder_type:kernel", t);
		count(m, "datadog.runtime_security.discarders.event_discarded",
		      tags, json_object_get(v, "dropped_by_discarders"));
		snprintf(tags, sizeof(tags),
			 "event_type:%s,discarder_type:user_space", t);
		count(m, "datadog.runtime_security.discarders.event_discarded",
		      tags, json_object_get(v, "discarded_in_user_space"));
		snprintf(tags, sizeof(tags), "event_type:%s", t);
		count(m, "cws.kernel_filters.approvers.event_dropped", tags,
		      json_object_get(v, "dropped_by_approvers"));
	}
}

static void filter_metrics(struct metrics *m, json_t *fj)
{
	json_t *pol = json_object_get(fj, "policies"), *r;
	char tags[160];
	size_t i;

	gauge(m, "cws.rules.loaded", NULL,
	      json_object_get(pol, "rules_loaded"));
	gauge(m, "cws.rules.failed", NULL,
	      json_object_get(pol, "rules_failed"));
	/* The first load, then each reload. */
	r = json_object_get(pol, "reloads");
	if (json_is_integer(r)) {
		r = json_integer(json_integer_value(r) + 1);
		count(m, "datadog.runtime_security.ruleset_loaded", NULL, r);
		json_decref(r);
	}
	count(m, "cws.filter.matches", NULL, json_object_get(fj, "matches"));
	count(m, "cws.filter.errors", NULL, json_object_get(fj, "bad_records"));
	json_array_foreach(json_object_get(fj, "rules"), i, r) {
		const char *id = json_string_value(json_object_get(r, "id"));

		if (!id)
			continue;
		snprintf(tags, sizeof(tags), "rule_id:%s", id);
		count(m, "datadog.runtime_security.rules.rate_limiter.drop",
		      tags, json_object_get(r, "rate_limited"));
	}
}

static void ship_metrics(struct metrics *m, json_t *sj)
{
	json_t *ep, *v;
	const char *k;
	char tags[300];
	json_int_t dropped;
	size_t i;

	count(m, "cws.ship.errors", "cause:bad_record",
	      json_object_get(sj, "bad_records"));
	count(m, "cws.ship.errors", "cause:encode",
	      json_object_get(sj, "encode_errors"));
	json_array_foreach(json_object_get(sj, "endpoints"), i, ep) {
		snprintf(tags, sizeof(tags), "endpoint:%s",
			 json_string_value(json_object_get(ep, "url")) ?: "");
		count(m, "cws.intake.bytes", tags,
		      json_object_get(ep, "sent_bytes"));
		count(m, "cws.intake.messages", tags,
		      json_object_get(ep, "sent_messages"));
		count(m, "cws.intake.retries", tags,
		      json_object_get(ep, "retries"));
		dropped = 0;
		json_object_foreach(json_object_get(ep, "dropped_messages"), k,
				    v)
			dropped += json_integer_value(v);
		v = json_integer(dropped);
		count(m, "cws.intake.dropped", tags, v);
		json_decref(v);
	}
}

void metrics_flush(struct metrics *m, const struct front *f,
		   const struct metrics_stage *st, int nst)
{
	static const char *const tools[] = { "cws-probe", "cws-filter",
					     "cws-ship" };
	char tags[64];
	json_t *j, *v;
	int i;

	if (!m)
		return;
	v = json_integer(1);
	gauge(m, "datadog.security_agent.runtime.running", NULL, v);
	json_decref(v);
	for (i = 0; i < nst; i++) {
		snprintf(tags, sizeof(tags), "stage:%s", st[i].tool);
		v = json_integer(st[i].restarts);
		count(m, "cws.stage.restarts", tags, v);
		json_decref(v);
	}
	for (i = 0; i < 3; i++) {
		j = load(f, tools[i]);
		if (!j)
			continue;
		if (i == 0)
			probe_metrics(m, j);
		else if (i == 1)
			filter_metrics(m, j);
		else
			ship_metrics(m, j);
		json_decref(j);
	}
	flush(m);
}

json_t *metrics_status(const struct metrics *m)
{
	if (!m)
		return json_pack("{s:s}", "state", "off");
	return json_pack("{s:s,s:s,s:I,s:I,s:I}", "state", "on", "address",
			 m->address, "datagrams", (json_int_t)m->datagrams,
			 "dropped", (json_int_t)m->dropped, "series",
			 (json_int_t)m->series);
}

void metrics_send(const struct front *f, const char *name, json_int_t v,
		  const char *type, const char *tags)
{
	struct metrics *m = open_quiet(f, true);

	if (!m)
		return;
	put(m, name, v, type, tags);
	flush(m);
	metrics_close(m);
}
