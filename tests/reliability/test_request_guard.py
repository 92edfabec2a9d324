"""The request guard in front of Django (config/request_guard.py), called as the ASGI server calls it.

tests/reliability/test_slow_clients.py runs the same through the real server process.
"""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from config.request_guard import RequestGuard

MIB = 1024 * 1024


def run_async(coroutine):
    """asyncio.run in a thread of its own: Playwright's tests leave an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Recorder:
    """The application behind the guard: reads the whole body, as Django's ASGI handler does."""

    def __init__(self):
        self.called, self.body, self.disconnected = False, b"", False

    async def __call__(self, scope, receive, send):
        self.called = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"stored"})


def call(headers: dict, chunks=(b"",), method="POST", path="/api/studies/"):
    """Run the guard on one request; returns (app, status sent, response body, chunks the app pulled)."""
    app, sent = Recorder(), []
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    pulled = []

    async def receive():
        pulled.append(len(pulled))
        return messages[len(pulled) - 1]

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    run_async(RequestGuard(app)(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return app, status, body, len(pulled)


def test_a_signed_in_upload_within_the_limit_reaches_the_application_whole():
    app, status, _, _ = call({"Authorization": "Token abc", "Content-Length": "6"}, chunks=(b"abc", b"def"))
    assert status == 201 and app.body == b"abcdef"


def test_a_declared_length_over_the_request_limit_gets_413_before_any_byte_is_read(settings):
    settings.MUSCLESEED_UPLOAD_MAX_REQUEST_MB = 512
    app, status, body, pulled = call({"Authorization": "Token abc", "Content-Length": str(2 * 1024**3)})
    assert status == 413 and json.loads(body)["code"] == "request_too_large"
    assert not app.called and pulled == 0


def test_an_upload_without_credentials_gets_401_before_its_body_is_read():
    app, status, body, pulled = call({"Content-Length": "100"})
    assert status == 401 and json.loads(body)["code"] == "not_authenticated"
    assert not app.called and pulled == 0


def test_a_session_cookie_counts_as_credentials():
    app, status, _, _ = call({"Cookie": "csrftoken=x; sessionid=abc", "Content-Length": "3"}, chunks=(b"abc",))
    assert status == 201 and app.body == b"abc"


def test_a_csrf_cookie_alone_does_not_count_as_credentials():
    app, status, _, _ = call({"Cookie": "csrftoken=x", "Content-Length": "3"}, chunks=(b"abc",))
    assert status == 401 and not app.called


def test_a_sign_in_form_without_credentials_may_send_a_small_body(settings):
    settings.MUSCLESEED_ANONYMOUS_MAX_BODY_KB = 64
    app, status, _, _ = call({"Content-Length": "30"}, chunks=(b"username=a&password=b",), path="/accounts/login/")
    assert status == 201 and app.called
    app, status, body, _ = call({"Content-Length": str(65 * 1024)}, path="/accounts/login/")
    assert status == 413 and json.loads(body)["code"] == "anonymous_body_too_large" and not app.called


def test_a_chunked_body_is_cut_off_where_it_passes_the_limit_and_the_application_stops(settings):
    settings.MUSCLESEED_UPLOAD_MAX_REQUEST_MB = 1
    chunks = (b"a" * MIB, b"b", b"never pulled")
    app, status, body, pulled = call({"Authorization": "Token abc", "Transfer-Encoding": "chunked"}, chunks=chunks)
    assert status == 413 and json.loads(body)["code"] == "request_too_large"
    assert app.disconnected and pulled == 2  # the application was told the client left, and stored nothing


def test_a_file_download_is_sent_part_by_part_not_read_whole_first():
    from django.http import StreamingHttpResponse

    from config.asgi import StreamingASGIHandler

    produced, produced_at_send = [], []

    def parts():
        for index in range(4):
            produced.append(index)
            yield b"x" * 1024

    async def send(message):
        if message["type"] == "http.response.body" and message.get("body"):
            produced_at_send.append(len(produced))

    run_async(StreamingASGIHandler().send_response(StreamingHttpResponse(parts()), send))
    assert produced_at_send == [1, 2, 3, 4]  # Django's own handler reads all four before sending the first
