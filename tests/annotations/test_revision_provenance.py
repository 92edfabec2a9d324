"""Each revision says where its mask came from and how far it moved from the model's pre-label."""

import numpy as np
import pytest

from annotations.services import prelabel_store
from core.errors import ApplicationError

from .conftest import decode, mask_url, save, square_mask


@pytest.fixture
def prelabelled(image):
    """A pre-label with 64 muscle pixels (rows 4-11, columns 4-11) by model version 7."""
    prelabel_store(
        image=image, mask=square_mask(image), model_version_id=7, model_version_name="vnet-ge-v2", uncertainty=0.3
    )
    return image


def test_a_mask_drawn_without_a_prelabel_is_manual(client_for, image):
    revision = save(client_for("labeller"), image, square_mask(image)).json()["current_revision"]
    assert revision["source"] == "manual"
    assert revision["pixels_changed_from_prelabel"] is None and revision["dice_vs_prelabel"] is None
    assert revision["prelabel_model_version_id"] is None


def test_the_mask_of_a_prelabelled_image_starts_from_the_prelabel(client_for, prelabelled):
    response = client_for("labeller").get(mask_url(prelabelled))
    assert response["X-Mask-Source"] == "prelabel" and response["X-Model-Version"] == "vnet-ge-v2"
    assert np.array_equal(decode(response.content), square_mask(prelabelled))


def test_a_prelabel_saved_unchanged_is_recorded_as_prelabel(client_for, prelabelled):
    revision = save(client_for("labeller"), prelabelled, square_mask(prelabelled)).json()["current_revision"]
    assert revision["source"] == "prelabel"
    assert revision["pixels_changed_from_prelabel"] == 0 and revision["dice_vs_prelabel"] == 1.0
    assert revision["prelabel_model_version_id"] == 7 and revision["prelabel_model_version_name"] == "vnet-ge-v2"


def test_a_corrected_prelabel_records_pixels_changed_and_dice(client_for, prelabelled):
    mask = square_mask(prelabelled)
    mask[4:8, 4:12] = 0  # remove 32 muscle pixels
    mask[20:24, 20:24] = 2  # add 16 liver pixels
    revision = save(client_for("labeller"), prelabelled, mask).json()["current_revision"]
    assert revision["source"] == "corrected"
    assert revision["pixels_changed_from_prelabel"] == 48
    muscle = 2 * 32 / (64 + 32)
    assert revision["dice_by_label"] == pytest.approx({"muscle": muscle, "liver": 0.0})
    assert revision["dice_vs_prelabel"] == pytest.approx((muscle + 0.0) / 2)


def test_later_revisions_still_compare_with_the_prelabel_the_mask_started_from(client_for, prelabelled):
    labeller = client_for("labeller")
    first = save(labeller, prelabelled, square_mask(prelabelled))
    prelabel_store(
        image=prelabelled,
        mask=square_mask(prelabelled, value=2),
        model_version_id=8,
        model_version_name="newer",
        uncertainty=0.1,
    )
    revision = save(labeller, prelabelled, square_mask(prelabelled), if_match=first["ETag"]).json()["current_revision"]
    assert revision["number"] == 2 and revision["source"] == "prelabel"
    assert revision["prelabel_model_version_name"] == "vnet-ge-v2"


def test_the_prelabel_endpoint_serves_the_prelabel_png(client_for, prelabelled):
    response = client_for("reviewer").get(f"/api/images/{prelabelled.pk}/annotation/prelabel")
    assert response.status_code == 200 and response["X-Model-Version"] == "vnet-ge-v2"
    assert np.array_equal(decode(response.content), square_mask(prelabelled))


def test_the_annotation_names_its_prelabel_and_uncertainty(client_for, prelabelled):
    body = client_for("labeller").get(f"/api/images/{prelabelled.pk}/annotation").json()
    assert body["status"] == "none" and body["current_revision"] is None
    assert body["prelabel"]["model_version_name"] == "vnet-ge-v2" and body["prelabel"]["uncertainty"] == 0.3


def test_a_prelabel_of_the_wrong_shape_or_labels_is_refused(image):
    with pytest.raises(ApplicationError, match="image"):
        prelabel_store(image=image, mask=np.zeros((3, 3)), model_version_id=1, model_version_name="x", uncertainty=None)
    with pytest.raises(ApplicationError, match="outside the label set"):
        prelabel_store(
            image=image, mask=square_mask(image, value=9), model_version_id=1, model_version_name="x", uncertainty=None
        )
