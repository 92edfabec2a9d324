import numpy as np
import pytest
import torch

from segmentation.infer import Predictor
from segmentation.train import train

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@needs_cuda
def test_it_trains_and_predicts_on_cuda_like_on_cpu(tmp_path, tiny_samples, tiny_config):
    path = tmp_path / "cuda.pt"
    train(tiny_samples[:2], path, tiny_config(epochs=1, device="cuda"))
    sample = tiny_samples[5]
    on_gpu = Predictor(path, device="cuda").predict(sample.hu, sample.spacing_mm)
    on_cpu = Predictor(path, device="cpu").predict(sample.hu, sample.spacing_mm)
    assert np.mean(on_gpu.mask == on_cpu.mask) > 0.99
