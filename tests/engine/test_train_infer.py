import numpy as np
import pytest
import torch

from segmentation.checkpoint import (
    ArchitectureMismatch,
    CheckpointError,
    LabelSetMismatch,
    load_checkpoint,
)
from segmentation.infer import Predictor
from segmentation.metrics import dice
from segmentation.networks import build
from segmentation.train import TrainConfig, train


def test_a_tiny_model_beats_chance(trained_checkpoint, tiny_samples):
    sample = tiny_samples[5]
    prediction = Predictor(trained_checkpoint, device="cpu").predict(sample.hu, sample.spacing_mm)
    assert prediction.mask.shape == sample.hu.shape and prediction.probabilities.shape == (3, *sample.hu.shape)
    assert np.allclose(prediction.probabilities.sum(0), 1, atol=1e-4)
    assert 0 <= prediction.uncertainty <= 1
    prevalence = float((sample.labels == 1).mean())
    chance = 2 * prevalence * prevalence / (prevalence + prevalence)  # random mask at the true prevalence
    assert dice(prediction.mask, sample.labels) > chance + 0.1


def test_the_checkpoint_carries_everything_needed_to_predict(trained_checkpoint):
    checkpoint = load_checkpoint(trained_checkpoint)
    assert checkpoint.spec.arch == "vnet" and checkpoint.spec.label_names == ("background", "muscle", "liver")
    assert checkpoint.spec.preprocess.size == 64 and checkpoint.spec.net_kwargs == {"width": 4, "dropout": 0.0}
    assert checkpoint.code_version and len(checkpoint.history) >= 1 and checkpoint.train_state is None


def test_resuming_after_an_interruption_gives_the_same_weights(tmp_path, tiny_samples, tiny_config):
    config = tiny_config(epochs=3)
    whole = train(tiny_samples[:3], tmp_path / "whole.pt", config, val_samples=tiny_samples[4:5])

    class Stop(Exception):
        pass

    def stop_after_first_epoch(progress):
        if progress.epoch == 1:
            raise Stop

    with pytest.raises(Stop):
        train(
            tiny_samples[:3],
            tmp_path / "cut.pt",
            config,
            val_samples=tiny_samples[4:5],
            progress=stop_after_first_epoch,
        )
    assert load_checkpoint(tmp_path / "cut.pt").train_state["epoch"] == 1
    resumed = train(tiny_samples[:3], tmp_path / "cut.pt", config, val_samples=tiny_samples[4:5])
    assert resumed.history == whole.history
    first, second = load_checkpoint(tmp_path / "whole.pt"), load_checkpoint(tmp_path / "cut.pt")
    for name, tensor in first.state_dict.items():
        assert torch.equal(tensor, second.state_dict[name]), name


def test_fine_tuning_from_a_parent_with_a_frozen_encoder_and_replay(
    tmp_path, trained_checkpoint, tiny_samples, tiny_config
):
    from segmentation.cohort import phantom_samples

    new_device = phantom_samples("C", range(2), matrix=96)
    result = train(
        new_device, tmp_path / "child.pt", tiny_config(epochs=1, freeze_encoder=True),
        parent=trained_checkpoint, replay=tiny_samples[:2],
    )  # fmt: skip
    child, parent = load_checkpoint(result.checkpoint_path), load_checkpoint(trained_checkpoint)
    assert child.metadata["parent"] == str(trained_checkpoint)
    assert torch.equal(
        child.state_dict["in_tr.conv_block.conv.weight"], parent.state_dict["in_tr.conv_block.conv.weight"]
    )
    assert not torch.equal(child.state_dict["out_tr.conv2.weight"], parent.state_dict["out_tr.conv2.weight"])


def test_a_parent_of_another_architecture_is_refused(tmp_path, trained_checkpoint, tiny_samples, tiny_config):
    with pytest.raises(ArchitectureMismatch, match="vnet"):
        train(tiny_samples[:1], tmp_path / "x.pt", tiny_config(arch="unet", net_kwargs={}), parent=trained_checkpoint)


