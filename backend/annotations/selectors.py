"""Reads, scoped by role: researchers see accepted masks only; labellers list their own annotations."""

import hashlib
import statistics
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.roles import ADMIN, LABELLER, ML_LEAD, RESEARCHER, REVIEWER, has_role
from core.errors import ApplicationError
from core.fields import MAX_ID
from studies.models import Image, Split
from studies.selectors import image_list

from .masks import mask_encode, mask_load
from .models import (
    DEFAULT_LABEL_SET_NAME,
    DEFAULT_LABELS,
    NO_ANNOTATION,
    Annotation,
    AnnotationRevision,
    LabelSet,
    Origin,
    Prelabel,
    Status,
)

EVERY_ANNOTATION_ROLES = (REVIEWER, ML_LEAD, ADMIN)  # see every annotation, whatever its status
WORKING_ROLES = (LABELLER, *EVERY_ANNOTATION_ROLES)  # see any single annotation
QUEUE_STRATEGIES = ("uncertainty", "random", "coverage")
SPLITS = (Split.TRAIN, Split.TEST, "all")


def etag_for(*, image_id: int, label_set_id: int, version: int) -> str:
    return f'"{image_id}.{label_set_id}.{version}"'


def label_set_list() -> QuerySet[LabelSet]:
    return LabelSet.objects.all()


def label_set_get(*, label_set_id=None) -> LabelSet:
    """The label set named by `?label_set=`, or the default one."""
    if label_set_id in (None, ""):
        return LabelSet.objects.filter(is_default=True).first() or _default_restored()
    try:
        pk = int(label_set_id)
        if not 1 <= pk <= MAX_ID:
            raise ValueError(pk)
        return LabelSet.objects.get(pk=pk)
    except (TypeError, ValueError):
        reason = f"label_set must be a positive whole number (an id), not {label_set_id!r}."
        raise ApplicationError(reason, code="bad_label_set") from None
    except LabelSet.DoesNotExist:
        raise ApplicationError(f"No label set {label_set_id}.", code="no_label_set", http_status=404) from None


def _default_restored() -> LabelSet:
    """The migration seeds the default set, but it can vanish (a flushed test database, an operator's
    deletion); every default-label-set caller would then fail, so put the built-in one back."""
    label_set, _ = LabelSet.objects.get_or_create(name=DEFAULT_LABEL_SET_NAME, defaults={"labels": DEFAULT_LABELS})
    LabelSet.objects.filter(pk=label_set.pk).update(is_default=True)
    label_set.is_default = True
    return label_set


def image_get(*, user, image_id: int) -> Image:
    return get_object_or_404(image_list(user=user), pk=image_id)


def prelabel_latest(*, image_id: int, label_set: LabelSet, with_mask: bool = False) -> Prelabel | None:
    prelabels = Prelabel.objects.filter(image_id=image_id, label_set=label_set).order_by("-created_at", "-id")
    return (prelabels if with_mask else prelabels.defer("mask_png")).first()


def annotation_find(*, image_id: int, label_set: LabelSet) -> Annotation | None:
    return (
        Annotation.objects.select_related("current_revision", "prelabel", "labeller", "reviewer", "label_set")
        .defer("current_revision__mask_png", "prelabel__mask_png")
        .filter(image_id=image_id, label_set=label_set)
        .first()
    )


@dataclass
class AnnotationState:
    """What GET /api/images/{id}/annotation describes, including the state before anyone saved."""

    image: Image
    label_set: LabelSet
    annotation: Annotation | None
    prelabel: Prelabel | None  # the one the annotation started from, else the newest

    @property
    def status(self) -> str:
        return self.annotation.status if self.annotation else NO_ANNOTATION

    @property
    def version(self) -> int:
        return self.annotation.version if self.annotation else 0

    @property
    def etag(self) -> str:
        return etag_for(image_id=self.image.pk, label_set_id=self.label_set.pk, version=self.version)


def can_see_every_status(user) -> bool:
    return has_role(user, *WORKING_ROLES)


def annotation_state(
    *, user, image: Image, label_set: LabelSet, annotation: Annotation | None = None
) -> AnnotationState:
    """The annotation of an image as `user` may see it; a researcher gets 404 unless it is accepted.

    A write passes the row it wrote: read again, it could already carry a later writer's version.
    """
    annotation = annotation or annotation_find(image_id=image.pk, label_set=label_set)
    if not can_see_every_status(user) and (annotation is None or annotation.status != Status.ACCEPTED):
        raise ApplicationError("No accepted annotation for this image.", code="not_found", http_status=404)
    prelabel = annotation.prelabel if annotation and annotation.prelabel_id else None
    if prelabel is None and (annotation is None or annotation.current_revision_id is None):
        prelabel = prelabel_latest(image_id=image.pk, label_set=label_set)
    return AnnotationState(image=image, label_set=label_set, annotation=annotation, prelabel=prelabel)


@dataclass(frozen=True)
class MaskToShow:
    png: bytes
    source: str  # annotation | prelabel | empty
    model_version_name: str = ""


