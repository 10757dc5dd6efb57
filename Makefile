# SPDX-License-Identifier: GPL-2.0
#
# layerfs top-level Makefile.
#
#   make            setup if needed, then build module, userspace, selftests
#   make check      everything: build, checkpatch, host tests, the VM suite
#   make check-debug  the VM suite on a KASAN/lockdep/kmemleak kernel
#                   (built once from linux-source-6.12, cached in .cache)
#   make demo       boot the VM and show a layerfs union
#   make crash      power cut during changes: 20 kill/verify cycles, layerfs
#                   and overlayfs in turn (LFS_CRASH_ROUNDS, LFS_CRASH_SEED)
#   make stress     the stress test alone, long: LFS_STRESS_SECONDS (default
#                   300) on layerfs and overlay, each on tmpfs and ext4
#   make fstests FSTESTS=/path/to/xfstests
#                   xfstests (overlay tests, generic/quick) on overlayfs and
#                   on layerfs in the Debian root filesystem VM; long, never
#                   part of make check (scripts/fstests.sh)
#   make unionmount UNIONMOUNT=/path/to/unionmount-testsuite
#                   that suite in the VM on layerfs and overlay, per-mode
#                   counts (never part of check: the suite is not ours)
#   make setup      install build/test dependencies (idempotent)
#   make module | checkpatch | sparse | vm-shell | clean
#
# KDIR defaults to the newest installed 6.12 cloud kernel headers;
# override with `make KDIR=/path/to/build`.  Warnings are errors everywhere.

KDIR ?= $(shell ls -d /lib/modules/6.12*-cloud-amd64/build 2>/dev/null | sort -V | tail -n1)
KSRC_CACHE ?= $(CURDIR)/.cache/ksrc
# The release of the kernel KDIR was configured for: the VM boots that one.
KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
export KSRC_CACHE
ifneq ($(KVER),)
export KVER
endif

NOWARN := $(CURDIR)/scripts/nowarn.sh
SUBMAKE = $(MAKE) --no-print-directory
MOD_SRCS = $(filter-out %.mod.c,$(wildcard module/*.c module/*.h))

.PHONY: all build module userspace selftests setup check check-debug demo \
	vm-shell bench stress crash fstests unionmount checkpatch sparse clean need-kdir

# Public entry points run setup first, then re-enter make so that KDIR is
# looked up after setup has installed the headers.
all:
	@scripts/setup.sh
	@$(SUBMAKE) build

check:
	@scripts/setup.sh
	@MAKE="$(MAKE)" scripts/check.sh

# The whole VM suite on a debug kernel (KASAN, PROVE_LOCKING, kmemleak,
# DEBUG_ATOMIC_SLEEP); scripts/debug-kernel.sh builds it the first time.
check-debug:
	@scripts/setup.sh
	@$(SUBMAKE) build
	@scripts/debug-kernel.sh check

demo:
	@scripts/setup.sh
	@$(SUBMAKE) build
	@scripts/run-vm.sh demo

vm-shell: build
	@scripts/run-vm.sh shell

# layerfs vs overlayfs vs the bare filesystem in the VM; results in results/
bench:
	@scripts/setup.sh
	@MAKE="$(MAKE)" scripts/bench.sh

# selftests/stress for LFS_STRESS_SECONDS per filesystem type and base
# (make check runs it for 15 s); LFS_STRESS_SEED replays a run.  3 GiB of
# VM memory: the tmpfs base is half of it and every round's files stay.
LFS_STRESS_SECONDS ?= 300
stress:
	@scripts/setup.sh
	@$(SUBMAKE) build
	@LFS_RUN_TESTS=stress LFS_RUN_FSTYPES="layerfs overlay" \
		LFS_VM_DIR="$${LFS_VM_DIR:-$(CURDIR)/.cache/vm-stress}" \
		LFS_VM_TIMEOUT=$$((4 * $(LFS_STRESS_SECONDS) + 900)) \
		LFS_VM_MEM="$${LFS_VM_MEM:-3072}" \
		LFS_VM_APPEND="$${LFS_VM_APPEND:-} lfs.stress=$(LFS_STRESS_SECONDS)$(if $(LFS_STRESS_SEED), lfs.stress_seed=$(LFS_STRESS_SEED))" \
		scripts/run-vm.sh check

# Many power-cut cycles (make check runs a few); see scripts/crash-test.sh.
crash:
	@scripts/setup.sh
	@$(SUBMAKE) build
	@LFS_CRASH_ROUNDS=$${LFS_CRASH_ROUNDS:-20} \
		LFS_CRASH_FSTYPES="$${LFS_CRASH_FSTYPES:-layerfs overlay}" \
		scripts/crash-test.sh

# xfstests' ./check -overlay on overlayfs and on layerfs, compared; the
# checkout is the caller's (FSTESTS=DIR), never part of this tree.
fstests:
	@MAKE="$(MAKE)" FSTESTS="$(FSTESTS)" scripts/fstests.sh
# unionmount-testsuite (a checkout of it: UNIONMOUNT=DIR) in the VM, in
# several of its modes, on layerfs and overlay; see scripts/unionmount.sh.
unionmount:
	@UNIONMOUNT="$(UNIONMOUNT)" MAKE="$(MAKE)" scripts/unionmount.sh

setup:
	@scripts/setup.sh

build: module userspace selftests

need-kdir:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
		echo "No kernel build tree: KDIR='$(KDIR)'. Run 'make setup' or pass KDIR=." >&2; \
		exit 1; }

module: need-kdir
	@$(NOWARN) $(MAKE) -C $(KDIR) M=$(CURDIR)/module W=1 modules

userspace selftests:
	@if [ -f $@/Makefile ]; then \
		$(NOWARN) $(SUBMAKE) -C $@ CC="$(CC)" KSRC_CACHE="$(KSRC_CACHE)"; \
	else \
		echo "*** $@/Makefile does not exist yet: skipping the $@ build"; \
	fi

checkpatch:
	@test -f $(KSRC_CACHE)/scripts/checkpatch.pl || scripts/setup.sh
	@scripts/checkpatch.sh $(MOD_SRCS)

# C=2 checks every file, built or not; any sparse warning fails.
sparse: need-kdir
	@$(NOWARN) $(MAKE) -C $(KDIR) M=$(CURDIR)/module W=1 C=2 modules

clean:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean; fi
	@for d in userspace selftests; do \
		if [ -f $$d/Makefile ]; then $(SUBMAKE) -C $$d clean; fi; done
	rm -rf .cache/vm .cache/check
