"""Sign-in and throttle counts are shared by processes: two processes counting at once make one total,
in the embedded default (files under var/) and in Redis (CACHE_URL)."""

import os
import subprocess
import sys
import uuid

from tests.conftest import PROJECT_ROOT, require

COUNT = """
import sys
import django
django.setup()
from config.counters import window_count, window_count_hit
key, hits = sys.argv[1], int(sys.argv[2])
for _ in range(hits):
    window_count_hit(key=key, window_s=10**8)
print(window_count(key=key, window_s=10**8)[0])
"""


def processes_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(PROJECT_ROOT / "backend"), **extra}


def count_in_processes(env: dict, key: str, hits_each: list[int]) -> int:
    """Start one process per entry, all counting `key` at once; returns the total a last process reads."""
    running = [
        subprocess.Popen([sys.executable, "-c", COUNT, key, str(hits)], env=env, stdout=subprocess.PIPE, text=True)
        for hits in hits_each
    ]
    for process in running:
        assert process.wait(timeout=120) == 0
    reader = subprocess.run([sys.executable, "-c", COUNT, key, "0"], env=env, capture_output=True, text=True)
    assert reader.returncode == 0, reader.stderr
    return int(reader.stdout.strip())


def test_two_processes_share_one_count_in_the_embedded_default(tmp_path):
    env = processes_env(MUSCLESEED_VAR_DIR=str(tmp_path))
    assert count_in_processes(env, f"shared-{uuid.uuid4()}", [150, 150]) == 300  # none lost to a race


def test_two_processes_share_one_count_in_redis():
    url = os.environ.get("TEST_BROKER_URL", "")
    require(url.startswith("redis://"), "needs a Redis (TEST_BROKER_URL)")
    env = processes_env(CACHE_URL=url)
    assert count_in_processes(env, f"shared-{uuid.uuid4()}", [150, 150]) == 300
