"""Batch augmentation on the model grid that mimics other devices: geometry (field of view, patient
size and position) and intensity (calibration offset, contrast, blur or sharp kernels, noise)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    rotate_deg: float = 8.0
    scale: tuple[float, float] = (0.85, 1.15)
    shift: float = 0.06  # fraction of the image
    offset: float = 0.12  # normalised units; 0.12 is 30 HU with the default window
    contrast: tuple[float, float] = (0.85, 1.15)
    sharpen: tuple[float, float] = (-1.0, 1.2)  # -1 = blurred, > 0 = sharp kernel overshoot
    noise: tuple[float, float] = (0.0, 0.12)


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=generator) * (high - low) + low


def _gaussian_kernel(sigma: float = 1.0) -> torch.Tensor:
    offsets = torch.arange(-2, 3, dtype=torch.float32)
    kernel_1d = torch.exp(-(offsets**2) / (2 * sigma**2))
    kernel = torch.outer(kernel_1d, kernel_1d)
    return (kernel / kernel.sum())[None, None]


def _blur(images: torch.Tensor) -> torch.Tensor:
    return F.conv2d(F.pad(images, (2, 2, 2, 2), mode="replicate"), _gaussian_kernel())


def geometry(
    images: torch.Tensor, labels: torch.Tensor, config: AugmentConfig, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    n = images.shape[0]
    angle = _uniform(n, -config.rotate_deg, config.rotate_deg, generator) * math.pi / 180
    scale = _uniform(n, *config.scale, generator)
    shift = _uniform(2 * n, -config.shift, config.shift, generator).view(n, 2) * 2
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    # zeros padding is air after shifting air (-1) to 0
    warped = F.grid_sample(images + 1, grid, mode="bilinear", align_corners=False) - 1
    if labels.is_floating_point():  # (N, C, S, S) label fractions; outside the image is background
        shifted = labels.clone()
        shifted[:, 0] -= 1
        warped_labels = F.grid_sample(shifted, grid, mode="bilinear", align_corners=False)
        warped_labels[:, 0] += 1
        return warped, warped_labels
    warped_labels = F.grid_sample(labels[:, None].float(), grid, mode="nearest", align_corners=False)
    return warped, warped_labels[:, 0].long()


def intensity(images: torch.Tensor, config: AugmentConfig, generator: torch.Generator) -> torch.Tensor:
    n = images.shape[0]
    per_image = (n, 1, 1, 1)
    sharpen = _uniform(n, *config.sharpen, generator).view(per_image)
    images = images + sharpen * (images - _blur(images))
    contrast = _uniform(n, *config.contrast, generator).view(per_image)
    offset = _uniform(n, -config.offset, config.offset, generator).view(per_image)
    images = images * contrast + offset
    sigma = _uniform(n, *config.noise, generator).view(per_image)
    white = torch.randn(images.shape, generator=generator)
    grain = _blur(white)
    grain = grain / grain.std(dim=(1, 2, 3), keepdim=True)
    mix = torch.rand(n, generator=generator).view(per_image)
    noise = (mix * white + (1 - mix) * grain) / torch.sqrt(mix**2 + (1 - mix) ** 2)
    return (images + sigma * noise).clamp(-1, 1)


def augment(
    images: torch.Tensor, labels: torch.Tensor, config: AugmentConfig, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = geometry(images, labels, config, generator)
    return intensity(images, config, generator), labels
