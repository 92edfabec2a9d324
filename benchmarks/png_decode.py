"""Mask PNG decoding in Chromium: can the browser's own decoders replace a hand-written inflate?

The labelling and review pages fetch label maps as 8-bit grayscale PNGs (annotations.masks.mask_encode, the
server's own encoder) and need the exact label value of every pixel. This benchmark decodes the same PNGs in
headless Chromium four ways and checks each pixel against the array that was encoded:

- decompression_stream: codec.js decodePNG: chunks and CRCs in JS, IDAT through the browser's
  DecompressionStream('deflate'), PNG row filters undone in JS (what the pages use);
- image_bitmap: createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' }), drawn on
  a canvas and read back with getImageData (red channel);
- img_canvas: an <img> from a blob URL, drawn on a canvas, read back with getImageData (red channel);
and, for the zlib stream alone (the IDAT chunks), DecompressionStream against codec.js's former hand-written
inflate (labelling/inflate.js, read from git at --js-inflate-ref; skipped when that commit lacks it).

Label maps: phantom L3 and liver-level slices of every device (512 x 512), and a worst case of random labels.
Writes benchmarks/results/png-decode.json.

Usage: .venv/bin/python benchmarks/png_decode.py [--repeats N] [--js-inflate-ref COMMIT]
       (needs Debian's chromium and playwright)
"""

import argparse
import base64
import json
import mimetypes
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "frontend" / "static"
RESULTS = ROOT / "benchmarks" / "results" / "png-decode.json"
ORIGIN = "http://harness.local"
INFLATE_PATH = "frontend/static/js/labelling/inflate.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "bench", "MUSCLESEED_DEID_SALT": "bench"})
os.environ.setdefault("MUSCLESEED_VAR_DIR", "/tmp/muscleseed-bench-png")
sys.path.insert(0, str(ROOT / "backend"))

import django  # noqa: E402

django.setup()
from annotations.masks import mask_encode  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402

PAGE = """<!doctype html><meta charset="utf-8"><title>png decode</title>
<script type="module">
import { decodePNG } from "/static/js/labelling/codec.js";
window.decoders = { decompression_stream: (bytes) => decodePNG(bytes).then((mask) => mask.data) };
async function redChannel(source, width, height) {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0);
  const rgba = context.getImageData(0, 0, width, height).data;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4];
  return out;
}
window.decoders.image_bitmap = async (bytes) => {
  const blob = new Blob([bytes], { type: "image/png" });
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  return redChannel(bitmap, bitmap.width, bitmap.height);
};
window.decoders.img_canvas = async (bytes) => {
  const url = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
  const img = new Image();
  img.src = url;
  await img.decode();
  URL.revokeObjectURL(url);
  return redChannel(img, img.naturalWidth, img.naturalHeight);
};
// The zlib stream alone (the IDAT chunks joined), for the inflate-only comparison.
window.idat = (bytes) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset), parts = [];
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at), type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "IDAT") parts.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};
const streamInflate = async (zlib) => {
  const stream = new Blob([zlib]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
};
window.inflaters = { decompression_stream: streamInflate };
try {
  const { inflateZlib } = await import("/bench/inflate.js");
  window.inflaters.js_inflate = async (zlib) => inflateZlib(zlib);
} catch { /* no hand-written inflate at this ref */ }
window.ready = true;
</script>"""

# Inflates every PNG's IDAT `repeats` times; `agree`: the output equals DecompressionStream's byte for byte.
INFLATE_JS = """async ({ name, pngs, repeats }) => {
  const inflate = window.inflaters[name];
  if (!inflate) return null;
  const streams = pngs.map((text) => window.idat(Uint8Array.from(atob(text), (c) => c.charCodeAt(0))));
  const times = [];
  let agree = true;
  for (const zlib of streams) {
    const [ours, reference] = [await inflate(zlib), await window.inflaters.decompression_stream(zlib)];
    if (ours.length !== reference.length || ours.some((v, k) => v !== reference[k])) agree = false;
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      await inflate(zlib);
      times.push(performance.now() - start);
    }
  }
  return { times, agree };
}"""

