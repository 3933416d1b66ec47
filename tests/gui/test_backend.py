"""The window's Backend selector: chosen in Setup, remembered, and the choice said in words under it (auto with an
injected Blackwell GPU: no GPU ran this)."""

from dlbench_gui.core.accelerators import from_nvml
from dlbench_gui.hardware import detect


def test_the_backend_is_chosen_in_setup_said_under_it_and_remembered(make_window, qtbot):
    w = make_window()
    s = w.setup
    assert s.backend_combo.currentData() == "auto" and "TensorFlow, as published" in s.backend_note.text()
    with qtbot.waitSignal(s.changed, timeout=2000):
        s.backend_combo.setCurrentIndex(s.backend_combo.findData("jax"))
    assert {c.backend for c in s.runs()} == {"jax"} and "JAX, as asked" in s.backend_note.text()
    # no JAX run here yet: no figure of its own, said plainly before TensorFlow's (#33 A5: "36 s" for a 5-min run)
    assert s.prediction.text().startswith("Predicted: no figure for JAX yet (no JAX run on this machine); "
                                          "TensorFlow's costs would say about ")
    w.close()
    assert make_window().setup.backend_combo.currentData() == "jax"


def test_auto_says_jax_and_why_on_a_gpu_tensorflow_cannot_drive(make_window):
    hw = detect.detect()  # injected facts: NVML lists one RTX 5090 (compute capability 12.0)
    nvidia = [{"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}]
    hw["gpu"] = {**hw["gpu"], "nvidia": nvidia, "accelerators": from_nvml(nvidia)}
    w = make_window(hardware=hw)
    w.setup.backend_combo.setCurrentIndex(w.setup.backend_combo.findData("auto"))
    note = w.setup.backend_note.text()
    assert note.startswith("→ JAX") and "compute capability 12.0" in note and "cannot drive" in note


@__import__("pytest").mark.slow
def test_run_menu_checks_which_devices_each_installed_framework_sees(make_window, qtbot):
    """#31: the window says which devices each installed framework sees: Run → Check which devices each framework sees
    starts each one in a real worker, off the GUI thread, and fills its row of This machine and the Log."""
    w = make_window()
    action = next(a for m in w.menuBar().actions() for a in m.menu().actions() if "each &framework" in a.text())
    with qtbot.waitSignal(w.frameworks_checked, timeout=300_000) as blocker:
        action.trigger()
        assert w.menuBar().isEnabled()  # the window stays live while the workers start
    seen = blocker.args[0]
    assert seen["torch"]["installed"] and w.machine.text_of("PyTorch").endswith("sees cpu (CPU)")
    assert "TensorFlow" in w.log_panel.text.toPlainText() and "sees:" in w.log_panel.text.toPlainText()


def test_an_amd_machine_is_shown_and_judged_as_one(make_window, tmp_path):
    """Injected facts: the recorded RX 7900 XTX machine (tests/fixtures/accelerators): the panel names the card, its
    peak, the framework that can drive it and the telemetry it gives; auto looks past TensorFlow and JAX."""
    from tests.unit.test_accelerators import gpu_of

    hw = detect.detect()
    hw["gpu"] = gpu_of("amd_rx7900xtx", tmp_path)
    w = make_window(hardware=hw)
    m = w.machine
    assert m.text_of("GPU 0").startswith("AMD GPU (PCI device 0x744c), 24.0 GiB dedicated, driver")
    assert m.text_of("GPU 0 peak").startswith("30.5 TFLOPS FP32, 61.0 TFLOPS FP16")
    assert "PyTorch: torch.cuda on HIP, a ROCm build" in m.text_of("GPU 0 runs")
    assert "TensorFlow, JAX: cannot drive it" in m.text_of("GPU 0 runs")
    assert m.text_of("GPU 0 telemetry") == "measured: utilisation, memory in use, power, temperature"
    assert "AMD GPU (PCI device 0x744c)" in m.summary.text()
    w.setup.backend_combo.setCurrentIndex(w.setup.backend_combo.findData("auto"))
    note = w.setup.backend_note.text()
    assert note.startswith("→ PyTorch") and "cannot drive an AMD GPU (ROCm)" in note
    assert w.plots.gpu_count == 1  # the Live tab draws its utilisation from sysfs
