/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The pseudo file systems the probe may need. Attaching a tracepoint/
 * program through libbpf reads the tracepoint's id from tracefs, and
 * pinning needs a bpffs; minimal hosts and containers often have neither
 * mounted. We check by file system magic rather than by path, so a plain
 * empty directory is not mistaken for a mount, and mount only what is
 * missing.
 */
#include "compat.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "probe.h"

#define TRACEFS_MAGIC 0x74726163
#define BPF_FS_MAGIC 0xcafe4a11

#define TRACEFS_PATH "/sys/kernel/tracing"
#define DEBUGFS_TRACING_PATH "/sys/kernel/debug/tracing"
#define BPFFS_PATH "/sys/fs/bpf"

static bool has_fs(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (long)st.f_type == magic;
}

static int mount_fs(const char *path, const char *type, const char *data)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		cws_error("cannot create '%s'", path);
		return -errno;
	}
	if (mount(type, path, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, data)) {
		cws_error("cannot mount %s on '%s'", type, path);
		return -errno;
	}
	cws_debug("mounted %s on '%s'", type, path);
	return 0;
}

int cws_mount_tracefs(void)
{
	/* libbpf looks under debugfs first when that exists. */
	if (has_fs(TRACEFS_PATH, TRACEFS_MAGIC) ||
	    has_fs(DEBUGFS_TRACING_PATH, TRACEFS_MAGIC))
		return 0;
	return mount_fs(TRACEFS_PATH, "tracefs", NULL);
}

int cws_mount_bpffs(void)
{
	if (has_fs(BPFFS_PATH, BPF_FS_MAGIC))
		return 0;
	return mount_fs(BPFFS_PATH, "bpf", "mode=0700");
}
