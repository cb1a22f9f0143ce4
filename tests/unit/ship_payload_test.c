/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for cws-ship's payload (cmd/cws-ship/payload.c,
 * payload_objects.c, jbuf.c, names.c): the JSON text builder, the names of flags and capabilities,
 * a match record as Datadog's rule event and its wrapper, custom events.
 * Each message is parsed back with jansson and checked key by key.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../cmd/cws-ship/jbuf.c"
#include "../../cmd/cws-ship/names.c"
#include "../../cmd/cws-ship/payload.c"
#include "../../cmd/cws-ship/payload_objects.c"
#include "../../cmd/cws-ship/custom.c"
#include "../../cmd/cws-ship/scrub.c"

static void test_jbuf_strings(void **state)
{
	struct jbuf b;

	(void)state;
	jb_init(&b, 1024);
	jb_str(&b, "a\"b\\c\n\t\x01\x7f", 9);
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\"");
	jb_reset(&b);
	/* Bad UTF-8 becomes U+FFFD, good UTF-8 stays. */
	jb_str(&b, "\xc3\xa9\xff\xe2\x82", 5);
	assert_string_equal(b.p, "\"\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd"
				 "\xef\xbf\xbd\"");
	jb_reset(&b);
	jb_cstr(&b, NULL);
	assert_string_equal(b.p, "\"\"");
	jb_release(&b);
}

/* The wrapper's fast escape agrees with the general one on ASCII. */
static void test_jbuf_str_json(void **state)
{
	static const char alphabet[] = "ab\"\\{}:, x";
	struct jbuf a, b;
	char in[40];
	unsigned seed = 1;
	size_t n, i, round;

	(void)state;
	jb_init(&a, 4096);
	jb_init(&b, 4096);
	for (round = 0; round < 2000; round++) {
		n = rand_r(&seed) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		jb_reset(&a);
		jb_reset(&b);
		jb_str(&a, in, n);
		jb_str_json(&b, in, n);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.p, b.p, a.len);
	}
	jb_release(&a);
	jb_release(&b);
}

/*
 * A message whose process JSON is escaped once and reused (the hole)
 * reads as the whole message escaped; jb_str agrees with the simple
 * rule on long strings too (its 8-byte loop), control bytes and UTF-8
 * included.
 */
static void test_jbuf_str_json_hole(void **state)
{
	static const char alphabet[] = "ab\"\\{}:, xyz/_-\n\x01\xc3\xa9\x7f";
	struct jbuf a, b, c;
	char in[200], esc[400];
	unsigned seed = 7;
	size_t n, i, at, len, el, round;

	(void)state;
	jb_init(&a, 8192);
	jb_init(&b, 8192);
	jb_init(&c, 8192);
	for (round = 0; round < 5000; round++) {
		n = rand_r(&seed) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = alphabet[rand_r(&seed) % 12];
		at = n ? rand_r(&seed) % (n + 1) : 0;
		len = rand_r(&seed) % (n - at + 1);
		el = jb_json_escape(esc, in + at, len);
		jb_reset(&a);
		jb_reset(&b);
		jb_str_json(&a, in, n);
		jb_str_json_hole(&b, in, n, at, len, esc, el);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.p, b.p, a.len);
		/* The whole alphabet: jb_str byte by byte against jb_str. */
		for (i = 0; i < n; i++)
			in[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		jb_reset(&a);
		jb_reset(&c);
		jb_str(&a, in, n);
		jb_raw(&c, "\"", 1);
		for (i = 0; i < n; i++) {
			struct jbuf one;

			jb_init(&one, 64);
			jb_str(&one, in + i, 1);
			/* Bytes of a UTF-8 sequence are only valid together. */
			if ((unsigned char)in[i] == 0xc3 && i + 1 < n &&
			    (unsigned char)in[i + 1] == 0xa9) {
				jb_raw(&c, in + i, 2);
				i++;
			} else {
				jb_raw(&c, one.p + 1, one.len - 2);
			}
			jb_release(&one);
		}
		jb_raw(&c, "\"", 1);
		assert_int_equal(a.len, c.len);
		assert_memory_equal(a.p, c.p, a.len);
	}
	jb_release(&a);
	jb_release(&b);
	jb_release(&c);
}

/* The kept second of jb_time gives what strftime and %09u give. */
static void test_jbuf_time(void **state)
{
	static const uint64_t ns[] = {
		0,
		1,
		1700000000000000000ull,
		1700000000000000001ull,
		1700000000100000000ull,
		1700000000123456789ull,
		1700000001120000000ull,
		1700000001999999999ull,
		1699999999000000010ull,
	};
	struct jbuf b;
	char want[80], frac[16];
	struct tm tm;
	time_t t;
	size_t i, n, d;

	(void)state;
	jb_init(&b, 1024);
	for (i = 0; i < CWS_ARRAY_SIZE(ns); i++) {
		t = (time_t)(ns[i] / 1000000000ull);
		gmtime_r(&t, &tm);
		n = strftime(want, sizeof(want), "\"%Y-%m-%dT%H:%M:%S", &tm);
		if (ns[i] % 1000000000ull) {
			d = (size_t)snprintf(frac, sizeof(frac), ".%09u",
					     (unsigned)(ns[i] % 1000000000ull));
			while (frac[d - 1] == '0')
				d--;
			memcpy(want + n, frac, d);
			n += d;
		}
		memcpy(want + n, "Z\"", 3);
		jb_reset(&b);
		jb_time(&b, ns[i]);
		assert_string_equal(b.p, want);
	}
	jb_release(&b);
}

