#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Installs the Debian packages cws needs to build and test, and nothing
# when they are all there already. Needs root (or sudo) only when something
# is missing. Used by the README's commands and by .ci/run.
set -eu

pkgs="make gcc clang llvm libclang-rt-14-dev pkg-config bpftool
libbpf-dev libelf-dev zlib1g-dev libyaml-dev libmsgpack-dev libjansson-dev
libcmocka-dev libcap-ng-dev libpcre2-dev mandoc jq cppcheck clang-format valgrind procps
libcurl4-openssl-dev libzstd-dev libmicrohttpd-dev libgnutls28-dev openssl curl
libarchive-dev unzip util-linux iproute2 libpcap-dev libssl-dev libfuzzy-dev
python3-jsonschema python3-yaml libseccomp-dev debhelper lintian
podman runc debootstrap"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
as_root=
[ "$(id -u)" = 0 ] || as_root=sudo
if [ -n "$missing" ]; then
	echo "deps: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	$as_root apt-get update -qq
	# shellcheck disable=SC2086
	$as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The unprivileged user of cws-filter, cws-ship and the API (cws_user),
# as make install creates it: the tests check the stages run as it.
if ! getent passwd cws >/dev/null; then
	echo "deps: creating the system user cws" >&2
	$as_root useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --user-group cws
fi
