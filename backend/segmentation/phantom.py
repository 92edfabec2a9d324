"""Synthetic axial abdominal CT slices (L3 and a liver level) with exact label maps.

The anatomy depends on the subject seed (body, fat, muscles, organs; bowel loops and IMAT specks are
placed on the pixel grid, so they move with the matrix and field of view); the device profile
(devices.py) then adds its own blur, noise texture, calibration offset and contrast. Organs with
muscle-like HU (skin, bowel wall, kidney, vessels, liver, spleen) touch the muscles on purpose, so that
no HU threshold alone can separate muscle from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import LABEL_NAMES
from .devices import DeviceProfile, acquire, device, stable_seed

MUSCLE, LIVER = 1, 2
LEVELS = ("L3", "liver")


@dataclass(frozen=True)
class Subject:
    subject_id: str  # a pseudo PatientID, for ingest to de-identify
    patient_name: str
    sex: str  # "M" or "F"
    age: int
    height_m: float
    weight_kg: float
    birth_date: str  # YYYYMMDD

    @property
    def bmi(self) -> float:
        return self.weight_kg / self.height_m**2


@dataclass(frozen=True)
class PhantomSlice:
    hu: np.ndarray  # int16, rows x cols
    labels: np.ndarray  # uint8, same grid
    spacing_mm: tuple[float, float]  # (row, column) pixel spacing
    device: DeviceProfile
    subject: Subject
    level: str
    seed: int
    label_names: tuple[str, ...] = field(default=LABEL_NAMES)


def make_subject(seed: int) -> Subject:
    rng = np.random.default_rng(stable_seed("subject", seed))
    sex = "M" if rng.random() < 0.5 else "F"
    age = int(rng.integers(25, 86))
    height = float(np.clip(rng.normal(1.76 if sex == "M" else 1.63, 0.07), 1.45, 2.0))
    bmi = float(np.clip(rng.normal(26.5, 4.5), 17.0, 40.0))
    birth_year = 2024 - age
    return Subject(
        subject_id=f"PH{seed:06d}",
        patient_name=f"PHANTOM^SUBJECT{seed:06d}",
        sex=sex,
        age=age,
        height_m=round(height, 2),
        weight_kg=round(bmi * height**2, 1),
        birth_date=f"{birth_year}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}",
    )


class _Canvas:
    """HU and label images on a grid in millimetres, with painting restricted to small windows."""

    def __init__(self, matrix: int, spacing_mm: float, centre: tuple[float, float]) -> None:
        coords = (np.arange(matrix, dtype=np.float32) - (matrix - 1) / 2) * spacing_mm
        self.x = coords - centre[0]  # columns, mm from the body centre, patient's left is +x
        self.y = coords - centre[1]  # rows, mm from the body centre, posterior is +y
        self.spacing = spacing_mm
        self.hu = np.full((matrix, matrix), -1000.0, dtype=np.float32)
        self.labels = np.zeros((matrix, matrix), dtype=np.uint8)

    def window(self, cx: float, cy: float, half: float) -> tuple[slice, slice]:
        rows = np.searchsorted(self.y, [cy - half, cy + half])
        cols = np.searchsorted(self.x, [cx - half, cx + half])
        return slice(int(rows[0]), int(rows[1]) + 1), slice(int(cols[0]), int(cols[1]) + 1)

    def ellipse(
        self, cx: float, cy: float, rx: float, ry: float, angle: float = 0.0
    ) -> tuple[tuple[slice, slice], np.ndarray]:
        region = self.window(cx, cy, max(rx, ry) + self.spacing)
        dx = self.x[region[1]][None, :] - cx
        dy = self.y[region[0]][:, None] - cy
        cos, sin = np.cos(angle), np.sin(angle)
        u, v = (dx * cos + dy * sin) / rx, (-dx * sin + dy * cos) / ry
        return region, u * u + v * v <= 1.0

    def paint(
        self,
        region: tuple[slice, slice],
        mask: np.ndarray,
        hu: float,
        label: int,
        within: np.ndarray | None = None,
    ) -> None:
        if within is not None:
            mask = mask & within[region]
        self.hu[region][mask] = hu
        self.labels[region][mask] = label


@dataclass(frozen=True)
class _Body:
    a: float  # half width, mm
    b: float  # half height, mm
    depth: np.ndarray  # mm inside the skin surface, along the radius
    phi: np.ndarray  # angle from anterior, radians, 0 = anterior, +-pi = posterior
    fat: np.ndarray  # subcutaneous fat thickness at each pixel's angle, mm
    wall: np.ndarray  # abdominal wall muscle thickness at each pixel's angle, mm


SKIN_MM = 2.0


def _body(canvas: _Canvas, rng: np.random.Generator, subject: Subject) -> _Body:
    bmi = subject.bmi
    a = 122 + 2.1 * (bmi - 18) + rng.normal(0, 5) + (6 if subject.sex == "M" else 0)
    b = 0.72 * a + rng.normal(0, 4)
    x, y = canvas.x[None, :], canvas.y[:, None]
    theta = np.arctan2(y, x)
    surface = 1.0 / np.sqrt((np.cos(theta) / a) ** 2 + (np.sin(theta) / b) ** 2)
    depth = surface - np.hypot(x, y)
    phi = np.arctan2(x, -y)
    fat0 = max(4.0, 4 + 1.6 * (bmi - 18) + rng.normal(0, 3) + (4 if subject.sex == "F" else 0))
    harmonics = rng.normal(0, 0.15, 3)
    fat = fat0 * (1 + 0.3 * np.cos(phi) + harmonics[0] * np.sin(2 * phi) + harmonics[1] * np.cos(3 * phi))
    # wall and back muscle sizes give adult L3 muscle (benchmarks/phantom_anatomy.py, 200 subjects: SMA 159 cm2 in
    # men, 109 in women; SMI 51 and 41; Prado's cut-offs flag 53% and 34%); they were a third smaller until
    # 2026-11-30, when every phantom subject was flagged sarcopenic
    wall0 = (21 if subject.sex == "M" else 16) * (1 - 0.004 * (subject.age - 40)) * rng.normal(1, 0.1)
    taper = np.clip((0.72 * np.pi - np.abs(phi)) / 0.25, 0, 1) ** 0.5
    wall = wall0 * taper * (1 + harmonics[2] * np.cos(2 * phi))
    return _Body(a, b, depth, phi, fat.astype(np.float32), wall.astype(np.float32))


def _muscle_hu(rng: np.random.Generator, subject: Subject, contrast: float) -> float:
    base = 50 - 0.3 * (subject.age - 40) - 0.6 * (subject.bmi - 25) + rng.normal(0, 4)
    return float(np.clip(base, 12, 65) + 8 * contrast)


def _paint_wall(canvas: _Canvas, body: _Body, rng: np.random.Generator, muscle_hu: float) -> None:
    """Rectus abdominis, then external oblique, internal oblique and transversus in layers."""
    inner = body.depth - SKIN_MM - body.fat
    in_wall = (inner > 0) & (inner < body.wall)
    x = canvas.x[None, :]
    rectus_half = rng.uniform(55, 80)
    rectus = in_wall & (np.abs(x) < rectus_half) & (np.abs(x) > 3) & (np.abs(body.phi) < np.pi / 2)
    laterals = in_wall & (np.abs(x) > rectus_half + 6) & ~rectus
    # intermuscular fat planes between the three lateral layers, 1.3-2.5 mm thick: wide enough that every
    # device profile resolves them (thinner planes, below the pixel size and point spread, would be labels
    # no observer can see); where the tapering wall is under four planes thick the layers merge
    plane = rng.uniform(1.3, 2.5)
    centres = (0.415 * body.wall, 0.77 * body.wall)
    fascia = (body.wall > 4 * plane) & (
        (np.abs(inner - centres[0]) < plane / 2) | (np.abs(inner - centres[1]) < plane / 2)
    )
    canvas.hu[rectus] = muscle_hu + rng.normal(0, 3)
    canvas.labels[rectus] = MUSCLE
    obliques = laterals & ~fascia
    canvas.hu[obliques] = muscle_hu + rng.normal(0, 3)
    canvas.labels[obliques] = MUSCLE


def _paint_spine(canvas: _Canvas, yv: float, rng: np.random.Generator, age: int) -> None:
    cancellous = float(np.clip(260 - 2.2 * (age - 30) + rng.normal(0, 20), 90, 300))
    body = canvas.ellipse(0, yv, 24, 17)
    canvas.paint(*body, 750, 0)
    canvas.paint(*canvas.ellipse(0, yv, 21.5, 14.5), cancellous, 0)
    canvas.paint(*canvas.ellipse(0, yv + 30, 15, 14), 650, 0)
    for side in (-1, 1):
        canvas.paint(*canvas.ellipse(side * 32, yv + 27, 18, 4, side * 0.15), 600, 0)
    canvas.paint(*canvas.ellipse(0, yv + 52, 4, 14), 650, 0)
    canvas.paint(*canvas.ellipse(0, yv + 30, 8.5, 8), 15, 0)  # spinal canal


Ellipse = tuple[float, float, float, float, float]  # cx, cy, rx, ry, angle


def _back_muscles(yv: float, size: float, level: str) -> dict[str, Ellipse]:
    """Erector spinae, quadratus lumborum and psoas, left (+1) and right (-1)."""
    psoas = size * (1.0 if level == "L3" else 0.5)
    es_rx, es_ry = 30 * size, 23 * size
    shapes: dict[str, Ellipse] = {}
    for side in (-1, 1):
        shapes[f"erector{side}"] = (side * (es_rx + 5), yv + 50, es_rx, es_ry, 0.0)
        shapes[f"ql{side}"] = (
            side * (55 + 8 * size),
            yv + 20,
            19 * size,
            10 * size,
            -side * 0.45,
        )
        shapes[f"psoas{side}"] = (
            side * (22 + 17 * psoas),
            yv - 4,
            17 * psoas,
            14 * psoas,
            0.0,
        )
    return shapes


def _paint_back_muscles(
    canvas: _Canvas,
    shapes: dict[str, Ellipse],
    deep: np.ndarray,
    rng: np.random.Generator,
    muscle_hu: float,
) -> None:
    for shape in shapes.values():
        canvas.paint(*canvas.ellipse(*shape), muscle_hu + rng.normal(0, 3), MUSCLE, deep)


def _paint_retroperitoneum(
    canvas: _Canvas,
    yv: float,
    shapes: dict[str, Ellipse],
    rng: np.random.Generator,
    contrast: float,
) -> None:
    """Kidneys touching psoas and quadratus, aorta and IVC against the spine."""
    for side in (-1, 1):
        px, _, prx, _, _ = shapes[f"psoas{side}"]
        kx = px + side * (prx + 22)
        cortex = 32 + 140 * contrast + rng.normal(0, 4)
        canvas.paint(*canvas.ellipse(kx, yv + 6, 27, 17, -side * 0.6), cortex, 0)
        canvas.paint(*canvas.ellipse(kx - side * 6, yv + 2, 9, 6), -60, 0)  # renal sinus fat
    blood = 42 + 130 * contrast
    canvas.paint(*canvas.ellipse(9, yv - 27, 10, 10), blood, 0)
    canvas.paint(*canvas.ellipse(-19, yv - 24, 12, 8), blood - 10 * contrast, 0)


def _paint_bowel(
    canvas: _Canvas,
    cavity: np.ndarray,
    yv: float,
    rng: np.random.Generator,
    count: int,
    contrast: float,
) -> None:
    rows, cols = np.nonzero(cavity & (canvas.y[:, None] < yv - 15))
    if rows.size == 0:
        return
    picks = rng.integers(0, rows.size, count)
    for r, c in zip(rows[picks], cols[picks], strict=True):
        cx, cy, radius = float(canvas.x[c]), float(canvas.y[r]), rng.uniform(9, 24)
        canvas.paint(
            *canvas.ellipse(cx, cy, radius, radius * rng.uniform(0.7, 1)),
            38 + 12 * contrast,
            0,
            cavity,
        )
        inner = radius - rng.uniform(2.5, 5.0)
        content = rng.choice([-950.0, 18.0, -150.0, 230.0], p=[0.25, 0.4, 0.2, 0.15])
        canvas.paint(*canvas.ellipse(cx, cy, inner, inner * 0.8), content, 0, cavity)
    for r, c in zip(*[v[rng.integers(0, rows.size, 12)] for v in (rows, cols)], strict=True):
        vessel = rng.uniform(1.5, 4)  # mesenteric vessels: muscle-like dots in the fat
        canvas.paint(
            *canvas.ellipse(float(canvas.x[c]), float(canvas.y[r]), vessel, vessel),
            40 + 60 * contrast,
            0,
            cavity,
        )


def _paint_liver_level_organs(
    canvas: _Canvas,
    body: _Body,
    cavity: np.ndarray,
    yv: float,
    rng: np.random.Generator,
    contrast: float,
) -> None:
    liver_hu = 58 + 45 * contrast + rng.normal(0, 5)
    canvas.paint(
        *canvas.ellipse(-0.3 * body.a, -0.02 * body.b, 0.62 * body.a, 0.8 * body.b, 0.2),
        liver_hu,
        LIVER,
        cavity,
    )
    canvas.paint(
        *canvas.ellipse(0.62 * body.a, yv - 5, 35, 22, -0.8),
        48 + 70 * contrast,
        0,
        cavity,
    )  # spleen
    stomach = canvas.ellipse(0.3 * body.a, -0.35 * body.b, 38, 28)
    canvas.paint(*stomach, 40 + 30 * contrast, 0, cavity)
    canvas.paint(*canvas.ellipse(0.3 * body.a, -0.35 * body.b, 34, 24), -900, 0, cavity)


def _paint_liver_tip(
    canvas: _Canvas,
    body: _Body,
    cavity: np.ndarray,
    rng: np.random.Generator,
    contrast: float,
) -> None:
    if rng.random() < 0.5:
        liver_hu = 58 + 45 * contrast + rng.normal(0, 5)
        cx = -(body.a - 35)
        canvas.paint(
            *canvas.ellipse(cx, rng.uniform(-25, 5), 42, 50, 0.3),
            liver_hu,
            LIVER,
            cavity,
        )


def _paint_imat(canvas: _Canvas, rng: np.random.Generator, subject: Subject) -> None:
    """Intermuscular fat specks that stay inside the muscle label (IMAT)."""
    rows, cols = np.nonzero(canvas.labels == MUSCLE)
    if rows.size == 0:
        return
    count = int(rng.poisson(max(5.0, 15 + 1.2 * (subject.age - 30) + 2.5 * (subject.bmi - 22))))
    picks = rng.integers(0, rows.size, count)
    muscle = canvas.labels == MUSCLE
    for r, c in zip(rows[picks], cols[picks], strict=True):
        radius = rng.uniform(0.8, 2.6)
        region, disc = canvas.ellipse(float(canvas.x[c]), float(canvas.y[r]), radius, radius * 0.7)
        canvas.hu[region][disc & muscle[region]] = rng.uniform(-110, -40)


def _paint_table(canvas: _Canvas, body: _Body) -> None:
    y = canvas.y[:, None]
    pad = (y > body.b + 0.5) & (y < body.b + 6) & (np.abs(canvas.x[None, :]) < 0.9 * body.a)
    table = (y >= body.b + 8) & (y < body.b + 15) & (np.abs(canvas.x[None, :]) < 230)
    canvas.hu[pad] = -880
    canvas.hu[table] = 260


def clean_slice(subject_seed: int, profile: DeviceProfile, level: str = "L3") -> tuple[np.ndarray, np.ndarray]:
    """The noiseless HU image and exact labels of one subject, on the device's grid."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {LEVELS}")
    subject = make_subject(subject_seed)
    rng = np.random.default_rng(stable_seed("anatomy", subject_seed, level))
    centre = (rng.uniform(-8, 8), rng.uniform(-22, -8))
    canvas = _Canvas(profile.matrix, profile.spacing_mm, centre)
    body = _body(canvas, rng, subject)
    fat_hu = -100 + rng.normal(0, 5)
    inside = body.depth > 0
    canvas.hu[inside], canvas.labels[inside] = fat_hu, 0
    deep = body.depth > SKIN_MM + body.fat
    cavity = deep & (body.depth > SKIN_MM + body.fat + body.wall)
    canvas.hu[cavity] = fat_hu + 8
    muscle_hu = _muscle_hu(rng, subject, profile.contrast)
    # back muscle size: adult L3 muscle, see wall0 in _body
    size = (1.35 if subject.sex == "M" else 1.1) * (1 - 0.004 * (subject.age - 40)) * rng.normal(1, 0.07)
    yv = _vertebra_y(body, canvas, deep, size)
    if level == "liver":
        _paint_liver_level_organs(canvas, body, cavity, yv, rng, profile.contrast)
    else:
        _paint_liver_tip(canvas, body, cavity, rng, profile.contrast)
    loops = int(rng.integers(16, 28)) // (2 if level == "liver" else 1)
    _paint_bowel(canvas, cavity & (canvas.labels != LIVER), yv, rng, loops, profile.contrast)
    shapes = _back_muscles(yv, size, level)
    _paint_retroperitoneum(canvas, yv, shapes, rng, profile.contrast)
    _paint_back_muscles(canvas, shapes, deep, rng, muscle_hu)
    _paint_wall(canvas, body, rng, muscle_hu)
    _paint_spine(canvas, yv, rng, subject.age)
    _paint_imat(canvas, rng, subject)
    skin = inside & (body.depth <= SKIN_MM)
    canvas.hu[skin], canvas.labels[skin] = 35, 0
    _paint_table(canvas, body)
    return canvas.hu, canvas.labels


def _vertebra_y(body: _Body, canvas: _Canvas, deep: np.ndarray, size: float) -> float:
    """Place the vertebra so the erector spinae fill the space in front of the posterior fat."""
    column = int(np.argmin(np.abs(canvas.x)))
    deep_rows = np.nonzero(deep[:, column] & (canvas.y > 0))[0]
    posterior_inner = float(canvas.y[deep_rows[-1]]) if deep_rows.size else body.b * 0.8
    return posterior_inner - 50 - 23 * size + 2


def make_slice(
    seed: int,
    profile: DeviceProfile | str = "A",
    level: str = "L3",
    matrix: int | None = None,
) -> PhantomSlice:
    """One synthetic CT slice: subject `seed` scanned on `profile` (optionally at a smaller matrix)."""
    profile = device(profile) if isinstance(profile, str) else profile
    if matrix is not None:
        profile = profile.with_matrix(matrix)
    clean_hu, labels = clean_slice(seed, profile, level)
    rng = np.random.default_rng(stable_seed("acquire", seed, profile.key, level))
    hu = acquire(clean_hu, profile, rng)
    spacing = (profile.spacing_mm, profile.spacing_mm)
    return PhantomSlice(hu, labels, spacing, profile, make_subject(seed), level, seed)