static void test_jbuf_cap(void **state)
{
	struct jbuf b;

	(void)state;
	jb_init(&b, 8);
	jb_puts(&b, "12345678");
	assert_int_equal(b.err, 0);
	jb_puts(&b, "9");
	assert_int_equal(b.err, -E2BIG);
	assert_int_equal(b.len, 8);
	jb_release(&b);
}

static void test_jbuf_structure(void **state)
{
	struct jbuf b;

	(void)state;
	jb_init(&b, 1024);
	jb_open(&b, '{');
	jb_kstr(&b, "empty", "");
	jb_kstr(&b, "a", "x");
	jb_ku64(&b, "zero", 0);
	jb_ki64(&b, "n", -3);
	jb_key(&b, "l");
	jb_open(&b, '[');
	jb_sep(&b);
	jb_u64(&b, 1);
	jb_sep(&b);
	jb_u64(&b, 2);
	jb_close(&b, ']');
	jb_kbool(&b, "t", true);
	jb_close(&b, '}');
	assert_string_equal(b.p,
			    "{\"a\":\"x\",\"n\":-3,\"l\":[1,2],\"t\":true}");
	jb_reset(&b);
	jb_time(&b, 1700000000123456789ull);
	jb_time(&b, 1700000000100000000ull);
	jb_time(&b, 1700000000000000000ull);
	assert_string_equal(b.p, "\"2023-11-14T22:13:20.123456789Z\""
				 "\"2023-11-14T22:13:20.1Z\""
				 "\"2023-11-14T22:13:20Z\"");
	jb_release(&b);
}

static void test_names(void **state)
{
	struct jbuf b;

	(void)state;
	jb_init(&b, 4096);
	names_open_flags(&b, 0);
	jb_raw(&b, " ", 1);
	names_open_flags(&b, 0101);
	jb_raw(&b, " ", 1);
	names_open_flags(&b, 02000100);
	jb_raw(&b, " ", 1);
	names_caps(&b, (1ull << 21) | 1 | (1ull << 40));
	jb_raw(&b, " ", 1);
	names_prot(&b, 5);
	jb_raw(&b, " ", 1);
	names_prot(&b, 0);
	assert_string_equal(b.p, "[\"O_RDONLY\"] [\"O_WRONLY\",\"O_CREAT\"] "
				 "[\"O_RDONLY\",\"O_CREAT\",\"O_CLOEXEC\"] "
				 "[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\","
				 "\"CAP_CHECKPOINT_RESTORE\"] "
				 "\"PROT_READ|PROT_EXEC\" \"PROT_NONE\"");
	assert_string_equal(names_signal(9), "SIGKILL");
	assert_null(names_signal(99));
	assert_string_equal(names_ptrace(16), "PTRACE_ATTACH");
	assert_string_equal(names_bpf_cmd(5), "BPF_PROG_LOAD");
	assert_string_equal(names_category("exec"), "Process Activity");
	assert_string_equal(names_category("ptrace"), "Kernel Activity");
	assert_string_equal(names_category("dns"), "Network Activity");
	assert_string_equal(names_category("setuid"), "File Activity");
	jb_reset(&b);
	names_pipe_buf_flags(&b, 0x10);
	jb_raw(&b, " ", 1);
	names_pipe_buf_flags(&b, 0x11 | 0x100);
	jb_raw(&b, " ", 1);
	names_pipe_buf_flags(&b, 0);
	assert_string_equal(b.p, "\"PIPE_BUF_FLAG_CAN_MERGE\" "
				 "\"256 | PIPE_BUF_FLAG_CAN_MERGE | "
				 "PIPE_BUF_FLAG_LRU\" \"\"");
	assert_string_equal(names_bpf_map_type(2), "BPF_MAP_TYPE_ARRAY");
	assert_null(names_bpf_map_type(999));
	jb_release(&b);
}

/* --- records ------------------------------------------------------------ */

static const char *argv_[] = { "curl", "--password", "pw", "-v" };
static const struct cws_kv tags_[] = { { "severity", "high" } };
static const char *ptags_[] = { "tactic:TA0001" };
static const char *const envs_with_value_[] = { "PATH" };

static void match_event(struct cws_event *ev, struct cws_event_rule *r)
{
	cws_event_clear(ev);
	memset(r, 0, sizeof(*r));
	r->id = "r1";
	r->version = "1.0";
	r->description = "a rule";
	r->policy_name = "p.policy";
	r->tags = tags_;
	r->ntags = 1;
	r->product_tags.v = ptags_;
	r->product_tags.n = 1;
	ev->type = CWS_REC_EVENT;
	ev->rule = r;
	ev->timestamp = 1700000000000000001ull;
	ev->evt.name = "open";
	ev->evt.type = CWS_EVT_OPEN;
	ev->evt.retval = -1;
	ev->process.pid = 3;
	ev->process.comm = "curl";
	ev->process.argv.v = argv_;
	ev->process.argv.n = 4;
	ev->obj.file.path = "/etc/x";
	ev->obj.flags = 0;
}

