"""Transfer learning jobs: train a child of a parent version on one device's accepted SEED annotations,
evaluate it on every device's test split, keep it as a candidate (or promote it through the gate)."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from core.errors import ApplicationError
from jobs.models import Job
from jobs.services import JobCancelled, database_lost, job_create, job_progress
from segmentation import DEFAULT_ARCH
from segmentation.preprocess import PreprocessConfig
from segmentation.train import SCHEDULES, Progress, TrainConfig, train
from studies import storage
from studies.models import Device

from ..models import ModelVersion
from .evaluation import model_version_evaluate
from .files import training_checkpoint_path, training_checkpoint_remove, training_checkpoint_share, weights_store
from .samples import accepted_samples
from .versions import model_version_promote


@dataclass(frozen=True)
class TrainingOptions:
    epochs: int = 20
    # 20 x 100 steps: the engine benchmark's fine-tune length (about 4 minutes on 2 CPU cores at 1 mm)
    steps_per_epoch: int = 100
    freeze_encoder: bool = False
    replay: bool = True  # mix in a few accepted images from other devices against forgetting
    replay_per_device: int = 3
    auto_promote: bool = False  # promote only if the gate passes
    seed: int = 0
    arch: str = DEFAULT_ARCH  # used only without a parent
    net_kwargs: dict | None = None  # None: the engine's defaults for the architecture
    image_size: int | None = None  # model input size; None keeps the engine's (or the parent's)
    # constant 1e-3: the benchmark uses cosine decay on long runs, but on a short run (a 240-step demo base)
    # cosine left test Dice at 0.08 where constant reached 0.70 (both 1e-3, batch norm)
    learning_rate: float = 1e-3
    schedule: str = "constant"
    data_device_id: int | None = None  # a base version (no device) trains on this device's images; None: all

    @classmethod
    def from_dict(cls, values: dict) -> "TrainingOptions":
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        options = cls(**known)
        if not 1 <= options.epochs <= 500:
            raise ApplicationError("epochs must be between 1 and 500", code="bad_option")
        if options.schedule not in SCHEDULES:
            raise ApplicationError(f"schedule must be one of {SCHEDULES}", code="bad_option")
        if not 0 < options.learning_rate <= 0.1:
            raise ApplicationError("learning_rate must be in (0, 0.1]", code="bad_option")
        return options

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _next_name(device: Device | None) -> str:
    stem = device.key.replace("/", "-") if device else "base"
    count = ModelVersion.objects.filter(device=device).count() + 1
    while ModelVersion.objects.filter(name=f"{stem}-v{count}").exists():
        count += 1
    return f"{stem}-v{count}"


@transaction.atomic
def training_start(*, device: Device | None, parent: ModelVersion | None, options: dict, user=None) -> Job:
    """Create the version (status training) and queue its job on the training queue."""
    opts = TrainingOptions.from_dict(options)
    if parent is not None and parent.status in {ModelVersion.Status.TRAINING, ModelVersion.Status.FAILED}:
        raise ApplicationError(f"parent {parent.name} is {parent.status}; pick a trained version", code="bad_parent")
    data_device = device or (Device.objects.filter(pk=opts.data_device_id).first() if opts.data_device_id else None)
    if not accepted_samples_exist(device=data_device):
        where = data_device.display_name if data_device else "any device"
        raise ApplicationError(
            f"no accepted SEED annotations on the train split of {where}: accept some masks first",
            code="no_training_data",
        )
    version = ModelVersion.objects.create(
        name=_next_name(device),
        device=device,
        parent=parent,
        arch=parent.arch if parent else opts.arch,
        label_names=parent.label_names if parent else [],
        hyperparameters=opts.as_dict(),
        created_by=user,
    )
    job = job_create(
        kind=Job.Kind.TRAIN,
        params={"version_id": version.id},
        created_by=user,
        task_name="modelhub.tasks.train_model_version",
        queue="training",
    )
    ModelVersion.objects.filter(pk=version.pk).update(training_job=job)
    return job


def accepted_samples_exist(*, device: Device | None) -> bool:
    from annotations.selectors import accepted_revisions

    return accepted_revisions(device=device, split="train").exists()


def _config(version: ModelVersion, opts: TrainingOptions) -> TrainConfig:
    preprocess = PreprocessConfig.covering(opts.image_size) if opts.image_size else PreprocessConfig()
    return TrainConfig(
        arch=version.arch,
        net_kwargs=opts.net_kwargs,
        preprocess=preprocess,
        epochs=opts.epochs,
        steps_per_epoch=opts.steps_per_epoch,
        learning_rate=opts.learning_rate,
        schedule=opts.schedule,
        freeze_encoder=opts.freeze_encoder,
        seed=opts.seed,
        device=settings.MUSCLESEED_TORCH_DEVICE,
        threads=settings.MUSCLESEED_TORCH_THREADS,
        compile=settings.MUSCLESEED_TORCH_COMPILE,
    )


def _replay_samples(version: ModelVersion, opts: TrainingOptions) -> list:
    if not opts.replay or version.device_id is None:
        return []
    replay = []
    for other in Device.objects.exclude(pk=version.device_id).order_by("id"):
        samples, _ = accepted_samples(device=other, split="train", limit=opts.replay_per_device)
        replay += samples
    return replay


def training_run(*, job: Job) -> dict:
    """The job body: resumable (a redelivered job continues from the last epoch's checkpoint)."""
    version = ModelVersion.objects.select_related("parent", "device").get(pk=job.params["version_id"])
    opts = TrainingOptions.from_dict(version.hyperparameters)
    try:
        result = _train(job, version, opts)
    except JobCancelled:
        ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.Status.FAILED, notes="cancelled")
        raise
    except Exception as error:
        if not database_lost(error):  # a lost connection is retried by the runner: the version lives on
            ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.Status.FAILED, notes=str(error)[:500])
        raise
    return result


