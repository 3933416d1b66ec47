import signal

import pytest

from dlbench_gui.core.wire import events as ev
from dlbench_gui.core.errors import KINDS, classify_exception, classify_exit, error_kind


@pytest.mark.parametrize("name,message,kind", [
    ("ResourceExhaustedError", "OOM when allocating tensor with shape[64,2048] on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc", "gpu_oom"),
    ("ResourceExhaustedError", "OOM when allocating tensor with shape[64,2048] on /job:localhost/replica:0/task:0/device:CPU:0", "host_oom"),
    ("MemoryError", "Unable to allocate 3.2 GiB", "host_oom"),
    ("DiskFullError", "disk full while writing x", "disk_full"),
    ("OSError", "[Errno 28] No space left on device", "disk_full"),
    ("DatasetError", "x.gz: truncated", "data_error"),
    ("ModelLoadError", "cannot be loaded", "model_error"),
    ("InternalError", "Could not load dynamic library 'libcudnn.so.9'", "gpu_driver"),
    ("ValueError", "something else", "crash"),
])
def test_exceptions_are_classified(name, message, kind):
    assert classify_exception(name, message) == kind


def test_exits_without_result_are_classified():
    assert classify_exit(-signal.SIGKILL, near_memory_limit=True, hung=False) == "host_oom"
    assert classify_exit(-signal.SIGKILL, near_memory_limit=False, hung=True) == "hang"
    assert classify_exit(-signal.SIGSEGV, near_memory_limit=False, hung=False) == "crash"
    assert classify_exit(1, near_memory_limit=False, hung=False, stderr_tail="OSError: [Errno 28] No space left on device") == "disk_full"


def test_every_kind_has_words_and_advice():
    for k in KINDS.values():
        assert k.title and k.explanation.endswith(".") and k.suggestion
    assert error_kind("no_such_kind").kind == "crash"


def test_a_failed_onednn_allocation_is_host_oom_only_under_a_host_ceiling():
    msg = "Operation received an exception:Status: 1, message: could not create a primitive, in file mkl_conv_ops.cc"
    assert classify_exception("UnknownError", msg, under_host_limit=True) == "host_oom"
    assert classify_exception("UnknownError", msg, under_host_limit=False) == "crash"


def test_gpu_visibility_problem_only_when_an_nvidia_gpu_is_present_and_tensorflow_sees_none():
    from dlbench_gui.core.errors import gpu_visibility_problem

    card = {"gpu": {"nvidia": [{"name": "NVIDIA H200"}]}}
    assert "NVIDIA H200" in gpu_visibility_problem(card, [])
    assert gpu_visibility_problem(card, [{"name": "/physical_device:GPU:0", "type": "GPU"}]) is None
    assert gpu_visibility_problem({"gpu": {"nvidia": []}}, []) is None  # no GPU: CPU training is expected
    assert gpu_visibility_problem(card, None) is None  # TensorFlow's view not known yet
    assert "driver device files" in gpu_visibility_problem({"gpu": {"nvidia": [], "driver_device_files": True}}, [])


RESULT = ev.Result()
CANCELLED = ev.Cancelled()
CRASH = ev.Error(kind="crash", message="Segmentation fault in a kernel")
GPU_OOM = ev.Error(kind="gpu_oom", message="OOM when allocating tensor on /job:localhost/device:GPU:0")
GB = 2**30

OUTCOMES = [
    # id, final event, return code, stderr tail, peak RSS, ceiling GB, hung, extra, status, error kind, words
    ("result", RESULT, 0, "", 1 * GB, None, False, {}, "completed", None, None),
    ("cancelled by the child", CANCELLED, 0, "", 0, None, False, {}, "cancelled", "cancelled", "stopped on request"),
    ("stopped, no final event", None, -15, "", 0, None, False, {"stopped": True}, "cancelled", "cancelled", None),
    ("hung beats stopped", None, -9, "", 0, None, True, {"stopped": True, "watchdog_s": 120}, "failed", "hang",
     "no event for 120 s"),
    ("error event kept", GPU_OOM, 1, "", 0, None, False, {}, "failed", "gpu_oom", "OOM when allocating"),
    ("crash under a ceiling is host OOM", CRASH, 1, "", 3.5 * GB, 4.0, False, {}, "failed", "host_oom",
     "peak RSS under the 4.0 GB host memory ceiling"),
    ("crash far from any ceiling stays a crash", CRASH, 1, "", 1 * GB, None, False, {}, "failed", "crash", "Segmentation"),
    ("killed at the ceiling", None, -9, "", 3.9 * GB, 4.0, False, {"task": "infer"}, "failed", "host_oom",
     "the infer process ended (killed by signal SIGKILL) at its memory ceiling of 4.0 GB"),
    ("killed while RAM was full", None, -9, "", 1 * GB, None, False, {"ram_percent": 97.0}, "failed", "host_oom", None),
    ("disk full in the log", None, 1, "OSError: [Errno 28] No space left on device", 0, None, False, {}, "failed",
     "disk_full", None),
    ("GPU OOM in the log", None, 1, "ResourceExhaustedError: OOM when allocating tensor ... device:GPU:0", 0, None,
     False, {}, "failed", "gpu_oom", None),
    ("silent exit", None, 3, "", 0, None, False, {}, "failed", "crash", "ended without a result (exit status 3)"),
]


