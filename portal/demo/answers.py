"""What the demo citizens type into the e-forms and the scans they attach.

Each detailed procedure has hand-written answers (the person concerned, the plot, the house);
:func:`fill_rest` then gives any other visible required field a plausible value, so a form
that gains a field keeps working. Dates follow the day of filing (``portal.clock``), so a child
is born a week before the birth is registered, whatever day the demo is seeded on.
"""

from __future__ import annotations

import datetime
import io
import textwrap
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from procedures.eforms import is_visible

from .people import DemoPerson

Answers = dict[str, dict]

CHILDREN = ["Nguyễn Gia Bảo", "Trần Minh Khang", "Phạm Ngọc Diệp", "Lê Bảo Anh", "Võ Hoàng Nam"]
PARTNERS = [
    ("Lê Thị Hồng Nhung", "079195003456", "1995-04-18"),
    ("Đỗ Thanh Tâm", "079094006789", "1994-09-02"),
    ("Huỳnh Mai Phương", "079197001122", "1997-12-21"),
]


def _split(name: str) -> tuple[str, str, str]:
    parts = name.split()
    return parts[0], " ".join(parts[1:-1]), parts[-1]


def birth(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    family, middle, given = _split(p.full_name.split()[0] + " " + " ".join(
        CHILDREN[n % len(CHILDREN)].split()[1:]))  # fmt: skip
    mother = p.gender == "Nữ"
    return {
        "request": {"request": "Đăng ký khai sinh cho con", "so_ban_sao": 2},
        "nguoi_yeu_cau": {"quan_he": "me" if mother else "cha"},
        "nguoi_duoc_khai_sinh": {
            "ho": family, "chu_dem": middle, "ten": given, "gioi_tinh": "nam" if n % 2 else "nu",
            "ngay_sinh": (today - datetime.timedelta(days=7 + n)).isoformat(),
            "noi_sinh_loai": "co_so_y_te", "noi_sinh": "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh",
            "dan_toc": "Kinh", "quoc_tich": "Việt Nam", "que_quan": "Thành phố Hồ Chí Minh",
        },
        "me": {
            "ho_ten": p.full_name if mother else "Lê Thị Hồng Nhung",
            "nam_sinh": p.birth_date.year if mother else 1995,
            "dan_toc": "Kinh", "quoc_tich": "Việt Nam", "noi_cu_tru": p.address,
        },
        "cha": {"co_thong_tin_cha": "khong"} if mother else {
            "co_thong_tin_cha": "co", "ho_ten": p.full_name, "nam_sinh": p.birth_date.year,
            "dan_toc": "Kinh", "quoc_tich": "Việt Nam", "noi_cu_tru": p.address,
            "so_dinh_danh": p.id_number,
        },
    }  # fmt: skip


def marriage(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    name, number, born = PARTNERS[n % len(PARTNERS)]
    me = {
        "ho_ten": p.full_name, "ngay_sinh": p.birth_date.isoformat(), "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam", "noi_cu_tru": p.address, "so_dinh_danh": p.id_number,
        "lan_ket_hon": 1,
    }  # fmt: skip
    other = {**me, "ho_ten": name, "ngay_sinh": born, "so_dinh_danh": number}
    man, woman = (me, other) if p.gender == "Nam" else (other, me)
    return {
        "request": {"nguoi_nop": "ben_nam" if p.gender == "Nam" else "ben_nu",
                    "request": "Đăng ký kết hôn"},
        "ben_nam": man, "ben_nu": woman,
    }  # fmt: skip


def death(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    return {
        "request": {"request": "Đăng ký khai tử cho cha", "so_ban_sao": 1},
        "nguoi_yeu_cau": {"quan_he": "con"},
        "nguoi_chet": {
            "ho_ten": "Phạm Văn Lực", "ngay_sinh": "1948-02-10", "gioi_tinh": "nam",
            "dan_toc": "Kinh", "quoc_tich": "Việt Nam", "noi_cu_tru_cuoi_cung": p.address,
            "ngay_chet": (today - datetime.timedelta(days=3)).isoformat(), "gio_chet": "05:30",
            "noi_chet": "Tại nhà riêng", "nguyen_nhan_chet": "Bệnh già",
            "giay_bao_tu_so": f"{120 + n}/GBT", "giay_bao_tu_noi_cap": "Trạm Y tế xã",
        },
    }  # fmt: skip


def residence(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    return {
        "request": {"case": "case_1", "request": "Đăng ký cư trú tại chỗ ở hợp pháp của gia đình"},
        "nguoi_de_nghi": {"gioi_tinh": "nam" if p.gender == "Nam" else "nu"},
        "chu_ho": {"quan_he_voi_chu_ho": "chu_ho"},
        "noi_dang_ky": {
            "dia_chi": p.address, "phuong_xa": p.ward,
            "tam_tru_den_ngay": (today + datetime.timedelta(days=365)).isoformat(),
        },
        "y_kien": {"y_kien_chu_ho": "la_chu_ho"},
    }  # fmt: skip


def criminal_record(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    return {
        "request": {"loai_phieu": "phieu_so_1", "xac_nhan_cam_dam_nhiem": "khong",
                    "request": "Cấp Phiếu lý lịch tư pháp số 1 để bổ sung hồ sơ xin việc",
                    "so_luong": 2},
        "nhan_than": {"gioi_tinh": "nam" if p.gender == "Nam" else "nu",
                      "noi_sinh": "Thành phố Hồ Chí Minh", "quoc_tich": "Việt Nam",
                      "dan_toc": "Kinh", "noi_thuong_tru": p.address},
        "cu_tru": {"qua_trinh": [
            {"tu_nam": p.birth_date.year, "den_nam": 2010, "noi_cu_tru": "Quận 3, TP.HCM"},
            {"tu_nam": 2010, "noi_cu_tru": p.address, "nghe_nghiep": "Nhân viên văn phòng"},
        ]},
    }  # fmt: skip


def building(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    return {
        "request": {"case": "case_1", "request": "Cấp giấy phép xây dựng nhà ở riêng lẻ"},
        "chu_dau_tu": {"ten_chu_dau_tu": p.full_name, "dia_chi": p.address,
                       "phuong_xa": p.ward, "dien_thoai": p.phone},
        "dia_diem": {"lo_dat_so": f"{215 + n}, tờ bản đồ số 12", "dien_tich_lo_dat": 96,
                     "so_nha_duong": p.address, "phuong_xa": p.ward},
        "quy_mo": {"cap_cong_trinh": "cap_iii", "dien_tich_xay_dung_tang_1": 80,
                   "tong_dien_tich_san": 320, "chieu_cao": 15.6, "so_tang_tren_mat_dat": 4,
                   "so_tang_ham": 0,
                   "du_kien_hoan_thanh": (today + datetime.timedelta(days=300)).isoformat()},
    }  # fmt: skip


def land(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    return {
        "request": {"case": "case_1", "de_nghi": "cap_gcn", "ghi_no": "khong",
                    "request": "Đăng ký đất đai, cấp Giấy chứng nhận lần đầu"},
        "nguoi_su_dung": {"hinh_thuc": "rieng"},
        "thua_dat": {"so_thua": str(88 + n), "so_to_ban_do": "27", "dia_chi": p.address,
                     "phuong_xa": p.ward, "dien_tich": 450.5, "muc_dich": "ont",
                     "thoi_han": "lau_dai",
                     "nguon_goc": "Nhận thừa kế của cha mẹ, sử dụng ổn định từ năm 1995"},
        "tai_san": {"co_tai_san": "khong"},
    }  # fmt: skip


def lawyer(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    return {"request": {"request": "Đề nghị đăng ký hành nghề luật sư với tư cách cá nhân"}}


def auctioneer(p: DemoPerson, n: int, today: datetime.date) -> Answers:
    return {"request": {"request": "Đề nghị cấp lại Chứng chỉ hành nghề đấu giá do bị mất"}}


ANSWERS: dict[str, Callable[[DemoPerson, int, datetime.date], Answers]] = {
    "1.001193": birth,
    "1.000894": marriage,
    "1.000656": death,
    "1.004222": residence,
    "1.004194": residence,
    "3.000333": criminal_record,
    "1.013225": building,
    "1.013978": land,
    "1.002153": lawyer,
    "1.000802": auctioneer,
}

SAMPLES = {"text": "Không", "textarea": "Không có", "phone": "0903000000",
           "email": "lienhe@example.vn", "id_number": "079190005678"}  # fmt: skip


def fill_rest(fields: list[dict], values: dict, today: datetime.date, ward: str) -> dict:
    """Give every visible required field still empty a plausible value (any schema)."""
    for f in fields:
        if not is_visible(f, values) or values.get(f["id"]) not in (None, "", []):
            continue
        if f["type"] == "group":
            values[f["id"]] = [
                fill_rest(f["fields"], {}, today, ward) for _ in range(f.get("min_items", 0))
            ]
        elif f.get("required"):
            kind = f["type"]
            if kind == "choice":
                values[f["id"]] = f["choices"][0]["value"]
            elif kind == "number":
                values[f["id"]] = max(f.get("min", 1), 1)
            elif kind == "date":
                values[f["id"]] = (today if f.get("min") == "today" else today.replace(
                    year=today.year - 30)).isoformat()  # fmt: skip
            elif kind == "ward":
                values[f["id"]] = ward
            else:
                values[f["id"]] = SAMPLES.get(kind, "Không")
    return values


def answers_for(
    code: str, person: DemoPerson, n: int, schema: dict, prefilled: dict, today: datetime.date
) -> Answers:
    """The whole form of dossier ``n`` of ``person`` for procedure ``code``."""
    data = {section: dict(values) for section, values in prefilled.items()}
    data.setdefault("applicant", {}).setdefault("address", person.address)
    for section, values in ANSWERS.get(code, lawyer)(person, n, today).items():
        data[section] = {**data.get(section, {}), **values}
    for section in schema["sections"]:
        data[section["id"]] = fill_rest(section["fields"], data.get(section["id"]) or {},
                                        today, person.ward)  # fmt: skip
    return data


# --- the scans the citizens upload ----------------------------------------------------------


@cache
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(settings.BASE_DIR / "static" / "fonts" / "DejaVuSans.ttf"), size)


def scan(title: str, owner: str) -> SimpleUploadedFile:
    """A small PNG "scan" naming the document and its owner (marked as demo data)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (620, 300), (252, 250, 243))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 611, 291), outline=(150, 40, 40), width=3)
    draw.text((30, 26), "BẢN SAO ĐIỆN TỬ — DỮ LIỆU MẪU (DEMO)", fill=(150, 40, 40), font=_font(18))
    y = 70
    for line in textwrap.wrap(title, 52)[:5]:
        draw.text((30, y), line, fill=(20, 20, 20), font=_font(17))
        y += 28
    draw.text((30, 250), f"Người nộp: {owner}", fill=(60, 60, 60), font=_font(15))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile("ban-scan.png", buffer.getvalue(), content_type="image/png")
