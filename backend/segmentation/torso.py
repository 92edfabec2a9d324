"""Synthetic axial CT of the trunk from T10 to L5, varied far beyond one scanner's look: the base model's
training data, so that it meets real CT knowing what is not muscle.

phantom.py draws tidy L3 slices for the demo cohort and the transfer benchmark (its look stays fixed so that
transfer results stay comparable). This generator is for domain randomisation: every organ is a blob with a
random outline and inner texture; the level along the spine decides which organs are there and how large
(a liver filling the upper abdomen at T11-T12 with spleen, stomach and ribs around; kidneys, pancreas and
psoas from L1; bowel and colon below); contrast phase, fatty liver, fatty muscle, body habitus, arms beside
the body, tables and fields of view vary per image. Labels: trunk skeletal muscle (1) and liver (2);
the diaphragm and the arms' muscles are background (they are not part of the trunk muscle measured at L3).

Tissue HU follow published CT values: muscle 35-60 HU non-enhanced, down to ~0-20 HU with fatty
infiltration (Goodpaster 2000, Aubrey 2014); liver 50-65 HU non-enhanced, below the spleen and under 40 HU
when fatty (Kodama 2007), 90-130 HU in the portal venous phase; spleen 40-50 HU, 110-130 portal venous;
renal cortex 30-40 HU, 150-200 HU enhanced; blood 35-50 HU, aorta 150-350 HU arterial phase; fat -120..-60.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .devices import DEVICES, DeviceProfile, acquire, stable_seed

MUSCLE, LIVER = 1, 2
# position along the spine in vertebrae: T10 = -2, T11 = -1, T12 = 0, L1 = 1, ... L5 = 5 (centre of the body)
LEVELS = {"T10": -2.0, "T11": -1.0, "T12": 0.0, "L1": 1.0, "L2": 2.0, "L3": 3.0, "L4": 4.0, "L5": 5.0}
PHASES = ("none", "arterial", "portal")


@dataclass(frozen=True)
class Body:
    a: float  # half width of the trunk, mm
    b: float  # half depth, mm
    fat: np.ndarray  # subcutaneous fat thickness per pixel angle, mm
    depth: np.ndarray  # mm inside the skin, per pixel
    phi: np.ndarray  # angle from anterior, radians

    @property
    def inner(self) -> np.ndarray:
        """mm inside the subcutaneous fat (below 2 mm of skin); < 0 in the fat itself."""
        return self.depth - 2.0 - self.fat


class Canvas:
    def __init__(self, matrix: int, spacing_mm: float, centre: tuple[float, float]) -> None:
        coords = (np.arange(matrix, dtype=np.float32) - (matrix - 1) / 2) * spacing_mm
        self.x = (coords - centre[0])[None, :]  # + is the patient's left (screen right)
        self.y = (coords - centre[1])[:, None]  # + is posterior (screen down)
        self.hu = np.full((matrix, matrix), -1000.0, dtype=np.float32)
        self.labels = np.zeros((matrix, matrix), dtype=np.uint8)

    def paint(self, mask: np.ndarray, hu: float | np.ndarray, label: int) -> None:
        self.hu[mask] = hu if np.isscalar(hu) else hu[mask]
        self.labels[mask] = label


def blob(
    canvas: Canvas, rng: np.random.Generator, cx: float, cy: float, rx: float, ry: float, angle: float = 0.0,
    rough: float = 0.12,
) -> np.ndarray:  # fmt: skip
    """An ellipse whose radius wobbles with a few random harmonics: no two organs share an outline."""
    harmonics = [(rng.normal(0, rough / k), rng.uniform(0, 2 * np.pi)) for k in range(2, 6)]
    reach = max(rx, ry) * (1 + 2 * rough) + 2
    rows = slice(*np.searchsorted(canvas.y[:, 0], [cy - reach, cy + reach]))
    cols = slice(*np.searchsorted(canvas.x[0], [cx - reach, cx + reach]))
    mask = np.zeros(canvas.hu.shape, dtype=bool)
    dx, dy = canvas.x[:, cols] - cx, canvas.y[rows] - cy
    if dx.size == 0 or dy.size == 0:
        return mask
    cos, sin = math.cos(angle), math.sin(angle)
    u, v = (dx * cos + dy * sin) / rx, (-dx * sin + dy * cos) / ry
    theta = np.arctan2(v, u)
    radius = np.ones_like(theta)
    for k, (amplitude, phase) in enumerate(harmonics, start=2):
        radius = radius + amplitude * np.cos(k * theta + phase)
    mask[rows, cols] = u * u + v * v <= radius * radius
    return mask


def texture(rng: np.random.Generator, shape: tuple[int, int], spacing_mm: float, grain_mm: float) -> np.ndarray:
    """Smooth unit-variance noise with `grain_mm` correlation length: tissue heterogeneity."""
    white = rng.standard_normal(shape).astype(np.float32)
    fy = np.fft.fftfreq(shape[0], spacing_mm)[:, None]
    fx = np.fft.rfftfreq(shape[1], spacing_mm)[None, :]
    smooth = np.fft.irfft2(np.fft.rfft2(white) * np.exp(-2 * (np.pi * grain_mm) ** 2 * (fx**2 + fy**2)), s=shape)
    return (smooth / (smooth.std() + 1e-6)).astype(np.float32)


@dataclass(frozen=True)
class Tissues:
    fat: float
    muscle: float
    liver: float
    spleen: float
    kidney_cortex: float
    kidney_medulla: float
    blood: float
    aorta: float
    portal: float
    bowel_wall: float
    pancreas: float


def tissues(rng: np.random.Generator, phase: str, age: float) -> Tissues:
    fatty_muscle = rng.random() < 0.25
    muscle = rng.uniform(0, 25) if fatty_muscle else rng.normal(45 - 0.2 * (age - 40), 7)
    fatty_liver = rng.random() < 0.3
    liver_plain = rng.uniform(5, 45) if fatty_liver else rng.uniform(50, 68)
    enhance = {"none": 0.0, "arterial": 0.35, "portal": 1.0}[phase]
    aorta = {"none": rng.uniform(35, 50), "arterial": rng.uniform(200, 380), "portal": rng.uniform(130, 190)}[phase]
    return Tissues(
        fat=rng.uniform(-115, -85),
        muscle=float(muscle) + 6 * enhance,
        liver=liver_plain + enhance * rng.uniform(40, 65),
        spleen=rng.uniform(40, 52) + enhance * rng.uniform(55, 80),
        kidney_cortex=rng.uniform(30, 40) + {"none": 0, "arterial": 160, "portal": 130}[phase] * rng.uniform(0.8, 1.2),
        # corticomedullary phases leave the medulla at muscle-like HU while the cortex shines
        kidney_medulla=rng.uniform(28, 38) + enhance * rng.uniform(15, 110),
        blood=rng.uniform(35, 50) + enhance * rng.uniform(90, 140),
        aorta=aorta,
        portal=rng.uniform(35, 50) + {"none": 0, "arterial": 40, "portal": 130}[phase],
        bowel_wall=rng.uniform(30, 45) + enhance * rng.uniform(20, 50),
        pancreas=rng.uniform(35, 50) + enhance * rng.uniform(40, 70),
    )


@dataclass(frozen=True)
class Plan:
    """Everything random about one image, drawn once from its seed."""

    level: float
    sex: str
    age: float
    bmi: float
    phase: str
    arms: bool
    centre: tuple[float, float]


def draw_plan(rng: np.random.Generator, level: float | None) -> Plan:
    return Plan(
        level=float(rng.uniform(-2.0, 5.5)) if level is None else level,
        sex="M" if rng.random() < 0.5 else "F",
        age=float(rng.uniform(20, 90)),
        bmi=float(np.clip(rng.lognormal(np.log(26), 0.2), 15, 48)),
        phase=str(rng.choice(PHASES, p=[0.35, 0.15, 0.5])),
        arms=bool(rng.random() < 0.45),
        centre=(float(rng.uniform(-25, 25)), float(rng.uniform(-45, 10))),
    )


def body(canvas: Canvas, rng: np.random.Generator, plan: Plan) -> Body:
    thorax = np.clip(-plan.level, 0, 2) / 2  # 1 at T10: a rounder, wider chest
    a = 118 + 2.6 * (plan.bmi - 18) + (10 if plan.sex == "M" else 0) + 8 * thorax + rng.normal(0, 8)
    b = a * (rng.uniform(0.62, 0.8) + 0.05 * thorax + 0.006 * max(0, plan.bmi - 28))
    theta = np.arctan2(canvas.y, canvas.x)
    squareness = rng.uniform(2.0, 2.8)  # superellipse: flatter flanks and back than an ellipse
    surface = (np.abs(np.cos(theta) / a) ** squareness + np.abs(np.sin(theta) / b) ** squareness) ** (-1 / squareness)
    back_flat = np.where(np.sin(theta) > 0, 1 - 0.08 * np.sin(theta) ** 8, 1.0)  # posterior flattening
    wobble = 1 + sum(rng.normal(0, 0.02) * np.cos(k * theta + rng.uniform(0, 6.3)) for k in (2, 3, 4))
    depth = surface * back_flat * wobble - np.hypot(canvas.x, canvas.y)
    phi = np.arctan2(canvas.x, -canvas.y)
    fat0 = max(3.0, 3 + 2.2 * (plan.bmi - 19) + (6 if plan.sex == "F" else 0) + rng.normal(0, 4))
    fat = fat0 * (1 + rng.uniform(0, 0.5) * np.cos(phi) + rng.normal(0, 0.15) * np.sin(2 * phi))
    return Body(float(a), float(b), fat.astype(np.float32), depth.astype(np.float32), phi.astype(np.float32))


def paint_trunk(canvas: Canvas, rng: np.random.Generator, plan: Plan, body: Body, tissue: Tissues) -> dict:
    """Skin, fat, the muscular wall (and ribs above L2), the cavity; returns the regions later steps need."""
    inside = body.depth > 0
    canvas.paint(inside, tissue.fat, 0)
    inner = body.inner
    wall_mm = rng.uniform(6, 16) * (1.15 if plan.sex == "M" else 0.9) * (1 - 0.004 * (plan.age - 40))
    wall_mm *= 0.7 if plan.level < 0.5 else 1.0
    taper = np.clip((0.74 * np.pi - np.abs(body.phi)) / 0.3, 0, 1)
    wall = wall_mm * (0.6 + 0.4 * taper) * (1 + 0.25 * np.cos(2 * body.phi + rng.uniform(-0.3, 0.3)))
    in_wall = (inner > 0) & (inner < wall)
    rectus_half = rng.uniform(40, 75)
    midline = np.abs(canvas.x) < rng.uniform(2, 8)  # linea alba
    plane = rng.uniform(1.0, 2.5)
    fascia = (wall > 4 * plane) & ((np.abs(inner - 0.4 * wall) < plane / 2) | (np.abs(inner - 0.75 * wall) < plane / 2))
    lateral = (np.abs(canvas.x) > rectus_half + 5) | (canvas.y > -0.3 * body.b)
    muscles = in_wall & ~midline & ~(fascia & lateral)
    grain = texture(rng, canvas.hu.shape, 1.0, rng.uniform(1.5, 4))
    canvas.paint(muscles, tissue.muscle + rng.uniform(3, 8) * grain, MUSCLE)
    cavity = inner > wall + rng.uniform(0, 3) * (plan.level >= 0.5)  # the liver dome meets the ribs
    visceral = tissue.fat + rng.uniform(0, 25)
    canvas.paint(cavity, visceral + 6 * grain, 0)
    if plan.level < 2.0:
        paint_ribs(canvas, rng, plan, body, inner, wall)
    return {"inside": inside, "cavity": cavity, "grain": grain, "wall": wall}


def paint_ribs(canvas: Canvas, rng: np.random.Generator, plan: Plan, body: Body, inner: np.ndarray, wall) -> None:
    """Rib cross sections in a ring at the inner wall, more and further forward the higher the level."""
    reach = np.pi * (0.45 + 0.22 * np.clip(-plan.level + 1, 0, 3))  # how far forward from the back the ring goes
    count = int(np.clip(3 + 2 * (1.5 - plan.level), 2, 9))
    ring = np.abs(inner - wall - rng.uniform(-2, 4)) < 6
    for side in (-1, 1):
        for angle in np.linspace(np.pi - 0.45, np.pi - reach, count) + rng.normal(0, 0.06, count):
            target = side * angle
            at = ring & (np.abs(body.phi - target) < 0.05)
            rows, cols = np.nonzero(at)
            if rows.size == 0:
                continue
            k = rows.size // 2
            cx, cy = float(canvas.x[0, cols[k]]), float(canvas.y[rows[k], 0])
            long_axis = rng.uniform(8, 22) if abs(angle) < 2.2 else rng.uniform(6, 12)
            shell = blob(canvas, rng, cx, cy, long_axis, rng.uniform(4, 6.5), float(target), rough=0.05)
            core = blob(canvas, rng, cx, cy, long_axis - 2, rng.uniform(2, 4), float(target), rough=0.05)
            canvas.paint(shell, rng.uniform(400, 900), 0)
            canvas.paint(core, rng.uniform(120, 300), 0)


def spine_geometry(rng: np.random.Generator, plan: Plan, inner_back: float) -> dict:
    """Vertebra and erector spinae sizes, the vertebra placed so the erectors fill the space behind it."""
    scale = 0.9 + 0.04 * np.clip(plan.level, 0, 5) + rng.normal(0, 0.05)
    size = (1.2 if plan.sex == "M" else 1.0) * (1 - 0.005 * (plan.age - 40)) * rng.normal(1, 0.08)
    rx, ry = 22 * scale, 16 * scale
    es_depth = (30 + 4 * np.clip(plan.level, -1, 4)) * size * rng.uniform(0.9, 1.15)
    canal_y = inner_back - es_depth
    es_rx = (19 + 3 * np.clip(plan.level, -1, 4)) * size
    return {"yv": canal_y - ry - 11 * scale, "rx": rx, "ry": ry, "scale": scale, "size": size,
            "canal_y": canal_y, "inner_back": inner_back, "es_rx": es_rx}  # fmt: skip


def paint_spine(canvas: Canvas, rng: np.random.Generator, plan: Plan, spine: dict) -> None:
    yv, rx, ry, scale, canal_y = (spine[k] for k in ("yv", "rx", "ry", "scale", "canal_y"))
    cortex, marrow = rng.uniform(400, 900), float(np.clip(250 - 2.5 * (plan.age - 30) + rng.normal(0, 35), 40, 320))
    canvas.paint(blob(canvas, rng, 0, yv, rx, ry, rough=0.04), cortex, 0)
    trabecular = marrow + rng.uniform(10, 35) * texture(
        rng, canvas.hu.shape, 1.0, 1.2
    )  # osteoporotic: near soft tissue
    canvas.paint(blob(canvas, rng, 0, yv, rx - 2.5, ry - 2.5, rough=0.04), trabecular, 0)
    arch = blob(canvas, rng, 0, canal_y, 14 * scale, 12 * scale, rough=0.05)
    canvas.paint(arch, rng.uniform(400, 700), 0)
    spinous_len = max(8.0, (spine["inner_back"] - canal_y - 14) / 2)
    canvas.paint(blob(canvas, rng, 0, canal_y + 10 + spinous_len, 4, spinous_len, rough=0.05), rng.uniform(400, 700), 0)
    process = 26 if plan.level >= 0.5 else 14  # lumbar transverse processes are long; thoracic meet the ribs
    for side in (-1, 1):
        canvas.paint(
            blob(canvas, rng, side * (12 + process), canal_y - 2, process, 4.5, side * 0.2, rough=0.05),
            rng.uniform(400, 700),
            0,
        )
        if plan.level < 0.5:  # rib heads beside the body of a thoracic vertebra
            canvas.paint(blob(canvas, rng, side * (rx + 14), yv + 6, 14, 5, side * -0.6, rough=0.05), 550, 0)
    canvas.paint(blob(canvas, rng, 0, canal_y, 8 * scale, 7.5 * scale, rough=0.03), rng.uniform(5, 25), 0)


def paint_back_muscles(canvas: Canvas, rng: np.random.Generator, plan: Plan, body: Body, spine: dict, tissue, grain):
    """Erector spinae, psoas and quadratus lumborum; their size follows the level, sex and age."""
    size, deep = spine["size"], body.depth > 2 + body.fat
    yv, canal_y, es_rx = spine["yv"], spine["canal_y"], spine["es_rx"]
    es_ry = (spine["inner_back"] - canal_y + 10) / 2
    shapes = []
    for side in (-1, 1):
        shapes.append((side * (es_rx + 4), canal_y - 10 + es_ry, es_rx, es_ry, side * rng.uniform(-0.15, 0.15)))
        psoas = np.clip((plan.level - 0.3) / 3.5, 0, 1.2) * size
        if psoas > 0.08:
            shapes.append((side * (spine["rx"] + 14 * psoas + 2), yv + rng.uniform(-6, 4), 17 * psoas, 14 * psoas, 0.0))
        ql = np.clip(1 - abs(plan.level - 2.5) / 2.2, 0, 1) * size
        if ql > 0.1:
            shapes.append((side * (spine["rx"] + 30 + 10 * ql), canal_y - 2, 18 * ql, 8 * ql, -side * 0.5))
    for cx, cy, rx, ry, angle in shapes:
        region = blob(canvas, rng, cx, cy, rx, ry, angle, rough=0.1) & deep
        canvas.paint(region, tissue.muscle + rng.uniform(2, 6) * grain + rng.normal(0, 3), MUSCLE)
    if plan.level < 3.5:
        paint_latissimus(canvas, rng, plan, body, tissue, grain)


def paint_latissimus(canvas: Canvas, rng: np.random.Generator, plan: Plan, body: Body, tissue, grain) -> None:
    """Latissimus dorsi and serratus: a sheet OUTSIDE the ribs and the muscular wall, posterolateral, thickest
    over the lower ribs. Inside the rib cage lie the diaphragm, liver and spleen, never trunk muscle."""
    inner = body.inner
    grow = float(np.clip((3.5 - plan.level) / 3.0, 0.2, 1.3))
    thickness = rng.uniform(3, 14) * grow * (1.15 if plan.sex == "M" else 0.9)
    centre, spread = rng.uniform(0.6, 0.78) * np.pi, rng.uniform(0.12, 0.22) * np.pi
    profile = np.clip(1 - ((np.abs(body.phi) - centre) / spread) ** 2, 0, 1)
    sheet = (inner < 0) & (inner > -thickness * profile) & (body.depth > 2.0) & (profile > 0.05)
    canvas.paint(sheet, tissue.muscle + rng.uniform(2, 6) * grain + rng.normal(0, 3), MUSCLE)


def paint_diaphragm(canvas: Canvas, rng: np.random.Generator, plan: Plan, body: Body, regions: dict, tissue) -> None:
    """The diaphragm above L1: a band of muscle-density tissue just inside the ribs, pressed against the liver
    and spleen with no fat between. It is not a trunk muscle measured at L3 (label: background), and it is
    what teaches the model that muscle-like tissue inside the rib cage is not trunk muscle."""
    if plan.level >= 1.2:
        return
    inner = body.inner
    outer_edge = regions["wall"] + rng.uniform(6, 10) + rng.uniform(3, 8)  # past the ribs, then its thickness
    band = (inner < outer_edge) & regions["cavity"]
    # how far forward from the back: all round the liver dome at T10, only the posterior recesses near L1
    reach = np.pi * float(np.clip(0.5 + 0.2 * (0.5 - plan.level) + rng.normal(0, 0.05), 0.3, 1.0))
    band &= np.abs(body.phi) > np.pi - reach
    band &= canvas.hu < 250  # ribs stay bone
    canvas.paint(band, tissue.muscle + rng.uniform(-4, 6) + 3 * regions["grain"], 0)


def paint_upper_organs(canvas: Canvas, rng: np.random.Generator, plan: Plan, body: Body, regions: dict, tissue):
    """Liver (with vessels), spleen, stomach and gallbladder, sized by the level."""
    cavity, level = regions["cavity"], plan.level
    liver_size = float(np.clip((3.2 - level) / 3.5, 0, 1.1)) + rng.normal(0, 0.08)
    if liver_size > 0.08 or rng.random() < 0.15:  # a Riedel lobe now and then reaches lower
        liver_size = max(liver_size, rng.uniform(0.1, 0.25))
        rx = body.a * (0.3 + 0.32 * liver_size)
        ry = body.b * (0.32 + 0.45 * liver_size)
        cx = -body.a + rx * rng.uniform(0.95, 1.15)
        cy = -body.b * 0.1 + rng.uniform(-10, 10)
        liver = blob(canvas, rng, cx, cy, rx, ry, rng.uniform(-0.3, 0.4), rough=0.15) & cavity
        if liver_size > 0.7:  # the left lobe crosses the midline in front
            liver |= blob(canvas, rng, 0.05 * body.a, -0.5 * body.b, 0.3 * body.a, 0.2 * body.b, 0.2) & cavity
        parenchyma = tissue.liver + rng.uniform(3, 7) * texture(rng, canvas.hu.shape, 1.0, 3.0)
        canvas.paint(liver, parenchyma, LIVER)
        vessel_hu = tissue.portal if plan.phase != "none" else tissue.liver - rng.uniform(5, 25)
        for _ in range(int(rng.integers(3, 12))):
            rows, cols = np.nonzero(liver)
            if rows.size == 0:
                break
            k = int(rng.integers(rows.size))
            r = rng.uniform(1.5, 6)
            at = (float(canvas.x[0, cols[k]]), float(canvas.y[rows[k], 0]))
            vessel = blob(canvas, rng, *at, r * rng.uniform(1, 3), r, rng.uniform(0, 3.1), rough=0.05) & liver
            canvas.hu[vessel] = vessel_hu
        if rng.random() < 0.15 and level > 0.5:
            canvas.paint(
                blob(canvas, rng, cx + rx * 0.5, cy - ry * 0.5, 15, 12) & cavity & ~liver, rng.uniform(0, 20), 0
            )
    spleen_size = float(np.clip((2.0 - level) / 2.5, 0, 1)) * rng.uniform(0.7, 1.6)  # up to splenomegaly
    if spleen_size > 0.1:
        # posterolateral on the left, its convex side against the ribs and diaphragm
        sx, sy = body.a * rng.uniform(0.45, 0.75), body.b * rng.uniform(0.2, 0.6)
        spleen = blob(canvas, rng, sx, sy, 45 * spleen_size + 14, 26 * spleen_size + 12, rng.uniform(-1.3, -0.4))
        canvas.paint(spleen & cavity, tissue.spleen + 4 * texture(rng, canvas.hu.shape, 1.0, 3.0), 0)
    stomach_size = float(np.clip((2.5 - level) / 2.5, 0, 1)) * rng.uniform(0.6, 1.3)
    if stomach_size > 0.1:
        gx, gy = body.a * rng.uniform(0.1, 0.4), -body.b * rng.uniform(0.1, 0.5)
        outer = blob(canvas, rng, gx, gy, 45 * stomach_size + 10, 32 * stomach_size + 8, rng.uniform(-0.8, 0.8))
        outer &= cavity & (canvas.labels != LIVER)
        canvas.paint(outer, tissue.bowel_wall, 0)
        wall_mm = rng.uniform(3, 10)  # the gastric wall: muscle-like HU, not skeletal muscle
        lumen = (
            blob(canvas, rng, gx, gy, 45 * stomach_size + 10 - wall_mm, 32 * stomach_size + 8 - wall_mm, 0.0) & outer
        )
        content = rng.choice([-950.0, 10.0, 35.0, 250.0], p=[0.3, 0.35, 0.25, 0.1])
        canvas.paint(lumen, content + rng.uniform(-10, 10), 0)
        if content > -500 and rng.random() < 0.6:  # an air-fluid level
            canvas.hu[lumen & (canvas.y < gy - rng.uniform(0, 15))] = -950


def paint_retroperitoneum(canvas: Canvas, rng: np.random.Generator, plan: Plan, spine: dict, regions: dict, tissue):
    """Aorta and IVC in front of the spine, crura, kidneys and pancreas at their levels."""
    cavity, yv, level = regions["cavity"], spine["yv"], plan.level
    free = cavity & (canvas.labels == 0)
    ay = yv - spine["ry"] - rng.uniform(8, 14)
    aorta = blob(canvas, rng, rng.uniform(2, 14), ay, 11, 11, rough=0.03)
    canvas.paint(aorta & free, tissue.aorta, 0)
    if rng.random() < 0.3:  # calcified plaque
        canvas.paint(aorta & ~blob(canvas, rng, 0, ay, 9.5, 9.5, rough=0.2), rng.uniform(300, 900), 0)
    ivc = blob(canvas, rng, -rng.uniform(16, 28), ay + rng.uniform(-8, 4), 13, 9, rough=0.08) & cavity
    canvas.paint(ivc & (canvas.labels != MUSCLE), tissue.blood, 0)
    if level < 2.0:  # diaphragmatic crura: muscle tissue, but not a trunk muscle that L3 measures
        for side in (-1, 1):
            crus = blob(canvas, rng, side * 14, yv - spine["ry"] + 4, 5, 16, side * 0.3, rough=0.1) & free
            canvas.paint(crus, tissue.muscle, 0)
    kidney = float(np.clip(1 - abs(level - 1.5) / 2.2, 0, 1))
    if kidney > 0.15:
        for side in (-1, 1):
            kx = side * (spine["rx"] + rng.uniform(38, 58))
            ky = yv + rng.uniform(-8, 12) + (6 if side < 0 else 0)
            outer = blob(canvas, rng, kx, ky, 30 * kidney + 6, 20 * kidney + 5, -side * rng.uniform(0.4, 0.9)) & free
            canvas.paint(outer, tissue.kidney_cortex, 0)
            for _ in range(int(rng.integers(2, 6))):  # renal pyramids
                px, py = kx + rng.uniform(-15, 15) * kidney, ky + rng.uniform(-8, 8) * kidney
                pyramid = blob(canvas, rng, px, py, 7 * kidney + 2, 5 * kidney + 2, rng.uniform(0, 3.1), rough=0.2)
                canvas.paint(pyramid & outer, tissue.kidney_medulla, 0)
            canvas.paint(blob(canvas, rng, kx - side * 8, ky, 6 * kidney + 2, 5, 0) & outer, rng.uniform(-80, 10), 0)
    if 0.3 < level < 2.6:
        pancreas = blob(canvas, rng, rng.uniform(-10, 30), ay - rng.uniform(18, 35), 45, 10, rng.uniform(-0.4, 0.1),
                        rough=0.25) & cavity & (canvas.labels == 0)  # fmt: skip
        canvas.paint(pancreas, tissue.pancreas + 5 * regions["grain"], 0)


def paint_bowel(canvas: Canvas, rng: np.random.Generator, plan: Plan, body: Body, regions: dict, tissue) -> None:
    free = regions["cavity"] & (canvas.labels == 0) & (canvas.hu < tissue.fat + 40)
    rows, cols = np.nonzero(free)
    if rows.size == 0:
        return
    count = int(rng.integers(6, 18) * np.clip((plan.level + 1.5) / 4, 0.2, 1.3))
    for _ in range(count):
        k = int(rng.integers(rows.size))
        cx, cy, radius = float(canvas.x[0, cols[k]]), float(canvas.y[rows[k], 0]), rng.uniform(8, 25)
        outer = blob(canvas, rng, cx, cy, radius, radius * rng.uniform(0.6, 1), rng.uniform(0, 3.1), 0.2) & free
        canvas.paint(outer, tissue.bowel_wall, 0)
        inner = blob(canvas, rng, cx, cy, radius - rng.uniform(2, 4), (radius - 3) * 0.8, rng.uniform(0, 3.1)) & outer
        content = rng.choice([-950.0, 15.0, -60.0, 250.0, 40.0], p=[0.3, 0.3, 0.15, 0.1, 0.15])
        canvas.paint(inner, content + 10 * regions["grain"], 0)
    for _ in range(int(rng.integers(5, 25))):  # mesenteric vessels: muscle-like dots in the fat
        k = int(rng.integers(rows.size))
        r = rng.uniform(1.5, 4)
        dot = blob(canvas, rng, float(canvas.x[0, cols[k]]), float(canvas.y[rows[k], 0]), r, r, rough=0.05) & free
        canvas.paint(dot, tissue.blood, 0)


def paint_arms(canvas: Canvas, rng: np.random.Generator, body: Body, tissue) -> None:
    """Arms beside the trunk: skin, fat, muscle round a bone; background label (not trunk muscle)."""
    for side in (-1, 1):
        gap = rng.uniform(5, 60)
        r = rng.uniform(32, 50)
        cx, cy = side * (body.a + gap + r), rng.uniform(-0.3, 0.3) * body.b
        outer = blob(canvas, rng, cx, cy, r, r * rng.uniform(0.8, 1.1), rough=0.08)
        canvas.paint(outer, 35, 0)
        canvas.paint(blob(canvas, rng, cx, cy, r - 2, r * 0.85 - 2, rough=0.08), tissue.fat, 0)
        canvas.paint(blob(canvas, rng, cx, cy, r * rng.uniform(0.65, 0.85), r * 0.7, rough=0.12), tissue.muscle + 5, 0)
        canvas.paint(blob(canvas, rng, cx, cy, 11, 10, rough=0.05), rng.uniform(600, 1200), 0)
        canvas.paint(blob(canvas, rng, cx, cy, 7, 6, rough=0.05), rng.uniform(-50, 100), 0)


def paint_imat(canvas: Canvas, rng: np.random.Generator, plan: Plan, tissue) -> None:
    muscle = canvas.labels == MUSCLE
    rows, cols = np.nonzero(muscle)
    if rows.size == 0:
        return
    for _ in range(int(rng.poisson(10 + 1.0 * max(0, plan.age - 30) + 2 * max(0, plan.bmi - 22)))):
        k = int(rng.integers(rows.size))
        r = rng.uniform(0.6, 2.5)
        speck = blob(canvas, rng, float(canvas.x[0, cols[k]]), float(canvas.y[rows[k], 0]), r, r * 0.7, rough=0.1)
        canvas.hu[speck & muscle] = rng.uniform(-110, -40)


def paint_table(canvas: Canvas, rng: np.random.Generator, body: Body) -> None:
    bottom = body.b + rng.uniform(1, 12)
    curve = rng.uniform(0, 0.0015)  # curved couches of real scanners
    y_table = bottom + curve * canvas.x**2
    for offset, thickness, hu in (
        (0, rng.uniform(3, 8), -850),
        (rng.uniform(8, 40), rng.uniform(1.5, 4), rng.uniform(150, 600)),
    ):
        band = (canvas.y > y_table + offset) & (canvas.y < y_table + offset + thickness) & (np.abs(canvas.x) < 240)
        band &= canvas.hu < -500
        canvas.hu[band] = hu


def clean_torso(seed: int, profile: DeviceProfile, level: float | None = None) -> tuple[np.ndarray, np.ndarray, Plan]:
    rng = np.random.default_rng(stable_seed("torso", seed))
    plan = draw_plan(rng, level)
    canvas = Canvas(profile.matrix, profile.spacing_mm, plan.centre)
    tissue = tissues(rng, plan.phase, plan.age)
    trunk = body(canvas, rng, plan)
    regions = paint_trunk(canvas, rng, plan, trunk, tissue)
    midline = (trunk.depth > 2 + trunk.fat)[:, int(np.argmin(np.abs(canvas.x[0])))]
    spine = spine_geometry(rng, plan, float(canvas.y[np.nonzero(midline)[0][-1], 0]))
    # behind the vertebral bodies lie spine and erectors, not abdominal organs
    back = spine["inner_back"] - spine["yv"] - 0.5 * spine["ry"]
    half_width = spine["rx"] + 2 * spine["es_rx"] + 5
    regions["cavity"] &= ~blob(canvas, rng, 0, spine["inner_back"], half_width, back, rough=0.05)
    paint_upper_organs(canvas, rng, plan, trunk, regions, tissue)
    paint_diaphragm(canvas, rng, plan, trunk, regions, tissue)
    paint_spine(canvas, rng, plan, spine)
    paint_retroperitoneum(canvas, rng, plan, spine, regions, tissue)
    paint_back_muscles(canvas, rng, plan, trunk, spine, tissue, regions["grain"])
    paint_bowel(canvas, rng, plan, trunk, regions, tissue)
    if plan.arms:
        paint_arms(canvas, rng, trunk, tissue)
    paint_imat(canvas, rng, plan, tissue)
    skin = regions["inside"] & (trunk.depth <= 2.0)
    canvas.paint(skin, rng.uniform(20, 50), 0)
    paint_table(canvas, rng, trunk)
    return canvas.hu, canvas.labels, plan


def random_profile(rng: np.random.Generator) -> DeviceProfile:
    """A scanner and protocol that no real site need match exactly: the base model meets many."""
    template = DEVICES[str(rng.choice(sorted(DEVICES)))]
    fov = float(rng.uniform(330, 500))
    return replace(
        template,
        key="R",
        noise_hu=float(rng.uniform(6, 38)),
        noise_corr_mm=float(rng.uniform(0.4, 2.2)),
        blur_mm=float(rng.uniform(0.35, 1.1)),
        sharpen=float(rng.choice([0.0, 0.0, rng.uniform(0.2, 1.0)])),
        hu_offset=float(rng.uniform(-20, 20)),
        fov_mm=fov,
        matrix=512,
    )


@dataclass(frozen=True)
class TorsoSlice:
    hu: np.ndarray
    labels: np.ndarray
    spacing_mm: tuple[float, float]
    plan: Plan
    profile: DeviceProfile


def make_torso(seed: int, level: float | str | None = None, profile: DeviceProfile | None = None) -> TorsoSlice:
    """One randomised trunk slice; `level` a name in LEVELS, a position along the spine, or None (random)."""
    position = LEVELS[level] if isinstance(level, str) else level
    rng = np.random.default_rng(stable_seed("torso-device", seed))
    profile = profile or random_profile(rng)
    clean_hu, labels, plan = clean_torso(seed, profile, position)
    hu = acquire(clean_hu, profile, rng)
    return TorsoSlice(hu, labels, (profile.spacing_mm, profile.spacing_mm), plan, profile)