@pytest.mark.parametrize("name,final,rc,tail,peak,ceiling,hung,extra,status,kind,words", OUTCOMES,
                         ids=[o[0] for o in OUTCOMES])
def test_classify_outcome(name, final, rc, tail, peak, ceiling, hung, extra, status, kind, words):
    from dlbench_gui.core.errors import classify_outcome

    got_status, error = classify_outcome(final, rc, tail, peak, ceiling, hung, **extra)
    assert got_status == status
    assert (error or {}).get("kind") == kind
    if words:
        assert words in error["message"]
    if error:
        assert error["title"] and error["suggestion"]


FIXTURES = __import__("json").loads(
    (__import__("pathlib").Path(__file__).parents[1] / "fixtures" / "gpu_failure_messages.json").read_text())


@pytest.mark.parametrize("case", FIXTURES["cases"], ids=[c["name"] for c in FIXTURES["cases"]])
def test_injected_gpu_failure_messages_are_classified_as_their_kind(case):
    """The real messages of TensorFlow's BFC allocator, XLA, cuDNN, cuBLAS and the CUDA driver (each cited in the
    fixture), with the host-OOM, driver and unknown cases beside them. Injected: no GPU here."""
    if case["type"]:
        kind = classify_exception(case["type"], case["text"], on_gpu=case["on_gpu"],
                                  vram_full=case.get("vram_full", False),
                                  under_host_limit=case.get("under_host_limit", False))
    else:  # a child that died without a Python exception: its log tail
        kind = classify_exit(-signal.SIGABRT, near_memory_limit=False, hung=False, stderr_tail=case["text"],
                             on_gpu=case["on_gpu"], vram_full=case.get("vram_full", False))
    assert kind == case["expect"], case["source"]


def test_injected_a_child_that_dies_while_nvml_shows_its_gpu_memory_full_is_gpu_oom_not_crash():
    from dlbench_gui.core.errors import classify_outcome
    from dlbench_gui.runner.supervisor import vram_was_full

    full = [{"gpus": [{"vram_used_bytes": 7.9e9, "vram_total_bytes": 8.0e9}]}]
    roomy = [{"gpus": [{"vram_used_bytes": 2.0e9, "vram_total_bytes": 8.0e9}]}]
    assert vram_was_full(full) and not vram_was_full(roomy) and not vram_was_full([{}])
    status, err = classify_outcome(None, -signal.SIGSEGV, "Segmentation fault", 1e9, None, False, on_gpu=True,
                                   vram_full=vram_was_full(full))
    assert status == "failed" and err["kind"] == "gpu_oom" and "GPU's memory full (NVML)" in err["message"]
    assert "Find largest batch" in err["suggestion"] and "--gpu-memory-limit" in err["suggestion"]
    assert "mixed_float16" in err["suggestion"]
    _, err = classify_outcome(None, -signal.SIGSEGV, "Segmentation fault", 1e9, None, False, on_gpu=True,
                              vram_full=vram_was_full(roomy))
    assert err["kind"] == "crash"
    # a worker's own "crash" with the memory full is the memory
    _, err = classify_outcome(ev.Error(kind="crash", message="illegal memory access"), 1, "", 1e9, None, False,
                              vram_full=True)
    assert err["kind"] == "gpu_oom"


def test_every_error_kind_has_advice_in_words_for_what_to_try():
    for kind in ("gpu_oom", "host_oom", "gpu_driver", "no_gpu_visible"):
        assert len(KINDS[kind].suggestion.split()) >= 8
