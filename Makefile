# The two set-up commands of the README: `make run` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# GPU=auto (default): TensorFlow's CUDA build where it can be used (Linux x86-64 with an NVIDIA driver: nvidia-smi
# works or /proc/driver/nvidia/version exists), the plain build elsewhere. GPU=1 or GPU=0 forces either.
GPU ?= auto
ifeq ($(GPU),auto)
GPU_ON := $(shell (nvidia-smi -L >/dev/null 2>&1 || test -e /proc/driver/nvidia/version) && \
	test "$$(uname -s)-$$(uname -m)" = Linux-x86_64 && echo 1 || echo 0)
else
GPU_ON := $(GPU)
endif
# With the CUDA build: JAX's CUDA plugin that matches the driver. CUDA=auto (default) reads nvidia-smi's "CUDA Version"
# (13 or newer: JAX's CUDA 13 plugin; else CUDA 12, the same wheels as TensorFlow's); CUDA=12 or CUDA=13 forces either.
CUDA ?= auto
ifeq ($(CUDA),auto)
CUDA_MAJOR := $(shell nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9]*\).*/\1/p' | head -n 1)
CUDA_ON := $(if $(CUDA_MAJOR),$(shell test $(CUDA_MAJOR) -ge 13 && echo 13 || echo 12),12)
else
CUDA_ON := $(CUDA)
endif
comma := ,
GPU_EXTRA := $(if $(filter 13,$(CUDA_ON)),gpu-cuda13,gpu)
EXTRAS := test$(if $(filter 1,$(GPU_ON)),$(comma)$(GPU_EXTRA),)
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)-gpu$(GPU_ON)-cuda$(CUDA_ON)

.PHONY: run test test-fast coverage-fast install benchmarks package package-test package-pytorch package-pytorch-test clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@bash tools/ensure_qt_libs.sh
	$(VENV)/bin/dlbench-gui

# Both cores (pytest-xdist), each test file on one of them (`loadfile`): a file's module-scoped real runs are paid for
# once, and two files' children overlap their start-up, imports and tracing. Measured side by side in
# docs/benchmarks.md ("Where the suite's time goes"). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
PYTEST := QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

# Everything: before a commit lands (CI runs this).
test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PYTEST)

# While iterating: every test but the real-training ones (`slow`), in about a minute.
test-fast: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PYTEST) -m "not slow"

# Which product modules the fast tier leaves at 0% (its worker children measured too: `patch = subprocess`).
coverage-fast: $(STAMP)
	rm -f .coverage .coverage.*
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/coverage run -m pytest -q -p no:xdist -m "not slow"
	$(VENV)/bin/coverage combine -q
	$(VENV)/bin/coverage report --sort=cover

benchmarks: $(STAMP)
	$(PY) benchmarks/run_all.py

# The packaged app: dist/dlbench/dlbench (one folder, PyInstaller; see build.spec and README "Building").
PKG_STAMP := $(VENV)/.package-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

$(PKG_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[package]"
	rm -f $(VENV)/.package-*
	touch $(PKG_STAMP)

# GPU=1 builds the CUDA variant into dist-gpu/ (use a separate VENV=.venv-gpu to keep the CPU one as it is).
DIST := dist$(if $(filter 1,$(GPU_ON)),-gpu,)
package: $(PKG_STAMP)
	$(PY) tools/timed.py build/package-build$(if $(filter 1,$(GPU_ON)),-gpu,).json -- $(VENV)/bin/pyinstaller \
		--noconfirm --log-level WARN --distpath $(DIST) --workpath build/pyinstaller$(if $(filter 1,$(GPU_ON)),-gpu,) build.spec

package-test: package
	$(PY) packaging/smoke_test.py $(DIST)

# The labelled PyTorch variant: native PyTorch alone (no TensorFlow, no JAX), into dist-pytorch/dlbench/.
package-pytorch: $(PKG_STAMP)
	DLBENCH_PACKAGE_VARIANT=pytorch $(PY) tools/timed.py build/package-build-pytorch.json -- $(VENV)/bin/pyinstaller \
		--noconfirm --log-level WARN --distpath dist-pytorch --workpath build/pyinstaller-pytorch build.spec

package-pytorch-test: package-pytorch
	$(PY) packaging/smoke_test.py dist-pytorch torch

clean:
	rm -rf build dist dist-pytorch .pytest_cache
