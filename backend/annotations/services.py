"""Writes: pre-labels from models, mask revisions under optimistic locking, submission and review.

Every state change is a conditional UPDATE on (id, version, status): of two racing writers that read
the same version exactly one changes a row; the other gets 412 (stale) and nothing of it is kept.
"""

import math
from collections.abc import Sequence

import numpy as np
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.roles import ADMIN, has_role
from core.errors import ApplicationError
from studies.models import Image

from .hooks import run_after_accept
from .masks import (
    MaskRefused,
    mask_compare,
    mask_counts,
    mask_decode,
    mask_encode,
    mask_load,
    mask_sha256,
    mask_uncovered_pixels,
    mask_without_labels,
)
from .models import EDITABLE, Annotation, AnnotationRevision, LabelSet, Origin, Prelabel, Review, Source, Status
from .selectors import etag_for, label_set_get, prelabel_latest

MAX_ACTIVE_SECONDS = 24 * 3600


def prelabel_store(
    *,
    image: Image,
    mask: np.ndarray,
    model_version_id: int,
    model_version_name: str,
    uncertainty: float | None,
    label_set: LabelSet | None = None,
    png: bytes | None = None,
) -> Prelabel:
    """Keep a model's prediction for an image; the newest one seeds the next annotation of it. `png`: the
    mask as mask_encode wrote it, when the caller has it already (it is still decoded and checked)."""
    label_set = label_set or label_set_get()
    mask = np.asarray(mask)
    if mask.shape != (image.rows, image.columns):
        raise ApplicationError(f"The pre-label is {mask.shape}, the image {image.rows}x{image.columns}.")
    if mask.size and (mask.min() < 0 or mask.max() > 255):
        raise ApplicationError("The pre-label has values outside 0..255.", code="mask_values")
    mask = mask.astype(np.uint8)
    png = mask_encode(mask) if png is None else png
    _decode_or_refuse(png, image=image, label_set=label_set)  # values from the label set only
    return Prelabel.objects.create(
        image=image,
        label_set=label_set,
        model_version_id=model_version_id,
        model_version_name=model_version_name,
        uncertainty=None if uncertainty is None or not math.isfinite(uncertainty) else float(uncertainty),
        mask_png=png,
        sha256=mask_sha256(png),
        counts=mask_counts(mask, label_set.names_by_value),
    )


def annotation_mask_save(
    *,
    image: Image,
    label_set: LabelSet,
    author,
    png: bytes,
    expected_version: int,
    seconds_active: float,
    labels_covered: Sequence[str] | None = None,
    origin: str = Origin.LABELLING,
) -> Annotation:
    """Save a mask as a new immutable revision; the annotation becomes (or stays) a draft.

    `labels_covered` names the labels the mask was drawn for (None: every label of the set); a mask
    that paints a label it does not cover is refused, since that label's pixels would be contradictory.
    """
    mask = _decode_or_refuse(png, image=image, label_set=label_set)
    covered = _checked_coverage(label_set, labels_covered)
    _refuse_uncovered_paint(mask, label_set, covered)
    seconds_active = _checked_seconds(seconds_active)
    with transaction.atomic():
        annotation = _annotation_get_or_create(image=image, label_set=label_set)
        _refuse_another_labellers_draft(annotation, user=author, action="edit", expected_version=expected_version)
        _advance(annotation, expected_version, EDITABLE, "edit", status=Status.DRAFT, labeller=author)
        revision = _revision_create(
            annotation, author=author, mask=mask, png=png, seconds_active=seconds_active, covered=covered, origin=origin
        )
        Annotation.objects.filter(pk=annotation.pk).update(current_revision=revision)
        # Read back before commit, while our UPDATE still locks the row: the answer (and its ETag) is this
        # save's, never a later writer's, which the client would otherwise overwrite unseen.
        return Annotation.objects.get(pk=annotation.pk)


def _refuse_another_labellers_draft(annotation: Annotation, *, user, action: str, expected_version: int) -> None:
    """A draft (or a rejected mask, back with its labeller) is its labeller's: another labeller may not edit or
    submit it as theirs. Admins may; reviewers act on it by reviewing once it is submitted. The row is locked
    so the labeller cannot change between this check and the conditional update; a stale version is left to
    _advance, whose 412 (reload) comes first."""
    row = Annotation.objects.select_for_update().filter(pk=annotation.pk).values_list("labeller_id", "version")
    owner, version = row.get()
    if version != expected_version or owner is None or owner == user.pk or has_role(user, ADMIN):
        return
    raise ApplicationError(
        f"Cannot {action} this mask: it is another labeller's draft.", code="not_your_draft", http_status=403
    )


def _decode_or_refuse(png: bytes, *, image: Image, label_set: LabelSet) -> np.ndarray:
    try:
        return mask_decode(png, rows=image.rows, columns=image.columns, allowed_values=label_set.values)
    except MaskRefused as refused:
        too_large = refused.code == "mask_too_large"
        raise ApplicationError(refused.reason, code=refused.code, http_status=413 if too_large else 400) from None


