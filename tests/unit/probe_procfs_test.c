/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for what cws-probe parses under /proc (cmd/cws-probe/
 * procfs.c): stat with a comm that holds ") ", status, mountinfo lines
 * with escapes and optional fields, this process's own files, cgroup
 * lines and the container ids of cgroup paths.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../cmd/cws-probe/procfs.c"

/* cache.c's, as the probe reads /proc. */
static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (ssize_t)n;
}

static void test_stat(void **state)
{
	struct cws_procfs_stat st;
	char buf[4096];

	(void)state;
	assert_int_equal(
		cws_procfs_stat("42 (a) b) c) S 7 42 42 34817 -1 4194560 1 2 3 "
				"4 5 6 7 8 20 0 1 0 12345 6 7",
				&st),
		0);
	assert_string_equal(st.comm, "a) b) c");
	assert_int_equal(st.ppid, 7);
	assert_int_equal(st.tty_nr, 34817);
	assert_int_equal(st.flags, 4194560);
	assert_int_equal(st.starttime, 12345);
	/* The longest comm fits; a longer text is cut. */
	assert_int_equal(cws_procfs_stat("1 (0123456789abcdefXYZ) S 0 0 0 0 0 "
					 "0 0 0 0 0 0 0 0 0 0 0 0 0 9",
					 &st),
			 0);
	assert_string_equal(st.comm, "0123456789abcdef");
	assert_int_equal(st.starttime, 9);
	/* Cut anywhere: refused, nothing read past the end. */
	assert_int_equal(cws_procfs_stat("1 (sh)", &st), -EINVAL);
	assert_int_equal(cws_procfs_stat("1 (sh) ", &st), -EINVAL);
	assert_int_equal(cws_procfs_stat("1 (sh) S 1 2 3", &st), -EINVAL);
	assert_int_equal(cws_procfs_stat("1 sh) S (", &st), -EINVAL);
	assert_int_equal(cws_procfs_stat("", &st), -EINVAL);
	/* This process. */
	read_file("/proc/self/stat", buf, sizeof(buf));
	assert_int_equal(cws_procfs_stat(buf, &st), 0);
	assert_int_equal(st.ppid, (uint32_t)getppid());
	assert_true(st.starttime > 0);
}

static void test_status(void **state)
{
	struct cws_procfs_status st;
	char buf[8192];

	(void)state;
	cws_procfs_status("Name:\tx\nTgid:\t12\nUid:\t1\t2\t3\t4\n"
			  "Gid:\t5\t6\nCapPrm:\t000001ffffffffff\n",
			  &st);
	assert_true(st.has_tgid);
	assert_int_equal(st.tgid, 12);
	assert_true(st.has_uid);
	assert_int_equal(st.uid, 1);
	assert_int_equal(st.euid, 2);
	assert_int_equal(st.fsuid, 4);
	/* Two ids out of four: not taken. */
	assert_false(st.has_gid);
	assert_int_equal(st.cap_permitted, 0x1ffffffffffull);
	assert_int_equal(st.cap_effective, 0);
	read_file("/proc/self/status", buf, sizeof(buf));
	cws_procfs_status(buf, &st);
	assert_int_equal(st.tgid, (uint32_t)getpid());
	assert_int_equal(st.euid, geteuid());
	assert_int_equal(st.egid, getegid());
}

static void test_mountinfo(void **state)
{
	struct cws_procfs_mount m;
	char line[] = "99 25 0:40 /a\\040b /mnt/with\\040space\\012nl rw "
		      "shared:3 master:1 - tmpfs my\\134src rw,size=10k\n";
	char bad1[] = "99 25 0:40 / /mnt rw shared:3\n";
	char bad2[] = "4294967296 1 0:1 / / rw - ext4 /dev/sda rw\n";
	char bad3[] = "9x 1 0:1 / / rw - ext4 /dev/sda rw\n";
	char bare[] = "7 1 0:1 / /x rw - proc";

	(void)state;
	assert_int_equal(cws_procfs_mountinfo(line, &m), 0);
	assert_int_equal(m.id, 99);
	assert_int_equal(m.parent, 25);
	assert_string_equal(m.root, "/a b");
	assert_string_equal(m.point, "/mnt/with space\nnl");
	assert_string_equal(m.fstype, "tmpfs");
	assert_string_equal(m.source, "my\\src");
	assert_int_equal(cws_procfs_mountinfo(bad1, &m), -EINVAL);
	assert_int_equal(cws_procfs_mountinfo(bad2, &m), -EINVAL);
	assert_int_equal(cws_procfs_mountinfo(bad3, &m), -EINVAL);
	assert_int_equal(cws_procfs_mountinfo(bare, &m), 0);
	assert_string_equal(m.fstype, "proc");
	assert_string_equal(m.source, "");
}

static int find_root(const struct cws_procfs_mount *m, void *arg)
{
	int *n = arg;

	(*n)++;
	return !strcmp(m->point, "/") ? 1000 : 0;
}

static void test_mounts_self(void **state)
{
	int n = 0;

	(void)state;
	/* The walk stops where the callback says, with its value. */
	assert_int_equal(cws_procfs_mounts(0, find_root, &n), 1000);
	assert_true(n >= 1);
	n = 0;
	assert_int_equal(cws_procfs_mounts((uint32_t)getpid(), find_root, &n),
			 1000);
	assert_int_equal(cws_procfs_mounts(0x7ffffff0, find_root, &n), -ENOENT);
}

static void test_cgroup(void **state)
{
	static const char id[] = "0123456789abcdef0123456789abcdef"
				 "0123456789abcdef0123456789abcdef";
	char out[CONTAINER_ID_LEN + 1];
	bool unified;

	(void)state;
	assert_string_equal(cws_procfs_cgroup_path("0::/a:b", &unified),
			    "/a:b");
	assert_true(unified);
	assert_string_equal(
		cws_procfs_cgroup_path("4:cpu,cpuacct:/x", &unified), "/x");
	assert_false(unified);
	assert_null(cws_procfs_cgroup_path("0:/x", &unified));
	assert_false(unified);

	assert_true(cws_cache_container_id(
		"/system.slice/docker-0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef.scope",
		out, sizeof(out)));
	assert_string_equal(out, id);
	assert_true(cws_cache_container_id(
		"/docker/0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef/inner",
		out, sizeof(out)));
	assert_string_equal(out, id);
	/* Upper case, or one digit short, is no id. */
	assert_false(cws_cache_container_id(
		"/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef"
		"0123456789abcdef",
		out, sizeof(out)));
	assert_string_equal(out, "");
	assert_false(cws_cache_container_id(
		"/docker/123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef",
		out, sizeof(out)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_mounts_self),
		cmocka_unit_test(test_cgroup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
