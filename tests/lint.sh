#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# make lint: formatting (the kernel's clang-format style), cppcheck, and a
# grep for functions the project does not use (curl's banned list, scaled
# down). Exits non-zero on the first category with findings.
set -u
cd "$(dirname "$0")/.." || exit 2
rc=0
srcs=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib cmd bpf tests -name '*.[ch]')

echo "lint: clang-format"
if ! clang-format --dry-run -Werror $srcs; then
	echo "lint: run 'clang-format -i' on the files above" >&2
	rc=1
fi

echo "lint: cppcheck"
# simplecpp cannot expand the table macros of config.c, event.c,
# event_fast.c, event_members.c and secl_fields.c (nested macro
# arguments); gcc and the tests cover them.
# bpf/ is kernel code for clang -target bpf, not for cppcheck.
if ! cppcheck --quiet --error-exitcode=1 --inline-suppr \
	--enable=warning,portability,performance --std=c11 \
	--suppress=missingIncludeSystem -D__GNUC__ -Ilib \
	--suppress=preprocessorErrorDirective:lib/config.c \
	--suppress=preprocessorErrorDirective:lib/event.c \
	--suppress=preprocessorErrorDirective:lib/event_fast.c \
	--suppress=preprocessorErrorDirective:lib/event_members.c \
	--suppress=preprocessorErrorDirective:lib/secl_fields.c \
	--suppress=preprocessorErrorDirective:bpf/cws_event.h \
	'-Djson_object_foreach(o,k,v)=for(k=0;k;)' \
	'-Djson_array_foreach(a,i,v)=for(i=0;i<1;i++)' \
	$(printf '%s\n' $srcs | grep -v '^bpf/'); then
	rc=1
fi

echo "lint: banned functions"
banned='\b(strcpy|strcat|sprintf|vsprintf|atoi|atol|strtok|gets)[[:space:]]*\('
if grep -nE "$banned" $srcs; then
	echo "lint: use snprintf, cws_strtonum, strtok_r or a bounded copy" >&2
	rc=1
fi

echo "lint: man pages"
tests/manlint.sh || rc=1

[ $rc = 0 ] && echo "lint: clean"
exit $rc
