"""A small measured cohort: phantom CT ingested through the real path, then measured three ways.

- accepted: images with an accepted annotation (the exact phantom labels) and its measurement; some of
  them also have an older model measurement (the annotation must win);
- model: images with only a model measurement (a model version's prediction: the labels, eroded);
- draft: one image whose only mask is a labeller's draft, with a measurement that must never be exported;
- one accepted liver-level slice, and one slice marked as its series' L3.
"""

from dataclasses import dataclass

import numpy as np
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from scipy import ndimage

from annotations.masks import mask_encode, mask_load
from annotations.models import Annotation
from annotations.selectors import label_set_get
from annotations.services import annotation_mask_save
from measurements.models import Measurement
from measurements.services import measurement_record
from modelhub.models import ModelVersion, Prediction
from segmentation.cohort import write_cohort
from studies import storage
from studies.dicomio import remap_uid
from studies.models import Image, Series
from studies.services import upload_ingest
from tests.modelhub.factories import accept, phantom_cohort


@dataclass
class Cohort:
    images: dict  # sop -> Image
    labels: dict  # sop -> exact label map
    model_masks: dict  # image id -> the mask the model measurement used
    accepted: list  # image ids with an accepted annotation
    model_only: list  # image ids measured by the model only
    draft: int  # image id with a draft only
    liver: int  # image id of an accepted liver-level slice
    marked_l3: int  # image id marked as its series' L3 slice
    version: ModelVersion
    manifest: dict


def model_mask(labels: np.ndarray) -> np.ndarray:
    """A plausible prediction: each class loses its top edge pixels, so its numbers differ from the truth.
    (Eroding every edge by one pixel at 64 x 64 removes over half the muscle: an implausible SMA.)"""
    mask = np.zeros_like(labels)
    for value in (1, 2):
        mask[ndimage.binary_erosion(labels == value, structure=np.ones((2, 1), bool))] = value
    return mask


def predict(image, mask, version) -> Measurement:
    prediction = Prediction.objects.create(version=version, image=image, mask_png=mask_encode(mask), uncertainty=0.1)
    hu = np.asarray(storage.hu_load(image.hu_path))
    return measurement_record(image=image, hu=hu, mask=mask, model_version=version, prediction=prediction)


def measure_accepted(image) -> Measurement:
    """The accepted revision's measurement (unless the annotation service already recorded one)."""
    annotation = Annotation.objects.select_related("current_revision").get(image=image)
    revision = annotation.current_revision
    existing = Measurement.objects.filter(image=image, annotation_revision_id=revision.pk).first()
    if existing:
        return existing
    mask = mask_load(revision.mask_png)
    hu = np.asarray(storage.hu_load(image.hu_path))
    return measurement_record(image=image, hu=hu, mask=mask, annotation_revision_id=revision.pk)


def liver_slice(folder, *, labeller, reviewer) -> tuple[str, object, np.ndarray]:
    """One liver-level slice from device A, ingested and accepted with its exact labels."""
    manifest = write_cohort(folder, subjects=[10], devices=("A",), level="liver", matrix=64)
    entry = manifest["images"][0]
    upload_ingest(files=[SimpleUploadedFile("liver.dcm", (folder / entry["path"]).read_bytes())], user=None)
    image = Image.objects.get(
        sop_uid=remap_uid(entry["sop_instance_uid"], django_settings.MUSCLESEED_DEID_SALT.encode())
    )
    labels = np.load(folder / "labels.npz")[entry["sop_instance_uid"]]
    accept(image, labels, labeller=labeller, reviewer=reviewer)
    measure_accepted(image)
    return entry["sop_instance_uid"], image, labels


def build_cohort(tmp_path, make_user, *, subjects: int = 3) -> Cohort:
    labeller, _ = make_user("labeller", "cohort-labeller")
    reviewer, _ = make_user("reviewer", "cohort-reviewer")
    built = phantom_cohort(tmp_path / "ct", devices=("A", "B"), subjects=subjects, matrix=64)
    version = ModelVersion.objects.create(
        name="vnet-base-v1", status=ModelVersion.Status.ACTIVE, arch="vnet", checksum="c" * 64
    )
    images = sorted(built["images"].items(), key=lambda item: item[1].pk)
    accepted, model_only, model_masks = [], [], {}
    for index, (sop, image) in enumerate(images[:-1]):
        labels = built["labels"][sop]
        if index % 2 == 0:
            if index % 4 == 0:  # an older model measurement that the accepted annotation must outrank
                model_masks[image.pk] = model_mask(labels)
                predict(image, model_masks[image.pk], version)
            accept(image, labels, labeller=labeller, reviewer=reviewer)
            measure_accepted(image)
            accepted.append(image.pk)
        else:
            model_masks[image.pk] = model_mask(labels)
            predict(image, model_masks[image.pk], version)
            model_only.append(image.pk)
    draft_sop, draft_image = images[-1]
    saved = annotation_mask_save(
        image=draft_image,
        label_set=label_set_get(),
        author=labeller,
        png=mask_encode(built["labels"][draft_sop]),
        expected_version=0,
        seconds_active=1.0,
    )
    measurement_record(
        image=draft_image,
        hu=np.asarray(storage.hu_load(draft_image.hu_path)),
        mask=built["labels"][draft_sop],
        annotation_revision_id=saved.current_revision_id,
    )
    liver_sop, liver_image, liver_labels = liver_slice(tmp_path / "liver", labeller=labeller, reviewer=reviewer)
    accepted.append(liver_image.pk)
    marked = images[0][1]
    Series.objects.filter(pk=marked.series_id).update(level_image=marked)
    return Cohort(
        images={**dict(images), liver_sop: liver_image},
        labels={**built["labels"], liver_sop: liver_labels},
        model_masks=model_masks,
        accepted=accepted,
        model_only=model_only,
        draft=draft_image.pk,
        liver=liver_image.pk,
        marked_l3=marked.pk,
        version=version,
        manifest=built["manifest"],
    )
