/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Process and kernel events to stream records: fork and exit from their
 * own records (bpf/sched.bpf.h), the cache's cwd records, and the
 * per-event functions for the
 * syscall records of bpf/proc_events.bpf.h, which emit_syscall.c calls
 * after its generic part (process, retval, files, extra string).
 *
 * fork, exit and cwd records feed the process cache whatever --events
 * says: the cache needs them to know who is alive, what runs and where. Only the
 * events asked for are written; an unwritten fork or exit is not counted
 * as filtered, since its record exists for the cache. The exit event is
 * written before its entry is freed, so that it still carries the
 * process's executable, argv and ancestors.
 *
 * Targets (ptrace.tracee, signal.target) are filled from the cache too:
 * the kernel sends only their pid, which may name a thread.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

/* wait(2) status bits: the low 7 are the signal, 0x80 the core dump. */
#define STATUS_SIGNAL(s) ((s)&0x7f)
#define STATUS_CORE 0x80
#define STATUS_CODE(s) (((s) >> 8) & 0xff)

#define PTRACE_TRACEME 0
#define BPF_MAP_CREATE 0
#define BPF_PROG_LOAD 5

int cws_emit_fork(struct cws_emit *e, const void *data, size_t size)
{
	const struct cws_kev_fork *k = data;

	if (size < sizeof(*k)) {
		cws_emit_bad(e, "shorter than a fork record", CWS_KEV_FORK,
			     size);
		return 0;
	}
	cws_cache_fork(e->cache, k);
	if (!(e->events_mask & (1ull << CWS_EVT_FORK)))
		return 0;
	/* The child, with its parent first among its ancestors. */
	cws_emit_event_begin(e, &k->hdr, &k->proc, CWS_EVT_FORK);
	return cws_emit_put(e, &e->ev);
}

int cws_emit_exit(struct cws_emit *e, const void *data, size_t size)
{
	const struct cws_kev_exit *k = data;
	struct cws_event *ev = &e->ev;
	uint32_t status;
	int err = 0;

	if (size < sizeof(*k)) {
		cws_emit_bad(e, "shorter than an exit record", CWS_KEV_EXIT,
			     size);
		return 0;
	}
	if (e->events_mask & (1ull << CWS_EVT_EXIT)) {
		cws_emit_event_begin(e, &k->hdr, &k->proc, CWS_EVT_EXIT);
		status = k->status;
		if (!STATUS_SIGNAL(status)) {
			ev->obj.code = (int32_t)STATUS_CODE(status);
			ev->obj.cause = "EXITED";
		} else {
			ev->obj.code = (int32_t)STATUS_SIGNAL(status);
			ev->obj.cause = status & STATUS_CORE ? "COREDUMPED" :
							       "SIGNALED";
		}
		err = cws_emit_put(e, ev);
	}
	cws_cache_exit(e->cache, k->proc.pid);
	return err;
}

int cws_emit_cwd(struct cws_emit *e, const void *data, size_t size)
{
	const struct cws_kev_syscall *k = data;
	const struct cws_kev_file *f = &k->file[0];
	char *path = e->sys.path[0];

	if (size < offsetof(struct cws_kev_syscall, data) || k->nfiles < 1 ||
	    f->path_len > CWS_KEV_PATH_MAX ||
	    size < offsetof(struct cws_kev_syscall, data) + f->path_len) {
		cws_emit_bad(e, "lengths do not match the record size",
			     CWS_KEV_CWD, size);
		return 0;
	}
	/* A cwd the kernel could not resolve is not a cwd: keep the old. */
	if (f->path_error != CWS_KEV_PATH_OK || !f->path_len)
		return 0;
	memcpy(path, k->data, f->path_len);
	path[f->path_len] = '\0';
	cws_cache_chdir(e->cache, k->proc.pid, path);
	return 0;
}

void cws_emit_proc_setid(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;

	if (ev->evt.type == CWS_EVT_SETUID) {
		o->uid = (uint32_t)k->args[0];
		o->euid = (uint32_t)k->args[1];
		o->fsuid = (uint32_t)k->args[2];
		o->user = cws_cache_user(e->cache, o->uid);
		o->euser = cws_cache_user(e->cache, o->euid);
		o->fsuser = cws_cache_user(e->cache, o->fsuid);
	} else {
		o->gid = (uint32_t)k->args[0];
		o->egid = (uint32_t)k->args[1];
		o->fsgid = (uint32_t)k->args[2];
		o->group = cws_cache_group(e->cache, o->gid);
		o->egroup = cws_cache_group(e->cache, o->egid);
		o->fsgroup = cws_cache_group(e->cache, o->fsgid);
	}
}

