"""Energy and throttling from the counters that exist: RAPL through a fake sysfs tree (the root is a parameter), the
GPU parts with injected NVML samples (this machine has neither counter: no /sys/class/powercap, no GPU)."""

import pytest

from dlbench_gui.core.measure import throttling
from dlbench_gui.core.measure.energy import energy_of
from dlbench_gui.hardware.rapl import RaplReader


def fake_rapl(root, packages):
    """packages: {index: (energy_uj, max_energy_range_uj)}; a core sub-domain too, which must not be counted twice."""
    for i, (value, wrap) in packages.items():
        d = root / f"intel-rapl:{i}"
        d.mkdir(parents=True)
        (d / "name").write_text(f"package-{i}\n")
        (d / "energy_uj").write_text(f"{value}\n")
        (d / "max_energy_range_uj").write_text(f"{wrap}\n")
        sub = root / f"intel-rapl:{i}:0"
        sub.mkdir()
        (sub / "name").write_text("core\n")
        (sub / "energy_uj").write_text("5\n")
    return root


def set_energy(root, i, value):
    (root / f"intel-rapl:{i}" / "energy_uj").write_text(f"{value}\n")


def test_injected_rapl_packages_are_summed_and_a_wrap_around_is_handled(tmp_path):
    root = fake_rapl(tmp_path / "powercap", {0: (1_000_000, 262_143_328_850), 1: (262_143_000_000, 262_143_328_850)})
    r = RaplReader(root)
    assert r.available and r.source == "RAPL package-0, package-1" and r.read_j() == 0
    set_energy(root, 0, 11_000_000)  # +10 J
    set_energy(root, 1, 671_150)  # wrapped: (262_143_328_850 - 262_143_000_000) + 671_150 uJ = 1 J
    assert r.read_j() == pytest.approx(11.0)
    set_energy(root, 0, 16_000_000)  # +5 J
    assert r.read_j() == pytest.approx(16.0)


def test_without_rapl_the_reason_is_said(tmp_path):
    missing = RaplReader(tmp_path / "nowhere")
    assert not missing.available and missing.read_j() is None and "does not exist" in missing.reason
    (tmp_path / "empty").mkdir()
    unreadable = RaplReader(tmp_path / "empty")
    assert not unreadable.available and "no readable RAPL package counter" in unreadable.reason


def samples(gpu_energy_mj=None, cpu_j=None, phases=("training",) * 5, clocks=None, reasons=None, util=None):
    out = []
    for k, phase in enumerate(phases):
        s = {"t": float(k), "phase": phase}
        if cpu_j is not None:
            s["cpu_energy_j"] = cpu_j * k
        if gpu_energy_mj is not None:
            s["gpus"] = [{"energy_mj": 1_000_000 + gpu_energy_mj * k,
                          "sm_clock_mhz": (clocks or [1800] * len(phases))[k],
                          "throttle_reasons": (reasons or [[]] * len(phases))[k],
                          "util_percent": (util or [90] * len(phases))[k]}]
        out.append(s)
    return out


def test_injected_gpu_and_rapl_counters_give_energy_per_epoch_and_for_the_protocol():
    # 4 s of training at 250 W on the GPU (NVML, mJ) and 50 W on the CPU (RAPL), a full run of 2 epochs
    e = energy_of(samples(gpu_energy_mj=250_000, cpu_j=50), epochs=2, estimate=None, cpu_source="RAPL package-0",
                  cpu_reason=None, gpu_reason=None)
    assert e["total_j"] == pytest.approx(4 * 300) and e["per_epoch_j"] == pytest.approx(600)
    assert e["protocol_wh_estimate"] == pytest.approx(1200 / 3600) and e["mean_power_w"] == pytest.approx(300)
    assert e["source"] == "NVML total energy counter of GPU 0 + RAPL package-0" and e["unavailable_reason"] is None
    # a quick run: the measured power times the estimated protocol (10 h, 100 epochs)
    q = energy_of(samples(gpu_energy_mj=250_000), epochs=1, cpu_source=None, cpu_reason="no RAPL", gpu_reason=None,
                  estimate={"execution_time_s": 36_000, "protocol": {"epochs": 100}})
    assert q["protocol_wh_estimate"] == pytest.approx(250 * 10) and q["per_epoch_j"] == pytest.approx(250 * 360)
    # the inference child's samples (phase "predicting") are not training energy
    only_infer = energy_of(samples(gpu_energy_mj=250_000, phases=("predicting",) * 5), epochs=1, estimate=None,
                           cpu_source=None, cpu_reason="no RAPL here", gpu_reason="no GPU counter")
    assert only_infer["total_j"] is None


