"""A checkpoint file becomes a base version, by CLI or admin; bad files are refused with a reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from modelhub.models import ModelVersion
from segmentation.cohort import phantom_samples
from segmentation.train import TrainConfig, train
from studies import storage


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    config = TrainConfig(arch="vnet", epochs=1, steps_per_epoch=1, augment=False, net_kwargs={"width": 4})
    train(phantom_samples("A", range(2), matrix=64), path, config)
    return path


def test_the_cli_imports_a_checkpoint_as_the_active_base(db, checkpoint):
    call_command("import_model", str(checkpoint), "--name", "base-imported", "--activate")
    version = ModelVersion.objects.get(name="base-imported")
    assert version.status == "active" and version.device is None and version.arch == "vnet"
    assert storage.exists(version.weights_path) and len(version.checksum) == 64


def test_the_cli_refuses_a_file_that_is_not_a_checkpoint(db, tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CommandError, match="not a usable checkpoint"):
        call_command("import_model", str(junk), "--name", "junk")
    assert not ModelVersion.objects.exists()


def test_an_admin_imports_a_checkpoint_through_the_admin(make_user, checkpoint):
    admin_user, _ = make_user("admin")
    admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    upload = SimpleUploadedFile("tiny.pt", checkpoint.read_bytes())
    response = client.post("/admin/modelhub/modelversion/import/", {"checkpoint": upload, "name": "from-admin"})
    assert response.status_code == 302, response.content[:500]
    assert ModelVersion.objects.get(name="from-admin").status == "candidate"