def mask_to_show(*, state: AnnotationState) -> MaskToShow:
    """The current revision's mask, else the newest pre-label, else all background."""
    if state.annotation and state.annotation.current_revision_id:
        png = AnnotationRevision.objects.values_list("mask_png", flat=True).get(pk=state.annotation.current_revision_id)
        return MaskToShow(bytes(png), "annotation")
    prelabel = prelabel_latest(image_id=state.image.pk, label_set=state.label_set, with_mask=True)
    if prelabel is not None:
        return MaskToShow(bytes(prelabel.mask_png), "prelabel", prelabel.model_version_name)
    return MaskToShow(mask_encode(np.zeros((state.image.rows, state.image.columns), np.uint8)), "empty")


def prelabel_for_state(*, state: AnnotationState) -> Prelabel | None:
    """The pre-label PNG to compare against: the annotation's starting point, else the newest."""
    if state.annotation and state.annotation.prelabel_id:
        return Prelabel.objects.get(pk=state.annotation.prelabel_id)
    return prelabel_latest(image_id=state.image.pk, label_set=state.label_set, with_mask=True)


def annotation_list(
    *, user, label_set: LabelSet, status: str = "", device_id: int | None = None, labeller: str = ""
) -> QuerySet[Annotation]:
    annotations = (
        Annotation.objects.filter(label_set=label_set)
        .select_related("image__series", "image__device", "labeller", "current_revision")
        .defer("current_revision__mask_png")
        .order_by("-updated_at", "-id")
    )
    if not has_role(user, *EVERY_ANNOTATION_ROLES):
        visible = Q(pk__in=[])
        if has_role(user, LABELLER):
            visible |= Q(labeller=user)
        if has_role(user, RESEARCHER):
            visible |= Q(status=Status.ACCEPTED)
        annotations = annotations.filter(visible)
    if status:
        annotations = annotations.filter(status=status)
    if device_id is not None:
        annotations = annotations.filter(image__device_id=device_id)
    if labeller:
        annotations = annotations.filter(labeller__username=labeller)
    return annotations


def _latest_uncertainty(label_set: LabelSet) -> Subquery:
    newest = Prelabel.objects.filter(image=OuterRef("pk"), label_set=label_set).order_by("-created_at", "-id")
    return Subquery(newest.values("uncertainty")[:1])


def _annotation_field(label_set: LabelSet, field: str) -> Subquery:
    mine = Annotation.objects.filter(image=OuterRef("pk"), label_set=label_set)
    return Subquery(mine.values(field)[:1])


def queue_candidates(*, user, label_set: LabelSet, device_id: int | None, split: str) -> QuerySet[Image]:
    """Images a labeller may pick up: no annotation yet, or the caller's own draft.

    Other people's drafts and rejected masks stay with them, so two labellers never race on one image.
    """
    images = Image.objects.select_related("series", "device").annotate(
        uncertainty=_latest_uncertainty(label_set),
        annotation_status=_annotation_field(label_set, "status"),
        annotation_labeller=_annotation_field(label_set, "labeller_id"),
    )
    if split != "all":
        images = images.filter(split=split)
    if device_id is not None:
        images = images.filter(device_id=device_id)
    return images.filter(
        Q(annotation_status__isnull=True) | Q(annotation_status=Status.DRAFT, annotation_labeller=user.pk)
    )


def labelling_queue(
    *, user, label_set: LabelSet, strategy: str, device_id: int | None = None, split: str = Split.TRAIN, limit: int = 20
) -> list[dict]:
    rejected = rejected_for(user=user, label_set=label_set, device_id=device_id, split=split)[:limit]
    items = [_queue_item(a.image, a.status, _uncertainty_of(a), a.review_comment) for a in rejected]
    candidates = queue_candidates(user=user, label_set=label_set, device_id=device_id, split=split)
    ordered = ORDERINGS[strategy](candidates, user=user, label_set=label_set, limit=limit - len(items))
    items += [_queue_item(i, i.annotation_status or NO_ANNOTATION, i.uncertainty, "") for i in ordered]
    return items


def rejected_for(*, user, label_set: LabelSet, device_id: int | None, split: str) -> QuerySet[Annotation]:
    rejected = Annotation.objects.filter(label_set=label_set, labeller=user, status=Status.REJECTED)
    if split != "all":
        rejected = rejected.filter(image__split=split)
    if device_id is not None:
        rejected = rejected.filter(image__device_id=device_id)
    return rejected.select_related("image__series", "image__device", "prelabel").order_by("reviewed_at", "id")


def _uncertainty_of(annotation: Annotation) -> float | None:
    return annotation.prelabel.uncertainty if annotation.prelabel_id else None


def _queue_item(image: Image, status: str, uncertainty: float | None, comment: str) -> dict:
    return {
        "image_id": image.pk,
        "study_id": image.series.study_id,
        "device": image.device.display_name,
        "split": image.split,
        "uncertainty": uncertainty,
        "status": status,
        "review_comment": comment,
    }


def _by_uncertainty(candidates: QuerySet[Image], *, limit: int, **_) -> list[Image]:
    return list(candidates.order_by(F("uncertainty").desc(nulls_last=True), "id")[: max(limit, 0)])


