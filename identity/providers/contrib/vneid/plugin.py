"""VNeID as an identity provider: configured by the ``VNEID_*`` settings (docs/configuration.md).

VNeID names its profile claims in Vietnamese (``SoDinhDanh``, ``HoVaTen``, …) and states the
assurance level as ``IAL`` (some integrations send ``loAs``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ...base import ClaimMapping, IdentityProvider
from ...registry import registry


@registry.register("vneid")
class VNeIDProvider(IdentityProvider):
    verbose_name = _("VNeID (national electronic identity)")
    claims = ClaimMapping(
        id_number="SoDinhDanh",
        full_name="HoVaTen",
        birth_date="NgayThangNamSinh",
        gender="GioiTinh",
        account_type="LoaiTaiKhoan",
        assurance_level=("IAL", "loAs"),
    )

    # Settings are read at each access: a changed setting (or a test's override) applies at once.
    @property
    def issuer(self) -> str:
        return settings.VNEID_ISSUER

    @property
    def client_id(self) -> str:
        return settings.VNEID_CLIENT_ID

    @property
    def client_secret(self) -> str:
        return settings.VNEID_CLIENT_SECRET

    @property
    def scopes(self) -> str:
        return settings.VNEID_SCOPES

    @property
    def redirect_uri(self) -> str:
        return settings.VNEID_REDIRECT_URI

    @property
    def clock_skew_seconds(self) -> int:
        return settings.VNEID_CLOCK_SKEW_SECONDS

    @property
    def http_timeout_seconds(self) -> float:
        return settings.VNEID_HTTP_TIMEOUT_SECONDS
