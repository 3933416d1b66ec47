"""Hostile reports for the fuzz tests (#33 B): real recorded reports of every kind, each with one section replaced by
an instance of its own part of the shipped schema (hypothesis-jsonschema: any value the contract lets through), or
with random JSON put at a random place (what a hand-edited or foreign file may hold). Every one is written as a file
holds it and read back through the trust boundary (`parse_report_json`, the contract), as the app reads files."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from dlbench_gui.core.store.contract import SCHEMA_FILE, with_registry
from dlbench_gui.core.store.report import RunReport, parse_report_json
from dlbench_gui.core.store.storage import json_text
from dlbench_gui.core.resources import resource
from tests.reports import report_dict
from tests.unit.test_contract import mutated, paths, quick_dict

DATA = Path(__file__).parent / "gui" / "data"


def _ended(status: str) -> dict:
    d = report_dict(status=status)
    d["error"] = {"kind": "host_oom" if status == "failed" else "cancelled", "message": "m", "title": "t",
                  "explanation": "e", "suggestion": "s"}
    return d


def _jax() -> dict:
    d = report_dict()
    d["software"] = {**d["software"], "backend": "jax", "jax": "0.10.2",
                     "backend_choice": {"requested": "auto", "chosen": "jax", "why": "w"}}
    return d


def _distributed() -> dict:
    d = report_dict()
    d["config"] = {**d["config"], "devices": 2, "cpu_devices": 2, "scaling": "strong"}
    d["distribution"] = {"strategy": "MirroredStrategy", "replicas": 2, "workers": 1, "devices": ["CPU:0", "CPU:1"],
                         "global_batch_size": 64, "per_replica_batch_size": 32, "scaling": "strong",
                         "keras_package": "keras", "scaling_efficiency": {
                             "value": 0.8, "images_per_s": 160.0, "one_device_images_per_s": 100.0, "replicas": 2,
                             "one_device_run": "r1", "method": "m"}}
    return d


def _repeat() -> dict:
    d = quick_dict()
    d["repeat"] = {"group": "fuzz", "index": 2, "of": 3}
    return d


KINDS = {
    "custom": report_dict, "quick": quick_dict, "failed": lambda: _ended("failed"),
    "cancelled": lambda: _ended("cancelled"), "jax": _jax, "distributed": _distributed, "repeat": _repeat,
    "kernels": lambda: json.loads((DATA / "report_kernels_quick_float32.json").read_text()),
}


@lru_cache(maxsize=1)
def schema() -> dict:
    return with_registry(json.loads(resource(SCHEMA_FILE).read_text(encoding="utf-8")))


@lru_cache(maxsize=None)
def section_strategy(section: str) -> st.SearchStrategy:
    return from_schema(schema()["properties"][section])


SECTIONS = tuple(k for k in schema()["properties"] if k not in ("schema_version", "run_id", "status"))

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**21, 10**21)
    | st.floats(min_value=-1e21, max_value=1e21, allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


@st.composite
def hostile_reports(draw) -> tuple[str, str]:
    """(what was done, the report as a file holds it)."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    d = KINDS[kind]()
    if draw(st.booleans()):
        section = draw(st.sampled_from(SECTIONS))
        d[section] = draw(section_strategy(section))
        what = f"{kind}: {section} replaced by a schema instance"
    else:
        path = draw(st.sampled_from(sorted({p for p in paths(d) if p}, key=str)))
        d = mutated(d, path, draw(JSON_VALUES))
        what = f"{kind}: {'.'.join(map(str, path))} set to random JSON"
    return what, json_text(d)


def read(text: str) -> RunReport:
    """The report as the app reads a file: the boundary, then the contract (ReportError: refused in one line)."""
    return RunReport.from_dict(parse_report_json(text, "fuzz.json"), source="fuzz.json")
