"""Every promotion (API, admin, import_model --activate, auto-promotion) goes through one service that, once it
commits, predicts the images the new active version serves: they get measurements by that version."""

import pytest
from django.core.management import call_command
from django.test import Client

from measurements.models import Measurement
from modelhub.models import ModelVersion
from modelhub.services.versions import model_version_import
from segmentation.cohort import phantom_samples
from segmentation.train import TrainConfig, train
from studies.models import Image
from tests.modelhub.factories import phantom_cohort


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    config = TrainConfig(arch="vnet", epochs=1, steps_per_epoch=1, augment=False, net_kwargs={"width": 4})
    train(phantom_samples("A", range(2), matrix=64), path, config)
    return path


@pytest.fixture
def measured_by_base(db, tmp_path, checkpoint, django_capture_on_commit_callbacks):
    """Two devices' images, measured by the base that `import_model --activate` made active."""
    cohort = phantom_cohort(tmp_path / "cohort", devices=("A", "B"), subjects=2, matrix=64)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_model", str(checkpoint), "--name", "base-v1", "--activate")
    sop = next(e["sop_instance_uid"] for e in cohort["manifest"]["images"] if e["device"] == "B")
    return cohort["images"][sop].device


def measured_images(version_name: str) -> set[int]:
    rows = Measurement.objects.filter(model_version__name=version_name, source=Measurement.Source.MODEL)
    return set(rows.values_list("image_id", flat=True))


def test_import_model_with_activate_measures_every_image_by_the_new_base(measured_by_base):
    assert measured_images("base-v1") == set(Image.objects.values_list("id", flat=True))


def test_a_manual_promotion_by_api_repredicts_the_devices_images(
    measured_by_base, checkpoint, client_for, django_capture_on_commit_callbacks
):
    device = measured_by_base
    candidate = model_version_import(path=checkpoint, name="b-v1", device=device)
    assert measured_images("b-v1") == set()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("ml_lead").post(f"/api/model-versions/{candidate.pk}/promote", {}, format="json")
    assert response.status_code == 200, response.content
    assert measured_images("b-v1") == set(device.images.values_list("id", flat=True))
    other_devices = Image.objects.exclude(device=device).values_list("id", flat=True)
    assert measured_images("b-v1").isdisjoint(other_devices)  # the base still serves the others


def test_a_promotion_from_the_admin_repredicts_the_devices_images(
    measured_by_base, checkpoint, make_user, django_capture_on_commit_callbacks
):
    device = measured_by_base
    candidate = model_version_import(path=checkpoint, name="b-v1", device=device)
    admin_user, _ = make_user("admin")
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/modelhub/modelversion/", {"action": "promote", "_selected_action": [candidate.pk]}, follow=True
        )
    assert ModelVersion.objects.get(pk=candidate.pk).status == "active"
    assert measured_images("b-v1") == set(device.images.values_list("id", flat=True))
