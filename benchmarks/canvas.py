"""Labelling canvas figures: speed of the real workspace page in Chromium, mask sizes, and a simulated study.

Writes benchmarks/results/canvas.json:
- brush: ms per brush pointer event on a 512x512 phantom slice (the page's own handler: stroke maths,
  dirty-rectangle compositing, putImageData, HU read-out), and ms per screen frame (drawing the slice
  through the viewport), at two brush sizes;
- undo / redo: ms per step after long strokes, including the dirty-rectangle redraw;
- saved_mask_bytes: bytes of the PNG the page PUTs (encodePNG in Chromium) for phantom label maps at L3 and
  at the liver level, on every phantom device, against the raw 8-bit map;
- labelling_study: pixel edits needed to reach the true mask from scratch (every labelled pixel) and from a
  pre-label (every pixel where pre-label and truth differ), on phantom slices of every device. The
  pre-labels here are deliberately simple stand-ins: the best HU-threshold baseline
  (segmentation.metrics.best_threshold_baseline; it cannot tell muscle from bowel wall, kidney or liver) and
  the truth with its boundary moved by one pixel (a stand-in for a good fine-tuned model). Real model
  pre-labels (base vs fine-tuned versions) come with the model-version issue (issue 4).

The page runs without a backend: the workspace template is rendered by Django's template engine and
Playwright answers the page's API calls (pixels, mask GET/PUT) from memory, so only the browser is timed.

Usage: .venv/bin/python benchmarks/canvas.py [--quick]   (needs Debian's chromium and playwright)
"""

import argparse
import io
import json
import mimetypes
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "frontend" / "static"
RESULTS = ROOT / "benchmarks" / "results" / "canvas.json"
ORIGIN = "http://harness.local"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LABELS = [{"value": 1, "name": "muscle", "color": "#e5484d"}, {"value": 2, "name": "liver", "color": "#3e63dd"}]
DEVICES = ("A", "B", "C", "D")

os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "bench", "MUSCLESEED_DEID_SALT": "bench"})
os.environ.setdefault("MUSCLESEED_VAR_DIR", "/tmp/muscleseed-bench-canvas")
sys.path.insert(0, str(ROOT / "backend"))

import django  # noqa: E402

django.setup()
from django.template.loader import render_to_string  # noqa: E402

from segmentation.metrics import best_threshold_baseline, threshold_mask  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402


