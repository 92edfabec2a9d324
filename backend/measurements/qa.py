"""Whether a measurement can be vouched for: its mask's provenance (an accepted annotation, or a model version
evaluated on this device's test images), the prediction's uncertainty, and the engine's plausibility checks."""

from modelhub.models import MIN_TEST_IMAGES, Evaluation, ModelVersion, Prediction
from studies.models import Image

from .models import Measurement

UNCERTAINTY_DEFINITION = "mean normalised entropy (0..1) of the class probabilities over pixels predicted as foreground"


def verification(*, image: Image, model_version: ModelVersion | None) -> dict:
    """Was the mask's author checked on this image's device? A reviewer for an accepted annotation; the
    version's evaluation on at least MIN_TEST_IMAGES of the device's test images for a model."""
    device = image.device.display_name if image.device_id else None
    if model_version is None:
        reason = "an accepted annotation: a reviewer checked this mask"
        return {"verified": True, "device": device, "test_dice": None, "test_images": None, "reason": reason}
    evaluation = Evaluation.objects.filter(version=model_version, device_id=image.device_id).first()
    dice, images = (evaluation.dice_mean, evaluation.images) if evaluation else (None, 0)
    if evaluation is None:
        reason = f"unverified: {model_version.name} was never evaluated on {device}"
    elif not evaluation.conclusive:
        reason = (
            f"unverified: {model_version.name} was evaluated on only {images} test image(s) of {device} "
            f"(at least {MIN_TEST_IMAGES} needed)"
        )
    else:
        reason = f"{model_version.name}: test Dice {dice:.3f} on {images} test images of {device}"
    verified = evaluation is not None and evaluation.conclusive
    return {
        "verified": verified,
        "device": device,
        "test_dice": dice,
        "test_images": images,
        "min_test_images": MIN_TEST_IMAGES,
        "reason": reason,
    }


def uncertainty_summary(*, prediction: Prediction | None) -> dict | None:
    if prediction is None:
        return None  # a person drew or checked the mask: no model uncertainty
    return {"score": prediction.uncertainty, "definition": UNCERTAINTY_DEFINITION}


def measurements_after_evaluate(*, version_id: int) -> int:
    """A version was (re-)evaluated: its measurements' verification follows; returns how many changed."""
    changed = 0
    rows = Measurement.objects.filter(model_version_id=version_id).select_related("image__device", "model_version")
    for measurement in rows:
        checked = verification(image=measurement.image, model_version=measurement.model_version)
        if measurement.qa.get("verification") == checked and measurement.verified == checked["verified"]:
            continue
        qa = {**measurement.qa, "verification": checked}
        Measurement.objects.filter(pk=measurement.pk).update(qa=qa, verified=checked["verified"])
        changed += 1
    return changed
