import numpy as np
import pytest
import torch

from segmentation.phantom import make_slice
from segmentation.preprocess import (
    PreprocessConfig,
    hu_from_model,
    image_to_model,
    labels_to_model,
    plan,
    probabilities_to_original,
)


def test_it_is_the_identity_when_spacing_and_size_already_match():
    config = PreprocessConfig(spacing_mm=1.0, size=64, window=(-1024, 3071))
    hu = np.random.default_rng(0).integers(-1000, 1000, (64, 64)).astype(np.int16)
    tensor, geometry = image_to_model(hu, (1.0, 1.0), config)
    assert np.allclose(hu_from_model(tensor, geometry, config), hu, atol=1e-3)


@pytest.mark.parametrize("shape", [(96, 96), (128, 100), (40, 52)])
def test_a_smooth_image_survives_the_round_trip(shape):
    config = PreprocessConfig(spacing_mm=2.0, size=64, window=(-200, 200))
    rows, cols = np.mgrid[: shape[0], : shape[1]]
    hu = 150 * np.sin(rows / 15.0) * np.cos(cols / 20.0)
    tensor, geometry = image_to_model(hu, (1.0, 1.0), config)
    assert tensor.shape == (1, 64, 64)
    restored = hu_from_model(tensor, geometry, config)
    assert restored.shape == shape
    assert np.abs(restored - hu)[2:-2, 2:-2].mean() < 3.0


def test_labels_come_back_onto_the_original_grid():
    image = make_slice(0, "A", matrix=128)
    config = PreprocessConfig(spacing_mm=image.spacing_mm[0], size=128)
    on_model = labels_to_model(image.labels, image.spacing_mm, config)
    one_hot = torch.nn.functional.one_hot(on_model, 3).permute(2, 0, 1).float()
    geometry = plan(image.labels.shape, image.spacing_mm, config)
    back = probabilities_to_original(one_hot, geometry).argmax(0).numpy()
    assert np.array_equal(back, image.labels)


def test_a_field_larger_than_the_canvas_is_cropped_and_restored_as_background():
    config = PreprocessConfig(spacing_mm=2.0, size=32)
    geometry = plan((64, 64), (2.0, 2.0), config)
    assert geometry.offset == (-16, -16)
    probabilities = torch.zeros(3, 32, 32)
    probabilities[1] = 1.0
    back = probabilities_to_original(probabilities, geometry)
    assert back.shape == (3, 64, 64)
    assert back[1, 16:48, 16:48].min() == 1.0 and back[0, :16].min() == 1.0


def test_it_rejects_bad_inputs_clearly():
    with pytest.raises(ValueError, match="size % 32"):
        PreprocessConfig(size=100)
    with pytest.raises(ValueError, match="spacing"):
        image_to_model(np.zeros((10, 10)), (0.0, 1.0), PreprocessConfig())
    with pytest.raises(ValueError, match="2D"):
        image_to_model(np.zeros((4, 10, 10)), (1.0, 1.0), PreprocessConfig())


def test_label_fractions_are_partial_volumes_that_map_back_closer_than_nearest_labels():
    from segmentation.metrics import dice
    from segmentation.preprocess import label_fractions_to_model

    image = make_slice(3, "B")  # full resolution, 0.7-0.9 mm pixels
    config = PreprocessConfig(spacing_mm=2.25, size=192)  # each model pixel covers about 9 original pixels
    geometry = plan(image.labels.shape, image.spacing_mm, config)
    fractions = label_fractions_to_model(image.labels, image.spacing_mm, config, 3)
    assert fractions.shape == (3, config.size, config.size)
    assert torch.allclose(fractions.sum(0), torch.ones(config.size, config.size), atol=1e-4)
    assert fractions.min() >= -1e-5 and ((fractions[1] > 0.05) & (fractions[1] < 0.95)).any()  # boundaries are soft
    nearest = torch.nn.functional.one_hot(labels_to_model(image.labels, image.spacing_mm, config), 3)
    from_nearest = probabilities_to_original(nearest.permute(2, 0, 1).float(), geometry).argmax(0).numpy()
    from_fractions = probabilities_to_original(fractions, geometry).argmax(0).numpy()
    # fractions at least halve what the round trip loses (0.018 vs 0.037 Dice on this subject)
    assert 1 - dice(from_fractions, image.labels) < 0.5 * (1 - dice(from_nearest, image.labels))


def test_the_body_box_holds_the_whole_body_in_a_smaller_box_the_networks_can_take():
    from segmentation.preprocess import body_box

    config = PreprocessConfig(spacing_mm=2.0, size=320)
    image = make_slice(3, "A", matrix=256)  # 400 mm field of view: 200 px of the 320 px canvas
    canvas, _ = image_to_model(image.hu, image.spacing_mm, config)
    rows, cols = body_box(canvas, config)
    body = canvas[0] > -0.6  # -200 HU in the -250..250 window
    inside = torch.zeros_like(body)
    inside[rows, cols] = True
    assert body.any() and not (body & ~inside).any()  # every body pixel, including the table under it
    for span in (rows, cols):
        assert 0 <= span.start < span.stop <= config.size and (span.stop - span.start) % 32 == 0
    assert (rows.stop - rows.start) * (cols.stop - cols.start) < 0.6 * config.size**2  # about half the work
    # at least the margin around the body on every side that has room
    where = torch.nonzero(body)
    assert rows.start <= int(where[:, 0].min()) - 8 and rows.stop >= int(where[:, 0].max()) + 9
    assert cols.start <= int(where[:, 1].min()) - 8 and cols.stop >= int(where[:, 1].max()) + 9


def test_the_body_box_is_the_whole_canvas_without_a_body_and_stays_inside_at_the_edge():
    from segmentation.preprocess import body_box

    config = PreprocessConfig(spacing_mm=1.0, size=128)
    air = torch.full((1, 128, 128), -1.0)
    assert body_box(air, config) == (slice(0, 128), slice(0, 128))
    corner = air.clone()
    corner[0, 120:, :5] = 0.2  # tissue in a corner: the box is clamped into the canvas
    rows, cols = body_box(corner, config)
    assert rows == slice(64, 128) and cols == slice(0, 64)
