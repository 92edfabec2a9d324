"""Later apps plug into ingest here, so studies never imports them (data flows one way).

modelhub registers "run inference on the new images" in its AppConfig.ready().
"""

from collections.abc import Callable

AfterIngest = Callable[..., object]  # called with study_id=..., image_ids=[...], user=...
_after_ingest: list[AfterIngest] = []


def register_after_ingest(hook: AfterIngest) -> None:
    if hook not in _after_ingest:
        _after_ingest.append(hook)


def run_after_ingest(*, study_id: int, image_ids: list[int], user) -> None:
    for hook in _after_ingest:
        hook(study_id=study_id, image_ids=image_ids, user=user)