def test_loading_with_the_wrong_architecture_or_labels_fails_clearly(trained_checkpoint):
    with pytest.raises(ArchitectureMismatch, match="expected 'unet'"):
        Predictor(trained_checkpoint, arch="unet")
    with pytest.raises(LabelSetMismatch, match="labels"):
        load_checkpoint(trained_checkpoint, label_names=("background", "muscle"))


def test_truncated_or_foreign_files_are_rejected(tmp_path, trained_checkpoint):
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(trained_checkpoint.read_bytes()[:2000])
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00garbage" * 100)
    foreign = tmp_path / "foreign.pt"
    torch.save(build("unet", 3).state_dict(), foreign)
    for path in (truncated, garbage, foreign, tmp_path / "missing.pt"):
        with pytest.raises(CheckpointError, match=path.name):
            load_checkpoint(path)


def test_bad_images_are_rejected_before_the_network_runs(trained_checkpoint):
    predictor = Predictor(trained_checkpoint, device="cpu")
    with pytest.raises(ValueError, match="2D"):
        predictor.predict(np.zeros((2, 8, 8)), (1.0, 1.0))
    with pytest.raises(ValueError, match="finite"):
        predictor.predict(np.full((8, 8), np.nan), (1.0, 1.0))
    with pytest.raises(ValueError, match="spacing"):
        predictor.predict(np.zeros((8, 8)), (0.0, 1.0))


def test_the_cosine_schedule_warms_up_then_decays_and_constant_stays_put(tiny_config):
    from segmentation.train import learning_rate_at

    cosine = tiny_config(epochs=10, steps_per_epoch=10, learning_rate=1e-3, schedule="cosine")
    rates = [learning_rate_at(step, cosine) for step in range(100)]
    assert rates[0] < rates[4] == pytest.approx(1e-3)  # 5 warm-up steps
    assert all(later <= earlier for earlier, later in zip(rates[5:], rates[6:], strict=False))
    assert rates[-1] == pytest.approx(2e-5, rel=0.2)
    constant = tiny_config(learning_rate=1e-3)
    assert {learning_rate_at(step, constant) for step in (0, 7, 1000)} == {1e-3}
    with pytest.raises(ValueError, match="schedule"):
        tiny_config(schedule="linear")


def test_a_replay_share_outside_0_to_1_is_rejected(tiny_config):
    with pytest.raises(ValueError, match="replay_fraction 1.5 must be between 0 and 1"):
        tiny_config(replay_fraction=1.5)


def test_a_model_trained_on_crops_predicts_whole_images(tmp_path, tiny_samples, tiny_config):
    path = tmp_path / "crops.pt"
    train(tiny_samples[:3], path, tiny_config(crop=32, epochs=1))
    sample = tiny_samples[5]
    prediction = Predictor(path, device="cpu").predict(sample.hu, sample.spacing_mm)
    assert prediction.mask.shape == sample.hu.shape
    with pytest.raises(ValueError, match="crop 48 must be a multiple of 32"):
        tiny_config(crop=48)


def test_a_checkpoint_records_every_network_option_not_just_the_ones_given(tmp_path, tiny_samples, tiny_config):
    from segmentation.networks import resolved_options

    path = tmp_path / "unet.pt"
    train(tiny_samples[:2], path, tiny_config(arch="unet", net_kwargs={"width": 4}, epochs=1))
    assert load_checkpoint(path).spec.net_kwargs == {
        "width": 4,
        "num_res_units": 1,
        "first_stride": 2,
        "norm": "instance",
    }
    default = TrainConfig(arch="unet").spec()  # no options given: the benchmarked defaults
    assert default.net_kwargs == {"width": 16, "norm": "instance"} and default.build()
    with pytest.raises(ValueError, match=r"unet has no option\(s\) \['widht'\]"):
        resolved_options("unet", {"widht": 4})


