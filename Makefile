# SPDX-License-Identifier: Apache-2.0
# hull — build, test, benchmark, fuzz, install.  `make help` lists targets.

.DELETE_ON_ERROR:
SHELL := /bin/bash
.DEFAULT_GOAL := all

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
msg = $(if $(filter 1,$(V)),,@printf '  %-8s %s\n' $(1) $(2);)

# Debian packages that build, tests and benchmarks need.
DEB_PACKAGES := build-essential pkg-config clang llvm clang-format \
	libjansson-dev libcmocka-dev libnl-3-dev libnl-route-3-dev \
	libbpf-dev libelf-dev zlib1g-dev libclang-rt-14-dev \
	bpftool iproute2 iputils-ping util-linux jq bc valgrind busybox-static qemu-system-x86
DEB_PACKAGES += libseccomp-dev
# Real clients of hull as an OCI runtime (used by selftests/clients) and crun for side-by-side benchmarks;
# netavark and iptables make Podman's default bridge network.
DEB_PACKAGES += podman containerd runc crun netavark iptables tmux
# CNI plugins (bridge, host-local, loopback) for the CRI selftests' pod network (selftests/cri).
DEB_PACKAGES += containernetworking-plugins

# Recursive '=' so pkg-config runs when a recipe needs it, after `make deps`.
PKGS := jansson libnl-3.0 libnl-route-3.0 libbpf
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lelf -lz

CC ?= cc
CFLAGS ?= -O2 -g
SANITIZE ?=
SAN_FLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
HULL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -I$(BUILD)/bpf $(PKG_CFLAGS) \
	$(SAN_FLAGS) $(CFLAGS)
HULL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