void cws_emit_proc_capset(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	(void)e;
	ev->obj.cap_effective = k->args[0];
	ev->obj.cap_permitted = k->args[1];
}

void cws_emit_proc_ptrace(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;
	uint32_t pid = (uint32_t)k->args[1];

	o->request = (int64_t)k->args[0];
	/* PTRACE_TRACEME ignores pid: the caller offers itself. */
	if (o->request == PTRACE_TRACEME)
		pid = ev->process.pid;
	cws_cache_fill_target(e->cache, &o->target, pid, e->boot_to_epoch);
}

void cws_emit_proc_signal(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;
	int64_t pid = (int64_t)k->args[0];

	o->request = (int64_t)k->args[1];
	o->pid = (uint32_t)pid;
	/* 0 and negative pids name process groups: no one target. */
	if (pid <= 0)
		return;
	cws_cache_fill_target(e->cache, &o->target, (uint32_t)pid,
			      e->boot_to_epoch);
	if (k->args[2])
		o->target.tid = (uint32_t)k->args[2];
}

void cws_emit_proc_bpf(struct cws_emit *e, const struct cws_kev_syscall *k,
		       struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;
	const char *name = e->sys.extra && *e->sys.extra ? e->sys.extra : NULL;

	o->request = (int64_t)k->args[0];
	if (o->request == BPF_MAP_CREATE) {
		o->map_type = (uint32_t)k->args[1];
		o->name = name;
	} else if (o->request == BPF_PROG_LOAD) {
		o->prog_type = (uint32_t)k->args[1];
		o->attach_type = (uint32_t)k->args[2];
		o->prog_name = name;
		o->prog_helpers[0] = k->args[3];
		o->prog_helpers[1] = k->args[4];
		o->prog_helpers[2] = k->args[5];
	}
}

/*
 * The module name of a file: its name without ".ko" and a compression
 * suffix, which is how modprobe names a module from its file. The
 * kernel's own name (in the module's .modinfo) is not read: a refused
 * load never gets that far.
 */
static const char *module_name(char *buf, size_t cap, const char *file)
{
	static const char *const ext[] = { ".ko", ".ko.gz", ".ko.xz",
					   ".ko.zst" };
	size_t n = strlen(file), i, l;

	for (i = 0; i < CWS_ARRAY_SIZE(ext); i++) {
		l = strlen(ext[i]);
		if (n > l && !strcmp(file + n - l, ext[i]) && n - l < cap) {
			memcpy(buf, file, n - l);
			buf[n - l] = '\0';
			return buf;
		}
	}
	return file;
}

void cws_emit_proc_module(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;
	const char *str = e->sys.extra && *e->sys.extra ? e->sys.extra : NULL;

	if (ev->evt.type == CWS_EVT_UNLOAD_MODULE) {
		o->name = str;
		return;
	}
	o->loaded_from_memory = k->args[0] == 1;
	o->args = str;
	if (!o->loaded_from_memory && o->file.name)
		o->name = module_name(e->sys.word, sizeof(e->sys.word),
				      o->file.name);
}

/* The last entry on the mount point wins: the one on top. */
static int mount_of(const struct cws_procfs_mount *m, void *arg)
{
	struct cws_evobj *o = arg;

	if (m->id && !strcmp(m->point, o->mountpoint)) {
		o->mount_id = m->id;
		o->parent_mount_id = m->parent;
	}
	return 0;
}

/*
 * The mount a successful mount(2) made, and its parent: the last entry
 * of the caller's /proc/PID/mountinfo on the mount point (the one on top;
 * its paths are relative to the caller's root, as ours are), or of its
 * parent's when the caller has exited already. Left 0 when neither is
 * there or the entry is not (unmounted since).
 */
static bool mount_ids(struct cws_evobj *o, uint32_t pid)
{
	return pid && o->mountpoint && cws_procfs_mounts(pid, mount_of, o) >= 0;
}

void cws_emit_proc_mount(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;

	o->flags = k->args[0];
	o->mountpoint = o->file.path;
	if (ev->evt.retval == 0 && !mount_ids(o, ev->process.pid))
		mount_ids(o, ev->process.ppid);
	if (k->args[1]) {
		/* move_mount: the source is a file the kernel had. */
		o->source = o->dest.path;
		o->fs_type = o->dest.filesystem;
		return;
	}
	/* mount(2): the source exactly as given, a path or not ("tmpfs"). */
	o->source = e->sys.str[1] && *e->sys.str[1] ? e->sys.str[1] : NULL;
	o->fs_type = e->sys.extra && *e->sys.extra ? e->sys.extra : NULL;
}

void cws_emit_proc_umount(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	(void)e;
	ev->obj.flags = k->args[0];
	ev->obj.mountpoint = ev->obj.file.path;
}
