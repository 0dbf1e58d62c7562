# linkname: linknamed, linknamectl and libnss_linkname.so.2.
# `make` builds into build/; `make check` and `make demo` first install what
# a fresh Debian 12 lacks (as root), then build and run.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
DESTDIR    ?=
# The NSS module goes into the multiarch libdir under PREFIX. glibc loads
# it by soname through ld.so.cache (setuid programs too), and Debian's
# /etc/ld.so.conf.d/$(MULTIARCH).conf lists /usr/local/lib/$(MULTIARCH), so
# it is found there once ldconfig has run; with PREFIX=/usr it goes where
# Debian's own NSS modules are. /etc stays /etc whatever PREFIX is.
MULTIARCH  ?= $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR     ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
NSSDIR     ?= $(LIBDIR)
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# Where Wireshark looks for Lua plugins (of any Wireshark version) when
# PREFIX=/usr, as the Debian package installs it.
WIRESHARK_PLUGINDIR ?= $(LIBDIR)/wireshark/plugins

BUILD      := build
CC         ?= cc
PKG_CONFIG ?= pkg-config

CFLAGS     ?= -O2 -g
# Hardening: -Wformat=2 includes -Wformat-security; _FORTIFY_SOURCE=3 (gcc 12,
# glibc 2.34+) checks more sizes at run time than 2 and needs -O. A level
# the caller already chose (dpkg-buildflags passes -D_FORTIFY_SOURCE=2) is
# kept: defining it twice is an error under -Werror.
FORTIFY    := $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=3)
CFLAGS     += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Werror \
	      -fstack-protector-strong -fstack-clash-protection -fno-strict-aliasing
CPPFLAGS   += -iquote include -D_GNU_SOURCE $(FORTIFY) -DLINKNAME_VERSION=\"$(VERSION)\"
LDFLAGS    += -Wl,-z,relro,-z,now

NL_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libnl-route-3.0 2>/dev/null)
NL_LIBS    := $(shell $(PKG_CONFIG) --libs libnl-route-3.0 2>/dev/null)
SD_LIBS    := $(shell $(PKG_CONFIG) --libs libsodium 2>/dev/null || echo -lsodium)
CMOCKA_LIBS:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# linknamectl's JSON (monitor, doctor) and reading `nft -j` (doctor).
JSON_CFLAGS:= $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JSON_LIBS  := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)

# Debian packages needed to build and to run the tests and the demo.
DEB_PKGS   := gcc make pkg-config libnl-3-dev libnl-route-3-dev libcmocka-dev \
	      libsodium-dev iproute2 valgrind \
	      systemd mandoc
# linknamectl's JSON; nft for test_doctor.sh's rules (in lab namespaces only); python3
# for the monitor and doctor tests (JSON per line, a subscriber that never reads).
DEB_PKGS   += libjansson-dev nftables python3

ENGINE_SRC := engine.c engine_link.c engine_rx.c engine_answer.c auth.c table.c table_store.c sched.c ratelimit.c \
	      wire.c name.c query.c
DAEMON_SRC := linknamed.c options.c reload.c privdrop.c activation.c sdnotify.c publish.c answer.c \
	      eventlog.c config.c snap.c snapfile.c iface.c socket.c server.c loop.c log.c $(ENGINE_SRC)
DAEMON_SRC += monitor.c
DAEMON_SRC += keyfile.c hostwatch.c
CTL_SRC    := linknamectl.c client.c query.c wire.c name.c nssconf.c nssconf_cli.c
CTL_SRC    += ctl_monitor.c ctl_doctor.c doctor.c doctor_fw.c doctor_nft.c doctor_ipt.c config.c
NSS_SRC    := nss.c nss_conv.c nss_snap.c snap.c name.c
UNIT_TESTS := test_wire test_name test_table test_sched test_query test_nss_conv test_config \
	      test_ratelimit test_auth test_nssconf test_snap test_engine test_server test_sdnotify \
	      test_snapfile