/* An object {"process": {"envp": [...]}} as a reader would hand over. */
static void envp_object(msgpack_sbuffer *sb, msgpack_unpacked *u)
{
	static const char *const env[] = { "PATH=/bin", "TOKEN=x",
					   "DD_SERVICE=svc" };
	msgpack_packer pk;
	size_t i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "process", 7);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "envp", 4);
	msgpack_pack_array(&pk, 3);
	for (i = 0; i < 3; i++)
		msgpack_pack_str_with_body(&pk, env[i], strlen(env[i]));
	msgpack_unpacked_init(u);
	assert_int_equal(msgpack_unpack_next(u, sb->data, sb->size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
}

/* Parses out[0..len) as "<wrapper>,\n" lines; returns them as an array. */
static json_t *messages(const struct jbuf *out)
{
	json_t *arr = json_array();
	const char *p = out->p, *nl;
	json_error_t err;

	while (p && p < out->p + out->len) {
		json_t *w;

		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_int_equal(nl[-1], ',');
		w = json_loadb(p, (size_t)(nl - p - 1), 0, &err);
		if (!w)
			fail_msg("bad wrapper: %s", err.text);
		json_array_append_new(arr, w);
		p = nl + 1;
	}
	return arr;
}

static json_t *inner(json_t *w)
{
	json_error_t err;
	json_t *m = json_loads(json_string_value(json_object_get(w, "message")),
			       0, &err);

	if (!m)
		fail_msg("bad message: %s", err.text);
	return m;
}

#define S(o, path) json_string_value(json_object_get((o), (path)))

static void test_match(void **state)
{
	struct payload_opts o = { .hostname = "h1",
				  .envs_with_value = envs_with_value_,
				  .nenvs_with_value = 1 };
	struct cws_event ev;
	struct cws_event_rule r;
	struct scrubber sc;
	struct jbuf scratch, out;
	msgpack_sbuffer sb;
	msgpack_unpacked u;
	json_t *arr, *w, *m, *p;

	(void)state;
	assert_int_equal(scrub_init(&sc, NULL, 0), 0);
	o.scrub = &sc;
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	match_event(&ev, &r);
	envp_object(&sb, &u);
	assert_int_equal(payload_record(&o, &ev, &u.data, 1234, &scratch, &out),
			 1);
	arr = messages(&out);
	assert_int_equal(json_array_size(arr), 1);
	w = json_array_get(arr, 0);
	assert_string_equal(S(w, "status"), "info");
	assert_string_equal(S(w, "hostname"), "h1");
	assert_string_equal(S(w, "service"), "svc");
	assert_string_equal(S(w, "ddsource"), "runtime-security-agent");
	assert_string_equal(S(w, "ddtags"),
			    "rule_id:r1,severity:high,tactic:TA0001,type:open");
	assert_int_equal(json_integer_value(json_object_get(w, "timestamp")),
			 1234);
	m = inner(w);
	assert_string_equal(S(json_object_get(m, "agent"), "rule_id"), "r1");
	assert_string_equal(S(json_object_get(m, "agent"), "rule_version"),
			    "1.0");
	assert_string_equal(S(m, "title"), "a rule");
	assert_string_equal(S(json_object_get(m, "evt"), "outcome"), "Refused");
	assert_string_equal(S(json_object_get(m, "evt"), "category"),
			    "File Activity");
	assert_string_equal(S(m, "date"), "2023-11-14T22:13:20.000000001Z");
	assert_string_equal(
		json_string_value(json_array_get(
			json_object_get(json_object_get(m, "file"), "flags"),
			0)),
		"O_RDONLY");
	p = json_object_get(m, "process");
	assert_string_equal(S(p, "argv0"), "curl");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(p, "args"), 1)),
			    "********");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(p, "envs"), 0)),
			    "PATH=/bin");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(p, "envs"), 1)),
			    "TOKEN");
	json_decref(m);
	json_decref(arr);

	/* group_id replaces the id in agent.rule_id, not in the tags. */
	r.group_id = "g1";
	jb_reset(&out);
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 1);
	arr = messages(&out);
	m = inner(json_array_get(arr, 0));
	assert_string_equal(S(json_object_get(m, "agent"), "rule_id"), "g1");
	assert_string_equal(S(json_array_get(arr, 0), "service"), "");
	json_decref(m);
	json_decref(arr);

	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&sb);
	jb_release(&scratch);
	jb_release(&out);
	scrub_release(&sc);
}

/*
 * Issue 14: the probe's envs (already filtered) and envs_truncated, the
 * executable's in_upper_layer and the container's created_at are sent;
 * a file without inode facts (mode 0) has no uid, gid or times, not
 * zeroes.
 */
static void test_issue14_fields(void **state)
{
	static const char *envs[] = { "HOME", "LD_PRELOAD=/tmp/x.so" };
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev;
	struct cws_event_rule r;
	struct jbuf scratch, out;
	json_t *arr, *m, *p, *f;

	(void)state;
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	match_event(&ev, &r);
	ev.process.envs.v = envs;
	ev.process.envs.n = 2;
	ev.process.envs_truncated = true;
	ev.process.container_id = "c0ffee";
	ev.process.container_created_at = 1700000000000000001ull;
	ev.process.file.path = "/usr/bin/curl";
	ev.process.file.name = "curl";
	ev.process.file.mode = 0100755;
	ev.process.file.in_upper_layer = true;
	ev.process.file.in_upper_layer_known = true;
	ev.obj.file.mode = 0;
	ev.obj.file.uid = 0;
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 1);
	arr = messages(&out);
	m = inner(json_array_get(arr, 0));
	p = json_object_get(m, "process");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(p, "envs"), 1)),
			    "LD_PRELOAD=/tmp/x.so");
	assert_true(json_is_true(json_object_get(p, "envs_truncated")));
	assert_string_equal(S(json_object_get(p, "container"), "created_at"),
			    "2023-11-14T22:13:20.000000001Z");
	f = json_object_get(p, "executable");
	assert_int_equal(json_integer_value(json_object_get(f, "mode")),
			 0100755);
	assert_true(json_is_true(json_object_get(f, "in_upper_layer")));
	f = json_object_get(m, "file");
	assert_non_null(f);
	assert_null(json_object_get(f, "mode"));
	assert_null(json_object_get(f, "uid"));
	assert_null(json_object_get(f, "modification_time"));
	assert_null(json_object_get(f, "in_upper_layer"));
	json_decref(m);
	json_decref(arr);
	jb_release(&scratch);
	jb_release(&out);
}

