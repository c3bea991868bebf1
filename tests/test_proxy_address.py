"""Behind trusted proxies the client's address comes from X-Forwarded-For, and only then."""

import pytest
from django.test import RequestFactory

from portal.middleware import TrustedProxyMiddleware


def address_seen(settings, count, forwarded):
    settings.TRUSTED_PROXY_COUNT = count
    seen = {}

    def view(request):
        seen["ip"] = request.META["REMOTE_ADDR"]

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5")
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    TrustedProxyMiddleware(view)(request)
    return seen["ip"]


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.5"),  # no proxy configured: the header is not trusted
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the left entry is the client's claim
        (2, "198.51.100.1, 203.0.113.7", "198.51.100.1"),
        (2, "203.0.113.7", "10.0.0.5"),  # fewer hops than proxies: keep the socket address
        (1, "not-an-ip", "10.0.0.5"),
        (1, None, "10.0.0.5"),
    ],
)
def test_client_address(settings, count, forwarded, expected):
    assert address_seen(settings, count, forwarded) == expected
