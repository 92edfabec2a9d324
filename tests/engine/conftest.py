import pytest
import torch

from segmentation.cohort import phantom_samples
from segmentation.preprocess import PreprocessConfig
from segmentation.train import TrainConfig

torch.set_num_threads(1)

TINY = PreprocessConfig(spacing_mm=6.0, size=64)


def tiny_config(**changes) -> TrainConfig:
    options = dict(
        arch="vnet",
        preprocess=TINY,
        net_kwargs={"width": 4},
        epochs=2,
        steps_per_epoch=4,
        batch_size=2,
        learning_rate=3e-3,
        seed=7,
        device="cpu",
    )
    return TrainConfig(**{**options, **changes})


@pytest.fixture(name="tiny_config")
def tiny_config_fixture():
    return tiny_config


@pytest.fixture(scope="session")
def tiny_samples():
    return phantom_samples("A", range(6), matrix=96)


@pytest.fixture(scope="session")
def trained_checkpoint(tmp_path_factory, tiny_samples):
    from segmentation.train import train

    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    train(tiny_samples[:4], path, tiny_config(epochs=4, steps_per_epoch=6), val_samples=tiny_samples[4:])
    return path
