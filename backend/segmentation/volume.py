"""Synthetic axial CT volumes from T10 to S1 with a vertebral column that is continuous along z: the
training and benchmark substrate of vertebral level detection (segmentation.levels).

Soft tissue and organs come from torso.py, one clean trunk slice per level step (organs change with the
level; their per-slice randomness is not consistent along z, which a bone-based detector does not rely on).
Everything a level detector does rely on is drawn here, the same in every slice of a subject: vertebral
bodies (cancellous 100-300 HU inside a cortical rim, denser endplates) with discs of 70-100 HU between them,
the canal and posterior elements, transverse processes, ribs attached to T9-T12 only (the last rib-bearing
vertebra is T12), the aorta, the sacrum below the last lumbar disc and the iliac wings beside it.
Per subject: vertebral heights, disc heights, lordosis (the column moves in y along z), mild scoliosis
(in x), 4 or 6 lumbar vertebrae in about 5% each, partial coverage, slice thickness 1-5 mm, scanner noise
(devices.acquire with a device profile).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .devices import DEVICES, DeviceProfile, acquire, stable_seed
from .torso import LEVELS, MUSCLE, clean_torso

THORACIC = ("T9", "T10", "T11", "T12")  # T9 only gives the column something above T10
RIB_BEARING = frozenset(THORACIC)


@dataclass(frozen=True)
class Vertebra:
    """One vertebral body along the axis: positions in patient z (mm, superior is +) and in slice indices
    (fractional, 0 = the first, most superior slice). Disc and sacrum geometry follow from neighbours."""

    name: str
    superior_mm: float  # superior endplate
    centre_mm: float
    inferior_mm: float  # inferior endplate
    superior_index: float
    centre_index: float
    inferior_index: float


@dataclass(frozen=True)
class PhantomVolume:
    hu: np.ndarray  # (slices, rows, cols) int16, slice 0 most superior
    z_mm: np.ndarray  # patient z of each slice centre, decreasing (superior first)
    spacing_mm: tuple[float, float]  # rows, cols
    thickness_mm: float
    vertebrae: tuple[Vertebra, ...]  # every vertebra of the subject, covered or not (T9 .. L4/L5/L6, S1)
    slice_levels: tuple[str, ...]  # per slice: the vertebra ("L3"), the disc ("L3/L4") or "" outside the column
    lumbar_count: int
    profile: DeviceProfile
    seed: int

    def vertebra(self, name: str) -> Vertebra:
        return next(v for v in self.vertebrae if v.name == name)

    def covers(self, name: str) -> bool:
        """Whether the series holds the vertebra's body centre (a level whose middle is missing is not covered)."""
        return any(v.name == name and 0 <= v.centre_index <= len(self.z_mm) - 1 for v in self.vertebrae)


@dataclass(frozen=True)
class Column:
    """The subject's spine, in millimetres below the superior endplate of T9 (s, inferior +)."""

    names: tuple[str, ...]
    tops: np.ndarray
    bottoms: np.ndarray
    rx: np.ndarray  # half width of each body, mm
    ry: np.ndarray  # half depth
    lordosis_mm: float
    lordosis_centre: float
    scoliosis_mm: float
    scoliosis_phase: float
    cancellous: float
    cortex: float
    disc: float
    iliac_top: float  # s where the iliac wings begin
    aorta_hu: float
    bifurcation: float  # s where the aorta divides

    def offset(self, s: float) -> tuple[float, float]:
        """(x, y) shift of the column at depth s: lordosis brings the lumbar spine forward (y -), scoliosis aside."""
        length = float(self.bottoms[-1])
        dy = -self.lordosis_mm * math.exp(-(((s - self.lordosis_centre) / 110.0) ** 2))
        dx = self.scoliosis_mm * math.sin(math.pi * s / length + self.scoliosis_phase)
        return dx, dy

    def position(self, s: float) -> float:
        """Level position (torso.LEVELS: T12 = 0, L1 = 1, ...) at depth s, interpolated between body centres."""
        centres = (self.tops + self.bottoms) / 2
        positions = np.array([level_position(n) for n in self.names], dtype=float)
        return float(np.interp(s, centres, positions, left=positions[0], right=positions[-1]))


