"""A one-page study report as PNG (Pillow): the overlay of the first measured slice, its numbers, where they
came from, the other measured slices, and the references. The pseudonym is the only identifier on it."""

import functools
import io

import numpy as np
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from studies import storage
from studies.models import Image, Study
from studies.selectors import study_when

from .models import Measurement
from .results import measurement_mask, study_results

PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 70
PANEL = 560
SOFT_TISSUE = (400, 40)  # window width, level
LABEL_COLOURS = {1: ((229, 72, 77), 0.45, "muscle"), 2: ((62, 99, 221), 0.40, "liver")}
INK, SOFT, LINE, BAD, OK = (27, 38, 48), (85, 98, 110), (195, 204, 213), (179, 38, 30), (29, 122, 70)
WARN = (138, 90, 0)
TRUST_TITLES = {
    "unverified": "UNVERIFIED: no evaluated model for this scanner. Not a finding.",
    "implausible": "IMPLAUSIBLE measurement: checks failed. Not a finding; no flags given.",
}
MAX_OTHER_ROWS = 12


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans where installed (it has ², ≥, —); else Pillow's built-in font, with plain-ASCII text."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def printable(text: str) -> str:
    if font(20).getname()[0] == "DejaVu Sans":
        return text
    return text.replace("²", "2").replace("≥", ">=").replace("—", "-")


