"""Language selection: Vietnamese first.

Pages are Vietnamese unless the visitor picked English with the language switch (the choice is
kept in the language cookie): a browser set to English must not turn a Vietnamese public
service into an English one by itself. API clients may still ask with ``Accept-Language``.
"""

import ipaddress
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
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

    The header's text is built once per shape of policy (settings, a view's own changes, the
    VNeID origin, with or without a nonce) and kept in the process; each request only puts its
    own nonce in (:meth:`process_response` otherwise does what django-csp's does).
    """

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self.built: dict[tuple, tuple[str, ...]] = {}

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for report_only, header, exempt, setting in (
            (False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            parts = self.get_policy_parts(request, response, report_only)
            policy = self.policy_text(parts, report_only, setting)
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(tuple(excluded))
            ):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def policy_text(self, parts: PolicyParts, report_only: bool, setting: str) -> str:
        """django-csp's ``build_policy`` for these parts, built once per shape: the text is kept
        cut where the nonce goes and joined around this request's nonce."""
        key = (
            report_only,
            parts.nonce is None,
            repr(getattr(settings, setting, None)),
            repr(parts.config),
            repr(parts.update),
            repr(parts.replace),
        )
        pieces = self.built.get(key)
        if pieces is None:
            marker = None if parts.nonce is None else f"nonce{uuid.uuid4().hex}"
            text = build_policy(parts.config, parts.update, parts.replace, marker, report_only)
            pieces = tuple(text.split(marker)) if marker else (text,)
            if len(self.built) > 64:  # views with policies of their own: a bounded few
                self.built.clear()
            self.built[key] = pieces
        return parts.nonce.join(pieces) if parts.nonce is not None else pieces[0]

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        if response.get("Content-Type", "").startswith("text/html"):
            self._make_nonce(request)
        parts = super().get_policy_parts(request, response, report_only)
        issuer = _origin(settings.VNEID_ISSUER)
        if issuer:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", ()), issuer]
            parts.update = update
        return parts


@lru_cache(maxsize=8)
def _origin(url: str) -> str:
    """``scheme://host`` of a URL, or "" when it has no scheme or host."""
    found = urlsplit(url)
    return f"{found.scheme}://{found.netloc}" if found.scheme and found.netloc else ""


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
