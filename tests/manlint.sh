#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# mandoc -Tlint -Wstyle on man pages, with the project's own pages indexed
# so that cross references between them resolve. Prints findings, exits 1
# if there are any. Usage: tests/manlint.sh [page ...] (default: man/*).
set -u
cd "$(dirname "$0")/.." || exit 2
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
tree=$O/mantree
rm -rf "$tree"
for m in man/*.[1-8]; do
	s=${m##*.}
	mkdir -p "$tree/man$s"
	cp "$m" "$tree/man$s/"
done
makewhatis "$tree" 2>/dev/null
[ $# -gt 0 ] || set -- man/*.[1-8]
rc=0
for m in "$@"; do
	# References to other projects' pages (jq(1)) are not checked: the
	# system's man index is not ours to depend on. Our own must resolve.
	out=$(MANPATH=$tree mandoc -Tlint -Wstyle "$m" 2>&1 |
		while IFS= read -r line; do
			case $line in
			*"referenced manual not found: Xr "*)
				ref=${line##*Xr }
				ref=${ref% (*}
				[ -f "man/${ref% *}.${ref#* }" ] || continue ;;
			*"mandoc.db lacks"*) continue ;;
			esac
			printf '%s\n' "$line"
		done)
	[ -z "$out" ] || { echo "$out"; rc=1; }
done
exit $rc