def level_position(name: str) -> float:
    if name in LEVELS:
        return LEVELS[name]
    if name == "T9":
        return -3.0
    if name == "L6":
        return 5.6
    if name == "S1":
        return 6.0
    raise ValueError(f"unknown vertebra {name!r}")


def draw_column(rng: np.random.Generator, lumbar_count: int | None) -> Column:
    if lumbar_count is None:
        lumbar_count = int(rng.choice([4, 5, 6], p=[0.05, 0.9, 0.05]))
    names = (*THORACIC, *(f"L{k}" for k in range(1, lumbar_count + 1)), "S1")
    stature = rng.normal(1.0, 0.07)
    tops, bottoms, rxs, rys = [], [], [], []
    s = 0.0
    for k, name in enumerate(names):
        lumbar = name.startswith("L")
        height = (30.0 if lumbar else 24.0) * stature * rng.uniform(0.93, 1.07)
        height = float(np.clip(height, 22, 35))
        if name == "S1":
            height = 30.0 * stature
        tops.append(s)
        bottoms.append(s + height)
        grow = k / len(names)
        rxs.append((19 + 7 * grow) * stature * rng.uniform(0.97, 1.03))
        rys.append((14 + 4 * grow) * stature * rng.uniform(0.97, 1.03))
        disc = rng.uniform(9, 12) if lumbar else rng.uniform(6, 8.5)
        s += height + disc
    tops, bottoms = np.array(tops), np.array(bottoms)
    centres = (tops + bottoms) / 2
    last_lumbar = len(names) - 2
    iliac_top = float(np.interp(rng.uniform(-0.6, 0.0) + last_lumbar, np.arange(len(names)), centres))
    phases = [rng.uniform(35, 50), rng.uniform(200, 380), rng.uniform(130, 190)]  # none, arterial, portal
    aorta_hu = float(rng.choice(phases, p=[0.35, 0.15, 0.5]))
    return Column(
        names=names,
        tops=tops,
        bottoms=bottoms,
        rx=np.array(rxs),
        ry=np.array(rys),
        lordosis_mm=float(rng.uniform(5, 25)),
        lordosis_centre=float(centres[names.index("L3")] if "L3" in names else centres[-3]),
        scoliosis_mm=float(rng.uniform(5, 15) if rng.random() < 0.3 else rng.uniform(0, 3)),
        scoliosis_phase=float(rng.uniform(0, 2 * math.pi)),
        cancellous=float(rng.uniform(100, 300)),
        cortex=float(rng.uniform(450, 850)),
        disc=float(rng.uniform(70, 100)),
        iliac_top=iliac_top,
        aorta_hu=aorta_hu,
        bifurcation=float(np.interp(rng.uniform(3.5, 4.5) + 3, np.arange(len(names)), centres)),
    )


def _ellipse(x, y, cx, cy, rx, ry):
    u, v = (x - cx) / rx, (y - cy) / ry
    return u * u + v * v <= 1.0


