/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-probe's system events (cmd/cws-probe/emit_sysev.c) without a
 * kernel: the text of a cgroup migration, the values written to
 * selinuxfs and what each selinuxfs file means (this kernel has no
 * SELinux, so t1900 cannot write them), and an attached filter's
 * disassembly, hash and constants.
 */
#include "compat.h"
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../cmd/cws-probe/emit_sysev.c"

static void test_parse_pid(void **state)
{
	uint32_t pid = 7;

	(void)state;
	assert_int_equal(cws_sysev_parse_pid("1234\n", 5, &pid), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(cws_sysev_parse_pid("0", 1, &pid), 0);
	assert_int_equal(pid, 0);
	/* kstrtoint(strstrip(buf), 0): white space around, base prefixes */
	assert_int_equal(cws_sysev_parse_pid("  42 \n", 6, &pid), 0);
	assert_int_equal(pid, 42);
	assert_int_equal(cws_sysev_parse_pid("0x10", 4, &pid), 0);
	assert_int_equal(pid, 16);
	pid = 7;
	assert_int_equal(cws_sysev_parse_pid("", 0, &pid), -EINVAL);
	assert_int_equal(cws_sysev_parse_pid("abc", 3, &pid), -EINVAL);
	assert_int_equal(cws_sysev_parse_pid("-1", 2, &pid), -EINVAL);
	assert_int_equal(cws_sysev_parse_pid("12 34", 5, &pid), -EINVAL);
	assert_int_equal(cws_sysev_parse_pid("99999999999", 11, &pid), -EINVAL);
	/* kstrtoint's signs, and the kernel's white space (0xa0 is one). */
	assert_int_equal(cws_sysev_parse_pid("+42\n", 4, &pid), 0);
	assert_int_equal(pid, 42);
	assert_int_equal(cws_sysev_parse_pid("-0", 2, &pid), 0);
	assert_int_equal(pid, 0);
	assert_int_equal(cws_sysev_parse_pid("\xa0 7\xa0", 5, &pid), 0);
	assert_int_equal(pid, 7);
	assert_int_equal(cws_sysev_parse_pid("010", 3, &pid), 0);
	assert_int_equal(pid, 8);
	pid = 7;
	assert_int_equal(cws_sysev_parse_pid("-3", 2, &pid), -EINVAL);
	assert_int_equal(cws_sysev_parse_pid("+-3", 3, &pid), -EINVAL);
	assert_int_equal(cws_sysev_parse_pid("0x", 2, &pid), -EINVAL);
	assert_int_equal(cws_sysev_parse_pid("2147483648", 10, &pid), -EINVAL);
	assert_int_equal(pid, 7);
	/* Only the first CWS_KEV_WRITE_MAX - 1 bytes are ever sent. */
	assert_int_equal(cws_sysev_parse_pid("1", CWS_KEV_WRITE_MAX, &pid),
			 -EINVAL);
	assert_int_equal(pid, 7);
}

static void test_parse_bool(void **state)
{
	(void)state;
	assert_int_equal(cws_sysev_parse_bool("1", 1), 1);
	assert_int_equal(cws_sysev_parse_bool("0\n", 2), 0);
	assert_int_equal(cws_sysev_parse_bool("2", 1), 1);
	assert_int_equal(cws_sysev_parse_bool("on", 2), -EINVAL);
	/* sscanf("%d"): a '-' but no '+', and an int's 32 bits of it. */
	assert_int_equal(cws_sysev_parse_bool(" -1x", 4), 1);
	assert_int_equal(cws_sysev_parse_bool("+1", 2), -EINVAL);
	assert_int_equal(cws_sysev_parse_bool("4294967296", 10), 0);
	assert_int_equal(cws_sysev_parse_bool("4294967297", 10), 1);
	assert_int_equal(cws_sysev_parse_bool("18446744073709551616", 20), 0);
	assert_int_equal(cws_sysev_parse_bool("", 0), -EINVAL);
	assert_string_equal(cws_sysev_selinux_state(1), "on");
	assert_string_equal(cws_sysev_selinux_state(0), "off");
	assert_string_equal(cws_sysev_selinux_state(-EINVAL), "error");
}

/* A selinux record's conversion, on a file path and a written text. */
static struct cws_emit em;
static struct cws_kev_syscall krec;

static const struct cws_event *selinux(const char *path, const char *text)
{
	static struct cws_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.evt.type = CWS_EVT_SELINUX;
	ev.obj.file.path = path;
	ev.obj.file.name = strrchr(path, '/') + 1;
	snprintf(em.sys.extra_buf, sizeof(em.sys.extra_buf), "%s", text);
	em.sys.extra = text ? em.sys.extra_buf : NULL;
	krec.str_len = text ? (uint16_t)strlen(text) : 0;
	cws_emit_sysev_selinux(&em, &krec, &ev);
	return &ev;
}

static void test_selinux(void **state)
{
	const struct cws_event *ev;

	(void)state;
	ev = selinux("/sys/fs/selinux/enforce", "0");
	assert_string_equal(ev->obj.selinux.enforce_status, "permissive");
	assert_null(ev->obj.selinux.bool_name);
	assert_false(ev->obj.selinux.has_commit);
	ev = selinux("/sys/fs/selinux/enforce", "1\n");
	assert_string_equal(ev->obj.selinux.enforce_status, "enforcing");
	/* An unreadable value says nothing about the status. */
	ev = selinux("/sys/fs/selinux/enforce", "x");
	assert_null(ev->obj.selinux.enforce_status);
	ev = selinux("/sys/fs/selinux/disable", "1");
	assert_string_equal(ev->obj.selinux.enforce_status, "disabled");
	ev = selinux("/sys/fs/selinux/disable", "0");
	assert_null(ev->obj.selinux.enforce_status);
	ev = selinux("/sys/fs/selinux/booleans/httpd_can_network_connect", "1");
	assert_string_equal(ev->obj.selinux.bool_name,
			    "httpd_can_network_connect");
	assert_string_equal(ev->obj.selinux.bool_state, "on");
	ev = selinux("/sys/fs/selinux/booleans/ftpd_full_access", "0");
	assert_string_equal(ev->obj.selinux.bool_state, "off");
	ev = selinux("/sys/fs/selinux/booleans/ftpd_full_access", "yes");
	assert_string_equal(ev->obj.selinux.bool_state, "error");
	ev = selinux("/sys/fs/selinux/commit_pending_bools", "1");
	assert_true(ev->obj.selinux.has_commit);
	assert_true(ev->obj.selinux.commit_state);
	assert_null(ev->obj.selinux.enforce_status);
	/* Any other selinuxfs file: the file, nothing else. */
	ev = selinux("/sys/fs/selinux/load", "1");
	assert_null(ev->obj.selinux.enforce_status);
	assert_null(ev->obj.selinux.bool_name);
	assert_false(ev->obj.selinux.has_commit);
}

static void test_cgroup_write(void **state)
{
	struct cws_event ev;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.process.pid = 321;
	snprintf(em.sys.extra_buf, sizeof(em.sys.extra_buf), "0\n");
	em.sys.extra = em.sys.extra_buf;
	krec.str_len = 2;
	cws_emit_sysev_cgroup_write(&em, &krec, &ev);
	assert_true(ev.obj.cgroup_pid_known);
	assert_int_equal(ev.obj.cgroup_pid, 321); /* 0 is the writer */
	memset(&ev.obj, 0, sizeof(ev.obj));
	snprintf(em.sys.extra_buf, sizeof(em.sys.extra_buf), "nope");
	krec.str_len = 4;
	cws_emit_sysev_cgroup_write(&em, &krec, &ev);
	assert_false(ev.obj.cgroup_pid_known);
}

static void test_filter(void **state)
{
	static const struct bpf_insn ipv4[] = {
		{ 0x28, 0, 0, 0x0000000c },
		{ 0x15, 0, 1, 0x00000800 },
		{ 0x06, 0, 0, 0x00040000 },
		{ 0x06, 0, 0, 0x00000000 },
	};
	static struct cws_emit_sysev out;

	(void)state;
	assert_int_equal(cws_sysev_filter(ipv4, 4, &out), 0);
	assert_string_equal(out.text,
			    "(000) ldh      [12]\n"
			    "(001) jeq      #0x800           jt 2\tjf 3\n"
			    "(002) ret      #262144\n"
			    "(003) ret      #0");
	/* sha256sum of the 32 raw bytes, as a little-endian host has them */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	assert_string_equal(out.hash, "595fbeb764d7f29e00c4c242b6f38c18"
				      "992b1818aa53ef42b19915455eee76f4");
#endif
	assert_int_equal(out.nimm, 3);
	assert_int_equal(out.imm[0], 0x800);
	assert_int_equal(out.imm[1], 0x40000);
	assert_int_equal(out.imm[2], 0);
	assert_int_equal(cws_sysev_filter(ipv4, CWS_KEV_FILTER_MAX + 1, &out),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_pid),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_selinux),
		cmocka_unit_test(test_cgroup_write),
		cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