# Decodes every PNG `repeats` times with one decoder; returns per-image times and whether every pixel matched.
RUN_JS = """async ({ name, pngs, truths, repeats }) => {
  const decode = window.decoders[name];
  if (!decode) return null;
  const unpack = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const images = pngs.map(unpack), expected = truths.map(unpack);
  const times = [];
  let exact = true, firstMismatch = null;
  for (let i = 0; i < images.length; i++) {
    const data = await decode(images[i]);
    const bad = data.length !== expected[i].length ? 0 : expected[i].findIndex((v, k) => v !== data[k]);
    if (data.length !== expected[i].length || bad >= 0) { exact = false; firstMismatch ??= { image: i, pixel: bad }; }
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      await decode(images[i]);
      times.push(performance.now() - start);
    }
  }
  return { times, exact, firstMismatch };
}"""


def label_maps() -> list[tuple[str, np.ndarray]]:
    maps = [
        (f"phantom {device} {level}", make_slice(1, device, level).labels)
        for device in "ABCD"
        for level in ("L3", "liver")
    ]
    rng = np.random.default_rng(7)
    maps.append(("random labels 0-2 (worst case)", rng.integers(0, 3, size=(512, 512), dtype=np.uint8)))
    return maps


def inflate_source(ref: str) -> bytes | None:
    try:
        return subprocess.run(
            ["git", "show", f"{ref}:{INFLATE_PATH}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except subprocess.CalledProcessError:
        return None


def handler(inflate_js: bytes | None):
    def handle(route):
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/":
            return route.fulfill(status=200, body=PAGE, headers={"Content-Type": "text/html"})
        if path == "/bench/inflate.js" and inflate_js:
            # its own import of ./checksums.js resolves under /bench/: point it at the real module
            body = inflate_js.replace(b'"./checksums.js"', b'"/static/js/labelling/checksums.js"')
            return route.fulfill(status=200, body=body, headers={"Content-Type": "text/javascript"})
        file = STATIC / path.removeprefix("/static/")
        if path.startswith("/static/") and file.is_file():
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return route.fulfill(status=200, body=file.read_bytes(), headers={"Content-Type": kind})
        return route.fulfill(status=404, body="not in the harness")

    return handle


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "n": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--js-inflate-ref", default="0c85a24", help="a commit that still has labelling/inflate.js")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    maps = label_maps()
    pngs = [mask_encode(labels) for _, labels in maps]
    payload = {
        "pngs": [base64.b64encode(png).decode() for png in pngs],
        "truths": [
            base64.b64encode(np.ascontiguousarray(labels, dtype=np.uint8).tobytes()).decode() for _, labels in maps
        ],
        "repeats": args.repeats,
    }
    inflate_js = inflate_source(args.js_inflate_ref)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", handler(inflate_js))
        page.goto(f"{ORIGIN}/")
        page.wait_for_function("() => window.ready === true")
        decoders, inflaters = {}, {}
        for name in ("decompression_stream", "image_bitmap", "img_canvas"):
            result = page.evaluate(RUN_JS, {"name": name, **payload})
            decoders[name] = {
                "exact": result["exact"],
                "first_mismatch": result["firstMismatch"],
                **summary(result["times"]),
            }
            print(
                f"decode  {name:22s} exact={result['exact']!s:5s} median {decoders[name]['median_ms']} ms", flush=True
            )
        for name in ("decompression_stream", "js_inflate"):
            result = page.evaluate(INFLATE_JS, {"name": name, **payload})
            if result is None:
                inflaters[name] = {"skipped": f"no {INFLATE_PATH} at {args.js_inflate_ref}"}
                continue
            inflaters[name] = {"agrees_with_decompression_stream": result["agree"], **summary(result["times"])}
            print(
                f"inflate {name:22s} agree={result['agree']!s:5s} median {inflaters[name]['median_ms']} ms", flush=True
            )
        version = browser.version
        browser.close()
    result = {
        "benchmark": "png-decode",
        "command": "benchmarks/png_decode.py " + " ".join(sys.argv[1:]),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "browser": f"Debian chromium {version}, --disable-gpu",
        },
        "images": [
            {"name": name, "shape": list(labels.shape), "png_bytes": len(png)}
            for (name, labels), png in zip(maps, pngs, strict=True)
        ],
        "per_image_decode": decoders,
        "per_image_inflate_only": inflaters,
        "js_inflate_ref": args.js_inflate_ref if inflate_js else None,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
