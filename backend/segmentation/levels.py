"""Vertebral levels of an axial CT series from bone alone: no outside data, no weights.

The spinal canal (a hole in the posterior bone ring) tracks the column from slice to slice; a vertebral-body
profile in front of it along z (mean HU of the body, cortex included) dips at every disc; the dips cut the
column into vertebrae. Two anchors name them: T12 is the last vertebra whose bone reaches out into a rib
(with a rib-free vertebra below it), S1 the first one whose body spreads into the sacral alae. Counting from
T12 names L1..L5 (and an L6 when there are six lumbar vertebrae before the sacrum); without ribs, the count
goes up from the sacrum. A series in which every vertebra bears ribs holds no lumbar spine: L3 is not in it.
A series with neither anchor gets no names and no L3: a level is never guessed without one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

BONE_HU = 200.0
GRID_MM = 2.0  # in-plane working resolution
RIB_REACH_MM = 62.0  # bone joined to a vertebra further out than this is a rib: transverse processes end nearer
SACRAL_REACH_MM = 38.0  # a body band wider than this each side is the sacrum's alae (lumbar bodies: 18-28 mm)
REFERENCES = ("mid", "inferior_endplate")


@dataclass(frozen=True)
class Level:
    name: str  # "L3", or "" when the series has no anchor to count from
    superior_mm: float | None  # endplates in patient z; None where the series cuts the vertebra
    centre_mm: float
    inferior_mm: float | None
    ribs: bool
    sacral: bool

    @property
    def complete(self) -> bool:
        return self.superior_mm is not None and self.inferior_mm is not None


@dataclass(frozen=True)
class LevelResult:
    levels: tuple[Level, ...]  # superior first
    l3_index: int | None  # index into the caller's slices (their order), None when L3 is not found
    l3_mm: float | None
    confidence: float  # 0..1 for the names (and L3 when there is one)
    anchor: str  # "ribs+sacrum" | "ribs" | "sacrum" | "ribs only (series ends above the lumbar spine)" | "none"
    lumbar_count: int | None  # counted between T12 and S1 when both are in the series
    message: str

    def names(self) -> list[str]:
        return [level.name for level in self.levels if level.name]

    def as_dict(self) -> dict:
        return {
            "levels": [
                {
                    "name": v.name,
                    "superior_mm": v.superior_mm,
                    "centre_mm": v.centre_mm,
                    "inferior_mm": v.inferior_mm,
                    "ribs": v.ribs,
                    "sacral": v.sacral,
                }  # fmt: skip
                for v in self.levels
            ],
            "l3_index": self.l3_index,
            "l3_mm": self.l3_mm,
            "confidence": round(self.confidence, 3),
            "anchor": self.anchor,
            "lumbar_count": self.lumbar_count,
            "message": self.message,
        }


def detect_levels(hu: np.ndarray, z_mm, spacing_mm: tuple[float, float], *, reference: str = "mid") -> LevelResult:
    """Levels of an axial series `hu` (slices, rows, cols) in HU, standard view (anterior up); `z_mm` the
    patient z of each slice (any order); `reference` "mid" (L3 mid-vertebral body) or "inferior_endplate"."""
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, not {reference!r}")
    hu = np.asarray(hu)
    z = np.asarray(z_mm, dtype=float)
    if hu.ndim != 3 or len(z) != hu.shape[0] or hu.shape[0] < 2:
        raise ValueError(f"need a (slices, rows, cols) array with one z per slice, got {hu.shape} and {len(z)} z")
    order = np.argsort(-z, kind="stable")  # superior first
    z = z[order]
    depth = z[0] - z  # mm below the first slice
    vol, px = _downsample(hu, order, spacing_mm)
    track = _track_canal(vol, px)
    if track is None:
        return _result((), None, None, 0.0, "none", None, "no spinal column found in this series")
    profile = _body_profile(vol, px, track)
    segments = _segments(depth, profile)
    if not segments:
        return _result((), None, None, 0.0, "none", None, "no vertebra found in this series")
    levels = []
    for top, bottom, top_cut, bottom_cut in segments:
        ribs = _reaches(vol, px, track, depth, top, bottom, band="ribs") > RIB_REACH_MM
        sacral = _reaches(vol, px, track, depth, top, bottom, band="body") > SACRAL_REACH_MM and not ribs
        levels.append((top, bottom, top_cut, bottom_cut, bool(ribs), bool(sacral)))
    names, confidence, anchor, lumbar = _name(levels)
    out = []
    for (top, bottom, top_cut, bottom_cut, ribs, sacral), name in zip(levels, names, strict=True):
        out.append(Level(
            name, None if top_cut else float(z[0] - top), float(z[0] - (top + bottom) / 2),
            None if bottom_cut else float(z[0] - bottom), ribs, sacral,
        ))  # fmt: skip
    return _answer(tuple(out), z, order, confidence, anchor, lumbar, reference)


def _downsample(hu: np.ndarray, order: np.ndarray, spacing_mm) -> tuple[np.ndarray, float]:
    f = max(1, int(round(GRID_MM / float(spacing_mm[0]))))
    rows, cols = (hu.shape[1] // f) * f, (hu.shape[2] // f) * f
    out = np.empty((len(order), rows // f, cols // f), dtype=np.float32)
    for i, k in enumerate(order):
        out[i] = hu[k, :rows, :cols].astype(np.float32).reshape(rows // f, f, cols // f, f).mean(axis=(1, 3))
    return out, float(spacing_mm[0]) * f


def _track_canal(vol: np.ndarray, px: float):
    """(x, y) of the canal per slice, in pixels: a hole in the largest posterior bone ring near the midline,
    smoothed along z and carried across discs (where the ring is open) from the slices that have one."""
    body = vol > -300
    found = np.full((len(vol), 2), np.nan)
    for i, image in enumerate(vol):
        ys, xs = np.nonzero(body[i])
        if ys.size < 50:
            continue
        bx, by = xs.mean(), ys.mean()
        x0, x1 = int(max(0, bx - 60 / px)), int(min(image.shape[1], bx + 60 / px))
        y0 = int(max(0, by - 70 / px))
        window = ndimage.binary_closing(image[y0:, x0:x1] > BONE_HU, iterations=1)  # thin cortex may break
        labels, count = ndimage.label(window)
        if count == 0:
            continue
        sizes = ndimage.sum(window, labels, range(1, count + 1))
        best = None
        for k in np.argsort(sizes)[::-1][:3]:
            ring = labels == k + 1
            holes, n_holes = ndimage.label(ndimage.binary_fill_holes(ring) & ~ring)
            if n_holes == 0:
                continue
            # a canal is 7-14 mm across; a body's cancellous core below BONE_HU inside its cortex is a larger
            # hole in the same ring, in front of it: of the canal-sized holes, the one furthest back
            areas = ndimage.sum(holes > 0, holes, range(1, n_holes + 1)) * px * px
            canals = [j for j in range(n_holes) if 40 <= areas[j] <= 600]
            if canals:
                centres = ndimage.center_of_mass(holes > 0, holes, [j + 1 for j in canals])
                cy, cx = max(centres)
                best = (cx + x0, cy + y0)
                break
        if best is not None:
            found[i] = best
    ok = ~np.isnan(found[:, 0])
    if ok.sum() < max(2, 0.15 * len(vol)):
        return None
    idx = np.arange(len(vol))
    xs = ndimage.median_filter(np.interp(idx, idx[ok], found[ok, 0]), size=9, mode="nearest")
    ys = ndimage.median_filter(np.interp(idx, idx[ok], found[ok, 1]), size=9, mode="nearest")
    return np.stack([xs, ys], axis=1)


def _body_profile(vol: np.ndarray, px: float, track: np.ndarray) -> np.ndarray:
    """Mean HU (cortex included) of the box the vertebral body fills in front of the canal, per slice."""
    out = np.zeros(len(vol))
    for i, image in enumerate(vol):
        cx, cy = track[i]
        x0, x1 = int(round(cx - 18 / px)), int(round(cx + 18 / px)) + 1
        y0, y1 = int(round(cy - 36 / px)), int(round(cy - 12 / px)) + 1
        box = image[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
        out[i] = np.clip(box, -100, 1000).mean() if box.size else 0.0
    return out


def _segments(depth: np.ndarray, profile: np.ndarray) -> list[tuple[float, float, bool, bool]]:
    """Vertebral bodies between the profile's disc dips: (top, bottom, top cut, bottom cut) in mm of depth."""
    grid = np.arange(0.0, depth[-1] + 0.5, 1.0)
    p = ndimage.gaussian_filter1d(np.interp(grid, depth, profile), 1.5)
    spread = np.percentile(p, 90) - np.percentile(p, 10)
    dips, _ = signal.find_peaks(-p, distance=16, prominence=max(25.0, 0.3 * spread))
    if dips.size:  # discs are the deepest dips; a body's softer middle between bright endplates is not one
        floor = p[dips].min()
        dips = dips[p[dips] <= np.median(p) - 0.35 * (np.median(p) - floor)]
    high = np.percentile(p, 75)
    segments = []
    edges = [(-1, None)] + [(int(d), k) for k, d in enumerate(dips)] + [(len(grid), None)]
    for (a, ka), (b, kb) in zip(edges[:-1], edges[1:], strict=False):
        # endplates: where the profile climbs halfway from the dip to the bodies' level
        top = 0.0 if ka is None else _half_rise(p, a, +1, high)
        bottom = grid[-1] if kb is None else _half_rise(p, b, -1, high)
        if bottom - top < (8 if ka is None or kb is None else 12):
            continue
        segments.append((float(top), float(bottom), ka is None, kb is None))
    return segments


