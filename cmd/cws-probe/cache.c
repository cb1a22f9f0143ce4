/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The process cache: what the probe knows about every process, so that an
 * event record carries its process's executable, argv, cwd, container,
 * user names and ancestors without reading /proc per event.
 *
 * It is seeded from /proc once at start, so that processes older than the
 * probe have full context too, then kept in step by the kernel's records:
 * fork copies the parent's entry (the child shares its image and cwd),
 * exec replaces the image, chdir the cwd (the core__ cwd records), exit
 * frees the entry once the exit event is written. /proc is not read again
 * for a known process: by the time a record is read the process may have
 * moved on. A pid the cache does not know (a record lost, an entry
 * evicted) is filled lazily: from /proc while the process lives, else
 * from its parent's entry, as if just forked. Every record refreshes what
 * the kernel sends each time (ppid, credentials, comm, tty, cgroup).
 *
 * Lineage is Datadog's: an entry is an image, not a process. Fork makes
 * the child an entry whose ancestor is the forking process's entry as it
 * is then; exec keeps the image it replaces as an entry of its own (out
 * of the hash, the same pid, frozen) and makes it the new image's
 * ancestor. So after fork and exec the parent is the pre-exec copy (the
 * same pid, the parent's file), and `nohup cmd` has nohup for cmd's
 * parent. An exec identical to the image it replaces (an "exec bomb")
 * makes no new entry. An entry that a live one links to stays after its
 * process exited (out of the hash), as Datadog keeps an exited parent.
 * Links check the slot's serial: an ancestor evicted leaves the kernel's
 * ppid to name the parent, as before.
 *
 * Memory is bounded and allocated up front: a pool of pid_cache_size
 * entries with a hash table and an LRU list; when the pool is full the
 * least recently used entry is evicted and counted (the "cache_evicted"
 * cause of lost records). Strings of variable size (image, cwd) are
 * reference counted blobs from power-of-two free lists, so a fork copies
 * no string and, once the lists hold the working set, neither fork, exec
 * nor exit calls malloc.
 *
 * Container ids come from cgroup paths. The kernel sends the unified
 * hierarchy's cgroup id; the path is looked up once per id with
 * open_by_handle_at(2) on the cgroup2 mount (cgroup ids are kernfs file
 * handles), so a process that has already exited is still placed. User and
 * group names are read from /etc/passwd and /etc/group, not through NSS:
 * no lookup per event may block on a directory service, and the files are
 * re-read when they change (checked at most once per second; namedb.c).
 *
 * This file holds the pool, the hash and LRU, blobs and images, lineage
 * and the filling of events; cache_cgroup.c the cgroups and containers,
 * cache_proc.c the reading of /proc and the seed; cache_priv.h what they
 * share.
 */
#include "compat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cache_priv.h"

long long cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads at most cap - 1 bytes of a small file, NUL terminated. */
ssize_t cws_read_file(const char *path, char *buf, size_t cap)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < cap - 1) {
		n = read(fd, buf + total, cap - 1 - (size_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

ssize_t cache_read_link(const char *path, char *buf, size_t cap)
{
	ssize_t n = readlink(path, buf, cap - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* The blob pool. */

static void *blob_get(struct cws_cache *c, size_t n)
{
	unsigned cls = 0;
	struct blob *b;

	while (((size_t)1 << (cls + POOL_SHIFT)) < n)
		if (++cls == POOL_CLASSES)
			return NULL;
	b = c->pool[cls];
	if (b)
		c->pool[cls] = *(void **)b;
	else if (!(b = malloc((size_t)1 << (cls + POOL_SHIFT))))
		return NULL;
	b->ref = 1;
	b->cls = cls;
	return b;
}

void cache_blob_put(struct cws_cache *c, void *p)
{
	struct blob *b = p;
	uint32_t cls;

	if (!b || --b->ref)
		return;
	/* The free list's link overwrites the header: read it first. */
	cls = b->cls;
	*(void **)b = c->pool[cls];
	c->pool[cls] = b;
}

void *cache_blob_ref(void *p)
{
	if (p)
		((struct blob *)p)->ref++;
	return p;
}

struct str *cache_str_new(struct cws_cache *c, const char *s, size_t n)
{
	struct str *st = blob_get(c, sizeof(*st) + n + 1);

	if (st) {
		memcpy(st->s, s, n);
		st->s[n] = '\0';
	}
	return st;
}

/* Whether the env string e (NAME=value) keeps its value in envs. */
static bool env_keeps_value(const struct cws_cache *c, const char *e,
			    size_t len)
{
	const char *eq = memchr(e, '=', len);
	size_t n = eq ? (size_t)(eq - e) : len, i;

	for (i = 0; c->envs_value && c->envs_value[i]; i++)
		if (strlen(c->envs_value[i]) == n &&
		    !memcmp(c->envs_value[i], e, n))
			return true;
	return false;
}

/* Copies n bytes of s to *at, cut as Datadog cuts an env string. */
static const char *env_put(char **at, const char *s, size_t n, bool *cut)
{
	char *d = *at;

	if (n > ENV_ELEM_MAX) {
		memcpy(d, s, ENV_ELEM_MAX);
		memcpy(d + ENV_ELEM_MAX, "...", 3);
		n = ENV_ELEM_MAX + 3;
		*cut = true;
	} else {
		memcpy(d, s, n);
	}
	d[n] = '\0';
	*at = d + n + 1;
	return d;
}

/*
 * Fills the image's envp (every NAME=value) and envs (names, NAME=value
 * for envs_with_value) from env, NUL separated as the kernel has it, into
 * the slots and bytes at *at.
 */
static void image_envs(struct cws_cache *c, struct image *img, const char *env,
		       size_t elen, char *at)
{
	const char *eq;
	size_t off = 0, len, n;
	uint32_t i;

	for (i = 0; i < img->envc && off < elen; i++) {
		len = strnlen(env + off, elen - off);
		img->envp[i] =
			env_put(&at, env + off, len, &img->envs_truncated);
		n = len;
		if (!env_keeps_value(c, env + off, len) &&
		    (eq = memchr(env + off, '=', len)))
			n = (size_t)(eq - (env + off));
		img->envs[i] = env_put(&at, env + off, n, &img->envs_truncated);
		off += len + 1;
	}
}

/*
 * Builds an image. args holds argv as the kernel has it: strings separated
 * by NULs, the last one possibly cut (no NUL); env holds envp the same way.
 * perr non-NULL means path holds only the components the kernel resolved,
 * of which the last (the file's own name) is kept as the name.
 */
struct image *cache_image_new(struct cws_cache *c, const char *path,
			      size_t plen, const char *perr, const char *args,
			      size_t alen, bool truncated, const char *env,
			      size_t elen, bool env_truncated)
{
	struct image *img;
	uint32_t argc = 0, envc = 0, i;
	size_t off = 0, size;
	const char *slash;
	char *s;

	while (off < alen && argc < CWS_EVENT_MAX_ARGS) {
		argc++;
		off += strnlen(args + off, alen - off) + 1;
	}
	if (off < alen)
		truncated = true;
	alen = off < alen ? off : alen;
	off = 0;
	while (off < elen && envc < CWS_EVENT_MAX_ARGS) {
		envc++;
		off += strnlen(env + off, elen - off) + 1;
	}
	if (off < elen)
		env_truncated = true;
	elen = off < elen ? off : elen;
	/* Each env string twice (envp, envs), each maybe with "...". */
	size = sizeof(*img) + (argc + 2 * envc) * sizeof(char *) + plen + 1 +
	       alen + 1 + 2 * (elen + envc * 4);
	img = blob_get(c, size);
	if (!img)
		return NULL;
	s = (char *)&img->argv[argc + 2 * envc];
	memcpy(s, path, plen);
	s[plen] = '\0';
	slash = strrchr(s, '/');
	img->name = slash && slash[1] ? slash + 1 : NULL;
	img->path = NULL;
	img->path_error = perr;
	if (!perr && plen) {
		img->path = s;
		if (!img->name)
			img->name = s; /* "/" */
	} else if (!plen) {
		img->name = NULL;
	}
	s += plen + 1;
	memcpy(s, args, alen);
	s[alen] = '\0';
	img->argc = argc;
	for (i = 0, off = 0; i < argc; i++) {
		img->argv[i] = s + off;
		off += strlen(s + off) + 1;
	}
	img->args_truncated = truncated;
	img->inode = 0;
	img->mount_id = 0;
	img->mode = img->uid = img->gid = 0;
	img->ctime = img->mtime = 0;
	img->upper = img->upper_known = false;
	img->fstype[0] = '\0';
	img->envs_truncated = env_truncated;
	img->envc = envc;
	img->envp = &img->argv[argc];
	img->envs = &img->argv[argc + envc];
	image_envs(c, img, env, elen, s + alen + 1);
	return img;
}

/* Entries: the pool, the hash table and the LRU list. */

static struct entry *ent(struct cws_cache *c, uint32_t idx)
{
	return idx ? &c->e[idx - 1] : NULL;
}

uint32_t cache_idx_of(struct cws_cache *c, struct entry *e)
{
	return (uint32_t)(e - c->e) + 1;
}

static uint32_t bucket(struct cws_cache *c, uint32_t pid)
{
	return (pid * 2654435761u) & c->mask;
}

struct entry *cache_lookup(struct cws_cache *c, uint32_t pid)
{
	struct entry *e;

	for (e = ent(c, c->buckets[bucket(c, pid)]); e; e = ent(c, e->hnext))
		if (e->pid == pid)
			return e;
	return NULL;
}

static void lru_unlink(struct cws_cache *c, struct entry *e)
{
	if (e->prev)
		ent(c, e->prev)->next = e->next;
	else
		c->lru_head = e->next;
	if (e->next)
		ent(c, e->next)->prev = e->prev;
	else
		c->lru_tail = e->prev;
	e->prev = e->next = 0;
}

static void lru_push(struct cws_cache *c, struct entry *e)
{
	uint32_t i = cache_idx_of(c, e);

	e->prev = 0;
	e->next = c->lru_head;
	if (c->lru_head)
		ent(c, c->lru_head)->prev = i;
	else
		c->lru_tail = i;
	c->lru_head = i;
}

static void touch(struct cws_cache *c, struct entry *e)
{
	if (c->lru_head == cache_idx_of(c, e))
		return;
	lru_unlink(c, e);
	lru_push(c, e);
}

void cache_insert(struct cws_cache *c, struct entry *e)
{
	uint32_t b = bucket(c, e->pid);

	e->hnext = c->buckets[b];
	c->buckets[b] = cache_idx_of(c, e);
	lru_push(c, e);
	c->gen++;
	c->stats.entries = ++c->used;
}

/* Takes e out of the hash (if in it); it stays in the pool as E_IMAGE. */
static void unhash(struct cws_cache *c, struct entry *e)
{
	uint32_t *p = &c->buckets[bucket(c, e->pid)], i = cache_idx_of(c, e);

	while (*p && *p != i)
		p = &ent(c, *p)->hnext;
	if (*p)
		*p = e->hnext;
	e->hnext = 0;
	e->flags |= E_IMAGE;
	c->gen++;
}

/* The entry e came from, if it is still the one it was. */
static struct entry *anc_of(struct cws_cache *c, const struct entry *e)
{
	struct entry *a = ent(c, e->anc);

	return a && a->pid && a->serial == e->anc_serial ? a : NULL;
}

/*
 * A key no record will reference again: kept for cws_cache_gone, which
 * the emitter calls after each record to write what its writer wrote
 * (cws-event(5), retire records).
 */
static void gone(struct cws_cache *c, uint64_t key)
{
	uint64_t *g;
	uint32_t cap;

	if (!key || c->closing)
		return;
	if (c->ngone == c->gone_cap) {
		cap = c->gone_cap ? 2 * c->gone_cap : 64;
		g = c->gone_cap < CACHE_GONE_MAX ?
			    realloc(c->gone, cap * sizeof(*g)) :
			    NULL;
		if (!g)
			return; /* a reader's table then forgets it later */
		c->gone = g;
		c->gone_cap = cap;
	}
	c->gone[c->ngone++] = key;
}

uint32_t cws_cache_gone(struct cws_cache *c, const uint64_t **keys)
{
	uint32_t n = c->ngone;

	*keys = c->gone;
	c->ngone = 0;
	return n;
}

/*
 * Frees e; then its ancestor too if that is out of the hash and e was the
 * last entry linked to it, and so on up.
 */
void cache_release(struct cws_cache *c, struct entry *e)
{
	struct entry *a;
	uint32_t i;

	while (e) {
		gone(c, e->last_key);
		a = anc_of(c, e);
		if (a && a->kids)
			a->kids--;
		unhash(c, e);
		lru_unlink(c, e);
		cache_blob_put(c, e->img);
		cache_blob_put(c, e->cwd);
		cache_blob_put(c, e->cgpath);
		i = cache_idx_of(c, e);
		memset(e, 0, sizeof(*e));
		e->hnext = c->free_head;
		c->free_head = i;
		c->stats.entries = --c->used;
		e = a && !a->kids && (a->flags & E_IMAGE) ? a : NULL;
	}
}

/*
 * A blank entry, not yet in the table. When the pool is full the least
 * recently used entry goes; entries touched while building the current
 * event are at the other end of the list, so they never do.
 */
struct entry *cache_entry_new(struct cws_cache *c, uint32_t pid)
{
	struct entry *e;

	if (!c->free_head) {
		cache_release(c, ent(c, c->lru_tail));
		c->stats.evicted++;
	}
	/* Taken after the release: it may have freed more than one. */
	e = ent(c, c->free_head);
	c->free_head = e->hnext;
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->auid = (uint32_t)-1;
	e->serial = ++c->next_serial ? c->next_serial : ++c->next_serial;
	return e;
}

/* Links a new entry e to the one it came from. */
static void link_to(struct cws_cache *c, struct entry *e, struct entry *anc)
{
	e->anc = anc ? cache_idx_of(c, anc) : 0;
	e->anc_serial = anc ? anc->serial : 0;
	if (anc)
		anc->kids++;
}

/*
 * The process of e is gone, or a new one has its pid: e leaves the hash.
 * It stays while a child links to it (Datadog keeps an exited parent as
 * its children's ancestor), else goes with the images it replaced that
 * nothing else links to.
 */
static void drop(struct cws_cache *c, struct entry *e)
{
	if (e->kids)
		unhash(c, e);
	else
		cache_release(c, e);
}

/* Re-reads the name files if they changed; at most once per second. */
static void names_refresh(struct cws_cache *c)
{
	long long now = cache_now_ms();

	if (now - c->names_checked < NAMES_CHECK_MS)
		return;
	c->names_checked = now;
	if (cws_namedb_check(&c->users) | cws_namedb_check(&c->groups)) {
		c->gen++;
		c->names_gen++;
	}
}

const char *cws_cache_user(struct cws_cache *c, uint32_t uid)
{
	if (!c || uid == (uint32_t)-1)
		return NULL;
	names_refresh(c);
	return cws_namedb_find(&c->users, uid);
}

const char *cws_cache_group(struct cws_cache *c, uint32_t gid)
{
	if (!c || gid == (uint32_t)-1)
		return NULL;
	names_refresh(c);
	return cws_namedb_find(&c->groups, gid);
}

/* A process the probe is told about (not a thread): lookup, else /proc. */
static struct entry *get_pid(struct cws_cache *c, uint32_t pid)
{
	struct entry *e;

	if (!pid)
		return NULL;
	e = cache_lookup(c, pid);
	if (!e)
		e = cache_from_proc(c, pid, 0);
	if (e)
		touch(c, e);
	return e;
}

/* Copies what a forked child shares with its parent. */
static void inherit(struct entry *e, const struct entry *parent)
{
	e->img = cache_blob_ref(parent->img);
	e->cwd = cache_blob_ref(parent->cwd);
	e->exec_time = parent->exec_time;
	e->cgroup_id = parent->cgroup_id;
	e->cgpath = cache_blob_ref(parent->cgpath);
	e->cont_start = parent->cont_start;
	memcpy(e->container, parent->container, sizeof(e->container));
	memcpy(e->comm, parent->comm, sizeof(e->comm));
	memcpy(e->tty, parent->tty, sizeof(e->tty));
}

/* What the kernel sends with every record replaces what we had. */
static void apply(struct cws_cache *c, struct entry *e,
		  const struct cws_kev_process *kp)
{
	if (e->ppid != kp->ppid || e->fork_time != kp->fork_time ||
	    (e->flags & E_COARSE) || e->uid != kp->uid || e->gid != kp->gid ||
	    e->euid != kp->euid || e->egid != kp->egid ||
	    e->fsuid != kp->fsuid || e->fsgid != kp->fsgid ||
	    e->auid != kp->auid || e->cap_effective != kp->cap_effective ||
	    e->cap_permitted != kp->cap_permitted ||
	    e->cgroup_id != kp->cgroup_id ||
	    strncmp(e->comm, kp->comm, sizeof(kp->comm)) ||
	    strncmp(e->tty, kp->tty_name, sizeof(e->tty) - 1)) {
		c->gen++;
		e->key = 0;
	}
	e->ppid = kp->ppid;
	e->fork_time = kp->fork_time;
	e->flags &= ~E_COARSE;
	e->uid = kp->uid;
	e->gid = kp->gid;
	e->euid = kp->euid;
	e->egid = kp->egid;
	e->fsuid = kp->fsuid;
	e->fsgid = kp->fsgid;
	e->auid = kp->auid;
	e->cap_effective = kp->cap_effective;
	e->cap_permitted = kp->cap_permitted;
	memcpy(e->comm, kp->comm, sizeof(kp->comm));
	e->comm[sizeof(kp->comm)] = '\0';
	memcpy(e->tty, kp->tty_name, sizeof(e->tty));
	e->tty[sizeof(e->tty) - 1] = '\0';
	if (kp->cgroup_id != e->cgroup_id) {
		const char *id = cache_cg_container(c, kp->cgroup_id, kp->pid);

		e->cgroup_id = kp->cgroup_id;
		/* An id from the v1 hierarchies stays unless v2 names one. */
		if (id[0] || !e->container[0])
			snprintf(e->container, sizeof(e->container), "%s", id);
		e->key = 0;
		cache_cg_attach(c, e);
	} else if (e->cgroup_id &&
		   (!e->cgpath || (e->container[0] && !e->cont_start))) {
		/*
		 * Resolved since (cg_container retries), or the container's
		 * first exec came after this process's fork.
		 */
		cache_cg_container(c, e->cgroup_id, kp->pid);
		cache_cg_attach(c, e);
		if (!e->key)
			c->gen++;
	}
}

/* Whether e is an older process that had kp's pid. */
static bool stale(const struct cws_cache *c, const struct entry *e,
		  const struct cws_kev_process *kp)
{
	if (!e->fork_time || !kp->fork_time)
		return false;
	if (!(e->flags & E_COARSE))
		return e->fork_time != kp->fork_time;
	return kp->fork_time < e->fork_time ||
	       kp->fork_time - e->fork_time >= 2 * c->tick_ns;
}

/*
 * The entry of the process a record is about, refreshed from it. Unknown
 * or stale: from /proc if the process is still there, else as a copy of
 * its parent's entry (what fork would have given it).
 */
static struct entry *get_kp(struct cws_cache *c,
			    const struct cws_kev_process *kp)
{
	struct entry *e = cache_lookup(c, kp->pid), *parent;

	if (e && stale(c, e, kp)) {
		drop(c, e);
		c->stats.stale++;
		e = NULL;
	}
	if (!e)
		e = cache_from_proc(c, kp->pid, kp->fork_time);
	if (!e) {
		parent = get_pid(c, kp->ppid);
		e = cache_entry_new(c, kp->pid);
		if (parent)
			inherit(e, parent);
		link_to(c, e, parent);
		cache_insert(c, e);
		c->stats.from_parent++;
	}
	touch(c, e);
	apply(c, e, kp);
	return e;
}

static uint64_t epoch(int64_t boot_to_epoch, uint64_t boot_ns)
{
	return boot_ns ? (uint64_t)((int64_t)boot_ns + boot_to_epoch) : 0;
}

static void fill_process(struct cws_cache *c, struct cws_process *p,
			 const struct entry *e, int64_t boot_to_epoch)
{
	const struct image *img = e->img;
	struct cws_creds *cr = &p->cred;

	memset(p, 0, sizeof(*p));
	p->pid = e->pid;
	p->tid = e->pid;
	p->ppid = e->ppid;
	p->comm = e->comm;
	p->tty_name = e->tty[0] ? e->tty : NULL;
	p->container_id = e->container[0] ? e->container : NULL;
	p->cwd = e->cwd ? e->cwd->s : NULL;
	p->fork_time = e->key ? e->fork_epoch :
				epoch(boot_to_epoch, e->fork_time);
	p->exec_time = e->key ? e->exec_epoch :
				epoch(boot_to_epoch, e->exec_time);
	p->is_thread = e->flags & E_FORKED;
	if (img) {
		p->file.path = img->path;
		p->file.name = img->name;
		p->file.path_resolution_error = img->path_error;
		p->file.inode = img->inode;
		p->file.mount_id = img->mount_id;
		p->file.mode = img->mode;
		p->file.uid = img->uid;
		p->file.gid = img->gid;
		p->file.change_time = img->ctime;
		p->file.modification_time = img->mtime;
		p->file.in_upper_layer = img->upper;
		p->file.in_upper_layer_known = img->upper_known;
		p->file.filesystem = img->fstype[0] ? img->fstype : NULL;
		p->argv.v = (const char **)img->argv;
		p->argv.n = img->argc;
		p->args_truncated = img->args_truncated;
		p->envp.v = img->envp;
		p->envp.n = img->envc;
		p->envs.v = img->envs;
		p->envs.n = img->envc;
		p->envs_truncated = img->envs_truncated;
	}
	if (e->cgroup_id) {
		p->cgroup_id = e->cgpath ? e->cgpath->s : NULL;
		/* A kernfs node's inode number is its id (64-bit ino_t). */
		p->cgroup_inode = e->cgroup_id;
		p->cgroup_mount_id = c->cg2_mnt_id;
	}
	if (e->container[0])
		p->container_tags = *cws_ctags_get(c->ctags, e->container);
	if (e->container[0] && e->cont_start)
		p->container_created_at =
			e->key ? e->cont_epoch :
				 epoch(boot_to_epoch, e->cont_start);
	cr->uid = e->uid;
	cr->gid = e->gid;
	cr->euid = e->euid;
	cr->egid = e->egid;
	cr->fsuid = e->fsuid;
	cr->fsgid = e->fsgid;
	cr->auid = e->auid;
	cr->cap_effective = e->cap_effective;
	cr->cap_permitted = e->cap_permitted;
	cr->user = cws_namedb_find(&c->users, e->uid);
	cr->group = cws_namedb_find(&c->groups, e->gid);
	cr->euser = cws_namedb_find(&c->users, e->euid);
	cr->egroup = cws_namedb_find(&c->groups, e->egid);
	cr->fsuser = cws_namedb_find(&c->users, e->fsuid);
	cr->fsgroup = cws_namedb_find(&c->groups, e->fsgid);
}

/*
 * The parent of e: the entry it came from while that is there, else its
 * ppid's; re-reads e's ppid once if the one we have is gone.
 */
static struct entry *parent_of(struct cws_cache *c, struct entry *e)
{
	struct entry *p = anc_of(c, e);
	struct cws_procfs_stat st;
	char path[64];

	if (p) {
		touch(c, p);
		return p;
	}
	e->anc = 0;
	if (!e->ppid || e->ppid == e->pid)
		return NULL;
	p = get_pid(c, e->ppid);
	if (p)
		return p;
	/* A replaced image keeps the ppid it had. */
	if (e->flags & E_IMAGE)
		return NULL;
	/* Its parent died: the kernel reparented it since we last looked. */
	snprintf(path, sizeof(path), "/proc/%u/stat", e->pid);
	if (cws_read_file(path, c->buf, sizeof(c->buf)) <= 0 ||
	    cws_procfs_stat(c->buf, &st))
		return NULL;
	e->ppid = st.ppid;
	e->key = 0;
	c->gen++;
	return e->ppid && e->ppid != e->pid ? get_pid(c, e->ppid) : NULL;
}

static struct packed *packed_slot(struct cws_cache *c, uint32_t tid)
{
	return &c->packed[(tid * 2654435761u) >> 24 & (PACKED_SLOTS - 1)];
}

/*
 * Keys. A process's key stands for its whole context, its ancestors'
 * included, so that a reader can keep one context per key: an entry gets a
 * new key when something in it changed (key reset to 0), when its parent's
 * key is not the one it was made under, or when user and group names were
 * re-read. Keys are given top down along the chain, so a parent's key is
 * always older than its children's. They start at a random point so that
 * two runs of the probe (two captures read one after the other) do not
 * reuse each other's keys, and stay under 2^53 so that JSON keeps them.
 */
static uint64_t key_base(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)getpid() ^ (uint32_t)cache_now_ms();
	return (uint64_t)(r & 0xfffff) << 32;
}

static void ensure_key(struct cws_cache *c, struct entry *e,
		       uint64_t parent_key, int64_t boot_to_epoch)
{
	if (e->key && e->parent_key == parent_key &&
	    e->names_gen == c->names_gen)
		return;
	/* The context of the key it had is no more: that key retires. */
	gone(c, e->last_key);
	e->key = ++c->next_key;
	e->last_key = e->key;
	e->parent_key = parent_key;
	e->names_gen = c->names_gen;
	e->fork_epoch = epoch(boot_to_epoch, e->fork_time);
	e->exec_epoch = epoch(boot_to_epoch, e->exec_time);
	e->cont_epoch = epoch(boot_to_epoch, e->cont_start);
}

/* Walks e's ancestors into c->chain (e first); returns how many. */
static uint32_t walk_chain(struct cws_cache *c, struct entry *e,
			   bool *truncated)
{
	struct entry *a;
	uint32_t n = 0;

	*truncated = false;
	c->chain[0] = e;
	for (a = parent_of(c, e); a; a = parent_of(c, a)) {
		if (n == CWS_EVENT_MAX_ANCESTORS) {
			*truncated = true;
			break;
		}
		c->chain[++n] = a;
		if (a->pid == 1)
			break;
	}
	return n;
}

/*
 * The process, its key and, when the writer does not remember that key,
 * its ancestors: a busy thread whose context did not change costs a slot
 * check, not a walk up its ancestors (the slot is good while the cache's
 * generation is the one it was checked at: no entry changed, none came or
 * went).
 */
void cws_cache_fill(struct cws_cache *c, struct cws_event *ev,
		    const struct cws_kev_process *kp, int64_t boot_to_epoch,
		    struct cws_writer *w)
{
	struct packed *pk = packed_slot(c, kp->tid);
	struct entry *e;
	bool truncated;
	uint32_t n = 0, i;

	names_refresh(c);
	cws_ctags_next(c->ctags);
	e = get_kp(c, kp);
	fill_process(c, &ev->process, e, boot_to_epoch);
	ev->process.tid = kp->tid;
	ev->container.id = ev->process.container_id;
	if (pk->gen == c->gen && pk->pid == kp->pid && pk->tid == kp->tid &&
	    e->key && pk->key == e->key && w && cws_writer_knows(w, e->key)) {
		ev->process.key = e->key;
		ev->process.parent_key = e->parent_key;
		c->stats.context_reused++;
		return;
	}
	n = walk_chain(c, e, &truncated);
	for (i = n + 1; i-- > 0;)
		ensure_key(c, c->chain[i], i < n ? c->chain[i + 1]->key : 0,
			   boot_to_epoch);
	ev->process.key = e->key;
	ev->process.parent_key = e->parent_key;
	ev->process.fork_time = e->fork_epoch;
	ev->process.exec_time = e->exec_epoch;
	/* Walking the ancestors may have changed the generation. */
	pk->gen = c->gen;
	pk->pid = kp->pid;
	pk->tid = kp->tid;
	pk->key = e->key;
	if (w && cws_writer_knows(w, e->key))
		return;
	for (i = 0; i < n; i++) {
		fill_process(c, &c->anc[i], c->chain[i + 1], boot_to_epoch);
		c->anc[i].key = c->chain[i + 1]->key;
		c->anc[i].parent_key = c->chain[i + 1]->parent_key;
	}
	ev->ancestors = c->anc;
	ev->nancestors = n;
	ev->ancestors_truncated = truncated;
}

size_t cws_cache_dump(struct cws_cache *c, msgpack_packer *pk,
		      int64_t boot_to_epoch)
{
	struct cws_process p;
	struct entry *e;
	bool truncated;
	uint32_t i, n, k;
	size_t count = 0;

	for (i = 0; i < c->size; i++) {
		e = &c->e[i];
		if (!e->pid)
			continue;
		n = walk_chain(c, e, &truncated);
		for (k = n + 1; k-- > 0;)
			ensure_key(c, c->chain[k],
				   k < n ? c->chain[k + 1]->key : 0,
				   boot_to_epoch);
		cws_ctags_next(c->ctags);
		fill_process(c, &p, e, boot_to_epoch);
		p.key = e->key;
		p.parent_key = e->parent_key;
		cws_event_pack_process_record(pk, &p);
		count++;
	}
	return count;
}

bool cws_cache_fill_target(struct cws_cache *c, struct cws_process *p,
			   uint32_t pid, int64_t boot_to_epoch)
{
	struct entry *e;
	uint32_t tgid;

	memset(p, 0, sizeof(*p));
	p->pid = p->tid = pid;
	if (!pid || pid > (uint32_t)INT32_MAX)
		return false;
	e = cache_lookup(c, pid);
	if (!e) {
		/* A thread id: its process is what the cache knows. */
		tgid = cache_proc_tgid(c, pid);
		e = get_pid(c, tgid ? tgid : pid);
	}
	if (!e)
		return false;
	touch(c, e);
	fill_process(c, p, e, boot_to_epoch);
	p->tid = pid;
	return true;
}

void cws_cache_fork(struct cws_cache *c, const struct cws_kev_fork *k)
{
	struct entry *e = cache_lookup(c, k->proc.pid), *parent;

	/* A leftover of the pid's previous life, or seeded since the fork. */
	if (e)
		drop(c, e);
	parent = get_pid(c, k->parent_pid);
	e = cache_entry_new(c, k->proc.pid);
	if (parent)
		inherit(e, parent);
	link_to(c, e, parent);
	e->flags = E_FORKED;
	cache_insert(c, e);
	apply(c, e, &k->proc);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Whether two images are one file run with the same arguments. */
static bool same_image(const struct image *a, const struct image *b)
{
	uint32_t i;

	if (!a || !b || a->inode != b->inode || a->mount_id != b->mount_id ||
	    a->argc != b->argc || a->args_truncated != b->args_truncated ||
	    !same_str(a->path, b->path) || !same_str(a->name, b->name))
		return false;
	for (i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]))
			return false;
	return true;
}

/*
 * An exec that changes nothing Datadog compares (file, arguments,
 * credentials; not the environment yet) makes no new entry: only the
 * exec time moves.
 */
static bool exec_bomb(const struct entry *e, const struct cws_kev_process *kp,
		      const struct image *img)
{
	return same_image(e->img, img) && e->uid == kp->uid &&
	       e->gid == kp->gid && e->euid == kp->euid &&
	       e->egid == kp->egid && e->fsuid == kp->fsuid &&
	       e->fsgid == kp->fsgid && e->cap_effective == kp->cap_effective &&
	       e->cap_permitted == kp->cap_permitted;
}

/*
 * The entry an exec's new image goes to. The one it replaces leaves the
 * hash with its context as it was (credentials, comm and key before the
 * exec) and becomes the new entry's ancestor; the new entry starts as its
 * copy, then takes what the exec record says. An unknown pid has no
 * image to keep: /proc already shows the new one.
 */
static struct entry *exec_entry(struct cws_cache *c,
				const struct cws_kev_process *kp,
				const struct image *img, bool *bomb)
{
	struct entry *prev = cache_lookup(c, kp->pid), *e;
	uint32_t b;

	if (prev && stale(c, prev, kp)) {
		drop(c, prev);
		c->stats.stale++;
		prev = NULL;
	}
	*bomb = prev && exec_bomb(prev, kp, img);
	if (!prev || *bomb)
		return get_kp(c, kp);
	/* At the head of the LRU list, so that entry_new cannot evict it. */
	touch(c, prev);
	e = cache_entry_new(c, kp->pid);
	b = e->serial;
	*e = *prev;
	e->serial = b;
	e->hnext = e->prev = e->next = 0;
	e->kids = 0;
	/* Every blob an entry holds: the copy holds its own references. */
	cache_blob_ref(e->img);
	cache_blob_ref(e->cwd);
	cache_blob_ref(e->cgpath);
	e->key = 0;
	e->last_key = 0; /* prev keeps its key, as the image it was */
	link_to(c, e, prev);
	unhash(c, prev);
	cache_insert(c, e);
	apply(c, e, kp);
	return e;
}

void cws_cache_exec(struct cws_cache *c, const struct cws_kev_exec *k,
		    const char *path_error)
{
	struct image *img;
	struct entry *e;
	bool bomb;

	img = cache_image_new(
		c, k->data, k->path_len, path_error,
		k->data + k->path_len + k->filename_len, k->args_len,
		k->flags & CWS_KEV_EXEC_ARGS_TRUNCATED,
		k->data + k->path_len + k->filename_len + k->args_len,
		k->envs_len, k->flags & CWS_KEV_EXEC_ENVS_TRUNCATED);
	if (img) {
		img->inode = k->inode;
		img->mount_id = k->mount_id;
		if (k->flags & CWS_KEV_EXEC_STAT) {
			img->mode = k->mode;
			img->uid = k->uid;
			img->gid = k->gid;
			img->ctime = k->ctime;
			img->mtime = k->mtime;
		}
		img->upper_known = k->flags & CWS_KEV_EXEC_UPPER_KNOWN;
		if (k->flags & CWS_KEV_EXEC_STAT) {
			memcpy(img->fstype, k->fstype, sizeof(img->fstype) - 1);
			img->fstype[sizeof(img->fstype) - 1] = '\0';
		}
		img->upper = k->flags & CWS_KEV_EXEC_UPPER;
	}
	e = exec_entry(c, &k->proc, img, &bomb);
	if (bomb) {
		/* The entry stays what it was (is_exec included) but its time. */
		cache_blob_put(c, img);
		e->exec_time = k->hdr.timestamp;
		e->key = 0;
		c->gen++;
		return;
	}
	cache_cg_first_exec(c, e, k->hdr.timestamp);
	cache_blob_put(c, e->img);
	e->img = img;
	e->exec_time = k->hdr.timestamp;
	e->flags &= ~E_FORKED;
	e->key = 0;
	c->gen++;
}

void cws_cache_chdir(struct cws_cache *c, uint32_t pid, const char *path)
{
	struct entry *e = cache_lookup(c, pid);
	struct str *cwd;

	if (!e || (e->cwd && !strcmp(e->cwd->s, path)))
		return;
	cwd = cache_str_new(c, path, strlen(path));
	if (!cwd)
		return;
	cache_blob_put(c, e->cwd);
	e->cwd = cwd;
	e->key = 0;
	c->gen++;
}

void cws_cache_exit(struct cws_cache *c, uint32_t pid)
{
	struct entry *e = cache_lookup(c, pid);

	if (e)
		drop(c, e);
}

struct cws_cache *cws_cache_new(size_t size)
{
	struct cws_cache *c;
	uint32_t i, nb = 1;
	long tck = sysconf(_SC_CLK_TCK);

	if (size < CACHE_MIN_SIZE)
		size = CACHE_MIN_SIZE;
	if (size > CACHE_MAX_SIZE)
		size = CACHE_MAX_SIZE;
	while (nb < size)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cg2_fd = -1;
	c->size = (uint32_t)size;
	c->stats.size = c->size;
	c->mask = nb - 1;
	c->e = calloc(size, sizeof(*c->e));
	c->buckets = calloc(nb, sizeof(*c->buckets));
	c->cg = calloc(CG_SLOTS, sizeof(*c->cg));
	c->packed = calloc(PACKED_SLOTS, sizeof(*c->packed));
	c->gen = 1;
	c->next_key = key_base();
	c->ctags = cws_ctags_new(NULL);
	if (!c->e || !c->buckets || !c->cg || !c->packed || !c->ctags) {
		cws_cache_free(c);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < c->size; i++)
		c->e[i].hnext = i + 2 <= c->size ? i + 2 : 0;
	c->free_head = 1;
	c->tick_ns = 1000000000ull / (uint64_t)(tck > 0 ? tck : 100);
	c->cg2_fd = cache_open_cgroup2();
	if (c->cg2_fd < 0)
		cws_debug("no cgroup2 mount: container ids from /proc only");
	else
		cache_cg2_facts(c);
	c->users.file = "/etc/passwd";
	c->groups.file = "/etc/group";
	c->names_checked = -NAMES_CHECK_MS;
	names_refresh(c);
	return c;
}

void cws_cache_free(struct cws_cache *c)
{
	unsigned i;

	if (!c)
		return;
	c->closing = true;
	if (c->e)
		for (i = 0; i < c->size; i++)
			if (c->e[i].pid)
				cache_release(c, &c->e[i]);
	if (c->cg)
		for (i = 0; i < CG_SLOTS; i++)
			cache_blob_put(c, c->cg[i].path);
	for (i = 0; i < POOL_CLASSES; i++)
		while (c->pool[i]) {
			void *next = *(void **)c->pool[i];

			free(c->pool[i]);
			c->pool[i] = next;
		}
	if (c->cg2_fd >= 0)
		close(c->cg2_fd);
	cws_namedb_release(&c->users);
	cws_namedb_release(&c->groups);
	cws_ctags_free(c->ctags);
	free(c->gone);
	free(c->packed);
	free(c->cg);
	free(c->buckets);
	free(c->e);
	free(c);
}

void cws_cache_set_envs(struct cws_cache *c, const char *const *with_value)
{
	c->envs_value = with_value;
}

const struct cws_cache_stats *cws_cache_stats(const struct cws_cache *c)
{
	static const struct cws_cache_stats none;

	return c ? &c->stats : &none;
}
