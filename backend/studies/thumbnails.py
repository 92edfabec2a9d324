"""Thumbnails in a soft-tissue window, rendered once and kept beside the HU array."""

import io

import numpy as np
from PIL import Image as PILImage

from . import storage
from .models import Image

THUMBNAIL_SIZE = 128
SOFT_TISSUE = (400, 40)  # window width, level


def window_to_uint8(hu: np.ndarray, width: float, level: float) -> np.ndarray:
    low = level - width / 2
    scaled = (hu.astype(np.float32) - low) * (255.0 / width)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def thumbnail_png(hu: np.ndarray, size: int = THUMBNAIL_SIZE) -> bytes:
    picture = PILImage.fromarray(window_to_uint8(hu, *SOFT_TISSUE), mode="L")
    picture.thumbnail((size, size), PILImage.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def image_thumbnail_ensure(*, image: Image) -> str:
    if storage.exists(image.thumbnail_path):
        return image.thumbnail_path
    relative = image.hu_path.replace(".hu.npy", ".thumb.png")
    storage.write_atomic(relative, thumbnail_png(np.asarray(storage.hu_load(image.hu_path))))
    Image.objects.filter(pk=image.pk).update(thumbnail_path=relative)
    image.thumbnail_path = relative
    return relative
