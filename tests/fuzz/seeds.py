"""Seed files for the upload fuzzer: real CT from ../shared/data/ct and small phantom slices."""

import tempfile
from pathlib import Path

from segmentation.dicom_io import write_dicom
from segmentation.phantom import make_slice

# (relative path under the real CT folder, weight): small files are picked more often, to keep the run short.
REAL_SEEDS: tuple[tuple[str, int], ...] = (
    ("single-slices/ge-ct-small-128.dcm", 6),  # explicit VR little endian, 128 x 128
    ("single-slices/abdomen-l1-l2-explicit-vr-un.dcm", 1),  # JPEG 2000, UN elements
    ("siemens-biograph-t12-series/CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573", 1),  # JPEG 2000
    ("ge-lightspeed-liver-3slice/01.dcm", 1),  # implicit VR, 512 x 512
)
PHANTOM_SEEDS: tuple[tuple[int, str], ...] = ((1, "A"), (2, "B"), (3, "C"))
PHANTOM_WEIGHT = 3


def phantom_bytes(seed: int, profile: str, matrix: int = 64) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "phantom.dcm"
        write_dicom(make_slice(seed, profile, matrix=matrix), path)
        return path.read_bytes()


def load_seeds(ct_dir: Path) -> list[tuple[str, bytes, int]]:
    """``(name, bytes, weight)`` for every seed."""
    seeds = [(Path(relative).name, (ct_dir / relative).read_bytes(), weight) for relative, weight in REAL_SEEDS]
    for seed, profile in PHANTOM_SEEDS:
        seeds.append((f"phantom-{profile}{seed}.dcm", phantom_bytes(seed, profile), PHANTOM_WEIGHT))
    return seeds
