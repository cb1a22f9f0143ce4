/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msgpack <-> JSON, generically: every key of a record is rendered, known
 * or not, so cws-cat shows exactly what is in the stream. Records are
 * still decoded with lib/event so that a bad one is reported with its
 * offset rather than printed. JSON must always be valid: strings that are
 * not UTF-8 get U+FFFD for each bad byte (jansson refuses them otherwise).
 */
#include "compat.h"
#include "cat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>

#include "event.h"
#include "exit.h"
#include "log.h"

#define MAX_LINE CWS_EVENT_MAX_RECORD

static int output_closed;

int cws_cat_output_closed(void)
{
	return output_closed;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static json_t *json_str(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, o = 0, k;
	json_t *j;
	char *buf;

	for (i = 0; i < n; i += k) {
		k = utf8_seq(s + i, n - i);
		if (!k)
			break;
	}
	if (i == n)
		return json_stringn(p, n);
	/* Each bad byte becomes the 3-byte U+FFFD. */
	buf = malloc(3 * n);
	if (!buf)
		return NULL;
	for (i = 0; i < n; i += k) {
		k = utf8_seq(s + i, n - i);
		if (k) {
			memcpy(buf + o, s + i, k);
			o += k;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

static json_t *to_json(const msgpack_object *o)
{
	static const char hex[] = "0123456789abcdef";
	json_t *j;
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		/* JSON has no unsigned type in jansson: keep the bits. */
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer(o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		return json_str(o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_BIN: {
		char *buf = malloc(2 * (size_t)o->via.bin.size + 1);

		if (!buf)
			return NULL;
		for (i = 0; i < o->via.bin.size; i++) {
			buf[2 * i] = hex[(unsigned char)o->via.bin.ptr[i] >> 4];
			buf[2 * i + 1] = hex[o->via.bin.ptr[i] & 0xf];
		}
		j = json_stringn(buf, 2 * (size_t)o->via.bin.size);
		free(buf);
		return j;
	}
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (i = 0; j && i < o->via.array.size; i++)
			json_array_append_new(j, to_json(&o->via.array.ptr[i]));
		return j;
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (i = 0; j && i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;
			json_t *key = NULL;
			char num[32];

			if (k->type == MSGPACK_OBJECT_STR) {
				key = json_str(k->via.str.ptr, k->via.str.size);
			} else if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
				snprintf(num, sizeof(num), "%llu",
					 (unsigned long long)k->via.u64);
				key = json_string(num);
			} else if (k->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
				snprintf(num, sizeof(num), "%lld",
					 (long long)k->via.i64);
				key = json_string(num);
			} else {
				key = json_string("?");
			}
			if (key)
				json_object_setn_new(
					j, json_string_value(key),
					json_string_length(key),
					to_json(&o->via.map.ptr[i].val));
			json_decref(key);
		}
		return j;
	default:
		return json_null();
	}
}

/* Reports a failed write to stdout once; EPIPE means the reader left. */
static int out_failed(int err)
{
	if (err == EPIPE) {
		output_closed = 1;
		cws_info("output closed");
	} else {
		errno = err;
		cws_error("cannot write to standard output");
	}
	return -EIO;
}

static int put_stdout(const char *p, size_t n)
{
	if (output_closed)
		return -EPIPE;
	if (fwrite(p, 1, n, stdout) != n)
		return out_failed(errno);
	return 0;
}

static int flush_stdout(void)
{
	if (output_closed)
		return -EPIPE;
	if (fflush(stdout))
		return out_failed(errno);
	return 0;
}

static bool show_records;

/*
 * The reader is about to wait in read(2): what was written goes out
 * first, so that a live stream shows each record at once, also when the
 * last bytes read were records not shown (process and retire records,
 * cws-event(5)). A failure was said by out_failed.
 */
static int flush_before_read(void *arg)
{
	bool *failed = arg;

	if (flush_stdout()) {
		*failed = true;
		return -EIO;
	}
	return 0;
}

/* A stream read from its middle: say how much could not be completed. */
static void report_unknown(const struct cws_reader *r, const char *name)
{
	struct cws_proc_stats st;

	cws_reader_proc_stats(r, &st);
	if (st.unknown)
		cws_warnx("%s: %llu events referenced a process whose record "
			  "was not in the stream (read from its middle?): "
			  "shown with key, pid and tid only",
			  name, (unsigned long long)st.unknown);
}

void cws_cat_show_records(bool on)
{
	show_records = on;
}

/*
 * The self-contained form of an event is mostly its process and
 * ancestors: tens of kB of JSON, each process's map the same wherever it
 * appears (the event's own process, an ancestor of the next) but for the
 * tid. The reader's table names each context with an id (struct
 * cws_process's ctx), so each map is converted once, through the same
 * conversion as the rest, and kept, split around the tid and without its
 * closing brace, in a few slots: an event is then its own members,
 * converted one by one, with the kept maps put together in the middle.
 * The output is byte for byte what converting the whole expanded record
 * gives (record_object, still the way for anything unusual).
 */
#define PTEXT_SLOTS 512u /* by id: ids are given in turn */
#define PTEXT_MAX (64u * 1024) /* a longer map is not kept */
#define FAST_MAX_KEYS 32u

struct ptext {
	uint64_t ctx; /* 0: empty */
	char *text; /* {"pid":N,"tid":  then what follows the tid's digits */
	size_t head; /* the length of the part before the tid's digits */
	size_t len;
};

static struct ptext *ptexts;
static msgpack_sbuffer ptext_tmp;

static void ptexts_free(void)
{
	uint32_t i;

	for (i = 0; ptexts && i < PTEXT_SLOTS; i++)
		free(ptexts[i].text);
	free(ptexts);
	ptexts = NULL;
	msgpack_sbuffer_destroy(&ptext_tmp);
	msgpack_sbuffer_init(&ptext_tmp);
}

static int append_cb(const char *buf, size_t n, void *data)
{
	return msgpack_sbuffer_write(data, buf, n);
}

/* Appends j as JSON (as json_dumps prints it inside a record); frees j. */
static int append_json(msgpack_sbuffer *out, json_t *j)
{
	int rc;

	if (!j)
		return -ENOMEM;
	rc = json_dump_callback(j, append_cb, out,
				JSON_COMPACT | JSON_PRESERVE_ORDER |
					JSON_ENCODE_ANY);
	json_decref(j);
	return rc ? -ENOMEM : 0;
}

/* Length of an integer's text at s[0..n) (jansson's %lld), or 0. */
static size_t int_len(const char *s, size_t n)
{
	size_t sign = n && s[0] == '-', i = sign;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > sign ? i : 0;
}

/*
 * Keeps p's map in slot s: its JSON, which starts {"pid":N,"tid":M,
 * (lib/event's order) and ends with }, without M and the }. Returns 0,
 * or -1 (the slot left empty) if it could not be made or is not so.
 */
static int ptext_fill(struct ptext *s, const struct cws_process *p)
{
	static const char pid[] = "{\"pid\":", tid[] = ",\"tid\":";
	msgpack_sbuffer *tmp = &ptext_tmp;
	msgpack_unpacked up;
	msgpack_packer pk;
	size_t at, n, k, off = 0;
	char *t;
	int rc = -1;

	s->ctx = 0;
	tmp->size = 0;
	msgpack_packer_init(&pk, tmp, msgpack_sbuffer_write);
	cws_event_pack_process_map(&pk, p);
	at = tmp->size; /* the JSON follows the map */
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, tmp->data, at, &off) !=
		    MSGPACK_UNPACK_SUCCESS ||
	    append_json(tmp, to_json(&up.data)))
		goto out;
	t = tmp->data + at;
	n = tmp->size - at;
	at = sizeof(pid) - 1;
	if (n > PTEXT_MAX || n < at + 1 || memcmp(t, pid, at) ||
	    t[n - 1] != '}')
		goto out;
	n--;
	k = int_len(t + at, n - at);
	at += k;
	if (!k || n - at < sizeof(tid) - 1 ||
	    memcmp(t + at, tid, sizeof(tid) - 1))
		goto out;
	at += sizeof(tid) - 1;
	k = int_len(t + at, n - at);
	if (!k)
		goto out;
	free(s->text);
	s->text = malloc(n - k);
	if (!s->text)
		goto out;
	memcpy(s->text, t, at);
	memcpy(s->text + at, t + at + k, n - at - k);
	s->head = at;
	s->len = n - k;
	s->ctx = p->ctx;
	rc = 0;
out:
	msgpack_unpacked_destroy(&up);
	return rc;
}

/* Appends p's map without its closing brace, with p->tid. */
static int append_map(msgpack_sbuffer *out, const struct cws_process *p)
{
	struct ptext *s;
	char num[32];
	int n;

	if (!p->ctx)
		return -1;
	if (!ptexts && !(ptexts = calloc(PTEXT_SLOTS, sizeof(*ptexts))))
		return -1;
	s = &ptexts[p->ctx % PTEXT_SLOTS];
	if (s->ctx != p->ctx && ptext_fill(s, p))
		return -1;
	n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		     (json_int_t)p->tid);
	if (msgpack_sbuffer_write(out, s->text, s->head) ||
	    msgpack_sbuffer_write(out, num, (size_t)n) ||
	    msgpack_sbuffer_write(out, s->text + s->head, s->len - s->head))
		return -1;
	return 0;
}

/* Appends ev's process as cws_event_pack_expanded and to_json make it. */
static int append_process(msgpack_sbuffer *out, const struct cws_event *ev)
{
	static const char anc[] = ",\"ancestors\":[",
			  yes[] = "],\"ancestors_truncated\":true}",
			  no[] = "],\"ancestors_truncated\":false}";
	uint32_t i, n = ev->ancestors ? ev->nancestors : 0;
	bool truncated = ev->ancestors_truncated;

	if (n > CWS_EVENT_MAX_ANCESTORS) {
		n = CWS_EVENT_MAX_ANCESTORS;
		truncated = true;
	}
	if (append_map(out, &ev->process) ||
	    msgpack_sbuffer_write(out, anc, sizeof(anc) - 1))
		return -1;
	for (i = 0; i < n; i++)
		if ((i && msgpack_sbuffer_write(out, ",", 1)) ||
		    append_map(out, &ev->ancestors[i]) ||
		    msgpack_sbuffer_write(out, "}", 1))
			return -1;
	return truncated ? msgpack_sbuffer_write(out, yes, sizeof(yes) - 1) :
			   msgpack_sbuffer_write(out, no, sizeof(no) - 1);
}

/* A key that JSON shows as it is: printable ASCII, no quote or backslash. */
static bool plain_key(const msgpack_object *k)
{
	uint32_t i;

	if (k->type != MSGPACK_OBJECT_STR)
		return false;
	for (i = 0; i < k->via.str.size; i++) {
		unsigned char c = (unsigned char)k->via.str.ptr[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return true;
}

static bool key_is(const msgpack_object *k, const char *s)
{
	return k->via.str.size == strlen(s) &&
	       !memcmp(k->via.str.ptr, s, k->via.str.size);
}

/*
 * The self-contained line of an event the table completed, into out (as
 * cws_event_pack_expanded and to_json make it: "container" out of its
 * place, the whole process, then the event's container). Returns 0, or
 * -1 when the record has keys this way does not handle alike (not plain,
 * repeated, many): the caller converts the whole expanded record then.
 */
static int expanded_line(msgpack_sbuffer *out, const msgpack_object *o,
			 const struct cws_event *ev)
{
	static const char cont[] = ",\"container\":{\"id\":";
	const msgpack_object_kv *kv;
	uint32_t n, i, j, nproc = 0;
	bool first = true;

	if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size > FAST_MAX_KEYS)
		return -1;
	kv = o->via.map.ptr;
	n = o->via.map.size;
	for (i = 0; i < n; i++) {
		if (!plain_key(&kv[i].key))
			return -1;
		for (j = 0; j < i; j++)
			if (kv[j].key.via.str.size == kv[i].key.via.str.size &&
			    !memcmp(kv[j].key.via.str.ptr,
				    kv[i].key.via.str.ptr,
				    kv[i].key.via.str.size))
				return -1;
		nproc += key_is(&kv[i].key, "process");
	}
	if (nproc != 1)
		return -1;
	out->size = 0;
	if (msgpack_sbuffer_write(out, "{", 1))
		return -1;
	for (i = 0; i < n; i++) {
		const msgpack_object *k = &kv[i].key;
		json_t *v = NULL;

		if (key_is(k, "container"))
			continue;
		if (!key_is(k, "process") && !(v = to_json(&kv[i].val)))
			continue; /* as jansson leaves out a NULL member */
		if ((!first && msgpack_sbuffer_write(out, ",", 1)) ||
		    msgpack_sbuffer_write(out, "\"", 1) ||
		    msgpack_sbuffer_write(out, k->via.str.ptr,
					  k->via.str.size) ||
		    msgpack_sbuffer_write(out, "\":", 2)) {
			json_decref(v);
			return -1;
		}
		first = false;
		if (v) {
			if (append_json(out, v))
				return -1;
			continue;
		}
		if (append_process(out, ev))
			return -1;
		if (ev->container.id &&
		    (msgpack_sbuffer_write(out, cont, sizeof(cont) - 1) ||
		     append_json(out, json_str(ev->container.id,
					       strlen(ev->container.id))) ||
		     msgpack_sbuffer_write(out, "}", 1)))
			return -1;
	}
	return msgpack_sbuffer_write(out, "}", 1) ? -1 : 0;
}

/*
 * The record to render: as read with -R, else self-contained (an event by
 * key with its process and ancestors, as schema 1 carried them).
 */
static const msgpack_object *record_object(struct cws_reader *r,
					   const struct cws_event *ev,
					   msgpack_sbuffer *sb,
					   msgpack_unpacked *up)
{
	msgpack_packer pk;

	if (show_records || !ev->process_ref || ev->process_unknown)
		return cws_reader_object(r);
	sb->size = 0;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (cws_event_pack_expanded(&pk, ev) ||
	    msgpack_unpack_next(up, sb->data, sb->size, NULL) !=
		    MSGPACK_UNPACK_SUCCESS)
		return cws_reader_object(r);
	return &up->data;
}

int cws_cat_to_json(int fd, const char *name)
{
	struct cws_event *ev = malloc(sizeof(*ev));
	struct cws_event_err err;
	struct cws_reader r;
	msgpack_sbuffer sb, fast;
	msgpack_unpacked up;
	bool write_failed = false;
	int rc = CWS_EXIT_OK, n;

	if (!ev || cws_reader_init(&r, fd)) {
		free(ev);
		cws_error("cannot read '%s'", name);
		return CWS_EXIT_FAILURE;
	}
	r.want_process = show_records;
	r.on_wait = flush_before_read;
	r.on_wait_arg = &write_failed;
	msgpack_sbuffer_init(&sb);
	msgpack_sbuffer_init(&fast);
	msgpack_unpacked_init(&up);
	for (;;) {
		json_t *j;
		char *line;

		n = cws_reader_next(&r, ev, &err);
		if (n == 0)
			break;
		if (n == -EINTR)
			continue;
		if (n == -EBADMSG) {
			cws_errorx("%s: offset %llu: %s", name,
				   (unsigned long long)err.offset, err.msg);
			rc = CWS_EXIT_FAILURE;
			continue;
		}
		if (n < 0) {
			errno = -n;
			if (!write_failed)
				cws_error("cannot read '%s'", name);
			rc = CWS_EXIT_FAILURE;
			break;
		}
		if (!show_records && ev->process_ref && !ev->process_unknown &&
		    !expanded_line(&fast, cws_reader_object(&r), ev)) {
			n = put_stdout(fast.data, fast.size);
		} else {
			j = to_json(record_object(&r, ev, &sb, &up));
			line = j ? json_dumps(j, JSON_COMPACT |
							 JSON_PRESERVE_ORDER) :
				   NULL;
			json_decref(j);
			if (!line) {
				cws_errorx("%s: offset %llu: cannot render as "
					   "JSON",
					   name,
					   (unsigned long long)ev->offset);
				rc = CWS_EXIT_FAILURE;
				continue;
			}
			n = put_stdout(line, strlen(line));
			free(line);
		}
		if (!n)
			n = put_stdout("\n", 1);
		if (n) {
			rc = CWS_EXIT_FAILURE;
			break;
		}
	}
	if (flush_stdout())
		rc = CWS_EXIT_FAILURE;
	report_unknown(&r, name);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&fast);
	msgpack_sbuffer_destroy(&sb);
	cws_reader_release(&r);
	ptexts_free(); /* ids are the reader's */
	free(ev);
	return rc;
}

static void pack_json(msgpack_packer *pk, json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(j));
		json_object_foreach(j, key, v) {
			msgpack_pack_str(pk, strlen(key));
			msgpack_pack_str_body(pk, key, strlen(key));
			pack_json(pk, v);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, v)
			pack_json(pk, v);
		break;
	case JSON_STRING:
		msgpack_pack_str(pk, json_string_length(j));
		msgpack_pack_str_body(pk, json_string_value(j),
				      json_string_length(j));
		break;
	case JSON_INTEGER:
		msgpack_pack_int64(pk, json_integer_value(j));
		break;
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(j));
		break;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		break;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		break;
	default:
		msgpack_pack_nil(pk);
		break;
	}
}

