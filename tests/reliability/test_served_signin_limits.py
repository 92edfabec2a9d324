"""The audit's sign-in flood against the server `make run` starts (two worker processes): a per-address limit
of 30 a minute lets exactly 30 through, whatever X-Forwarded-For each attempt claims."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.reliability.served import served

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("served-signin")
    with served(django_db_blocker, var_dir, SIGNIN_IP_ATTEMPTS_PER_MINUTE="30", SIGNIN_IP_FAILURE_LIMIT="1000") as port:
        yield port


def token_attempt(port: int, index: int) -> int:
    body = urllib.parse.urlencode({"username": f"someone-{index}", "password": "guess-1234"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/token/", data=body, headers={"X-Forwarded-For": f"10.{index}.0.1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        json.loads(error.read())  # an API answer, not a crash page
        return error.code


def _start_of_a_fresh_window(window_s: int = 60, needed_s: float = 40) -> None:
    """The limit counts in fixed wall-clock windows (config/counters.py): begin the flood early in one, so that
    40 attempts on a slow, loaded machine do not straddle two windows and see two allowances."""
    left = window_s - time.time() % window_s
    if left < needed_s:
        time.sleep(left + 0.5)


def test_both_worker_processes_count_one_limit_per_address(server, transactional_db):
    _start_of_a_fresh_window()
    started = time.time() // 60
    statuses = [token_attempt(server, i) for i in range(40)]  # new connections: both workers take some
    if time.time() // 60 != started:
        pytest.skip("the 40 attempts took longer than the rest of the minute window: too loaded to count one window")
    assert statuses.count(400) == 30 and statuses.count(429) == 10