def png_bytes(labels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(labels.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def workspace_context(rows: int, columns: int, spacing_mm: float) -> dict:
    image_url = "/api/images/1"
    return {
        "image": {
            "id": 1,
            "rows": rows,
            "columns": columns,
            "pixel_spacing_mm": [spacing_mm, spacing_mm],
            "device": "Phantom A",
            "study_id": 1,
            "split": "train",
        },
        "label_set": {"id": 1, "name": "body-composition", "labels": LABELS},
        "annotation": {
            "image_id": 1,
            "status": "none",
            "version": 0,
            "etag": '"0"',
            "current_revision": None,
            "prelabel": None,
        },
        "urls": {
            "pixels": f"{image_url}/pixels",
            "mask": f"{image_url}/annotation/mask",
            "annotation": f"{image_url}/annotation",
            "submit": f"{image_url}/annotation/submit",
            "prelabel": f"{image_url}/annotation/prelabel",
            "next": "/label/",
        },
        "user": {"username": "bench", "roles": ["labeller"]},
    }


class Harness:
    """Answers the workspace page's requests from memory: the page, static modules, pixels and the mask."""

    def __init__(self, hu: np.ndarray, mask: np.ndarray, spacing_mm: float):
        self.hu = hu.astype("<i2")
        self.mask_png = png_bytes(mask)
        self.spacing_mm = spacing_mm
        self.version = 0
        self.saved: list[bytes] = []
        self.html = render_to_string(
            "annotations/workspace.html", {"workspace": workspace_context(*hu.shape, spacing_mm)}
        )

    def handle(self, route):
        request = route.request
        path = request.url.removeprefix(ORIGIN).split("?")[0]
        if path.startswith("/static/"):
            file = STATIC / path.removeprefix("/static/")
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return route.fulfill(status=200, body=file.read_bytes(), headers={"Content-Type": kind})
        if path.endswith("/pixels"):
            rows, columns = self.hu.shape
            headers = {
                "X-Rows": str(rows),
                "X-Columns": str(columns),
                "X-Dtype": "int16-le",
                "X-Pixel-Spacing": f"{self.spacing_mm},{self.spacing_mm}",
                "Content-Type": "application/octet-stream",
            }
            return route.fulfill(status=200, body=self.hu.tobytes(), headers=headers)
        if path.endswith("/annotation/mask") and request.method == "PUT":
            self.saved.append(request.post_data_buffer)
            self.version += 1
            etag = f'"{self.version}"'
            body = json.dumps({"status": "draft", "version": self.version, "etag": etag})
            return route.fulfill(status=200, body=body, headers={"Content-Type": "application/json", "ETag": etag})
        if path.endswith("/annotation/mask"):
            headers = {"Content-Type": "image/png", "ETag": f'"{self.version}"', "X-Mask-Source": "empty"}
            return route.fulfill(status=200, body=self.mask_png, headers=headers)
        if path == "/label/images/1/":
            return route.fulfill(status=200, body=self.html, headers={"Content-Type": "text/html"})
        return route.fulfill(status=404, body="not in the harness")


def open_workspace(browser, harness: Harness):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.route(f"{ORIGIN}/**", harness.handle)
    page.goto(f"{ORIGIN}/label/images/1/")
    page.wait_for_selector("[data-workspace][data-ready=true]", timeout=30_000)
    return context, page


# Drives the stage's own handlers with pointer-like objects: what a real pointermove costs the page,
# without the test driver's round trip. A zig-zag across the body keeps painting new pixels.
BRUSH_JS = """async ({ events, size }) => {
  const ws = window.__workspace;
  ws.editor.state.brushSize = size;
  ws.runAction('tool.brush');
  const box = ws.stage.element.getBoundingClientRect();
  const at = (i) => ({ clientX: box.left + box.width * (0.25 + 0.5 * ((i * 7) % 101) / 100),
                       clientY: box.top + box.height * (0.3 + 0.4 * i / events),
                       button: 0, buttons: 1, pointerId: 77, shiftKey: false, detail: 1, preventDefault() {} });
  const times = [];
  ws.stage.onPointerDown(at(0));
  const loopStart = performance.now();
  for (let i = 1; i < events; i++) {
    const start = performance.now();
    ws.stage.onPointerMove(at(i));
    times.push(performance.now() - start);
  }
  const loopMs = performance.now() - loopStart;
  ws.stage.onPointerUp(at(events));
  const frames = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    ws.stage.presentNow();
    ws.stage.canvas.getContext('2d').getImageData(0, 0, 1, 1); // wait for the draw to finish
    frames.push(performance.now() - start);
  }
  return { times, frames, meanMs: loopMs / (events - 1), changed: ws.mask.data.reduce((n, v) => n + (v !== 0), 0) };
}"""

UNDO_JS = """async ({ strokes }) => {
  const ws = window.__workspace;
  ws.editor.state.brushSize = 24;
  const box = ws.stage.element.getBoundingClientRect();
  const point = (x, y) => ({ clientX: box.left + box.width * x, clientY: box.top + box.height * y,
                             button: 0, buttons: 1, pointerId: 78, detail: 1, preventDefault() {} });
  for (let s = 0; s < strokes; s++) {
    ws.runAction(s % 2 ? 'tool.eraser' : 'tool.brush');
    const y = 0.3 + 0.4 * s / strokes;
    ws.stage.onPointerDown(point(0.2, y));
    for (let i = 1; i <= 40; i++) ws.stage.onPointerMove(point(0.2 + 0.6 * i / 40, y + 0.05 * Math.sin(i)));
    ws.stage.onPointerUp(point(0.8, y));
  }
  const time = (action) => {
    const times = [];
    for (let s = 0; s < strokes; s++) {
      const start = performance.now();
      ws.runAction(action);
      times.push(performance.now() - start);
    }
    return times;
  };
  const undo = time('history.undo');
  const redo = time('history.redo');
  return { undo, redo, historyBytes: ws.editor.history.bytes };
}"""

ENCODE_JS = """async (masks) => {
  const { encodePNG } = await import('/static/js/labelling/codec.js');
  const { maskFromData } = await import('/static/js/labelling/mask.js');
  const out = [];
  for (const m of masks) {
    const raw = Uint8Array.from(atob(m.data), (c) => c.charCodeAt(0));
    const start = performance.now();
    const png = await encodePNG(maskFromData(m.width, m.height, raw));
    out.push({ bytes: png.length, ms: performance.now() - start });
  }
  return out;
}"""


def summary(values: list[float]) -> dict:
    """Median, p95 and max (Chromium rounds performance.now() to 0.1 ms without cross-origin isolation)."""
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered), 4),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 4),
        "max_ms": round(ordered[-1], 4),
        "n": len(ordered),
    }


