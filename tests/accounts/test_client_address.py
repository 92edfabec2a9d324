"""config.network.client_ip: X-Forwarded-For only from TRUSTED_PROXIES, read from the right."""

import pytest
from django.test import RequestFactory

from config.network import client_ip


def request_from(peer: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    "trusted,peer,forwarded,expected",
    [
        ([], "198.51.100.2", "1.2.3.4", "198.51.100.2"),  # nobody trusted: the header is ignored
        (["10.0.0.1"], "198.51.100.2", "1.2.3.4", "198.51.100.2"),  # an untrusted peer's header is ignored
        (["10.0.0.1"], "10.0.0.1", "203.0.113.5", "203.0.113.5"),
        (["10.0.0.1"], "10.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client's own entry is skipped
        (["10.0.0.0/8"], "10.0.0.1", "203.0.113.5, 10.1.2.3", "203.0.113.5"),  # two proxies of ours
        (["10.0.0.1"], "10.0.0.1", "not-an-address", "10.0.0.1"),
        (["10.0.0.1"], "10.0.0.1", None, "10.0.0.1"),
        (["2001:db8::/32"], "2001:db8::1", "2001:db8:ffff::2, 2a00::5", "2a00::5"),
    ],
)
def test_the_client_address_trusts_only_configured_proxies(settings, trusted, peer, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(request_from(peer, forwarded)) == expected
