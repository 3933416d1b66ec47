import signal

import pytest

from dlbench_gui.core.errors import KINDS, classify_exception, classify_exit, describe


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
    assert describe("no_such_kind").kind == "crash"


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