def test_the_fast_channel_argmax_agrees_with_torch_including_ties():
    from segmentation.infer import channel_argmax

    generator = torch.Generator().manual_seed(0)
    probabilities = torch.softmax(torch.randn(3, 40, 50, generator=generator), 0)
    probabilities[:, 0, :3] = torch.tensor([[0.4, 0.3, 0.3], [0.4, 0.4, 0.2], [0.2, 0.3, 0.5]]).T  # ties
    assert torch.equal(channel_argmax(probabilities), probabilities.argmax(0))


def test_compiled_training_learns_what_eager_training_learns(tmp_path, tiny_samples, tiny_config):
    paths = {name: tmp_path / f"{name}.pt" for name in ("untrained", "eager", "compiled")}
    train(tiny_samples[:2], paths["untrained"], tiny_config(epochs=1, steps_per_epoch=1, learning_rate=1e-9))
    train(tiny_samples[:2], paths["eager"], tiny_config(steps_per_epoch=6))
    train(tiny_samples[:2], paths["compiled"], tiny_config(steps_per_epoch=6, compile=True))
    weights = {name: load_checkpoint(path).state_dict for name, path in paths.items()}
    assert weights["eager"].keys() == weights["compiled"].keys()  # the plain module's names: no torch.compile needed
    sample = tiny_samples[5]
    muscle = {
        name: Predictor(path, device="cpu").predict(sample.hu, sample.spacing_mm).probabilities[1]
        for name, path in paths.items()
    }
    # fused kernels round differently and Adam's normalised steps carry that into the weights; both must still
    # learn the same model, much closer to each other than to where they started
    learnt = np.abs(muscle["eager"] - muscle["untrained"]).max()
    assert np.abs(muscle["compiled"] - muscle["eager"]).max() < 0.1 * learnt


def test_flip_averaging_mirrors_muscle_but_keeps_the_liver_on_its_side(
    tmp_path, trained_checkpoint, tiny_samples, tiny_config
):
    from segmentation.cohort import Sample

    sample = tiny_samples[5]
    spacing = (4.0, 4.0)  # 96 px x 4 mm fill the 64 px x 6 mm canvas exactly: the image's mirror is the canvas's
    hu, mirror = sample.hu, np.ascontiguousarray(sample.hu[:, ::-1])
    plain = Predictor(trained_checkpoint, device="cpu")
    one = plain.predict(hu, spacing).probabilities
    both = Predictor(trained_checkpoint, device="cpu", flip=True).predict(hu, spacing).probabilities
    assert np.allclose(both.sum(0), 1, atol=1e-5)
    assert np.allclose(both[2], one[2], atol=1e-6)  # liver: the plain pass's alone
    assert np.abs(both[1] - one[1]).max() > 0.01  # muscle: the mirror pass changed it

    # with mirror-symmetric labels only, the probabilities are the mean of the image's and its mirror's
    symmetric = tmp_path / "muscle-only.pt"
    muscle_only = [Sample(s.hu, np.minimum(s.labels, 1), s.spacing_mm) for s in tiny_samples[:2]]
    train(muscle_only, symmetric, tiny_config(epochs=1, label_names=("background", "muscle")))
    plain = Predictor(symmetric, device="cpu")
    one, other = plain.predict(hu, spacing).probabilities, plain.predict(mirror, spacing).probabilities[:, :, ::-1]
    both = Predictor(symmetric, device="cpu", flip=True).predict(hu, spacing).probabilities
    assert np.allclose(both, (one + other) / 2, atol=1e-5)
    assert np.abs(one - other).max() > 0.01


@pytest.fixture(scope="module")
def canvas_checkpoint(tmp_path_factory, tiny_samples):
    """A tiny VNet on a canvas larger than the body: 128 px x 6 mm hold the 400 mm slices with air around."""
    from segmentation.preprocess import PreprocessConfig

    path = tmp_path_factory.mktemp("canvas") / "vnet128.pt"
    config = TrainConfig(
        arch="vnet", preprocess=PreprocessConfig(spacing_mm=6.0, size=128), net_kwargs={"width": 4}, epochs=3,
        steps_per_epoch=6, batch_size=2, learning_rate=3e-3, seed=7, device="cpu",
    )  # fmt: skip
    train(tiny_samples[:4], path, config, val_samples=tiny_samples[4:])
    return path


