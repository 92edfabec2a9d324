"""Counts in fixed time windows, kept in the shared cache (so every web process and machine sees one count)."""

import time

from django.core.cache import cache


def _now() -> float:
    return time.time()


def _window(key: str, window_s: int) -> tuple[str, float]:
    now = _now()
    index = int(now // window_s)
    return f"window:{key}:{window_s}:{index}", (index + 1) * window_s - now


def window_count_hit(*, key: str, window_s: int) -> tuple[int, float]:
    """Count one hit under `key` in the current window; returns (hits so far, seconds until the window ends)."""
    entry, remaining_s = _window(key, window_s)
    cache.add(entry, 0, timeout=window_s + 1)
    try:
        return cache.incr(entry), remaining_s
    except ValueError:  # expired between add and incr
        cache.set(entry, 1, timeout=window_s + 1)
        return 1, remaining_s


def window_count(*, key: str, window_s: int) -> tuple[int, float]:
    """Hits under `key` in the current window, and seconds until it ends."""
    entry, remaining_s = _window(key, window_s)
    return cache.get(entry, 0), remaining_s
