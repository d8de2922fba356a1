# hivekit - top-level convenience wrapper around CMake.
#
#   make demo   install missing build dependencies (as root, with apt-get),
#               build, and run hivekit on the bundled Windows 10 SYSTEM hive,
#               ending with the virtio driver injection on a copy of it
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

clean:
	rm -rf $(BUILD)
