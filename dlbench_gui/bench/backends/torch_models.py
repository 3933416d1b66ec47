"""The two published models and the simple kernels' network in native PyTorch, layer for layer as Keras builds them
(bench/models.py and Keras' own applications: VGG19, Xception, ResNet152V2), so that a PyTorch run trains the same
architecture: the same parameters (Keras counts a BatchNormalization's moving mean and variance as parameters; here
they are buffers, counted the same way), the same frozen part (Model A's VGG19 base), the same regularisers.

Where Keras and PyTorch differ by default, Keras is followed:
- "same" padding at stride 2 pads as TensorFlow does (the odd pixel after, not before): `same_pad`;
- each application's BatchNormalization: Keras' momentum 0.99 is PyTorch's 0.01; epsilon 1e-3 (Xception) and
  1.001e-5 (ResNet152V2);
- ResNet V2 puts the stride in the last block of a stack, on its 3x3 convolution, with a 1x1 max pooling shortcut;
- separable convolutions are a depthwise then a pointwise convolution, without bias;
- images are NCHW here (the NumPy-prepared NHWC batches are transposed once, in the runtime's batches).

Every module that holds weights is registered under its Keras layer name (`keras_name`), so that a test can copy a
Keras model's weights in and compare outputs (tests/integration/test_torch.py)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

KERAS_BN_MOMENTUM = 0.01  # Keras' 0.99: the share of the new batch's statistics, as PyTorch counts it
DENSE_L1, DENSE_L2, BIAS_L2, ACTIVITY_L2 = 1e-5, 1e-4, 1e-4, 1e-5  # the published dense layers' regularisers


def same_pad(x: torch.Tensor, kernel: int, stride: int, value: float = 0.0) -> torch.Tensor:
    """TensorFlow's "same": the output is ceil(in / stride), the padding split with the odd pixel after."""
    h, w = x.shape[-2:]
    pads = []
    for size in (w, h):  # F.pad takes the last dimension first
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value) if any(pads) else x


def keras_bn(channels: int, eps: float) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=eps, momentum=KERAS_BN_MOMENTUM)


class Separable(nn.Module):
    """Keras' SeparableConv2D without bias: depthwise (one filter per channel), then pointwise (1x1)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class Named(nn.Module):
    """Modules kept under their Keras layer names (a ModuleDict cannot hold every Keras name: dots are not allowed,
    and some are Python words)."""

    def __init__(self):
        super().__init__()
        self.keras = nn.ModuleDict()

    def add(self, name: str, module: nn.Module) -> nn.Module:
        self.keras[name] = module
        module.keras_name = name
        return module

    def __getitem__(self, name: str) -> nn.Module:
        return self.keras[name]


class RegularisedDense(nn.Module):
    """The published dense layer: ReLU, L1L2 on the kernel, L2 on the bias and on the activations (per image)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.linear = nn.Linear(cin, cout)
        self.activity = torch.zeros(())

    def forward(self, x):
        y = F.relu(self.linear(x))
        # Keras 3 adds the activity loss divided by the batch size; computed in float32 under mixed precision
        self.activity = ACTIVITY_L2 * y.float().square().sum() / y.shape[0]
        return y

    def penalty(self) -> torch.Tensor:
        w, b = self.linear.weight, self.linear.bias
        return DENSE_L1 * w.abs().sum() + DENSE_L2 * w.square().sum() + BIAS_L2 * b.square().sum() + self.activity


VGG19_BLOCKS = ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4))


class VGG19Base(Named):
    def __init__(self):
        super().__init__()
        cin = 3
        for b, (cout, convs) in enumerate(VGG19_BLOCKS, start=1):
            for c in range(1, convs + 1):
                self.add(f"block{b}_conv{c}", nn.Conv2d(cin, cout, 3, padding=1))
                cin = cout

    def forward(self, x):
        for b, (_, convs) in enumerate(VGG19_BLOCKS, start=1):
            for c in range(1, convs + 1):
                x = F.relu(self[f"block{b}_conv{c}"](x))
            x = F.max_pool2d(x, 2, 2)
        return x


class ModelA(Named):
    """Modified VGG19 (Deitsch et al.): the frozen VGG19 base, four 3x3 convolutions, then the regularised head."""
    name = "model_a_vgg19"

    def __init__(self):
        super().__init__()
        self.base = VGG19Base()
        self.base.requires_grad_(False)
        cin = 512
        for i in range(1, 5):
            self.add(f"head_conv{i}", nn.Conv2d(cin, 128, 3, padding=1))
            cin = 128
        self.dense = [self.add("fc4096", RegularisedDense(128, 4096)), self.add("fc2048", RegularisedDense(4096, 2048)),
                      self.add("fc128", RegularisedDense(2048, 128))]
        self.add("predictions", nn.Linear(128, 10))

    def features(self, x):
        """The convolutional part's output, pooled (Keras' layer "gap")."""
        x = self.base(x)
        for i in range(1, 5):
            x = F.relu(self[f"head_conv{i}"](x))
        return x.mean(dim=(2, 3))

    def forward(self, x):
        x = self.features(x)
        x = F.dropout(self["fc4096"](x), 0.5, self.training)
        x = F.dropout(self["fc2048"](x), 0.5, self.training)
        x = self["fc128"](x)
        return self["predictions"](x).float()  # logits; the softmax is in the loss and in predict


