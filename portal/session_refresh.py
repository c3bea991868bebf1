"""Sliding session expiry without writing the session on every request.

Officials' sessions end after ``SESSION_COOKIE_AGE`` (30 minutes) without activity, and activity
keeps them alive. ``SESSION_SAVE_EVERY_REQUEST`` did that by writing the session row (and
sending the cookie) on every request, even a read: four of a signed-in read's ten queries.

:class:`SessionRefreshMiddleware` saves an existing session only when its last save is at least
``SESSION_REFRESH_SECONDS`` old (60 by default). The server-side expiry (the database row and the
cache entry of the ``cached_db`` engine) and the cookie's ``Max-Age`` are both set at that save,
so a session still ends 30 minutes after the last activity, give or take that interval (it may
end up to one interval earlier, never later). Key rotation at login, logout and every other
change of the session are untouched: a modified session is saved as before.

It must come right after ``SessionMiddleware`` so that its response phase runs before the
session is saved.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# When the session was last saved (seconds since the epoch), kept in the session itself.
REFRESHED_AT = "_refreshed_at"


def _now() -> int:
    return int(time.time())


class SessionRefreshMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None:
            return response  # no session cookie: nothing to keep alive, nothing to create
        refreshed_at = session.get(REFRESHED_AT, 0)  # reads the session if no one did
        if session.session_key is None or session.is_empty():
            return response  # an unknown or expired key: do not start a session for it
        now = _now()
        if session.modified or now - refreshed_at >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_AT] = now  # marks it modified: SessionMiddleware saves it
        return response
