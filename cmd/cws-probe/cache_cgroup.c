/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The process cache's cgroups and containers: container ids from cgroup
 * paths, the cgroup id -> path -> container table (paths looked up once
 * per id with open_by_handle_at(2) on the cgroup2 mount, an id that does
 * not resolve retried after CG_RETRY_MS), container.created_at from a
 * cgroup's first exec, and /proc/PID/cgroup for the processes read from
 * /proc. See cache.c for the cache itself.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_priv.h"

static int cgroup2_of(const struct cws_procfs_mount *m, void *arg)
{
	int *fd = arg;

	if (strcmp(m->fstype, "cgroup2"))
		return 0;
	*fd = open(m->point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *fd >= 0;
}

/* The cgroup2 mount, for open_by_handle_at and name_to_handle_at. */
int cache_open_cgroup2(void)
{
	int fd = -1;

	cws_procfs_mounts(0, cgroup2_of, &fd);
	return fd;
}

/* The cgroup2 mount's point and mount id (cgroup.file.mount_id). */
void cache_cg2_facts(struct cws_cache *c)
{
	struct statx stx;
	char link[64];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", c->cg2_fd);
	if (cache_read_link(link, c->cg2_dir, sizeof(c->cg2_dir)) < 0)
		c->cg2_dir[0] = '\0';
	if (!statx(c->cg2_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) &&
	    (stx.stx_mask & STATX_MNT_ID))
		c->cg2_mnt_id = (uint32_t)stx.stx_mnt_id;
}

/* The cgroup id of a path under the cgroup2 mount; 0 if unknown. */
static uint64_t cgroup_id_of(struct cws_cache *c, const char *path)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	int mnt;

	if (c->cg2_fd < 0)
		return 0;
	while (*path == '/')
		path++;
	h.fh.handle_bytes = sizeof(h.id);
	if (name_to_handle_at(c->cg2_fd, *path ? path : ".", &h.fh, &mnt, 0) ||
	    h.fh.handle_bytes != sizeof(h.id))
		return 0;
	return h.id;
}

/*
 * The path of cgroup id, into c->path2: from its file handle, else from
 * /proc/PID/cgroup when pid is still in that cgroup. NULL if neither.
 */
static const char *cgroup_path(struct cws_cache *c, uint64_t id, uint32_t pid)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	char link[64], *line, *save = NULL;
	ssize_t n;
	int fd;

	if (c->cg2_fd >= 0) {
		h.fh.handle_bytes = sizeof(h.id);
		h.fh.handle_type = FILEID_KERNFS;
		h.id = id;
		fd = open_by_handle_at(c->cg2_fd, &h.fh,
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = cache_read_link(link, c->path2, sizeof(c->path2));
			close(fd);
			if (n > 0)
				return c->path2;
		}
	}
	snprintf(link, sizeof(link), "/proc/%u/cgroup", pid);
	if (cws_read_file(link, c->buf, sizeof(c->buf)) <= 0)
		return NULL;
	for (line = strtok_r(c->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool unified;
		const char *path = cws_procfs_cgroup_path(line, &unified);

		if (unified && cgroup_id_of(c, path) == id) {
			snprintf(c->path2, sizeof(c->path2), "%s", path);
			return c->path2;
		}
	}
	return NULL;
}

static struct cg_slot *cg_slot(struct cws_cache *c, uint64_t id)
{
	uint32_t i = (uint32_t)(id * 2654435761u) & (CG_SLOTS - 1), n;

	for (n = 0; n < CG_SLOTS; n++, i = (i + 1) & (CG_SLOTS - 1))
		if (c->cg[i].id == id || !c->cg[i].id)
			break;
	if (c->cg[i].id == id)
		return &c->cg[i];
	/* Cgroups come and go; rather than age them, start over when full. */
	if (c->cg_used >= CG_SLOTS * 3 / 4) {
		for (n = 0; n < CG_SLOTS; n++)
			cache_blob_put(c, c->cg[n].path);
		memset(c->cg, 0, CG_SLOTS * sizeof(*c->cg));
		c->cg_used = 0;
		return cg_slot(c, id);
	}
	c->cg[i].id = id;
	c->cg[i].retry_at = 1;
	c->cg_used++;
	return &c->cg[i];
}

