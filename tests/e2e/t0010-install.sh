#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make install / uninstall with PREFIX and DESTDIR.
. "$(dirname "$0")/test-lib.sh"

# make install builds into $CWS_BUILD: under tests/sanitize.sh valgrind
# that is the wrappers' directory, which a build would overwrite.
[ "${CWS_TEST_SANITIZER:-}" = valgrind ] &&
	test_skip_all "CWS_BUILD holds valgrind's wrappers, not a build"

mk() { make --no-print-directory -s -C "$CWS_SRC" O="$CWS_BUILD" "$@"; }

test_expect_success 'install puts tools in bin/sbin and pages by section' '
	mk install DESTDIR="$TRASH/root" PREFIX=/usr >out 2>&1 &&
	test -x root/usr/sbin/cws-probe &&
	test -x root/usr/bin/cws-cat &&
	! test -e root/usr/bin/cws-probe &&
	test -f root/usr/share/man/man1/cws-cat.1 &&
	test -f root/usr/share/man/man5/cws-event.5 &&
	test -f root/usr/share/man/man8/cws-probe.8 &&
	root/usr/bin/cws-cat -V | grep "^cws-cat "
'

test_expect_success 'uninstall removes what install put there' '
	mk uninstall DESTDIR="$TRASH/root" PREFIX=/usr >out 2>&1 &&
	test -z "$(find root -type f)"
'

test_done