# SUBSCRIBE and its event records; the subscriber bound is in test_server.
UNIT_TESTS += test_query_event test_doctor
# The key file kept across the privilege drop (needs root: make check is).
UNIT_TESTS += test_keyfile

DAEMON_OBJ := $(addprefix $(BUILD)/obj/,$(DAEMON_SRC:.c=.o))
CTL_OBJ    := $(addprefix $(BUILD)/obj/,$(CTL_SRC:.c=.o))
NSS_OBJ    := $(addprefix $(BUILD)/pic/,$(NSS_SRC:.c=.o))
UNIT_BIN   := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
TOOLS      := $(BUILD)/tests/gai $(BUILD)/tests/hangd $(BUILD)/tests/gaitime \
	      $(BUILD)/tests/forge $(BUILD)/tests/qabuse $(BUILD)/tests/notifysink \
	      $(BUILD)/tests/nsslife

# Each unit test links its own test file plus the pure modules it tests.
UNIT_LIB   := $(addprefix $(BUILD)/obj/,wire.o name.o table.o table_store.o sched.o query.o config.o ratelimit.o snap.o)
# The protocol engine and what it is made of (auth needs libsodium).
ENGINE_OBJ := $(addprefix $(BUILD)/obj/,$(patsubst %.c,%.o,$(filter-out wire.c name.c table.c table_store.c sched.c query.c ratelimit.c,$(ENGINE_SRC))))

.PHONY: all clean deps deps-fuzz check check-unit check-netns check-asan fuzz demo install uninstall \
	deps-bench bench deps-compare compare deps-deb deb deps-dissector

all: $(BUILD)/linknamed $(BUILD)/linknamectl $(BUILD)/libnss_linkname.so.2

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(NL_CFLAGS) $(JSON_CFLAGS) $(CFLAGS) -fPIE -MMD -MP -c $< -o $@

# The NSS module is loaded into every program: position-independent, and
# only the _nss_linkname_* entry points are exported (src/nss.map). Each
# fresh program pays for loading it (make bench, "first lookup"), so it is
# kept small: unused code collected (--gc-sections), no start files (no
# constructors or destructors: it needs none), one segment for code and
# read-only data instead of three (-z noseparate-code: 4 us a load). It
# keeps full RELRO and -z now (its few imports resolved once, its GOT
# read-only), the stack protector and _FORTIFY_SOURCE; -z defs proves it
# needs nothing but libc.
$(BUILD)/pic/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -ffunction-sections -fdata-sections \
		-MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -fPIE -MMD -MP -c $< -o $@

$(BUILD)/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIE -MMD -MP -c $< -o $@

$(BUILD)/linknamed: $(DAEMON_OBJ)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(NL_LIBS) $(SD_LIBS) -o $@

$(BUILD)/linknamectl: $(CTL_OBJ)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(JSON_LIBS) -o $@

NSS_LDFLAGS := -shared -nostartfiles $(LDFLAGS) -Wl,--gc-sections -Wl,-z,defs,-z,noseparate-code
$(BUILD)/libnss_linkname.so.2: $(NSS_OBJ) src/nss.map
	$(CC) $(CFLAGS) $(NSS_LDFLAGS) -Wl,-soname,libnss_linkname.so.2 \
		-Wl,--version-script=src/nss.map $(NSS_OBJ) -o $@

$(BUILD)/tests/test_nss_conv: $(BUILD)/tests/test_nss_conv.o $(BUILD)/obj/nss_conv.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -o $@

