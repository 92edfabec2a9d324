"""GET /api/images/{id}/measurement-mask: the 8-bit label map a measurement was made from."""

import io

import numpy as np
from PIL import Image as PILImage

from measurements.models import Measurement

from .conftest import api_client, drawn_mask, slices


def decode(content: bytes) -> np.ndarray:
    picture = PILImage.open(io.BytesIO(content))
    assert picture.mode == "L", "an 8-bit grayscale label map"
    return np.array(picture)


def test_it_returns_the_mask_the_measurement_was_made_from(clinician, study):
    image = slices(study)[0]
    measurement = Measurement.objects.get(image=image)
    response = api_client(clinician).get(f"/api/images/{image.pk}/measurement-mask?measurement={measurement.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Measurement"] == str(measurement.pk)
    assert np.array_equal(decode(response.content), drawn_mask(image))


def test_without_a_measurement_id_it_returns_the_preferred_measurements_mask(clinician, study):
    image = slices(study)[2]
    response = api_client(clinician).get(f"/api/images/{image.pk}/measurement-mask")
    assert response.status_code == 200
    assert response["X-Measurement"] == str(Measurement.objects.get(image=image).pk)


def test_a_measurement_of_another_image_is_not_found(clinician, study):
    first, _, last = slices(study)
    other = Measurement.objects.get(image=last)
    response = api_client(clinician).get(f"/api/images/{first.pk}/measurement-mask?measurement={other.pk}")
    assert response.status_code == 404


def test_an_unmeasured_slice_has_no_mask(clinician, study):
    response = api_client(clinician).get(f"/api/images/{slices(study)[1].pk}/measurement-mask")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_measurement_id_must_be_a_number(clinician, study):
    response = api_client(clinician).get(f"/api/images/{slices(study)[0].pk}/measurement-mask?measurement=x")
    assert response.status_code == 400


def test_another_clinician_cannot_read_it(make_user, study):
    other, _ = make_user("clinician", name="dr-other")
    assert api_client(other).get(f"/api/images/{slices(study)[0].pk}/measurement-mask").status_code == 404
