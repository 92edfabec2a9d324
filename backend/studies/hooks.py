"""Later apps plug into studies here, so studies never imports them (data flows one way).

modelhub registers "run inference on the new images" and "measure the series' new L3 slice", measurements
"recompute the measurements of a subject whose height, weight or sex changed", each in its AppConfig.ready().
"""

from collections.abc import Callable

AfterIngest = Callable[..., object]  # called with study_id=..., image_ids=[...], user=...
AfterSubjectUpdate = Callable[..., object]  # called with subject_id=...
AfterLevelChange = Callable[..., object]  # called with series_id=..., user=...
_after_ingest: list[AfterIngest] = []
_after_subject_update: list[AfterSubjectUpdate] = []
_after_level_change: list[AfterLevelChange] = []


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


def register_after_level_change(hook: AfterLevelChange) -> None:
    if hook not in _after_level_change:
        _after_level_change.append(hook)


def run_after_level_change(*, series_id: int, user=None) -> None:
    """The series' L3 slice was detected, accepted or moved: what is measured at L3 follows it."""
    for hook in _after_level_change:
        hook(series_id=series_id, user=user)
