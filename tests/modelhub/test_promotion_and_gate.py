"""Promotion: one active version per device, switched atomically; roll back; the gate."""

import threading

import pytest
from django.db import connection

from core.errors import ApplicationError
from modelhub.models import Evaluation, ModelVersion
from modelhub.services.versions import active_version, model_version_promote
from studies.models import Device
from tests.conftest import require_postgresql


def device(key: str) -> Device:
    return Device.objects.create(key=key, manufacturer=key, model_name=key, display_name=key.upper())


def version(
    name: str, dev: Device | None, status=ModelVersion.Status.CANDIDATE, parent=None, images: int = 5, **dice
) -> ModelVersion:
    made = ModelVersion.objects.create(name=name, device=dev, status=status, arch="vnet", parent=parent)
    for device_key, score in dice.items():
        Evaluation.objects.create(
            version=made, device=Device.objects.get(key=device_key), images=images, dice_mean=score, dice_sd=0.01
        )
    return made


def test_promoting_a_candidate_retires_the_previous_active_version(db):
    b = device("b")
    first = version("b-v1", b)
    second = version("b-v2", b)
    model_version_promote(version=first)
    model_version_promote(version=second)
    first.refresh_from_db()
    assert first.status == "retired" and active_version(device=b).name == "b-v2"


def test_rolling_back_makes_an_earlier_version_active_again(db):
    b = device("b")
    first, second = version("b-v1", b), version("b-v2", b)
    model_version_promote(version=first)
    model_version_promote(version=second)
    model_version_promote(version=ModelVersion.objects.get(pk=first.pk))
    assert active_version(device=b).pk == first.pk
    assert ModelVersion.objects.get(pk=second.pk).status == "retired"


def test_a_device_without_its_own_version_falls_back_to_the_base(db):
    b = device("b")
    base = version("base-v1", None)
    model_version_promote(version=base)
    assert active_version(device=b).pk == base.pk


def test_the_gate_refuses_a_candidate_worse_on_its_own_device(db):
    b = device("b")
    model_version_promote(version=version("b-v1", b, b=0.90))
    worse = version("b-v2", b, b=0.85)
    with pytest.raises(ApplicationError, match="does not beat"):
        model_version_promote(version=worse, gate=True)
    assert active_version(device=b).name == "b-v1"


def test_the_gate_refuses_a_base_that_forgets_a_device_it_serves(db):
    device("a"), device("b")
    model_version_promote(version=version("base-v1", None, a=0.90, b=0.80))
    forgetful = version("base-v2", None, a=0.95, b=0.75)
    with pytest.raises(ApplicationError, match="loses 0.050 Dice on B"):
        model_version_promote(version=forgetful, gate=True)
    better = version("base-v3", None, a=0.95, b=0.795)
    assert model_version_promote(version=better, gate=True).status == "active"


def test_the_gate_says_not_enough_test_images_instead_of_comparing_dice_on_fewer_than_five(db):
    b = device("b")
    model_version_promote(version=version("b-v1", b, images=4, b=0.847))
    with pytest.raises(ApplicationError, match=r"not enough test images on its device \(4; at least 5") as refusal:
        model_version_promote(version=version("b-v2", b, images=4, b=0.849), gate=True)
    assert "0.84" not in refusal.value.message
    assert active_version(device=b).name == "b-v1"


def test_the_gate_does_not_compare_a_served_device_with_fewer_than_five_test_images(db):
    device("a"), device("b")
    model_version_promote(version=version("base-v1", None, a=0.90))
    Evaluation.objects.create(
        version=active_version(device=None), device=Device.objects.get(key="b"), images=2, dice_mean=0.80, dice_sd=0.01
    )
    candidate = version("base-v2", None, a=0.95)
    Evaluation.objects.create(
        version=candidate, device=Device.objects.get(key="b"), images=2, dice_mean=0.70, dice_sd=0.01
    )
    assert model_version_promote(version=candidate, gate=True).status == "active"


def test_a_failed_or_training_version_cannot_be_promoted(db):
    with pytest.raises(ApplicationError, match="only candidate or retired"):
        model_version_promote(version=version("b-v1", device("b"), status=ModelVersion.Status.TRAINING))


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_promotions_leave_exactly_one_active_version():
    require_postgresql("row locks need PostgreSQL (set DATABASE_URL)")
    b = device("b")
    candidates = [version(f"b-v{i}", b) for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def promote(candidate):
        barrier.wait()
        try:
            model_version_promote(version=candidate)
            outcomes.append("ok")
        except ApplicationError as refusal:
            outcomes.append(refusal.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=promote, args=(c,)) for c in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ModelVersion.objects.filter(device=b, status="active").count() == 1
    assert outcomes.count("ok") >= 1