XCEPTION_EPS = 1e-3


class XceptionBase(Named):
    """Keras' Xception without its top, for a 32x32 input (Keras allows it through input_tensor)."""

    def __init__(self):
        super().__init__()
        bn = lambda c: keras_bn(c, XCEPTION_EPS)  # noqa: E731
        self.add("block1_conv1", nn.Conv2d(3, 32, 3, stride=2, bias=False))
        self.add("block1_conv1_bn", bn(32))
        self.add("block1_conv2", nn.Conv2d(32, 64, 3, bias=False))
        self.add("block1_conv2_bn", bn(64))
        self.residuals = nn.ModuleList()  # Keras leaves them unnamed (conv2d, conv2d_1, …): in their order
        cin = 64
        for block, cout in ((2, 128), (3, 256), (4, 728)):
            self.residuals.append(nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2, bias=False), bn(cout)))
            self.add(f"block{block}_sepconv1", Separable(cin, cout))
            self.add(f"block{block}_sepconv1_bn", bn(cout))
            self.add(f"block{block}_sepconv2", Separable(cout, cout))
            self.add(f"block{block}_sepconv2_bn", bn(cout))
            cin = cout
        for block in range(5, 13):
            for s in (1, 2, 3):
                self.add(f"block{block}_sepconv{s}", Separable(728, 728))
                self.add(f"block{block}_sepconv{s}_bn", bn(728))
        self.residuals.append(nn.Sequential(nn.Conv2d(728, 1024, 1, stride=2, bias=False), bn(1024)))
        self.add("block13_sepconv1", Separable(728, 728))
        self.add("block13_sepconv1_bn", bn(728))
        self.add("block13_sepconv2", Separable(728, 1024))
        self.add("block13_sepconv2_bn", bn(1024))
        self.add("block14_sepconv1", Separable(1024, 1536))
        self.add("block14_sepconv1_bn", bn(1536))
        self.add("block14_sepconv2", Separable(1536, 2048))
        self.add("block14_sepconv2_bn", bn(2048))

    def _sep(self, x, name, relu_first=True):
        x = F.relu(x) if relu_first else x
        return self[f"{name}_bn"](self[name](x))

    def forward(self, x):
        x = F.relu(self["block1_conv1_bn"](self["block1_conv1"](x)))
        x = F.relu(self["block1_conv2_bn"](self["block1_conv2"](x)))
        for i, block in enumerate((2, 3, 4)):
            residual = self.residuals[i](x)
            x = self._sep(x, f"block{block}_sepconv1", relu_first=block != 2)  # block 2 follows block 1's ReLU
            x = self._sep(x, f"block{block}_sepconv2")
            x = F.max_pool2d(same_pad(x, 3, 2, -math.inf), 3, 2) + residual
        for block in range(5, 13):
            residual = x
            for s in (1, 2, 3):
                x = self._sep(x, f"block{block}_sepconv{s}")
            x = x + residual
        residual = self.residuals[3](x)
        x = self._sep(x, "block13_sepconv1")
        x = self._sep(x, "block13_sepconv2")
        x = F.max_pool2d(same_pad(x, 3, 2, -math.inf), 3, 2) + residual
        x = F.relu(self._sep(x, "block14_sepconv1", relu_first=False))
        return F.relu(self._sep(x, "block14_sepconv2", relu_first=False))


RESNET_EPS = 1.001e-5
RESNET152V2_STACKS = (("conv2", 64, 3, 2), ("conv3", 128, 8, 2), ("conv4", 256, 36, 2), ("conv5", 512, 3, 1))


