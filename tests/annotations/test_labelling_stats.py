"""GET /api/labelling/stats: seconds per image from scratch vs. corrected, correction size per model."""

import pytest

from annotations.services import prelabel_store

from .conftest import save, square_mask, submit

STATS = "/api/labelling/stats"


def finish(client, image, seconds: list[float], mask=None):
    response = None
    for spent in seconds:
        response = save(client, image, square_mask(image) if mask is None else mask, seconds=spent)
        assert response.status_code == 200
    submit(client, image)


def test_seconds_are_summed_per_image_and_grouped_by_device_labeller_and_source(client_for, make_image):
    labeller = client_for("labeller")
    scratch = [make_image("A") for _ in range(3)]
    for image, seconds in zip(scratch, ([60, 30], [120], [300]), strict=True):
        finish(labeller, image, seconds)
    corrected = make_image("A")
    prelabel_store(
        image=corrected,
        mask=square_mask(corrected, size=6),
        model_version_id=3,
        model_version_name="v3",
        uncertainty=0.2,
    )
    finish(labeller, corrected, [20])
    save(labeller, make_image("A"), square_mask(scratch[0]), seconds=999)  # a draft: not finished, not counted
    rows = client_for("ml_lead").get(STATS).json()["by_device_labeller"]
    assert rows == [
        {
            "device": "A",
            "labeller": "labeller-user",
            "source": "corrected",
            "images": 1,
            "median_seconds": 20.0,
            "mean_seconds": 20.0,
        },
        {
            "device": "A",
            "labeller": "labeller-user",
            "source": "manual",
            "images": 3,
            "median_seconds": 120.0,
            "mean_seconds": 170.0,
        },
    ]


def test_correction_size_is_reported_per_prelabelling_model_version(client_for, make_image):
    labeller = client_for("labeller")
    for size in (6, 7, 8):
        image = make_image()
        prelabel_store(
            image=image,
            mask=square_mask(image, size=size),
            model_version_id=3,
            model_version_name="v3",
            uncertainty=None,
        )
        finish(labeller, image, [10])  # the saved mask is the 8x8 square
    body = client_for("reviewer").get(STATS).json()["by_model_version"]
    assert len(body) == 1 and body[0]["model_version_name"] == "v3" and body[0]["images"] == 3
    assert body[0]["median_pixels_changed"] == 64 - 49
    assert body[0]["median_dice_vs_prelabel"] == pytest.approx(2 * 49 / (49 + 64))


def test_researchers_do_not_see_labelling_stats(client_for, db):
    assert client_for("researcher").get(STATS).status_code == 403


def test_seeded_masks_and_reviewers_corrections_are_not_a_labellers_effort(client_for, make_user, make_image):
    from annotations.services import annotation_import_accepted

    from .test_review_correction import correct

    seeded = make_image("A")
    annotation_import_accepted(
        image=seeded,
        mask=square_mask(seeded),
        labeller=make_user("labeller", name="seeder")[0],
        reviewer=make_user("reviewer", name="seed-reviewer")[0],
    )
    labeller = client_for("labeller")
    drawn = make_image("A")
    finish(labeller, drawn, [90])
    assert correct(client_for("reviewer"), drawn, square_mask(drawn, size=5), seconds=40).status_code == 200
    rows = client_for("ml_lead").get(STATS).json()["by_device_labeller"]
    assert rows == [
        {
            "device": "A",
            "labeller": "labeller-user",
            "source": "manual",
            "images": 1,
            "median_seconds": 90.0,
            "mean_seconds": 90.0,
        }
    ], "the seeded mask (0 s) is left out, and the reviewer's 40 s are not the labeller's"