/*
 * A lean event (a process key): the second message of a key reuses its
 * kept JSON, escaped and not, and both read exactly as the message built
 * without the cache (key 0).
 */
static void test_cached_process(void **state)
{
	struct payload_opts o = { .hostname = "h1" };
	struct cws_process anc[2];
	struct cws_event ev;
	struct cws_event_rule r;
	struct scrubber sc;
	struct jbuf scratch, out, ref;
	uint64_t hits;
	int k;

	(void)state;
	assert_int_equal(scrub_init(&sc, NULL, 0), 0);
	o.scrub = &sc;
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	jb_init(&ref, 1 << 20);
	match_event(&ev, &r);
	memset(anc, 0, sizeof(anc));
	anc[0].pid = 2;
	anc[0].comm = "ba\"sh";
	anc[0].argv.v = argv_;
	anc[0].argv.n = 2;
	anc[1].pid = 1;
	anc[1].comm = "init";
	ev.ancestors = anc;
	ev.nancestors = 2;
	ev.process.tid = 3;
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &ref), 1);
	ev.process.key = 77;
	hits = payload_ctx_stats()->hits;
	for (k = 0; k < 3; k++) {
		jb_reset(&out);
		assert_int_equal(
			payload_record(&o, &ev, NULL, 5, &scratch, &out), 1);
		assert_int_equal(out.len, ref.len);
		assert_memory_equal(out.p, ref.p, ref.len);
	}
	assert_int_equal(payload_ctx_stats()->hits, hits + 2);
	/* Another message of the key: only its own part differs. */
	ev.obj.file.path = "/etc/\"y\"";
	jb_reset(&ref);
	ev.process.key = 0;
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &ref), 1);
	ev.process.key = 77;
	jb_reset(&out);
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &out), 1);
	assert_int_equal(out.len, ref.len);
	assert_memory_equal(out.p, ref.p, ref.len);
	jb_release(&scratch);
	jb_release(&out);
	jb_release(&ref);
	scrub_release(&sc);
	payload_release();
}

/*
 * An event whose key the reader did not hold (a stage started again in
 * the middle of the stream) has a pid and a tid and nothing else: the
 * message says that much, not uid 0 and empty capabilities, and keeps
 * nothing for the key, so that the key's record, once read, is used.
 */
static void test_unknown_process(void **state)
{
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev;
	struct cws_event_rule r;
	struct scrubber sc;
	struct jbuf scratch, out;
	json_t *arr, *m, *p;
	int k;

	(void)state;
	assert_int_equal(scrub_init(&sc, NULL, 0), 0);
	o.scrub = &sc;
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	for (k = 0; k < 2; k++) {
		match_event(&ev, &r);
		ev.process.key = 99;
		ev.process.tid = 4;
		ev.process_ref = true;
		ev.process_unknown = !k;
		if (!k) {
			ev.process.comm = NULL;
			ev.process.argv.n = 0;
		}
		jb_reset(&out);
		assert_int_equal(
			payload_record(&o, &ev, NULL, 5, &scratch, &out), 1);
		arr = messages(&out);
		m = inner(json_array_get(arr, 0));
		p = json_object_get(m, "process");
		if (!k) {
			assert_int_equal(json_object_size(p), 2);
			assert_int_equal(
				json_integer_value(json_object_get(p, "pid")),
				3);
			assert_int_equal(
				json_integer_value(json_object_get(p, "tid")),
				4);
		} else {
			assert_string_equal(S(p, "comm"), "curl");
			assert_non_null(json_object_get(p, "credentials"));
		}
		json_decref(m);
		json_decref(arr);
	}
	jb_release(&scratch);
	jb_release(&out);
	scrub_release(&sc);
	payload_release();
}

/*
 * What is kept per rule and event type (the head, the tags) and per
 * process key: a run of events over two rules, outcomes, types,
 * containers and keys gives each message exactly as a cold start does.
 */
static const char *ctags_[] = { "image_name:nginx", "service:web" };

