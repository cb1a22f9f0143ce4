/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Records to Datadog's intake messages. A match record becomes the JSON
 * Datadog's serializers write for a rule event (pkg/security/serializers:
 * the "agent" and "title" of the backend event, then evt, date, file,
 * process with parent and ancestors, container and the event's own
 * object, which payload_objects.c writes); ruleset_loaded, heartbeat,
 * selftest and lost records become Datadog's custom events. Each is then
 * wrapped as the logs pipeline's HTTP encoder does: {"message": "<the
 * JSON as a string>", "status", "timestamp", "hostname", "service",
 * "ddsource", "ddtags"}.
 *
 * Keys the decoder does not keep (process.envp, the body of a selftest
 * record) are read from the record's msgpack object.
 */
#include "compat.h"
#include "payload_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

#if defined(__aarch64__)
#define ARCH "arm64"
#else
#define ARCH "x86_64"
#endif

#define SOURCE "runtime-security-agent"
#define MASK "********"
#define MAX_JSON_DEPTH 32

/* --- msgpack helpers ---------------------------------------------------- */

static const msgpack_object *mp_get(const msgpack_object *o, const char *key)
{
	size_t n = strlen(key);
	uint32_t i;

	if (!o || o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    !memcmp(k->via.str.ptr, key, n))
			return &o->via.map.ptr[i].val;
	}
	return NULL;
}

