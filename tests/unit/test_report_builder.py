"""The report builder is a pure function: recorded child outcomes, telemetry facts and a history in, a report out,
with no process and no file. The outcomes here are recorded from a real tiny custom run of Model A
(tests/gui/data/report_model_a_custom.json) and from the quick policy's own timing."""

import pytest

from dlbench_gui.core.config import BenchmarkConfig
from dlbench_gui.core.measure import quick_policy
from dlbench_gui.core.store.contract import validation_errors
from dlbench_gui.core.wire import events as ev
from dlbench_gui.core.wire.request import InferPayload, TrainPayload
from dlbench_gui.runner.report_builder import TelemetryFacts, build_report, start_report
from dlbench_gui.runner.supervisor import ChildOutcome
from tests.reports import report_dict, valid_report

RECORDED = report_dict()
HELLO = ev.Hello(software=RECORDED["software"], gpu_memory_limit={"gpu_memory_limit_gb": None, "applied": None})


def custom_config(**more):
    values = dict(model="model_a", dataset="mnist", profile="custom", epochs=1, batch_size=64, train_samples=640,
                  val_samples=128, data="synthetic", weights="random")
    return BenchmarkConfig(**{**values, **more})


def train_outcome(timing, **more):
    t = {k: v for k, v in timing.items() if k not in ("inference", "inference_data_prep_s", "data_prep_s", "build_s",
                                                       "compile_s")}
    model = {**RECORDED["model"], "weights": {"used": "random", "reason": "as asked"}}
    payload = TrainPayload(timing=t, data=RECORDED["data"], model=model, data_prep_s=0.5, build_s=0.3,
                           compile_s=0.01, step_times_s=RECORDED["step_times_s"], **more)
    return ChildOutcome(status="completed", result=payload, hello=HELLO, epochs=list(t.get("epochs") or []),
                        data=RECORDED["data"])


def infer_outcome():
    return ChildOutcome(status="completed", result=InferPayload(inference=RECORDED["timing"]["inference"],
                                                                data_prep_s=0.2, data=RECORDED["data"]))


def begin(config):
    return start_report("r1", config, RECORDED["hardware"], data_source="synthetic", log_path="/tmp/w.log",
                        extra={"run_dir": "/tmp/r1"})


def test_a_completed_custom_run_is_built_from_its_outcomes_and_meets_the_contract():
    config = custom_config()
    r = build_report(begin(config), config, train_outcome(RECORDED["timing"]), infer_outcome(), None, [])
    assert r.status == "completed" and r.error is None and r.estimate is None
    assert r.timing["execution_time_s"] == RECORDED["timing"]["execution_time_s"]
    assert r.timing["inference"] == RECORDED["timing"]["inference"] and r.timing["data_prep_s"] == 0.5
    assert r.config["epochs"] == 1 and r.config["weights_used"] == "random"
    assert r.energy == {"unavailable_reason": "telemetry was off for this run"}
    assert r.efficiency["train_flops_per_step"] == RECORDED["model"]["train_flops_per_image"] * 64
    assert validation_errors(r.to_dict()) == []


