#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Makes the Containerfile's base image, debian:12-slim, from Debian's
# archive with debootstrap, for a machine that reaches a Debian mirror but
# no container registry:
#
#   contrib/container/debian-base.sh [mirror]
#
# The image is a minbase bookworm, stripped of documentation and locales
# as Docker's -slim images are, imported into podman's storage under the
# name a pull would give it (docker.io/library/debian:12-slim), so that
# `FROM debian:12-slim` finds it without a registry. Needs root, podman and
# debootstrap. Does nothing when the image is there already.
set -eu

name=docker.io/library/debian:12-slim
mirror=${1:-http://deb.debian.org/debian}

if podman image exists "$name"; then
	exit 0
fi
for tool in podman debootstrap; do
	command -v "$tool" >/dev/null || {
		echo "debian-base: $tool is not installed" >&2
		exit 1
	}
done
root=$(mktemp -d "${TMPDIR:-/var/tmp}/cws-debian-base.XXXXXX")
trap 'rm -rf "$root"' EXIT
if ! debootstrap --variant=minbase bookworm "$root/fs" "$mirror" \
	>"$root/debootstrap.log" 2>&1; then
	echo "debian-base: debootstrap of bookworm from $mirror failed:" >&2
	tail -n 3 "$root/debootstrap.log" >&2
	exit 1
fi
# What -slim leaves out, and what debootstrap leaves behind.
rm -rf "$root/fs/usr/share/doc"/* "$root/fs/usr/share/man"/* \
	"$root/fs/usr/share/info"/* "$root/fs/var/cache/apt"/*.bin \
	"$root/fs/var/lib/apt/lists"/* "$root/fs/var/log"/*.log \
	"$root/fs/debootstrap"
find "$root/fs/usr/share/locale" -mindepth 1 -maxdepth 1 \
	! -name locale.alias -exec rm -rf {} +
tar -C "$root/fs" -c . |
	podman import --change 'CMD ["bash"]' - "$name" >/dev/null
echo "debian-base: $name made from $mirror" >&2
