"""The request a worker reads and the Result payloads it sends are typed, and their JSON is what it was before
they were typed (older children and stand-in workers read the same keys)."""

import json

import pytest

from dlbench_gui.core.config import BenchmarkConfig
from dlbench_gui.core.wire import events as ev
from dlbench_gui.core.wire.request import (InferPayload, ModelsPayload, ProbePayload, TrainPayload, WorkerRequest,
                                           payload_of)


def test_a_request_travels_as_the_same_json_and_comes_back_equal():
    config = BenchmarkConfig(model="model_b", dataset="fashion_mnist", profile="quick", data="synthetic")
    request = WorkerRequest(task="train", config=config, checkpoint_path="/tmp/r/best_model.keras", heartbeat_s=5.0,
                            datasets=("fashion_mnist", "mnist"))
    d = json.loads(request.to_json())
    assert d["task"] == "train" and d["config"]["model"] == "model_b" and d["datasets"] == ["fashion_mnist", "mnist"]
    assert d["checkpoint_path"] == "/tmp/r/best_model.keras" and d["heartbeat_s"] == 5.0
    assert WorkerRequest.from_json(request.to_json()) == request
    assert request.dataset_names == ["fashion_mnist", "mnist"]


def test_a_request_as_the_runner_wrote_it_before_it_was_typed_still_reads():
    old = {"task": "probe", "config": {"model": "model_a", "dataset": "mnist", "data": "synthetic", "profile": "custom",
                                       "epochs": 1, "train_samples": 128, "cluster": []}, "steps": 2}
    r = WorkerRequest.from_dict(old)
    assert r.steps == 2 and r.heartbeat_s == 10.0 and r.dataset_names == ["mnist"] and r.config.cluster == ()


@pytest.mark.parametrize("bad", ["not json", '{"task": "train"}', '{"task": "fly", "config": {"model": "model_a", '
                                                                   '"dataset": "mnist"}}'])
def test_a_malformed_request_is_a_wire_error(bad):
    with pytest.raises(ev.WireError):
        WorkerRequest.from_json(bad)


def test_each_task_payload_reads_back_from_its_result_event_and_keeps_unknown_fields():
    train = TrainPayload(timing={"execution_time_s": 3.0}, data={"source": "synthetic"}, model={"params": 1},
                         build_s=0.2, dataset="mnist", gpu_peak_bytes=1024)
    event = ev.from_json(train.event().to_json())
    assert isinstance(event, ev.Result) and event.task == "train" and event.get("timing") == {"execution_time_s": 3.0}
    assert payload_of(event) == train
    later = ev.Result(task="infer", extra={"inference": {"load_s": 1.0}, "dataset": "mnist", "new_field": 7})
    infer = payload_of(later)
    assert isinstance(infer, InferPayload) and infer.inference == {"load_s": 1.0} and infer.extra == {"new_field": 7}
    assert isinstance(payload_of(ev.Result(task="probe", extra={"probe": {"batch_size": 64}})), ProbePayload)
    assert payload_of(ev.Result(extra={"models": {"model_a": {}}}), "describe") == ModelsPayload(models={"model_a": {}})