# Both sides of the snapshot file: the daemon's and the NSS module's.
SNAPFILE_OBJ := snapfile.o nss_snap.o nss_conv.o
$(BUILD)/tests/test_snapfile: $(BUILD)/tests/test_snapfile.o $(addprefix $(BUILD)/obj/,$(SNAPFILE_OBJ)) \
		$(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -pthread -o $@

$(BUILD)/tests/test_auth: $(BUILD)/tests/test_auth.o $(BUILD)/obj/auth.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/tests/test_keyfile: $(BUILD)/tests/test_keyfile.o $(BUILD)/obj/keyfile.o $(BUILD)/obj/auth.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/tests/test_engine: $(BUILD)/tests/test_engine.o $(ENGINE_OBJ) $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

# The test vectors (tests/vectors/README) through the engine, and the hex
# dumps of PROTOCOL.md section 10 against them.
VECTORS_CPPFLAGS := -DVECTORS_DIR=\"$(CURDIR)/tests/vectors\" -DPROTOCOL_MD=\"$(CURDIR)/docs/PROTOCOL.md\"
$(BUILD)/tests/test_vectors.o $(BUILD)/asan/tests/test_vectors.o: CPPFLAGS += $(VECTORS_CPPFLAGS)
$(BUILD)/tests/test_vectors: $(BUILD)/tests/test_vectors.o $(ENGINE_OBJ) $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -o $@

# The query server on a real epoll and real sockets, with its edges.
SERVER_OBJ := server.o loop.o log.o
$(BUILD)/tests/test_server: $(BUILD)/tests/test_server.o $(addprefix $(BUILD)/obj/,$(SERVER_OBJ)) $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -o $@

# Readiness notification and socket activation without libsystemd.
$(BUILD)/tests/test_sdnotify: $(BUILD)/tests/test_sdnotify.o $(BUILD)/obj/sdnotify.o
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -o $@

# The nsswitch.conf editor and "linknamectl nss", on the tests/nsswitch files.
NSSCONF_OBJ := nssconf.o nssconf_cli.o
$(BUILD)/tests/test_nssconf.o $(BUILD)/asan/tests/test_nssconf.o: \
	CPPFLAGS += -DNSSCONF_FIXTURES=\"$(CURDIR)/tests/nsswitch\"
$(BUILD)/tests/test_nssconf: $(BUILD)/tests/test_nssconf.o $(addprefix $(BUILD)/obj/,$(NSSCONF_OBJ))
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -o $@
$(BUILD)/asan/tests/test_nssconf: $(BUILD)/asan/tests/test_nssconf.o \
		$(addprefix $(BUILD)/asan/obj/,$(NSSCONF_OBJ))
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) -o $@

# linknamectl doctor's checks, on the rulesets of tests/doctor.
DOCTOR_OBJ := doctor.o doctor_fw.o doctor_nft.o doctor_ipt.o nssconf.o
$(BUILD)/tests/test_doctor.o $(BUILD)/asan/tests/test_doctor.o: \
	CPPFLAGS += -DDOCTOR_FIXTURES=\"$(CURDIR)/tests/doctor\"
$(BUILD)/tests/test_doctor: $(BUILD)/tests/test_doctor.o $(addprefix $(BUILD)/obj/,$(DOCTOR_OBJ)) \
		$(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) $(JSON_LIBS) -o $@

# Small test programs used by the namespace tests.
$(BUILD)/tests/gai: $(BUILD)/tools/gai.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -o $@

$(BUILD)/tests/hangd: $(BUILD)/tools/hangd.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -o $@

# The attacker (crafted datagrams, floods, replays) and the query-socket
# abuser of the issue-5 namespace tests.
$(BUILD)/tests/forge: $(BUILD)/tools/forge.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -lsodium -o $@

$(BUILD)/tests/qabuse: $(BUILD)/tools/qabuse.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -ldl -o $@

# The service manager's end of $NOTIFY_SOCKET, for test_activation.sh.
$(BUILD)/tests/notifysink: $(BUILD)/tools/notifysink.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -o $@

# Long-lived, multithreaded resolvers for the NSS module's fault tests.
$(BUILD)/tests/nsslife: $(BUILD)/tools/nsslife.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -pthread -o $@

# getaddrinfo timing for the comparison lab (netns-scripts/compare.sh).
$(BUILD)/tests/gaitime: $(BUILD)/tools/gaitime.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -pthread -o $@

# Install what a fresh Debian 12 lacks. Needs root (apt-get).
deps:
	@missing=""; \
	for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "deps: missing:$$missing (run as root, or install them)" >&2; exit 1; fi; \
		echo "deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Sanitizers and fuzzing (tests/fuzz/). build/asan: the unit tests and a
