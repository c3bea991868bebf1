"""Language selection: Vietnamese first.

Pages are Vietnamese unless the visitor picked English with the language switch (the choice is
kept in the language cookie): a browser set to English must not turn a Vietnamese public
service into an English one by itself. API clients may still ask with ``Accept-Language``.
"""

import ipaddress
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
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


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy, with two additions made per request.

    - Every HTML page carries a nonce, whether or not the page used it, so each page's policy
      has the same shape and a template that adds an inline script only needs the attribute.
    - ``form-action`` also allows the VNeID provider: the login form goes to our own view, but
      browsers apply ``form-action`` to the redirect that follows a submitted form too, and
      that redirect leads to VNeID. The issuer is read from the settings at each request
      because deployments (and tests) point ``VNEID_ISSUER`` elsewhere.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        if response.get("Content-Type", "").startswith("text/html"):
            self._make_nonce(request)
        parts = super().get_policy_parts(request, response, report_only)
        issuer = urlsplit(settings.VNEID_ISSUER)
        if issuer.scheme and issuer.netloc:
            update = dict(parts.update or {})
            update["form-action"] = [
                *update.get("form-action", ()),
                f"{issuer.scheme}://{issuer.netloc}",
            ]
            parts.update = update
        return parts


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy`` (``PERMISSIONS_POLICY``): the portal uses no camera,
    microphone, location or payment API, so no page, nor anything it embeds, may ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