def _checked_coverage(label_set: LabelSet, requested: Sequence[str] | None) -> list[str]:
    """The covered label names in label-set order; background is implicit and may be named or not."""
    names = [label["name"] for label in label_set.labels]
    if requested is None:
        return names
    wanted = {name.strip() for name in requested} - {"", "background"}
    unknown = sorted(wanted - set(names))
    if unknown:
        raise ApplicationError(
            f"Labels covered {', '.join(unknown)} not in label set {label_set.name} (its labels: {', '.join(names)}).",
            code="bad_labels_covered",
        )
    if not wanted:
        raise ApplicationError(
            f"Labels covered is empty: name at least one of {', '.join(names)} (or leave it out for all).",
            code="bad_labels_covered",
        )
    return [name for name in names if name in wanted]


def _refuse_uncovered_paint(mask: np.ndarray, label_set: LabelSet, covered: list[str]) -> None:
    painted = mask_uncovered_pixels(mask, label_set.names_by_value, covered)
    if painted:
        listed = ", ".join(f"{name} ({pixels} pixels)" for name, pixels in painted.items())
        raise ApplicationError(
            f"The mask paints {listed} but says it covers only {', '.join(covered)}: "
            "erase those pixels or mark the label as covered.",
            code="mask_paints_uncovered_label",
        )


def _checked_seconds(seconds: float) -> float:
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_ACTIVE_SECONDS:
        raise ApplicationError(
            f"Active seconds must be between 0 and {MAX_ACTIVE_SECONDS}, not {seconds}.", code="bad_active_seconds"
        )
    return float(seconds)


def _annotation_get_or_create(*, image: Image, label_set: LabelSet) -> Annotation:
    """The annotation row; a new one remembers the newest pre-label as the mask's starting point.

    Two first saves racing: the loser's INSERT fails on the unique constraint, get_or_create then
    reads the winner's row, and the version check below refuses the loser with 412.
    """
    existing = Annotation.objects.filter(image=image, label_set=label_set).first()
    if existing is not None:
        return existing
    prelabel = prelabel_latest(image_id=image.pk, label_set=label_set)
    annotation, _ = Annotation.objects.get_or_create(image=image, label_set=label_set, defaults={"prelabel": prelabel})
    return annotation


def _advance(annotation: Annotation, expected_version: int, allowed: tuple, action: str, **changes) -> None:
    """Apply `changes` and bump the version iff the row still has `expected_version` and an allowed status."""
    changed = Annotation.objects.filter(pk=annotation.pk, version=expected_version, status__in=allowed).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if changed == 1:
        return
    current = Annotation.objects.get(pk=annotation.pk)
    if current.version != expected_version:
        etag = etag_for(image_id=current.image_id, label_set_id=current.label_set_id, version=current.version)
        raise ApplicationError(
            "Someone else changed this annotation since you loaded it (stale ETag); reload it and try again.",
            code="stale",
            http_status=412,
            extra={"etag": etag, "status": current.status},
        )
    raise ApplicationError(
        f"Cannot {action} an annotation that is {current.status}.",
        code="wrong_status",
        http_status=409,
        extra={"status": current.status},
    )