# Everything but the programs' main()s goes into one library that the
# command, the tests, the benchmarks and the fuzzers link.
LIB_DIRS := common persist runtime net vmm bpf shim
MAIN_SRCS := runtime/main.c shim/main.c
LIB_SRCS := $(filter-out $(MAIN_SRCS) %.bpf.c,$(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libhull.a
HULL := $(BUILD)/bin/hull
# containerd's runtime v2 shim for hull (runtime_type "io.containerd.hull.v2").
SHIM := $(BUILD)/bin/containerd-shim-hull-v2

# The guest agent: its own sources plus the few library files it shares
# with the host, linked statically (it runs as PID 1 of a busybox initrd).
AGENT := $(BUILD)/bin/hull-agent
AGENT_SRCS := $(wildcard vmm/agent/*.c) common/error.c common/log.c common/base64.c common/addr.c \
	vmm/agent_proto.c
AGENT_SRCS += common/seccomp_names.c
AGENT_SRCS += common/capability.c
AGENT_SRCS += common/ns_types.c
AGENT_SRCS += common/mount_options.c common/sysctl.c
AGENT_SRCS += common/oci_hooks.c common/write_all.c
AGENT_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/obj/%.o)
AGENT_STATIC := $(if $(SANITIZE),,-static)

TEST_SRCS := $(wildcard $(addsuffix /tests/test_*.c,$(LIB_DIRS)))
TEST_HELPER_SRCS := $(wildcard $(addsuffix /tests/helpers_*.c,$(LIB_DIRS)))
TEST_BINS := $(foreach t,$(TEST_SRCS),$(BUILD)/tests/$(firstword $(subst /, ,$(t)))_$(basename $(notdir $(t))))
BENCH_SRCS := $(wildcard tools/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:tools/bench/%.c=$(BUILD)/bench/%)
# What benchmarks share (tools/bench/*.c other than bench_*.c), in an
# archive: each benchmark links only the helpers it uses.
BENCH_HELPER_SRCS := $(filter-out $(BENCH_SRCS),$(wildcard tools/bench/*.c))
BENCH_HELPER_OBJS := $(BENCH_HELPER_SRCS:%.c=$(BUILD)/obj/%.o)
BENCH_HELPER_LIB := $(BUILD)/bench/libbench.a
# Helper programs the selftests drive (<dir>/tests/tool_*.c -> build/tests/<dir>_tool_*).
TOOL_SRCS := $(wildcard $(addsuffix /tests/tool_*.c,$(LIB_DIRS)))
TOOL_BINS := $(foreach t,$(TOOL_SRCS),$(BUILD)/tests/$(firstword $(subst /, ,$(t)))_$(basename $(notdir $(t))))
FUZZ_SRCS := $(wildcard $(addsuffix /fuzz/fuzz_*.c,$(LIB_DIRS)))
FUZZ_BINS := $(foreach f,$(FUZZ_SRCS),$(BUILD)/fuzz/$(basename $(notdir $(f))))

# The TC programs: bpf/X.bpf.c -> $(BUILD)/bpf/X.bpf.o -> $(BUILD)/bpf/X.skel.h,
# the skeleton that the loader and its tests include (libbpf-bootstrap's way).
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_OBJS:.bpf.o=.skel.h)
BPF_CLANG ?= clang
BPFTOOL ?= bpftool
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I/usr/include/$(shell gcc -print-multiarch) -Ibpf
# Everything C under bpf/ (library, tests, their helpers, tools), the
# network checks of `hull check` (runtime/host_check*) and the benchmarks
# may include a skeleton: build those first.
BPF_USER_OBJS = $(filter $(BUILD)/obj/bpf/% $(BUILD)/obj/runtime/host_check%, \
	$(LIB_OBJS) $(TEST_SRCS:%.c=$(BUILD)/obj/%.o) \
	$(TEST_HELPER_SRCS:%.c=$(BUILD)/obj/%.o) $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)) \
	$(BENCH_HELPER_OBJS) $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o)

DEPFILES := $(LIB_OBJS:.o=.d) $(AGENT_OBJS:.o=.d) $(BUILD)/obj/runtime/main.d $(BUILD)/obj/shim/main.d

.PHONY: demo guest all help deps unit-tests asan-tests selftests check check-only bench bench-clients fuzz faults soak \
	install uninstall format format-check clean

all: $(HULL) $(SHIM) $(AGENT) $(TEST_BINS) $(TOOL_BINS) $(BENCH_BINS)

help:
	@echo "make            build build/bin/hull, the unit tests and the benchmarks"
	@echo "make demo       install, build, and run a container in a VM networked through eBPF"
	@echo "make deps       install the Debian packages hull needs (idempotent)"
	@echo "make check      install deps, build, check the format, run unit tests (plain and ASan/UBSan) and selftests"
	@echo "make guest      build the guest kernel + initrd (build/guest/) from Debian packages"
	@echo "make bench      run the benchmarks (medians over repeats)"
	@echo "make faults     the SIGKILL fault sweep at length (FAULT_ROUNDS, default 10; FAULT_SEED)"
	@echo "make soak       SOAK_CYCLES (default 200) create/start/delete cycles, leftovers checked"
	@echo "make fuzz       run the libFuzzer targets for FUZZ_SECONDS (default 60) each"
	@echo "make install    install into DESTDIR/PREFIX (default /usr/local)"
	@echo "make format-check   check formatting against .clang-format"
	@echo "V=1 shows full commands"

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD)/obj/runtime/settings.o: HULL_CFLAGS += -DHULL_DATADIR='"$(PREFIX)/share/hull"'

$(BUILD)/obj/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(HULL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $(basename $(basename $<))) > $@

$(BPF_USER_OBJS): $(BPF_SKELS)
.SECONDARY: $(BPF_OBJS)

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(HULL): $(BUILD)/obj/runtime/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(HULL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(SHIM): $(BUILD)/obj/shim/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(HULL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

$(AGENT): $(AGENT_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(HULL_LDFLAGS) $(AGENT_STATIC) -o $@ $^ $(shell pkg-config --libs jansson) -lseccomp -lutil

# The README's first command: deps, build, guest, and a container in a VM.
demo:
	$(Q)tools/demo.sh

# The guest kernel and initrd, from Debian packages (vmm/guest/mkguest.sh).
GUEST := $(BUILD)/guest
guest: $(GUEST)/initrd.img
$(GUEST)/initrd.img: $(AGENT) vmm/guest/mkguest.sh vmm/guest/init
	$(call msg,GUEST,$(GUEST))
	$(Q)vmm/guest/mkguest.sh $(GUEST) $(AGENT)

# A unit test X/tests/test_Y.c becomes build/tests/X_test_Y.
define test_rule
$(BUILD)/tests/$(firstword $(subst /, ,$(1)))_$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(TEST_HELPER_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	$$(call msg,LINK,$$@)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$$(CC) $$(HULL_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lcmocka
endef
$(foreach t,$(TEST_SRCS),$(eval $(call test_rule,$(t))))
# Tests of an agent module link its object, libhull again (after it) and its libraries.
$(BUILD)/tests/vmm_test_seccomp: $(BUILD)/obj/vmm/agent/seccomp.o
$(BUILD)/tests/vmm_test_seccomp: PKG_LIBS += $(LIB) -lseccomp
# process_plan's test links the agent module (its seccomp_plan_load is a stand-in there).
$(BUILD)/tests/vmm_test_process_plan: $(BUILD)/obj/vmm/agent/process_plan.o
$(BUILD)/tests/vmm_test_process_plan: $(BUILD)/obj/vmm/agent/process_sched.o
$(BUILD)/tests/vmm_test_process_plan: PKG_LIBS += $(LIB)
$(BUILD)/tests/vmm_test_cgroup: $(addprefix $(BUILD)/obj/vmm/agent/,cgroup.o cgroup_devices.o)
$(BUILD)/tests/vmm_test_cgroup: PKG_LIBS += $(LIB)
$(BUILD)/tests/vmm_test_rootfs: $(addprefix $(BUILD)/obj/vmm/agent/,rootfs.o rootfs_devices.o \
	rootfs_steps.o mounts.o)
$(BUILD)/tests/vmm_test_rootfs: PKG_LIBS += $(LIB)

# A helper X/tests/tool_Y.c becomes build/tests/X_tool_Y.
define tool_rule
$(BUILD)/tests/$(firstword $(subst /, ,$(1)))_$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(LIB)
	$$(call msg,LINK,$$@)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$$(CC) $$(HULL_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(TOOL_SRCS),$(eval $(call tool_rule,$(t))))

$(BENCH_HELPER_LIB): $(BENCH_HELPER_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bench/%: $(BUILD)/obj/tools/bench/%.o $(BENCH_HELPER_LIB) $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(HULL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -lpthread

unit-tests: $(TEST_BINS) $(HULL) $(AGENT)
	$(Q)selftests/tap_run.sh --name unit $(TEST_BINS)

# The same unit tests built with AddressSanitizer and UBSan.
asan-tests:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=address,undefined CFLAGS="-O1 -g" unit-tests

selftests: $(HULL) $(SHIM) $(TOOL_BINS) $(GUEST)/initrd.img
	$(Q)HULL=$(abspath $(HULL)) selftests/run_tests.sh

# `make check` installs what it needs, then builds and tests in a fresh
# make, so that pkg-config sees the packages deps just installed.
check: deps
	$(Q)$(MAKE) --no-print-directory check-only

check-only: export HULL_TAP_COUNTS = $(abspath $(BUILD))/tap-counts
check-only:
	$(Q)rm -f $(HULL_TAP_COUNTS); rc=0; \
	$(MAKE) --no-print-directory all || exit 1; \
	$(MAKE) --no-print-directory format-check || rc=1; \
	$(MAKE) --no-print-directory unit-tests || rc=1; \
	$(MAKE) --no-print-directory asan-tests || rc=1; \
	$(MAKE) --no-print-directory selftests || rc=1; \
	selftests/tap_summary.sh; exit $$rc

# The fault sweep at length: selftests/faults with FAULT_ROUNDS random
# rounds per victim (make check runs one); FAULT_SEED reproduces a run.
FAULT_ROUNDS ?= 10
faults: $(HULL) $(TOOL_BINS) $(GUEST)/initrd.img
	$(Q)HULL=$(abspath $(HULL)) FAULT_ROUNDS=$(FAULT_ROUNDS) selftests/run_tests.sh faults

# SOAK_CYCLES (default 200) create/start/delete cycles, leftovers checked after each.
soak: $(HULL) $(GUEST)/initrd.img
	$(Q)HULL=$(abspath $(HULL)) HULL_GUEST=$(abspath $(GUEST)) tools/soak.sh

bench: $(BENCH_BINS)
	$(Q)for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done
	$(Q)echo "== $(BUILD)/bench/bench_vm (accel)"; BENCH_VM_PARTS=accel $(BUILD)/bench/bench_vm
	$(Q)if [ -n "$(BENCH_CLIENTS)" ]; then $(MAKE) --no-print-directory bench-clients; fi

# Podman through hull against runc/crun (tools/bench/bench_clients.sh, docs/benchmarks.md);
# `make bench BENCH_CLIENTS=1` runs it after the others.  BENCH_CLIENTS_ROUNDS, _EXECS go through.
bench-clients: $(HULL) $(GUEST)/initrd.img
	$(Q)HULL=$(abspath $(HULL)) HULL_GUEST=$(abspath $(GUEST)) tools/bench/bench_clients.sh

# Pods through containerd's CRI, hull against runc: start, stop, host memory per pod
# (tools/bench/bench_pods.sh, docs/benchmarks.md "Pods").  BENCH_PODS_ROUNDS, _COUNTS go through.
.PHONY: bench-pods
bench-pods: $(HULL) $(GUEST)/initrd.img
	$(Q)HULL=$(abspath $(HULL)) HULL_GUEST=$(abspath $(GUEST)) tools/bench/bench_pods.sh

FUZZ_SECONDS ?= 60
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=clang \
		SANITIZE=fuzzer-no-link,address,undefined CFLAGS="-O1 -g" fuzz-run

define fuzz_rule
$(BUILD)/fuzz/$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(LIB)
	$$(call msg,LINK,$$@)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$$(CC) $$(HULL_LDFLAGS) -fsanitize=fuzzer -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach f,$(FUZZ_SRCS),$(eval $(call fuzz_rule,$(f))))

.PHONY: fuzz-run
fuzz-run: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); corpus=$(BUILD)/fuzz/corpus/$$name; mkdir -p $$corpus; \
		seeds=$$(ls -d */fuzz/corpus/$$name 2>/dev/null); \
		echo "== $$name ($(FUZZ_SECONDS)s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$corpus $$seeds 2>&1 \
			| grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' ; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# The guest image goes where hull's default configuration looks for it:
# settings.c is built with HULL_DATADIR=$(PREFIX)/share/hull.
install: $(HULL) $(SHIM) $(GUEST)/initrd.img
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hull
	install -m 0755 $(HULL) $(DESTDIR)$(PREFIX)/bin/hull
	install -m 0755 $(SHIM) $(DESTDIR)$(PREFIX)/bin/containerd-shim-hull-v2
	install -m 0644 $(GUEST)/vmlinuz $(GUEST)/initrd.img $(DESTDIR)$(PREFIX)/share/hull/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hull $(DESTDIR)$(PREFIX)/bin/containerd-shim-hull-v2 \
		$(DESTDIR)$(PREFIX)/share/hull/vmlinuz \
		$(DESTDIR)$(PREFIX)/share/hull/initrd.img
	-rmdir $(DESTDIR)$(PREFIX)/share/hull

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "format-check: ok"

clean:
	rm -rf $(BUILD)

-include $(DEPFILES) $(TEST_SRCS:%.c=$(BUILD)/obj/%.d) $(TOOL_SRCS:%.c=$(BUILD)/obj/%.d) \
	$(TEST_HELPER_SRCS:%.c=$(BUILD)/obj/%.d) \
	$(BENCH_SRCS:%.c=$(BUILD)/obj/%.d) $(BENCH_HELPER_OBJS:.o=.d)
