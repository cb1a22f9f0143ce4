# SPDX-License-Identifier: BSD-2-Clause
#
# One non-recursive build for everything (libbpf-tools shape). Objects and
# generated files go under $(O); nothing generated lands in the source tree.
#
#   make                      build every tool into $(O)/
#   make check                unit (plain and ASan+UBSan), e2e, fuzz smoke, man lint
#   make check-asan           the e2e suite against every tool and test helper
#                             built with ASan+UBSan into $(O)/asan; fails on a
#                             failed test or any sanitizer report (tests/sanitize.sh)
#   make check-valgrind       the e2e suite once with every tool but cws-probe
#                             under valgrind (memcheck, leaks); fails only on
#                             valgrind errors, counts slow tests apart (long)
#   make soak                 the whole chain under load and faults for
#                             SOAK_MINUTES (30), as root; not part of check
#                             (tests/soak/soak.sh, docs/RELIABILITY.md)
#   make fuzz-build           build the libFuzzer targets (tests/fuzz/*_fuzz.c)
#   make fuzz (or fuzz-run)   build them, run each for FUZZ_TIME s (60), or FUZZ_RUNS executions,
#                             nice'd (FUZZ_NICE=19); FUZZ_TARGETS="stream secl" for some,
#                             FUZZ_JOBS=2 for one target on two CPUs (libFuzzer -fork),
#                             FUZZ_ARGS="-max_len=1024" for more libFuzzer options
#   make lint                 clang-format, cppcheck, banned functions
#   make install              PREFIX=/usr/local DESTDIR=
#   make deb                  $(O)/deb/cws_VERSION_amd64.deb (dpkg-buildpackage)
#   make O=dir SANITIZE=address,undefined V=1 DEVELOPER=1
#
# Adding a file needs no Makefile change: lib/*.c makes libcws.a,
# cmd/<tool>/*.c makes $(O)/<tool>, bpf/*.bpf.c makes a skeleton,
# tests/unit/*_test.c and tests/fuzz/*_fuzz.c make test binaries.

O ?= build
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
SYSCONFDIR ?= /etc
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Developer builds (a git checkout, or CI) fail on warnings; a packager's
# newer compiler must not (git's opt-in DEVELOPER knob).
DEVELOPER ?= $(if $(wildcard .git)$(CI),1,)

WARNINGS := -Wall -Wextra -Wformat=2 -Wformat-security -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wpointer-arith \
	-Wwrite-strings -Wshadow -Wvla -Wundef -fno-common
ifneq ($(DEVELOPER),)
WARNINGS += -Werror
endif

CFLAGS ?= -O2 -g
ifneq ($(SANITIZE),)
CFLAGS := -O1 -g3 -fno-omit-frame-pointer
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
else
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now
endif

PKGS := libbpf yaml-0.1 msgpack jansson libpcre2-8
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) $(HARDEN) $(SANFLAGS) \
	-DCWS_VERSION='"$(VERSION)"' -DCWS_SYSCONFDIR='"$(SYSCONFDIR)"' \
	-Ilib -I$(O) $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(HARDEN_LD) $(SANFLAGS)

# Libraries per tool: each links only what it uses.
libs = $(shell $(PKG_CONFIG) --libs $(1))
LIBS_cws-probe := $(call libs,libbpf yaml-0.1 msgpack jansson libcap-ng libseccomp libpcre2-8 libpcap libcrypto) -lelf -lz -lm
LIBS_cws-cat := $(call libs,yaml-0.1 msgpack jansson) -lm
LIBS_cws := $(call libs,yaml-0.1 jansson msgpack libcap-ng libseccomp libmicrohttpd gnutls libcurl) -lpthread -lm
LIBS_cws-filter := $(call libs,yaml-0.1 msgpack jansson libcap-ng libseccomp libpcre2-8 libpcap libcrypto) -lfuzzy -lm
LIBS_cws-ship := $(call libs,yaml-0.1 msgpack jansson libcap-ng libseccomp libcurl zlib libzstd) -lpthread -lm
LIBS_cws-flare := $(call libs,libbpf yaml-0.1 msgpack jansson libpcre2-8 libpcap libarchive libcurl zlib) -lelf -lm
$(O)/tests/helpers/cws-test-intake: TEST_LIBS += $(call libs,libmicrohttpd libzstd) -lpthread
$(O)/bench/ship_limit_bench: TEST_LIBS += $(call libs,libzstd)
$(O)/tests/unit/probe_sysev_test: TEST_LIBS += $(call libs,libpcap libcrypto)
$(O)/tests/unit/filter_hash_test: TEST_LIBS += $(call libs,libcrypto) -lfuzzy
$(O)/tests/unit/ship_endpoint_test: TEST_LIBS += $(call libs,libcurl)
$(O)/tests/unit/ship_tcp_test: TEST_LIBS += $(call libs,libcurl libzstd) -lpthread
TEST_LIBS := $(call libs,cmocka libbpf yaml-0.1 msgpack jansson libcap-ng libseccomp libpcre2-8 libpcap) -lelf -lz -lm

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean check test lint install uninstall unit fuzz fuzz-run helpers deb fuzz-build \
	run bench headers-check soak check-asan check-valgrind

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(LIB_SRCS))
LIBCWS := $(O)/libcws.a

