# rootfeed - convenience targets over Meson. `make` builds, `make test` is the full check
# (setup, suite, suite again under ASan+UBSan), `make run` is the main job on a sample file.
BUILD ?= build
VENV := $(CURDIR)/.venv/bin
MESON ?= $(if $(wildcard $(VENV)/meson),$(VENV)/meson,meson)
ASAN ?= build-asan
SHARED ?= $(abspath ../shared)
SAMPLE ?= $(SHARED)/data/external/uproot-HZZ.root

.PHONY: all setup test test-plain test-asan run demo bench bench-python bench-peers demo-data fuzz clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

setup:
	bash scripts/setup.sh

test: setup
	bash scripts/test.sh

run: setup all
	$(BUILD)/rootfeed ls $(SAMPLE)
	$(BUILD)/rootfeed show $(SAMPLE) events
	$(BUILD)/rootfeed dump $(SAMPLE) events --columns NMuon,Muon_Px --entries 0:3 --json

bench: all
	bash bench/run.sh

PYRUN = PYTHONPATH=$(CURDIR)/$(BUILD)/python $(VENV)/python

# Python benches (bench/README.md): the reading bench (rootfeed vs uproot) and the loader bench
# against every peer (its second environment .venv-peers is made here, never by make setup)
bench-python: setup all
	$(PYRUN) bench/python/bench_read.py

bench-peers: setup all
	bash bench/peers/setup.sh
	$(PYRUN) bench/peers/run.py

# The main job (issue 19, demo/README.md): the demo's stand-in ATLAS PHYSLITE samples (made
# once, again when the generator changes), then the PNN trained with PyTorch through
# rootfeed.CreatePyTorchGenerators: demo/out/pnn.png and demo/out/summary.txt
demo: setup all demo/out/samples.json
	$(PYRUN) demo/train.py

demo/out/samples.json: demo/generate.py demo/physlite.py demo/mt2.py | all
	$(PYRUN) demo/generate.py

demo-data: setup all
	$(PYRUN) demo/generate.py

fuzz:
	bash scripts/fuzz.sh

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