def phantom_masks(seeds: range) -> list[dict]:
    import base64

    masks = []
    for device in DEVICES:
        for level in ("L3", "liver"):
            for seed in seeds:
                labels = make_slice(seed, device, level).labels
                masks.append(
                    {
                        "device": device,
                        "level": level,
                        "seed": seed,
                        "width": labels.shape[1],
                        "height": labels.shape[0],
                        "data": base64.b64encode(labels.tobytes()).decode(),
                    }
                )
    return masks


def browser_figures(quick: bool) -> dict:
    from playwright.sync_api import sync_playwright

    slice_ = make_slice(1, "A", "L3")
    harness = Harness(slice_.hu, np.zeros_like(slice_.labels), slice_.spacing_mm[0])
    masks = phantom_masks(range(1, 3 if quick else 6))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        context, page = open_workspace(browser, harness)
        brush = {}
        for size in (12, 40):
            result = page.evaluate(BRUSH_JS, {"events": 150 if quick else 600, "size": size})
            brush[f"size_{size}px"] = {
                "pointer_event": {**summary(result["times"]), "mean_ms": round(result["meanMs"], 4)},
                "frame": summary(result["frames"]),
            }
        undo = page.evaluate(UNDO_JS, {"strokes": 20 if quick else 60})
        page.evaluate("() => window.__workspace.save()")
        page.wait_for_function("() => document.querySelector('[data-workspace]').dataset.dirty === 'false'")
        encoded = page.evaluate(ENCODE_JS, [{k: m[k] for k in ("width", "height", "data")} for m in masks])
        context.close()
        browser.close()
    per_mask = [
        {"device": m["device"], "level": m["level"], "seed": m["seed"], "raw_bytes": m["width"] * m["height"], **e}
        for m, e in zip(masks, encoded, strict=True)
    ]
    return {
        "image": {
            "rows": int(slice_.hu.shape[0]),
            "columns": int(slice_.hu.shape[1]),
            "source": "phantom A, L3, seed 1",
        },
        "brush": brush,
        "undo": {
            "step": summary(undo["undo"]),
            "redo_step": summary(undo["redo"]),
            "history_bytes": undo["historyBytes"],
            "stroke": "24 px brush, 40 pointer events across the body",
        },
        "saved_mask_bytes": {
            "put_body_bytes_after_edits": len(harness.saved[-1]) if harness.saved else None,
            "median_png_bytes": int(statistics.median(m["bytes"] for m in per_mask)),
            "max_png_bytes": max(m["bytes"] for m in per_mask),
            "raw_label_map_bytes": int(statistics.median(m["raw_bytes"] for m in per_mask)),
            "median_encode_ms": round(statistics.median(m["ms"] for m in per_mask), 2),
            "per_mask": per_mask,
        },
    }