static void test_kept_parts(void **state)
{
	static const struct cws_kv tags2[] = { { "a", "b\"c" } };
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev;
	struct cws_event_rule r[2];
	struct jbuf scratch, out, refs[24];
	unsigned i, round;

	(void)state;
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	match_event(&ev, &r[0]);
	r[1] = r[0];
	r[1].id = "r2";
	r[1].description = NULL;
	r[1].tags = tags2;
	r[1].group_id = "grp";
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 24; i++) {
			ev.rule = &r[i % 2];
			ev.evt.retval = i % 3 ? 0 : -13;
			ev.evt.type = i % 4 < 2 ? CWS_EVT_OPEN : CWS_EVT_UNLINK;
			ev.evt.name = i % 4 < 2 ? "open" : "unlink";
			ev.container.id = i % 5 ? NULL : "c1";
			/* Tags of the same container may differ: not kept. */
			ev.process.container_tags.v = ctags_;
			ev.process.container_tags.n = i % 5 ? 0 : 1 + i % 2;
			ev.process.key = i % 6;
			ev.timestamp = 1700000000000000000ull + i;
			if (!round) {
				payload_release();
				jb_init(&refs[i], 1 << 20);
				assert_int_equal(payload_record(&o, &ev, NULL,
								5, &scratch,
								&refs[i]),
						 1);
				continue;
			}
			jb_reset(&out);
			assert_int_equal(payload_record(&o, &ev, NULL, 5,
							&scratch, &out),
					 1);
			assert_int_equal(out.len, refs[i].len);
			assert_memory_equal(out.p, refs[i].p, out.len);
		}
	}
	for (i = 0; i < 24; i++)
		jb_release(&refs[i]);
	jb_release(&scratch);
	jb_release(&out);
	payload_release();
}

/*
 * A match record as cws-filter writes it, read by the reader (its fast
 * path takes "rule" now) and decoded the reference way (msgpack-c's
 * object, cws_event_decode): the same message either way.
 */
static void test_match_record_read(void **state)
{
	static char arena[1 << 20];
	static const char *hashes[] = { "sha1:ab", "sha256:cd" };
	static const struct cws_rule_action acts[] = {
		{ .type = "kill",
		  .signal = "SIGKILL",
		  .scope = "process",
		  .pid = 42,
		  .status = "performed",
		  .created_at = 1700000000000000000,
		  .detected_at = 1699999999999000000,
		  .killed_at = 1700000000000100000,
		  .exited_at = 1700000000001600000 },
		{ .type = "kill",
		  .status = "error",
		  .message = "no such process" },
		{ .type = "hash",
		  .status = "performed",
		  .path = "/usr/bin/x",
		  .state = "Done",
		  .trigger = "process_exit",
		  .hashes = { hashes, 2 } },
	};
	static const struct cws_kv tags2[] = { { "severity", "high" },
					       { "technique", "T1059" } };
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev, *got = malloc(sizeof(*got));
	struct cws_event *ref = malloc(sizeof(*ref));
	struct cws_event_rule r;
	struct cws_event_err err;
	struct cws_reader rd;
	struct jbuf scratch, a, b;
	msgpack_sbuffer evb, mb;
	msgpack_packer pk;
	msgpack_unpacked u;
	size_t off = 0;

	(void)state;
	assert_non_null(got);
	assert_non_null(ref);
	match_event(&ev, &r);
	r.group_id = "g";
	r.policy_version = "3";
	r.policy_source = "file";
	r.tags = tags2;
	r.ntags = 2;
	r.actions = acts;
	r.nactions = 3;
	ev.evt.name = NULL; /* cws_event_pack names it from the type */
	msgpack_sbuffer_init(&evb);
	msgpack_packer_init(&pk, &evb, msgpack_sbuffer_write);
	assert_int_equal(cws_event_pack(&pk, &ev), 0);
	msgpack_sbuffer_init(&mb);
	msgpack_packer_init(&pk, &mb, msgpack_sbuffer_write);
	assert_int_equal(cws_event_pack_match(&pk, evb.data, evb.size, &r), 0);

	assert_int_equal(cws_reader_init_mem(&rd, mb.data, mb.size), 0);
	assert_int_equal(cws_reader_next(&rd, got, &err), 1);
	assert_false(rd.obj_ready); /* the fast path decoded it */
	assert_non_null(got->rule);
	assert_int_equal(got->rule->nactions, 3);
	assert_string_equal(got->rule->actions[2].hashes.v[1], "sha256:cd");
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, mb.data, mb.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(
		cws_event_decode(&u.data, ref, arena, sizeof(arena), &err), 0);
	jb_init(&scratch, 1 << 20);
	jb_init(&a, 1 << 20);
	jb_init(&b, 1 << 20);
	assert_int_equal(payload_record(&o, got, NULL, 9, &scratch, &a), 1);
	assert_int_equal(payload_record(&o, ref, NULL, 9, &scratch, &b), 1);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	assert_non_null(strstr(a.p, "\\\"rule_actions\\\":[{"));
	assert_non_null(strstr(a.p, "technique:T1059"));
	/* Datadog's HashActionReport, and the file patched (PatchEvent). */
	assert_non_null(strstr(a.p,
			       "{\\\"type\\\":\\\"hash\\\",\\\"path\\\":"
			       "\\\"/usr/bin/x\\\",\\\"state\\\":\\\"Done\\\","
			       "\\\"trigger\\\":\\\"process_exit\\\"}"));
	assert_non_null(strstr(
		a.p, "\\\"hashes\\\":[\\\"sha1:ab\\\",\\\"sha256:cd\\\"],"
		     "\\\"hash_state\\\":\\\"Done\\\""));
	jb_release(&scratch);
	jb_release(&a);
	jb_release(&b);
	msgpack_unpacked_destroy(&u);
	cws_reader_release(&rd);
	msgpack_sbuffer_destroy(&evb);
	msgpack_sbuffer_destroy(&mb);
	free(got);
	free(ref);
}

