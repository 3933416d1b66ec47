"""The simple kernels (#25): what runs is the published test (a table copied from the publication, issue #25), the
published times are the baseline's, and the comparison, the convolve2d figure and the words follow from them."""

import pytest

from dlbench_gui.core.config import BenchmarkConfig, ConfigError, kernels_config
from dlbench_gui.core.measure import kernels

# Copied from the publication (the authors' notebook and utilities, as issue #25 quotes them)
PUBLISHED_DENSE = [(3072, 128, 1024), (5124, 9124, 2560), (2560, 64, 2560), (7860, 64, 2560), (1760, 128, 1760)]
PUBLISHED_SPARSE = [(10752, 1, 3584, 0.9), (7680, 1500, 2560, 0.95), (7680, 2, 2560, 0.95), (7680, 1, 2560, 0.95)]
PUBLISHED_TIMES = {"setup-1": (1.88, 16.85, 183.75), "setup-2": (0.94, 10.12, 128.05),
                   "setup-3": (2.14, 16.39, 152.65), "setup-4": (1.28, 22.86, 158.15)}


def test_the_shapes_densities_and_network_are_the_published_ones():
    assert list(kernels.DENSE_SHAPES) == PUBLISHED_DENSE
    assert list(kernels.SPARSE_SHAPES) == PUBLISHED_SPARSE
    assert [layer[0] for layer in kernels.CONVOLVE2D_LAYERS] == [
        "Conv2D", "AveragePooling2D", "Conv2D", "AveragePooling2D", "Conv2D", "AveragePooling2D", "Flatten", "Dense"]
    convs = [(f, k, s) for kind, f, k, s in kernels.CONVOLVE2D_LAYERS if kind == "Conv2D"]
    assert convs == [(2048, 3, 2), (128, 3, 2), (64, 3, 2)]
    assert kernels.CONVOLVE2D_LAYERS[-1][:2] == ("Dense", 10)


def test_the_published_times_are_the_baselines():
    got = kernels.published_times()
    assert {s: tuple(got[s][p] for p in kernels.PARTS) for s in got} == PUBLISHED_TIMES


def test_flops_are_two_per_multiply_add():
    assert kernels.dense_flops(5124, 9124, 2560) == 2 * 5124 * 9124 * 2560
    assert kernels.sparse_flops(nnz=1000, k=2560) == 2 * 1000 * 2560


def test_the_comparison_is_each_parts_ratio_and_the_totals():
    c = kernels.compare({"dense_matmul": 3.76, "sparse_matmul": 8.425, "convolve2d": 367.5})
    s1 = c["setup-1"]
    assert s1["ratio"] == pytest.approx({"dense_matmul": 2.0, "sparse_matmul": 0.5, "convolve2d": 2.0})
    assert s1["total_published_s"] == pytest.approx(1.88 + 16.85 + 183.75)
    assert s1["total_ratio"] == pytest.approx((3.76 + 8.425 + 367.5) / (1.88 + 16.85 + 183.75))
    assert set(c) == set(PUBLISHED_TIMES)
    partial = kernels.compare({"dense_matmul": 3.76, "sparse_matmul": None, "convolve2d": None})["setup-1"]
    assert partial["ratio"] == {"dense_matmul": pytest.approx(2.0)} and partial["total_ratio"] is None


def test_convolve2d_is_build_compile_and_fit_estimated_with_its_interval_or_measured():
    timing = {"build_s": 0.5, "compile_s": 0.25, "execution_time_s": 100.0}
    est = kernels.convolve2d_time(timing, {"execution_time_s": 200.0, "execution_time_ci95_s": [180.0, 220.0]})
    assert est == {"seconds": 200.75, "how": "estimated", "interval_s": [180.75, 220.75], "build_compile_s": 0.75}
    measured = kernels.convolve2d_time(timing, None)
    assert measured["seconds"] == 100.75 and measured["how"] == "measured" and measured["interval_s"] is None
    assert kernels.convolve2d_time({}, None) is None


