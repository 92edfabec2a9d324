"""One application error type, mapped to HTTP responses in one place."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A refusal the user can act on: `message` names what is wrong."""

    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str = "invalid", http_status: int | None = None, extra=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
        if http_status is not None:
            self.http_status = http_status


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=exc.http_status)
    return exception_handler(exc, context)
