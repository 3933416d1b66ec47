import pytest

from dlbench_gui.core.measure import comparison
from dlbench_gui.core.store.report import RunReport

PUBLISHED = {"model": "model_a", "dataset": "mnist", "profile": "full", "epochs": 100, "batch_size": 64,
             "train_samples": 60000, "val_samples": 10000}


def report(t, **kw):
    return RunReport(run_id="r", status=kw.pop("status", "completed"), config=kw.pop("config", PUBLISHED),
                     timing={"execution_time_s": t, "inference": {"total_s": 9.0}}, **kw)


def test_baseline_has_the_four_published_setups():
    rows = comparison.baseline_for("model_a", "mnist")
    assert [r["execution_time_s"] for r in rows] == [2317, 1021, 1661, 1718]
    assert [r["inference_time_s"] for r in rows] == [9.01, 8.72, 27.46, 11.61]
    assert "RTX 2060" in rows[0]["label"]


def test_ratios_to_each_setup():
    c = comparison.compare(report(2317.0 * 2))
    assert c["setups"][0]["execution_ratio"] == pytest.approx(2.0)
    assert c["setups"][1]["execution_ratio"] == pytest.approx(4634 / 1021)
    assert c["kind"] == "measured"


@pytest.mark.parametrize("seconds,level,words", [
    (2317 * 1.9, "feasible", "Feasible — no resource errors"),
    (28 * 3600, "slow", "Feasible but slow — full protocol about 28 h"),
    (60 * 3600, "too_slow", "Not feasible in the time budget"),
])
def test_verdict_levels(seconds, level, words):
    v = comparison.verdict(report(seconds))
    assert v.level == level and v.text.startswith(words) and "Rule" not in v.text and v.rule


def test_resource_error_is_not_feasible_as_configured():
    r = report(None, status="failed", error={"kind": "gpu_oom", "title": "GPU out of memory"})
    assert comparison.verdict(r).text == "Not feasible as configured — gpu out of memory at batch 64"


def test_budget_is_adjustable_and_custom_protocols_are_not_compared():
    assert comparison.verdict(report(28 * 3600), budget_h=24).level == "too_slow"
    custom = report(100.0, config={**PUBLISHED, "epochs": 2})
    assert comparison.verdict(custom).level == "not_comparable"
    assert comparison.compare(custom)["setups"][0]["execution_ratio"] is None


def test_a_quick_run_is_compared_by_the_protocol_it_estimates_not_the_pass_it_measured():
    measured_pass = {**PUBLISHED, "profile": "quick", "epochs": 1, "train_samples": 1536, "val_samples": 768}
    published = {"epochs": 100, "batch_size": 64, "train_samples": 60000, "val_samples": 10000, "inference_batch_size": 32}
    quick = report(50.0, config=measured_pass, estimate={"execution_time_s": 2317.0 * 2, "protocol": published,
                                                         "execution_time_ci95_s": [4000.0, 5000.0]})
    assert quick.protocol == published and comparison.comparable(quick)
    assert comparison.compare(quick)["setups"][0]["execution_ratio"] == pytest.approx(2.0)
    custom = report(50.0, config=measured_pass, estimate={"execution_time_s": 99.0, "protocol": {**published, "epochs": 3}})
    assert not comparison.comparable(custom) and comparison.verdict(custom).level == "not_comparable"
    # reports written before the estimate named its protocol kept it in the config
    old = report(50.0, config={**PUBLISHED, "profile": "quick"}, estimate={"execution_time_s": 2317.0 * 2})
    assert old.protocol["epochs"] == 100 and comparison.comparable(old)


def test_largest_batch_that_fits_enters_the_verdict():
    roomy = report(2000.0, memory={"max_batch_size": 1024})
    v = comparison.verdict(roomy)
    assert v.level == "feasible" and v.text.endswith("largest batch that fits: 1024 (16x the batch of 64)")
    tight = report(None, status="failed", config={**PUBLISHED, "batch_size": 128}, memory={"max_batch_size": 96},
                   error={"kind": "crash", "title": "The benchmark process crashed"})
    v = comparison.verdict(tight)
    assert v.level == "not_feasible" and "batch 128 is larger than the largest batch that fits in memory (96)" in v.text
    ran = comparison.verdict(report(2000.0, config={**PUBLISHED, "batch_size": 128}, memory={"max_batch_size": 96}))
    assert ran.level != "not_feasible" and "batch 128 fitted although an earlier search found 96" in ran.text
    assert comparison.verdict(report(2000.0)).text.count("largest batch") == 0


def test_saved_largest_batch_is_matched_by_model_dataset_and_ceilings(tmp_path, monkeypatch):
    from dlbench_gui.core.store import maxbatch_store as maxbatch

    monkeypatch.setenv("DLBENCH_HOME", str(tmp_path))
    maxbatch.save_result({"model": "model_a", "dataset": "mnist", "max_batch_size": 1024,
                          "smallest_failing_batch_size": 1088, "host_memory_limit_gb": 2.0,
                          "gpu_memory_limit_gb": None, "probes": [{}, {}, {}]})
    found = maxbatch.saved_result("model_a", "mnist", 2.0, None)
    assert found["max_batch_size"] == 1024 and found["probes"] == 3 and found["found_at"]
    assert maxbatch.saved_result("model_a", "mnist", None, None) is None  # other ceiling: another answer
    assert maxbatch.saved_result("model_a", "fashion_mnist", 2.0, None) is None
    maxbatch.result_path("model_b", "mnist").write_text("{not json")
    assert maxbatch.saved_result("model_b", "mnist", None, None) is None
    # a batch found under TensorFlow says nothing of JAX's memory: each framework keeps its own finding
    assert maxbatch.saved_result("model_a", "mnist", 2.0, None, backend="jax") is None
    maxbatch.save_result({"model": "model_a", "dataset": "mnist", "max_batch_size": 512, "host_memory_limit_gb": 2.0,
                          "gpu_memory_limit_gb": None, "backend": "jax", "probes": [{}]})
    assert maxbatch.saved_result("model_a", "mnist", 2.0, None, backend="jax")["max_batch_size"] == 512
    assert maxbatch.saved_result("model_a", "mnist", 2.0, None)["max_batch_size"] == 1024  # TensorFlow's kept