static void test_outcomes(void **state)
{
	static const struct {
		int64_t rv;
		const char *want;
	} t[] = { { 0, "Success" },
		  { 3, "Success" },
		  { -1, "Refused" },
		  { -13, "Refused" },
		  { -2, "Error" } };
	size_t i;

	(void)state;
	for (i = 0; i < CWS_ARRAY_SIZE(t); i++)
		assert_string_equal(outcome(t[i].rv), t[i].want);
}

static void test_skipped(void **state)
{
	struct payload_opts o = { .hostname = "h" };
	struct jbuf scratch, out;
	struct cws_event ev;

	(void)state;
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	cws_event_clear(&ev);
	ev.type = CWS_REC_HELLO;
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 0);
	ev.type = CWS_REC_EVENT; /* an event no rule matched */
	ev.evt.name = "exec";
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 0);
	ev.type = CWS_REC_HEARTBEAT; /* a probe's: no policies */
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 0);
	ev.type = CWS_REC_LOST; /* nothing lost */
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 0);
	assert_int_equal(out.len, 0);
	jb_release(&scratch);
	jb_release(&out);
}

/* Datadog's event tags: the type's, then the container's; not in JSON. */
static void test_container_tags(void **state)
{
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev;
	struct cws_event_rule r;
	struct jbuf scratch, out;
	json_t *arr, *m;

	(void)state;
	payload_release();
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	match_event(&ev, &r);
	ev.container.id = "c1";
	ev.process.container_id = "c1";
	ev.process.container_tags.v = ctags_;
	ev.process.container_tags.n = 2;
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &out), 1);
	arr = messages(&out);
	assert_string_equal(S(json_array_get(arr, 0), "ddtags"),
			    "rule_id:r1,severity:high,tactic:TA0001,type:open,"
			    "container_id:c1,image_name:nginx,service:web");
	m = inner(json_array_get(arr, 0));
	assert_string_equal(S(json_object_get(m, "container"), "id"), "c1");
	assert_null(json_object_get(json_object_get(m, "container"), "tags"));
	json_decref(m);
	json_decref(arr);
	/* The rule's kept head and tags are not another container's. */
	ev.process.container_tags.v = ctags_ + 1;
	ev.process.container_tags.n = 1;
	jb_reset(&out);
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &out), 1);
	arr = messages(&out);
	assert_string_equal(S(json_array_get(arr, 0), "ddtags"),
			    "rule_id:r1,severity:high,tactic:TA0001,type:open,"
			    "container_id:c1,service:web");
	json_decref(arr);
	jb_release(&scratch);
	jb_release(&out);
	payload_release();
}

static void test_custom(void **state)
{
	struct payload_opts o = { .hostname = "h" };
	static const char *kill_[] = { "kill" };
	struct cws_ruleset_rule rules[1] = {
		{ .id = "r1",
		  .status = "loaded",
		  .expression = "open.file.path == \"/x\"",
		  .actions = { kill_, 1 } }
	};
	struct cws_ruleset_policy pols[2] = {
		{ .name = "a",
		  .version = "1",
		  .source = "file",
		  .rules = rules,
		  .nrules = 1 },
		{ .name = "b", .source = "file", .error = "bad yaml" },
	};
	struct jbuf scratch, out;
	struct cws_event ev;
	json_t *arr, *m;

	(void)state;
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	cws_event_clear(&ev);
	ev.type = CWS_REC_HEARTBEAT;
	ev.timestamp = 1;
	ev.ruleset.policies = pols;
	ev.ruleset.npolicies = 2;
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 2);
	ev.type = CWS_REC_RULESET_LOADED;
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 1);
	cws_event_clear(&ev);
	ev.type = CWS_REC_LOST;
	ev.lost.total = 5;
	ev.lost.ncauses = 1;
	ev.lost.causes[0].cause = "ringbuf_full";
	ev.lost.causes[0].count = 5;
	assert_int_equal(payload_record(&o, &ev, NULL, 1, &scratch, &out), 1);
	arr = messages(&out);
	assert_int_equal(json_array_size(arr), 4);
	m = inner(json_array_get(arr, 1));
	assert_string_equal(S(m, "title"), "Heartbeat");
	assert_string_equal(S(json_object_get(m, "policy"), "name"), "b");
	json_decref(m);
	m = inner(json_array_get(arr, 2));
	assert_string_equal(S(json_object_get(m, "agent"), "rule_id"),
			    "ruleset_loaded");
	assert_string_equal(S(json_array_get(json_object_get(m, "policies"), 1),
			      "status"),
			    "error");
	assert_string_equal(S(json_array_get(json_object_get(m, "policies"), 0),
			      "status"),
			    "loaded");
	assert_int_equal(json_array_size(json_object_get(m, "monitored_files")),
			 0);
	assert_true(json_is_array(json_object_get(m, "monitored_files")));
	assert_non_null(json_object_get(
		json_array_get(
			json_object_get(
				json_array_get(
					json_object_get(
						json_array_get(
							json_object_get(
								m, "policies"),
							0),
						"rules"),
					0),
				"actions"),
			0),
		"kill"));
	assert_string_equal(
		S(json_array_get(
			  json_object_get(
				  json_array_get(json_object_get(m, "policies"),
						 0),
				  "rules"),
			  0),
		  "expression"),
		"open.file.path == \"/x\"");
	json_decref(m);
	m = inner(json_array_get(arr, 3));
	assert_string_equal(S(m, "title"), "Lost events");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(m, "per_cause"), "ringbuf_full")),
		5);
	assert_string_equal(S(json_array_get(arr, 3), "ddtags"),
			    "rule_id:lost_events_read,type:lost_events_read");
	json_decref(m);
	json_decref(arr);
	jb_release(&scratch);
	jb_release(&out);
}