def test_this_machine_without_counters_says_not_available_and_why():
    e = energy_of(samples(), epochs=1, estimate=None, cpu_source=None,
                  cpu_reason="no RAPL energy counter: /sys/class/powercap does not exist",
                  gpu_reason="no NVIDIA GPU energy counter: NVML sees no GPU")
    assert e["total_j"] is None and e["per_epoch_j"] is None
    assert e["unavailable_reason"] == ("no NVIDIA GPU energy counter: NVML sees no GPU; no RAPL energy counter: "
                                       "/sys/class/powercap does not exist")


def test_injected_gpu_clocks_under_a_power_cap_are_reported_as_throttling():
    hw = {"gpu": {"nvidia": [{"max_sm_clock_mhz": 2000}]}, "cpu": {"max_clock_mhz": None}}
    clocks = [2000, 1640, 1640, 2000, 1640, 2000, 2000, 2000, 2000, 2000]
    reasons = [[], ["software power cap"], ["software power cap"], [], ["software power cap"]] + [[]] * 5
    t = throttling.assess(samples(gpu_energy_mj=1, phases=("training",) * 10, clocks=clocks, reasons=reasons), hw)
    assert t["verdict"] == "throttled"
    assert t["evidence"][0] == "GPU 0 clocks fell 18% below maximum (2000 MHz) for 30% of training: software power cap"
    steady = throttling.assess(samples(gpu_energy_mj=1, phases=("training",) * 10, clocks=[1990] * 10), hw)
    assert steady["verdict"] == "not throttled" and "stayed within 5%" in steady["evidence"][0]


def test_an_idle_gpu_at_low_clocks_is_not_throttled():
    """Seen on the lent H200 (docs/benchmarks.md, GPU check): while the load's process started, the GPU sat idle at
    345 MHz for a fifth of the samples, util 0 and no reason, and the old rule called that throttling."""
    hw = {"gpu": {"nvidia": [{"max_sm_clock_mhz": 1980}]}, "cpu": {"max_clock_mhz": None}}
    clocks, util = [345, 345, 1980, 1980, 1980, 1980, 1980, 1980, 1980, 1980], [0, 0] + [100] * 8
    t = throttling.assess(samples(gpu_energy_mj=1, phases=("training",) * 10, clocks=clocks, util=util), hw)
    assert t["verdict"] == "not throttled"
    assert t["evidence"][0].endswith("throughout training (2 idle sample(s) not judged)")
    busy = throttling.assess(samples(gpu_energy_mj=1, phases=("training",) * 10, clocks=clocks, util=[50] * 10), hw)
    assert busy["verdict"] == "throttled"  # the same low clocks while busy are throttling
    by_reason = samples(gpu_energy_mj=1, phases=("training",) * 10, clocks=clocks, util=[50] * 10,
                        reasons=[["idle"], ["idle"]] + [[]] * 8)
    assert throttling.assess(by_reason, hw)["verdict"] == "not throttled"


def test_cpu_clock_is_judged_only_against_a_reported_maximum():
    timed = [{"t": k, "phase": "training", "cpu_freq_mhz": 2596.1} for k in range(5)]
    vm = throttling.assess(timed, {"cpu": {"max_clock_mhz": None}, "gpu": {"nvidia": []}})
    assert vm["verdict"] == "unknown" and "no maximum" in vm["evidence"][0]
    slow = [{"t": k, "phase": "training", "cpu_freq_mhz": 2000.0} for k in range(5)]
    laptop = throttling.assess(slow, {"cpu": {"max_clock_mhz": 3000}, "gpu": {"nvidia": []}})
    assert laptop["verdict"] == "throttled" and laptop["evidence"][0].startswith("CPU clocks fell 33% below maximum")
