"""One application error type, mapped to HTTP responses in one place."""

from django.http import JsonResponse
from django.views import defaults
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


_DJANGO_400 = {  # Django's own refusals, said in the API's words (never the exception's text)
    "TooManyFilesSent": ("too_many_files", "The request has more files than the server accepts in one upload."),
    "TooManyFieldsSent": ("too_many_fields", "The request has more form fields than the server accepts."),
    "RequestDataTooBig": ("body_too_large", "The request body is larger than the server accepts."),
    "DisallowedHost": ("bad_host", "The Host header names a host this server does not answer for."),
}


def bad_request(request, exception=None):
    """handler400: on /api/ a JSON body like every other API error; pages keep Django's."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    code, detail = _DJANGO_400.get(type(exception).__name__, ("bad_request", "The request could not be read."))
    return JsonResponse({"detail": detail, "code": code}, status=400)