/* Converts one JSON line; returns 0, or -1 after reporting why not. */
static int line_to_record(struct cws_writer *w, const char *line, size_t len,
			  const char *name, unsigned long lineno,
			  struct cws_reader *check)
{
	size_t mark = w->sbuf.size, off = 0;
	struct cws_event_err err;
	struct cws_event *ev;
	json_error_t jerr;
	msgpack_unpacked up;
	json_t *j;
	int rc = -1;

	j = json_loadb(line, len, JSON_DECODE_ANY, &jerr);
	if (!j) {
		cws_errorx("%s:%lu:%d: invalid JSON: %s", name, lineno,
			   jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(j)) {
		cws_errorx(
			"%s:%lu: expected a JSON object (one record per line)",
			name, lineno);
		goto out_decref;
	}
	pack_json(&w->pk, j);
	/* Check that what we produced is a record lib/event accepts. */
	msgpack_unpacked_init(&up);
	ev = malloc(sizeof(*ev));
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
		cws_errorx("%s:%lu: record larger than %u bytes", name, lineno,
			   CWS_EVENT_MAX_RECORD);
	} else if (cws_event_scan(w->sbuf.data + mark, w->sbuf.size - mark,
				  &off) <= 0) {
		cws_errorx("%s:%lu: record exceeds the stream's limits", name,
			   lineno);
	} else if (ev && msgpack_unpack_next(&up, w->sbuf.data + mark,
					     w->sbuf.size - mark,
					     &off) == MSGPACK_UNPACK_SUCCESS) {
		if (cws_event_decode(&up.data, ev, check->arena,
				     check->arena_cap, &err))
			cws_errorx("%s:%lu: %s", name, lineno, err.msg);
		else
			rc = 0;
	}
	free(ev);
	msgpack_unpacked_destroy(&up);
	if (rc)
		w->sbuf.size = mark;
	else
		w->records++;
out_decref:
	json_decref(j);
	return rc;
}

