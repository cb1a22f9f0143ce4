/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Schema 2's tables: a reader's process table (key -> the whole context)
 * and a writer's key set (the keys whose record it wrote).
 *
 * A key stands for one context that never changes: the producer gives a
 * process a new key when anything in its context changes, its parent's key
 * included. So an entry's ancestors are fixed once known, and the reader
 * builds the array of them once per key, on the first event that needs it,
 * instead of once per event. An entry holds a reference on its parent's
 * entry: a parent may leave the hash (evicted, retired) while a child that
 * needs it for its ancestors still lives, and is freed with the last child.
 *
 * Both tables are bounded by a count of keys. Lookups and references move
 * a key to the front of a recency list; when room is needed the oldest
 * exited key goes first, then the least recently used one. An exit event,
 * or a retire record naming the key, moves it to the exited list; past
 * CWS_PROC_EXITED_* entries the oldest is dropped ("retired"). Not at
 * once: a record of the key may still come from another CPU's events, and
 * an entry still pins what its children need for their ancestors. The
 * writer's bounds are smaller than the reader's, and a writer that forgot
 * a key writes its record again, so a reader that read the stream from
 * its start holds every key it is sent while the two see the same
 * references.
 */
#include "compat.h"
#include "event.h"
#include "event_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A doubly linked list of entries, through prev/next. */
struct plink {
	struct plink *prev, *next;
};

static void list_init(struct plink *l)
{
	l->prev = l->next = l;
}