# replay of every fuzz seed and saved crasher, with gcc's ASan+UBSan (make
# check). build/fuzz: libFuzzer targets, clang only (make fuzz; a short run in
# make check under CI=true). Debian's clang-14 needs compiler-rt for
# -fsanitize=fuzzer, and it is only a Recommends of clang.
FUZZ_PKGS    := clang libclang-rt-14-dev
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := wire query config engine
FUZZ_SRC_wire   := wire.c name.c auth.c
FUZZ_SRC_query  := query.c wire.c name.c nss_conv.c
FUZZ_SRC_config := config.c name.c auth.c
FUZZ_SRC_engine := $(ENGINE_SRC)
FUZZ_LIBS    := $(shell $(PKG_CONFIG) --libs libsodium 2>/dev/null || echo -lsodium)
SAN_FLAGS    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# _FORTIFY_SOURCE's __*_chk wrappers would hide accesses from ASan.
SAN_CPPFLAGS  = $(CPPFLAGS) -U_FORTIFY_SOURCE
# gcc's -Werror build already gates warnings; clang's differ, so not fatal.
FUZZ_CFLAGS   = $(filter-out -Werror,$(CFLAGS)) -O1 $(SAN_FLAGS)
ASAN_LIB      = $(patsubst $(BUILD)/obj/%,$(BUILD)/asan/obj/%,$(UNIT_LIB)) $(BUILD)/asan/obj/nss_conv.o
ASAN_BIN     := $(addprefix $(BUILD)/asan/tests/,$(UNIT_TESTS) $(addprefix replay_,$(FUZZ_TARGETS)))
FUZZ_BIN     := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
CI_FUZZ      := $(filter true,$(CI))

$(BUILD)/asan/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -Isrc -MMD -MP -c $< -o $@

$(BUILD)/asan/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

# A unit test with its own link rule above needs its twin here.
$(BUILD)/asan/tests/test_%: $(BUILD)/asan/tests/test_%.o $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) -o $@

$(BUILD)/asan/tests/test_auth: $(BUILD)/asan/tests/test_auth.o $(BUILD)/asan/obj/auth.o $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/asan/tests/test_keyfile: $(BUILD)/asan/tests/test_keyfile.o $(BUILD)/asan/obj/keyfile.o \
		$(BUILD)/asan/obj/auth.o $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/asan/tests/test_engine: $(BUILD)/asan/tests/test_engine.o \
		$(patsubst $(BUILD)/obj/%,$(BUILD)/asan/obj/%,$(ENGINE_OBJ)) $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/asan/tests/test_vectors: $(BUILD)/asan/tests/test_vectors.o \
		$(patsubst $(BUILD)/obj/%,$(BUILD)/asan/obj/%,$(ENGINE_OBJ)) $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/asan/tests/test_server: $(BUILD)/asan/tests/test_server.o \
		$(addprefix $(BUILD)/asan/obj/,$(SERVER_OBJ)) $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) -o $@

$(BUILD)/asan/tests/test_sdnotify: $(BUILD)/asan/tests/test_sdnotify.o $(BUILD)/asan/obj/sdnotify.o
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) -o $@

$(BUILD)/asan/tests/test_snapfile: $(BUILD)/asan/tests/test_snapfile.o \
		$(addprefix $(BUILD)/asan/obj/,snapfile.o nss_snap.o) $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) -pthread -o $@

$(BUILD)/asan/tests/test_doctor: $(BUILD)/asan/tests/test_doctor.o \
		$(addprefix $(BUILD)/asan/obj/,$(DOCTOR_OBJ)) $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(CMOCKA_LIBS) $(JSON_LIBS) -o $@

# Keep the objects: make would delete them as intermediates and rebuild.
.SECONDARY: $(ASAN_LIB) $(patsubst %,$(BUILD)/asan/tests/%.o,$(UNIT_TESTS))