def _revision_create(
    annotation: Annotation,
    *,
    author,
    mask: np.ndarray,
    png: bytes,
    seconds_active: float,
    covered: list[str],
    origin: str = Origin.LABELLING,
) -> AnnotationRevision:
    label_set = annotation.label_set
    number = (annotation.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return AnnotationRevision.objects.create(
        annotation=annotation,
        number=number,
        author=author,
        seconds_active=seconds_active,
        mask_png=png,
        sha256=mask_sha256(png),
        counts=mask_counts(mask, label_set.names_by_value),
        labels_covered=covered,
        origin=origin,
        **_provenance(annotation, mask, covered),
    )


def _provenance(annotation: Annotation, mask: np.ndarray, covered: list[str]) -> dict:
    """Where the mask came from, and how far it moved from the pre-label it started from.

    Only covered labels are compared: erasing the pre-label's liver from a muscle-only mask is not a
    correction of the liver.
    """
    if annotation.prelabel_id is None:
        return {"source": Source.MANUAL}
    prelabel = Prelabel.objects.get(pk=annotation.prelabel_id)
    names_by_value = annotation.label_set.names_by_value
    uncovered = [value for value, name in names_by_value.items() if name not in covered]
    reference = mask_without_labels(mask_load(prelabel.mask_png), uncovered)
    compared = {value: name for value, name in names_by_value.items() if name in covered}
    comparison = mask_compare(reference, mask, compared)
    return {
        "source": Source.PRELABEL if comparison.pixels_changed == 0 else Source.CORRECTED,
        "prelabel": prelabel,
        "prelabel_model_version_id": prelabel.model_version_id,
        "prelabel_model_version_name": prelabel.model_version_name,
        "pixels_changed_from_prelabel": comparison.pixels_changed,
        "dice_vs_prelabel": comparison.dice_mean,
        "dice_by_label": comparison.dice_by_label,
    }


def _existing(*, image: Image, label_set: LabelSet, action: str) -> Annotation:
    annotation = Annotation.objects.filter(image=image, label_set=label_set).first()
    if annotation is None:
        raise ApplicationError(
            f"Cannot {action} this image: no mask has been saved yet.",
            code="wrong_status",
            http_status=409,
            extra={"status": "none"},
        )
    return annotation


def annotation_submit(*, image: Image, label_set: LabelSet, user, expected_version: int) -> Annotation:
    """draft / rejected -> submitted: the mask waits for a reviewer."""
    annotation = _existing(image=image, label_set=label_set, action="submit")
    with transaction.atomic():  # read back under our row lock (see annotation_mask_save)
        _refuse_another_labellers_draft(annotation, user=user, action="submit", expected_version=expected_version)
        _advance(
            annotation,
            expected_version,
            EDITABLE,
            "submit",
            status=Status.SUBMITTED,
            labeller=user,
            submitted_at=timezone.now(),
        )
        return Annotation.objects.get(pk=annotation.pk)


def annotation_review_correct(
    *,
    image: Image,
    label_set: LabelSet,
    reviewer,
    png: bytes,
    expected_version: int,
    seconds_active: float,
    labels_covered: Sequence[str] | None = None,
) -> Annotation:
    """A reviewer's correction of a submitted mask, before accepting it: a new revision authored by the reviewer
    (origin "review"). The mask stays submitted and its labeller's; the review rules stand, so a reviewer
    cannot correct, then accept, a mask they submitted themselves."""
    mask = _decode_or_refuse(png, image=image, label_set=label_set)
    covered = _checked_coverage(label_set, labels_covered)
    _refuse_uncovered_paint(mask, label_set, covered)
    seconds_active = _checked_seconds(seconds_active)
    annotation = _existing(image=image, label_set=label_set, action="correct")
    _refuse_own_submission(annotation, reviewer=reviewer, action="correct")
    with transaction.atomic():
        _advance(annotation, expected_version, (Status.SUBMITTED,), "correct")
        revision = _revision_create(
            annotation,
            author=reviewer,
            mask=mask,
            png=png,
            seconds_active=seconds_active,
            covered=covered,
            origin=Origin.REVIEW,
        )
        Annotation.objects.filter(pk=annotation.pk).update(current_revision=revision)
        return Annotation.objects.get(pk=annotation.pk)


def _refuse_own_submission(annotation: Annotation, *, reviewer, action: str) -> None:
    if annotation.labeller_id == reviewer.pk and not has_role(reviewer, ADMIN):
        raise ApplicationError(
            f"You submitted this mask; another reviewer must {action} it.", code="own_annotation", http_status=403
        )


def annotation_review(
    *, image: Image, label_set: LabelSet, reviewer, expected_version: int, decision: str, comment: str
) -> Annotation:
    """submitted -> accepted (it may now train models) or rejected (back to its labeller, with the comment)."""
    annotation = _existing(image=image, label_set=label_set, action="review")
    comment = comment.strip()
    if decision == Review.Decision.REJECT and not comment:
        raise ApplicationError(
            "Say why the mask is rejected: the comment goes back to the labeller.", code="no_comment"
        )
    _refuse_own_submission(annotation, reviewer=reviewer, action="review")
    status = Status.ACCEPTED if decision == Review.Decision.ACCEPT else Status.REJECTED
    with transaction.atomic():
        _advance(
            annotation,
            expected_version,
            (Status.SUBMITTED,),
            "review",
            status=status,
            reviewer=reviewer,
            review_comment=comment,
            reviewed_at=timezone.now(),
        )
        annotation.refresh_from_db()
        Review.objects.create(
            annotation=annotation,
            revision_id=annotation.current_revision_id,
            reviewer=reviewer,
            decision=decision,
            comment=comment,
        )
        if status == Status.ACCEPTED:
            # After commit: a measurement that cannot be made (no pixels) must not undo the acceptance.
            accepted = {"annotation_id": annotation.pk, "revision_id": annotation.current_revision_id}
            transaction.on_commit(lambda: run_after_accept(**accepted))
    return annotation


def annotation_import_accepted(
    *,
    image: Image,
    mask: np.ndarray,
    labeller,
    reviewer,
    comment: str = "",
    label_set: LabelSet | None = None,
    labels_covered: Sequence[str] | None = None,
) -> Annotation:
    """Record a finished ground-truth mask (an expert's, or the demo phantom's) as accepted.

    It goes through the same states as a labeller's work (save, submit, review), so its revision carries
    the same provenance and the accept hooks run. `labels_covered` as in annotation_mask_save.
    """
    label_set = label_set or label_set_get()
    png = mask_encode(np.asarray(mask, dtype=np.uint8))
    saved = annotation_mask_save(
        image=image,
        label_set=label_set,
        author=labeller,
        png=png,
        expected_version=0,
        seconds_active=0.0,
        labels_covered=labels_covered,
        origin=Origin.IMPORT,
    )
    submitted = annotation_submit(image=image, label_set=label_set, user=labeller, expected_version=saved.version)
    return annotation_review(
        image=image,
        label_set=label_set,
        reviewer=reviewer,
        expected_version=submitted.version,
        decision=Review.Decision.ACCEPT,
        comment=comment,
    )