/*
 * The path of a cgroup as cgroup.id has it: relative to the cgroup2
 * root ("/system.slice/cron.service"), as /proc/PID/cgroup gives it,
 * where a file handle gives it under the mount point.
 */
static void cg_set_path(struct cws_cache *c, struct cg_slot *s,
			const char *path)
{
	size_t n = strlen(c->cg2_dir);

	if (s->path)
		return;
	if (n > 1 && !strncmp(path, c->cg2_dir, n) &&
	    (path[n] == '/' || !path[n]))
		path += n;
	if (!*path)
		path = "/";
	s->path = cache_str_new(c, path, strlen(path));
}

/* Gives e its cgroup's path and container start, as its slot has them. */
void cache_cg_attach(struct cws_cache *c, struct entry *e)
{
	struct cg_slot *s;

	if (!e->cgroup_id)
		return;
	s = cg_slot(c, e->cgroup_id);
	if (s->path != e->cgpath) {
		cache_blob_put(c, e->cgpath);
		e->cgpath = cache_blob_ref(s->path);
		e->key = 0;
	}
	if (s->first_exec != e->cont_start) {
		e->cont_start = s->first_exec;
		e->key = 0;
	}
}

/*
 * An exec at ts (ns since boot) in e's cgroup: the first one seen there
 * dates the container (container.created_at).
 */
void cache_cg_first_exec(struct cws_cache *c, struct entry *e, uint64_t ts)
{
	struct cg_slot *s;

	if (!e->cgroup_id)
		return;
	s = cg_slot(c, e->cgroup_id);
	if (!s->first_exec)
		s->first_exec = ts;
	cache_cg_attach(c, e);
}

/* The container of cgroup id ("" for none), resolved once per cgroup. */
const char *cache_cg_container(struct cws_cache *c, uint64_t id, uint32_t pid)
{
	struct cg_slot *s;
	const char *path;
	long long now;

	if (!id)
		return "";
	s = cg_slot(c, id);
	if (s->retry_at && (now = cache_now_ms()) >= s->retry_at) {
		path = cgroup_path(c, id, pid);
		if (path) {
			cws_cache_container_id(path, s->container,
					       sizeof(s->container));
			cg_set_path(c, s, path);
			s->retry_at = 0;
		} else {
			s->retry_at = now + CG_RETRY_MS;
		}
	}
	return s->container;
}

/* The cgroup and container of pid from /proc/PID/cgroup. */
void cache_proc_cgroup(struct cws_cache *c, struct entry *e)
{
	char link[64], *line, *save = NULL, v1[CONTAINER_ID_LEN + 1] = "";
	char cgpath[CWS_KEV_PATH_MAX + 1] = "";
	struct cg_slot *s;

	snprintf(link, sizeof(link), "/proc/%u/cgroup", e->pid);
	if (cws_read_file(link, c->buf, sizeof(c->buf)) <= 0)
		return;
	e->container[0] = '\0';
	for (line = strtok_r(c->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool unified;
		const char *path = cws_procfs_cgroup_path(line, &unified);

		if (!path)
			continue;
		if (unified) {
			e->cgroup_id = cgroup_id_of(c, path);
			snprintf(cgpath, sizeof(cgpath), "%s", path);
			cws_cache_container_id(path, e->container,
					       sizeof(e->container));
		} else if (!v1[0]) {
			cws_cache_container_id(path, v1, sizeof(v1));
		}
	}
	if (e->cgroup_id) {
		s = cg_slot(c, e->cgroup_id);
		memcpy(s->container, e->container, sizeof(s->container));
		s->retry_at = 0;
		if (cgpath[0])
			cg_set_path(c, s, cgpath);
		/* Seeded: the oldest process of the cgroup dates it. */
		if (e->exec_time &&
		    (!s->first_exec || e->exec_time < s->first_exec))
			s->first_exec = e->exec_time;
		cache_cg_attach(c, e);
	}
	/*
	 * A runtime that only uses the v1 hierarchies leaves the unified
	 * cgroup alone: the v1 path is all there is.
	 */
	if (!e->container[0])
		memcpy(e->container, v1, sizeof(v1));
}
