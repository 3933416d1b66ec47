"""The report contract: the JSON Schema shipped in resources/report.schema.json, checked with `fastjsonschema`
(the schema compiled once to Python: a few milliseconds for a long run's report, where an interpreting validator
took 50), plus the two cross-field rules a schema cannot state. Every report that is read (history, import,
export, `dlbench validate`) passes through here, so nothing downstream meets a value of the wrong type."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from .. import frameworks
from ..resources import resource

SCHEMA_FILE = "report.schema.json"


def with_registry(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the backend names of the registry (core/frameworks.py): what may be asked (auto or an offered
    framework) and what may have run (any framework a worker runs). The shipped file names none, so a new framework
    is one registry entry."""
    props = schema["properties"]
    asked, ran = list(frameworks.ACCEPTED), [f.name for f in frameworks.FRAMEWORKS]
    props["config"]["properties"]["backend"]["enum"] = asked
    software = props["software"]["properties"]
    software["backend"]["enum"] = ran
    software["backend_choice"]["properties"]["requested"]["enum"] = list(dict.fromkeys([*asked, *ran]))
    software["backend_choice"]["properties"]["chosen"]["enum"] = ran
    return schema


@lru_cache(maxsize=1)
def _validator():
    import fastjsonschema

    return fastjsonschema.compile(with_registry(json.loads(resource(SCHEMA_FILE).read_text(encoding="utf-8"))))


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _words(error) -> str:
    """One schema violation in words: where (a dotted path), and what is wrong there."""
    where = error.name[len("data"):].lstrip(".") or "the report"
    if error.rule == "required" and isinstance(error.value, dict):
        missing = [k for k in error.rule_definition if k not in error.value]
        return f"{where} lacks {', '.join(repr(k) for k in missing)}"
    if error.rule in ("enum", "const"):
        return f"{where}: unknown value {_clip(repr(error.value))}"
    if error.rule == "type":
        kinds = error.rule_definition if isinstance(error.rule_definition, list) else [error.rule_definition]
        return f"{where}: {_clip(repr(error.value))} is not of type {' or '.join(map(repr, kinds))}"
    if error.rule in ("minimum", "exclusiveMinimum", "maximum", "minItems", "maxItems", "minLength", "maxLength",
                      "pattern"):
        return f"{where}: {_clip(repr(error.value))} breaks {error.rule} {error.rule_definition!r}"
    return f"{where}: {_clip(error.message, 160)}"


def _cross_field(data: dict[str, Any]) -> list[str]:
    """What the schema cannot say: a completed run's figures must add up and cover the epochs it claims."""
    if data.get("status") != "completed":
        return []
    t, c = data["timing"], data["config"]
    problems = []
    ex, tr, va = t["execution_time_s"], t["train_time_s"], t["val_time_s"]
    if abs(ex - (tr + va)) > 0.05 * ex + 0.5:
        problems.append(f"timing.execution_time_s ({ex:.3f}) is not training ({tr:.3f}) + validation ({va:.3f})")
    ran = t.get("measured") if isinstance(t.get("measured"), dict) else c  # a quick run: what it measured
    if len(t["epochs"]) != ran.get("epochs"):
        where = "timing.measured.epochs" if ran is not c else "config.epochs"
        problems.append(f"timing.epochs holds {len(t['epochs'])} epoch(s), {where} says {ran.get('epochs')}")
    return problems


def one_line(text: object) -> str:
    """TEXT on one line, whatever it quotes: a line break or other control character in a path, a name (a newline in
    DLBENCH_HOME) or a report's key is shown escaped, so the line cannot be split and a second line cannot be
    spoofed (#33 B6)."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(text))


def validation_errors(data: Any) -> list[str]:
    """Problems in words (the first that the schema meets, else the cross-field ones); empty: the contract holds."""
    import fastjsonschema

    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        return [one_line(_words(exc))]
    return _cross_field(data)
