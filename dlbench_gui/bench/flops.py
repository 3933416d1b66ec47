"""FLOPs of the models, counted per layer from their shapes (checked against TensorFlow's profiler in tests:
bench/backends/tensorflow.profiler_forward_flops)."""

from __future__ import annotations


def leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:  # a nested model (Model A's VGG19 base)
            yield from leaf_layers(layer)
        else:
            yield layer


def _hw(shape) -> int:
    return int(shape[1]) * int(shape[2])


def layer_forward_flops(layer) -> int:
    """Multiply-adds counted as 2 FLOPs, per image; element-wise layers are ignored (a few % at most)."""
    name = type(layer).__name__
    try:
        out = layer.output.shape
        inp = layer.input.shape
    except (AttributeError, ValueError):
        return 0
    if name == "Conv2D":
        kh, kw = layer.kernel_size
        return 2 * kh * kw * int(inp[-1]) * int(out[-1]) * _hw(out)
    if name == "SeparableConv2D":
        kh, kw = layer.kernel_size
        cin = int(inp[-1])
        mult = layer.depth_multiplier
        return 2 * kh * kw * cin * mult * _hw(out) + 2 * cin * mult * int(out[-1]) * _hw(out)
    if name == "DepthwiseConv2D":
        kh, kw = layer.kernel_size
        return 2 * kh * kw * int(inp[-1]) * layer.depth_multiplier * _hw(out)
    if name == "Dense":
        return 2 * int(inp[-1]) * int(out[-1])
    return 0


def count(model) -> dict[str, float]:
    """Forward FLOPs per image, and training FLOPs per image (forward + backward).

    The backward pass costs about twice the forward pass of every layer it has to go through; a
    frozen block in front of every trainable layer (Model A's VGG19 base) needs no backward pass at all.
    """
    forward = 0
    backward = 0
    seen_trainable = False
    for layer in leaf_layers(model):
        f = layer_forward_flops(layer)
        forward += f
        if layer.trainable and layer.trainable_weights:
            seen_trainable = True
        if seen_trainable:
            backward += 2 * f
    return {
        "forward_flops_per_image": float(forward),
        "train_flops_per_image": float(forward + backward),
        "method": "per-layer count of Conv2D, SeparableConv2D, DepthwiseConv2D and Dense multiply-adds "
                  "(2 FLOPs each); backward = 2x forward for layers behind the first trainable one",
    }