def overlay_rgb(hu: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The slice in the soft-tissue window with the mask's labels blended in their colours."""
    width, level = SOFT_TISSUE
    grey = np.clip((hu.astype(np.float32) - (level - width / 2)) / width * 255.0, 0, 255)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    if mask is not None:
        for value, (colour, alpha, _) in LABEL_COLOURS.items():
            where = mask == value
            rgb[where] = rgb[where] * (1 - alpha) + np.array(colour, np.float32) * alpha
    return rgb.astype(np.uint8)


def _slice_picture(image: Image, mask: np.ndarray | None) -> PILImage.Image:
    picture = PILImage.fromarray(overlay_rgb(np.asarray(storage.hu_load(image.hu_path)), mask), mode="RGB")
    physical = (image.columns * image.spacing_col_mm, image.rows * image.spacing_row_mm)
    scale = PANEL / max(physical)
    return picture.resize((max(1, round(physical[0] * scale)), max(1, round(physical[1] * scale))), PILImage.LANCZOS)


def _number(value, unit: str, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f} {unit}"


def _flag_text(flag: dict) -> tuple[str, tuple]:
    reference = flag["reference"].split(" (")[0]
    if not flag["known"]:
        return f"not decided ({reference}): {flag['reason']}", SOFT
    comparison = "<" if flag["flagged"] else "≥"
    value = f"{flag['value']:.1f} {comparison} {flag['threshold']:g}"
    if not flag.get("finding", True):
        return f"{flag['reason']} ({value}; {flag['rule']}; {reference})", WARN
    verdict = "YES" if flag["flagged"] else "no"
    text = f"{verdict}: {value} ({flag['rule']}; {reference})"
    return text, BAD if flag["flagged"] else OK


class Page:
    """A cursor down a white page."""

    def __init__(self):
        self.picture = PILImage.new("RGB", PAGE, "white")
        self.draw = ImageDraw.Draw(self.picture)
        self.y = MARGIN

    def text(self, x: int, value: str, size: int = 22, fill=INK, advance: bool = True) -> None:
        """Writes `value` from x, wrapped at the right margin (one line unless it advances)."""
        lines = self.wrap(printable(value), size, PAGE[0] - MARGIN - x) if advance else [printable(value)]
        for line in lines:
            self.draw.text((x, self.y), line, font=font(size), fill=fill)
            if advance:
                self.y += round(size * 1.45)

    def wrap(self, value: str, size: int, width: int) -> list[str]:
        lines = [""]
        for word in value.split(" "):
            candidate = f"{lines[-1]} {word}".strip()
            if lines[-1] and self.draw.textlength(candidate, font=font(size)) > width:
                lines.append(word)
            else:
                lines[-1] = candidate
        return lines

    def rule(self, gap: int = 18) -> None:
        self.y += gap // 2
        self.draw.line((MARGIN, self.y, PAGE[0] - MARGIN, self.y), fill=LINE, width=2)
        self.y += gap

    def rows(self, x: int, rows: list[tuple[str, str]], size: int = 22, key_width: int = 190) -> None:
        for key, value in rows:
            self.draw.text((x, self.y), printable(key), font=font(size), fill=SOFT)
            for line in self.wrap(printable(value), size, PAGE[0] - MARGIN - x - key_width):
                self.draw.text((x + key_width, self.y), line, font=font(size), fill=INK)
                self.y += round(size * 1.5)


def study_report_png(*, study: Study) -> bytes:
    results = study_results(study=study)
    page = Page()
    _header(page, study, results)
    primary = next((s for s in results["slices"] if s["measurement"]), None)
    if primary is None:
        page.text(MARGIN, "No measurement yet: no model has measured this study and no mask was accepted.", 24, SOFT)
    else:
        several = len(results["devices"]) > 1
        _primary(page, primary, several)
        _others(page, [s for s in results["slices"] if s is not primary and s["measurement"]], several)
    _references(page, results)
    out = io.BytesIO()
    page.picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def report_facts(study: Study, results: dict | None = None) -> list[tuple[str, str]]:
    """The header's rows. The study date is the full date only for whoever uploaded the study (study_list
    marks it), else its year (README, "Privacy policy for dates and subjects")."""
    results = results if results is not None else study_results(study=study)
    subject = results["subject"]
    sex = {"M": "male", "F": "female"}.get(subject["sex"], "unknown")
    height = f"{subject['height_m'] * 100:.0f} cm" if subject["height_m"] else "unknown"
    weight = f"{subject['weight_kg']:.1f} kg" if subject["weight_kg"] else "unknown"
    bmi = f"{subject['bmi']:.1f} kg/m²" if subject["bmi"] else "unknown"
    age = f"{study.subject.age_years} y" if study.subject.age_years is not None else "unknown"
    return [
        ("Pseudonym", results["pseudonym"]),
        ("Study date", study_when(study)),
        ("Devices" if len(results["devices"]) > 1 else "Device", ", ".join(results["devices"]) or "unknown"),
        ("Subject", f"{sex}, age {age}, height {height}, weight {weight}, BMI {bmi}"),
    ]


def _header(page: Page, study: Study, results: dict) -> None:
    page.text(MARGIN, "MuscleSeed · body composition report", 40)
    page.rule()
    page.rows(MARGIN, report_facts(study, results))
    page.rule()


def slice_name(slice_: dict, with_device: bool) -> str:
    """ "3 of 20", and the scanner in a study of several (four one-image series would all read "1 of 1")."""
    device = f" · {slice_['device']}" if with_device else ""
    return f"{slice_['index'] + 1} of {slice_['series_length']}{device}"


def _primary(page: Page, slice_: dict, with_device: bool) -> None:
    measurement = slice_["measurement"]
    image = Image.objects.get(pk=slice_["image_id"])
    mask = measurement_mask(Measurement.objects.get(pk=measurement["id"]))
    picture = _slice_picture(image, mask)
    top = page.y
    page.picture.paste(picture, (MARGIN, top))
    legend_y = top + picture.height + 10
    x = MARGIN
    for colour, _, name in LABEL_COLOURS.values():
        page.draw.rectangle((x, legend_y + 4, x + 18, legend_y + 22), fill=colour)
        page.draw.text((x + 26, legend_y), name, font=font(20), fill=SOFT)
        x += 120
    column = MARGIN + PANEL + 40
    level = f" · {slice_['level']}" if slice_["level"] else ""
    page.text(column, f"Image {slice_name(slice_, with_device)}{level}", 28)
    _trust(page, column, measurement["trust"])
    sarcopenia, sarcopenia_fill = _flag_text(measurement["flags"]["sarcopenia"])
    myosteatosis, myosteatosis_fill = _flag_text(measurement["flags"]["myosteatosis"])
    rows = [
        ("SMA", _number(measurement["sma_cm2"], "cm²")),
        ("Muscle HU", _number(measurement["mean_muscle_hu"], "HU")),
        ("IMAT", _number(measurement["imat_cm2"], "cm²")),
        ("SMI", _number(measurement["smi_cm2_m2"], "cm²/m²") if measurement["smi_cm2_m2"] else "— (needs height)"),
    ]
    if measurement["liver_area_cm2"]:
        rows.append(("Liver", f"{measurement['liver_area_cm2']:.1f} cm², {measurement['mean_liver_hu']:.0f} HU"))
    page.rows(column, rows, size=24, key_width=150)
    window = l3_window_text(slice_.get("l3_measurement"))
    if window:
        page.text(column, window[0], 20)
        page.text(column, window[1], 19)
    page.y += 10
    page.text(column, "Sarcopenia", 22, SOFT)
    page.text(column, sarcopenia, 19, sarcopenia_fill)
    page.text(column, "Myosteatosis", 22, SOFT)
    page.text(column, myosteatosis, 19, myosteatosis_fill)
    page.y += 10
    page.text(column, "Source", 22, SOFT)
    page.text(column, measurement["provenance"], 19)
    page.y = max(page.y, legend_y + 40)
    page.rule()


def l3_window_text(l3: dict | None) -> tuple[str, str] | None:
    """Two lines for an L3 measurement averaged over neighbouring slices (none for the L3 slice alone)."""
    if not l3 or not l3["neighbours_mm"]:
        return None
    count = len(l3["slices"])
    title = f"L3 measurement: mean of {count} slice{'s' * (count != 1)} within ±{l3['neighbours_mm']:g} mm"
    if not l3["complete"]:
        title += f" ({l3['measured']} measured so far)"
    smi = f", SMI {_number(l3['smi_cm2_m2'], 'cm²/m²')}" if l3["smi_cm2_m2"] is not None else ""
    return title, f"SMA {_number(l3['sma_cm2'], 'cm²')}, muscle HU {_number(l3['mean_muscle_hu'], 'HU')}{smi}"


def _trust(page: Page, x: int, trust: dict) -> None:
    """The warning of a measurement that cannot be vouched for, with its reasons, above its numbers."""
    if trust["status"] == "verified":
        page.text(x, f"Verified: {trust['summary']}", 17, OK)
        return
    fill = BAD if trust["status"] == "implausible" else WARN
    page.text(x, TRUST_TITLES[trust["status"]], 19, fill)
    for warning in trust["warnings"][:4]:
        page.text(x + 12, f"· {warning}", 16, fill)
    page.y += 6


def _others(page: Page, slices: list[dict], with_device: bool) -> None:
    if not slices:
        return
    page.text(MARGIN, f"Other measured slices ({len(slices)})", 26)
    slice_width = 330 if with_device else 180
    columns = (MARGIN, *(MARGIN + slice_width + step for step in (0, 130, 260, 390)))
    for x, title in zip(columns, ("Slice", "SMA cm²", "Muscle HU", "SMI", "Source"), strict=True):
        page.text(x, title, 19, SOFT, advance=False)
    page.y += 30
    for slice_ in slices[:MAX_OTHER_ROWS]:
        m = slice_["measurement"]
        status = m["trust"]["status"]
        source = f"model {m['model_version']['name']}" if m["model_version"] else "accepted annotation"
        cells = (
            slice_name(slice_, with_device)[:30],
            _number(m["sma_cm2"], ""),
            _number(m["mean_muscle_hu"], ""),
            _number(m["smi_cm2_m2"], ""),
            source[:26] + ("" if status == "verified" else f" · {status.upper()}"),
        )
        for x, cell in zip(columns, cells, strict=True):
            page.text(x, cell, 19, advance=False)
        page.y += 28
    if len(slices) > MAX_OTHER_ROWS:
        page.text(MARGIN, f"… and {len(slices) - MAX_OTHER_ROWS} more (see the study page).", 19, SOFT)
    page.rule()


def _references(page: Page, results: dict) -> None:
    page.y = max(page.y, PAGE[1] - 390)
    page.text(MARGIN, "Method and references", 24)
    lines = [
        "SMA: muscle-mask pixels from -29 to 150 HU; IMAT: muscle-mask pixels from -190 to -30 HU;",
        "SMI = SMA / height².",
        f"Sarcopenia: {results['sarcopenia_reference']} (the reference this site uses).",
        "  Prado 2008: SMI < 52.4 men, < 38.5 women. Martin 2013: < 43 men BMI < 25, < 53 men BMI >= 25, < 41 women.",
        f"Myosteatosis: {results['myosteatosis_reference']}: mean muscle HU < 41 (BMI < 25), < 33 (BMI >= 25).",
        "A single axial slice, measured automatically unless the source says an accepted annotation.",
        "Verified: the model was evaluated on >= 5 test images of this scanner. Plausibility: wide physiological",
        "  ranges (van der Werf 2018, Derstine 2018, Goodpaster 2000), not diagnostic thresholds.",
    ]
    for line in lines:
        page.text(MARGIN, line, 18, SOFT)
    page.y = PAGE[1] - MARGIN
    page.text(MARGIN, f"Generated {timezone.now():%Y-%m-%d %H:%M} UTC by MuscleSeed. Pseudonymised.", 16, SOFT)