def training_reporter(*, job: Job) -> Callable[[Progress], None]:
    """The engine's progress callback for a training job: each epoch's loss, Dice and seconds go to the job's
    progress_detail (with the curve so far, for the job page's live charts and ETA); a cancel stops it."""
    # the curves so far, kept across a resume (the job row holds what the epochs before it reported)
    history = {row["epoch"]: row for row in (job.progress_detail or {}).get("history", [])}

    def report(progress: Progress) -> None:
        history[progress.epoch] = {
            "epoch": progress.epoch,
            "loss": progress.loss,
            "val_dice": progress.val_dice,
            "seconds": round(progress.epoch_seconds, 3),
        }
        detail = {
            "epoch": progress.epoch,
            "epochs": progress.epochs,
            "loss": progress.loss,
            "val_dice": progress.val_dice,
            "best_dice": progress.best_dice,
            "epoch_seconds": round(progress.epoch_seconds, 3),
            "history": [history[epoch] for epoch in sorted(history) if epoch <= progress.epoch],
        }
        line = f"epoch {progress.epoch}/{progress.epochs} loss {progress.loss:.4f} val Dice {progress.val_dice:.4f}"
        if not job_progress(job_id=job.pk, progress=0.9 * progress.epoch / progress.epochs, detail=detail, log=line):
            raise JobCancelled()

    return report


def _train(job: Job, version: ModelVersion, opts: TrainingOptions) -> dict:
    data_device = version.device or Device.objects.filter(pk=opts.data_device_id or 0).first()
    samples, revision_ids = accepted_samples(device=data_device, split="train")
    checkpoint = training_checkpoint_path(version.id)
    parent_path = storage.local_copy(version.parent.weights_path) if version.parent else None
    reporter = training_reporter(job=job)

    def progress(epoch: Progress) -> None:
        training_checkpoint_share(version_id=version.id, path=checkpoint)
        reporter(epoch)

    outcome = train(
        samples,
        checkpoint,
        _config(version, opts),
        parent=parent_path,
        replay=_replay_samples(version, opts),
        progress=progress,
        resume=True,
    )
    relative, checksum = weights_store(source=checkpoint, name=version.name)
    from segmentation.checkpoint import load_checkpoint

    trained = load_checkpoint(checkpoint)
    ModelVersion.objects.filter(pk=version.pk).update(
        status=ModelVersion.Status.CANDIDATE,
        weights_path=relative,
        checksum=checksum,
        label_names=list(trained.spec.label_names),
        training_set=revision_ids,
        training_set_hash=hashlib.sha256(json.dumps(revision_ids).encode()).hexdigest(),
        code_version=trained.code_version,
        history=list(outcome.history),
        train_seconds=outcome.seconds,
        # what the engine resolved: every network option and the full training configuration
        hyperparameters={
            **opts.as_dict(),
            "net_kwargs": trained.spec.net_kwargs,
            "train_config": trained.metadata.get("config", {}),
        },
    )
    training_checkpoint_remove(version_id=version.id, path=checkpoint)
    version.refresh_from_db()
    job_progress(job_id=job.pk, progress=0.95, log="evaluating on every device's test split")
    evaluations = model_version_evaluate(version=version)
    promoted = _maybe_promote(version, opts)
    return {
        "version_id": version.id,
        "epochs": outcome.epochs_run,
        "best_val_dice": outcome.best_val_dice,
        "evaluated_devices": len(evaluations),
        "promoted": promoted,
    }


def _maybe_promote(version: ModelVersion, opts: TrainingOptions) -> str:
    if not opts.auto_promote:
        return "no (candidate)"
    try:
        model_version_promote(version=version, gate=True, user=version.created_by)
    except ApplicationError as refusal:
        return f"no: {refusal.message}"
    return "yes"
