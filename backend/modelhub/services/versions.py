"""Model versions: import a checkpoint, promote (one active per device, switched atomically), roll back.

model_version_promote is the one way a version becomes active (API, admin, `import_model --activate`,
auto-promotion after training): each promotion queues the re-prediction of every image the version now
serves, sent when the promotion commits."""

from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError
from segmentation.checkpoint import CheckpointError, load_checkpoint
from studies.models import Device, Image

from ..models import MIN_TEST_IMAGES, Evaluation, ModelVersion
from ..selectors import active_version
from .files import weights_store
from .inference import images_to_measure, inference_start

GATE_MAX_LOSS = 0.01  # the gate refuses a candidate that loses more Dice than this on any other device


def model_version_import(
    *, path: Path, name: str, device: Device | None = None, created_by=None, activate: bool = False, notes: str = ""
) -> ModelVersion:
    """Register a checkpoint file as a version (a base version when `device` is None), validated by the engine."""
    if ModelVersion.objects.filter(name=name).exists():
        raise ApplicationError(f"a model version named {name!r} already exists", code="duplicate_name")
    try:
        checkpoint = load_checkpoint(path)
    except (CheckpointError, OSError) as error:
        raise ApplicationError(f"{path.name} is not a usable checkpoint: {error}", code="bad_checkpoint") from error
    relative, checksum = weights_store(source=path, name=name)
    version = ModelVersion.objects.create(
        name=name,
        device=device,
        status=ModelVersion.Status.CANDIDATE,
        arch=checkpoint.spec.arch,
        label_names=list(checkpoint.spec.label_names),
        weights_path=relative,
        checksum=checksum,
        hyperparameters={"net_kwargs": checkpoint.spec.net_kwargs, **checkpoint.metadata.get("config", {})},
        code_version=checkpoint.code_version,
        history=list(checkpoint.history),
        created_by=created_by,
        notes=notes,
    )
    if activate:
        version = model_version_promote(version=version, user=created_by)
    return version


def model_version_promote(*, version: ModelVersion, gate: bool = False, user=None) -> ModelVersion:
    """Make `version` the active one for its device; the previous active one is retired in the same transaction,
    and an inference job for every image the version now serves is queued with it (sent after commit).

    Promotions for one device serialise on the device row; the unique constraint backs this up (and covers
    base versions, which have no device row to lock).
    """
    try:
        with transaction.atomic():
            promoted = _promote(version, gate)
            inference_for_served_devices(version=promoted, user=user)
            return promoted
    except IntegrityError as error:
        raise ApplicationError(
            "another promotion for this device happened at the same moment; reload and try again",
            code="concurrent_promotion",
            http_status=409,
        ) from error


def _promote(version: ModelVersion, gate: bool) -> ModelVersion:
    if version.device_id is not None:
        Device.objects.select_for_update().get(pk=version.device_id)
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in {ModelVersion.Status.CANDIDATE, ModelVersion.Status.RETIRED}:
        raise ApplicationError(
            f"{version.name} is {version.status}; only candidate or retired versions can be made active",
            code="not_promotable",
            http_status=409,
        )
    if gate:
        refusal = gate_refusal(candidate=version)
        if refusal:
            raise ApplicationError(f"the gate refused {version.name}: {refusal}", code="gate_refused", http_status=409)
    current = list(
        ModelVersion.objects.select_for_update().filter(device=version.device, status=ModelVersion.Status.ACTIVE)
    )
    for previous in current:
        previous.status = ModelVersion.Status.RETIRED
        previous.save(update_fields=["status"])
    version.status = ModelVersion.Status.ACTIVE
    version.promoted_at = timezone.now()
    version.save(update_fields=["status", "promoted_at"])
    return version


def gate_refusal(*, candidate: ModelVersion) -> str:
    """Why the candidate must not replace the active version, or '' when it may.

    It must beat the active version on its own device's test split, and lose no more than GATE_MAX_LOSS Dice
    on any other device it serves (devices with no version of their own, served by this one's fallback).
    A Dice on fewer than MIN_TEST_IMAGES test images is noise: on its own device the gate then refuses with
    "not enough test images" rather than compare two such numbers; other devices that small are not compared.
    """
    active = active_version(device=candidate.device)
    if active is None:
        return ""
    scores = {e.device_id: e for e in candidate.evaluations.all()}
    baseline = {e.device_id: e.dice_mean for e in active.evaluations.all()}
    own = candidate.device_id
    if own is not None:
        if own not in scores:
            return "it has no evaluation on its own device's test split"
        if not scores[own].conclusive:
            return (
                f"not enough test images on its device ({scores[own].images}; at least {MIN_TEST_IMAGES} "
                "needed to compare Dice): accept more test-split masks, or promote without the gate"
            )
        if own in baseline and scores[own].dice_mean <= baseline[own]:
            return (
                f"Dice {scores[own].dice_mean:.3f} on its device does not beat the active {active.name} "
                f"({baseline[own]:.3f}, n={scores[own].images})"
            )
    for device_id in served_devices(candidate=candidate):
        if device_id == own or device_id not in baseline or device_id not in scores:
            continue
        if not scores[device_id].conclusive:
            continue
        loss = baseline[device_id] - scores[device_id].dice_mean
        if loss > GATE_MAX_LOSS:
            name = Device.objects.get(pk=device_id).display_name
            return f"it loses {loss:.3f} Dice on {name} (more than {GATE_MAX_LOSS}, n={scores[device_id].images})"
    return ""


def served_devices(*, candidate: ModelVersion) -> list[int]:
    """Devices this version would serve if active: its own, or for a base every device without its own."""
    if candidate.device_id is not None:
        return [candidate.device_id]
    own = set(
        ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE, device__isnull=False).values_list(
            "device_id", flat=True
        )
    )
    return [d for d in Device.objects.values_list("id", flat=True) if d not in own]


def inference_for_served_devices(*, version: ModelVersion, user=None):
    """Every image the version serves that is measured (images_to_measure) or was predicted before gets its
    prediction (images it already predicted keep theirs): not every slice of every volume."""
    served = Image.objects.filter(device_id__in=served_devices(candidate=version))
    predicted = set(served.filter(predictions__isnull=False).values_list("id", flat=True))
    measured = images_to_measure(image_ids=list(served.values_list("id", flat=True)))
    image_ids = sorted(predicted | set(measured))
    return inference_start(image_ids=image_ids, user=user, reason=f"promotion of {version.name}")


def evaluation_matrix() -> dict:
    """Versions x devices: Dice and SMA error for the heatmap."""
    cells = Evaluation.objects.select_related("version", "device").order_by("version__created_at", "device__id")
    return {
        "cells": [
            {
                "version_id": c.version_id,
                "version": c.version.name,
                "device_id": c.device_id,
                "device": c.device.display_name,
                "dice_mean": c.dice_mean,
                "dice_sd": c.dice_sd,
                "sma_error_median": c.sma_error_median,
                "images": c.images,
            }
            for c in cells
        ]
    }
