/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Included first by every C file of the project: one place for feature test
 * macros and the tiny helpers every module wants (git's git-compat-util.h).
 */
#ifndef CWS_COMPAT_H
#define CWS_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stddef.h>

#define CWS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CWS_UNUSED __attribute__((unused))
#define CWS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CWS_NORETURN __attribute__((noreturn))

/*
 * Whether the process runs under valgrind: valgrind.h's client request,
 * a few instructions that do nothing outside it (false without the
 * header). For what valgrind cannot follow: code made at run time (PCRE2's
 * JIT), a seccomp list too short for valgrind's own calls.
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define CWS_HAVE_VALGRIND_H 1
#endif
#endif

static inline int cws_under_valgrind(void)
{
#ifdef CWS_HAVE_VALGRIND_H
	return RUNNING_ON_VALGRIND;
#else
	return 0;
#endif
}

#ifndef CWS_VERSION
#define CWS_VERSION "0.1.0"
#endif

#endif