/* Go's time.Duration.String, which Datadog's kill report uses for ttr. */
static void test_go_duration(void **state)
{
	static const struct {
		uint64_t ns;
		const char *s;
	} cases[] = {
		{ 0, "0ns" },
		{ 999, "999ns" },
		{ 1500, "1.5\u00b5s" },
		{ 194543, "194.543\u00b5s" },
		{ 2001000, "2.001ms" },
		{ 1000000000, "1s" },
		{ 1200000000, "1.2s" },
		{ 62500000000ull, "1m2.5s" },
		{ 3600000000000ull, "1h0m0s" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		payload_go_duration(buf, sizeof(buf), cases[i].ns);
		assert_string_equal(buf, cases[i].s);
	}
}

/* The objects Datadog's schemas check: mount, splice, dns, bpf, kill. */
static void test_event_objects(void **state)
{
	static const struct cws_rule_action acts[] = {
		{ .type = "kill",
		  .signal = "SIGKILL",
		  .scope = "process",
		  .pid = 42,
		  .status = "performed",
		  .created_at = 1700000000000000000,
		  .detected_at = 1699999999999000000,
		  .killed_at = 1700000000000100000,
		  .exited_at = 1700000000001600000 },
	};
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev;
	struct cws_event_rule r;
	struct jbuf b;
	json_t *m, *x;

	(void)state;
	jb_init(&b, 1 << 20);
	match_event(&ev, &r);
	r.actions = acts;
	r.nactions = 1;
	ev.evt.name = "mount";
	ev.evt.type = CWS_EVT_MOUNT;
	ev.obj.fs_type = "tmpfs";
	ev.obj.mountpoint = "/mnt";
	ev.obj.source = "tmpfs";
	ev.obj.mount_id = 77;
	ev.obj.parent_mount_id = 1;
	assert_int_equal(payload_event_json(&o, &ev, NULL, &b), 0);
	m = json_loads(b.p, 0, NULL);
	assert_non_null(m);
	x = json_object_get(m, "mount");
	assert_string_equal(S(json_object_get(x, "mp"), "path"), "/mnt");
	assert_string_equal(S(json_object_get(x, "source"), "path"), "tmpfs");
	assert_null(json_object_get(x, "mountpoint.path"));
	assert_int_equal(json_integer_value(json_object_get(x, "mount_id")),
			 77);
	assert_int_equal(
		json_integer_value(json_object_get(x, "parent_mount_id")), 1);
	x = json_array_get(json_object_get(json_object_get(m, "agent"),
					   "rule_actions"),
			   0);
	assert_string_equal(S(x, "created_at"), "2023-11-14T22:13:20Z");
	assert_string_equal(S(x, "detected_at"), "2023-11-14T22:13:19.999Z");
	assert_string_equal(S(x, "exited_at"), "2023-11-14T22:13:20.0016Z");
	assert_string_equal(S(x, "ttr"), "1.6ms");
	json_decref(m);

	/* Unknown mount ids are left out, not 0. */
	ev.obj.mount_id = ev.obj.parent_mount_id = 0;
	r.nactions = 0;
	jb_reset(&b);
	assert_int_equal(payload_event_json(&o, &ev, NULL, &b), 0);
	assert_null(strstr(b.p, "mount_id"));

	cws_event_clear(&ev);
	match_event(&ev, &r);
	ev.evt.name = "splice";
	ev.evt.type = CWS_EVT_SPLICE;
	ev.obj.pipe_entry_flag = 0x10;
	jb_reset(&b);
	assert_int_equal(payload_event_json(&o, &ev, NULL, &b), 0);
	assert_non_null(strstr(b.p, "\"splice\":{\"pipe_entry_flag\":"
				    "\"PIPE_BUF_FLAG_CAN_MERGE\","
				    "\"pipe_exit_flag\":\"\"}"));

	cws_event_clear(&ev);
	match_event(&ev, &r);
	ev.evt.name = "dns";
	ev.evt.type = CWS_EVT_DNS;
	ev.obj.dns.is_query = true;
	ev.obj.net.ifname = "eth0";
	ev.obj.net.ifindex = 2;
	ev.obj.net.netns = 4026531840u;
	jb_reset(&b);
	assert_int_equal(payload_event_json(&o, &ev, NULL, &b), 0);
	assert_non_null(strstr(b.p, "\"is_query\":true"));
	assert_non_null(strstr(b.p, "\"device\":{\"netns\":4026531840,"
				    "\"ifindex\":2,\"ifname\":\"eth0\"}"));

	cws_event_clear(&ev);
	match_event(&ev, &r);
	ev.evt.name = "bpf";
	ev.evt.type = CWS_EVT_BPF;
	ev.obj.request = 0; /* BPF_MAP_CREATE */
	ev.obj.name = "m";
	ev.obj.map_type = 2;
	jb_reset(&b);
	assert_int_equal(payload_event_json(&o, &ev, NULL, &b), 0);
	assert_non_null(strstr(b.p, "\"map\":{\"name\":\"m\","
				    "\"map_type\":\"BPF_MAP_TYPE_ARRAY\"}"));
	jb_release(&b);
}

/*
 * A filter's pass-through (cws-event(5), retire records): the probe's
 * stream retires the keys of two processes, one of which matched; the
 * filter writes the match and passes on the retire record of the key it
 * wrote; the ship's reader takes that record for its table, and the only
 * message is the match's. A retire record handed to the payload anyway
 * makes none.
 */
static void test_retire_passthrough(void **state)
{
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev, *got = malloc(sizeof(*got));
	struct cws_event_rule r;
	struct cws_event_err err;
	struct cws_writer probe, filter;
	struct cws_reader rd;
	struct jbuf scratch, out;
	json_t *arr;
	uint64_t k;
	int rc, records = 0, messages_ = 0, retires = 0;

	(void)state;
	assert_non_null(got);
	cws_writer_init(&probe, -1);
	cws_writer_init(&filter, -1);
	probe.flush_at = filter.flush_at = SIZE_MAX; /* kept in memory */
	for (k = 500; k < 502; k++) {
		match_event(&ev, &r);
		ev.rule = NULL;
		ev.process.key = k;
		ev.process.pid = (uint32_t)k;
		assert_int_equal(cws_writer_put(&probe, &ev), 0);
		assert_int_equal(cws_writer_put_retire(&probe, &k, 1), 0);
	}
	assert_int_equal(
		cws_reader_init_mem(&rd, probe.sbuf.data, probe.sbuf.size), 0);
	rd.want_retire = true;
	match_event(&ev, &r);
	while ((rc = cws_reader_next(&rd, got, &err)) == 1) {
		if (got->type == CWS_REC_RETIRE) {
			retires++;
			assert_int_equal(cws_writer_put_retire(&filter,
							       got->retire.keys,
							       got->retire.n),
					 0);
		} else if (got->process.key == 500) {
			assert_int_equal(cws_writer_put_match(&filter, got, &r),
					 0);
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(retires, 2);
	cws_reader_release(&rd);
	/* The match's process record, the match, one retire record. */
	assert_int_equal(filter.records, 3);

	/* As cws-ship reads (run.c): nothing asked for but records. */
	assert_int_equal(cws_reader_init_mem(&rd, filter.sbuf.data,
					     filter.sbuf.size),
			 0);
	jb_init(&scratch, 1 << 20);
	jb_init(&out, 1 << 20);
	while ((rc = cws_reader_next(&rd, got, &err)) == 1) {
		records++;
		assert_int_equal(got->type, CWS_REC_EVENT);
		assert_false(got->process_unknown);
		rc = payload_record(&o, got, cws_reader_object(&rd), 5,
				    &scratch, &out);
		assert_true(rc >= 0);
		messages_ += rc;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(records, 1);
	assert_int_equal(messages_, 1);
	arr = messages(&out);
	assert_int_equal(json_array_size(arr), 1);
	json_decref(arr);
	cws_reader_release(&rd);

	cws_event_clear(&ev);
	ev.type = CWS_REC_RETIRE;
	ev.retire.keys = &k;
	ev.retire.n = 1;
	jb_reset(&out);
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &out), 0);
	assert_int_equal(out.len, 0);
	jb_release(&scratch);
	jb_release(&out);
	cws_writer_release(&probe);
	cws_writer_release(&filter);
	payload_release();
	free(got);
}

static bool only_78_live(void *arg, uint64_t key)
{
	(void)arg;
	return key == 78;
}

/*
 * The process JSON kept per key goes once its process exited (the
 * reader's table says so): the next message of the key builds it again,
 * the same; a key still live keeps its JSON.
 */
static void test_ctx_sweep(void **state)
{
	struct payload_opts o = { .hostname = "h1" };
	struct cws_event ev;
	struct cws_event_rule r;
	struct jbuf scratch, a, b;
	uint64_t misses, swept;

	(void)state;
	jb_init(&scratch, 1 << 20);
	jb_init(&a, 1 << 20);
	jb_init(&b, 1 << 20);
	match_event(&ev, &r);
	ev.process.key = 77;
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &a), 1);
	ev.process.key = 78;
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &b), 1);
	misses = payload_ctx_stats()->misses;
	swept = payload_ctx_stats()->swept;
	payload_ctx_sweep(only_78_live, NULL);
	assert_int_equal(payload_ctx_stats()->swept, swept + 1);
	jb_reset(&b);
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &b), 1);
	assert_int_equal(payload_ctx_stats()->misses, misses);
	ev.process.key = 77;
	jb_reset(&b);
	assert_int_equal(payload_record(&o, &ev, NULL, 5, &scratch, &b), 1);
	assert_int_equal(payload_ctx_stats()->misses, misses + 1);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	jb_release(&scratch);
	jb_release(&a);
	jb_release(&b);
	payload_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jbuf_strings),
		cmocka_unit_test(test_jbuf_str_json),
		cmocka_unit_test(test_jbuf_str_json_hole),
		cmocka_unit_test(test_jbuf_time),
		cmocka_unit_test(test_jbuf_cap),
		cmocka_unit_test(test_jbuf_structure),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_issue14_fields),
		cmocka_unit_test(test_cached_process),
		cmocka_unit_test(test_unknown_process),
		cmocka_unit_test(test_kept_parts),
		cmocka_unit_test(test_match_record_read),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_skipped),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_container_tags),
		cmocka_unit_test(test_go_duration),
		cmocka_unit_test(test_event_objects),
		cmocka_unit_test(test_retire_passthrough),
		cmocka_unit_test(test_ctx_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
