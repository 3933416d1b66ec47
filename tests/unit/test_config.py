import pytest

from dlbench_gui.core.config import BenchmarkConfig, ConfigError, expand_selection


def test_defaults_are_the_published_protocol_with_the_quick_profile():
    c = BenchmarkConfig(model="model_a", dataset="mnist")
    assert (c.profile, c.epochs, c.batch_size, c.train_samples, c.val_samples) == ("quick", 100, 64, 60000, 10000)
    assert c.steps_per_epoch == 938 and c.val_steps == 157 and c.is_published_protocol


@pytest.mark.parametrize("field,value,words", [
    ("model", "model_c", "unknown model"),
    ("dataset", "cifar10", "unknown dataset"),
    ("epochs", 0, "epochs must be between"),
    ("batch_size", 2.5, "whole number"),
    ("train_samples", 70000, "train_samples must be between"),
    ("val_samples", True, "whole number"),
    ("data", "/no/such/folder", "auto, keras, synthetic or an existing folder"),
    ("host_memory_limit_gb", -1, "host memory limit"),
])
def test_a_bad_value_is_a_clear_message(field, value, words):
    values = dict(model="model_a", dataset="mnist", profile="custom")
    values[field] = value
    with pytest.raises(ConfigError, match=words):
        BenchmarkConfig(**values)


def test_full_profile_refuses_a_changed_protocol():
    with pytest.raises(ConfigError, match="published protocol"):
        BenchmarkConfig(model="model_a", dataset="mnist", profile="full", epochs=3)


def test_batch_larger_than_the_data_is_refused():
    with pytest.raises(ConfigError, match="larger than"):
        BenchmarkConfig(model="model_a", dataset="mnist", profile="custom", batch_size=128, train_samples=64)


def test_round_trip_ignores_unknown_fields():
    c = BenchmarkConfig(model="model_b", dataset="fashion_mnist", profile="custom", epochs=2)
    d = c.to_dict() | {"from_the_future": 1}
    assert BenchmarkConfig.from_dict(d) == c


def test_selection_expands_all_in_protocol_order():
    assert expand_selection("all", "all") == [("model_a", "mnist"), ("model_a", "fashion_mnist"),
                                              ("model_b", "mnist"), ("model_b", "fashion_mnist")]
    assert expand_selection("model_b", "mnist") == [("model_b", "mnist")]


def test_weights_auto_is_the_default_and_falls_back_to_random_saying_why(monkeypatch):
    """Injected builders (no TensorFlow): ImageNet weights unavailable, then available."""
    from dlbench_gui.bench import models
    from dlbench_gui.core.config import BenchmarkConfig

    assert BenchmarkConfig(model="model_a", dataset="mnist").weights == "auto"
    built = []

    def offline(weights, keras=None):
        built.append(weights)
        if weights == "imagenet":
            raise models.WeightsUnavailable("ImageNet weights for VGG19 are not in Keras' cache and cannot be "
                                            "downloaded (offline?).")
        return "model"

    monkeypatch.setitem(models.BUILDERS, "model_a", offline)
    monkeypatch.setattr(models, "imagenet_cached", lambda name: False)
    # no network: decided before building, the model is built once
    monkeypatch.setattr(models, "download_problem", lambda: "storage.googleapis.com is not reachable: no route")
    model, info = models.build_with_weights("model_a", "auto")
    assert built == ["random"] and info["used"] == "random" and "cannot be downloaded (storage" in info["reason"]
    # a network, but the download fails all the same: built a second time with random weights
    built.clear()
    monkeypatch.setattr(models, "download_problem", lambda: None)
    model, info = models.build_with_weights("model_a", "auto")
    assert built == ["imagenet", "random"] and info["used"] == "random" and "cannot be downloaded" in info["reason"]
    assert models.build_with_weights("model_a", "random")[1] == {"requested": "random", "used": "random",
                                                                 "reason": "as asked"}
    monkeypatch.setitem(models.BUILDERS, "model_a", lambda weights, keras=None: f"model with {weights}")
    assert models.build_with_weights("model_a", "auto") == (
        "model with imagenet", {"requested": "auto", "used": "imagenet",
                                "reason": "ImageNet weights as published (from Keras' cache or downloaded)"})