def test_the_section_says_what_each_part_judges_and_labels_a_cpu_float16_run():
    matrix = {"dense_matmul": {"total_s": 3.76}, "sparse_matmul": {"total_s": 8.425}, "blas": {"libraries": []}}
    config = {**kernels_config().to_dict()}
    k = kernels.section(matrix, config, {"execution_time_s": 367.5}, None, on_gpu=False)
    assert k["times_s"] == {"dense_matmul": 3.76, "sparse_matmul": 8.425, "convolve2d": 367.5}
    assert "CPU" in k["judges"]["dense_matmul"] and "GPU" in k["judges"]["convolve2d"]
    assert k["convolve2d"]["as_published"] and "float16 training is slow on a CPU" in k["convolve2d"]["precision_note"]
    assert kernels.verdict(k).startswith("This machine runs the simple kernels about 1.9x slower than Setup 1")
    on_gpu = kernels.section(matrix, config, {"execution_time_s": 367.5}, None, on_gpu=True)["convolve2d"]
    assert "precision_note" not in on_gpu and on_gpu["device"] == "GPU"
    f32 = kernels.section(matrix, kernels_config(precision="float32").to_dict(), {"execution_time_s": 1.0}, None, False)
    assert "not as published" in kernels.verdict(f32) and "float32" in kernels.verdict(f32)
    assert kernels.verdict(kernels.section(matrix, config, {}, None, False)).startswith("No simple-kernels verdict")


def test_the_kernels_config_is_the_published_protocol_on_fashion_mnist_and_one_device():
    c = kernels_config()
    assert (c.model, c.dataset, c.epochs, c.batch_size, c.precision, c.profile) == (
        "convolve2d", "fashion_mnist", 10, 64, "mixed_float16", "quick")
    assert c.is_kernels and c.is_published_protocol
    assert kernels_config(measured=True).profile == "full"
    assert kernels_config(measured=True, epochs=1, train_samples=6400).profile == "custom"  # a reduced protocol
    with pytest.raises(ConfigError, match="Fashion-MNIST on one device"):
        BenchmarkConfig(model="convolve2d", dataset="mnist")
    with pytest.raises(ConfigError, match="one device"):
        kernels_config(devices=2, cpu_devices=2)
    with pytest.raises(ConfigError, match="10 epochs"):
        BenchmarkConfig(model="convolve2d", dataset="fashion_mnist", profile="full", epochs=100)
    assert not BenchmarkConfig(model="model_a", dataset="mnist").is_kernels


def test_the_matrix_parts_time_generation_apart_record_the_blas_and_stop_when_asked():
    from dlbench_gui.bench import matrix_parts as run

    class Stop(Exception):
        pass

    calls = []

    def check():
        calls.append(1)
        if len(calls) > 1:
            raise Stop()

    with pytest.raises(Stop):  # the parent's stop is checked before each product
        run.dense_part(check)
    blas = run.blas_info()
    libs = [lib for lib in blas["libraries"] if lib.get("user_api") == "blas"]
    assert libs and all(lib["num_threads"] >= 1 for lib in libs) and blas["numpy"]
    part = run._part([{"total_s": 1.0, "generate_s": 0.25, "product_s": 0.75, "flops": 3e9},
                      {"total_s": 2.0, "generate_s": 0.5, "product_s": 1.5, "flops": 6e9}])
    assert part["total_s"] == 3.0 and part["generate_s"] == 0.75 and part["flops_per_s"] == pytest.approx(4e9)


def test_the_network_builds_with_the_published_layers():
    from dlbench_gui.bench import models

    m, weights = models.build_with_weights("convolve2d", "auto")
    assert weights["used"] == "random" and "no pretrained weights" in weights["reason"]
    shapes = [tuple(layer.output.shape[1:]) for layer in m.layers[1:]]
    assert shapes == [(16, 16, 2048), (8, 8, 2048), (4, 4, 128), (2, 2, 128), (1, 1, 64), (1, 1, 64), (64,), (10,)]
    assert m.count_params() == 2_491_210 and m.layers[-1].dtype_policy.name == "float32"
