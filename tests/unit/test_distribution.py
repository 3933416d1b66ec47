"""Distribution without TensorFlow: the options, the failure words, the scaling efficiency, the labels, the groups."""

import json
from pathlib import Path

import pytest

from dlbench_gui.core.measure import distribution
from dlbench_gui.core.config import BenchmarkConfig, ConfigError, parse_cluster
from dlbench_gui.core.store.contract import validation_errors
from dlbench_gui.core.errors import classify_exception, cluster_failure
from dlbench_gui.core.store.report import RunReport
from dlbench_gui.core.view.words import cluster_words
from tests.reports import report_dict, valid_report
from tests.unit.test_cli import dlbench

FIXTURES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "cluster_failure_messages.json").read_text())
CLUSTER = ("10.0.0.1:2222", "10.0.0.2:2222")


def cfg(**kw):
    return BenchmarkConfig(**{"model": "model_a", "dataset": "mnist", "profile": "custom", **kw})


@pytest.mark.parametrize("kw, words", [
    ({"cluster": ("10.0.0.1:2222",)}, "at least two workers"),
    ({"cluster": CLUSTER, "task_index": 2}, "outside the cluster of 2"),
    ({"cluster": CLUSTER, "profile": "quick"}, "needs --profile custom or full"),
    ({"cluster": ("10.0.0.1:2222", "10.0.0.1:2222")}, "the same HOST:PORT twice"),
    ({"cluster": ("10.0.0.1", "10.0.0.2:1")}, "is not HOST:PORT"),
    ({"cluster": CLUSTER, "cpu_devices": 2, "devices": 2}, "one CPU device per worker"),
    ({"task_index": 1}, "--task-index needs --cluster"),
    ({"cpu_devices": 2, "devices": 3}, "split into only 2"),
    ({"devices": -1}, "devices must be a whole number"),
    ({"scaling": "linear"}, "unknown scaling"),
    ({"profile": "full", "devices": 2, "scaling": "weak"}, "weak scaling"),
])
def test_distribution_options_that_cannot_work_are_refused_with_the_reason(kw, words):
    with pytest.raises(ConfigError, match=words):
        cfg(**kw)


def test_which_keras_how_many_replicas_and_the_global_batch():
    one = cfg()
    assert not one.distributed and one.keras_package_for("tensorflow") == "keras" and one.local_devices(gpus=4) == 1
    two = cfg(cpu_devices=2, devices=2)
    assert two.distributed and two.local_devices(gpus=0) == 2 and two.global_batch_size(2) == 64
    assert cfg(devices=0).local_devices(gpus=4) == 4 and cfg(devices=0).local_devices(gpus=0) == 1  # --devices all
    assert cfg(devices=2, scaling="weak").global_batch_size(2) == 128
    c = cfg(cluster=CLUSTER, task_index=1)
    assert c.keras_package_for("tensorflow") == "tf_keras" and c.keras_package_for("jax") == "keras" and c.workers == 2 and c.distributed
    assert BenchmarkConfig.from_dict(json.loads(json.dumps(c.to_dict()))) == c  # a request through JSON
    assert parse_cluster(" 10.0.0.1:1 , [::1]:2 ") == ("10.0.0.1:1", "[::1]:2")


@pytest.mark.parametrize("case", FIXTURES["messages"], ids=lambda c: f"seen_by_{c['seen_by']}")
def test_a_worker_lost_mid_run_is_named_from_tensorflows_own_words_measured(case):
    kind = classify_exception(case["type"], case["message"])
    assert kind == "crash"  # alone, a collective's failure says nothing: the cluster makes it a lost worker
    lost = cluster_failure(case["type"], case["message"], case["cluster"], case["seen_by"])
    assert lost is not None and lost[0] == "worker_lost"
    assert lost[1].startswith(f"worker {case['lost']} ({case['cluster'][case['lost']]}) was lost mid-run")
    assert cluster_failure(case["type"], case["message"], (), 0) is None  # one machine: not a cluster failure


def test_own_cluster_failures_and_other_failures_keep_their_kinds():
    assert cluster_failure("ClusterUnreachable", "worker(s) 10.0.0.2:2222 did not answer", CLUSTER, 0)[0] == \
        "cluster_unreachable"
    assert cluster_failure("PortInUse", "port 2222 is in use", CLUSTER, 0)[0] == "port_in_use"
    assert cluster_failure("ValueError", "bad shape", CLUSTER, 0) is None
    # an OOM on a replica is an OOM (the worker checks the memory kinds first)
    assert classify_exception("ResourceExhaustedError", "OOM when allocating tensor on /device:GPU:1", on_gpu=True) == \
        "gpu_oom"