TOOLS := $(notdir $(wildcard cmd/*))
SBIN_TOOLS := cws-probe
BIN_TOOLS := $(filter-out $(SBIN_TOOLS),$(TOOLS))

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.skel.h,$(BPF_SRCS))
BPF_TMPS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.tmp.o,$(BPF_SRCS))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(patsubst %.c,$(O)/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BINS := $(patsubst %.c,$(O)/%,$(FUZZ_SRCS))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst %.c,$(O)/%,$(HELPER_SRCS))
# Helpers written in Python are copied beside the others, onto the tests' PATH.
HELPER_SCRIPTS := $(patsubst %,$(O)/%,$(wildcard tests/helpers/*.py))
SOAK_SRCS := $(wildcard tests/soak/*.c)
SOAK_BINS := $(patsubst %.c,$(O)/%,$(SOAK_SRCS))

all: $(addprefix $(O)/,$(TOOLS))

$(O)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBCWS): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Tools: every cmd/<tool>/*.c linked with libcws.a.
define tool_rule
$(1)_OBJS := $$(patsubst %.c,$$(O)/%.o,$$(wildcard cmd/$(1)/*.c))
$$(O)/$(1): $$($(1)_OBJS) $$(LIBCWS)
	$$(call msg,LD,$$@)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) $$^ $$(LIBS_$(1)) -o $$@
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# BPF: vmlinux.h is generated from the running kernel's BTF into the build
# directory (CO-RE relocates at load time, so the build host only needs
# BTF, not the target's headers).
$(O)/bpf/vmlinux.h:
	$(call msg,BTF,$@)
	@mkdir -p $(dir $@)
	$(Q)test -r /sys/kernel/btf/vmlinux || { echo "make: /sys/kernel/btf/vmlinux is missing: cws-probe needs a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y)" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

# Static pattern rules: the generic $(O)/%.o: %.c rule would otherwise
# match $(O)/bpf/x.bpf.o from bpf/x.bpf.c and win over the two-step chain.
$(BPF_TMPS): $(O)/bpf/%.tmp.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(O)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -Wall -Werror=undef -target bpf -D__TARGET_ARCH_$(ARCH) \
		-I$(O)/bpf -Ibpf $(shell $(PKG_CONFIG) --cflags libbpf) -c $< -o $@

$(BPF_OBJS): $(O)/bpf/%.bpf.o: $(O)/bpf/%.tmp.o
	$(call msg,GENOBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,GENSKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# The probe's objects include the skeletons.
$(cws-probe_OBJS): $(BPF_SKELS)

# Tests.
# probe_cbpf_test runs the classifier: it includes the skeleton.
$(O)/tests/unit/probe_cbpf_test: $(O)/bpf/cws.skel.h
$(O)/tests/unit/%_test: tests/unit/%_test.c $(LIBCWS)
	$(call msg,TEST,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $< $(LIBCWS) $(ALL_LDFLAGS) $(TEST_LIBS) -o $@

$(O)/tests/helpers/%: tests/helpers/%.c $(LIBCWS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(LIBCWS) $(ALL_LDFLAGS) $(TEST_LIBS) -o $@

$(O)/tests/soak/%: tests/soak/%.c $(LIBCWS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(LIBCWS) $(ALL_LDFLAGS) -o $@

$(O)/tests/helpers/%.py: tests/helpers/%.py
	$(call msg,INSTALL,$@)
	@mkdir -p $(dir $@)
	$(Q)install -m 755 $< $@

# Fuzz targets: libFuzzer, built with clang. The library is compiled once
# more with the same instrumentation into its own archive, so that
# coverage reaches it; a target that tests a tool's module includes that
# module's .c (its dependencies are tracked through -MMD). -O2, not the
# -O1 of libFuzzer's examples: the slow targets (stream, filter) run
# 15 to 20 % more inputs a second, and the sanitizers' checks are the same.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=gnu11 $(WARNINGS) -Wno-missing-prototypes -g -O2 \
	-Ilib $(PKG_CFLAGS) -DCWS_VERSION='"$(VERSION)"' \
	-DCWS_SYSCONFDIR='"$(SYSCONFDIR)"' -MMD -MP
FUZZ_LIB_OBJS := $(patsubst %.c,$(O)/fuzz/%.o,$(LIB_SRCS))
FUZZ_LIBCWS := $(O)/fuzz/libcws.a
$(FUZZ_LIB_OBJS): $(O)/fuzz/%.o: %.c
	$(call msg,FUZZCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@
$(FUZZ_LIBCWS): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
# The tools' libraries that targets of their modules need.
$(O)/tests/fuzz/ship_http_fuzz $(O)/tests/fuzz/ship_tcp_fuzz: \
	FUZZ_LIBS := $(call libs,libcurl zlib libzstd) -lpthread
$(O)/tests/fuzz/sysev_fuzz: FUZZ_LIBS := $(call libs,libpcap libcrypto)
$(O)/tests/fuzz/%_fuzz: tests/fuzz/%_fuzz.c $(FUZZ_LIBCWS)
	$(call msg,FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< \
		$(FUZZ_LIBCWS) $(FUZZ_LIBS) $(TEST_LIBS) -o $@

BENCH_SRCS := $(wildcard bench/*_bench.c)
BENCH_BINS := $(patsubst %.c,$(O)/%,$(BENCH_SRCS))
$(O)/bench/%_bench: bench/%_bench.c $(LIBCWS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(LIBCWS) $(ALL_LDFLAGS) $(TEST_LIBS) -o $@

# BPF objects of the benchmarks (bench/floor.bpf.c: the floors that
# bench/probe.sh measures cws-probe against), built as bpf/*.bpf.c are;
# bench/<name>_bench.c includes $(O)/bench/<name>.skel.h.
BENCH_BPF_SRCS := $(wildcard bench/*.bpf.c)
BENCH_BPF_TMPS := $(patsubst bench/%.bpf.c,$(O)/bench/%.tmp.o,$(BENCH_BPF_SRCS))
BENCH_BPF_OBJS := $(patsubst bench/%.bpf.c,$(O)/bench/%.bpf.o,$(BENCH_BPF_SRCS))
$(BENCH_BPF_TMPS): $(O)/bench/%.tmp.o: bench/%.bpf.c $(O)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O2 -Wall -Werror=undef -target bpf -D__TARGET_ARCH_$(ARCH) \
		-I$(O)/bpf $(shell $(PKG_CONFIG) --cflags libbpf) -c $< -o $@

$(BENCH_BPF_OBJS): $(O)/bench/%.bpf.o: $(O)/bench/%.tmp.o
	$(call msg,GENOBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(O)/bench/%.skel.h: $(O)/bench/%.bpf.o
	$(call msg,GENSKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(O)/bench/floor_bench: $(O)/bench/floor.skel.h

# Benchmarks print ratios measured side by side in one run.
bench: all $(BENCH_BINS)
	$(Q)O=$(O) bench/run.sh

unit: $(UNIT_BINS)
fuzz-build: $(FUZZ_BINS)

# Fuzzing campaigns: tests/fuzz/run.sh prints executions and coverage.
FUZZ_TIME ?=
FUZZ_RUNS ?=
FUZZ_TARGETS ?=
FUZZ_NICE ?= 19
FUZZ_ARGS ?=
FUZZ_JOBS ?= 1
fuzz fuzz-run: fuzz-build
	$(Q)O=$(O) FUZZ_TIME=$(FUZZ_TIME) FUZZ_RUNS=$(FUZZ_RUNS) \
		FUZZ_NICE=$(FUZZ_NICE) FUZZ_ARGS="$(FUZZ_ARGS)" FUZZ_JOBS=$(FUZZ_JOBS) \
		tests/fuzz/run.sh $(FUZZ_TARGETS)
helpers: $(HELPER_BINS) $(HELPER_SCRIPTS)

# make check: everything, then one summary line. tests/run.sh does the
# counting so that the sanitizer tree and the plain tree report together.
# The README's command is a plain `make check`: both trees are built with
# a job per CPU unless -j was given (then its jobs are shared).
CHECK_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 1))

check test:
	$(Q)$(MAKE) --no-print-directory $(CHECK_JOBS) O=$(O) all unit fuzz-build helpers \
		$(BENCH_BINS)
	$(Q)$(MAKE) --no-print-directory $(CHECK_JOBS) O=$(O)/asan \
		SANITIZE=address,undefined unit
	$(Q)O=$(O) tests/run.sh

# The e2e suite against instrumented tools: tests/sanitize.sh says how
# each is run and what counts as a failure. Both build what they test;
# neither is part of check (the valgrind run takes the better part of an
# hour).
check-asan:
	$(Q)$(MAKE) --no-print-directory $(CHECK_JOBS) O=$(O)/asan \
		SANITIZE=address,undefined all helpers
	$(Q)O=$(O)/asan tests/sanitize.sh asan

check-valgrind:
	$(Q)$(MAKE) --no-print-directory $(CHECK_JOBS) O=$(O) all helpers
	$(Q)O=$(O) tests/sanitize.sh valgrind

# The soak: cws run for SOAK_MINUTES under a workload, intake outages,
# SIGKILLs and reloads; a verdict per check, non-zero if one fails. Long
# (30 minutes by default) and needs root: never part of check.
soak: all helpers $(SOAK_BINS)
	$(Q)O=$(O) tests/soak/soak.sh

# The built-in default pipeline: live events as JSON lines, Ctrl-C stops.
run: all
	@[ "$$(id -u)" = 0 ] || { echo "make run: cws-probe needs root" >&2; exit 1; }
	@$(O)/cws-probe -e exec | $(O)/cws-cat

# The Debian package, $(O)/deb/cws_$(VERSION)_amd64.deb: dpkg-buildpackage
# over a copy of the tree (what git tracks, and what it does not ignore),
# so that nothing lands beside the source. debian/changelog names the
# version the package has, which must be VERSION's.
deb:
	$(Q)v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog says $$v, VERSION $(VERSION)" >&2; exit 1; }
	$(Q)rm -rf $(O)/deb && mkdir -p $(O)/deb/cws-$(VERSION)
	$(Q)git ls-files -co --exclude-standard -z | \
		xargs -0 cp -a --parents -t $(O)/deb/cws-$(VERSION)
	@# Not our O= and V=: debian/rules is a makefile of its own.
	$(Q)cd $(O)/deb/cws-$(VERSION) && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		dpkg-buildpackage -us -uc -b $(if $(V),,>../build.log 2>&1) || \
		{ tail -n 30 ../build.log >&2; exit 1; }
	@echo "  DEB      $(O)/deb/cws_$(VERSION)_amd64.deb"

# Every header must compile on its own.
headers-check:
	$(Q)for h in lib/*.h; do \
		echo "#include \"$$h\"" | $(CC) $(ALL_CFLAGS) -MF /dev/null -x c -fsyntax-only - || exit 1; \
	done

lint:
	$(Q)tests/lint.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	$(foreach t,$(SBIN_TOOLS),install -m 0755 $(O)/$(t) $(DESTDIR)$(SBINDIR)/$(t);)
	$(foreach t,$(BIN_TOOLS),install -m 0755 $(O)/$(t) $(DESTDIR)$(BINDIR)/$(t);)
	for m in man/*.[1-8]; do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		contrib/systemd/cws.service.in >$(DESTDIR)$(UNITDIR)/cws.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cws.service
	install -d $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 contrib/systemd/cws.sysusers $(DESTDIR)$(SYSUSERSDIR)/cws.conf
	@# The user cws-filter and cws-ship become (cws_user), on this host.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && ! getent passwd cws >/dev/null; then \
		echo "creating the system user cws"; \
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --user-group cws; \
	fi

uninstall:
	$(foreach t,$(SBIN_TOOLS),rm -f $(DESTDIR)$(SBINDIR)/$(t);)
	$(foreach t,$(BIN_TOOLS),rm -f $(DESTDIR)$(BINDIR)/$(t);)
	for m in man/*.[1-8]; do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; \
	done
	rm -f $(DESTDIR)$(UNITDIR)/cws.service
	rm -f $(DESTDIR)$(SYSUSERSDIR)/cws.conf

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' -type f 2>/dev/null)