def test_prediction_runs_the_network_on_the_body_box_only(canvas_checkpoint, tiny_samples):
    from segmentation.preprocess import body_box, image_to_model

    sample = tiny_samples[5]
    boxed = Predictor(canvas_checkpoint, device="cpu")
    seen = []
    boxed.model.register_forward_hook(lambda module, args, output: seen.append(tuple(args[0].shape[-2:])))
    prediction = boxed.predict(sample.hu, sample.spacing_mm)
    canvas, _ = image_to_model(sample.hu, sample.spacing_mm, boxed.spec.preprocess)
    rows, cols = body_box(canvas, boxed.spec.preprocess)
    assert seen == [(rows.stop - rows.start, cols.stop - cols.start)] and seen[0] != (128, 128)

    whole = Predictor(canvas_checkpoint, device="cpu", body_crop=False).predict(sample.hu, sample.spacing_mm)
    # VNet normalises with statistics learnt in training, so the box changes only what the borders see: the
    # two masks agree, which they would not if the box's output were pasted back in the wrong place
    assert (whole.mask == 1).sum() > 50
    assert dice(prediction.mask, whole.mask) > 0.95
    assert np.allclose(prediction.probabilities.sum(0), 1, atol=1e-5)


def test_validation_scores_the_body_box_as_prediction_does(canvas_checkpoint, tiny_samples):
    from segmentation.checkpoint import load_model
    from segmentation.train import _tensors, validate

    checkpoint = load_checkpoint(canvas_checkpoint)
    model = load_model(checkpoint, canvas_checkpoint)
    data = _tensors(tiny_samples[4:], checkpoint.spec.preprocess, checkpoint.spec.label_names, True)
    boxed = validate(model, data, torch.device("cpu"), 3, body=checkpoint.spec.preprocess)[1]
    whole = validate(model, data, torch.device("cpu"), 3)[1]
    assert 0.1 < boxed and abs(boxed - whole) < 0.03


def test_unetr_trains_and_predicts_on_the_whole_canvas(tmp_path, tiny_samples, tiny_config):
    path = tmp_path / "unetr.pt"
    # crops and the body box would not fit UNETR's fixed input size: both are skipped for it
    net_kwargs = {"feature_size": 8, "hidden_size": 48, "num_heads": 4}
    config = tiny_config(arch="unetr", net_kwargs=net_kwargs, crop=32, epochs=1, steps_per_epoch=2)
    train(tiny_samples[:2], path, config)
    prediction = Predictor(path, device="cpu").predict(tiny_samples[5].hu, tiny_samples[5].spacing_mm)
    assert prediction.mask.shape == tiny_samples[5].hu.shape


def test_training_crops_roam_the_canvas_and_labels_follow_their_image():
    from segmentation.train import _crop

    images = torch.full((64, 1, 128, 128), -1.0)
    images[:, :, 70:120, 10:90] = 0.0  # the body: rows 70..119, columns 10..89
    labels = torch.zeros(64, 3, 128, 128)
    labels[:, 1] = images[:, 0] + 1  # 1 on the body: crops of labels follow crops of images
    crops, crop_labels = _crop(images, labels, 32, torch.Generator().manual_seed(0))
    assert crops.shape == (64, 1, 32, 32)
    assert torch.equal(crop_labels[:, 1], crops[:, 0] + 1)
    body_pixels = (crops > -1).flatten(1).sum(1)
    assert (body_pixels < 32 * 32).sum() > 32  # most windows anywhere take in some air


def test_each_epoch_reports_its_own_seconds_apart_from_the_time_since_training_began(
    tmp_path, tiny_samples, tiny_config
):
    reports = []
    train(tiny_samples[:2], tmp_path / "timed.pt", tiny_config(epochs=2), progress=reports.append)
    assert [report.epoch for report in reports] == [1, 2]
    assert all(0 < report.epoch_seconds <= report.seconds for report in reports)
    assert reports[1].seconds >= reports[0].seconds + reports[1].epoch_seconds - 1e-6
