"""How right is the prediction a session starts with (#26, item 1)? A default quick session of Model A on both
datasets, three ways:
  rough    a first launch (no history): the protocol page's figures and the quick profile's stop rules;
  again    the second run predicted again from the session's own first report (what the ETA uses once run 1 ends);
  history  the same session again in the same home: each run predicted from the last runs like it (their mean).
Each against the measured run (its report's start to end), and whether that fell inside the predicted range (the
shortest and longest a quick run may take). Every round is listed.

`python benchmarks/first_launch.py [--rounds N] [--sessions N]`; each round's data folder is kept (its path printed)
and `--rejudge HOME [HOME ...]` judges the runs kept there again with the predictor as it is now, running nothing."""

import argparse
import dataclasses
import json
import os
import sys
import tempfile

from common import ROOT, _dlbench_run

sys.path.insert(0, ROOT)
from dlbench_gui.core.config import BenchmarkConfig  # noqa: E402
from dlbench_gui.core.measure.predict import Prediction, predict, predict_all, wall_s  # noqa: E402
from dlbench_gui.core.store.report import RunReport  # noqa: E402

ARGS = ("--model", "model_a", "--dataset", "all", "--data", "synthetic", "--weights", "random")
FIRST = BenchmarkConfig(model="model_a", dataset="mnist", data="synthetic", weights="random")
BOTH = [FIRST, dataclasses.replace(FIRST, dataset="fashion_mnist")]


def session(home: str, name: str) -> list[RunReport]:
    out = os.path.join(home, name)
    _dlbench_run(ARGS, out, home)
    return [RunReport.from_dict(json.load(open(os.path.join(out, f)))) for f in sorted(os.listdir(out))]


def row(round_: int, kind: str, predicted: list[Prediction], reports: list[RunReport]) -> dict:
    measured, seconds = [wall_s(r) for r in reports], [p.seconds for p in predicted]
    return {"round": round_, "kind": kind, "predicted_s": [round(s, 1) for s in seconds],
            "range_s": [[round(p.low, 1), round(p.high, 1)] for p in predicted], "measured_s": measured,
            "inside": [p.low <= m <= p.high for p, m in zip(predicted, measured)],
            "error_pct": [round(100 * (p - m) / m, 1) for p, m in zip(seconds, measured)],
            "total_error_pct": round(100 * (sum(seconds) - sum(measured)) / sum(measured), 1)}


def kept(home: str, name: str) -> list[RunReport]:
    out = os.path.join(home, name)
    return [RunReport.from_dict(json.load(open(os.path.join(out, f)))) for f in sorted(os.listdir(out))]


def judge(i: int, home: str, sessions: int, run) -> list[dict]:
    """One round's rows: its sessions run (`run` = session) or read back (`run` = kept), each judged as predicted."""
    rows = []
    rough = predict_all(BOTH)
    first = run(home, "first")
    rows.append(row(i, "rough", rough, first))
    again = predict(BOTH[1], [first[0]], shared=True, backend="tensorflow")
    rows.append(row(i, "again (run 2)", [again], first[1:]))
    history = list(reversed(first))
    for n in range(1, sessions):
        predicted = predict_all(BOTH, history, ["tensorflow"] * 2)
        done = run(home, f"again{n}")
        rows.append(row(i, f"history ({n} earlier)", predicted, done))
        history = list(reversed(done)) + history
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sessions", type=int, default=3, help="sessions a round runs in one home (the first: no history)")
    ap.add_argument("--rejudge", nargs="+", metavar="HOME", help="judge the runs kept in these homes again")
    a = ap.parse_args()
    if a.rejudge:
        for i, home in enumerate(a.rejudge, 1):
            sessions = len([d for d in os.listdir(home) if d == "first" or d.startswith("again")])
            for r in judge(i, home, sessions, kept):
                print(json.dumps(r), flush=True)
        return
    for i in range(1, a.rounds + 1):
        home = tempfile.mkdtemp(prefix="dlbench-first-")
        print(f"round {i}: {home}", file=sys.stderr, flush=True)
        for r in judge(i, home, a.sessions, session):
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