/* Any msgpack value as JSON (selftest bodies and the like). */
static void mp_json(struct jbuf *b, const msgpack_object *o, int depth)
{
	uint32_t i;

	if (depth > MAX_JSON_DEPTH) {
		jb_puts(b, "null");
		return;
	}
	switch (o->type) {
	case MSGPACK_OBJECT_BOOLEAN:
		jb_puts(b, o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		jb_u64(b, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		jb_i64(b, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: {
		char tmp[40];
		int n = snprintf(tmp, sizeof(tmp), "%.17g", o->via.f64);

		if (o->via.f64 != o->via.f64 || n <= 0 || strchr(tmp, 'i') ||
		    strchr(tmp, 'n'))
			jb_puts(b, "null");
		else
			jb_raw(b, tmp, (size_t)n);
		break;
	}
	case MSGPACK_OBJECT_STR:
		jb_str(b, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		jb_str(b, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		jb_open(b, '[');
		for (i = 0; i < o->via.array.size; i++) {
			jb_sep(b);
			mp_json(b, &o->via.array.ptr[i], depth + 1);
		}
		jb_close(b, ']');
		break;
	case MSGPACK_OBJECT_MAP:
		jb_open(b, '{');
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;

			jb_sep(b);
			if (k->type == MSGPACK_OBJECT_STR)
				jb_str(b, k->via.str.ptr, k->via.str.size);
			else
				jb_puts(b, "\"\"");
			jb_raw(b, ":", 1);
			mp_json(b, &o->via.map.ptr[i].val, depth + 1);
		}
		jb_close(b, '}');
		break;
	default:
		jb_puts(b, "null");
	}
}

static bool mp_streq(const msgpack_object *o, const char *s, size_t n)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       !memcmp(o->via.str.ptr, s, n);
}

/* --- pieces of an event ------------------------------------------------- */

/* -1 ("unchanged") stays -1, as Datadog's int fields show it. */
void payload_id_member(struct jbuf *b, const char *key, uint32_t v)
{
	jb_key(b, key);
	jb_i64(b, (int32_t)v);
}

/*
 * process.envs: names, and name=value for the variables of
 * envs_with_value (Datadog's env_vars_resolution).
 */
static void envs(const struct payload_opts *o, struct jbuf *b,
		 const msgpack_object *envp)
{
	uint32_t i;
	size_t k, n;

	if (!envp || envp->type != MSGPACK_OBJECT_ARRAY ||
	    !envp->via.array.size)
		return;
	jb_key(b, "envs");
	jb_open(b, '[');
	for (i = 0; i < envp->via.array.size; i++) {
		const msgpack_object *e = &envp->via.array.ptr[i];
		const char *s, *eq;
		bool keep = false;

		if (e->type != MSGPACK_OBJECT_STR)
			continue;
		s = e->via.str.ptr;
		n = e->via.str.size;
		eq = memchr(s, '=', n);
		if (eq) {
			for (k = 0; k < o->nenvs_with_value; k++) {
				const char *w = o->envs_with_value[k];

				if (strlen(w) == (size_t)(eq - s) &&
				    !memcmp(w, s, (size_t)(eq - s)))
					keep = true;
			}
		}
		jb_sep(b);
		jb_str(b, s, keep || !eq ? n : (size_t)(eq - s));
	}
	jb_close(b, ']');
}

/* "key": [s, ...]: the probe's envs, already cut and filtered. */
static void strv_member(struct jbuf *b, const char *key,
			const struct cws_strv *v)
{
	uint32_t i;

	jb_key(b, key);
	jb_open(b, '[');
	for (i = 0; i < v->n; i++) {
		jb_sep(b);
		jb_str(b, v->v[i] ? v->v[i] : "",
		       v->v[i] ? strlen(v->v[i]) : 0);
	}
	jb_close(b, ']');
}

/* args: argv[1..], scrubbed; a scrubbed line is split on spaces. */
static void args(const struct payload_opts *o, struct jbuf *b,
		 const struct cws_strv *argv)
{
	const char *line = NULL, *p, *sp;
	uint32_t i;
	size_t n0;

	if (!argv->n)
		return;
	jb_kstr(b, "argv0", argv->v[0]);
	if (argv->n < 2)
		return;
	if (o->scrub)
		line = scrub_cmdline(o->scrub, argv->v, argv->n);
	jb_key(b, "args");
	jb_open(b, '[');
	if (!line) {
		for (i = 1; i < argv->n; i++) {
			jb_sep(b);
			jb_cstr(b, argv->v[i]);
		}
		jb_close(b, ']');
		return;
	}
	/* Skip argv[0] as it was, else the first word. */
	n0 = strlen(argv->v[0] ? argv->v[0] : "");
	if (!strncmp(line, argv->v[0] ? argv->v[0] : "", n0) && line[n0] == ' ')
		p = line + n0 + 1;
	else
		p = (sp = strchr(line, ' ')) ? sp + 1 : line + strlen(line);
	for (;;) {
		sp = strchr(p, ' ');
		jb_sep(b);
		jb_str(b, p, sp ? (size_t)(sp - p) : strlen(p));
		if (!sp)
			break;
		p = sp + 1;
	}
	jb_close(b, ']');
}

struct proc_extra {
	const char *dest_kind; /* setuid, setgid, capset: credentials.dest */
	const struct cws_evobj *obj;
};

static void credentials(struct jbuf *b, const struct cws_creds *c,
			const struct proc_extra *x)
{
	jb_key(b, "credentials");
	jb_open(b, '{');
	payload_u32_member(b, "uid", c->uid);
	jb_kstr(b, "user", c->user);
	payload_u32_member(b, "gid", c->gid);
	jb_kstr(b, "group", c->group);
	payload_u32_member(b, "euid", c->euid);
	jb_kstr(b, "euser", c->euser);
	payload_u32_member(b, "egid", c->egid);
	jb_kstr(b, "egroup", c->egroup);
	payload_u32_member(b, "fsuid", c->fsuid);
	jb_kstr(b, "fsuser", c->fsuser);
	payload_u32_member(b, "fsgid", c->fsgid);
	jb_kstr(b, "fsgroup", c->fsgroup);
	payload_id_member(b, "auid", c->auid);
	jb_key(b, "cap_effective");
	names_caps(b, c->cap_effective);
	jb_key(b, "cap_permitted");
	names_caps(b, c->cap_permitted);
	if (x && x->dest_kind) {
		const struct cws_evobj *d = x->obj;

		jb_key(b, "destination");
		jb_open(b, '{');
		if (!strcmp(x->dest_kind, "setuid")) {
			payload_id_member(b, "uid", d->uid);
			jb_kstr(b, "user", d->user);
			payload_id_member(b, "euid", d->euid);
			jb_kstr(b, "euser", d->euser);
			payload_id_member(b, "fsuid", d->fsuid);
			jb_kstr(b, "fsuser", d->fsuser);
		} else if (!strcmp(x->dest_kind, "setgid")) {
			payload_id_member(b, "gid", d->gid);
			jb_kstr(b, "group", d->group);
			payload_id_member(b, "egid", d->egid);
			jb_kstr(b, "egroup", d->egroup);
			payload_id_member(b, "fsgid", d->fsgid);
			jb_kstr(b, "fsgroup", d->fsgroup);
		} else {
			jb_key(b, "cap_effective");
			names_caps(b, d->cap_effective);
			jb_key(b, "cap_permitted");
			names_caps(b, d->cap_permitted);
		}
		jb_close(b, '}');
	}
	jb_close(b, '}');
}

/* ProcessSerializer's members, without the braces. */
static void process_members(const struct payload_opts *o, struct jbuf *b,
			    const struct cws_process *p,
			    const msgpack_object *envp,
			    const struct proc_extra *x)
{
	jb_ku64(b, "pid", p->pid);
	payload_u32_member(b, "ppid", p->ppid);
	jb_ku64(b, "tid", p->tid);
	payload_u32_member(b, "uid", p->cred.uid);
	payload_u32_member(b, "gid", p->cred.gid);
	jb_kstr(b, "user", p->cred.user);
	jb_kstr(b, "group", p->cred.group);
	jb_kstr(b, "comm", p->comm);
	jb_kstr(b, "tty", p->tty_name);
	if (p->fork_time) {
		jb_key(b, "fork_time");
		jb_time(b, p->fork_time);
	}
	if (p->exec_time) {
		jb_key(b, "exec_time");
		jb_time(b, p->exec_time);
	}
	credentials(b, &p->cred, x);
	if (p->file.path || p->file.name || p->file.path_resolution_error)
		payload_file_obj(b, "executable", &p->file);
	if (p->container_id && *p->container_id) {
		jb_key(b, "container");
		jb_open(b, '{');
		jb_kstr(b, "id", p->container_id);
		if (p->container_created_at) {
			jb_key(b, "created_at");
			jb_time(b, p->container_created_at);
		}
		jb_close(b, '}');
	}
	args(o, b, &p->argv);
	jb_kbool(b, "args_truncated", p->args_truncated);
	if (p->envs.n)
		strv_member(b, "envs", &p->envs);
	else
		envs(o, b, envp);
	if (p->envs_truncated)
		jb_kbool(b, "envs_truncated", true);
	jb_kbool(b, "is_thread", p->is_thread);
}

/* ProcessContextSerializer: the process, its parent and ancestors. */
void payload_process_ctx(const struct payload_opts *o, struct jbuf *b,
			 const char *key, const struct cws_process *p,
			 const struct cws_process *anc, uint32_t nanc,
			 bool truncated, const msgpack_object *envp,
			 const struct proc_extra *x)
{
	uint32_t i;

	jb_key(b, key);
	jb_open(b, '{');
	process_members(o, b, p, envp, x);
	if (nanc) {
		jb_key(b, "parent");
		jb_open(b, '{');
		process_members(o, b, &anc[0], NULL, NULL);
		jb_close(b, '}');
		jb_key(b, "ancestors");
		jb_open(b, '[');
		for (i = 0; i < nanc; i++) {
			jb_sep(b);
			jb_open(b, '{');
			process_members(o, b, &anc[i], NULL, NULL);
			jb_close(b, '}');
		}
		jb_close(b, ']');
	}
	jb_kbool(b, "truncated_ancestors", truncated);
	jb_close(b, '}');
}

/* A time member, left out when unknown (0). */
static void time_member(struct jbuf *b, const char *key, uint64_t ns)
{
	if (!ns)
		return;
	jb_key(b, key);
	jb_time(b, ns);
}

/*
 * A duration as Go's time.Duration.String writes it, which is what
 * Datadog's ttr is: "850ns", "1.5µs", "2.001ms", "1.2s", "1m2.5s".
 */
void payload_go_duration(char *buf, size_t len, uint64_t ns)
{
	static const struct {
		uint64_t unit;
		const char *name;
		int digits;
	} small[] = { { 1000ull, "\u00b5s", 3 }, { 1000000ull, "ms", 6 } };
	uint64_t s = ns / 1000000000ull, frac;
	char f[16] = "";
	int i, d;

	if (ns < 1000) {
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
		return;
	}
	for (i = 0; i < 2; i++) {
		if (ns >= small[i].unit * 1000)
			continue;
		frac = ns % small[i].unit;
		d = small[i].digits;
		if (frac) {
			snprintf(f, sizeof(f), ".%0*llu", d,
				 (unsigned long long)frac);
			for (d = (int)strlen(f); f[d - 1] == '0'; d--)
				f[d - 1] = '\0';
		}
		snprintf(buf, len, "%llu%s%s",
			 (unsigned long long)(ns / small[i].unit), f,
			 small[i].name);
		return;
	}
	frac = ns % 1000000000ull;
	if (frac) {
		snprintf(f, sizeof(f), ".%09llu", (unsigned long long)frac);
		for (d = (int)strlen(f); f[d - 1] == '0'; d--)
			f[d - 1] = '\0';
	}
	if (s >= 3600)
		snprintf(buf, len, "%lluh%llum%llu%ss",
			 (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60), f);
	else if (s >= 60)
		snprintf(buf, len, "%llum%llu%ss", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60), f);
	else
		snprintf(buf, len, "%llu%ss", (unsigned long long)s, f);
}

/*
 * Datadog's kill report: when the action began, the event happened, the
 * signal went and the process was gone, and the time to react (ttr,
 * from the first to the last).
 */
static void kill_times(struct jbuf *b, const struct cws_rule_action *a)
{
	char ttr[64];

	time_member(b, "created_at", a->created_at);
	time_member(b, "detected_at", a->detected_at);
	time_member(b, "killed_at", a->killed_at);
	time_member(b, "exited_at", a->exited_at);
	if (a->exited_at && a->created_at && a->exited_at >= a->created_at) {
		payload_go_duration(ttr, sizeof(ttr),
				    a->exited_at - a->created_at);
		jb_kstr(b, "ttr", ttr);
	}
}

#define AGENT_TAIL                         \
	",\"version\":\"" CWS_POLICY_AGENT \
	"\",\"os\":\"linux\",\"arch\":\"" ARCH "\",\"origin\":\"ebpf\"}"

static void agent(struct jbuf *b, const char *rule_id,
		  const struct cws_event_rule *r)
{
	uint32_t i;

	jb_key(b, "agent");
	jb_open(b, '{');
	jb_key(b, "rule_id");
	jb_cstr(b, rule_id);
	if (r) {
		jb_kstr(b, "rule_version", r->version);
		if (r->nactions) {
			jb_key(b, "rule_actions");
			jb_open(b, '[');
			for (i = 0; i < r->nactions; i++) {
				const struct cws_rule_action *a =
					&r->actions[i];

				jb_sep(b);
				jb_open(b, '{');
				if (a->type && !strcmp(a->type, "hash")) {
					/* HashActionReport's shape. */
					jb_kstr(b, "type", a->type);
					jb_key(b, "path");
					jb_cstr(b, a->path ? a->path : "");
					jb_key(b, "state");
					jb_cstr(b, a->state ? a->state : "");
					jb_key(b, "trigger");
					jb_cstr(b,
						a->trigger ? a->trigger : "");
					jb_close(b, '}');
					continue;
				}
				jb_kstr(b, "type", a->type);
				jb_kstr(b, "signal", a->signal);
				jb_kstr(b, "scope", a->scope);
				jb_ku64(b, "pid", a->pid);
				jb_kstr(b, "status", a->status);
				jb_kstr(b, "message", a->message);
				kill_times(b, a);
				jb_close(b, '}');
			}
			jb_close(b, ']');
		}
		jb_kstr(b, "policy_name", r->policy_name);
		jb_kstr(b, "policy_version", r->policy_version);
	}
	/* jb_kstr of each, written at once: they never change. */
	jb_raw(b, AGENT_TAIL, sizeof(AGENT_TAIL) - 1);
}

void payload_agent(struct jbuf *b, const char *rule_id)
{
	agent(b, rule_id, NULL);
}

static const char *outcome(int64_t retval)
{
	if (retval == -13 || retval == -1) /* EACCES, EPERM */
		return "Refused";
	return retval < 0 ? "Error" : "Success";
}

/*
 * The "process" member of each context key's messages, kept as written:
 * in a lean stream (cws-event(5), schema 2) a key stands for a context
 * that never changes, so its JSON (the process, its parent and ancestors,
 * scrubbed) is built once per key and thread, not once per message. It is
 * kept twice: as JSON, for the message, and escaped as a JSON string's
 * content, for the wrapper's "message" string, so that the two thirds of
 * a message that are its process are not escaped again for every message
 * (the wrapper escapes only the rest, jb_str_json_hole). A direct-mapped
 * table: a collision costs a rebuild. Not for what varies per event
 * (setuid's destination) or is read from the record (envp).
 */
#define PCTX_SLOTS 1024u
#define PCTX_MAX (64u << 10)

struct pctx {
	uint64_t key; /* 0: empty */
	uint32_t tid;
	size_t len, esc_len, cap;
	char *json; /* len bytes of JSON, then esc_len escaped */
};

/*
 * Where the kept parts sit in the last message built (its head, then its
 * process), with their escaped forms for the wrapper.
 */
static struct jb_hole holes[2];
static size_t nholes;
/*
 * Set while payload_record builds a message that only goes into its
 * wrapper: a kept process is then not even copied into the message, only
 * its escaped form into the wrapper (the hole is empty).
 */
static bool hole_only;

static struct pctx *pctx;
static struct payload_ctx_stats pctx_stats;

const struct payload_ctx_stats *payload_ctx_stats(void)
{
	unsigned i;

	pctx_stats.kept = pctx_stats.bytes = 0;
	for (i = 0; pctx && i < PCTX_SLOTS; i++) {
		pctx_stats.kept += pctx[i].key != 0;
		pctx_stats.bytes += pctx[i].cap;
	}
	return &pctx_stats;
}

static void process_cached(const struct payload_opts *o, struct jbuf *b,
			   const struct cws_event *ev,
			   const msgpack_object *envp,
			   const struct proc_extra *x)
{
	uint64_t h = (ev->process.key ^ (uint64_t)ev->process.tid << 40) *
		     0x9e3779b97f4a7c15ull;
	struct pctx *s;
	size_t at = b->len, n;

	/*
	 * A key the reader does not hold (cws-event(5): a stage started
	 * again in the middle of the stream): the event carries its pid and
	 * tid only, so that is all the message says, never zeroes for the
	 * rest; and nothing is kept for the key, whose record may come yet.
	 */
	if (ev->process_unknown) {
		jb_key(b, "process");
		jb_open(b, '{');
		jb_ku64(b, "pid", ev->process.pid);
		jb_ku64(b, "tid", ev->process.tid);
		jb_close(b, '}');
		return;
	}
	if (!ev->process.key || envp || x->dest_kind ||
	    (!pctx && !(pctx = calloc(PCTX_SLOTS, sizeof(*pctx))))) {
		payload_process_ctx(o, b, "process", &ev->process,
				    ev->ancestors, ev->nancestors,
				    ev->ancestors_truncated, envp, x);
		return;
	}
	s = &pctx[h >> 54 & (PCTX_SLOTS - 1)];
	if (s->key == ev->process.key && s->tid == ev->process.tid) {
		pctx_stats.hits++;
		if (hole_only) {
			holes[nholes++] = (struct jb_hole){ b->len, 0,
							    s->json + s->len,
							    s->esc_len };
			return;
		}
		jb_raw(b, s->json, s->len);
		goto out_hole;
	}
	pctx_stats.misses++;
	payload_process_ctx(o, b, "process", &ev->process, ev->ancestors,
			    ev->nancestors, ev->ancestors_truncated, NULL, x);
	n = b->len - at;
	if (b->err || n > PCTX_MAX)
		return;
	s->key = 0;
	if (s->cap < 3 * n) {
		char *p = realloc(s->json, 3 * n);

		if (!p)
			return;
		s->json = p;
		s->cap = 3 * n;
	}
	memcpy(s->json, b->p + at, n);
	s->len = n;
	s->esc_len = jb_json_escape(s->json + n, s->json, n);
	s->key = ev->process.key;
	s->tid = ev->process.tid;
out_hole:
	if (!b->err)
		holes[nholes++] = (struct jb_hole){ at, s->len,
						    s->json + s->len,
						    s->esc_len };
}

void payload_ctx_sweep(bool (*live)(void *arg, uint64_t key), void *arg)
{
	unsigned i;

	for (i = 0; pctx && i < PCTX_SLOTS; i++) {
		if (!pctx[i].key || live(arg, pctx[i].key))
			continue;
		free(pctx[i].json);
		memset(&pctx[i], 0, sizeof(pctx[i]));
		pctx_stats.swept++;
	}
}

/* The head of a rule event's message: agent, title and evt. */
static void head(struct jbuf *b, const struct cws_event *ev, const char *name)
{
	const struct cws_event_rule *r = ev->rule;

	jb_open(b, '{');
	agent(b, r ? (r->group_id && *r->group_id ? r->group_id : r->id) : "",
	      r);
	jb_key(b, "title");
	jb_cstr(b, r && r->description ? r->description : "");
	jb_key(b, "evt");
	jb_open(b, '{');
	jb_kstr(b, "name", name);
	jb_kstr(b, "category", names_category(name));
	jb_kstr(b, "outcome", outcome(ev->evt.retval));
	jb_close(b, '}');
}

/*
 * What a rule and an event type make of a message, kept: its head (as
 * JSON and escaped) and its ddtags (as a JSON string). A rule matches
 * many events; building these is a third of a message's cost. Keyed by
 * every string they are made of, copied one after the other; a rule with
 * actions (per event) is not kept. A few slots, reused in turn.
 */
#define RCTX_SLOTS 8u
#define RCTX_MAX 4096u

struct rctx {
	char *key, *json; /* key, then head JSON, escaped head, tags */
	size_t klen, hlen, elen, tlen, cap;
	bool tags; /* the tags were set */
};

static struct rctx rctx[RCTX_SLOTS];
static unsigned rctx_next;
static struct rctx *rcur; /* the slot of the message being built */
static struct jbuf rkey;

static void key_add(struct jbuf *k, const char *s)
{
	if (s)
		jb_raw(k, s, strlen(s) + 1);
	else
		jb_raw(k, "\x01", 2); /* NULL apart from "" */
}

static void head_cached(struct jbuf *b, const struct cws_event *ev,
			const char *name)
{
	const struct cws_event_rule *r = ev->rule;
	struct rctx *c;
	size_t at = b->len, n, size;
	uint32_t i;
	char *p;

	rcur = NULL;
	if (!r || r->nactions || at) {
		head(b, ev, name);
		return;
	}
	if (!rkey.max)
		jb_init(&rkey, RCTX_MAX);
	jb_reset(&rkey);
	key_add(&rkey, r->id);
	key_add(&rkey, r->group_id);
	key_add(&rkey, r->version);
	key_add(&rkey, r->description);
	key_add(&rkey, r->policy_name);
	key_add(&rkey, r->policy_version);
	for (i = 0; i < r->ntags; i++) {
		key_add(&rkey, r->tags[i].key);
		key_add(&rkey, r->tags[i].value);
	}
	key_add(&rkey, "");
	for (i = 0; i < r->product_tags.n; i++)
		key_add(&rkey, r->product_tags.v[i]);
	key_add(&rkey, "");
	key_add(&rkey, name);
	key_add(&rkey, outcome(ev->evt.retval));
	key_add(&rkey, ev->container.id);
	for (i = 0; i < ev->process.container_tags.n; i++)
		key_add(&rkey, ev->process.container_tags.v[i]);
	if (rkey.err) {
		head(b, ev, name);
		return;
	}
	for (i = 0; i < RCTX_SLOTS; i++) {
		c = &rctx[i];
		if (c->klen == rkey.len && !memcmp(c->key, rkey.p, rkey.len)) {
			jb_raw(b, c->json, c->hlen);
			if (!b->err)
				holes[nholes++] = (struct jb_hole){
					at, c->hlen, c->json + c->hlen, c->elen
				};
			rcur = c;
			return;
		}
	}
	head(b, ev, name);
	n = b->len - at;
	if (b->err || n > RCTX_MAX)
		return;
	c = &rctx[rctx_next++ % RCTX_SLOTS];
	c->klen = 0;
	/*
	 * Room for the tags too: their text is the key's strings and a few
	 * names, as a JSON string (6 bytes a byte at worst, see keep_tags).
	 */
	size = rkey.len + 3 * n + 6 * (rkey.len + 64) + 8;
	if (c->cap < size) {
		p = realloc(c->key, size);
		if (!p)
			return;
		c->key = p;
		c->cap = size;
	}
	memcpy(c->key, rkey.p, rkey.len);
	c->json = c->key + rkey.len;
	memcpy(c->json, b->p + at, n);
	c->hlen = n;
	c->elen = jb_json_escape(c->json + n, c->json, n);
	c->tags = false;
	c->klen = rkey.len;
	holes[nholes++] =
		(struct jb_hole){ at, c->hlen, c->json + c->hlen, c->elen };
	rcur = c;
}

/*
 * A hash action's result goes into the event's own "file" as Datadog's
 * PatchEvent puts it (hashes, hash_state): ev, or a patched copy of it.
 */
static const struct cws_event *hash_patched(const struct cws_event *ev)
{
	static struct cws_event copy;
	const struct cws_rule_action *a = NULL;
	struct cws_file *f;
	uint32_t i;

	for (i = 0; ev->rule && i < ev->rule->nactions; i++)
		if (ev->rule->actions[i].type &&
		    !strcmp(ev->rule->actions[i].type, "hash") &&
		    ev->rule->actions[i].state)
			a = &ev->rule->actions[i];
	if (!a)
		return ev;
	copy = *ev;
	f = ev->evt.type == CWS_EVT_EXEC ? &copy.exec.file : &copy.obj.file;
	f->hashes = a->hashes;
	f->hash_state = a->state;
	return &copy;
}

int payload_event_json(const struct payload_opts *o, const struct cws_event *ev,
		       const msgpack_object *obj, struct jbuf *b)
{
	struct proc_extra x = { .obj = &ev->obj };
	const char *name = ev->evt.name ? ev->evt.name : "";

	if (ev->evt.type == CWS_EVT_SETUID || ev->evt.type == CWS_EVT_SETGID ||
	    ev->evt.type == CWS_EVT_CAPSET)
		x.dest_kind = name;
	nholes = 0;
	head_cached(b, ev, name);
	jb_key(b, "date");
	jb_time(b, ev->timestamp);
	payload_event_object(o, b, hash_patched(ev));
	process_cached(o, b, ev, mp_get(mp_get(obj, "process"), "envp"), &x);
	if (ev->container.id && *ev->container.id) {
		jb_key(b, "container");
		jb_open(b, '{');
		jb_kstr(b, "id", ev->container.id);
		jb_close(b, '}');
	}
	jb_close(b, '}');
	return b->err;
}

/* --- the wrapper -------------------------------------------------------- */

static struct jbuf tags_scratch;

void payload_release(void)
{
	unsigned i;

	jb_release(&tags_scratch);
	if (pctx)
		for (i = 0; i < PCTX_SLOTS; i++)
			free(pctx[i].json);
	free(pctx);
	pctx = NULL;
	for (i = 0; i < RCTX_SLOTS; i++)
		free(rctx[i].key);
	memset(rctx, 0, sizeof(rctx));
	rcur = NULL;
	jb_release(&rkey);
}

static void wrap(const struct payload_opts *o, struct jbuf *out,
		 const struct jbuf *msg, uint64_t now_ms, const char *service,
		 const struct jbuf *tags)
{
	jb_puts(out, "{\"message\":");
	if (nholes)
		jb_str_json_holes(out, msg->p, msg->len, holes, nholes);
	else
		jb_str_json(out, msg->p ? msg->p : "", msg->len);
	jb_puts(out, ",\"status\":\"info\",\"timestamp\":");
	jb_u64(out, now_ms);
	jb_puts(out, ",\"hostname\":");
	jb_cstr(out, o->hostname);
	jb_puts(out, ",\"service\":");
	jb_cstr(out, service);
	jb_puts(out, ",\"ddsource\":\"" SOURCE "\",\"ddtags\":");
	if (tags)
		jb_str(out, tags->p ? tags->p : "", tags->len);
	else
		jb_raw(out, rcur->json + rcur->hlen + rcur->elen, rcur->tlen);
	jb_close(out, '}');
}

static void tag(struct jbuf *t, const char *k, const char *v)
{
	if (t->len)
		jb_raw(t, ",", 1);
	jb_puts(t, k);
	if (v) {
		jb_raw(t, ":", 1);
		jb_puts(t, v);
	}
}

/* The service: the process's DD_SERVICE, else a service tag. */
static const char *service_of(const struct cws_event *ev,
			      const msgpack_object *obj, char *buf, size_t len)
{
	const msgpack_object *envp = mp_get(mp_get(obj, "process"), "envp");
	const struct cws_event_rule *r = ev->rule;
	uint32_t i;

	if (envp && envp->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < envp->via.array.size; i++) {
			const msgpack_object *e = &envp->via.array.ptr[i];

			if (e->type == MSGPACK_OBJECT_STR &&
			    e->via.str.size > 11 &&
			    !memcmp(e->via.str.ptr, "DD_SERVICE=", 11)) {
				snprintf(buf, len, "%.*s",
					 (int)(e->via.str.size - 11),
					 e->via.str.ptr + 11);
				return buf;
			}
		}
	}
	for (i = 0; r && i < r->ntags; i++)
		if (r->tags[i].key && !strcmp(r->tags[i].key, "service"))
			return r->tags[i].value;
	return "";
}

/* Every key of the record but the stream's own, as JSON members. */
static void rest_of(struct jbuf *b, const msgpack_object *obj)
{
	static const char *const skip[] = { "type", "timestamp", "producer" };
	uint32_t i;
	size_t k;

	if (!obj || obj->type != MSGPACK_OBJECT_MAP)
		return;
	for (i = 0; i < obj->via.map.size; i++) {
		const msgpack_object *key = &obj->via.map.ptr[i].key;
		bool skipped = key->type != MSGPACK_OBJECT_STR;

		for (k = 0; !skipped && k < CWS_ARRAY_SIZE(skip); k++)
			skipped = mp_streq(key, skip[k], strlen(skip[k]));
		if (skipped)
			continue;
		jb_sep(b);
		jb_str(b, key->via.str.ptr, key->via.str.size);
		jb_raw(b, ":", 1);
		mp_json(b, &obj->via.map.ptr[i].val, 1);
	}
}

/* The tags of the message being built, kept with its head. */
static void keep_tags(const struct jbuf *tags)
{
	char *end;
	struct jbuf t;

	if (!rcur || tags->err)
		return;
	end = rcur->json + rcur->hlen + rcur->elen;
	/*
	 * Their JSON string: at most 6 bytes a byte, the quotes and a NUL,
	 * so that jb_str never grows (moves) t, a part of the slot.
	 */
	if ((size_t)(end - rcur->key) + 6 * tags->len + 3 > rcur->cap)
		return;
	t = (struct jbuf){ .p = end,
			   .cap = rcur->cap - (size_t)(end - rcur->key),
			   .max = rcur->cap - (size_t)(end - rcur->key) - 1 };
	jb_str(&t, tags->p ? tags->p : "", tags->len);
	if (t.err)
		return;
	rcur->tlen = t.len;
	rcur->tags = true;
}

/* Appends one message (msg, tagged) and its separator to out. */
static int emit(const struct payload_opts *o, struct jbuf *out,
		const struct jbuf *msg, uint64_t now_ms, const char *service,
		const struct jbuf *tags)
{
	size_t mark = out->len;

	if (msg->err)
		return msg->err;
	wrap(o, out, msg, now_ms, service, tags);
	jb_raw(out, ",\n", 2);
	if (out->err) {
		out->len = mark;
		if (out->p)
			out->p[mark] = '\0';
		return out->err;
	}
	return 0;
}

int payload_record(const struct payload_opts *o, const struct cws_event *ev,
		   const msgpack_object *obj, uint64_t now_ms,
		   struct jbuf *scratch, struct jbuf *out)
{
	uint64_t ts = ev->timestamp ? ev->timestamp : now_ms * 1000000ull;
	struct jbuf *tags_ = &tags_scratch, tags;
	char svc[256];
	const char *service = "";
	uint32_t i, n = 0;
	int rc = 0;

	/* One tag buffer for every record: no allocation per event. */
	if (!tags_->max)
		jb_init(tags_, 65536);
	jb_reset(tags_);
	tags = *tags_;
	jb_reset(scratch);
	/* Set by payload_event_json for this message only. */
	nholes = 0;
	rcur = NULL;
	switch (ev->type) {
	case CWS_REC_EVENT: {
		const struct cws_event_rule *r = ev->rule;

		if (!r || !r->id)
			break; /* not a match: nothing for the intake */
		hole_only = true;
		payload_event_json(o, ev, obj, scratch);
		hole_only = false;
		service = service_of(ev, obj, svc, sizeof(svc));
		if (rcur && rcur->tags) {
			rc = emit(o, out, scratch, now_ms, service, NULL);
			n = 1;
			break;
		}
		tag(&tags, "rule_id", r->id);
		for (i = 0; i < r->ntags; i++)
			tag(&tags, r->tags[i].key, r->tags[i].value);
		for (i = 0; i < r->product_tags.n; i++)
			tag(&tags, r->product_tags.v[i], NULL);
		tag(&tags, "type", ev->evt.name ? ev->evt.name : "");
		if (ev->container.id && *ev->container.id)
			tag(&tags, "container_id", ev->container.id);
		/* Datadog's event tags: the type, then the container's. */
		for (i = 0; i < ev->process.container_tags.n; i++)
			tag(&tags, ev->process.container_tags.v[i], NULL);
		keep_tags(&tags);
		rc = emit(o, out, scratch, now_ms, service, &tags);
		n = 1;
		break;
	}
	case CWS_REC_RULESET_LOADED:
		payload_ruleset_loaded(scratch, ev,
				       mp_get(obj, "monitored_files"), ts);
		tag(&tags, "rule_id", "ruleset_loaded");
		tag(&tags, "type", "ruleset_loaded");
		rc = emit(o, out, scratch, now_ms, service, &tags);
		n = 1;
		break;
	case CWS_REC_HEARTBEAT:
		/* Datadog beats once per policy; a probe's beat has none. */
		tag(&tags, "rule_id", "heartbeat");
		tag(&tags, "type", "heartbeat");
		for (i = 0; !rc && i < ev->ruleset.npolicies; i++) {
			if (payload_internal_policy(&ev->ruleset.policies[i]))
				continue;
			jb_reset(scratch);
			payload_custom_head(scratch, "heartbeat", "Heartbeat",
					    ts);
			jb_key(scratch, "policy");
			jb_open(scratch, '{');
			payload_policy_head(scratch, &ev->ruleset.policies[i]);
			jb_close(scratch, '}');
			jb_close(scratch, '}');
			rc = emit(o, out, scratch, now_ms, service, &tags);
			n++;
		}
		break;
	case CWS_REC_SELFTEST:
		payload_custom_head(scratch, "self_test", "Self tests result",
				    ts);
		rest_of(scratch, obj);
		jb_close(scratch, '}');
		tag(&tags, "rule_id", "self_test");
		tag(&tags, "type", "self_test");
		rc = emit(o, out, scratch, now_ms, service, &tags);
		n = 1;
		break;
	case CWS_REC_LOST:
		if (!ev->lost.total)
			break;
		payload_custom_head(scratch, "lost_events_read", "Lost events",
				    ts);
		jb_kstr(scratch, "map", "events");
		jb_key(scratch, "lost");
		jb_u64(scratch, ev->lost.total);
		jb_key(scratch, "per_cause");
		jb_open(scratch, '{');
		for (i = 0; i < ev->lost.ncauses; i++) {
			jb_sep(scratch);
			jb_cstr(scratch, ev->lost.causes[i].cause);
			jb_raw(scratch, ":", 1);
			jb_u64(scratch, ev->lost.causes[i].count);
		}
		jb_close(scratch, '}');
		jb_key(scratch, "per_event");
		jb_open(scratch, '{');
		for (i = 0; i < ev->lost.ntypes; i++) {
			jb_sep(scratch);
			jb_cstr(scratch, ev->lost.types[i].cause);
			jb_raw(scratch, ":", 1);
			jb_u64(scratch, ev->lost.types[i].count);
		}
		jb_close(scratch, '}');
		jb_close(scratch, '}');
		tag(&tags, "rule_id", "lost_events_read");
		tag(&tags, "type", "lost_events_read");
		rc = emit(o, out, scratch, now_ms, service, &tags);
		n = 1;
		break;
	default:
		break; /* hello and unknown types stay in the pipeline */
	}
	if (!rc && tags.err)
		rc = tags.err;
	*tags_ = tags; /* keeps what it grew to */
	return rc ? rc : (int)n;
}