static void list_del(struct plink *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

static void list_push(struct plink *l, struct plink *n)
{
	n->next = l->next;
	n->prev = l;
	l->next->prev = n;
	l->next = n;
}

static bool list_empty(const struct plink *l)
{
	return l->next == l;
}

static uint32_t key_hash(uint64_t key, uint32_t mask)
{
	key ^= key >> 31;
	key *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(key >> 32) & mask;
}

/* ---- the reader's process table ---------------------------------------- */

struct pent {
	struct plink link; /* first: the lists hold &link */
	uint64_t key;
	uint64_t id; /* unique for the table's life: p.ctx */
	struct pent *hnext;
	struct pent *parent; /* a reference held, or NULL */
	uint32_t refs; /* the hash's, while hashed, and each child's */
	bool hashed, exited, anc_built;
	struct cws_process p;
	struct cws_process *anc; /* nearest first, once anc_built */
	uint32_t nanc;
	bool anc_truncated;
	size_t size; /* bytes of this entry, for the memory count */
	_Alignas(16) char arena[];
};

struct cws_proctab {
	struct pent **buckets;
	uint32_t mask;
	uint32_t max, max_exited;
	uint32_t nexited;
	struct plink lru; /* live keys, most recent first */
	struct plink exited; /* exited keys, most recent first */
	struct cws_proc_stats st;
	uint64_t bytes; /* held by entries, hashed or pinned */
	uint64_t last_id; /* the id of the newest entry */
};

static struct pent *pent_of(struct plink *l)
{
	return (struct pent *)l;
}

#define MIN_BUCKETS 64u /* then doubled as keys come, up to max */

struct cws_proctab *cws_proctab_new(uint32_t max, uint32_t max_exited)
{
	struct cws_proctab *t = calloc(1, sizeof(*t));
	uint32_t nb = MIN_BUCKETS;

	if (!t)
		return NULL;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->mask = nb - 1;
	t->max = max;
	t->max_exited = max_exited;
	t->st.max = max;
	list_init(&t->lru);
	list_init(&t->exited);
	return t;
}

static void pent_put(struct cws_proctab *t, struct pent *e)
{
	while (e && --e->refs == 0) {
		struct pent *parent = e->parent;

		t->bytes -= e->size;
		free(e->anc);
		free(e);
		e = parent;
	}
}

static struct pent *lookup(const struct cws_proctab *t, uint64_t key)
{
	struct pent *e = t->buckets[key_hash(key, t->mask)];

	while (e && e->key != key)
		e = e->hnext;
	return e;
}

/* Takes e out of the hash and its list; frees it unless pinned. */
static void unhash(struct cws_proctab *t, struct pent *e)
{
	struct pent **pp = &t->buckets[key_hash(e->key, t->mask)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	list_del(&e->link);
	if (e->exited) {
		t->nexited--;
		t->st.retired++;
	}
	e->hashed = false;
	t->st.entries--;
	pent_put(t, e);
}

void cws_proctab_free(struct cws_proctab *t)
{
	if (!t)
		return;
	while (!list_empty(&t->exited))
		unhash(t, pent_of(t->exited.prev));
	while (!list_empty(&t->lru))
		unhash(t, pent_of(t->lru.prev));
	free(t->buckets);
	free(t);
}

/* String bytes of p, with their NULs. */
static size_t strs_size(const struct cws_process *p)
{
	const char *const s[] = {
		p->comm,
		p->tty_name,
		p->container_id,
		p->cwd,
		p->file.path,
		p->file.name,
		p->file.path_resolution_error,
		p->file.filesystem,
		p->file.user,
		p->file.group,
		p->cred.user,
		p->cred.group,
		p->cred.euser,
		p->cred.egroup,
		p->cred.fsuser,
		p->cred.fsgroup,
		p->cgroup_id,
	};
	size_t n = 0, i;

	for (i = 0; i < CWS_ARRAY_SIZE(s); i++)
		if (s[i])
			n += strlen(s[i]) + 1;
	for (i = 0; i < p->argv.n; i++)
		n += strlen(p->argv.v[i] ? p->argv.v[i] : "") + 1;
	for (i = 0; i < p->envs.n; i++)
		n += strlen(p->envs.v[i] ? p->envs.v[i] : "") + 1;
	for (i = 0; i < p->envp.n; i++)
		n += strlen(p->envp.v[i] ? p->envp.v[i] : "") + 1;
	for (i = 0; i < p->container_tags.n; i++)
		n += strlen(p->container_tags.v[i] ? p->container_tags.v[i] :
						     "") +
		     1;
	return n;
}

static const char *dup_in(char **at, const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = *at;
	memcpy(d, s, n);
	*at += n;
	return d;
}

/* Pointer slots of p's string arrays (argv, envs, envp, container tags). */
static size_t vecs_count(const struct cws_process *p)
{
	return (size_t)p->argv.n + p->envs.n + p->envp.n + p->container_tags.n;
}

static char *copy_strv(struct cws_strv *dst, const struct cws_strv *src,
		       const char **slots, char *at)
{
	uint32_t i;

	for (i = 0; i < src->n; i++)
		slots[i] = dup_in(&at, src->v[i] ? src->v[i] : "");
	dst->v = src->n ? slots : NULL;
	return at;
}

/* Copies src into dst with every string (and argv) in mem. */
static void deep_copy(struct cws_process *dst, const struct cws_process *src,
		      char *mem)
{
	const char **argv = (const char **)mem;
	char *at = mem + vecs_count(src) * sizeof(*argv);
	uint32_t i;

	*dst = *src;
	dst->comm = dup_in(&at, src->comm);
	dst->tty_name = dup_in(&at, src->tty_name);
	dst->container_id = dup_in(&at, src->container_id);
	dst->cwd = dup_in(&at, src->cwd);
	dst->file.path = dup_in(&at, src->file.path);
	dst->file.name = dup_in(&at, src->file.name);
	dst->file.path_resolution_error =
		dup_in(&at, src->file.path_resolution_error);
	dst->file.filesystem = dup_in(&at, src->file.filesystem);
	dst->file.user = dup_in(&at, src->file.user);
	dst->file.group = dup_in(&at, src->file.group);
	dst->cred.user = dup_in(&at, src->cred.user);
	dst->cred.group = dup_in(&at, src->cred.group);
	dst->cred.euser = dup_in(&at, src->cred.euser);
	dst->cred.egroup = dup_in(&at, src->cred.egroup);
	dst->cred.fsuser = dup_in(&at, src->cred.fsuser);
	dst->cred.fsgroup = dup_in(&at, src->cred.fsgroup);
	for (i = 0; i < src->argv.n; i++)
		argv[i] = dup_in(&at, src->argv.v[i] ? src->argv.v[i] : "");
	dst->argv.v = src->argv.n ? argv : NULL;
	dst->cgroup_id = dup_in(&at, src->cgroup_id);
	at = copy_strv(&dst->envs, &src->envs, argv + src->argv.n, at);
	at = copy_strv(&dst->envp, &src->envp, argv + src->argv.n + src->envs.n,
		       at);
	copy_strv(&dst->container_tags, &src->container_tags,
		  argv + src->argv.n + src->envs.n + src->envp.n, at);
}

/* Twice the buckets, the keys rehashed; stays as is without memory. */
static void grow(struct cws_proctab *t)
{
	uint32_t nb = 2 * (t->mask + 1), i;
	struct pent **b = calloc(nb, sizeof(*b)), *e, *next;

	if (!b)
		return;
	for (i = 0; i <= t->mask; i++)
		for (e = t->buckets[i]; e; e = next) {
			next = e->hnext;
			e->hnext = b[key_hash(e->key, nb - 1)];
			b[key_hash(e->key, nb - 1)] = e;
		}
	free(t->buckets);
	t->buckets = b;
	t->mask = nb - 1;
}

/* Makes room for one more key: the oldest exited, else the LRU one. */
static void make_room(struct cws_proctab *t)
{
	if (!list_empty(&t->exited)) {
		unhash(t, pent_of(t->exited.prev));
		return;
	}
	t->st.evicted++;
	unhash(t, pent_of(t->lru.prev));
}

int cws_proctab_add(struct cws_proctab *t, const struct cws_process *p)
{
	struct pent *e;
	size_t sz;
	uint32_t b;

	if (!p->key)
		return -EINVAL;
	t->st.records++;
	e = lookup(t, p->key);
	if (e) {
		/* Written again (the writer forgot it): the same context. */
		if (!e->exited) {
			list_del(&e->link);
			list_push(&t->lru, &e->link);
		}
		return 0;
	}
	if (t->st.entries >= t->max)
		make_room(t);
	else if (t->st.entries > t->mask)
		grow(t);
	sz = sizeof(*e) + vecs_count(p) * sizeof(char *) + strs_size(p);
	e = malloc(sz);
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	e->size = sz;
	e->key = p->key;
	e->id = ++t->last_id;
	deep_copy(&e->p, p, e->arena);
	e->p.ctx = e->id; /* and so each copy, as an ancestor too */
	e->p.tid = e->p.pid; /* an ancestor's tid, as schema 1 had it */
	e->refs = 1;
	e->hashed = true;
	if (p->parent_key && p->parent_key != p->key) {
		struct pent *a;
		unsigned hops = 0;

		e->parent = lookup(t, p->parent_key);
		if (e->parent)
			e->parent->refs++;
		/*
		 * The writer refreshed the ancestors it found it had written:
		 * refresh them here too, so the two forget alike.
		 */
		for (a = e->parent; a && hops < CWS_EVENT_MAX_ANCESTORS;
		     a = a->parent, hops++)
			if (a->hashed && !a->exited) {
				list_del(&a->link);
				list_push(&t->lru, &a->link);
			}
	}
	b = key_hash(p->key, t->mask);
	e->hnext = t->buckets[b];
	t->buckets[b] = e;
	list_push(&t->lru, &e->link);
	t->st.entries++;
	t->bytes += sz;
	return 0;
}

/*
 * e's parent, linked now if its record came after e's (a subscriber's
 * first table comes in no particular order), unless that makes a loop.
 */
static struct pent *parent_of(struct cws_proctab *t, struct pent *e)
{
	struct pent *a, *c;
	unsigned n = 0;

	if (e->parent || !e->p.parent_key || e->p.parent_key == e->key)
		return e->parent;
	a = lookup(t, e->p.parent_key);
	for (c = a; c && c != e && n < CWS_EVENT_MAX_ANCESTORS; c = c->parent)
		n++;
	if (a && !c) {
		e->parent = a;
		a->refs++;
	}
	return e->parent;
}

/* e's ancestors, built on first use (see the top of the file). */
static void build_anc(struct cws_proctab *t, struct pent *e)
{
	struct pent *a, *c = e;
	uint32_t n = 0;

	e->anc_built = true;
	for (a = parent_of(t, e); a && n < CWS_EVENT_MAX_ANCESTORS;
	     a = parent_of(t, a))
		n++;
	if (!n)
		goto unknown_parent;
	e->anc = malloc(n * sizeof(*e->anc));
	if (!e->anc)
		return;
	t->bytes += n * sizeof(*e->anc);
	for (a = e->parent; a && e->nanc < n; a = a->parent) {
		e->anc[e->nanc++] = a->p;
		c = a;
	}
	e->anc_truncated = a != NULL;
	if (a)
		return;
unknown_parent:
	/* The chain ends at a parent key that was never sent. */
	if (c->p.parent_key && !c->parent)
		t->st.unknown++;
}

/* e's process exited: to the exited list, the oldest there retired. */
static void mark_exited(struct cws_proctab *t, struct pent *e)
{
	if (e->exited)
		return;
	list_del(&e->link);
	list_push(&t->exited, &e->link);
	e->exited = true;
	if (++t->nexited > t->max_exited)
		unhash(t, pent_of(t->exited.prev));
}

bool cws_proctab_expand(struct cws_proctab *t, struct cws_event *ev)
{
	uint32_t tid = ev->process.tid;
	struct pent *e = t ? lookup(t, ev->process.key) : NULL;

	if (!e) {
		if (t)
			t->st.unknown++;
		return false;
	}
	if (!e->exited) {
		list_del(&e->link);
		list_push(&t->lru, &e->link);
	}
	if (!e->anc_built)
		build_anc(t, e);
	ev->process = e->p;
	ev->process.tid = tid;
	ev->ancestors = e->anc;
	ev->nancestors = e->nanc;
	ev->ancestors_truncated = e->anc_truncated;
	if (!ev->container.id)
		ev->container.id = e->p.container_id;
	if (ev->evt.type == CWS_EVT_EXIT)
		mark_exited(t, e);
	return true;
}

void cws_proctab_retire(struct cws_proctab *t, uint64_t key)
{
	struct pent *e = t ? lookup(t, key) : NULL;

	if (e)
		mark_exited(t, e);
}

bool cws_proctab_live(const struct cws_proctab *t, uint64_t key)
{
	const struct pent *e = t ? lookup(t, key) : NULL;

	return e && !e->exited;
}

void cws_proctab_stats(const struct cws_proctab *t, struct cws_proc_stats *out)
{
	if (!t) {
		memset(out, 0, sizeof(*out));
		out->max = CWS_PROCTAB_MAX;
		return;
	}
	*out = t->st;
}

uint64_t cws_proctab_bytes(const struct cws_proctab *t)
{
	return t ? t->bytes : 0;
}

/* ---- the writer's key set ---------------------------------------------- */

struct kent {
	struct plink link;
	uint64_t key; /* 0: free */
	struct kent *hnext;
	bool exited;
};

struct cws_keyset {
	struct kent **buckets;
	struct kent *free; /* dropped entries, reused */
	uint32_t mask, max, max_exited, nexited;
	struct plink lru, exited;
	struct cws_proc_stats st;
};

struct cws_keyset *cws_keyset_new(uint32_t max, uint32_t max_exited)
{
	struct cws_keyset *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->buckets = calloc(MIN_BUCKETS, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return NULL;
	}
	s->mask = MIN_BUCKETS - 1;
	s->max = max;
	s->max_exited = max_exited;
	s->st.max = max;
	list_init(&s->lru);
	list_init(&s->exited);
	return s;
}

void cws_keyset_free(struct cws_keyset *s)
{
	struct kent *k, *next;
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i <= s->mask; i++)
		for (k = s->buckets[i]; k; k = next) {
			next = k->hnext;
			free(k);
		}
	for (k = s->free; k; k = next) {
		next = k->hnext;
		free(k);
	}
	free(s->buckets);
	free(s);
}

static void kgrow(struct cws_keyset *s)
{
	uint32_t nb = 2 * (s->mask + 1), i;
	struct kent **b = calloc(nb, sizeof(*b)), *k, *next;

	if (!b)
		return;
	for (i = 0; i <= s->mask; i++)
		for (k = s->buckets[i]; k; k = next) {
			next = k->hnext;
			k->hnext = b[key_hash(k->key, nb - 1)];
			b[key_hash(k->key, nb - 1)] = k;
		}
	free(s->buckets);
	s->buckets = b;
	s->mask = nb - 1;
}

static struct kent *kfind(struct cws_keyset *s, uint64_t key)
{
	struct kent *k = s->buckets[key_hash(key, s->mask)];

	while (k && k->key != key)
		k = k->hnext;
	return k;
}

static void kdrop(struct cws_keyset *s, struct kent *k)
{
	struct kent **pp = &s->buckets[key_hash(k->key, s->mask)];

	while (*pp != k)
		pp = &(*pp)->hnext;
	*pp = k->hnext;
	list_del(&k->link);
	if (k->exited) {
		s->nexited--;
		s->st.retired++;
	}
	k->key = 0;
	k->exited = false;
	k->hnext = s->free;
	s->free = k;
	s->st.entries--;
}

bool cws_keyset_touch(struct cws_keyset *s, uint64_t key)
{
	struct kent *k = kfind(s, key);

	if (!k)
		return false;
	if (!k->exited) {
		list_del(&k->link);
		list_push(&s->lru, &k->link);
	}
	return true;
}

bool cws_keyset_has(struct cws_keyset *s, uint64_t key)
{
	return kfind(s, key) != NULL;
}

void cws_keyset_add(struct cws_keyset *s, uint64_t key)
{
	struct kent *k;
	uint32_t b;

	if (cws_keyset_touch(s, key))
		return;
	if (s->st.entries >= s->max) {
		if (!list_empty(&s->exited)) {
			kdrop(s, (struct kent *)s->exited.prev);
		} else {
			s->st.evicted++;
			kdrop(s, (struct kent *)s->lru.prev);
		}
	} else if (s->st.entries > s->mask) {
		kgrow(s);
	}
	k = s->free;
	if (k)
		s->free = k->hnext;
	else if (!(k = malloc(sizeof(*k))))
		return; /* not remembered: written again next time */
	k->key = key;
	k->exited = false;
	b = key_hash(key, s->mask);
	k->hnext = s->buckets[b];
	s->buckets[b] = k;
	list_init(&k->link);
	list_push(&s->lru, &k->link);
	s->st.entries++;
	s->st.records++;
}

bool cws_keyset_exit(struct cws_keyset *s, uint64_t key)
{
	struct kent *k = kfind(s, key);

	if (!k || k->exited)
		return false;
	list_del(&k->link);
	list_push(&s->exited, &k->link);
	k->exited = true;
	if (++s->nexited > s->max_exited)
		kdrop(s, (struct kent *)s->exited.prev);
	return true;
}

void cws_keyset_clear(struct cws_keyset *s)
{
	struct kent *k, *next;
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i <= s->mask; i++) {
		for (k = s->buckets[i]; k; k = next) {
			next = k->hnext;
			k->key = 0;
			k->exited = false;
			k->hnext = s->free;
			s->free = k;
		}
		s->buckets[i] = NULL;
	}
	list_init(&s->lru);
	list_init(&s->exited);
	s->nexited = 0;
	s->st.entries = 0;
}

void cws_keyset_stats(const struct cws_keyset *s, struct cws_proc_stats *out)
{
	if (!s) {
		memset(out, 0, sizeof(*out));
		out->max = CWS_KEYSET_MAX;
		return;
	}
	*out = s->st;
}