class ResNet152V2Base(Named):
    """Keras' ResNet152V2 without its top: pre-activation blocks, the stride in each stack's last block."""

    def __init__(self):
        super().__init__()
        bn = lambda c: keras_bn(c, RESNET_EPS)  # noqa: E731
        self.add("conv1_conv", nn.Conv2d(3, 64, 7, stride=2))
        self.blocks: list[tuple[str, int, bool]] = []  # (name, stride, conv shortcut)
        cin = 64
        for stack, filters, blocks, stride in RESNET152V2_STACKS:
            for b in range(1, blocks + 1):
                name = f"{stack}_block{b}"
                self.add(f"{name}_preact_bn", bn(cin))
                if b == 1:
                    self.add(f"{name}_0_conv", nn.Conv2d(cin, 4 * filters, 1))
                self.add(f"{name}_1_conv", nn.Conv2d(cin, filters, 1, bias=False))
                self.add(f"{name}_1_bn", bn(filters))
                self.add(f"{name}_2_conv", nn.Conv2d(filters, filters, 3, stride=stride if b == blocks else 1,
                                                     bias=False))
                self.add(f"{name}_2_bn", bn(filters))
                self.add(f"{name}_3_conv", nn.Conv2d(filters, 4 * filters, 1))
                self.blocks.append((name, stride if b == blocks else 1, b == 1))
                cin = 4 * filters
        self.add("post_bn", bn(cin))

    def forward(self, x):
        x = self["conv1_conv"](F.pad(x, [3, 3, 3, 3]))
        x = F.max_pool2d(F.pad(x, [1, 1, 1, 1]), 3, 2)
        for name, stride, conv_shortcut in self.blocks:
            preact = F.relu(self[f"{name}_preact_bn"](x))
            if conv_shortcut:
                shortcut = self[f"{name}_0_conv"](preact)
            else:
                shortcut = x[..., ::stride, ::stride] if stride > 1 else x  # MaxPooling2D(1, strides=stride)
            y = F.relu(self[f"{name}_1_bn"](self[f"{name}_1_conv"](preact)))
            y = F.relu(self[f"{name}_2_bn"](self[f"{name}_2_conv"](F.pad(y, [1, 1, 1, 1]))))
            x = shortcut + self[f"{name}_3_conv"](y)
        return F.relu(self["post_bn"](x))


class ModelB(Named):
    """Concatenated Xception + ResNet152V2 (Rahimzadeh & Attar) on one 32x32x3 input, then the fused head."""
    name = "model_b_xception_resnet152v2"

    def __init__(self):
        super().__init__()
        self.xception = XceptionBase()
        self.resnet = ResNet152V2Base()
        self.add("fuse_conv", nn.Conv2d(4096, 1024, 3, padding=1))
        self.dense = [self.add("fc1024", RegularisedDense(1024, 1024))]
        self.add("predictions", nn.Linear(1024, 10))

    def features(self, x):
        """Both bases' outputs side by side (Keras' layer "concat")."""
        return torch.cat([self.xception(x), self.resnet(x)], dim=1)

    def forward(self, x):
        x = F.relu(self["fuse_conv"](self.features(x))).mean(dim=(2, 3))
        x = self["fc1024"](F.dropout(x, 0.5, self.training))
        return self["predictions"](x).float()


class Convolve2d(Named):
    """The simple kernels' network, from the same table as Keras' (core/measure/kernels.CONVOLVE2D_LAYERS)."""
    name = "convolve2d"

    def __init__(self):
        from ...core.measure.kernels import CONVOLVE2D_LAYERS

        super().__init__()
        self.layers_spec = CONVOLVE2D_LAYERS
        cin, size_hw = 3, 32
        for i, (kind, size, kernel, stride) in enumerate(CONVOLVE2D_LAYERS):
            name = f"{kind.lower()}_{i + 1}"
            if kind == "Conv2D":
                self.add(name, nn.Conv2d(cin, size, kernel, stride=stride))
                cin, size_hw = size, -(-size_hw // stride)
            elif kind == "AveragePooling2D":
                size_hw = -(-size_hw // stride)
            elif kind == "Dense":
                self.add("predictions", nn.Linear(cin * size_hw * size_hw, size))

    def forward(self, x):
        for i, (kind, _size, kernel, stride) in enumerate(self.layers_spec):
            name = f"{kind.lower()}_{i + 1}"
            if kind == "Conv2D":
                x = self[name](same_pad(x, kernel, stride))
            elif kind == "AveragePooling2D":  # Keras' "same" average pooling counts only the real pixels
                ones = torch.ones_like(x[:, :1])
                x = F.avg_pool2d(same_pad(x, kernel, stride), kernel, stride, divisor_override=1)
                x = x / F.avg_pool2d(same_pad(ones, kernel, stride), kernel, stride, divisor_override=1)
            elif kind == "Flatten":
                x = x.permute(0, 2, 3, 1).flatten(1)  # Keras flattens NHWC
            else:
                x = self["predictions"](x)
        return x.float()


BUILDERS = {"model_a": ModelA, "model_b": ModelB, "convolve2d": Convolve2d}


def keras_param_count(model: nn.Module) -> int:
    """Parameters as Keras counts them: every weight, and each BatchNormalization's moving mean and variance."""
    stats = sum(m.running_mean.numel() + m.running_var.numel() for m in model.modules()
                if isinstance(m, nn.BatchNorm2d))
    return sum(p.numel() for p in model.parameters()) + stats


def trainable_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def penalty(model: nn.Module) -> torch.Tensor:
    """The regularisers' share of the loss (0 for a network without regularised layers)."""
    parts = [m.penalty() for m in getattr(model, "dense", [])]
    return sum(parts) if parts else torch.zeros(())