def _half_rise(p: np.ndarray, start: int, step: int, high: float) -> float:
    level = (p[start] + high) / 2
    i = start
    while 0 <= i + step < len(p) and p[i] < level:
        i += step
    return float(i)


def _reaches(vol, px, track, depth, top, bottom, *, band: str) -> float:
    """How far (mm, either side) bone joined to this vertebra's body reaches out: in the band behind the
    body's middle for ribs, across the body itself for the sacral alae; median-free max over its slices."""
    sel = np.nonzero((depth >= top + 0.1 * (bottom - top)) & (depth <= bottom - 0.1 * (bottom - top)))[0]
    if sel.size == 0:
        return 0.0
    cx, cy = track[sel].mean(axis=0)
    if band == "ribs":
        y0, y1 = cy - 24 / px, cy + 45 / px
    else:
        y0, y1 = cy - 36 / px, cy - 8 / px
    x0, x1 = cx - 140 / px, cx + 140 / px
    y0, y1, x0, x1 = (int(round(max(0, v))) for v in (y0, y1, x0, x1))
    bone = vol[sel, y0:y1, x0:x1] > BONE_HU
    labels, count = ndimage.label(bone)
    if count == 0:
        return 0.0
    # the arch round the canal seeds the vertebra's component for ribs; the body's rim for the alae
    if band == "ribs":
        seed_x = slice(int(round(cx - x0 - 12 / px)), int(round(cx - x0 + 12 / px)) + 1)
        seed_y = slice(int(round(cy - y0 - 20 / px)), int(round(cy - y0 + 12 / px)) + 1)
    else:
        seed_x = slice(int(round(cx - x0 - 30 / px)), int(round(cx - x0 + 30 / px)) + 1)
        seed_y = slice(0, bone.shape[1])
    seeds = np.unique(labels[:, max(0, seed_y.start) : seed_y.stop, max(0, seed_x.start) : seed_x.stop])
    seeds = seeds[seeds > 0]
    if seeds.size == 0:
        return 0.0
    joined = np.isin(labels, seeds)
    cols = np.nonzero(joined.any(axis=(0, 1)))[0]
    return float(np.max(np.abs(cols + x0 - cx)) * px)


