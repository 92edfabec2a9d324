"""Later apps plug into review here, so annotations never imports them (data flows one way).

measurements registers "measure the accepted mask" in its AppConfig.ready().
"""

from collections.abc import Callable

AfterAccept = Callable[..., object]  # called with annotation_id=..., revision_id=...
_after_accept: list[AfterAccept] = []


def register_after_accept(hook: AfterAccept) -> None:
    if hook not in _after_accept:
        _after_accept.append(hook)


def run_after_accept(*, annotation_id: int, revision_id: int) -> None:
    for hook in _after_accept:
        hook(annotation_id=annotation_id, revision_id=revision_id)
