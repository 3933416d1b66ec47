"""The two published models (seed-protocol.md), layer by layer, and their compile settings.

One definition for two Keras packages: Keras 3 (`keras`, every run by default) and `tf_keras` (Keras 2, the
multi-machine path: Keras 3.15.1's `fit` fails under `MultiWorkerMirroredStrategy`, see docs/distribution.md).
Every builder takes the package as `keras=`; the layers, shapes and settings are the same in both.
"""

from __future__ import annotations

import functools
import importlib

EXPECTED_PARAMS = {"model_a": 30_239_690, "model_b": 118_002_738}


class WeightsUnavailable(RuntimeError):
    """ImageNet weights were asked for but cannot be downloaded or found in Keras' cache. `reason` is the fact alone
    (what a report keeps); the message adds the advice (what `--weights imagenet` prints)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"{reason} Use random weights: a training step costs the same.")


def keras_module(package: str | None = None):
    """The Keras package a run uses: `keras` (Keras 3) unless `tf_keras` is asked for."""
    return importlib.import_module(package or "keras")


@functools.lru_cache(maxsize=2)
def activity_l2_class(package: str = "keras"):
    """L2 on a layer's activations, computed in float32. The same as keras.regularizers.L2 under the published float32
    policy (the cast is a no-op); under mixed precision Keras 3.15.1 would otherwise add a bfloat16/float16 activity
    loss to the float32 weight losses and fail ("Cannot convert a list containing a tensor of dtype bfloat16 to
    float32", measured here with mixed_bfloat16). Registered, so that a saved checkpoint loads."""
    keras = keras_module(package)
    cast = keras.ops.cast if hasattr(keras, "ops") else keras.backend.cast  # Keras 3 | tf_keras

    @keras.saving.register_keras_serializable(package="dlbench", name="Float32ActivityL2")
    class Float32ActivityL2(keras.regularizers.L2):
        def __call__(self, x):
            return super().__call__(cast(x, "float32"))

    return Float32ActivityL2


def _regularised_dense(keras, units: int, name: str):
    return keras.layers.Dense(
        units, activation="relu", name=name,
        kernel_regularizer=keras.regularizers.L1L2(l1=1e-5, l2=1e-4),
        bias_regularizer=keras.regularizers.L2(1e-4),
        activity_regularizer=activity_l2_class(keras.__name__)(1e-5),
    )


def _base(factory, weights: str, **kwargs):
    try:
        return factory(include_top=False, weights=None if weights == "random" else "imagenet", **kwargs)
    except Exception as exc:
        if weights == "imagenet" and ("URL fetch failure" in str(exc) or "Name or service" in str(exc)):
            raise WeightsUnavailable(
                f"ImageNet weights for {factory.__name__} are not in Keras' cache and cannot be downloaded "
                "(offline?).") from exc
        raise


def build_model_a(weights: str = "random", keras=None):
    """Modified VGG19 after Deitsch et al. (2019): frozen VGG19 base + 4 conv + regularised dense head."""
    keras = keras or keras_module()
    layers = keras.layers

    inputs = keras.Input((32, 32, 3), name="image")
    base = _base(keras.applications.VGG19, weights, input_shape=(32, 32, 3))
    base.trainable = False
    x = base(inputs)
    for i in range(4):
        x = layers.Conv2D(128, 3, activation="relu", padding="same", name=f"head_conv{i + 1}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = _regularised_dense(keras, 4096, "fc4096")(x)
    x = layers.Dropout(0.5, name="drop1")(x)
    x = _regularised_dense(keras, 2048, "fc2048")(x)
    x = layers.Dropout(0.5, name="drop2")(x)
    x = _regularised_dense(keras, 128, "fc128")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions", dtype="float32")(x)  # float32 under mixed precision
    return keras.Model(inputs, outputs, name="model_a_vgg19")


def build_model_b(weights: str = "random", keras=None):
    """Concatenated Xception + ResNet152V2 after Rahimzadeh & Attar (2020), one shared 32x32x3 input."""
    keras = keras or keras_module()
    layers = keras.layers

    inputs = keras.Input((32, 32, 3), name="image")
    # input_tensor (not input_shape) lets both bases accept 32x32, below Xception's 71x71 default minimum.
    xception = _base(keras.applications.Xception, weights, input_tensor=inputs)
    resnet = _base(keras.applications.ResNet152V2, weights, input_tensor=inputs)
    x = layers.Concatenate(name="concat")([xception.output, resnet.output])
    x = layers.Conv2D(1024, 3, strides=1, padding="same", activation="relu", name="fuse_conv")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.5, name="drop")(x)
    x = _regularised_dense(keras, 1024, "fc1024")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions", dtype="float32")(x)  # float32 under mixed precision
    return keras.Model(inputs, outputs, name="model_b_xception_resnet152v2")


def build_convolve2d(weights: str = "random", keras=None):
    """The simple kernels' small network (core/measure/kernels.py, CONVOLVE2D_LAYERS), built from that table."""
    from ..core.measure.kernels import CONVOLVE2D_LAYERS

    keras = keras or keras_module()
    layers = keras.layers
    x = inputs = keras.Input((32, 32, 3), name="image")
    for i, (kind, size, kernel, stride) in enumerate(CONVOLVE2D_LAYERS):
        name = f"{kind.lower()}_{i + 1}"
        if kind == "Conv2D":
            x = layers.Conv2D(size, kernel, strides=stride, padding="same", name=name)(x)
        elif kind == "AveragePooling2D":
            x = layers.AveragePooling2D(kernel, strides=stride, padding="same", name=name)(x)
        elif kind == "Flatten":
            x = layers.Flatten(name=name)(x)
        else:  # the output layer stays float32 under mixed precision
            x = layers.Dense(size, activation="softmax", name="predictions", dtype="float32")(x)
    return keras.Model(inputs, x, name="convolve2d")


BUILDERS = {"model_a": build_model_a, "model_b": build_model_b, "convolve2d": build_convolve2d}
# The ImageNet weight files each model's bases load (Keras' names, kept in $KERAS_HOME/models or ~/.keras/models).
WEIGHT_FILES = {"model_a": ["vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"],
                "model_b": ["xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                            "resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5"],
                "convolve2d": []}


WEIGHTS_HOST = "storage.googleapis.com"  # where keras.applications downloads its weight files from


def download_problem(timeout_s: float = 5.0) -> str | None:
    """Why Keras could not download weights now (no name resolution, no connection), or None if it could try."""
    import socket

    try:
        socket.create_connection((WEIGHTS_HOST, 443), timeout=timeout_s).close()
    except OSError as exc:
        return f"{WEIGHTS_HOST} is not reachable: {exc.strerror or exc}"
    return None


def imagenet_cached(name: str) -> bool:
    """Are the model's ImageNet weights in Keras' cache (so that `auto` uses them without a download)?"""
    import os

    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return all(os.path.isfile(os.path.join(home, "models", f)) for f in WEIGHT_FILES[name])


def build_model(name: str, weights: str = "random", keras=None):
    return BUILDERS[name](weights, keras=keras)


def build_with_weights(name: str, weights: str = "auto", keras=None):
    """(model, {requested, used, reason}). `auto`: ImageNet weights as published when Keras' cache has them or can
    download them, else random weights, saying why; `imagenet` fails without them; `random` never tries."""
    if not WEIGHT_FILES[name]:  # convolve2d: trained from random weights, as published
        return BUILDERS[name]("random", keras=keras), {"requested": weights, "used": "random",
                                                       "reason": "this network has no pretrained weights (as published)"}
    if weights != "auto":
        used = "imagenet" if weights == "imagenet" else "random"
        return BUILDERS[name](used, keras=keras), {"requested": weights, "used": used, "reason": "as asked"}
    offline = None if imagenet_cached(name) else download_problem()
    if offline:  # decided before building: a model built twice would cost time and memory in every run
        return BUILDERS[name]("random", keras=keras), {"requested": "auto", "used": "random",
                                                       "reason": f"ImageNet weights are not in Keras' cache and cannot be "
                                                    f"downloaded ({offline})"}
    try:
        return BUILDERS[name]("imagenet", keras=keras), {"requested": "auto", "used": "imagenet",
                                            "reason": "ImageNet weights as published (from Keras' cache or downloaded)"}
    except WeightsUnavailable as exc:
        return BUILDERS[name]("random", keras=keras), {"requested": "auto", "used": "random", "reason": exc.reason}


def compile_model(model, keras=None) -> None:
    keras = keras or keras_module()

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        loss="categorical_crossentropy",
        metrics=["accuracy", keras.metrics.Precision(name="precision"), keras.metrics.Recall(name="recall")],
    )
