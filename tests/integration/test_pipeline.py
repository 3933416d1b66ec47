"""The input pipeline dlbench hands to Keras gives what fit/evaluate/predict on arrays would, minus the stall."""

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_pipeline_matches_keras_on_arrays_including_a_partial_last_batch():
    import keras

    from dlbench_gui.bench.backends.tensorflow import pipeline

    rng = np.random.default_rng(0)
    x = rng.random((650, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 650)]
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    on_arrays = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    on_pipeline = model.evaluate(pipeline(x, y, 64, shuffle=False), verbose=0, return_dict=True)
    assert on_pipeline == pytest.approx(on_arrays)  # same samples, counted once (650 = 10 x 64 + 10)
    assert np.allclose(model.predict(pipeline(x, None, 32, shuffle=False), verbose=0),
                       model.predict(x, batch_size=32, verbose=0), atol=1e-6)
    keras.utils.set_random_seed(7)  # as every run sets its seed: Keras' own adapter would repeat its order then
    orders = []
    for _ in range(2):
        ds = pipeline(x, y, 64, shuffle=True)
        assert int(ds.cardinality()) == 11 and ds.options().autotune.enabled is False
        first = [np.argmax(b[1], 1).tolist() for b in ds]
        second = [np.argmax(b[1], 1).tolist() for b in ds]
        assert sorted(sum(first, [])) == sorted(np.argmax(y, 1).tolist())  # every sample once per epoch
        assert first != second  # reshuffled for the next epoch
        orders.append((first, second))
        keras.utils.set_random_seed(7)
    assert orders[0] == orders[1]  # the same seed, the same orders


def test_the_numpy_preparation_every_backend_uses_gives_tensorflows_tensors():
    """28x28 → 32x32x3 in NumPy (no framework, so a JAX run needs no TensorFlow) against tf.image.resize, which the
    published code used: the same tensors to float32 rounding, edges included."""
    from dlbench_gui.bench.backends.tensorflow import to_model_input_tf
    from dlbench_gui.bench.datasets import to_model_input

    images = np.random.default_rng(3).integers(0, 256, (500, 28, 28), dtype=np.uint8)
    ours, published = to_model_input(images), to_model_input_tf(images)
    assert ours.shape == published.shape == (500, 32, 32, 3) and ours.dtype == np.float32
    assert np.abs(ours - published).max() < 1e-6
