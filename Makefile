# The two set-up commands of the README: `make run` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-fast install benchmarks package package-test clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@bash tools/ensure_qt_libs.sh
	$(VENV)/bin/dlbench-gui

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test-fast: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

benchmarks: $(STAMP)
	$(PY) benchmarks/run_all.py

# The packaged app: dist/dlbench/dlbench (one folder, PyInstaller; see build.spec and README "Building").
PKG_STAMP := $(VENV)/.package-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

$(PKG_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[package]"
	rm -f $(VENV)/.package-*
	touch $(PKG_STAMP)

package: $(PKG_STAMP)
	$(PY) tools/timed.py build/package-build.json -- $(VENV)/bin/pyinstaller --noconfirm --log-level WARN build.spec

package-test: package
	$(PY) packaging/smoke_test.py

clean:
	rm -rf build dist .pytest_cache
