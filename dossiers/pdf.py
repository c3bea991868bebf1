"""PDF rendering for the forms the portal prints (Mẫu 01–07, results): HTML templates → WeasyPrint.

WeasyPrint follows every URL a document names (stylesheets, fonts, images, ``<link>``), and by
default it reads ``file://`` paths and fetches ``http(s)://`` addresses. A PDF is built from data
a citizen typed, so a value slipping through as markup could make the server read its own files
into a PDF (CVE-2025-68616 and the like). Two walls stand in the way:

1. templates are Django templates with autoescaping, so a name such as
   ``<img src="file:///etc/passwd">`` stays text;
2. :class:`StaticOnlyFetcher` answers only ``portal-static:<path>`` URLs, and only for files
   under the project's ``static/`` folder with an allowed extension; everything else — other
   schemes, relative paths, ``..`` — is refused before any file or socket is touched.

Fonts come from ``static/fonts`` through ``@font-face``, so Vietnamese renders the same
everywhere, whatever the machine has installed.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger("dossiers.pdf")

SCHEME = "portal-static:"
# Deliberately not a scheme urllib knows how to join: a relative URL in a template or a
# stylesheet does not resolve against it, so only explicit ``portal-static:`` URLs can load.
BASE_URL = SCHEME
STATIC_DIR = Path(settings.BASE_DIR) / "static"
ALLOWED_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
}
SAFE_PATH = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*$")
DATA_IMAGE = re.compile(r"^data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=\s]+)$")
MAX_DATA_IMAGE_BYTES = 256 * 1024


class FetchRefused(ValueError):
    """A URL the PDF renderer will not load."""


@dataclass
class Fetch:
    url: str
    served: bool
    reason: str = ""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's URL fetcher, restricted to the bundled static files (see module docstring).

    Every call is recorded in ``log`` so tests can prove what a rendering asked for.
    """

    def __init__(self) -> None:
        # The parent's urllib machinery is never used: fetch() below does not call it.
        super().__init__(allowed_protocols=())
        self.log: list[Fetch] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            response = self._serve(url)
        except FetchRefused as refused:
            self.log.append(Fetch(url[:200], served=False, reason=str(refused)))
            logger.warning("PDF fetch refused: %.200s (%s)", url, refused)
            raise
        self.log.append(Fetch(url[:200], served=True))
        return response

    def _serve(self, url: str) -> URLFetcherResponse:
        if not isinstance(url, str):
            raise FetchRefused("not a string")
        match = DATA_IMAGE.match(url)
        if match:
            try:
                body = base64.b64decode(match[2], validate=False)
            except (binascii.Error, ValueError):
                raise FetchRefused("bad data: image") from None
            if len(body) > MAX_DATA_IMAGE_BYTES:
                raise FetchRefused("data: image too large")
            return URLFetcherResponse(url, body, {"Content-Type": match[1]})
        if not url.startswith(SCHEME):
            raise FetchRefused("only bundled static files may be loaded")
        path = static_file(url[len(SCHEME) :])
        content_type = ALLOWED_TYPES[path.suffix.lower()]
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def static_file(relative: str) -> Path:
    """The file under ``static/`` named by ``relative``; refuses anything that could escape it."""
    relative = unquote(relative.split("#", 1)[0].split("?", 1)[0])
    if not SAFE_PATH.match(relative) or ".." in relative.split("/"):
        raise FetchRefused("not a plain static path")
    root = STATIC_DIR.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise FetchRefused("outside the static folder")
    if path.suffix.lower() not in ALLOWED_TYPES:
        raise FetchRefused("file type not allowed")
    if not path.is_file():
        raise FetchRefused("no such static file")
    return path


def render_pdf(
    template_name: str, context: dict[str, Any], *, fetcher: StaticOnlyFetcher | None = None
) -> bytes:
    """Render ``template_name`` (a Django template under ``templates/pdf/``) to PDF bytes.

    Pass a ``fetcher`` to inspect afterwards which URLs the rendering asked for.
    """
    html = render_to_string(template_name, {"static_prefix": SCHEME, **context})
    return html_to_pdf(html, fetcher=fetcher)


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """PDF bytes of an HTML string, with only bundled static files reachable."""
    fetcher = fetcher if fetcher is not None else StaticOnlyFetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print")
    return document.write_pdf()


# --- helpers shared by the forms ------------------------------------------------------------


def local(moment: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def time_and_date(moment: datetime.datetime | None) -> str:
    """``"14:05 26/11/2026"`` in Asia/Ho_Chi_Minh (forms print times this way)."""
    moment = local(moment)
    return f"{moment:%H:%M %d/%m/%Y}" if moment else ""


def place_and_date(day: datetime.date, place: str = "Thành phố Hồ Chí Minh") -> str:
    """``"Thành phố Hồ Chí Minh, ngày 26 tháng 11 năm 2026"`` (day and month below 10 padded
    with a zero for days 1–9 and months 1–2, as administrative documents do)."""
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day_text} tháng {month_text} năm {day.year}"


def duration_text(duration: Decimal | None, unit: str) -> str:
    """A statutory duration in Vietnamese, e.g. ``"15 ngày làm việc"``; "" when not stated."""
    from procedures.durations import duration_vi

    return duration_vi(duration, unit)


COMMITTEE_PREFIX = re.compile(r"^\s*(?:ủy|uỷ) ban nhân dân\s+", re.IGNORECASE)


def place_name(agency_name: str) -> str:
    """``"Ủy ban nhân dân Phường Bến Thành"`` → ``"Phường Bến Thành"`` (for addresses)."""
    return COMMITTEE_PREFIX.sub("", agency_name or "").strip()


def agency_header(agency) -> dict[str, str]:
    """The two header lines of a form: managing agency (cơ quan chủ quản) and issuing unit.

    The managing agency is the issuing agency's parent, or the City People's Committee for a
    body without one.
    """
    from procedures.models import Agency

    parent = getattr(agency, "parent", None)
    if parent is None:
        parent = Agency.objects.filter(code=settings.PORTAL_CITY_CODE).first()
    managing = parent.name if parent is not None and parent != agency else ""
    return {"managing": managing, "issuing": agency.name if agency is not None else ""}
