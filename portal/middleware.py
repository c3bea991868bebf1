"""Language selection: Vietnamese first.

Pages are Vietnamese unless the visitor picked English with the language switch (the choice is
kept in the language cookie): a browser set to English must not turn a Vietnamese public
service into an English one by itself. API clients may still ask with ``Accept-Language``.
"""

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
