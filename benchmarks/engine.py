"""Segmentation engine benchmark on the phantom: transfer curve, forgetting matrix, inference speed.

    python benchmarks/engine.py --quick      # a smoke run of a few minutes
    python benchmarks/engine.py --medium     # vnet at full resolution, under an hour on 2 CPU cores
    python benchmarks/engine.py              # the full run (hours on 2 CPU cores)

Writes benchmarks/results/engine[-quick|-medium].json and PNG plots beside it. Runs on CUDA when available
(--torch-device overrides); inference is always timed on CPU with --threads threads.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from segmentation import __version__  # noqa: E402
from segmentation.checkpoint import Checkpoint, ModelSpec, save_checkpoint  # noqa: E402
from segmentation.cohort import phantom_samples  # noqa: E402
from segmentation.evaluate import evaluate, threshold_baseline  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.metrics import dice  # noqa: E402
from segmentation.networks import build  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402
from segmentation.preprocess import (  # noqa: E402
    PreprocessConfig,
    place,  # noqa: E402
    plan,
    probabilities_to_original,
)
from segmentation.train import TrainConfig, train  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ARCH_KWARGS = {"vnet": {"width": 8}, "unet": {"width": 16}, "unetr": {}, "swin_unetr": {}}


@dataclass(frozen=True)
class Plan:
    """How big the run is; --quick shrinks every number."""

    archs: tuple[str, ...] = ("vnet", "unet", "unetr", "swin_unetr")
    ks: tuple[int, ...] = (0, 1, 3, 5, 10, 20)
    matrix: int | None = None  # None: each device's own matrix (512 or 768)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    base_images: int = 40
    test_images: int = 10
    base: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=40, steps_per_epoch=25, patience=8))
    finetune: TrainConfig = field(
        # 180 steps at most: about 4.5 minutes for a VNet width 8 on 2 CPU cores (target: K=10 in <= 5 min)
        default_factory=lambda: TrainConfig(epochs=12, steps_per_epoch=15, patience=4, learning_rate=5e-4)
    )
    forgetting_k: int = 10
    replay_per_device: int = 4
    timing_reps: int = 10


def quick_plan(archs: tuple[str, ...]) -> Plan:
    return Plan(
        archs=archs,
        ks=(0, 1, 3, 5),
        matrix=128,
        preprocess=PreprocessConfig(spacing_mm=4.5, size=96),
        base_images=8,
        test_images=3,
        base=TrainConfig(epochs=8, steps_per_epoch=10, learning_rate=3e-3, patience=4),
        finetune=TrainConfig(epochs=3, steps_per_epoch=8, learning_rate=1e-3, patience=2),
        forgetting_k=3,
        replay_per_device=2,
        timing_reps=3,
    )


def medium_plan(archs: tuple[str, ...]) -> Plan:
    """The default architecture at full resolution, sized to finish in under an hour on 2 CPU cores."""
    return Plan(
        archs=archs,
        ks=(0, 1, 5, 10),
        base_images=20,
        test_images=8,
        base=TrainConfig(epochs=12, steps_per_epoch=25, patience=6),
        forgetting_k=10,
        timing_reps=5,
    )


class PeakMemory:
    """Peak resident memory (MiB) while the block runs, sampled every 20 ms (CUDA: max allocated)."""

    def __enter__(self) -> PeakMemory:
        self.peak, self._stop = _rss_mib(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mib())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if torch.cuda.is_available():
            self.peak_cuda = torch.cuda.max_memory_allocated() / 2**20


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _config(template: TrainConfig, plan: Plan, arch: str, device: str, seed: int = 0) -> TrainConfig:
    return replace(
        template, arch=arch, net_kwargs=ARCH_KWARGS.get(arch, {}), preprocess=plan.preprocess, device=device, seed=seed
    )


def _data(plan: Plan) -> dict[str, dict[str, list]]:
    """Per device: train images (seeds 0..) and test images (seeds 1000..), disjoint subjects."""
    n_train = max(plan.base_images, max(plan.ks), plan.forgetting_k)
    return {
        key: {
            "train": phantom_samples(key, range(n_train), matrix=plan.matrix),
            "test": phantom_samples(key, range(1000, 1000 + plan.test_images), matrix=plan.matrix),
        }
        for key in "ABCD"
    }


def _score(path: Path, samples: list, threads: int, device: str) -> dict:
    result = evaluate(Predictor(path, device=device, threads=threads), samples, with_hd95=True)
    return {"dice": result.dice_mean, "dice_sd": result.dice_sd, "sma_error_median": result.sma_error_median,
            "hd95_mm": result.hd95_mm_median}  # fmt: skip


def _fit(samples, path: Path, config: TrainConfig, **kwargs) -> dict:
    with PeakMemory() as memory:
        started = time.perf_counter()
        result = train(samples, path, config, resume=False, **kwargs)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mib": memory.peak, "epochs": result.epochs_run}


def transfer_curve(plan: Plan, data: dict, work: Path, device: str, threads: int) -> dict:
    curves = {}
    for arch in plan.archs:
        base = work / f"base-{arch}.pt"
        base_fit = _fit(data["A"]["train"][: plan.base_images], base, _config(plan.base, plan, arch, device))
        rows = []
        for k in plan.ks:
            for mode in ("transfer", "scratch"):
                if k == 0:
                    if mode == "scratch":
                        continue
                    rows.append(
                        {"k": 0, "mode": mode, "seconds": 0.0, **_score(base, data["B"]["test"], threads, device)}
                    )
                    continue
                path = work / f"{arch}-{mode}-{k}.pt"
                template = plan.finetune if mode == "transfer" else plan.base
                parent = base if mode == "transfer" else None
                fit = _fit(data["B"]["train"][:k], path, _config(template, plan, arch, device, seed=k), parent=parent)
                rows.append({"k": k, "mode": mode, **fit, **_score(path, data["B"]["test"], threads, device)})
                print(json.dumps({"arch": arch, **rows[-1]}), flush=True)
        curves[arch] = {
            "base_training": base_fit,
            "base_on_A": _score(base, data["A"]["test"], threads, device),
            "rows": rows,
        }
    return curves


def forgetting(plan: Plan, data: dict, work: Path, device: str, threads: int, arch: str) -> dict:
    matrices = {}
    for replay_on in (False, True):
        rows, parent, seen = [], None, []
        for step, key in enumerate("ABCD"):
            path = work / f"forget-{replay_on}-{key}.pt"
            template = plan.base if parent is None else plan.finetune
            images = data[key]["train"][: plan.base_images if parent is None else plan.forgetting_k]
            replay = [s for prior in seen for s in data[prior]["train"][: plan.replay_per_device]] if replay_on else []
            _fit(images, path, _config(template, plan, arch, device, seed=step), parent=parent, replay=replay)
            rows.append({target: _score(path, data[target]["test"], threads, device)["dice"] for target in "ABCD"})
            parent, seen = path, [*seen, key]
        matrices["with_replay" if replay_on else "without_replay"] = rows
    return matrices


def _time_predictor(predictor: Predictor, hu: np.ndarray, spacing, reps: int) -> float:
    predictor.predict(hu, spacing)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        predictor.predict(hu, spacing)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


@torch.inference_mode()
def _time_plain_monai_vnet(hu: np.ndarray, reps: int) -> float:
    model = build("monai_vnet", 3).eval()
    tensor = torch.from_numpy(hu.astype(np.float32))[None, None] / 1000
    model(tensor)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        model(tensor).argmax(1)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


def _timing_checkpoint(work: Path, name: str, arch: str, kwargs: dict) -> Path:
    """Untrained weights at the default preprocessing: speed does not depend on the weights."""
    path = work / f"timing-{name}.pt"
    spec = ModelSpec(arch, kwargs, preprocess=PreprocessConfig())
    save_checkpoint(path, Checkpoint(spec, spec.build().state_dict(), [], __version__))
    return path


def inference(plan: Plan, work: Path, threads: int, trained: dict[str, Path], test: list) -> dict:
    """ms per 512x512 slice (whole predict: preprocessing, network, mapping back) at the default
    preprocessing, channels-last vs contiguous; and the Dice of both layouts with the trained models."""
    torch.set_num_threads(threads)
    image = make_slice(12345, "A")  # a 512 x 512 slice
    results = {"threads": threads, "slice": list(image.hu.shape), "preprocess": vars(PreprocessConfig())}
    results["monai_vnet_eager_512_ms"] = _time_plain_monai_vnet(image.hu, plan.timing_reps)
    variants = {arch: (arch, kwargs) for arch, kwargs in ARCH_KWARGS.items()}  # timed even when not trained
    variants["vnet_width16"] = ("vnet", {"width": 16})
    for name, (arch, kwargs) in variants.items():
        path, row = _timing_checkpoint(work, name, arch, kwargs), {}
        for layout in ("channels_last", "contiguous"):
            predictor = Predictor(path, device="cpu", threads=threads, channels_last=layout == "channels_last")
            row[f"{layout}_ms"] = _time_predictor(predictor, image.hu, image.spacing_mm, plan.timing_reps)
        if name in trained:
            for layout in ("channels_last", "contiguous"):
                predictor = Predictor(
                    trained[name], device="cpu", threads=threads, channels_last=layout == "channels_last"
                )
                row[f"trained_{layout}_dice"] = evaluate(predictor, test, with_hd95=False).dice_mean
        results[name] = row
    return results


def resolution_ceiling(spacings=((1.5, 320), (2.0, 256), (2.25, 192), (3.0, 160), (4.5, 96))) -> dict:
    """Best muscle Dice any network can reach at each model spacing: exact labels averaged down to the
    model grid (soft, as ideal probabilities), mapped back and thresholded, on 512/768 slices."""
    images = [make_slice(seed, key) for seed in range(1000, 1002) for key in "ABCD"]
    ceiling = {}
    for spacing, size in spacings:
        config, scores = PreprocessConfig(spacing_mm=spacing, size=size), []
        for image in images:
            geometry = plan(image.labels.shape, image.spacing_mm, config)
            one_hot = F.one_hot(torch.from_numpy(image.labels.astype(np.int64)), 3).permute(2, 0, 1).float()[None]
            soft = F.interpolate(one_hot, size=geometry.resampled, mode="bilinear", antialias=True)[0]
            canvas = place(soft, geometry, 0.0)
            canvas[0][canvas.sum(0) == 0] = 1
            back = probabilities_to_original(canvas, geometry).argmax(0).numpy()
            scores.append(dice(back, image.labels))
        ceiling[f"{spacing}mm_{size}px"] = float(np.mean(scores))
    return ceiling


def _phantom_rate(count: int = 30) -> float:
    started = time.perf_counter()
    for seed in range(count):
        make_slice(seed, "A")  # 512 x 512
    return count / (time.perf_counter() - started) * 60


def summary(report: dict) -> dict:
    """Per architecture: transfer Dice at K=5 and K=10, fine-tune time, and ms per 512 slice."""
    rows = {}
    for arch, curve in report["transfer"].items():
        by_k = {r["k"]: r for r in curve["rows"] if r["mode"] == "transfer"}
        rows[arch] = {f"k{k}_dice": by_k[k]["dice"] for k in (5, 10) if k in by_k} | {
            f"k{k}_finetune_s": by_k[k]["seconds"] for k in (5, 10) if k in by_k
        }
        rows[arch]["infer_ms"] = report["inference"][arch]["channels_last_ms"]
    return rows


def plots(report: dict, folder: Path, suffix: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    figure, axis = plt.subplots(figsize=(6, 4))
    for arch, curve in report["transfer"].items():
        for mode, style in (("transfer", "-o"), ("scratch", "--x")):
            rows = [r for r in curve["rows"] if r["mode"] == mode]
            axis.plot([r["k"] for r in rows], [r["dice"] for r in rows], style, label=f"{arch} {mode}")
    axis.axhline(report["hu_threshold_baseline_B"]["dice_mean"], color="grey", ls=":", label="best HU threshold")
    axis.set(xlabel="SEED images K on device B", ylabel="muscle Dice on B test", title="Transfer A -> B")
    axis.legend(fontsize=7)
    written.append(_save(figure, folder / f"engine{suffix}-transfer.png"))
    for name, rows in report["forgetting"]["matrices"].items():
        figure, axis = plt.subplots(figsize=(4, 3.5))
        matrix = np.array([[row[d] for d in "ABCD"] for row in rows])
        axis.imshow(matrix, vmin=0, vmax=1, cmap="viridis")
        for (i, j), value in np.ndenumerate(matrix):
            axis.text(j, i, f"{value:.2f}", ha="center", va="center", color="white", fontsize=8)
        axis.set(xticks=range(4), xticklabels=list("ABCD"), yticks=range(4), yticklabels=[f"after {d}" for d in "ABCD"])
        axis.set_title(f"Dice, {name.replace('_', ' ')}")
        written.append(_save(figure, folder / f"engine{suffix}-forgetting-{name}.png"))
    timing = report["inference"]
    figure, axis = plt.subplots(figsize=(6, 3.5))
    timed = [name for name, row in timing.items() if isinstance(row, dict) and "channels_last_ms" in row]
    names = ["monai_vnet eager 512", *timed]
    values = [timing["monai_vnet_eager_512_ms"]] + [timing[name]["channels_last_ms"] for name in timed]
    axis.bar(names, values)
    axis.axhline(100, color="red", ls=":", label="100 ms target")
    axis.set(ylabel=f"ms per 512x512 slice, {timing['threads']} threads", yscale="log")
    axis.legend()
    written.append(_save(figure, folder / f"engine{suffix}-inference.png"))
    return written


def _save(figure, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return str(path)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few minutes")
    parser.add_argument("--medium", action="store_true", help="vnet at full resolution, under an hour on 2 cores")
    parser.add_argument("--archs", default=None, help="comma list (quick default: vnet,unet)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--torch-device", default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    archs = tuple(args.archs.split(",")) if args.archs else None
    if args.quick:
        plan = quick_plan(archs or ("vnet", "unet"))
    elif args.medium:
        plan = medium_plan(archs or ("vnet",))
    else:
        plan = Plan(**({"archs": archs} if archs else {}))
    started = time.perf_counter()
    data = _data(plan)
    report: dict = {
        "code_version": __version__,
        "quick": args.quick,
        "medium": args.medium,
        "plan": _plain(plan),
        "machine": _machine(args),
    }
    report["hu_threshold_baseline_B"] = threshold_baseline(data["B"]["test"])
    report["resolution_ceiling_dice"] = resolution_ceiling()
    report["phantom_slices_per_minute"] = _phantom_rate()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        report["transfer"] = transfer_curve(plan, data, work, args.torch_device, args.threads)
        first = plan.archs[0]
        report["forgetting"] = {
            "arch": first,
            "matrices": forgetting(plan, data, work, args.torch_device, args.threads, first),
        }
        trained = {arch: work / f"base-{arch}.pt" for arch in plan.archs}
        report["inference"] = inference(plan, work, args.threads, trained, data["A"]["test"])
    report["summary"] = summary(report)
    report["seconds"] = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else "-medium" if args.medium else ""
    report["plots"] = plots(report, args.out, suffix)
    (args.out / f"engine{suffix}.json").write_text(json.dumps(report, indent=1, default=str))
    print(json.dumps({"written": str(args.out / f"engine{suffix}.json"), "seconds": report["seconds"]}))
    return report


def _plain(plan: Plan) -> dict:
    values = {"archs": list(plan.archs), "ks": list(plan.ks), "matrix": plan.matrix, "base_images": plan.base_images}
    values.update(test_images=plan.test_images, forgetting_k=plan.forgetting_k, replay=plan.replay_per_device)
    return {**values, "preprocess": vars(plan.preprocess), "base": repr(plan.base), "finetune": repr(plan.finetune)}


def _machine(args: argparse.Namespace) -> dict:
    return {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "threads": args.threads, "cuda": torch.cuda.is_available(), "device": args.torch_device}  # fmt: skip


if __name__ == "__main__":
    main()
