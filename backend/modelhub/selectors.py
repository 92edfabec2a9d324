"""Reads for the model hub pages and API."""

from django.db.models import Count, Q

from studies.models import Device

from .models import Evaluation, ModelVersion


def active_version(*, device: Device | None) -> ModelVersion | None:
    """The device's own active version, else the active base version."""
    if device is not None:
        own = ModelVersion.objects.filter(device=device, status=ModelVersion.Status.ACTIVE).first()
        if own:
            return own
    return ModelVersion.objects.filter(device__isnull=True, status=ModelVersion.Status.ACTIVE).first()


def version_list():
    return ModelVersion.objects.select_related("device").prefetch_related("evaluations__device")


def version_as_dict(version: ModelVersion, *, detail: bool = False) -> dict:
    data = {
        "id": version.id,
        "name": version.name,
        "device": {"id": version.device_id, "display_name": version.device.display_name} if version.device else None,
        "parent_id": version.parent_id,
        "status": version.status,
        "arch": version.arch,
        "checksum": version.checksum,
        "created_at": version.created_at.isoformat(),
        "promoted_at": version.promoted_at.isoformat() if version.promoted_at else None,
        "train_seconds": version.train_seconds,
        "training_set_size": len(version.training_set),
        "job_id": version.training_job_id,
        "evaluations": [
            {
                "device_id": e.device_id,
                "device": e.device.display_name,
                "dice_mean": e.dice_mean,
                "dice_sd": e.dice_sd,
                "sma_error_median": e.sma_error_median,
                "images": e.images,
            }
            for e in version.evaluations.all()
        ],
    }
    if detail:
        data.update(
            hyperparameters=version.hyperparameters,
            training_set=version.training_set,
            training_set_hash=version.training_set_hash,
            code_version=version.code_version,
            label_names=version.label_names,
            history=version.history,
            notes=version.notes,
        )
    return data


def version_tree() -> list[dict]:
    versions = {v.id: {**version_as_dict(v), "children": []} for v in version_list().order_by("created_at", "id")}
    roots = []
    for node in versions.values():
        parent = versions.get(node["parent_id"])
        (parent["children"] if parent else roots).append(node)
    return roots


def _annotation_counts() -> tuple[dict, dict]:
    """Per device id: images with a saved mask; accepted masks ({"all": n, "train": n})."""
    from annotations.models import Annotation, Status

    labelled: dict[int, int] = {}
    accepted: dict[int, dict[str, int]] = {}
    rows = Annotation.objects.filter(current_revision__isnull=False).values_list(
        "image__device_id", "image__split", "status"
    )
    for device_id, split, state in rows:
        labelled[device_id] = labelled.get(device_id, 0) + 1
        if state == Status.ACCEPTED:
            counts = accepted.setdefault(device_id, {"all": 0, "train": 0})
            counts["all"] += 1
            counts["train"] += split == "train"
    return labelled, accepted


def device_overview() -> list[dict]:
    devices = Device.objects.annotate(
        image_count=Count("images", distinct=True),
        test_count=Count("images", filter=Q(images__split="test"), distinct=True),
    ).order_by("display_name", "id")
    labelled, accepted = _annotation_counts()
    rows = []
    for device in devices:
        version = active_version(device=device)
        evaluation = Evaluation.objects.filter(version=version, device=device).first() if version else None
        rows.append(
            {
                "id": device.id,
                "display_name": device.display_name,
                "key": device.key,
                "images": device.image_count,
                "labelled": labelled.get(device.id, 0),
                "accepted": accepted.get(device.id, {}).get("all", 0),
                "accepted_train": accepted.get(device.id, {}).get("train", 0),
                "test_images": device.test_count,
                "active_version": {"id": version.id, "name": version.name, "is_base": version.is_base}
                if version
                else None,
                "active_dice": evaluation.dice_mean if evaluation else None,
                "active_dice_images": evaluation.images if evaluation else 0,
            }
        )
    return rows
