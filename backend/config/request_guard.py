"""A guard in front of Django that refuses request bodies before they are read or stored.

ASGI middleware (config/asgi.py wraps Django with it), so a refusal holds no thread and writes nothing:
- a body whose Content-Length passes the limit gets 413 at once, unread;
- an upload (POST /api/studies/) without credentials (no session cookie, no Authorization header) gets 401
  before its body is read;
- other bodies without credentials (sign-in forms) are limited to ANONYMOUS_MAX_BODY_KB;
- a body without Content-Length (chunked) is counted as it arrives and cut off with 413 once it passes.
Signed-in bodies may be as large as UPLOAD_MAX_REQUEST_MB, the total of one upload request.
"""

import json

from django.conf import settings
from django.http.cookie import parse_cookie

UPLOAD_PATH = "/api/studies/"
MIB = 1024 * 1024


def request_headers(scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


def has_credentials(headers: dict[str, str]) -> bool:
    """A session cookie or an Authorization header: whether they are valid is Django's to decide."""
    if headers.get("authorization"):
        return True
    return settings.SESSION_COOKIE_NAME in parse_cookie(headers.get("cookie", ""))


def body_limit(signed_in: bool) -> int:
    if signed_in:
        return settings.MUSCLESEED_UPLOAD_MAX_REQUEST_MB * MIB
    return settings.MUSCLESEED_ANONYMOUS_MAX_BODY_KB * 1024


def declared_length(headers: dict[str, str]) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None  # chunked (or no body): counted as it arrives


def too_large(limit: int, signed_in: bool) -> tuple[int, str, str]:
    if signed_in:
        detail = (
            f"The request body is larger than the {limit} bytes accepted in one request "
            f"(UPLOAD_MAX_REQUEST_MB = {limit // MIB}): send the files in several requests."
        )
        return 413, "request_too_large", detail
    return 413, "anonymous_body_too_large", f"Sign in first: a request without credentials may send {limit} bytes."


def refusal_before_body(scope, headers: dict[str, str]) -> tuple[int, str, str] | None:
    """(status, code, detail) when the request can be refused on its headers alone."""
    signed_in = has_credentials(headers)
    if not signed_in and scope["method"] == "POST" and scope["path"] == UPLOAD_PATH:
        return 401, "not_authenticated", "Authentication credentials were not provided."
    length = declared_length(headers)
    limit = body_limit(signed_in)
    if length is not None and length > limit:
        return too_large(limit, signed_in)
    return None


async def send_refusal(send, status: int, code: str, detail: str) -> None:
    body = json.dumps({"detail": detail, "code": code}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"connection", b"close"),  # the unread body must not be taken for the next request
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Token"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def counting_receive(receive, send, limit: int, signed_in: bool):
    """`receive` that answers 413 and tells the app the client left once more than `limit` bytes came."""
    received = 0

    async def guarded():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                await send_refusal(send, *too_large(limit, signed_in))
                return {"type": "http.disconnect"}
        return message

    return guarded


class RequestGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = request_headers(scope)
        refusal = refusal_before_body(scope, headers)
        if refusal:
            return await send_refusal(send, *refusal)
        signed_in = has_credentials(headers)
        guarded = counting_receive(receive, send, body_limit(signed_in), signed_in)
        return await self.app(scope, guarded, send)
