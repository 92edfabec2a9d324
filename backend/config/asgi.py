"""The ASGI application `make run` serves (scripts/serve.sh): Django behind the request guard.

Django's ASGI handler reads each body without holding a thread, so clients that trickle their uploads wait
on the event loop while everyone else is answered; the guard refuses oversized and anonymous bodies unread.
"""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


async def parts_in_threads(parts):
    """A synchronous iterator of bytes as an asynchronous one, each part read in a worker thread."""
    iterator = iter(parts)
    next_part = sync_to_async(next, thread_sensitive=False)
    while (part := await next_part(iterator, None)) is not None:
        yield part


class StreamingASGIHandler(ASGIHandler):
    """Streams file downloads (exports, static files) part by part: Django would read them whole into memory."""

    async def send_response(self, response, send):
        if response.streaming and not response.is_async:
            response.streaming_content = parts_in_threads(response.streaming_content)
        await super().send_response(response, send)


django.setup(set_prefix=False)
django_application = StreamingASGIHandler()

from config.request_guard import RequestGuard  # noqa: E402 - reads settings, after Django is set up

application = RequestGuard(django_application)