def _segment(x, y, x0, y0, x1, y1, radius):
    """Pixels within `radius` of the segment (x0, y0)-(x1, y1): a rod cut across."""
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((x - x0) * dx + (y - y0) * dy) / max(dx * dx + dy * dy, 1e-6), 0, 1)
    return (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 <= radius * radius


def _fill(hu: np.ndarray, x: np.ndarray, y: np.ndarray, box: tuple, inside, value: float) -> None:
    """hu = value where inside(x, y), looked at only within box (x0, x1, y0, y1 in mm): a slice paints dozens
    of small shapes, and each costing a pass over the whole matrix made the generator slow."""
    xs, ys = x[0], y[:, 0]
    c0, c1 = np.searchsorted(xs, box[0], "left"), np.searchsorted(xs, box[1], "right")
    r0, r1 = np.searchsorted(ys, box[2], "left"), np.searchsorted(ys, box[3], "right")
    if c0 < c1 and r0 < r1:
        window = hu[r0:r1, c0:c1]
        window[inside(x[:, c0:c1], y[r0:r1, :])] = value


def fill_ellipse(hu, x, y, value, cx, cy, rx, ry, above_y: float | None = None) -> None:
    """An axis-aligned ellipse (only its part with y > above_y when given)."""

    def inside(xw, yw):
        mask = _ellipse(xw, yw, cx, cy, rx, ry)
        return mask if above_y is None else mask & (yw > above_y)

    _fill(hu, x, y, (cx - rx, cx + rx, cy - ry, cy + ry), inside, value)


def fill_segment(hu, x, y, value, x0, y0, x1, y1, radius) -> None:
    box = (min(x0, x1) - radius, max(x0, x1) + radius, min(y0, y1) - radius, max(y0, y1) + radius)
    _fill(hu, x, y, box, lambda xw, yw: _segment(xw, yw, x0, y0, x1, y1, radius), value)


def paint_column(hu: np.ndarray, x: np.ndarray, y: np.ndarray, column: Column, s: float, anchor: tuple[float, float]):
    """Paint the spine, ribs, aorta, sacrum and iliac wings at depth s onto a clean slice (in place)."""
    dx, dy = column.offset(s)
    cx, canal_y = anchor[0] + dx, anchor[1] + dy
    k = int(np.clip(np.searchsorted(column.bottoms, s), 0, len(column.names) - 1))
    name = column.names[k]
    top, bottom = column.tops[k], column.bottoms[k]
    rx, ry = column.rx[k], column.ry[k]
    cy = canal_y - ry - 9.0  # body centre in front of the canal
    inside = top <= s <= bottom
    sacral = name == "S1" and s >= top - 2
    height = bottom - top
    frac = (s - top) / height if inside else (1.2 if s > bottom else -0.2)
    # aorta anterior-left of the column; it divides into the iliac arteries low in the lumbar spine
    aorta_r = 11.0
    ay = cy - ry - aorta_r - 1.0
    if s < column.bifurcation:
        fill_ellipse(hu, x, y, column.aorta_hu, cx + 8, ay, aorta_r, aorta_r)
    else:
        spread = min(40.0, 10 + 0.5 * (s - column.bifurcation))
        for side in (-1, 1):
            fill_ellipse(hu, x, y, column.aorta_hu, cx + side * spread, ay, 6.5, 6.5)
    if sacral:
        wide = rx * (1.6 + 0.6 * np.clip((s - top) / 20, 0, 1))
        fill_ellipse(hu, x, y, column.cortex, cx, cy + 4, wide, ry + 4)
        fill_ellipse(hu, x, y, column.cancellous, cx, cy + 4, wide - 2.5, ry + 1.5)
        fill_ellipse(hu, x, y, 15.0, cx, canal_y + 6, 10, 6)  # sacral canal
        fill_segment(hu, x, y, column.cortex, cx - 6, canal_y + 14, cx + 6, canal_y + 14, 3.5)  # median crest
    elif inside:
        endplate = min(s - top, bottom - s) < 1.5
        fill_ellipse(hu, x, y, column.cortex, cx, cy, rx, ry)
        fill_ellipse(hu, x, y, column.cortex * 0.7 if endplate else column.cancellous, cx, cy, rx - 1.8, ry - 1.8)
    else:  # a disc: slightly wider than the bodies, bulging
        fill_ellipse(hu, x, y, column.disc, cx, cy, rx + 1.5, ry + 1.0)
    if not sacral:
        _paint_posterior(hu, x, y, column, name, frac, cx, cy, canal_y, rx, ry)
    if s >= column.iliac_top:  # iliac wings: from posterior beside the sacrum, flaring anterolaterally
        depth = s - column.iliac_top
        grow = min(1.0, depth / 25.0)
        for side in (-1, 1):
            x0, y0 = cx + side * (rx + 40 - 15 * grow), canal_y + 10  # meets the sacrum at the SI joint
            x1, y1 = cx + side * (rx + 85 + 10 * grow), cy - 25 - 15 * grow
            fill_segment(hu, x, y, column.cortex, x0, y0, x1, y1, 6.0 + 2 * grow)
            fill_segment(hu, x, y, column.cancellous, x0, y0, x1, y1, 3.5 + 2 * grow)


def _paint_posterior(hu, x, y, column: Column, name: str, frac: float, cx, cy, canal_y, rx, ry):
    """Pedicles, laminae, spinous and transverse processes (upper part of each vertebra), ribs on T9-T12."""
    bone, marrow = column.cortex * 0.85, column.cancellous
    lumbar = name.startswith("L")
    canal_r = 8.0 if lumbar else 7.0
    if -0.15 <= frac <= 1.15:  # laminae and spinous process, sloping down over the disc below
        fill_ellipse(hu, x, y, bone, cx, canal_y, canal_r + 5, canal_r + 4, above_y=canal_y - 1)
        length = 22.0 if lumbar else 26.0
        fill_segment(hu, x, y, bone, cx, canal_y + canal_r + 3, cx, canal_y + canal_r + 3 + length, 3.5)
    if 0.0 <= frac <= 0.65:  # pedicles
        for side in (-1, 1):
            fill_segment(
                hu, x, y, bone, cx + side * (canal_r + 2), cy + ry - 3, cx + side * (canal_r + 3), canal_y, 4.0
            )
    if 0.15 <= frac <= 0.6:  # transverse processes; lumbar ones longest at L3
        reach = {"L1": 22.0, "L2": 27.0, "L3": 32.0, "L4": 29.0, "L5": 25.0, "L6": 24.0}.get(name, 16.0)
        for side in (-1, 1):
            tip_y = canal_y + (2 if lumbar else 12)
            fill_segment(
                hu, x, y, bone, cx + side * (canal_r + 4), canal_y, cx + side * (canal_r + 4 + reach), tip_y, 4.0
            )
    fill_ellipse(hu, x, y, 15.0, cx, canal_y, canal_r, canal_r - 0.5)  # canal (cord and CSF)
    if name in RIB_BEARING and 0.1 <= frac <= 0.9:
        # the rib head sits beside the upper body; the rib runs out posterolaterally, then laterally and
        # forward, and slopes down: each slice cuts a stretch further out the lower it lies
        t = (frac - 0.1) / 0.8
        for side in (-1, 1):
            path = [  # head, then the neck to the tip of the transverse process (costotransverse joint)
                (cx + side * (rx + 3), cy + 0.5 * ry),
                (cx + side * (canal_r + 4 + 16), canal_y + 12),
                (cx + side * (rx + 60), canal_y + 18),
                (cx + side * (rx + 95), canal_y - 5),
            ]
            lo, hi = max(0.0, t * 3 - 0.8), min(3.0, t * 3 + 0.8)
            for j in range(3):
                a, b = max(lo, j), min(hi, j + 1)
                if a >= b:
                    continue
                (x0, y0), (x1, y1) = path[j], path[j + 1]
                p0 = (x0 + (a - j) * (x1 - x0), y0 + (a - j) * (y1 - y0))
                p1 = (x0 + (b - j) * (x1 - x0), y0 + (b - j) * (y1 - y0))
                fill_segment(hu, x, y, bone, *p0, *p1, 4.5)
                fill_segment(hu, x, y, max(marrow, 250.0), *p0, *p1, 2.5)  # rib marrow: denser than vertebral


@lru_cache(maxsize=64)
def _torso(seed: int, profile: DeviceProfile, position: float):
    return clean_torso(seed, profile, position)  # hu, labels, plan


def make_volume(
    seed: int,
    profile: str | DeviceProfile = "A",
    *,
    matrix: int | None = None,
    thickness_mm: float | None = None,
    start: str | float | None = None,
    stop: str | float | None = None,
    lumbar_count: int | None = None,
) -> PhantomVolume:
    """One subject's axial series. `start` / `stop`: a vertebra name (its body centre) or a depth in mm below
    the top of T9; None draws the coverage (70% T10-T12 to the sacrum, 30% anywhere, some without L3).
    `thickness_mm` None draws 1-5 mm; slices are contiguous (spacing = thickness)."""
    rng = np.random.default_rng(stable_seed("volume", seed))
    if isinstance(profile, str):
        profile = DEVICES[profile]
    if matrix:
        profile = profile.with_matrix(matrix)
    column = draw_column(rng, lumbar_count)
    thickness = float(thickness_mm if thickness_mm is not None else rng.choice([1.0, 1.25, 2.0, 2.5, 3.0, 5.0]))
    centres = (column.tops + column.bottoms) / 2
    full = float(column.bottoms[-1])

    def depth(value, default):
        if value is None:
            return default
        if isinstance(value, str):
            return float(centres[column.names.index(value)])
        return float(value)

    if rng.random() < 0.7:
        s0 = float(rng.uniform(centres[1] - 15, centres[3]))
        s1 = float(rng.uniform(column.tops[-1] - 5, full))
    else:
        s0 = float(rng.uniform(centres[0], full - 60))
        s1 = float(min(full, s0 + rng.uniform(40, 260)))
    s0, s1 = depth(start, s0), depth(stop, s1)
    if s1 - s0 < thickness:
        raise ValueError(f"coverage {s0:.0f}-{s1:.0f} mm is thinner than one {thickness} mm slice")
    count = int((s1 - s0) // thickness) + 1
    depths = s0 + thickness * np.arange(count)
    z_top = float(rng.uniform(-900, -400))  # patient z of depth 0
    z_mm = z_top - depths

    # geometry shared by every slice: the canal is placed from the erectors' back edge at mid-lumbar level
    _, labels_ref, plan = _torso(seed, profile, 2.0)
    plan_centre = plan.centre  # the same for every level of one seed: torso draws the level last
    coords = (np.arange(profile.matrix, dtype=np.float32) - (profile.matrix - 1) / 2) * profile.spacing_mm
    x = (coords - plan_centre[0])[None, :]
    y = (coords - plan_centre[1])[:, None]
    inner_back = _inner_back(labels_ref, x, y)
    anchor = (0.0, inner_back - rng.uniform(38, 52))

    sub = max(1, int(round(thickness / 1.0)))
    noise_rng = np.random.default_rng(stable_seed("volume-noise", seed))
    slices = []
    for s in depths:
        acc = np.zeros((profile.matrix, profile.matrix), dtype=np.float32)
        for offset in (np.arange(sub) + 0.5) / sub - 0.5:
            d = float(s + offset * thickness)
            position = round(float(np.clip(column.position(d), -2.0, 5.5)) * 4) / 4  # a torso every 1/4 level
            clean = _torso(seed, profile, position)[0].copy()
            dx, dy = column.offset(d)
            front = anchor[1] + dy - 2 * float(column.ry.max()) - 30
            region = (np.abs(x - dx) < 80) & (y > min(front, inner_back - 130)) & (y < inner_back)
            clean[region & (clean > 150)] = 45.0  # the torso's own spine, ribs near it and aorta give way
            paint_column(clean, x, y, column, d, anchor)
            acc += clean
        slices.append(acquire(acc / sub, profile, noise_rng))
    hu = np.stack(slices)

    step = thickness

    def index(s: float) -> float:
        return (s - s0) / step

    vertebrae = tuple(
        Vertebra(
            name,
            z_top - float(top),
            z_top - float((top + bottom) / 2),
            z_top - float(bottom),
            index(float(top)),
            index(float((top + bottom) / 2)),
            index(float(bottom)),
        )
        for name, top, bottom in zip(column.names, column.tops, column.bottoms, strict=True)
    )
    return PhantomVolume(
        hu=hu,
        z_mm=z_mm,
        spacing_mm=(profile.spacing_mm, profile.spacing_mm),
        thickness_mm=thickness,
        vertebrae=vertebrae,
        slice_levels=tuple(_slice_level(column, float(s)) for s in depths),
        lumbar_count=sum(n.startswith("L") for n in column.names),
        profile=profile,
        seed=seed,
    )


def _slice_level(column: Column, s: float) -> str:
    for k, name in enumerate(column.names):
        if column.tops[k] <= s <= column.bottoms[k]:
            return name
        if k + 1 < len(column.names) and column.bottoms[k] < s < column.tops[k + 1]:
            return f"{name}/{column.names[k + 1]}"
    return "S1" if s > column.bottoms[-1] else ""


def _inner_back(labels: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The back edge of the erector spinae near the midline: the muscle furthest back within 40 mm of it."""
    near = (labels == MUSCLE) & (np.abs(x) < 40)
    rows = np.nonzero(near.any(axis=1))[0]
    if rows.size == 0:
        return 60.0
    return float(y[rows[-1], 0])
