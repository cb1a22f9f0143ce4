/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Exit codes shared by every cws tool; each man page lists them under
 * EXIT STATUS. Not sysexits(3): a short table people can remember.
 */
#ifndef CWS_EXIT_H
#define CWS_EXIT_H

#define CWS_EXIT_OK 0 /* success, including a normal end of input */
#define CWS_EXIT_FAILURE 1 /* runtime failure */
#define CWS_EXIT_USAGE 2 /* bad command line */
#define CWS_EXIT_CONFIG 3 /* invalid configuration or policy */

#endif
