# linkname: linknamed, linknamectl and libnss_linkname.so.2.
# `make` builds into build/; `make check` and `make demo` first install what
# a fresh Debian 12 lacks (as root), then build and run.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
DESTDIR    ?=

BUILD      := build
CC         ?= cc
PKG_CONFIG ?= pkg-config

CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Werror \
	      -fstack-protector-strong -fno-strict-aliasing
CPPFLAGS   += -iquote include -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -DLINKNAME_VERSION=\"$(VERSION)\"
LDFLAGS    += -Wl,-z,relro,-z,now

NL_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libnl-route-3.0 2>/dev/null)
NL_LIBS    := $(shell $(PKG_CONFIG) --libs libnl-route-3.0 2>/dev/null)
SD_LIBS    := $(shell $(PKG_CONFIG) --libs libsystemd libsodium 2>/dev/null || echo -lsystemd -lsodium)
CMOCKA_LIBS:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

# Debian packages needed to build and to run the tests and the demo.
DEB_PKGS   := gcc make pkg-config libnl-3-dev libnl-route-3-dev libcmocka-dev \
	      libsystemd-dev libsodium-dev iproute2 valgrind

DAEMON_SRC := linknamed.c config.c ratelimit.c auth.c iface.c socket.c server.c loop.c log.c wire.c name.c table.c sched.c query.c
CTL_SRC    := linknamectl.c client.c query.c wire.c name.c
NSS_SRC    := nss.c nss_conv.c client.c query.c wire.c name.c
UNIT_TESTS := test_wire test_name test_table test_sched test_query test_nss_conv test_config \
	      test_ratelimit test_auth

DAEMON_OBJ := $(addprefix $(BUILD)/obj/,$(DAEMON_SRC:.c=.o))
CTL_OBJ    := $(addprefix $(BUILD)/obj/,$(CTL_SRC:.c=.o))
NSS_OBJ    := $(addprefix $(BUILD)/pic/,$(NSS_SRC:.c=.o))
UNIT_BIN   := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
TOOLS      := $(BUILD)/tests/gai $(BUILD)/tests/hangd

# Each unit test links its own test file plus the pure modules it tests.
UNIT_LIB   := $(addprefix $(BUILD)/obj/,wire.o name.o table.o sched.o query.o config.o ratelimit.o)

.PHONY: all clean deps check check-unit check-netns demo install uninstall

all: $(BUILD)/linknamed $(BUILD)/linknamectl $(BUILD)/libnss_linkname.so.2

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(NL_CFLAGS) $(CFLAGS) -fPIE -MMD -MP -c $< -o $@

# The NSS module is loaded into every program: position-independent, and
# only the _nss_linkname_* entry points are exported (src/nss.map).
$(BUILD)/pic/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -fPIE -MMD -MP -c $< -o $@

$(BUILD)/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIE -MMD -MP -c $< -o $@

$(BUILD)/linknamed: $(DAEMON_OBJ)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(NL_LIBS) $(SD_LIBS) -o $@

$(BUILD)/linknamectl: $(CTL_OBJ)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -o $@

$(BUILD)/libnss_linkname.so.2: $(NSS_OBJ) src/nss.map
	$(CC) $(CFLAGS) -shared $(LDFLAGS) -Wl,-soname,libnss_linkname.so.2 \
		-Wl,--version-script=src/nss.map $(NSS_OBJ) -o $@

$(BUILD)/tests/test_nss_conv: $(BUILD)/tests/test_nss_conv.o $(BUILD)/obj/nss_conv.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -o $@

$(BUILD)/tests/test_auth: $(BUILD)/tests/test_auth.o $(BUILD)/obj/auth.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) $(SD_LIBS) -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(UNIT_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ $(CMOCKA_LIBS) -o $@

# Small test programs used by the namespace tests.
$(BUILD)/tests/gai: $(BUILD)/tools/gai.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -o $@

$(BUILD)/tests/hangd: $(BUILD)/tools/hangd.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pie $(LDFLAGS) $^ -o $@

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

# Re-run make after deps so pkg-config flags are read with the libraries present.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(TOOLS)
	@tests/check.sh

check-unit: all $(UNIT_BIN)
	@tests/check.sh unit

check-netns: all $(TOOLS)
	@tests/check.sh netns

demo: deps
	@$(MAKE) --no-print-directory all
	@netns-scripts/demo.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/linknamed $(DESTDIR)$(SBINDIR)/linknamed
	install -m 0755 $(BUILD)/linknamectl $(DESTDIR)$(BINDIR)/linknamectl

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/linknamed $(DESTDIR)$(BINDIR)/linknamectl

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