$(BUILD)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(SAN_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/tgt/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(SAN_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

# Per target: the libFuzzer binary, and its replay under gcc's sanitizers.
define FUZZ_RULES
$(BUILD)/fuzz/fuzz_$(1): $(BUILD)/fuzz/tgt/fuzz_$(1).o $(addprefix $(BUILD)/fuzz/obj/,$(FUZZ_SRC_$(1):.c=.o))
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer $$^ $$(FUZZ_LIBS) -o $$@
$(BUILD)/asan/tests/replay_$(1): $(BUILD)/asan/fuzz/replay.o $(BUILD)/asan/fuzz/fuzz_$(1).o $(addprefix $(BUILD)/asan/obj/,$(FUZZ_SRC_$(1):.c=.o))
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(SAN_FLAGS) $$^ $$(FUZZ_LIBS) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULES,$(t))))

# After deps: the targets use its libraries, and apt-get runs one at a time.
deps-fuzz: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(FUZZ_PKGS)"

# make fuzz [FUZZ_SECONDS=60]: each target for that long; fails on a crash.
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/check.sh fuzz

check-asan: $(ASAN_BIN)
	@tests/check.sh asan

# Re-run make after deps so pkg-config flags are read with the libraries present.
check: deps deps-deb deps-dissector $(if $(CI_FUZZ),deps-fuzz)
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(TOOLS) $(ASAN_BIN) $(if $(CI_FUZZ),$(FUZZ_BIN))
	@tests/check.sh

check-unit: all $(UNIT_BIN)
	@tests/check.sh unit

check-netns: all $(TOOLS)
	@tests/check.sh netns

demo: deps
	@$(MAKE) --no-print-directory all
	@netns-scripts/demo.sh

# make bench: the benchmarks of tests/bench/bench.sh, as root; prints a
# table and writes build/bench/results.{tsv,md}. The programs link the pure
# modules as the unit tests do; lookup uses no project header.
BENCH_PKGS := tcpdump iproute2 procps util-linux
BENCH_PROGS := $(addprefix $(BUILD)/bench/,packet table simlink)
BENCH_BIN  := $(BENCH_PROGS) $(BUILD)/bench/lookup $(BUILD)/libnss_lnfloor.so.2 $(BUILD)/bench/rssfloor

$(BUILD)/bench/obj/%.o: tests/bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -iquote tests/bench $(CFLAGS) -fPIE -MMD -MP -c $< -o $@

$(filter-out %/packet,$(BENCH_PROGS)): $(BUILD)/bench/%: $(BUILD)/bench/obj/%.o $(BUILD)/bench/obj/stats.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -o $@

# The receive path is the engine's: it links what the daemon links.
$(BUILD)/bench/packet: $(BUILD)/bench/obj/packet.o $(BUILD)/bench/obj/stats.o $(ENGINE_OBJ) $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(SD_LIBS) -o $@

$(BUILD)/bench/lookup: $(BUILD)/bench/obj/lookup.o $(BUILD)/bench/obj/stats.o
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -pthread -ldl -o $@

# The floor under the idle daemon's RSS: linknamed's libraries, linked as
# it links them, doing nothing but libnl's cache manager.
$(BUILD)/bench/rssfloor: $(BUILD)/bench/obj/rssfloor.o
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(NL_LIBS) $(SD_LIBS) -o $@

$(BUILD)/bench/obj/rssfloor.o: tests/bench/rssfloor.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(NL_CFLAGS) $(CFLAGS) -fPIE -MMD -MP -c $< -o $@

# The floor under the first-lookup figure: an NSS module that does nothing,
# built as the real one is (in build/, where the lab finds the real one).
$(BUILD)/libnss_lnfloor.so.2: tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden $(NSS_LDFLAGS) \
		-Wl,-soname,libnss_lnfloor.so.2 $< -o $@

deps-bench: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(BENCH_PKGS)"

bench: deps-bench
	@$(MAKE) --no-print-directory all $(BENCH_BIN) $(BUILD)/tests/forge
	@tests/bench/bench.sh

