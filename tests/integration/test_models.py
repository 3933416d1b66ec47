"""The published models, built with real Keras: exact parameter counts and a FLOP count TensorFlow agrees with."""

import pytest

from dlbench_gui.bench import flops, models
from dlbench_gui.bench.backends.tensorflow import profiler_forward_flops

pytestmark = pytest.mark.slow


def test_model_a_has_the_published_parameter_count_and_a_frozen_vgg19():
    m = models.build_model_a()
    assert m.count_params() == 30_239_690
    base = m.get_layer("vgg19")
    assert base.count_params() == 20_024_384 and not base.trainable
    assert sum(w.numpy().size for w in m.trainable_weights) == 30_239_690 - 20_024_384


def test_model_b_has_the_published_parameter_count():
    m = models.build_model_b()
    assert m.count_params() == 118_002_738
    assert m.input_shape == (None, 32, 32, 3) and m.output_shape == (None, 10)


def test_per_layer_flops_agree_with_tensorflows_profiler():
    m = models.build_model_a()
    ours = flops.count(m)["forward_flops_per_image"]
    theirs = profiler_forward_flops(m)
    assert ours == pytest.approx(theirs, rel=0.02)
