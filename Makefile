# hivekit - top-level convenience wrapper around CMake.
#
#   make demo   install missing build dependencies (as root, with apt-get),
#               build, and run hivekit on the bundled Windows 10 SYSTEM hive,
#               ending with the virtio driver injection on a copy of it
#   make test   same set-up, then build and run every test, then the whole
#               suite cross-built for s390x and i386 (make test-cross), then
#               again under ASan+UBSan (gcc) in $(ASAN_BUILD); the
#               tests that need the shared hive corpus (HIVEKIT_CORPUS=DIR,
#               default ../shared/corpus) report Skipped without it, and a
#               last line says how many were skipped
#   make fuzz-smoke  build the libFuzzer harnesses (clang) in build-fuzz and
#               run each for FUZZ_SECONDS (45); fails on any crash (fuzz/README)
#   make static a static, stripped hivekit-static linked with musl (musl-gcc)
#
BUILD ?= build
JOBS  ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIVEKIT_WERROR=ON -DHIVEKIT_TESTS=ON
DEMO_HIVE = $(BUILD)/demo/SYSTEM
HIVEKIT = $(BUILD)/hivekit
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 45
FUZZ_SEED ?= 1
FUZZ_HARNESSES = hive import inf edit
# HIVEKIT_CORPUS=DIR (make variable or environment): the shared hive corpus,
# passed to cmake; unset, cmake keeps its default (../shared/corpus).
ifdef HIVEKIT_CORPUS
CORPUS_FLAG = -DHIVEKIT_CORPUS:PATH=$(abspath $(HIVEKIT_CORPUS))
endif

.PHONY: all deps build test demo clean test-asan fuzz-build fuzz-smoke static

all: build

deps:
	@sh tools/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) $(CORPUS_FLAG)
	cmake --build $(BUILD) -j$(JOBS)

# ctest, then one line on the corpus tests (tests/support/ctest-summary.sh).
RUN_CTEST = ctest --output-on-failure -j$(JOBS) -O ctest.log; rc=$$?; \
	    sh $(CURDIR)/tests/support/ctest-summary.sh ctest.log .; exit $$rc

test: build
	cd $(BUILD) && $(RUN_CTEST)
	$(MAKE) test-cross
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke
	@sh tests/support/ctest-summary.sh $(BUILD)/ctest.log $(BUILD)

# The whole suite cross-built for s390x (big-endian, 64-bit; run under
# qemu-s390x-static, no binfmt_misc needed) and i386 (32-bit), in
# build-s390x and build-i386 (tools/test-cross.sh, cmake/toolchain-*.cmake).
# Installs each target's packages (tools/install-deps.sh --cross=T, root);
# a target that cannot get them is reported SKIPPED and the others go on.
# CROSS_TARGETS= (empty) runs none.
CROSS_TARGETS ?= s390x i386
.PHONY: test-cross
test-cross: deps
	@sh tools/test-cross.sh $(JOBS) $(CROSS_TARGETS) -- $(CMAKE_FLAGS) $(CORPUS_FLAG)

# The whole suite under AddressSanitizer + UBSan, built with gcc (Debian's
# gcc ships libasan and libubsan).
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DHIVEKIT_TESTS=ON -DHIVEKIT_SANITIZE=ON $(CORPUS_FLAG)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 && \
	    $(RUN_CTEST)

# libFuzzer harnesses (fuzz/README): build with clang, seed from fixtures/
# and the corpus (fixtures/ alone without it), run each harness
# FUZZ_SECONDS; crashes land in $(FUZZ_BUILD)/crashes/.
fuzz-build: build
	@sh tools/install-deps.sh --fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DHIVEKIT_TESTS=OFF -DHIVEKIT_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	sh fuzz/seeds.sh "$(if $(HIVEKIT_CORPUS),$(abspath $(HIVEKIT_CORPUS)))" $(FUZZ_BUILD)/seeds $(HIVEKIT)

