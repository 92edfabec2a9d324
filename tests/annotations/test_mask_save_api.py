"""PUT /api/images/{id}/annotation/mask: lossless round trip, optimistic locking, refusals with reasons."""

import numpy as np
import pytest
from PIL import Image as PILImage

from annotations.masks import MAX_PNG_BYTES
from annotations.models import Annotation, AnnotationRevision

from .conftest import decode, etag, mask_url, png, png_from_pil, save, square_mask, submit


def test_every_pixel_of_a_saved_mask_survives_the_round_trip(client_for, ct_image, label_set):
    labeller = client_for("labeller")
    mask = np.random.default_rng(7).integers(0, 3, size=(ct_image.rows, ct_image.columns), dtype=np.uint8)
    response = save(labeller, ct_image, mask, seconds=12.5)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "draft" and response["ETag"] == response.json()["etag"]
    loaded = labeller.get(mask_url(ct_image))
    assert loaded["Content-Type"] == "image/png" and loaded["X-Mask-Source"] == "annotation"
    assert loaded["ETag"] == response["ETag"]
    assert decode(loaded.content).shape == (512, 512)
    assert np.array_equal(decode(loaded.content), mask)


def test_a_new_image_shows_an_empty_mask_of_its_size(client_for, image):
    response = client_for("labeller").get(mask_url(image))
    assert response["X-Mask-Source"] == "empty"
    assert not decode(response.content).any() and decode(response.content).shape == (image.rows, image.columns)


def test_the_revision_records_author_seconds_counts_and_checksum(client_for, image):
    labeller = client_for("labeller")
    body = save(labeller, image, square_mask(image, value=2, size=5), seconds=41.0).json()
    revision = body["current_revision"]
    assert revision["number"] == 1 and revision["author"] == "labeller-user"
    assert revision["seconds_active"] == 41.0 and revision["source"] == "manual"
    assert revision["counts"] == {"muscle": 0, "liver": 25}
    assert len(revision["sha256"]) == 64 and body["labeller"] == "labeller-user"


def test_a_save_without_if_match_is_refused_with_428(client_for, image):
    response = save(client_for("labeller"), image, square_mask(image), if_match=None)
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_a_save_on_a_stale_etag_gets_412_and_the_stored_mask_is_unchanged(client_for, client_as, image):
    first, second = client_for("labeller"), client_as("labeller", "second-labeller")
    stale = etag(second, image)
    assert save(first, image, square_mask(image, value=1)).status_code == 200
    response = save(second, image, square_mask(image, value=2), if_match=stale)
    assert response.status_code == 412
    assert response.json()["code"] == "stale" and response.json()["etag"] == etag(first, image)
    assert np.array_equal(decode(first.get(mask_url(image)).content), square_mask(image, value=1))
    assert AnnotationRevision.objects.count() == 1


def test_an_etag_of_another_image_counts_as_stale(client_for, make_image):
    labeller = client_for("labeller")
    one, other = make_image(), make_image()
    response = save(labeller, one, square_mask(one), if_match=etag(labeller, other))
    assert response.status_code == 412


def test_each_save_makes_a_new_immutable_revision_and_a_new_etag(client_for, image):
    labeller = client_for("labeller")
    first = save(labeller, image, square_mask(image, value=1))
    second = save(labeller, image, square_mask(image, value=2), if_match=first["ETag"])
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    numbers = list(AnnotationRevision.objects.order_by("number").values_list("number", "counts"))
    assert numbers == [(1, {"muscle": 64, "liver": 0}), (2, {"muscle": 0, "liver": 64})]


def rgb_png(image) -> bytes:
    return png_from_pil(PILImage.new("RGB", (image.columns, image.rows)))


def sixteen_bit_png(image) -> bytes:
    return png_from_pil(PILImage.fromarray(np.zeros((image.rows, image.columns), np.uint16)))


def palette_png(image) -> bytes:
    return png_from_pil(PILImage.new("P", (image.columns, image.rows)))


def wrong_size_png(image) -> bytes:
    return png(np.zeros((image.rows + 1, image.columns), np.uint8))


def unknown_label_png(image) -> bytes:
    return png(square_mask(image, value=7))


def truncated_png(image) -> bytes:
    return png(np.random.default_rng(1).integers(0, 3, (image.rows, image.columns), dtype=np.uint8))[:-40]


@pytest.mark.parametrize(
    "make_body,code,words",
    [
        (lambda image: b"not a png at all", "mask_not_png", "not a PNG"),
        (rgb_png, "mask_not_gray", "colour (RGB)"),
        (palette_png, "mask_not_gray", "palette"),
        (sixteen_bit_png, "mask_bit_depth", "16-bit"),
        (wrong_size_png, "mask_wrong_size", "33x32"),
        (unknown_label_png, "mask_values", "outside the label set: 7"),
        (truncated_png, "mask_corrupt", "damaged or truncated"),
    ],
    ids=["not-png", "rgb", "palette", "16-bit", "wrong-size", "unknown-label", "truncated"],
)
def test_a_bad_png_is_refused_with_a_reason_and_nothing_is_stored(client_for, image, make_body, code, words):
    response = save(client_for("labeller"), image, make_body(image))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and words in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_an_oversized_mask_body_is_refused_before_decoding(client_for, image):
    response = save(client_for("labeller"), image, b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_PNG_BYTES)
    assert response.status_code == 413 and response.json()["code"] == "mask_too_large"


def test_a_nonsense_active_seconds_header_is_refused(client_for, image):
    response = save(client_for("labeller"), image, square_mask(image), seconds=-5)
    assert response.status_code == 400 and response.json()["code"] == "bad_active_seconds"


def test_a_submitted_mask_cannot_be_edited(client_for, image):
    labeller = client_for("labeller")
    save(labeller, image, square_mask(image))
    assert submit(labeller, image).status_code == 200
    response = save(labeller, image, square_mask(image, value=2))
    assert response.status_code == 409 and response.json()["status"] == "submitted"


def test_an_unknown_label_set_is_a_404(client_for, image):
    response = client_for("labeller").get(f"/api/images/{image.pk}/annotation?label_set=999")
    assert response.status_code == 404


def test_a_client_may_ask_for_the_mask_as_png(client_for, ct_dir):
    from studies.services import upload_ingest
    from tests.studies.uploads import named_upload

    image_id = upload_ingest(files=[named_upload(ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm")], user=None)[
        0
    ].image_id
    response = client_for("labeller").get(f"/api/images/{image_id}/annotation/mask", HTTP_ACCEPT="image/png")
    assert response.status_code == 200 and response.content[:8] == b"\x89PNG\r\n\x1a\n"