int cws_cat_from_json(int fd, const char *name)
{
	struct cws_reader check;
	struct cws_writer w;
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *in;
	int rc = CWS_EXIT_OK;

	in = fdopen(dup(fd), "r");
	/* A memory reader only lends its arena to the record check. */
	if (!in || cws_reader_init_mem(&check, "", 0)) {
		cws_error("cannot read '%s'", name);
		if (in)
			fclose(in);
		return CWS_EXIT_FAILURE;
	}
	cws_writer_init(&w, STDOUT_FILENO);
	while ((n = getline(&line, &cap, in)) != -1) {
		lineno++;
		if (n > MAX_LINE) {
			cws_errorx("%s:%lu: line longer than %u bytes", name,
				   lineno, MAX_LINE);
			rc = CWS_EXIT_FAILURE;
			continue;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (strspn(line, " \t") == (size_t)n)
			continue;
		if (line_to_record(&w, line, (size_t)n, name, lineno, &check))
			rc = CWS_EXIT_FAILURE;
		if (w.sbuf.size >= w.flush_at && cws_writer_flush(&w))
			break;
	}
	if (ferror(in)) {
		cws_error("cannot read '%s'", name);
		rc = CWS_EXIT_FAILURE;
	}
	n = cws_writer_flush(&w);
	if (n) {
		out_failed((int)-n);
		rc = CWS_EXIT_FAILURE;
	}
	free(line);
	fclose(in);
	cws_writer_release(&w);
	cws_reader_release(&check);
	return rc;
}
