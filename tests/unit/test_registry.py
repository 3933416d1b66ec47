"""The backend registry (core/frameworks.py) is the one place outside the runtime modules that names a framework."""

import ast
from pathlib import Path

import pytest

from dlbench_gui.core import frameworks
from dlbench_gui.core.backend_choice import choose_backend
from dlbench_gui.core.wire.request import WorkerRequest

ROOT = Path(frameworks.__file__).resolve().parents[1]
NAMES = {f.name for f in frameworks.FRAMEWORKS} | {f.cluster_keras_package for f in frameworks.FRAMEWORKS} - {"keras"}


def string_literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_outside_the_runtime_modules_only_the_registry_names_a_framework():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("bench/backends/") or rel == "core/frameworks.py":
            continue
        found += [f"{rel}:{line}: {value!r}" for line, value in string_literals(path) if value in NAMES]
    assert not found, "framework names outside the registry:\n" + "\n".join(found)


def test_every_entry_names_a_runtime_module_that_exists_and_the_offered_ones_are_the_choices():
    for f in frameworks.FRAMEWORKS:
        module, cls = f.runtime.split(":")
        source = ROOT.parent.joinpath(*module.split(".")).with_suffix(".py").read_text()
        assert f"class {cls}" in source, f.runtime
    assert frameworks.CHOICES == ("auto", *(f.name for f in frameworks.FRAMEWORKS if not f.hidden))
    assert frameworks.ACCEPTED == ("auto", *(f.name for f in frameworks.FRAMEWORKS))
    assert frameworks.PUBLISHED in frameworks.OFFERED and frameworks.get(None) is frameworks.PUBLISHED


def test_the_test_runtime_runs_in_a_worker_but_is_never_offered_nor_chosen_by_auto():
    hidden = [f for f in frameworks.FRAMEWORKS if f.hidden]
    assert hidden and all(f.name not in frameworks.CHOICES for f in hidden)
    assert all(WorkerRequest.from_dict({"task": "train", "config": {"model": "model_a", "dataset": "mnist"},
                                        "backend": f.name}).backend == f.name for f in hidden)
    assert choose_backend("auto", {}, is_installed=lambda m: True).name == frameworks.PUBLISHED.name


def test_a_report_that_names_an_unknown_backend_reads_as_the_published_framework():
    assert frameworks.backend_of({"backend": "no-such"}) == frameworks.PUBLISHED.name
    assert frameworks.backend_label({"backend": "no-such"}) == ""


def test_the_report_contract_takes_its_backend_names_from_the_registry():
    import json

    from dlbench_gui.core.store.contract import validation_errors

    report = json.loads((ROOT.parent / "tests" / "gui" / "data" / "report_model_a_custom.json").read_text())
    assert validation_errors(report) == []
    for f in frameworks.FRAMEWORKS:
        ran = {**report, "software": {**report["software"], "backend": f.name}}
        assert validation_errors(ran) == [], f.name
    unknown = {**report, "software": {**report["software"], "backend": "no-such"}}
    assert validation_errors(unknown) == ["software.backend: unknown value 'no-such'"]
    asked = {**report, "config": {**report["config"], "backend": "no-such"}}
    assert validation_errors(asked) == ["config.backend: unknown value 'no-such'"]


def test_a_framework_without_a_strategy_for_several_devices_or_machines_is_refused_by_the_plan():
    from dlbench_gui.core.backend_choice import BackendChoice
    from dlbench_gui.core.config import ConfigError
    from dlbench_gui.core.plan import check_strategy
    from tests.conftest import tiny_config

    choice = BackendChoice(name="numpy_reference", why="asked for")
    with pytest.raises(ConfigError, match="does not train on several devices of one machine yet"):
        check_strategy(tiny_config(backend="numpy_reference", devices=2, cpu_devices=2), choice)
    check_strategy(tiny_config(backend="numpy_reference"), choice)  # one device: nothing to refuse


def test_the_compiled_variant_is_asked_of_the_framework_that_offers_one_and_never_pooled_with_eager_runs():
    from dlbench_gui.core.backend_choice import BackendChoice
    from dlbench_gui.core.config import ConfigError
    from dlbench_gui.core.plan import check_strategy
    from tests.conftest import tiny_config

    with pytest.raises(ConfigError, match="has no compiled variant to ask for"):
        check_strategy(tiny_config(backend="tensorflow", compile=True), BackendChoice(name="tensorflow", why="asked"))
    check_strategy(tiny_config(backend="torch", compile=True), BackendChoice(name="torch", why="asked"))
    assert frameworks.variant_of({"backend": "torch"}, {"compile": True}) != frameworks.variant_of({"backend": "torch"}, {})
    assert frameworks.variant_of({"backend": "torch"}, {}) == frameworks.variant("torch", False) == "torch"