# A fixed seed (FUZZ_SEED, default 1) on a fresh corpus makes the smoke run
# in CI explore a prefix of what the same seed explores on a faster or
# longer run here; FUZZ_SEED=0 lets libFuzzer pick one (long runs).
fuzz-smoke: fuzz-build
	@rm -rf $(FUZZ_BUILD)/corpus
	@fail=; for h in $(FUZZ_HARNESSES); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$h $(FUZZ_BUILD)/crashes/$$h; \
	    echo "== fuzz_$$h for $(FUZZ_SECONDS) s"; \
	    if $(FUZZ_BUILD)/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
	           -seed=$(FUZZ_SEED) \
	           -rss_limit_mb=2048 -print_final_stats=1 \
	           -artifact_prefix=$(FUZZ_BUILD)/crashes/$$h/ \
	           $(FUZZ_BUILD)/corpus/$$h $(FUZZ_BUILD)/seeds/$$h \
	           > $(FUZZ_BUILD)/fuzz_$$h.log 2>&1; then \
	        grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_BUILD)/fuzz_$$h.log; \
	    else \
	        fail="$$fail $$h"; tail -n 60 $(FUZZ_BUILD)/fuzz_$$h.log; \
	    fi; \
	done; \
	if [ -n "$$fail" ]; then echo "fuzz-smoke: crashes in:$$fail (inputs in $(FUZZ_BUILD)/crashes/)" >&2; exit 1; fi

# Static rescue build: hivekit linked statically with musl, stripped, and
# checked (no dynamic section, size < 300 KiB, runs `info` on a fixture).
STATIC_BUILD ?= build-static
static:
	@sh tools/install-deps.sh --static
	cmake -S . -B $(STATIC_BUILD) -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=MinSizeRel \
	    -DHIVEKIT_TESTS=OFF -DHIVEKIT_WERROR=ON -DCMAKE_EXE_LINKER_FLAGS=-static
	cmake --build $(STATIC_BUILD) -j$(JOBS) --target hivekit
	strip -o $(STATIC_BUILD)/hivekit-static $(STATIC_BUILD)/hivekit
	@sh tools/check-static.sh $(STATIC_BUILD)/hivekit-static fixtures/hives/minimal

$(DEMO_HIVE): fixtures/hives/SYSTEM-win10-20H2.xz
	mkdir -p $(BUILD)/demo
	xz -dc $< > $@.tmp && mv $@.tmp $@

demo: build $(DEMO_HIVE)
	@echo '== hivekit info (a real Windows 10 20H2 SYSTEM hive)'
	$(HIVEKIT) info $(DEMO_HIVE)
	@echo
	@echo '== hivekit ls: the disk driver service, through CurrentControlSet'
	$(HIVEKIT) ls $(DEMO_HIVE) 'CurrentControlSet\Services\disk'
	@echo
	@echo '== hivekit get: the current control set number'
	$(HIVEKIT) get $(DEMO_HIVE) Select Current
	@echo
	@echo '== hivekit export of one key'
	$(HIVEKIT) export $(DEMO_HIVE) 'ControlSet001\Services\disk'
	@echo '== hivekit export of the whole hive'
	$(HIVEKIT) export $(DEMO_HIVE) -o $(BUILD)/demo/SYSTEM.reg
	@wc -lc $(BUILD)/demo/SYSTEM.reg
	@echo
	@echo '== the main job: make this Windows 10 guest boot from virtio-blk'
	@echo '== (on a copy of the hive): the change set, as a .reg patch'
	cp $(DEMO_HIVE) $(BUILD)/demo/SYSTEM-virtio
	$(HIVEKIT) inject --system $(BUILD)/demo/SYSTEM-virtio --driver viostor --dry-run
	@echo '== applied, with an undo file'
	$(HIVEKIT) inject --system $(BUILD)/demo/SYSTEM-virtio --driver viostor --undo $(BUILD)/demo/undo-viostor.reg
	$(HIVEKIT) ls $(BUILD)/demo/SYSTEM-virtio 'CurrentControlSet\Services\viostor'
	@echo '== run again: nothing to do'
	$(HIVEKIT) inject --system $(BUILD)/demo/SYSTEM-virtio --driver viostor

# make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]: hivekit,
# libhivekit.a and libhivekit.so, include/hivekit/regf.h, hivekit.pc, the
# CMake package (find_package(hivekit)), the man pages and the bash
# completion; see cmake/install.cmake.
PREFIX ?= /usr/local
.PHONY: install
install: build
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j$(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

clean:
	rm -rf $(BUILD)