def shifted_boundary(truth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The truth with each label's boundary moved one pixel (grown or shrunk, alternately by label)."""
    from scipy import ndimage

    out = truth.copy()
    for value in np.unique(truth[truth > 0]):
        region = truth == value
        moved = ndimage.binary_dilation(region) if rng.random() < 0.5 else ndimage.binary_erosion(region)
        out[region & ~moved] = 0
        out[moved & ~region & (truth == 0)] = value
    return out


def labelling_study(seeds: range) -> dict:
    rng = np.random.default_rng(0)
    slices = [make_slice(seed, device, level) for device in DEVICES for level in ("L3", "liver") for seed in seeds]
    (low, high), threshold_dice = best_threshold_baseline([s.hu for s in slices], [s.labels for s in slices])
    rows = []
    for s in slices:
        truth = s.labels
        threshold = threshold_mask(s.hu, low, high)  # muscle only: the baseline knows no liver
        rows.append(
            {
                "device": s.device.key,
                "level": s.level,
                "seed": s.seed,
                "from_scratch": int((truth > 0).sum()),
                "from_threshold_prelabel": int((threshold != truth).sum()),
                "from_boundary_shifted_prelabel": int((shifted_boundary(truth, rng) != truth).sum()),
            }
        )
    keys = ("from_scratch", "from_threshold_prelabel", "from_boundary_shifted_prelabel")
    medians = {key: int(statistics.median(row[key] for row in rows)) for key in keys}
    return {
        "unit": "pixels to change (paint or erase) to reach the true label map",
        "threshold_baseline": {"hu_range": [low, high], "mean_muscle_dice": round(threshold_dice, 4)},
        "median": medians,
        "ratio_to_scratch": {key: round(medians[key] / medians["from_scratch"], 3) for key in keys[1:]},
        "per_device": {
            device: {key: int(statistics.median(r[key] for r in rows if r["device"] == device)) for key in keys}
            for device in DEVICES
        },
        "note": "Pre-labels here are stand-ins: an HU-threshold baseline (a poor model) and the truth with a one-pixel "
        "boundary shift (a good model). Real pre-labels of the base and fine-tuned model versions come with issue 4.",
        "slices": len(rows),
    }


def model_labelling_study(base: Path, finetuned: Path, device: str, seeds: range) -> dict:
    """Pixel edits to reach the truth from the pre-labels of two real model versions, on one device."""
    from segmentation.infer import Predictor

    predictors = {"base": Predictor(base, threads=2), "finetuned": Predictor(finetuned, threads=2)}
    slices = [make_slice(seed, device, "L3") for seed in seeds]
    rows = []
    for s in slices:
        row = {"seed": s.seed, "from_scratch": int((s.labels > 0).sum())}
        for name, predictor in predictors.items():
            row[f"from_{name}_prelabel"] = int((predictor.predict(s.hu, s.spacing_mm).mask != s.labels).sum())
        rows.append(row)
    keys = ("from_scratch", "from_base_prelabel", "from_finetuned_prelabel")
    medians = {key: int(statistics.median(row[key] for row in rows)) for key in keys}
    return {
        "device_profile": device,
        "checkpoints": {"base": base.name, "finetuned": finetuned.name},
        "median": medians,
        "ratio_to_scratch": {key: round(medians[key] / medians["from_scratch"], 3) for key in keys[1:]},
        "slices": len(rows),
        "per_slice": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events and slices (a smoke run)")
    parser.add_argument(
        "--models",
        help="BASE.pt,FINETUNED.pt: also count edits from these model versions' pre-labels (e.g. the demo's "
        "var/media/models/base-v1-*.pt and a version fine-tuned for --device)",
    )
    parser.add_argument("--device", default="B", help="phantom device profile the fine-tuned version is for")
    args = parser.parse_args()
    started = time.time()
    results = {
        "benchmark": "canvas",
        "quick": args.quick,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "browser": "Debian chromium, --disable-gpu",
        },
        "browser": browser_figures(args.quick),
        "labelling_study": labelling_study(range(1, 4 if args.quick else 11)),
    }
    if args.models:
        base, finetuned = (Path(p) for p in args.models.split(","))
        results["labelling_study_models"] = model_labelling_study(base, finetuned, args.device, range(500, 520))
    results["seconds"] = round(time.time() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    brief = {k: v for k, v in results["browser"].items() if k != "saved_mask_bytes"}
    brief["saved_mask_bytes"] = {k: v for k, v in results["browser"]["saved_mask_bytes"].items() if k != "per_mask"}
    models = {k: v for k, v in results.get("labelling_study_models", {}).items() if k != "per_slice"}
    print(json.dumps({"browser": brief, "labelling_study": results["labelling_study"], "models": models}, indent=2))
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