def test_a_quick_run_keeps_the_requested_config_and_puts_what_it_measured_beside_it():
    config = BenchmarkConfig(model="model_a", dataset="mnist", profile="quick", data="synthetic", weights="random")
    steps = [4.0, 0.5, 0.4, 0.35] + [0.3] * 30
    timing = quick_policy.quick_timing(64, steps, 12.0, 2.0, [1.0, 0.1, 0.1], 0.8, [0.6, 0.3, 0.3])
    timing["epochs"] = [{"epoch": 1, "train_s": 12.0, "val_s": 2.0, "checkpoint_s": 0.8, "epoch_s": 14.8,
                         "steps": len(steps), "images": len(steps) * 64, "val_images": 192, "measured_pass": True,
                         "loss": 2.1, "accuracy": 0.2, "val_loss": 2.0, "val_accuracy": 0.25}]
    inference = {"predict_s": 2.0, "images": 544, "batch_size": 32, "first_batch_s": 1.0,
                 "steady_s_per_image": 0.002, "load_s": 1.5, "total_s": 3.5}
    infer = ChildOutcome(status="completed", result=InferPayload(inference=inference, data=RECORDED["data"]))
    r = build_report(begin(config), config, train_outcome(timing), infer, None, [])
    assert (r.config["epochs"], r.config["train_samples"], r.config["val_samples"]) == (100, 60_000, 10_000)
    assert r.timing["measured"]["epochs"] == 1 and r.timing["measured"]["train_samples"] == len(steps) * 64
    assert r.estimate["protocol"]["epochs"] == 100 and r.estimate["protocol_is_published"] is True
    lo, hi = r.estimate["execution_time_ci95_s"]
    assert lo < r.estimate["execution_time_s"] < hi
    assert r.timing_facts.measured["val_samples"] == 192 and r.estimate_facts.protocol_is_published
    assert validation_errors(r.to_dict()) == []


def test_a_failed_training_keeps_the_epochs_that_finished():
    config = custom_config(epochs=3)
    epochs = [{"epoch": 1, "train_s": 10.0, "val_s": 1.0, "checkpoint_s": 0.5}]
    train = ChildOutcome(status="failed", error={"kind": "host_oom", "message": "killed"}, hello=HELLO, epochs=epochs)
    r = build_report(begin(config), config, train, None, None, [])
    assert r.status == "failed" and r.error["kind"] == "host_oom"
    assert r.timing["execution_time_s"] == pytest.approx(11.5) and "partial" in r.timing["note"]


def test_an_inference_that_failed_decides_the_status():
    config = custom_config()
    infer = ChildOutcome(status="failed", error={"kind": "crash", "message": "saved model not found"})
    r = build_report(begin(config), config, train_outcome(RECORDED["timing"]), infer, None, [])
    assert r.status == "failed" and r.error["message"] == "saved model not found"


def test_a_distributed_run_is_divided_by_the_one_device_run_in_the_history_handed_in():
    config = custom_config(devices=2, cpu_devices=2)
    one = valid_report(run_id="one", timing__steady_images_per_s=200.0)
    described = {"strategy": "MirroredStrategy", "replicas": 2, "workers": 1, "devices": ["CPU:0", "CPU:1"],
                 "global_batch_size": 64, "per_replica_batch_size": 32, "scaling": "strong", "keras_package": "keras"}
    timing = {**RECORDED["timing"], "steady_images_per_s": 300.0}
    r = build_report(begin(config), config, train_outcome(timing, distribution=described), infer_outcome(), None,
                     [one])
    eff = r.distribution["scaling_efficiency"]
    assert eff["one_device_run"] == "one" and eff["value"] == pytest.approx(300.0 / (2 * 200.0))
    alone = build_report(begin(config), config, train_outcome(timing, distribution=described), infer_outcome(), None,
                         [])
    assert alone.distribution["scaling_efficiency"] is None and "no completed one-device run" in \
        alone.distribution["scaling_efficiency_note"]


def test_telemetry_facts_become_findings_and_warnings_from_the_hello_are_kept():
    config = custom_config()
    samples = [{"t": 0.5 * i, "phase": "training", "other_cpu_share": 0.4, "cpu_percent": 100.0} for i in range(8)]
    facts = TelemetryFacts(samples=samples, summary={}, cpu_energy_reason="no RAPL here",
                           gpu_energy_reason="no NVIDIA GPU")
    r = build_report(begin(config), config, train_outcome(RECORDED["timing"]), infer_outcome(), facts, [],
                     warnings={"no_gpu_visible": "a GPU is present but unused"})
    assert r.findings["interference"]["verdict"] == "interfered"
    assert r.findings["no_gpu_visible"] == "a GPU is present but unused"
    assert "unavailable_reason" in r.energy or r.energy.get("cpu_reason") == "no RAPL here"
