import builtins
import os

from dlbench_gui.hardware import detect, nvml
from dlbench_gui.hardware.telemetry import Sampler
from tests.conftest import wait_until


def test_detection_fills_cpu_ram_and_disk(tmp_path):
    hw = detect.detect(tmp_path)
    assert hw["cpu"]["logical_cores"] == os.cpu_count()
    assert hw["cpu"]["brand"]
    assert hw["memory"]["total_bytes"] > hw["memory"]["available_bytes"] > 0
    assert hw["disk"]["free_bytes"] > 0 and hw["disk"]["path"] == str(tmp_path)
    assert hw["os"]["python"]
    if hw["cpu"]["vector_features"]:
        assert hw["cpu"]["peak_fp32_flops"] > 1e9


def test_no_nvidia_gpu_is_said_cleanly():
    hw = detect.detect()
    if not hw["gpu"]["nvidia"]:
        assert hw["gpu"]["summary"] == "no GPU or other accelerator found"
        assert any("none found: no NVIDIA GPU (NVML: " in line for line in detect.summary_lines(hw))


def test_nvml_missing_entirely_is_handled(monkeypatch):
    real_import = builtins.__import__

    def no_pynvml(name, *args, **kwargs):
        if name == "pynvml":
            raise ImportError("No module named 'pynvml'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pynvml)
    with nvml.Nvml() as nv:
        assert nv.static_info() == [] and nv.handles() == []
        assert "ImportError" in nv.error()
    assert detect.gpu_info()["summary"] == "no GPU or other accelerator found"


def test_cpu_peak_formula():
    p = detect.cpu_peak(4, 3000.0, ["avx", "avx2", "fma"])
    assert p["peak_fp32_flops"] == 4 * 3000e6 * 32 and "AVX2 FMA" in p["peak_method"]
    assert detect.cpu_peak(None, 3000.0, ["avx2"])["peak_fp32_flops"] is None


def test_sampler_records_a_series_with_marks():
    s = Sampler(interval_s=0.05, gpus=False)
    s.watch(os.getpid())
    s.mark(phase="training", epoch=1)
    s.start()
    wait_until(lambda: len(s.samples) >= 4, timeout_s=30)
    s.stop()
    assert len(s.samples) >= 4
    assert s.samples[-1]["phase"] == "training" and s.samples[-1]["child_rss_bytes"] > 0
    summary = s.summary()
    assert summary["cpu_percent"]["max"] >= summary["cpu_percent"]["mean"]
    assert s.peak_child_rss_bytes > 0


def test_the_machine_rows_name_no_framework_a_run_may_not_use():
    """A JAX or PyTorch run's PDF once said "TensorFlow will run on the CPU" (#33, #32): the machine's rows say what
    the machine has; which device a framework uses is its run's to say."""
    from dlbench_gui.core import frameworks
    from dlbench_gui.core.view.present import hardware_rows

    text = " ".join(v for _, v in hardware_rows({"gpu": {"nvidia": []}}))
    assert "no NVIDIA GPU detected" in text
    assert not [f.label for f in frameworks.FRAMEWORKS if f.label in text]
