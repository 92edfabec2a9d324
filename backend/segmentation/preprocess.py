"""HU image -> model input at a fixed physical spacing and size, and model output -> original grid.

The image is resampled to `spacing_mm`, then centred in a `size` x `size` canvas (padded with air or
cropped). `Geometry` remembers how, so probabilities map back exactly onto the original pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

AIR_HU = -1024.0


@dataclass(frozen=True)
class PreprocessConfig:
    # model pixel size: 1 mm resolves the 1-2 mm fat planes between abdominal wall muscles that a
    # 2.25 mm grid merges into muscle (benchmarks/engine.py, resolution_ceiling); 448 px x 1 mm = 44.8 cm
    spacing_mm: float = 1.0
    size: int = 448  # divisible by 32 (Swin-UNETR needs it, the UNet and VNet need 16)
    window: tuple[float, float] = (-250.0, 250.0)  # HU mapped to [-1, 1]

    FIELD_OF_VIEW_MM = 448.0

    @classmethod
    def covering(cls, size: int) -> PreprocessConfig:
        """A `size` px canvas over the default field of view (coarser pixels for small sizes)."""
        return cls(spacing_mm=cls.FIELD_OF_VIEW_MM / size, size=size)

    def __post_init__(self) -> None:
        if self.spacing_mm <= 0 or self.size < 32 or self.size % 32:
            raise ValueError(f"invalid preprocessing {self}: spacing > 0 and size % 32 == 0 needed")
        if self.window[1] <= self.window[0]:
            raise ValueError(f"invalid window {self.window}")


@dataclass(frozen=True)
class Geometry:
    original: tuple[int, int]  # rows, cols of the input image
    resampled: tuple[int, int]  # after resampling to the model spacing
    offset: tuple[int, int]  # where the resampled image starts in the model canvas (may be < 0)
    size: int


def plan(shape: tuple[int, int], spacing_mm: tuple[float, float], config: PreprocessConfig) -> Geometry:
    if len(shape) != 2 or min(shape) < 2:
        raise ValueError(f"expected a 2D image, got shape {shape}")
    if min(spacing_mm) <= 0:
        raise ValueError(f"pixel spacing must be positive, got {spacing_mm}")
    resampled = tuple(max(1, round(n * s / config.spacing_mm)) for n, s in zip(shape, spacing_mm, strict=True))
    offset = tuple((config.size - n) // 2 for n in resampled)
    return Geometry(tuple(shape), resampled, offset, config.size)  # type: ignore[arg-type]


def _spans(n: int, offset: int, size: int) -> tuple[slice, slice]:
    """(source slice in the resampled image, destination slice in the canvas) along one axis."""
    start, stop = max(offset, 0), min(offset + n, size)
    return slice(start - offset, stop - offset), slice(start, stop)


def place(image: torch.Tensor, geometry: Geometry, fill: float) -> torch.Tensor:
    """Put a (C, h, w) resampled image into a (C, size, size) canvas."""
    canvas = image.new_full((image.shape[0], geometry.size, geometry.size), fill)
    (src_r, dst_r), (src_c, dst_c) = (
        _spans(n, o, geometry.size) for n, o in zip(geometry.resampled, geometry.offset, strict=True)
    )
    canvas[:, dst_r, dst_c] = image[:, src_r, src_c]
    return canvas


def unplace(canvas: torch.Tensor, geometry: Geometry, fill: torch.Tensor) -> torch.Tensor:
    """Inverse of place: (C, size, size) -> (C, h, w), `fill` (per channel) where the canvas was cropped."""
    h, w = geometry.resampled
    image = fill.view(-1, 1, 1).expand(canvas.shape[0], h, w).clone()
    (src_r, dst_r), (src_c, dst_c) = (
        _spans(n, o, geometry.size) for n, o in zip(geometry.resampled, geometry.offset, strict=True)
    )
    image[:, src_r, src_c] = canvas[:, dst_r, dst_c]
    return image


def normalise(hu: torch.Tensor, config: PreprocessConfig) -> torch.Tensor:
    low, high = config.window
    return (hu.clamp(low, high) - low) / (high - low) * 2 - 1


def image_to_model(
    hu: np.ndarray, spacing_mm: tuple[float, float], config: PreprocessConfig
) -> tuple[torch.Tensor, Geometry]:
    """(1, size, size) float32 model input and the geometry to map outputs back."""
    geometry = plan(hu.shape, spacing_mm, config)
    image = torch.from_numpy(np.asarray(hu, dtype=np.float32))[None, None]
    if geometry.resampled != geometry.original:
        image = F.interpolate(image, size=geometry.resampled, mode="bilinear", antialias=True, align_corners=False)
    return normalise(place(image[0], geometry, AIR_HU), config), geometry


def labels_to_model(labels: np.ndarray, spacing_mm: tuple[float, float], config: PreprocessConfig) -> torch.Tensor:
    """(size, size) int64 label map on the model grid (nearest neighbour)."""
    geometry = plan(labels.shape, spacing_mm, config)
    label_map = torch.from_numpy(np.asarray(labels, dtype=np.float32))[None, None]
    if geometry.resampled != geometry.original:
        label_map = F.interpolate(label_map, size=geometry.resampled, mode="nearest-exact")
    return place(label_map[0], geometry, 0.0)[0].long()


def label_fractions_to_model(
    labels: np.ndarray, spacing_mm: tuple[float, float], config: PreprocessConfig, n_classes: int
) -> torch.Tensor:
    """(n_classes, size, size) float32: the share of each model pixel that each label covers.

    Training targets. Nearest-neighbour labels on a coarser grid move every boundary by up to half a
    model pixel at random; a network that learns them cannot place a boundary better than that (muscle
    Dice after mapping back tops out near 0.94 at 2.25 mm on the phantom, 0.97 with fractions).
    """
    geometry = plan(labels.shape, spacing_mm, config)
    one_hot = torch.nn.functional.one_hot(torch.from_numpy(np.asarray(labels, dtype=np.int64)), n_classes)
    fractions = one_hot.permute(2, 0, 1).float()[None]
    if geometry.resampled != geometry.original:
        fractions = F.interpolate(fractions, size=geometry.resampled, mode="bilinear", antialias=True)
    canvas = place(fractions[0], geometry, 0.0)
    canvas[0] += 1.0 - canvas.sum(0)  # padding is background
    return canvas


# Pixels at or above this HU are the body (fat is about -100, air -1000 even with noise); the box
# around them is where the network runs (body_box).
BODY_HU = -200.0


def body_box(image: torch.Tensor, config: PreprocessConfig, margin: int = 8, multiple: int = 32) -> tuple[slice, slice]:
    """Rows and columns of the (1, size, size) model input that hold the body (pixels >= BODY_HU), widened
    by `margin` pixels and grown, centred, to a multiple of `multiple` (the networks halve the grid 4-5
    times); the whole canvas when nothing reaches BODY_HU.

    The networks train on crops of the canvas (TrainConfig.crop). Their instance normalisation takes its
    statistics from what they see, so a whole canvas, half of it air, normalises unlike any training crop;
    the body box is close to what training saw and holds half the pixels. Measured on the phantom
    (benchmarks/results/engine-headline-compile.json, 1 mm grid): muscle Dice +0.005 to +0.014 on B after
    fine-tuning with K = 1..20 images, +0.010 on A.
    """
    low, high = config.window
    threshold = (min(max(BODY_HU, low), high) - low) / (high - low) * 2 - 1
    body = image.reshape(image.shape[-2:]) >= threshold
    size = config.size
    if not body.any():
        return slice(0, size), slice(0, size)
    spans = []
    for occupied in (body.any(1), body.any(0)):
        where = torch.nonzero(occupied).flatten()
        first, last = int(where[0]) - margin, int(where[-1]) + 1 + margin
        span = min(size, max(2 * multiple, -(-(last - first) // multiple) * multiple))
        start = min(max(0, first - (span - (last - first)) // 2), size - span)
        spans.append(slice(start, start + span))
    return spans[0], spans[1]


def in_body_box(network: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor, config: PreprocessConfig):
    """`network`'s (1, C, h, w) class probabilities for the body box of the (1, size, size) `image`, placed in
    a (C, size, size) canvas that is background (class 0) outside the box."""
    rows, cols = body_box(image, config)
    inside = network(image[None, :, rows, cols])[0]
    canvas = inside.new_zeros((inside.shape[0], *image.shape[-2:]))
    canvas[0] = 1.0
    canvas[:, rows, cols] = inside
    return canvas


def probabilities_to_original(probabilities: torch.Tensor, geometry: Geometry) -> torch.Tensor:
    """(C, size, size) class probabilities -> (C, rows, cols) on the original grid."""
    background = torch.zeros(probabilities.shape[0], dtype=probabilities.dtype)
    background[0] = 1.0
    image = unplace(probabilities, geometry, background)
    if geometry.resampled != geometry.original:
        image = F.interpolate(image[None], size=geometry.original, mode="bilinear", align_corners=False)[0]
    return image


def hu_from_model(image: torch.Tensor, geometry: Geometry, config: PreprocessConfig) -> np.ndarray:
    """Inverse of image_to_model for HU inside the window (used to test the round trip)."""
    low, high = config.window
    hu = (image + 1) / 2 * (high - low) + low
    restored = unplace(hu, geometry, torch.full((hu.shape[0],), float(low)))
    if geometry.resampled != geometry.original:
        restored = F.interpolate(restored[None], size=geometry.original, mode="bilinear", align_corners=False)[0]
    return restored[0].numpy()
