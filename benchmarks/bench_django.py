"""Django for a benchmark: a throwaway var folder (SQLite, media, broker) so nothing real is touched."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_setup(name: str, *, eager: bool = True, **extra_env: str) -> Path:
    """Configure and start Django; returns the work folder. `eager` runs Celery tasks in-process."""
    work = Path(tempfile.mkdtemp(prefix=f"muscleseed-bench-{name}-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "MUSCLESEED_VAR_DIR": str(work),
            "SECRET_KEY": "bench",
            "MUSCLESEED_DEID_SALT": "bench",
            "LOG_LEVEL": "WARNING",
            **({"CELERY_TASK_ALWAYS_EAGER": "1", "CELERY_BROKER_URL": "memory://"} if eager else {}),
            **extra_env,
        }
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "backend"))
    import django

    django.setup()
    return work
