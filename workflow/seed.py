"""The workflow templates the portal starts with: one default per authority tier, and specific
ones for the procedures citizens file most (procedures.popular).

The definitions are plain data so the data migration (with historical models) and
``manage.py seed_workflows`` create them the same way. Seeding only creates what is missing:
a template an administrator edited keeps the edits, and a procedure that already has a
workflow attached on any version keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

# Roles (identity.models.Role) and departments (WorkflowStep.Department), as stored.
RECEPTION, SPECIALIST, DIVISION_HEAD, LEADER = "reception", "specialist", "division_head", "leader"
AGENCY, LEAD, FIXED = "receiving_agency", "lead_division", "fixed"

# Agencies of data/hcmc_agencies.json that specific steps name.
LAND_REGISTRY = "H29.06.01"  # Văn phòng Đăng ký đất đai (Sở Nông nghiệp và Môi trường)
CITY_TAX = "H29.17"  # Thuế Thành phố: financial obligations on land
CONSTRUCTION_DEPARTMENT = "H29.04"  # Sở Xây dựng: opinion on a building permit
CITY_COURT = "H29.20"  # Tòa án nhân dân Thành phố: judgments for a criminal-record check


@dataclass(frozen=True)
class Step:
    name: str
    role: str
    share: int
    department: str = LEAD
    agency: str | None = None  # code, for a FIXED department
    consulted: str | None = None  # code of the agency asked in parallel (liên thông)


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    steps: tuple[Step, ...]
    default_for: str = ""
    procedures: tuple[str, ...] = field(default=())  # national codes it is attached to
    description: str = ""


def _desk(name: str, share: int) -> Step:
    return Step(name, RECEPTION, share, AGENCY)


DEFAULT_TEMPLATES = (
    Template(
        "mac-dinh-cap-xa",
        "Quy trình mặc định cấp xã",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Công chức chuyên môn thụ lý", SPECIALIST, 50),
            Step("Lãnh đạo Ủy ban nhân dân xã ký", LEADER, 30, AGENCY),
            _desk("Trả kết quả", 10),
        ),
        default_for="commune",
    ),
    Template(
        "mac-dinh-so-nganh",
        "Quy trình mặc định sở, ngành Thành phố",
        (
            _desk("Tiếp nhận hồ sơ", 5),
            Step("Chuyên viên thụ lý", SPECIALIST, 55),
            Step("Lãnh đạo phòng xem xét", DIVISION_HEAD, 15),
            Step("Lãnh đạo Sở ký", LEADER, 15, AGENCY),
            _desk("Trả kết quả", 10),
        ),
        default_for="province",
    ),
    Template(
        "mac-dinh-nganh-doc",
        "Quy trình mặc định cơ quan ngành dọc",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Cán bộ thụ lý", SPECIALIST, 50),
            Step("Lãnh đạo phòng, đội xem xét", DIVISION_HEAD, 15),
            Step("Thủ trưởng cơ quan ký", LEADER, 15, AGENCY),
            _desk("Trả kết quả", 10),
        ),
        default_for="vertical",
    ),
    Template(
        "mac-dinh-chung",
        "Quy trình mặc định chung",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Chuyên viên thụ lý", SPECIALIST, 50),
            Step("Lãnh đạo phòng xem xét", DIVISION_HEAD, 15),
            Step("Lãnh đạo cơ quan ký", LEADER, 15, AGENCY),
            _desk("Trả kết quả", 10),
        ),
        default_for="fallback",
        description="Cho thủ tục không thuộc cấp xã, sở ngành hay ngành dọc (ví dụ cấp bộ).",
    ),
)

SPECIFIC_TEMPLATES = (
    Template(
        "khai-sinh",
        "Đăng ký khai sinh (cấp xã)",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Công chức tư pháp - hộ tịch thụ lý", SPECIALIST, 50),
            Step("Lãnh đạo Ủy ban nhân dân xã ký Giấy khai sinh", LEADER, 30, AGENCY),
            _desk("Trả Giấy khai sinh", 10),
        ),
        procedures=("1.001193",),
    ),
    Template(
        "ket-hon",
        "Đăng ký kết hôn (cấp xã)",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Công chức tư pháp - hộ tịch thẩm tra điều kiện kết hôn", SPECIALIST, 40),
            Step("Chủ tịch Ủy ban nhân dân xã ký Giấy chứng nhận kết hôn", LEADER, 30, AGENCY),
            _desk("Trao Giấy chứng nhận kết hôn (hai bên có mặt)", 20),
        ),
        procedures=("1.000894",),
    ),
    Template(
        "khai-tu",
        "Đăng ký khai tử (cấp xã)",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Công chức tư pháp - hộ tịch thụ lý", SPECIALIST, 50),
            Step("Lãnh đạo Ủy ban nhân dân xã ký Trích lục khai tử", LEADER, 30, AGENCY),
            _desk("Trả Trích lục khai tử", 10),
        ),
        procedures=("1.000656",),
    ),
    Template(
        "cu-tru",
        "Đăng ký thường trú, tạm trú (Công an cấp xã)",
        (
            _desk("Tiếp nhận hồ sơ cư trú", 10),
            Step("Cán bộ đăng ký cư trú thẩm định", SPECIALIST, 50),
            Step("Trưởng Công an xã phê duyệt", LEADER, 30, AGENCY),
            _desk("Cập nhật Cơ sở dữ liệu về cư trú, thông báo kết quả", 10),
        ),
        procedures=("1.004222", "1.004194"),
    ),
    Template(
        "chung-thuc",
        "Chứng thực bản sao từ bản chính (cấp xã)",
        (
            _desk("Tiếp nhận, đối chiếu bản chính", 10),
            Step("Công chức tư pháp kiểm tra bản sao", SPECIALIST, 40),
            Step("Lãnh đạo Ủy ban nhân dân xã ký chứng thực", LEADER, 40, AGENCY),
            _desk("Trả bản sao đã chứng thực", 10),
        ),
        procedures=("2.000815",),
    ),
    Template(
        "ho-kinh-doanh",
        "Đăng ký thành lập hộ kinh doanh (cấp xã)",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Công chức Phòng Kinh tế thụ lý", SPECIALIST, 60),
            Step("Lãnh đạo Phòng Kinh tế cấp Giấy chứng nhận", DIVISION_HEAD, 20),
            _desk("Trả Giấy chứng nhận đăng ký hộ kinh doanh", 10),
        ),
        procedures=("1.001612",),
    ),
    Template(
        "giay-phep-xay-dung",
        "Cấp giấy phép xây dựng công trình cấp III, IV (cấp xã, liên thông Sở Xây dựng)",
        (
            _desk("Tiếp nhận hồ sơ", 5),
            Step(
                "Thẩm định hồ sơ, kiểm tra thực địa, lấy ý kiến cơ quan quản lý nhà nước",
                SPECIALIST,
                50,
                consulted=CONSTRUCTION_DEPARTMENT,
            ),
            Step("Lãnh đạo phòng chuyên môn xem xét", DIVISION_HEAD, 15),
            Step("Lãnh đạo Ủy ban nhân dân xã ký giấy phép", LEADER, 20, AGENCY),
            _desk("Trả giấy phép xây dựng", 10),
        ),
        procedures=("1.013225",),
    ),
    Template(
        "dang-ky-dat-dai",
        "Đăng ký đất đai, cấp Giấy chứng nhận lần đầu (liên thông Văn phòng ĐKĐĐ, Thuế)",
        (
            _desk("Tiếp nhận hồ sơ", 5),
            Step("Công chức địa chính xã kiểm tra hiện trạng, niêm yết", SPECIALIST, 20),
            Step(
                "Văn phòng Đăng ký đất đai thẩm tra, xác định nghĩa vụ tài chính",
                SPECIALIST,
                30,
                FIXED,
                agency=LAND_REGISTRY,
                consulted=CITY_TAX,
            ),
            Step(
                "Lãnh đạo Văn phòng Đăng ký đất đai duyệt",
                DIVISION_HEAD,
                10,
                FIXED,
                agency=LAND_REGISTRY,
            ),
            Step("Chủ tịch Ủy ban nhân dân xã ký Giấy chứng nhận", LEADER, 25, AGENCY),
            _desk("Trao Giấy chứng nhận", 10),
        ),
        procedures=("1.013978",),
    ),
    Template(
        "ly-lich-tu-phap",
        "Cấp Phiếu lý lịch tư pháp (Công an Thành phố)",
        (
            _desk("Tiếp nhận hồ sơ", 5),
            Step(
                "Tra cứu, xác minh thông tin lý lịch tư pháp", SPECIALIST, 45, consulted=CITY_COURT
            ),
            Step("Lãnh đạo phòng kiểm tra", DIVISION_HEAD, 20),
            Step("Lãnh đạo Công an Thành phố ký Phiếu", LEADER, 20, AGENCY),
            _desk("Trả Phiếu lý lịch tư pháp", 10),
        ),
        procedures=("3.000333",),
    ),
)


def ensure_templates(definitions, template_model, step_model, agency_model) -> dict[str, object]:
    """Create the templates of ``definitions`` that do not exist yet, by code; return all of
    them by code. Models are passed in so the data migration can use its historical ones.
    A template naming an agency that is not in the database (agencies not seeded yet) is
    skipped rather than created with a step that has no handler.
    """
    codes = {code for d in definitions for s in d.steps for code in (s.agency, s.consulted) if code}
    agencies = {a.code: a for a in agency_model.objects.filter(code__in=codes)}
    existing = {
        t.code: t for t in template_model.objects.filter(code__in=[d.code for d in definitions])
    }
    for definition in definitions:
        if definition.code in existing:
            continue
        wanted = {c for s in definition.steps for c in (s.agency, s.consulted) if c}
        if not wanted <= agencies.keys():
            continue
        template = template_model.objects.create(
            code=definition.code,
            name=definition.name,
            default_for=definition.default_for,
            description=definition.description,
        )
        step_model.objects.bulk_create(
            step_model(
                template=template,
                order=order,
                name=step.name,
                role=step.role,
                department=step.department,
                agency=agencies.get(step.agency),
                share=step.share,
                consulted_agency=agencies.get(step.consulted),
            )
            for order, step in enumerate(definition.steps, start=1)
        )
        existing[definition.code] = template
    return existing


@transaction.atomic
def seed_workflows() -> dict[str, int]:
    """Create the default and specific templates and attach the specific ones to the version in
    force of their procedures, unless the procedure already has a workflow. Idempotent."""
    from procedures.models import Agency, Procedure

    from .models import ProcedureWorkflow, WorkflowStep, WorkflowTemplate

    before = WorkflowTemplate.objects.count()
    templates = ensure_templates(
        DEFAULT_TEMPLATES + SPECIFIC_TEMPLATES, WorkflowTemplate, WorkflowStep, Agency
    )
    attached = 0
    for definition in SPECIFIC_TEMPLATES:
        template = templates.get(definition.code)
        if template is None:
            continue
        procedures = Procedure.objects.filter(
            national_code__in=definition.procedures, current_version__isnull=False
        ).exclude(versions__workflow__isnull=False)
        for procedure in procedures:
            ProcedureWorkflow.objects.create(
                version_id=procedure.current_version_id, template=template
            )
            attached += 1
    return {"templates": WorkflowTemplate.objects.count() - before, "attached": attached}