def _by_random(candidates: QuerySet[Image], *, user, limit: int, **_) -> list[Image]:
    """A shuffle that stays put for one user for one day, so reloading the queue does not jump around."""
    seed = f"{user.pk}:{timezone.localdate().isoformat()}"
    ids = sorted(
        candidates.values_list("id", flat=True), key=lambda pk: hashlib.sha256(f"{seed}:{pk}".encode()).digest()
    )[: max(limit, 0)]
    by_id = candidates.in_bulk(ids)
    return [by_id[pk] for pk in ids]


def _by_coverage(candidates: QuerySet[Image], *, label_set: LabelSet, limit: int, **_) -> list[Image]:
    """Round-robin over devices, the device with the fewest accepted masks first."""
    accepted = dict(
        Annotation.objects.filter(label_set=label_set, status=Status.ACCEPTED)
        .values_list("image__device_id")
        .annotate(n=Count("id"))
    )
    per_device: dict[int, list[Image]] = {}
    for image in _by_uncertainty(candidates, limit=10**9):
        per_device.setdefault(image.device_id, []).append(image)
    devices = sorted(per_device, key=lambda d: (accepted.get(d, 0), per_device[d][0].device.display_name, d))
    ordered: list[Image] = []
    while len(ordered) < limit and any(per_device.values()):
        for device_id in devices:
            if per_device[device_id] and len(ordered) < limit:
                ordered.append(per_device[device_id].pop(0))
    return ordered


ORDERINGS = {"uncertainty": _by_uncertainty, "random": _by_random, "coverage": _by_coverage}


def accepted_revisions(*, device=None, split: str | None = Split.TRAIN, label_set: LabelSet | None = None):
    """The current revisions of accepted annotations (what trains models), each with `image_id`.

    `device` is a Device or its id; `split=None` means every split; `label_set` defaults to the default set.
    """
    label_set = label_set or label_set_get()
    revisions = (
        AnnotationRevision.objects.filter(current_of__status=Status.ACCEPTED, current_of__label_set=label_set)
        .select_related("annotation__image", "annotation__label_set")
        .order_by("annotation__image_id", "id")
    )
    if device is not None:
        revisions = revisions.filter(annotation__image__device=device)
    if split:
        revisions = revisions.filter(annotation__image__split=split)
    return revisions.annotate(image_id=F("annotation__image_id"))


def revision_mask(revision: AnnotationRevision) -> np.ndarray:
    """The revision's label map as a (rows, columns) uint8 array."""
    return mask_load(revision.mask_png)


def revision_labels_annotated(revision: AnnotationRevision) -> tuple[str, ...] | None:
    """The labels a training sample of this revision may learn (the engine's Sample.annotated):
    None when the mask covers every label of its set, else the covered names."""
    return None if revision.covers_every_label else tuple(revision.covered_names)


def labelling_stats(*, label_set: LabelSet) -> dict:
    """Effort per finished (submitted or accepted) image: from scratch vs. corrected, and correction size
    per pre-labelling model version. Seconds are summed over all of an image's revisions."""
    finished = (
        Annotation.objects.filter(label_set=label_set, status__in=[Status.SUBMITTED, Status.ACCEPTED])
        .exclude(current_revision=None)
        # Seeded ground truth is nobody's labelling work: counted, it made "from scratch" look instant.
        .exclude(revisions__origin=Origin.IMPORT)
        # A labeller's effort: a reviewer's correction is the reviewer's time, not theirs.
        .annotate(seconds=Sum("revisions__seconds_active", filter=Q(revisions__origin=Origin.LABELLING)))
        .values(
            "seconds",
            device=F("image__device__display_name"),
            labeller_name=F("labeller__username"),
            source=F("current_revision__source"),
            model_version_id=F("current_revision__prelabel_model_version_id"),
            model_version_name=F("current_revision__prelabel_model_version_name"),
            pixels_changed=F("current_revision__pixels_changed_from_prelabel"),
            dice=F("current_revision__dice_vs_prelabel"),
        )
    )
    rows = list(finished)
    return {"by_device_labeller": _effort_groups(rows), "by_model_version": _correction_groups(rows)}


def _median(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def _effort_groups(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        groups.setdefault((row["device"], row["labeller_name"] or "", row["source"]), []).append(row["seconds"] or 0.0)
    return [
        {
            "device": device,
            "labeller": labeller,
            "source": source,
            "images": len(seconds),
            "median_seconds": _median(seconds),
            "mean_seconds": float(statistics.fmean(seconds)),
        }
        for (device, labeller, source), seconds in sorted(groups.items())
    ]


def _correction_groups(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["model_version_id"] is not None:
            groups.setdefault((row["model_version_id"], row["model_version_name"]), []).append(row)
    return [
        {
            "model_version_id": version_id,
            "model_version_name": name,
            "images": len(members),
            "median_pixels_changed": _median([m["pixels_changed"] for m in members]),
            "median_dice_vs_prelabel": _median([m["dice"] for m in members]),
        }
        for (version_id, name), members in sorted(groups.items())
    ]
