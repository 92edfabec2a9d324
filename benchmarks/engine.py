"""Segmentation engine benchmark on the phantom: transfer curve, forgetting matrix, inference speed.

    python benchmarks/engine.py --quick      # a smoke run of a few minutes
    python benchmarks/engine.py --medium     # the default architecture only (~70 min on 2 CPU cores)
    python benchmarks/engine.py              # all four architectures (~105 min on 2 CPU cores)

Writes benchmarks/results/engine[-quick|-medium].json and PNG plots beside it. Runs on CUDA when available
(--torch-device overrides); inference is always timed on CPU with --threads threads. --keep DIR keeps every
trained model (for benchmarks/onnx_inference.py --checkpoint DIR/base-unet-900s.pt, or for
--headline-base DIR/base-unet-900s.pt, which starts the headline and forgetting sections from that base
instead of training one: --sections forgetting --headline-base ... --replay-only --replay-fraction 0.5
tries another replay share in a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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

from monai.losses import DiceCELoss  # noqa: E402

from segmentation import DEFAULT_ARCH, __version__  # noqa: E402
from segmentation.augment import AugmentConfig, augment  # noqa: E402
from segmentation.checkpoint import Checkpoint, ModelSpec, save_checkpoint  # noqa: E402
from segmentation.cohort import phantom_samples  # noqa: E402
from segmentation.evaluate import evaluate, threshold_baseline  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.metrics import dice, relative_sma_error  # noqa: E402
from segmentation.networks import DEFAULT_OPTIONS, FIXED_INPUT_SIZE, build  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402
from segmentation.preprocess import (  # noqa: E402
    PreprocessConfig,
    label_fractions_to_model,
    labels_to_model,
    plan,
    probabilities_to_original,
)
from segmentation.train import DEFAULT_CROP, TrainConfig, resolve_device, train  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
# each architecture exactly as the product builds it by default (networks.DEFAULT_OPTIONS)
ARCH_KWARGS = {arch: dict(DEFAULT_OPTIONS.get(arch, {})) for arch in ("unet", "vnet", "unetr", "swin_unetr")}
# "upper": the headline recipe trained on device B's own images, what transfer could reach at best there
SECTIONS = ("ceiling", "headline", "forgetting", "upper", "transfer", "inference")


@dataclass(frozen=True)
class Plan:
    """How big the run is. Every fit gets a wall-clock budget on this machine: the number of steps is
    the budget divided by the architecture's measured seconds per step, so architectures are compared
    at equal CPU time (accuracy per unit of CPU time)."""

    archs: tuple[str, ...] = ("unet", "vnet", "unetr", "swin_unetr")
    ks: tuple[int, ...] = (0, 1, 3, 5, 10, 20)
    matrix: int | None = None  # None: each device's own matrix (512 or 768)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    crop: int | None = DEFAULT_CROP
    base_images: int = 40
    test_images: int = 10
    base_seconds: float = 240.0  # every architecture's base model: the comparison at equal CPU time
    finetune_seconds: float = 30.0
    scratch_seconds: float = 30.0  # the same CPU time as a fine-tune: what transfer buys at equal cost
    # the default architecture again with a longer-trained base (a base model is trained once, a
    # fine-tune once per device) and fine-tunes of the length the product allows (a K=10 fine-tune within
    # 5 minutes): the headline transfer curve and the forgetting matrix start from it
    headline_base_seconds: float = 900.0
    headline_finetune_seconds: float = 240.0
    forgetting_seconds: float = 120.0  # each step of the sequence A -> B -> C -> D
    epochs: int = 10  # validation and checkpoint points per fit
    base: TrainConfig = field(default_factory=lambda: TrainConfig(learning_rate=3e-3, schedule="cosine"))
    finetune: TrainConfig = field(default_factory=lambda: TrainConfig(learning_rate=1e-3, schedule="cosine"))
    forgetting_k: int = 10
    replay_per_device: int = 4
    forgetting_replay: tuple[bool, ...] = (False, True)  # the sequence without and with replay
    # early stopping of each step in the sequence on its K images and the replay images (every device seen
    # so far), instead of on its K images alone
    validate_seen: bool = False
    timing_reps: int = 10


def quick_plan(archs: tuple[str, ...]) -> Plan:
    return Plan(
        archs=archs,
        ks=(0, 1, 3, 5),
        matrix=128,
        preprocess=PreprocessConfig(spacing_mm=4.5, size=96),
        crop=None,
        base_images=8,
        test_images=3,
        base_seconds=20.0,
        finetune_seconds=5.0,
        scratch_seconds=5.0,
        headline_base_seconds=30.0,
        headline_finetune_seconds=8.0,
        forgetting_seconds=5.0,
        epochs=4,
        forgetting_k=3,
        replay_per_device=2,
        timing_reps=3,
    )


def medium_plan(archs: tuple[str, ...]) -> Plan:
    """The default architecture only: its equal-time curve, the headline curve and the forgetting matrix."""
    return Plan(archs=archs, timing_reps=5)


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


def _crop(plan: Plan, arch: str) -> int | None:
    return None if arch in FIXED_INPUT_SIZE else plan.crop


def seconds_per_step(plan: Plan, arch: str, device: str, batch_size: int = 4, reps: int = 10) -> float:
    """One training step as train() runs it: augment the whole canvas, crop, forward, Dice-CE loss on
    label fractions, backward, AdamW; the median of `reps` steps after 3 warm-up steps."""
    torch_device = resolve_device(device)
    size, crop = plan.preprocess.size, _crop(plan, arch)
    model = build(arch, 3, img_size=size, **ARCH_KWARGS.get(arch, {})).to(torch_device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-4)
    step_model = torch.compile(model) if plan.base.compile else model
    loss_fn = DiceCELoss(softmax=True, batch=True)
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(batch_size, 1, size, size, generator=generator) * 2 - 1
    labels = torch.softmax(torch.randn(batch_size, 3, size, size, generator=generator), 1)
    times = []
    for rep in range(reps + 3):
        started = time.perf_counter()
        batch, targets = augment(images, labels, AugmentConfig(), generator)
        if crop is not None and crop < size:
            batch, targets = batch[..., :crop, :crop].contiguous(), targets[..., :crop, :crop].contiguous()
        optimiser.zero_grad()
        loss_fn(step_model(batch.to(torch_device)), targets.to(torch_device)).backward()
        optimiser.step()
        if torch_device.type == "cuda":
            torch.cuda.synchronize()
        if rep == 0:  # with compile: the compilation (cold, or from inductor's disk cache)
            _FIRST_STEP_SECONDS[arch, device] = time.perf_counter() - started
        if rep >= 3:
            times.append(time.perf_counter() - started)
    return float(np.median(times))


def _config(
    template: TrainConfig, plan: Plan, arch: str, device: str, seconds: float, step_s: float, seed: int = 0
) -> TrainConfig:
    steps = max(plan.epochs, round(seconds / step_s))
    return replace(
        template, arch=arch, net_kwargs=ARCH_KWARGS.get(arch, {}), preprocess=plan.preprocess, device=device,
        seed=seed, crop=_crop(plan, arch), epochs=plan.epochs, steps_per_epoch=max(1, steps // plan.epochs),
        patience=plan.epochs,
    )  # fmt: skip


def _data(plan: Plan, upper: bool = False) -> dict[str, dict[str, list]]:
    """Per device: train images (seeds 0..), validation (seeds 500..) and test images (seeds 1000..):
    disjoint subjects. Fine-tunes validate on their own K images, as they would in the product. With
    `upper`, device B gets as many training images as the base device."""
    n_other = max(max(plan.ks), plan.forgetting_k, plan.replay_per_device)
    return {
        key: {
            "train": phantom_samples(
                key,
                range(max(plan.base_images, n_other) if key == "A" or (upper and key == "B") else n_other),
                matrix=plan.matrix,
            ),
            "val": phantom_samples(key, range(500, 504), matrix=plan.matrix),
            "test": phantom_samples(key, range(1000, 1000 + plan.test_images), matrix=plan.matrix),
        }
        for key in "ABCD"
    }


def _score(path: Path, samples: list, threads: int, device: str, compare: bool = True) -> dict:
    """Muscle scores of the plain prediction; with `compare`, also Dice and SMA error with flip averaging,
    and those of the plain prediction on the whole canvas instead of the body box (body_crop=False)."""
    result = evaluate(Predictor(path, device=device, threads=threads), samples, with_hd95=True)
    scores = {"dice": result.dice_mean, "dice_sd": result.dice_sd, "sma_error_median": result.sma_error_median,
              "hd95_mm": result.hd95_mm_median}  # fmt: skip
    if compare:
        flipped = evaluate(Predictor(path, device=device, threads=threads, flip=True), samples, with_hd95=False)
        scores |= {"dice_flip": flipped.dice_mean, "sma_error_median_flip": flipped.sma_error_median}
        whole = evaluate(Predictor(path, device=device, threads=threads, body_crop=False), samples, with_hd95=False)
        scores |= {"dice_whole_canvas": whole.dice_mean, "sma_error_median_whole_canvas": whole.sma_error_median}
    return scores


def _fit(samples, path: Path, config: TrainConfig, **kwargs) -> dict:
    with PeakMemory() as memory:
        started = time.perf_counter()
        result = train(samples, path, config, resume=False, **kwargs)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mib": memory.peak, "epochs": result.epochs_run}


_STEP_SECONDS: dict[tuple[str, str], float] = {}
_FIRST_STEP_SECONDS: dict[tuple[str, str], float] = {}


def _step_seconds(plan: Plan, arch: str, device: str) -> float:
    """seconds_per_step, measured once per architecture in a run, so every fit of it gets the same rate."""
    if (arch, device) not in _STEP_SECONDS:
        _STEP_SECONDS[arch, device] = seconds_per_step(plan, arch, device)
    return _STEP_SECONDS[arch, device]


def transfer_curve(
    plan: Plan,
    data: dict,
    work: Path,
    device: str,
    threads: int,
    archs: tuple[str, ...],
    base_seconds: float,
    finetune_seconds: float,
    scratch: bool = True,  # the scratch fits do not depend on the base: run them once per architecture
    on_arch=None,  # called with the curves so far after each architecture (partial reports)
    reused_base: Path | None = None,  # an earlier run's base for the (single) architecture: not trained again
) -> dict:
    curves = {}
    for arch in archs:
        step_s = _step_seconds(plan, arch, device)
        base = _base_path(work, arch, base_seconds)
        if reused_base is not None:
            shutil.copy2(reused_base, base)
            base_fit = {"reused": str(reused_base)}
        else:
            base_config = _config(plan.base, plan, arch, device, base_seconds, step_s)
            base_fit = _fit(data["A"]["train"][: plan.base_images], base, base_config, val_samples=data["A"]["val"])
            base_fit["steps"] = base_config.epochs * base_config.steps_per_epoch
        print(json.dumps({"arch": arch, "seconds_per_step": step_s, "base": base_fit}), flush=True)
        rows = []
        for k in plan.ks:
            for mode in ("transfer", "scratch") if scratch else ("transfer",):
                if k == 0:
                    if mode == "transfer":
                        score = _score(base, data["B"]["test"], threads, device)
                        rows.append({"k": 0, "mode": mode, "seconds": 0.0, **score})
                    continue
                path = work / f"{arch}-{base_seconds:.0f}-{mode}-{k}.pt"
                template, seconds, parent = (
                    (plan.finetune, finetune_seconds, base) if mode == "transfer"
                    else (plan.base, plan.scratch_seconds, None)
                )  # fmt: skip
                config = _config(template, plan, arch, device, seconds, step_s, seed=k)
                fit = _fit(data["B"]["train"][:k], path, config, parent=parent)
                fit["steps"] = config.epochs * config.steps_per_epoch
                rows.append({"k": k, "mode": mode, **fit, **_score(path, data["B"]["test"], threads, device)})
                print(json.dumps({"arch": arch, **rows[-1]}), flush=True)
        curves[arch] = {
            "seconds_per_step": step_s,
            "first_step_seconds": _FIRST_STEP_SECONDS.get((arch, device)),
            "base_training": base_fit,
            "base_on_A": _score(base, data["A"]["test"], threads, device),
            "rows": rows,
        }
        if on_arch:
            on_arch(curves)
    return curves


def upper_bound(plan: Plan, data: dict, work: Path, device: str, threads: int, arch: str) -> dict:
    """The headline base recipe (same images, steps and schedule) trained and validated on device B instead
    of A: the best the transfer curve on B could hope for at this training budget."""
    step_s = _step_seconds(plan, arch, device)
    path = work / f"upper-B-{arch}.pt"
    config = _config(plan.base, plan, arch, device, plan.headline_base_seconds, step_s)
    fit = _fit(data["B"]["train"][: plan.base_images], path, config, val_samples=data["B"]["val"])
    fit["steps"] = config.epochs * config.steps_per_epoch
    result = {"arch": arch, "train_images": plan.base_images, "training": fit}
    result["on_B"] = _score(path, data["B"]["test"], threads, device)
    result["on_A"] = _score(path, data["A"]["test"], threads, device)
    print(json.dumps({"upper_bound_B": result}), flush=True)
    return result


def _base_path(work: Path, arch: str, base_seconds: float) -> Path:
    return work / f"base-{arch}-{base_seconds:.0f}s.pt"


def forgetting(plan: Plan, data: dict, work: Path, device: str, threads: int, arch: str) -> dict:
    """A (the headline base model), then B, C, D in turn with forgetting_k images each."""
    step_s = _step_seconds(plan, arch, device)
    base = _base_path(work, arch, plan.headline_base_seconds)
    first = {target: _score(base, data[target]["test"], threads, device, compare=False)["dice"] for target in "ABCD"}
    matrices = {}
    for replay_on in plan.forgetting_replay:
        rows, parent, seen = [first], base, ["A"]
        for step, key in enumerate("BCD", start=1):
            path = work / f"forget-{replay_on}-{key}.pt"
            config = _config(plan.finetune, plan, arch, device, plan.forgetting_seconds, step_s, seed=step)
            replay = [s for prior in seen for s in data[prior]["train"][: plan.replay_per_device]] if replay_on else []
            images = data[key]["train"][: plan.forgetting_k]
            val = [*images, *replay] if plan.validate_seen else ()
            _fit(images, path, config, parent=parent, replay=replay, val_samples=val)
            scores = {target: _score(path, data[target]["test"], threads, device, compare=False) for target in "ABCD"}
            rows.append({target: score["dice"] for target, score in scores.items()})
            print(json.dumps({"forgetting": arch, "replay": replay_on, "after": key, **rows[-1]}), flush=True)
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


def _timing_checkpoint(work: Path, name: str, arch: str, kwargs: dict, preprocess: PreprocessConfig) -> Path:
    """Untrained weights: speed does not depend on the weights."""
    path = work / f"timing-{name}.pt"
    spec = ModelSpec(arch, kwargs, preprocess=preprocess)
    save_checkpoint(path, Checkpoint(spec, spec.build().state_dict(), [], __version__))
    return path


def inference(plan: Plan, work: Path, threads: int, trained: dict[str, Path], test: list) -> dict:
    """ms per 512x512 slice (whole predict: preprocessing, network, mapping back) at the plan's
    preprocessing, channels-last vs contiguous; and the Dice of both layouts with the trained models.
    A few variants at a coarser model grid show what the finer grid costs."""
    torch.set_num_threads(threads)
    image = make_slice(12345, "A")  # a 512 x 512 slice
    results = {"threads": threads, "slice": list(image.hu.shape), "preprocess": vars(plan.preprocess)}
    results["monai_vnet_eager_512_ms"] = _time_plain_monai_vnet(image.hu, plan.timing_reps)
    coarse = PreprocessConfig(spacing_mm=2.25, size=192)
    variants = {arch: (arch, kwargs, plan.preprocess) for arch, kwargs in ARCH_KWARGS.items()}  # even untrained
    variants["vnet_width16"] = ("vnet", {"width": 16}, plan.preprocess)
    if plan.preprocess != coarse:
        for arch in ("unet", "vnet", "swin_unetr"):
            variants[f"{arch}_2.25mm_192px"] = (arch, ARCH_KWARGS[arch], coarse)
    for name, (arch, kwargs, preprocess) in variants.items():
        path, row = _timing_checkpoint(work, name, arch, kwargs, preprocess), {}
        for layout in ("channels_last", "contiguous"):
            predictor = Predictor(path, device="cpu", threads=threads, channels_last=layout == "channels_last")
            row[f"{layout}_ms"] = _time_predictor(predictor, image.hu, image.spacing_mm, plan.timing_reps)
        if arch == DEFAULT_ARCH:  # flip averaging runs the network twice
            predictor = Predictor(path, device="cpu", threads=threads, flip=True)
            row["channels_last_flip_ms"] = _time_predictor(predictor, image.hu, image.spacing_mm, plan.timing_reps)
            predictor = Predictor(path, device="cpu", threads=threads, body_crop=False)
            row["channels_last_whole_canvas_ms"] = _time_predictor(
                predictor, image.hu, image.spacing_mm, plan.timing_reps
            )
        if name in trained:
            for layout in ("channels_last", "contiguous"):
                predictor = Predictor(
                    trained[name], device="cpu", threads=threads, channels_last=layout == "channels_last"
                )
                row[f"trained_{layout}_dice"] = evaluate(predictor, test, with_hd95=False).dice_mean
        results[name] = row
    return results


def resolution_ceiling(
    spacings=((0.8, 544), (1.0, 448), (1.5, 288), (2.25, 192), (3.0, 160), (4.5, 96)),
) -> dict:
    """Best muscle Dice and median SMA error any network can reach at each model spacing: exact label
    fractions on the model grid (ideal probabilities), mapped back and thresholded, on 512/768 slices;
    and the same with nearest-neighbour labels (what a network trained on them can learn at best)."""
    images = [make_slice(seed, key) for seed in range(1000, 1003) for key in "ABCD"]
    ceiling = {}
    for spacing, size in spacings:
        config = PreprocessConfig(spacing_mm=spacing, size=size)
        row = {}
        for kind in ("fractions", "nearest"):
            scores, errors = [], []
            for image in images:
                geometry = plan(image.labels.shape, image.spacing_mm, config)
                if kind == "fractions":
                    canvas = label_fractions_to_model(image.labels, image.spacing_mm, config, 3)
                else:
                    nearest = labels_to_model(image.labels, image.spacing_mm, config)
                    canvas = F.one_hot(nearest, 3).permute(2, 0, 1).float()
                back = probabilities_to_original(canvas, geometry).argmax(0).numpy()
                scores.append(dice(back, image.labels))
                errors.append(abs(relative_sma_error(image.hu, back, image.labels, image.spacing_mm)))
            row[kind] = {"dice": float(np.mean(scores)), "sma_error_median": float(np.median(errors))}
        ceiling[f"{spacing}mm_{size}px"] = row
    return ceiling


def _phantom_rate(count: int = 30) -> float:
    started = time.perf_counter()
    for seed in range(count):
        make_slice(seed, "A")  # 512 x 512
    return count / (time.perf_counter() - started) * 60


def summary(report: dict) -> dict:
    """Per architecture: transfer Dice at K=5 and K=10, fine-tune time, and ms per 512 slice."""
    rows = {}
    curves = {**report.get("transfer", {})}
    if "headline" in report:
        curves[f"{report['headline']['arch']} (headline base)"] = report["headline"]
    for name, curve in curves.items():
        arch = name.split(" ")[0]
        by_k = {r["k"]: r for r in curve["rows"] if r["mode"] == "transfer"}
        base_seconds = curve["base_training"].get("seconds")  # None: a reused base
        rows[name] = {"base_on_A_dice": curve["base_on_A"]["dice"], "base_seconds": base_seconds}
        for k in (5, 10):
            if k in by_k:
                rows[name] |= {f"k{k}_dice": by_k[k]["dice"], f"k{k}_sma_error_median": by_k[k]["sma_error_median"],
                               f"k{k}_finetune_s": by_k[k]["seconds"]}  # fmt: skip
                if "dice_flip" in by_k[k]:
                    rows[name] |= {f"k{k}_dice_flip": by_k[k]["dice_flip"],
                                   f"k{k}_sma_error_median_flip": by_k[k]["sma_error_median_flip"]}  # fmt: skip
        if "inference" in report:
            rows[name]["infer_ms"] = report["inference"][arch]["channels_last_ms"]
    if "upper_bound_B" in report:
        upper = report["upper_bound_B"]
        rows[f"{upper['arch']} trained on B itself ({upper['train_images']} images)"] = {
            "on_B_dice": upper["on_B"]["dice"], "on_B_sma_error_median": upper["on_B"]["sma_error_median"],
            "on_A_dice": upper["on_A"]["dice"], "seconds": upper["training"]["seconds"],
        }  # fmt: skip
    return rows


def plots(report: dict, folder: Path, suffix: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    curves = {
        f"{arch} ({curve['base_training']['seconds']:.0f} s base)": curve
        for arch, curve in report.get("transfer", {}).items()
    }
    if "headline" in report and len(report["headline"]["rows"]) > 1:
        headline = report["headline"]
        base = headline["base_training"]
        base_name = f"{base['seconds']:.0f} s base" if "seconds" in base else "reused base"
        name = f"{headline['arch']} ({base_name}, {headline['finetune_seconds']:.0f} s fine-tunes)"
        curves[name] = headline
    if curves:
        written.append(_transfer_plot(plt, report, curves, _plot_path(folder, suffix, "transfer")))
    for name, rows in report.get("forgetting", {}).get("matrices", {}).items():
        figure, axis = plt.subplots(figsize=(4, 3.5))
        matrix = np.array([[row[d] for d in "ABCD"] for row in rows])
        # the colour range of the values themselves: differences of 0.01-0.05 are what forgetting is
        axis.imshow(matrix, vmin=min(0.8, matrix.min()), vmax=1, cmap="viridis")
        for (i, j), value in np.ndenumerate(matrix):
            axis.text(j, i, f"{value:.2f}", ha="center", va="center", color="white", fontsize=8)
        axis.set(xticks=range(4), xticklabels=list("ABCD"), yticks=range(4), yticklabels=[f"after {d}" for d in "ABCD"])
        axis.set_title(f"Dice, {name.replace('_', ' ')}")
        written.append(_save(figure, _plot_path(folder, suffix, "forgetting", name)))
    if "inference" not in report:
        return written
    timing = report["inference"]
    figure, axis = plt.subplots(figsize=(9, 4.5))
    timed = [name for name, row in timing.items() if isinstance(row, dict) and "channels_last_ms" in row]
    flipped = [name for name in timed if "channels_last_flip_ms" in timing[name]]
    names = ["monai_vnet eager 512", *timed, *(f"{name} + flip" for name in flipped)]
    values = [timing["monai_vnet_eager_512_ms"]] + [timing[name]["channels_last_ms"] for name in timed]
    values += [timing[name]["channels_last_flip_ms"] for name in flipped]
    axis.bar(names, values)
    axis.tick_params(axis="x", labelrotation=35, labelsize=7)
    plt.setp(axis.get_xticklabels(), ha="right", rotation_mode="anchor")
    axis.axhline(100, color="red", ls=":", label="100 ms target")
    axis.set(ylabel=f"ms per 512x512 slice, {timing['threads']} threads", yscale="log")
    axis.legend()
    written.append(_save(figure, _plot_path(folder, suffix, "inference")))
    return written


def _plot_path(folder: Path, suffix: str, section: str, detail: str = "") -> Path:
    """engine<suffix>-<section>[-<detail>].png, without repeating a section the suffix already names alone
    (--sections inference: engine-inference.png, not engine-inference-inference.png)."""
    alone = [part for part in suffix.split("-") if part in SECTIONS] == [section]
    name = f"engine{suffix}" if alone else f"engine{suffix}-{section}"
    return folder / f"{name}{'-' + detail if detail else ''}.png"


def _transfer_plot(plt, report: dict, curves: dict, path: Path) -> str:
    figure, axis = plt.subplots(figsize=(6, 4))
    for name, curve in curves.items():
        for mode, style in (("transfer", "-o"), ("scratch", "--x")):
            rows = [r for r in curve["rows"] if r["mode"] == mode]
            if not rows:
                continue
            axis.plot([r["k"] for r in rows], [r["dice"] for r in rows], style, label=f"{name} {mode}")
            if mode == "transfer" and all("dice_flip" in r for r in rows):  # as the product predicts
                axis.plot([r["k"] for r in rows], [r["dice_flip"] for r in rows], ":o", label=f"{name} + flip")
    axis.axhline(report["hu_threshold_baseline_B"]["dice_mean"], color="grey", ls=":", label="best HU threshold")
    if "upper_bound_B" in report:
        upper = report["upper_bound_B"]
        label = f"{upper['arch']} trained on {upper['train_images']} B images"
        axis.axhline(upper["on_B"]["dice"], color="black", ls="--", lw=0.8, label=label)
    axis.plot([5, 10], [0.93, 0.95], "r*", ms=9, ls="none", label="targets (K=5, K=10)")
    axis.set(xlabel="SEED images K on device B", ylabel="muscle Dice on B test", title="Transfer A -> B")
    axis.legend(fontsize=7)
    return _save(figure, path)


def _save(figure, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return str(path)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few minutes")
    parser.add_argument("--medium", action="store_true", help="the default architecture only")
    parser.add_argument("--archs", default=None, help="comma list (quick default: unet,vnet)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--torch-device", default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", type=Path, default=None, help="copy every trained model into this folder")
    parser.add_argument(
        "--headline-base", type=Path, default=None,
        help="an earlier run's kept headline base (--keep DIR: DIR/base-unet-900s.pt), used instead of training one",
    )  # fmt: skip
    parser.add_argument(
        "--replay-fraction", type=float, default=None,
        help="share of each fine-tune batch drawn from replay images in the forgetting sequence (engine default)",
    )  # fmt: skip
    parser.add_argument(
        "--sections", default=",".join(SECTIONS), help=f"comma list of {SECTIONS}; a subset writes engine-<list>.json"
    )
    parser.add_argument("--replay-only", action="store_true", help="the forgetting sequence with replay only")
    parser.add_argument(
        "--replay-per-device", type=int, default=None,
        help="training images kept from each earlier device for replay in the forgetting sequence (plan: 4)",
    )  # fmt: skip
    parser.add_argument(
        "--step-seconds", type=float, default=None,
        help="the default (or the one --archs) architecture's seconds per training step instead of measuring it: "
        "an earlier run's value repeats its step counts",
    )  # fmt: skip
    parser.add_argument("--ks", default=None, help="comma list of K (SEED images on device B) instead of the plan's")
    parser.add_argument(
        "--grid", default=None, help="model grid MM,PX (e.g. 1.5,288) instead of the engine default 1.0 mm, 448 px"
    )
    parser.add_argument("--crop", type=int, default=None, help="training crop in model pixels (0: whole canvas)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the training steps (TrainConfig.compile)")
    parser.add_argument(
        "--net-options", type=json.loads, default=None,
        help='network options (JSON) over the default architecture\'s, e.g. \'{"first_stride": 1}\' for the unet',
    )  # fmt: skip
    parser.add_argument(
        "--validate-seen", action="store_true",
        help="forgetting: each step validates on its K images and the replay images, not on its K images alone",
    )  # fmt: skip
    args = parser.parse_args(argv)
    sections = tuple(args.sections.split(","))
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {SECTIONS}")
    torch.set_num_threads(args.threads)
    if args.step_seconds is not None:
        if args.step_seconds <= 0:
            parser.error(f"--step-seconds {args.step_seconds} must be positive")
        fixed = args.archs.split(",") if args.archs else [DEFAULT_ARCH]
        if len(fixed) != 1:
            parser.error("--step-seconds is one architecture's step time: give one --archs")
        _STEP_SECONDS[fixed[0], args.torch_device] = args.step_seconds
    archs = tuple(args.archs.split(",")) if args.archs else None
    if args.quick:
        plan = quick_plan(archs or ("unet", "vnet"))
    elif args.medium:
        plan = medium_plan(archs or (DEFAULT_ARCH,))
    else:
        plan = Plan(**({"archs": archs} if archs else {}))
    if args.replay_fraction is not None:
        if not 0 < args.replay_fraction < 1:
            parser.error(f"--replay-fraction {args.replay_fraction} must be between 0 and 1")
        plan = replace(plan, finetune=replace(plan.finetune, replay_fraction=args.replay_fraction))
    if args.replay_only:
        plan = replace(plan, forgetting_replay=(True,))
    if args.replay_per_device is not None:
        if args.replay_per_device < 1:
            parser.error(f"--replay-per-device {args.replay_per_device} must be at least 1")
        plan = replace(plan, replay_per_device=args.replay_per_device)
    if args.compile:
        plan = replace(plan, base=replace(plan.base, compile=True), finetune=replace(plan.finetune, compile=True))
    if args.net_options:
        target = archs[0] if archs and len(archs) == 1 else DEFAULT_ARCH
        ARCH_KWARGS[target] = {**ARCH_KWARGS.get(target, {}), **args.net_options}
    if args.validate_seen:
        plan = replace(plan, validate_seen=True)
    if args.ks:
        plan = replace(plan, ks=tuple(int(k) for k in args.ks.split(",")))
    if args.grid:
        spacing, size = args.grid.split(",")
        plan = replace(plan, preprocess=replace(plan.preprocess, spacing_mm=float(spacing), size=int(size)))
    if args.crop is not None:
        if args.crop and (args.crop % 32 or args.crop > plan.preprocess.size):
            parser.error(
                f"--crop {args.crop} must be a multiple of 32 no larger than the grid's {plan.preprocess.size} px"
            )
        plan = replace(plan, crop=args.crop or None)
    if args.headline_base is not None and not args.headline_base.is_file():
        parser.error(f"--headline-base {args.headline_base}: no such file")
    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else "-medium" if args.medium else ""
    if set(sections) != set(SECTIONS):
        suffix += "-" + "-".join(s for s in SECTIONS if s in sections)
    if args.replay_fraction is not None:
        suffix += f"-replay{args.replay_fraction:g}"
    if args.replay_per_device is not None:
        suffix += f"-replay{args.replay_per_device}perdevice"
    if args.grid or args.crop is not None:
        suffix += f"-{plan.preprocess.spacing_mm:g}mm-crop{plan.crop or 0}"
    if args.net_options:
        suffix += "-" + "-".join(f"{k.replace('_', '')}{v}" for k, v in args.net_options.items())
    if args.compile:
        suffix += "-compile"
    if args.validate_seen:
        suffix += "-validate-seen"
    data = _data(plan, upper="upper" in sections)
    report: dict = {
        "code_version": __version__,
        "quick": args.quick,
        "medium": args.medium,
        "plan": _plain(plan),
        "machine": _machine(args),
    }
    report["hu_threshold_baseline_B"] = threshold_baseline(data["B"]["test"])
    if "ceiling" in sections:
        report["resolution_ceiling_dice"] = resolution_ceiling()
        report["phantom_slices_per_minute"] = _phantom_rate()
    first = DEFAULT_ARCH if DEFAULT_ARCH in plan.archs else plan.archs[0]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        # the headline (default architecture) first: a run cut short still has the figures that matter most
        if "headline" in sections or "forgetting" in sections:  # forgetting alone: the base, not the curve
            curve_plan = plan if "headline" in sections else replace(plan, ks=(0,))
            report["headline"] = {
                "arch": first,
                "base_seconds": plan.headline_base_seconds,
                "finetune_seconds": plan.headline_finetune_seconds,
                **transfer_curve(
                    curve_plan,
                    data,
                    work,
                    args.torch_device,
                    args.threads,
                    (first,),
                    plan.headline_base_seconds,
                    plan.headline_finetune_seconds,
                    scratch=False,
                    reused_base=args.headline_base,
                )[first],
            }
            _checkpoint_report(report, args.out, suffix)
        if "forgetting" in sections:
            report["forgetting"] = {
                "arch": first,
                "matrices": forgetting(plan, data, work, args.torch_device, args.threads, first),
            }
            _checkpoint_report(report, args.out, suffix)
        if "upper" in sections:
            report["upper_bound_B"] = upper_bound(plan, data, work, args.torch_device, args.threads, first)
            _checkpoint_report(report, args.out, suffix)
        if "transfer" in sections:  # every architecture at equal CPU time: base, fine-tunes, the same K from scratch

            def partial(curves: dict) -> None:
                _checkpoint_report({**report, "transfer": curves}, args.out, suffix)

            report["transfer"] = transfer_curve(
                plan, data, work, args.torch_device, args.threads, plan.archs, plan.base_seconds,
                plan.finetune_seconds, on_arch=partial,
            )  # fmt: skip
        if "inference" in sections:  # Dice of both layouts where this run trained the equal-time bases
            trained = {arch: _base_path(work, arch, plan.base_seconds) for arch in plan.archs}
            trained = {arch: path for arch, path in trained.items() if path.exists()}
            report["inference"] = inference(plan, work, args.threads, trained, data["A"]["test"])
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            report["kept"] = [shutil.copy2(path, args.keep / path.name) for path in sorted(work.glob("*.pt"))]
    report["summary"] = summary(report)
    report["seconds"] = time.perf_counter() - started
    report["plots"] = plots(report, args.out, suffix)
    (args.out / f"engine{suffix}.json").write_text(json.dumps(report, indent=1, default=str))
    print(json.dumps({"written": str(args.out / f"engine{suffix}.json"), "seconds": report["seconds"]}))
    return report


def _checkpoint_report(report: dict, folder: Path, suffix: str) -> None:
    """The sections so far, so a run cut short still leaves its figures (engine*.partial.json)."""
    (folder / f"engine{suffix}.partial.json").write_text(json.dumps(report, indent=1, default=str))


def _plain(plan: Plan) -> dict:
    values = {"archs": list(plan.archs), "ks": list(plan.ks), "matrix": plan.matrix, "base_images": plan.base_images}
    values.update(test_images=plan.test_images, forgetting_k=plan.forgetting_k, replay=plan.replay_per_device)
    values.update(crop=plan.crop, base_seconds=plan.base_seconds, finetune_seconds=plan.finetune_seconds,
                  headline_base_seconds=plan.headline_base_seconds,
                  headline_finetune_seconds=plan.headline_finetune_seconds,
                  forgetting_seconds=plan.forgetting_seconds,
                  scratch_seconds=plan.scratch_seconds, epochs=plan.epochs, arch_kwargs=ARCH_KWARGS,
                  validate_seen=plan.validate_seen)  # fmt: skip
    return {**values, "preprocess": vars(plan.preprocess), "base": repr(plan.base), "finetune": repr(plan.finetune)}


def _machine(args: argparse.Namespace) -> dict:
    return {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count(),
            "threads": args.threads, "cuda": torch.cuda.is_available(), "device": args.torch_device}  # fmt: skip


if __name__ == "__main__":
    main()
