"""The server `make run` starts (scripts/serve.sh), as a real process: slow or huge uploads must not stall
everyone else, and bodies that are too large or anonymous are refused before they are read.

Speed targets live in benchmarks/slow_clients.py; these tests assert behaviour, with generous bounds.
"""

import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from rest_framework.authtoken.models import Token

from tests.reliability.served import served

pytestmark = pytest.mark.slow
BOUNDARY = "guardtestboundary"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    with served(django_db_blocker, tmp_path_factory.mktemp("served")) as port:
        yield port


@pytest.fixture
def token(transactional_db, make_user) -> str:
    user, _ = make_user("clinician")
    return Token.objects.create(user=user).key


def upload_head(port: int, declared: int | None, token: str | None) -> bytes:
    auth = f"Authorization: Token {token}\r\n" if token else ""
    length = f"Content-Length: {declared}\r\n" if declared is not None else "Transfer-Encoding: chunked\r\n"
    return (
        f"POST /api/studies/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n"
    ).encode()


def answer(sock) -> tuple[str, bytes]:
    data = b""
    sock.settimeout(20)
    while b"\r\n\r\n" not in data or not data.endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body


def get_me(port: int, token: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/me/", headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def trickle(port: int, token: str, stop: threading.Event, answers: list) -> None:
    """An upload declaring 8 MiB whose body comes a few bytes a second, until `stop`."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(upload_head(port, 8 * 1024 * 1024, token) + f"--{BOUNDARY}\r\n".encode())
        sock.settimeout(0.5)
        while not stop.is_set():
            try:
                answers.append(sock.recv(4096) or b"closed")
                return
            except TimeoutError:
                sock.sendall(b"x" * 16)


def test_a_signed_in_user_is_answered_while_slow_uploads_trickle(server, token):
    stop, answers = threading.Event(), []
    clients = [threading.Thread(target=trickle, args=(server, token, stop, answers)) for _ in range(16)]
    for client in clients:
        client.start()
    try:
        time.sleep(2)  # all sixteen are connected and sending, more than the 2 x 4 threads served before
        started = time.monotonic()
        assert [get_me(server, token) for _ in range(5)] == [200] * 5
        assert time.monotonic() - started < 20  # each was answered, none waited for the uploads to finish
        assert answers == []  # the slow uploads are still being received, not cut off
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)


def test_a_body_declaring_more_than_the_request_limit_is_refused_unread(server, token):
    with socket.create_connection(("127.0.0.1", server), timeout=20) as sock:
        sock.sendall(upload_head(server, 2 * 1024**3, token))  # 2 GB declared, not a byte of it sent
        status, body = answer(sock)
    assert status.startswith("HTTP/1.1 413")
    assert b'"code": "request_too_large"' in body and b"UPLOAD_MAX_REQUEST_MB" in body


def test_an_anonymous_upload_is_refused_before_its_body_is_read(server):
    with socket.create_connection(("127.0.0.1", server), timeout=20) as sock:
        sock.sendall(upload_head(server, 100 * 1024 * 1024, None))
        status, body = answer(sock)
    assert status.startswith("HTTP/1.1 401")
    assert b'"code": "not_authenticated"' in body


def test_an_anonymous_chunked_body_is_cut_off_once_it_passes_its_limit(server):
    head = f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1:{server}\r\nTransfer-Encoding: chunked\r\n"
    chunk = b"%x\r\n%s\r\n" % (32 * 1024, b"a" * 32 * 1024)
    with socket.create_connection(("127.0.0.1", server), timeout=20) as sock:
        sock.sendall(head.encode() + b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        sock.sendall(chunk + chunk + b"400\r\n" + b"a" * 1024 + b"\r\n")  # 65 KiB: over the 64 KiB allowed
        status, body = answer(sock)
    assert status.startswith("HTTP/1.1 413")
    assert b'"code": "anonymous_body_too_large"' in body


def test_an_upload_through_the_served_application_is_stored(server, token, tmp_path):
    from segmentation.dicom_io import write_dicom
    from segmentation.phantom import make_slice

    path = tmp_path / "slice.dcm"
    write_dicom(make_slice(7, "A", "L3", matrix=128), path)
    content = path.read_bytes()
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="slice.dcm"\r\n'
            "Content-Type: application/dicom\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{server}/api/studies/",
        data=body,
        headers={"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201
