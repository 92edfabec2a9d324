"""ONNX Runtime against the PyTorch path for one trained checkpoint: ms per 512x512 slice and Dice.

    python benchmarks/onnx_inference.py --checkpoint model.pt [--threads 2] [--images 10]

Exports the checkpoint's network to ONNX (batch axis dynamic), runs the same whole predict (preprocess,
network, mapping back, argmax) with the network in ONNX Runtime on CPU, and compares it with the PyTorch
Predictor (channels-last and contiguous) on phantom test images of every device. Writes
benchmarks/results/onnx.json. Needs the onnx, onnxscript and onnxruntime packages (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from segmentation.checkpoint import load_checkpoint  # noqa: E402
from segmentation.cohort import phantom_samples  # noqa: E402
from segmentation.evaluate import evaluate  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


class OnnxRuntimeNetwork:
    """Callable like the torch module inside Predictor: (N, 1, S, S) tensor -> (N, C, S, S) logits."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.session.run(None, {self.input: batch.contiguous().numpy()})[0])


def export(predictor: Predictor, path: Path) -> None:
    size = predictor.spec.preprocess.size
    model = predictor.model.to(memory_format=torch.contiguous_format).float().eval()
    example = torch.zeros(2, 1, size, size)
    batch = torch.export.Dim("batch", min=1, max=64)
    torch.onnx.export(
        model, (example,), str(path), input_names=["image"], output_names=["logits"],
        dynamic_shapes={"x": {0: batch}}, dynamo=True, external_data=False,
    )  # fmt: skip


def onnx_predictor(checkpoint: Path, onnx_path: Path, threads: int) -> Predictor:
    # the exported graph has the whole canvas's size: every path here runs on the whole canvas (body_crop=False)
    predictor = Predictor(checkpoint, device="cpu", threads=threads, channels_last=False, body_crop=False)
    predictor.model = OnnxRuntimeNetwork(onnx_path, threads)
    return predictor


def ms_per_slice(predictor: Predictor, reps: int) -> float:
    image = make_slice(12345, "A")  # 512 x 512
    predictor.predict(image.hu, image.spacing_mm)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        predictor.predict(image.hu, image.spacing_mm)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=10, help="test images per device")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS / "onnx.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    import onnxruntime

    checkpoint = load_checkpoint(args.checkpoint)
    report: dict = {
        "checkpoint": str(args.checkpoint),
        "arch": checkpoint.spec.arch,
        "net_kwargs": checkpoint.spec.net_kwargs,
        "preprocess": vars(checkpoint.spec.preprocess),
        "threads": args.threads,
        "machine": {"python": platform.python_version(), "torch": torch.__version__,
                    "onnxruntime": onnxruntime.__version__},
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        onnx_path = Path(folder) / "model.onnx"
        paths = {
            "torch_channels_last": Predictor(args.checkpoint, device="cpu", threads=args.threads, body_crop=False),
            "torch_contiguous": Predictor(
                args.checkpoint, device="cpu", threads=args.threads, channels_last=False, body_crop=False
            ),
        }
        export(paths["torch_contiguous"], onnx_path)
        report["onnx_bytes"] = onnx_path.stat().st_size
        paths["onnxruntime"] = onnx_predictor(args.checkpoint, onnx_path, args.threads)
        for name, predictor in paths.items():
            row = {"ms_per_512_slice": ms_per_slice(predictor, args.reps)}
            for key in "ABCD":
                samples = phantom_samples(key, range(1000, 1000 + args.images))
                row[f"dice_{key}"] = evaluate(predictor, samples, with_hd95=False).dice_mean
            report[name] = row
            print(json.dumps({name: row}), flush=True)
        reference = report["torch_contiguous"]
        for name in ("torch_channels_last", "onnxruntime"):
            report[name]["max_dice_difference"] = max(
                abs(report[name][f"dice_{key}"] - reference[f"dice_{key}"]) for key in "ABCD"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps({"written": str(args.out)}))
    return report


if __name__ == "__main__":
    main()