def _report(run_id, ips, replicas=1, created="2026-11-29T10:00:00", **more):
    d = report_dict(run_id=run_id, created_at=created, timing__steady_images_per_s=ips)
    if replicas > 1 or more:
        d["distribution"] = {"strategy": "MirroredStrategy", "replicas": replicas, "workers": 1,
                             "global_batch_size": 64, "scaling": "strong", **more}
    return RunReport.from_dict(d)


def test_scaling_efficiency_divides_by_n_times_the_latest_one_device_run_of_this_machine():
    base = valid_report()
    history = [_report("old", 100.0, created="2026-11-28T10:00:00"), _report("new", 120.0),
               _report("two", 150.0, replicas=2)]
    d = {"replicas": 2}
    eff = distribution.scaling_efficiency(d, 180.0, history, base.model, base.dataset, "float32", base.hardware)
    assert eff["value"] == pytest.approx(180.0 / (2 * 120.0)) and eff["one_device_run"] == "new"
    other_machine = {**base.hardware, "cpu": {**base.hardware["cpu"], "brand": "another CPU"}}
    assert distribution.scaling_efficiency(d, 180.0, history, base.model, base.dataset, "float32", other_machine) is None
    assert distribution.scaling_efficiency(d, 180.0, history, base.model, base.dataset, "mixed_bfloat16",
                                           base.hardware) is None
    assert distribution.scaling_efficiency({"replicas": 1}, 180.0, history, base.model, base.dataset, "float32",
                                           base.hardware) is None


def test_labels_say_replicas_scaling_and_comparability_and_cluster_reports_group_chief_first():
    assert distribution.label(valid_report()) == "" and distribution.short_label(valid_report()) == ""
    strong = _report("s", 1.0, replicas=2)
    assert "published global batch of 64" in distribution.label(strong)
    weak = _report("w", 1.0, replicas=2, global_batch_size=128, scaling="weak")
    assert "not the published 64" in distribution.label(weak)
    members = [_report(f"w{i}", 1.0, replicas=2, workers=2, cluster=list(CLUSTER), task_index=i, cluster_run=7)
               for i in (1, 0)]
    groups = distribution.cluster_groups([*members, valid_report()])
    assert list(groups) == [7] and [distribution.of(r)["task_index"] for r in groups[7]] == [0, 1]
    assert "worker 0: completed; worker 1: completed" in cluster_words(groups[7])
    assert "1 worker report(s) not imported" in cluster_words(groups[7][:1])
    assert distribution.short_label(members[0]) == "2 replicas, 2 machines, worker 1"


def test_the_contract_checks_distribution_and_refuses_a_hostile_one():
    ok = report_dict(distribution={"strategy": "MirroredStrategy", "replicas": 2, "workers": 1, "scaling": "strong"})
    assert validation_errors(ok) == [] and validation_errors(report_dict(distribution={})) == []
    assert "distribution" not in valid_report().to_dict()  # one device: left out, as before the section existed
    for bad in ({"strategy": "x", "replicas": 0, "workers": 1}, {"strategy": "x", "replicas": 2},
                {"strategy": "x", "replicas": 2, "workers": 1, "scaling": "sideways"},
                {"strategy": "x", "replicas": 2, "workers": 1, "cluster": "not a list"}):
        assert validation_errors(report_dict(distribution=bad)), bad


@pytest.mark.parametrize("args, words", [
    (["--devices", "0"], "must be 1 or more"),
    (["--devices", "many"], "not a number of devices"),
    (["--cluster", "10.0.0.1"], "is not HOST:PORT"),
    (["--cluster", "10.0.0.1:1,10.0.0.2:2", "--task-index", "5", "--profile", "custom"], "outside the cluster"),
    (["--cluster", "10.0.0.1:1,10.0.0.2:2"], "needs --profile custom"),
])
def test_bad_distribution_flags_get_one_line_and_no_traceback(args, words):
    out = dlbench("run", "--data", "synthetic", *args)
    assert out.returncode == 2 and words in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
