"""The client's address, trusting X-Forwarded-For only from the proxies named in TRUSTED_PROXIES."""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """REMOTE_ADDR; behind trusted proxies, the nearest X-Forwarded-For entry that is not one of them.

    Each proxy appends the address it was connected from, so the list is read from the right: entries a
    client wrote itself sit to the left of the address our own proxy saw, and are never reached.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(address):
        return address
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    for entry in reversed(forwarded):
        if not is_trusted_proxy(entry):
            return entry if _is_ip(entry) else address
        address = entry
    return address


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
