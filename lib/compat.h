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

#ifndef CWS_VERSION
#define CWS_VERSION "0.1.0"
#endif

#endif
