"""The axial stack of a series as one array: what level detection and the sagittal/coronal reformats read."""

from collections import Counter
from dataclasses import dataclass

import numpy as np

from . import storage
from .models import Image, Series

MIN_SLICES = 2


@dataclass(frozen=True)
class SeriesStack:
    images: list[Image]  # superior first (patient z falling), one per z
    hu: np.ndarray  # (slices, rows, columns) int16, standard view
    z_mm: np.ndarray  # patient z of each slice, falling
    spacing_mm: tuple[float, float]


def stack_images(*, series: Series) -> tuple[list[Image], str]:
    """The images a stack is built from, superior first, and "" — or no images and the reason there is no
    stack. Slices without a position cannot be placed; slices of another size or spacing than most of the
    series (a scout, a reconstruction mixed in) are left out; a repeated z keeps its first slice."""
    images = [image for image in series.images.all() if image.slice_location is not None]
    if len(images) < MIN_SLICES:
        count = series.images.count()
        if count < MIN_SLICES:
            return [], f"a single slice: levels and reformats need a series of {MIN_SLICES} or more slices"
        return [], "its slices carry no position (ImagePositionPatient or SliceLocation)"
    grids = Counter(_grid(image) for image in images)
    grid = grids.most_common(1)[0][0]
    chosen: dict[float, Image] = {}
    for image in sorted((i for i in images if _grid(i) == grid), key=lambda i: (-i.slice_location, i.pk)):
        chosen.setdefault(round(image.slice_location, 3), image)
    if len(chosen) < MIN_SLICES:
        return [], f"fewer than {MIN_SLICES} slices at distinct positions"
    return list(chosen.values()), ""


def _grid(image: Image) -> tuple:
    return (image.rows, image.columns, round(image.spacing_row_mm, 4), round(image.spacing_col_mm, 4))


def stack_load(images: list[Image]) -> SeriesStack:
    """HU of `images` (as stack_images gives them) as one int16 array: 2 bytes per voxel, ~160 MB for 300
    slices of 512 x 512."""
    first = images[0]
    hu = np.empty((len(images), first.rows, first.columns), dtype=np.int16)
    for index, image in enumerate(images):
        hu[index] = storage.hu_load(image.hu_path)
    z = np.array([image.slice_location for image in images], dtype=float)
    return SeriesStack(images=images, hu=hu, z_mm=z, spacing_mm=first.pixel_spacing_mm)
