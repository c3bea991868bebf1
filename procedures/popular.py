"""Procedures citizens file most often, shown on the home page and favoured in search.

The order is the home page's order. Popularity also grows with real dossier counts later; this
list gives a sensible start before any dossier exists.
"""

POPULAR_CODES: list[str] = [
    "1.001193",  # Đăng ký khai sinh
    "1.004222",  # Đăng ký thường trú
    "1.004194",  # Đăng ký tạm trú
    "1.000894",  # Đăng ký kết hôn
    "1.000656",  # Đăng ký khai tử
    "3.000333",  # Cấp Phiếu lý lịch tư pháp
    "2.000815",  # Chứng thực bản sao từ bản chính
    "1.001612",  # Đăng ký thành lập hộ kinh doanh
    "1.013225",  # Cấp giấy phép xây dựng mới (công trình cấp III, IV, nhà ở riêng lẻ)
    "1.013978",  # Đăng ký đất đai, cấp Giấy chứng nhận lần đầu
]


def initial_popularity(national_code: str) -> int:
    try:
        return 100 - POPULAR_CODES.index(national_code)
    except ValueError:
        return 0
