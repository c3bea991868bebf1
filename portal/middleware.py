"""Language selection: Vietnamese first.

Pages are Vietnamese unless the visitor picked English with the language switch (the choice is
kept in the language cookie): a browser set to English must not turn a Vietnamese public
service into an English one by itself. API clients may still ask with ``Accept-Language``.
"""

import ipaddress

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PortalLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
        return None


class TrustedProxyMiddleware:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, take the client's address from
    ``X-Forwarded-For`` so the audit log, lockouts and rate limits see the citizen, not nginx.

    Each trusted proxy appends the address it received the request from, so the client is the
    N-th entry from the right; entries further left were written by the client and are ignored.
    With the default of 0 (no proxy, e.g. the demo) the header is not trusted at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.count = settings.TRUSTED_PROXY_COUNT

    def __call__(self, request):
        if self.count:
            header = request.META.get("HTTP_X_FORWARDED_FOR", "")
            hops = [hop.strip() for hop in header.split(",") if hop.strip()]
            if len(hops) >= self.count:
                candidate = hops[-self.count]
                try:
                    ipaddress.ip_address(candidate)
                except ValueError:
                    pass
                else:
                    request.META["REMOTE_ADDR"] = candidate
        return self.get_response(request)