def _name(levels) -> tuple[list[str], float, str, int | None]:
    n = len(levels)
    ribs = [lv[4] for lv in levels]
    sacral = [lv[5] for lv in levels]
    t12 = next((k for k in range(n - 1) if ribs[k] and not ribs[k + 1] and not any(ribs[k + 1 :])), None)
    s1 = next((k for k in range(n) if sacral[k] and not any(ribs[k:])), None)
    if t12 is not None and s1 is not None and s1 <= t12:
        s1 = None
    if t12 is not None:
        base, anchor, confidence = t12, "ribs", 0.85
        lumbar = None
        if s1 is not None:
            lumbar = s1 - t12 - 1
            anchor = "ribs+sacrum"
            confidence = 0.95 if lumbar == 5 else 0.8 if lumbar in (4, 6) else 0.5
        names = [_name_at(k - base, s1 is not None and k >= s1) for k in range(n)]
        return names, confidence, anchor, lumbar
    if s1 is not None:
        names = [_name_at(k - s1 + 6, k >= s1) for k in range(n)]
        return names, 0.7, "sacrum", None
    if n and all(ribs):
        # every vertebra bears ribs: thoracic, at or above T12; the last one is taken as T12
        names = [_name_at(k - (n - 1), False) for k in range(n)]
        return names, 0.5, "ribs only (series ends above the lumbar spine)", None
    return [""] * n, 0.0, "none", None


def _name_at(offset: int, sacral: bool) -> str:
    """Name `offset` vertebrae below T12 (0 = T12, 1 = L1, ...)."""
    if sacral:
        return "S1"
    if offset <= 0:
        return f"T{12 + offset}" if 12 + offset >= 1 else ""
    return f"L{offset}"


def _answer(levels, z, order, confidence, anchor, lumbar, reference) -> LevelResult:
    named = [v for v in levels if v.name]
    span = f"{named[0].name}-{named[-1].name}" if len(named) > 1 else (named[0].name if named else "")
    l3 = next((v for v in levels if v.name == "L3"), None)
    if anchor == "none":
        why = f"L3 not identified: {len(levels)} vertebrae found but no ribs or sacrum to count from"
        return _result(levels, None, None, 0.0, anchor, lumbar, why)
    target = None
    if l3 is not None:
        if reference == "mid" and l3.complete:
            target = (l3.superior_mm + l3.inferior_mm) / 2
        elif reference == "inferior_endplate" and l3.inferior_mm is not None:
            target = l3.inferior_mm
    if target is None:
        why = "L3's body is cut by the series' edge" if l3 is not None else "L3 not in this series"
        return _result(levels, None, None, confidence, anchor, lumbar, f"{why}: {span} found")
    if not z.min() <= target <= z.max():
        return _result(levels, None, None, confidence, anchor, lumbar, f"L3 not in this series: {span} found")
    k = int(np.argmin(np.abs(z - target)))
    extra = f"; {lumbar} lumbar vertebrae" if lumbar not in (None, 5) else ""
    return _result(levels, int(order[k]), float(z[k]), confidence, anchor, lumbar,
                   f"L3 found ({reference.replace('_', ' ')}), counted from {anchor}: {span}{extra}")  # fmt: skip


def _result(levels, index, mm, confidence, anchor, lumbar, message) -> LevelResult:
    return LevelResult(tuple(levels), index, mm, float(confidence), anchor, lumbar, message)
