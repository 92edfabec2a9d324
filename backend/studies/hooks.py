"""Later apps plug into studies here, so studies never imports them (data flows one way).

modelhub registers "run inference on the new images", measurements "recompute the measurements of a subject
whose height, weight or sex changed", each in its AppConfig.ready().
"""

from collections.abc import Callable

AfterIngest = Callable[..., object]  # called with study_id=..., image_ids=[...], user=...
AfterSubjectUpdate = Callable[..., object]  # called with subject_id=...
_after_ingest: list[AfterIngest] = []
_after_subject_update: list[AfterSubjectUpdate] = []


def register_after_ingest(hook: AfterIngest) -> None:
    if hook not in _after_ingest:
        _after_ingest.append(hook)


def run_after_ingest(*, study_id: int, image_ids: list[int], user) -> None:
    for hook in _after_ingest:
        hook(study_id=study_id, image_ids=image_ids, user=user)


def register_after_subject_update(hook: AfterSubjectUpdate) -> None:
    if hook not in _after_subject_update:
        _after_subject_update.append(hook)


def run_after_subject_update(*, subject_id: int) -> None:
    for hook in _after_subject_update:
        hook(subject_id=subject_id)
