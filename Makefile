# hivekit - top-level convenience wrapper around CMake.
#
#   make demo   install missing build dependencies (as root, with apt-get),
#               build, and run hivekit on the bundled Windows 10 SYSTEM hive
#   make test   same set-up, then build and run every test
#
BUILD ?= build
JOBS  ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIVEKIT_WERROR=ON -DHIVEKIT_TESTS=ON
DEMO_HIVE = $(BUILD)/demo/SYSTEM
HIVEKIT = $(BUILD)/hivekit

.PHONY: all deps build test demo clean

all: build

deps:
	@sh tools/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

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

clean:
	rm -rf $(BUILD)