# make compare: linkname, mDNS and LLMNR side by side in network namespaces
# (netns-scripts/compare.sh, as root, about 13 minutes). The peers are
# unpacked from Debian's packages into build/peers, never installed.
COMPARE_PKGS := tcpdump gnuplot-nox

deps-compare: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(COMPARE_PKGS)"

compare: deps-compare
	@$(MAKE) --no-print-directory all $(BUILD)/tests/gai $(BUILD)/tests/gaitime
	@netns-scripts/compare.sh

# make deb: the Debian packages linkname and libnss-linkname, with
# dpkg-buildpackage from debian/ (debhelper compat 13), into build/deb/ with
# their .changes and .buildinfo; then lintian --pedantic, which must report
# no error and no warning. The build runs in a scratch copy of the tree
# (without build/ and .git), whose parent is a temporary directory, so
# neither the tree nor what is beside it is written; rebuilt only when a
# source changed.
DEB_TOOLS  := debhelper dh-nss dpkg-dev lintian pkgconf libcmocka-dev
DEB_DIR    := $(BUILD)/deb
DEB_ARCH   := $(shell dpkg --print-architecture 2>/dev/null)
DEB_CHANGES := $(DEB_DIR)/linkname_$(VERSION)_$(DEB_ARCH).changes
# The directories too: adding, removing or renaming a file changes theirs.
DEB_INPUTS := Makefile README.md src include dist docs docs/man debian debian/source \
	      $(wildcard src/* include/* dist/* docs/*.md docs/man/* debian/* debian/source/*)

deps-deb: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_TOOLS)"

deb: deps-deb
	@$(MAKE) --no-print-directory $(DEB_CHANGES)

$(DEB_CHANGES): $(DEB_INPUTS)
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog is at $$v but the Makefile's VERSION is $(VERSION)" >&2; exit 1; }
	@mkdir -p $(DEB_DIR) && rm -f $(DEB_DIR)/*.deb $(DEB_DIR)/*.changes $(DEB_DIR)/*.buildinfo
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && src=$$tmp/linkname-$(VERSION) && \
	mkdir "$$src" && tar -cf - --exclude=./build --exclude=./.git . | tar -C "$$src" -xf - && \
	echo "deb: dpkg-buildpackage -us -uc -b (log: $(DEB_DIR)/build.log)" && \
	if ! (cd "$$src" && dpkg-buildpackage -us -uc -b --jobs-try=$$(nproc)) >$(DEB_DIR)/build.log 2>&1; then \
		tail -n 40 $(DEB_DIR)/build.log >&2; echo "deb: dpkg-buildpackage failed" >&2; exit 1; \
	fi && mv "$$tmp"/*.deb "$$tmp"/*.changes "$$tmp"/*.buildinfo $(DEB_DIR)/
	@echo "deb: lintian --pedantic $(DEB_CHANGES)"
	@lintian --pedantic --fail-on error,warning $(DEB_CHANGES) >$(DEB_DIR)/lintian.txt 2>&1; rc=$$?; \
		cat $(DEB_DIR)/lintian.txt; \
		if [ $$rc -ne 0 ]; then rm -f $(DEB_CHANGES); echo "deb: lintian is not clean" >&2; exit 1; fi
	@ls -1 $(DEB_DIR)/*.deb

# The Wireshark dissector's test (tests/netns/test_dissector.sh) needs tshark,
# text2pcap and dumpcap. wireshark-common asks whether non-root users may
# capture: answered no beforehand, so the install never waits for a reply.
DISSECTOR_PKGS := tshark

deps-dissector: deps
	@if [ "$$(id -u)" -eq 0 ] && ! dpkg-query -W -f='$${Status}' tshark 2>/dev/null | grep -q 'ok installed'; then \
		echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections; \
	fi
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DISSECTOR_PKGS)"

# make install [PREFIX=/usr/local] [DESTDIR=]: programs, NSS module, systemd
# units, man pages, and /etc/linkname.conf unless one exists. Without
# DESTDIR it also runs ldconfig. make uninstall removes the same files (the
# config only if unchanged); without DESTDIR it first stops and disables
# the units and takes linkname out of /etc/nsswitch.conf, as removing
# Debian's libnss-mdns does. Directories are left in place.
MAN_PAGES  := man1/linknamectl.1 man5/linkname.conf.5 man8/linknamed.8 man8/nss-linkname.8
INSTALLED   = $(SBINDIR)/linknamed $(BINDIR)/linknamectl $(NSSDIR)/libnss_linkname.so.2 \
	      $(SYSTEMDUNITDIR)/linknamed.service $(SYSTEMDUNITDIR)/linknamed.socket \
	      $(WIRESHARK_PLUGINDIR)/linkname.lua $(addprefix $(MANDIR)/,$(MAN_PAGES))
CONF_ARG    = $(if $(filter /etc,$(SYSCONFDIR)),, --config $(SYSCONFDIR)/linkname.conf)

install: all
	install -d $(addprefix $(DESTDIR),$(SBINDIR) $(BINDIR) $(NSSDIR) $(SYSTEMDUNITDIR) \
		$(SYSCONFDIR) $(MANDIR)/man1 $(MANDIR)/man5 $(MANDIR)/man8 $(WIRESHARK_PLUGINDIR))
	install -m 0755 $(BUILD)/linknamed $(DESTDIR)$(SBINDIR)/linknamed
	install -m 0755 $(BUILD)/linknamectl $(DESTDIR)$(BINDIR)/linknamectl
	install -m 0644 $(BUILD)/libnss_linkname.so.2 $(DESTDIR)$(NSSDIR)/libnss_linkname.so.2
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONF_ARG@|$(CONF_ARG)|g' \
		dist/linknamed.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/linknamed.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/linknamed.service
	install -m 0644 dist/linknamed.socket $(DESTDIR)$(SYSTEMDUNITDIR)/linknamed.socket
	for m in $(MAN_PAGES); do install -m 0644 docs/man/$${m#*/} $(DESTDIR)$(MANDIR)/$$m || exit 1; done
	install -m 0644 dist/linkname.lua $(DESTDIR)$(WIRESHARK_PLUGINDIR)/linkname.lua
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/linkname.conf ]; then \
		echo "install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/linkname.conf"; \
	else \
		echo "install -m 0644 dist/linkname.conf $(DESTDIR)$(SYSCONFDIR)/linkname.conf"; \
		install -m 0644 dist/linkname.conf $(DESTDIR)$(SYSCONFDIR)/linkname.conf; \
	fi
	@if [ -z "$(DESTDIR)" ]; then echo ldconfig; ldconfig; \
		echo "next: linknamectl nss enable && systemctl enable --now linknamed" \
		"(after an upgrade: systemctl daemon-reload && systemctl restart linknamed)"; fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && \
	    { systemctl -q is-enabled linknamed.service linknamed.socket 2>/dev/null || \
	      systemctl -q is-active linknamed.service linknamed.socket 2>/dev/null; }; then \
		echo "systemctl disable --now linknamed.socket linknamed.service"; \
		systemctl disable --now linknamed.socket linknamed.service || exit 1; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -x $(BINDIR)/linknamectl ] && \
	    $(BINDIR)/linknamectl nss status >/dev/null 2>&1; then \
		echo "$(BINDIR)/linknamectl nss disable"; $(BINDIR)/linknamectl nss disable || exit 1; \
	fi
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@if cmp -s dist/linkname.conf $(DESTDIR)$(SYSCONFDIR)/linkname.conf; then \
		echo "rm -f $(DESTDIR)$(SYSCONFDIR)/linkname.conf"; rm -f $(DESTDIR)$(SYSCONFDIR)/linkname.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/linkname.conf ]; then \
		echo "uninstall: keeping $(DESTDIR)$(SYSCONFDIR)/linkname.conf: it differs from the shipped one"; \
	fi
	@if [ -z "$(DESTDIR)" ]; then echo ldconfig; ldconfig; fi

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
