"""The poller: reads the portal's change feed with the national portal's client credentials.

A cycle fetches pages from the kept cursor until the feed says ``has_more: false`` and applies
each change through :func:`receiving.receive` (a change also pushed is recognised and skipped).
The cursor is saved after each page, so a crash re-reads at most one page. It is saved only if
no other poller moved it meanwhile (compare and set), so two pollers never move it backwards.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from . import faults, receiving
from .models import PollState, Source

log = logging.getLogger(__name__)

TOKEN_MARGIN_SECONDS = 30  # ask for a new token this long before the old one expires


class PollError(Exception):
    """The feed could not be read this time; the message says why."""


class FeedClient:
    """HTTP client of the portal's token endpoint and change feed."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.session = session or requests.Session()
        self._token: str | None = None
        self._token_expires = 0.0
        self.tokens_fetched = 0

    @classmethod
    def from_settings(cls) -> FeedClient:
        return cls(
            settings.NATIONAL_PORTAL_FEED_URL,
            settings.NATIONAL_PORTAL_CLIENT_ID,
            settings.NATIONAL_PORTAL_CLIENT_SECRET,
            timeout=settings.NATIONAL_PORTAL_HTTP_TIMEOUT,
        )

    def token(self) -> str:
        if self._token and time.monotonic() < self._token_expires:
            return self._token
        try:
            response = self.session.post(
                f"{self.base_url}/api/v1/auth/token",
                data={"grant_type": "client_credentials", "scope": "sync:read"},
                auth=(self.client_id, self.client_secret),
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise PollError(f"token endpoint unreachable: {error}") from error
        body = _json(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise PollError(
                f"token refused: HTTP {response.status_code} {body.get('error', '')} "
                f"{body.get('error_description', '')}".strip()
            )
        expires_in = body.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 60
        self._token = body["access_token"]
        self._token_expires = time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 1)
        self.tokens_fetched += 1
        return self._token

    def changes(self, cursor: str, limit: int) -> dict[str, Any]:
        """One page of the feed; on 401 (expired or revoked token) one new token and one retry."""
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        for attempt in (1, 2):
            try:
                response = self.session.get(
                    f"{self.base_url}/api/sync/v1/changes",
                    params=params,
                    headers={"Authorization": f"Bearer {self.token()}"},
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                raise PollError(f"change feed unreachable: {error}") from error
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            break
        body = _json(response)
        if response.status_code == 400:
            raise PollError(
                f"the feed refused the cursor ({body.get('detail') or body}); "
                "`national_portal_poll --reset` starts again from the beginning"
            )
        if response.status_code != 200:
            raise PollError(f"change feed answered HTTP {response.status_code}")
        if (
            not isinstance(body.get("changes"), list)
            or not isinstance(body.get("next_cursor"), str)
            or not isinstance(body.get("has_more"), bool)
        ):
            raise PollError("change feed page lacks changes / next_cursor / has_more")
        return body


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass
class CycleResult:
    paused: bool = False
    pages: int = 0
    received: int = 0
    duplicates: int = 0
    rejected: int = 0
    overtaken: bool = False  # another poller moved the cursor; this one stopped


def _state() -> PollState:
    return PollState.objects.get_or_create(pk=1)[0]


def reset_cursor() -> None:
    PollState.objects.update_or_create(pk=1, defaults={"cursor": "", "last_error": ""})


def poll_cycle(client: FeedClient, limit: int | None = None, max_pages: int = 1000) -> CycleResult:
    """Read the feed from the kept cursor until it has no more (or ``max_pages``)."""
    result = CycleResult()
    if faults.current().mode == "down":
        result.paused = True
        return result
    limit = limit or settings.NATIONAL_PORTAL_POLL_LIMIT
    state = _state()
    cursor = state.cursor
    PollState.objects.filter(pk=1).update(last_attempt_at=timezone.now())
    try:
        while result.pages < max_pages:
            page = client.changes(cursor, limit)
            result.pages += 1
            for data in page["changes"]:
                _apply(data, result)
            moved = PollState.objects.filter(pk=1, cursor=cursor).update(
                cursor=page["next_cursor"],
                last_success_at=timezone.now(),
                last_error="",
                changes_read=F("changes_read") + len(page["changes"]),
            )
            if not moved:
                result.overtaken = True
                break
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
    except PollError as error:
        PollState.objects.filter(pk=1).update(last_error=str(error)[:2000])
        raise
    return result


def _apply(data: Any, result: CycleResult) -> None:
    try:
        receipt = receiving.receive_data(data, Source.PULL)
    except receiving.InvalidEnvelope as error:
        # Skipped, not retried: reading it again would not make it valid.
        result.rejected += 1
        log.warning("feed change refused: %s", error)
        return
    if receipt.duplicate:
        result.duplicates += 1
    else:
        result.received += 1


def run_forever(client: FeedClient, interval: float, stop=None) -> None:
    """Poll every ``interval`` seconds until ``stop()`` is true; errors are logged, not fatal
    (the portal may simply not be up yet)."""
    stop = stop or (lambda: False)
    while not stop():
        close_old_connections()
        try:
            result = poll_cycle(client)
        except PollError as error:
            log.warning("national portal poll failed: %s", error)
        except Exception:
            # Whatever it was (a database restart, a page it cannot read), the next cycle tries
            # again: honcho would stop the whole demo if this process died.
            log.exception("national portal poll crashed; trying again in %s s", interval)
        else:
            if result.paused:
                log.info("national portal is down (fault switch): poller paused")
            elif result.received or result.rejected:
                log.info(
                    "polled %d page(s): %d new, %d already received, %d refused",
                    result.pages,
                    result.received,
                    result.duplicates,
                    result.rejected,
                )
        time.sleep(interval)
