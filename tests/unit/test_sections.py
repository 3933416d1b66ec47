"""Typed views of the report sections read most: the same figures as the dicts, and tolerant of the wrong types
an untrusted report may carry (they read as absent, never as a crash)."""

from dlbench_gui.core.store.sections import Distribution, Estimate, TelemetrySample, Timing
from tests.reports import report_dict, valid_report


def test_the_recorded_report_reads_the_same_through_its_typed_sections():
    r = valid_report()
    t = r.timing_facts
    assert t.execution_time_s == r.timing["execution_time_s"] and t.steady_step.n == r.timing["steady_step"]["n"]
    assert t.inference.total_s == r.timing["inference"]["total_s"] and len(t.epochs) == len(r.timing["epochs"])
    assert r.estimate_facts is None and r.distribution_facts is None
    samples = r.telemetry_samples
    assert samples and samples[0].t == r.telemetry["samples"][0]["t"]


def test_wrong_types_read_as_absent():
    t = Timing.of({"execution_time_s": "fast", "steady_step": {"n": True, "mean": "x"}, "inference": [1, 2],
                   "epochs": [1, {"epoch": 1}]})
    assert t.execution_time_s is None and t.steady_step.n == 0 and t.steady_step.mean is None
    assert t.inference is None and t.epochs == ({"epoch": 1},)
    assert Estimate.of({"execution_time_ci95_s": [1, "two"], "protocol_is_published": "yes"}).ci95_s is None
    assert Distribution.of({}) is None and Distribution.of({"replicas": 2.5, "devices": "abc"}).replicas is None
    s = TelemetrySample.of({"t": 1, "cpu_percent": None, "gpus": [None, {"util_percent": 3}], "phase": 4})
    assert s.t == 1.0 and s.cpu_percent is None and s.gpus == ({"util_percent": 3},) and s.phase is None


def test_a_quick_estimate_reads_its_interval_and_protocol():
    d = report_dict(estimate={"execution_time_s": 100.0, "execution_time_ci95_s": [90.0, 110.0],
                              "protocol": {"epochs": 100}, "protocol_is_published": True, "interval_covers": "x"})
    e = Estimate.of(d["estimate"])
    assert e.ci95_s == (90.0, 110.0) and e.protocol == {"epochs": 100} and e.protocol_is_published
