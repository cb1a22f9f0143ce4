#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian package (make deb): what it holds, lintian, then installed
# for real on this host: the tools run from /usr, the configuration is a
# conffile readable by root and the group cws, nothing starts by itself;
# removed, then purged, and what is left afterwards.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq ROOT || test_skip_all "installs a package: needs root"
for c in dpkg-buildpackage dh lintian git; do
	command -v $c >/dev/null ||
		test_skip_all "$c is missing (contrib/deps.sh installs debhelper and lintian)"
done
# Someone's own installation is not ours to remove.
dpkg-query -W -f='${Status}' cws 2>/dev/null | grep -q "ok installed" &&
	test_skip_all "a cws package is installed on this host already"

version=$(cat "$CWS_SRC/VERSION")
deb=$TRASH/build/deb/cws_${version}_amd64.deb

purge() { dpkg -P cws >/dev/null 2>&1; return 0; }

test_expect_success 'make deb builds cws_VERSION_amd64.deb with everything in place' '
	make -s -C "$CWS_SRC" O="$TRASH/build" deb >deb.out 2>&1 &&
	test -f "$deb" &&
	dpkg-deb -c "$deb" | awk "{print \$1, \$2, \$6}" >contents &&
	for f in ./usr/sbin/cws-probe ./usr/bin/cws ./usr/bin/cws-filter \
		./usr/bin/cws-ship ./usr/bin/cws-cat ./usr/bin/cws-flare \
		./lib/systemd/system/cws.service ./usr/lib/sysusers.d/cws.conf \
		./usr/share/man/man8/cws.8.gz ./usr/share/man/man5/cws.yaml.5.gz \
		./etc/cws/runtime-security.d/; do
		grep -q " $f\$" contents || { echo "missing: $f"; exit 1; }
	done &&
	grep -q "^-rw-r----- root/root ./etc/cws/cws.yaml$" contents &&
	dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >conffiles &&
	grep -qx /etc/cws/cws.yaml conffiles &&
	test "$(dpkg-deb -f "$deb" Version)" = "$version"
'

test_expect_success 'lintian: no error, no warning (overrides say why)' '
	lintian --fail-on error,warning "$deb" >lintian.out 2>&1 ||
		{ cat lintian.out; false; }
'

test_expect_success 'installed: the tools run from /usr, the configuration is guarded, nothing starts' '
	test_when_finished purge &&
	dpkg -i "$deb" >install.out 2>&1 &&
	getent passwd cws >/dev/null &&
	test "$(stat -c "%a %U %G" /etc/cws/cws.yaml)" = "640 root cws" &&
	dpkg-statoverride --list /etc/cws/cws.yaml | grep -q "^root cws 0\?640 /etc/cws/cws.yaml$" &&
	test "$(/usr/bin/cws version)" = "cws $version" &&
	# The default configuration and its empty policy directory: said,
	# and the configuration error status.
	test_expect_code 3 env -u CWS_CONFIG_DEFAULT /usr/bin/cws policy check >check0.out 2>&1 &&
	grep "^total: 0 loaded" check0.out &&
	grep "no \*.policy file in ./etc/cws/runtime-security.d." check0.out &&
	mkdir -p pol &&
	printf "%s\n" "version: \"1.0.0\"" "rules:" \
		"  - id: t9100_shadow" "    expression: open.file.path == \"/etc/shadow\"" >pol/default.policy &&
	/usr/bin/cws policy check -p pol >check.out &&
	grep "^total: 1 loaded, 0 filtered, 0 failed$" check.out &&
	/usr/bin/cws runtime policy check --policies-dir pol >check2.out &&
	test_cmp check.out check2.out &&
	! pgrep -f "^/usr/bin/cws .*run" &&
	! pgrep -x cws-probe -f -a | grep -q /usr/sbin/cws-probe
'

test_expect_success 'removed, the configuration stays; purged, nothing of it but the user' '
	test_when_finished purge &&
	dpkg -i "$deb" >install.out 2>&1 &&
	echo "# mine" >>/etc/cws/cws.yaml &&
	dpkg -r cws >remove.out 2>&1 &&
	test ! -e /usr/bin/cws && test ! -e /usr/sbin/cws-probe &&
	test ! -e /lib/systemd/system/cws.service &&
	grep -q "^# mine$" /etc/cws/cws.yaml &&
	dpkg -P cws >purge.out 2>&1 &&
	test ! -e /etc/cws &&
	! dpkg-statoverride --list /etc/cws/cws.yaml &&
	test ! -e /var/lib/cws &&
	! dpkg-query -W -f="\${Status}" cws 2>/dev/null | grep -q installed &&
	# The user stays, as Debian leaves system users (debian/cws.postrm).
	getent passwd cws >/dev/null
'

test_done
