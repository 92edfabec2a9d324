"""The ASGI application `make run` serves (scripts/serve.sh): Django behind the request guard.

Django's ASGI handler reads each body without holding a thread, so clients that trickle their uploads wait
on the event loop while everyone else is answered; the guard refuses oversized and anonymous bodies unread.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from config.request_guard import RequestGuard  # noqa: E402 - reads settings, after Django is set up

application = RequestGuard(django_application)