def test_the_largest_batch_must_fit_twice_a_borderline_size_that_fails_again_is_not_the_answer(tmp_path, monkeypatch):
    from dlbench_gui.runner.maxbatch import find_max_batch

    monkeypatch.setenv("DLBENCH_HOME", str(tmp_path))
    seen = {}

    def prober(model, dataset, bs, **ceilings):  # up to 1000 fits; 1024 fits once, then no more (a borderline size)
        seen[bs] = seen.get(bs, 0) + 1
        fits = bs <= 1000 or (bs == 1024 and seen[bs] == 1)
        return {"batch_size": bs, "outcome": "fits" if fits else "oom", "error_kind": None if fits else "host_oom"}

    result = find_max_batch("model_a", start=256, prober=prober)
    assert (result["max_batch_size"], result["smallest_failing_batch_size"]) == (992, 1024) and result["confirmed"]
    confirmations = [p["batch_size"] for p in result["probes"] if p.get("confirmation")]
    assert confirmations == [1024, 992]
    # a size limit reached far from any ceiling needs no second look
    roomy = find_max_batch("model_a", start=256, limit=1024, prober=lambda m, d, bs, **c: {"batch_size": bs, "outcome": "fits"})
    assert roomy["max_batch_size"] == 1024 and roomy["reached_limit"] and roomy["confirmed"]
    assert not any(p.get("confirmation") for p in roomy["probes"])


def test_a_stopped_batch_search_keeps_the_largest_batch_that_fitted_as_a_lower_bound(dlbench_home):
    """#26, 9: "probe 3: batch 256 fits" became "nothing was saved" when the search was stopped."""
    import threading

    import pytest

    from dlbench_gui.core.store.maxbatch_store import saved_result
    from dlbench_gui.runner.maxbatch import SearchStopped, find_max_batch

    stop = threading.Event()
    seen = []

    def prober(model, dataset, bs, **kw):  # injected facts: up to 512 fits; the person stops after the third probe
        seen.append(bs)
        if len(seen) == 3:
            stop.set()
        return {"batch_size": bs, "outcome": "fits" if bs <= 512 else "oom", "error_kind": None, "error_message": None}

    result = find_max_batch("model_a", start=64, prober=prober, stop_event=stop)
    assert seen == [64, 128, 256] and result["max_batch_size"] == 128 and result["lower_bound"] and result["stopped"]
    assert "at least 128 fits" in result["note"] and not result["reached_limit"]
    kept = saved_result("model_a", "mnist", None, None)
    assert kept["max_batch_size"] == 128 and kept["lower_bound"]
    stop.clear()
    seen.clear()

    def stopped_first(model, dataset, bs, **kw):
        stop.set()
        return {"batch_size": bs, "outcome": "fits", "error_kind": None, "error_message": None}

    with pytest.raises(SearchStopped):  # nothing found yet: nothing to keep
        find_max_batch("model_b", start=64, prober=stopped_first, stop_event=stop)


def test_a_finished_search_keeps_its_answer_when_the_store_cannot_take_it(dlbench_home, monkeypatch):
    """#33 B2: a file where the maxbatch folder should be lost a finished search's answer ("File exists")."""
    from dlbench_gui.core.store import maxbatch_store
    from dlbench_gui.runner.maxbatch import find_max_batch

    def prober(model, dataset, bs, **kw):  # injected facts: up to 256 fits
        return {"batch_size": bs, "outcome": "fits" if bs <= 256 else "oom", "error_kind": None, "error_message": None}

    def full(result):  # the store cannot be written (a disk full, a file in the folder's place after the start)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("dlbench_gui.runner.maxbatch.save_result", full)
    result = find_max_batch("model_a", start=64, limit=1024, prober=prober)
    assert result["max_batch_size"] == 256
    assert result["not_kept"] == "the answer could not be kept for later runs (No space left on device)"
    assert maxbatch_store.saved_result("model_a", "mnist", None, None) is None


def test_a_store_file_of_any_wrong_shape_reads_as_no_answer_with_the_reason(dlbench_home):
    from dlbench_gui.core.store.maxbatch_store import read_result, result_path

    path = result_path("model_a", "mnist")
    path.parent.mkdir(parents=True)
    for raw, why in (("[]", "it holds list"), ("null", "it holds null"), ('{"max_batch_size": 0}', "max_batch_size"),
                     ('{"max_batch_size": 64, "probes": {}}', "probes"),
                     ('{"max_batch_size": 64, "host_memory_limit_gb": "2"}', "host_memory_limit_gb"),
                     ('{"max_batch_size": true}', "max_batch_size")):
        path.write_text(raw)
        found, problem = read_result("model_a", "mnist", None, None)
        assert found is None and why in problem, (raw, problem)
    path.write_text('{"max_batch_size": 64, "probes": [{}, {}], "found_at": "2026-12-03T20:00:00"}')
    found, problem = read_result("model_a", "mnist", None, None)
    assert problem is None and found["max_batch_size"] == 64 and found["probes"] == 2
