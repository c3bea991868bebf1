"""The outside systems the sandbox stands in for, in the order the index page shows them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class OutsideSystem:
    slug: str
    name: str
    description: str
    status: str = "coming"
    # (label, path relative to SANDBOX_URL) pairs shown once the stand-in is available.
    links: tuple[tuple[str, str], ...] = ()


SYSTEMS: tuple[OutsideSystem, ...] = (
    OutsideSystem(
        slug="vneid",
        name="VNeID (OpenID provider)",
        description=(
            "Đăng nhập công dân bằng định danh điện tử — an OpenID Connect provider with test "
            "citizens, so the portal's citizen login runs end to end without the real VNeID."
        ),
        status="available",
        links=(
            ("OpenID discovery", "vneid/.well-known/openid-configuration"),
            ("Công dân mẫu (demo citizens)", "vneid/login/"),
        ),
    ),
    OutsideSystem(
        slug="national-portal",
        name="Cổng Dịch vụ công quốc gia",
        description=(
            "The National Public Service Portal: polls the portal's change feed with a scoped "
            "token and mirrors each dossier's status, as the real portal does."
        ),
    ),
    OutsideSystem(
        slug="vnpay",
        name="VNPay payment gateway",
        description=(
            "Thanh toán phí, lệ phí — a gateway speaking the VNPay protocol: signed payment "
            "URLs, a page to approve or refuse a payment, the IPN call back to the portal "
            "(retried until it answers 00) and the query API (querydr)."
        ),
        status="available",
        links=(("Giao dịch (transactions)", "vnpay/transactions/"),),
    ),
    OutsideSystem(
        slug="postal",
        name="Bưu chính công ích (postal service)",
        description=(
            "Collects paper documents from citizens and delivers results to their address, "
            "reporting each shipment's progress back to the portal."
        ),
    ),
)
