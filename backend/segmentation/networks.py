"""2D segmentation networks from MONAI: unet (the default, segmentation.DEFAULT_ARCH), vnet, unetr, swin_unetr."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

import torch
from monai.networks.nets import UNETR, SwinUNETR, UNet, VNet
from monai.networks.nets.vnet import DownTransition, InputTransition, OutputTransition, UpTransition
from torch import nn

ARCHITECTURES = ("vnet", "unet", "unetr", "swin_unetr", "monai_vnet")


class WidthVNet(nn.Module):
    """MONAI's VNet (same blocks, same skip and residual wiring) with a configurable base width.

    width=16 is MONAI's VNet less its dropout on the skip connections (which hurts few-shot
    fine-tuning); width=8, the default of build("vnet"), costs about a quarter of the compute
    (measured: ~35-60 ms vs ~70-95 ms per 512x512 slice on 2 CPU threads, whole predict).
    """

    def __init__(self, in_channels: int, out_channels: int, width: int = 16, dropout: float = 0.0) -> None:
        super().__init__()
        act = ("elu", {"inplace": True})
        w = width
        drop = dropout or None
        self.in_tr = InputTransition(2, in_channels, w, act)
        self.down_tr32 = DownTransition(2, w, 1, act)
        self.down_tr64 = DownTransition(2, 2 * w, 2, act)
        self.down_tr128 = DownTransition(2, 4 * w, 3, act, dropout_prob=drop)
        self.down_tr256 = DownTransition(2, 8 * w, 2, act, dropout_prob=drop)
        self.up_tr256 = UpTransition(2, 16 * w, 16 * w, 2, act, dropout_prob=(drop, 0.0))
        self.up_tr128 = UpTransition(2, 16 * w, 8 * w, 2, act, dropout_prob=(drop, 0.0))
        self.up_tr64 = UpTransition(2, 8 * w, 4 * w, 1, act, dropout_prob=(None, 0.0))
        self.up_tr32 = UpTransition(2, 4 * w, 2 * w, 1, act, dropout_prob=(None, 0.0))
        self.out_tr = OutputTransition(2, 2 * w, out_channels, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out16 = self.in_tr(x)
        out32 = self.down_tr32(out16)
        out64 = self.down_tr64(out32)
        out128 = self.down_tr128(out64)
        out256 = self.down_tr256(out128)
        x = self.up_tr256(out256, out128)
        x = self.up_tr128(x, out64)
        x = self.up_tr64(x, out32)
        x = self.up_tr32(x, out16)
        return self.out_tr(x)


def _vnet(n_classes: int, in_channels: int, img_size: int, width: int = 8, dropout: float = 0.0) -> nn.Module:
    return WidthVNet(in_channels, n_classes, width=width, dropout=dropout)


def _monai_vnet(n_classes: int, in_channels: int, img_size: int) -> nn.Module:
    return VNet(spatial_dims=2, in_channels=in_channels, out_channels=n_classes)


def _unet(
    n_classes: int,
    in_channels: int,
    img_size: int,
    width: int = 16,
    num_res_units: int = 1,
    first_stride: int = 2,
    norm: str = "instance",
) -> nn.Module:
    """MONAI's UNet; first_stride=1 keeps a full-resolution top level (MONAI's default halves at once).

    norm="instance" (MONAI's default, and the benchmarked one) normalises every input with its own
    statistics, which also takes out a device's calibration and contrast; "batch" uses statistics learnt
    in training.
    """
    channels = tuple(width * 2**i for i in range(5))
    strides = (first_stride, 2, 2, 2)
    return UNet(2, in_channels, n_classes, channels=channels, strides=strides, num_res_units=num_res_units, norm=norm)


def _unetr(
    n_classes: int, in_channels: int, img_size: int, feature_size: int = 16, hidden_size: int = 192, num_heads: int = 4
) -> nn.Module:
    return UNETR(
        in_channels, n_classes, img_size=(img_size, img_size), feature_size=feature_size,
        hidden_size=hidden_size, mlp_dim=4 * hidden_size, num_heads=num_heads, spatial_dims=2,
    )  # fmt: skip


def _swin_unetr(n_classes: int, in_channels: int, img_size: int, feature_size: int = 12) -> nn.Module:
    return SwinUNETR(
        in_channels, n_classes, feature_size=feature_size, spatial_dims=2, num_heads=(3, 6, 12, 24), window_size=7
    )


# Architectures whose input size is fixed when built (UNETR's position embeddings): they always see the whole
# canvas, in training (no crops) and in prediction (no body box).
FIXED_INPUT_SIZE = frozenset({"unetr"})

# Options used when a caller gives none (TrainConfig.net_kwargs=None): the benchmarked defaults.
DEFAULT_OPTIONS: dict[str, dict] = {"unet": {"width": 16, "norm": "instance"}, "vnet": {"width": 8}}

BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "vnet": _vnet,
    "unet": _unet,
    "unetr": _unetr,
    "swin_unetr": _swin_unetr,
    "monai_vnet": _monai_vnet,
}

# Parameter names that belong to each architecture's encoder (for freeze_encoder).
ENCODER_PATTERNS: dict[str, str] = {
    "vnet": r"^(in_tr|down_tr)",
    "monai_vnet": r"^(in_tr|down_tr)",
    "unet": r"^model\.(1\.submodule\.)*0\.|^model\.(1\.submodule\.)*1\.(conv|residual)",
    "unetr": r"^(vit|encoder)",
    "swin_unetr": r"^(swinViT|encoder)",
}


def build(arch: str = "vnet", n_classes: int = 3, in_channels: int = 1, img_size: int = 176, **kwargs) -> nn.Module:
    """A 2D network; `kwargs` are the architecture's own options (width, feature_size, ...)."""
    if arch not in BUILDERS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {ARCHITECTURES}")
    return BUILDERS[arch](n_classes, in_channels, img_size, **kwargs)


def resolved_options(arch: str, kwargs: dict) -> dict:
    """`kwargs` with every option the builder defaults filled in, so a checkpoint does not depend on
    today's defaults; unknown options fail here, naming them."""
    if arch not in BUILDERS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {ARCHITECTURES}")
    parameters = dict(list(inspect.signature(BUILDERS[arch]).parameters.items())[3:])
    unknown = sorted(set(kwargs) - set(parameters))
    if unknown:
        raise ValueError(f"{arch} has no option(s) {unknown}; it takes {sorted(parameters)}")
    return {name: kwargs.get(name, parameter.default) for name, parameter in parameters.items()}


def encoder_parameters(model: nn.Module, arch: str) -> list[nn.Parameter]:
    pattern = re.compile(ENCODER_PATTERNS[arch])
    return [p for name, p in model.named_parameters() if pattern.search(name)]
