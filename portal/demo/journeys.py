"""The demo dossiers: who files what, how far each one goes and when, through the services.

Each :class:`Journey` is filed by a demo citizen through the filing services (draft, answers,
scans, submit) and then taken step by step through the lifecycle's transitions by the demo
officials, each step "as of" a moment in the past (:func:`portal.clock.as_of`), so reception
times, due dates, step deadlines and the timeline are the ones real use would have written.
Moments are counted in working hours back from the next working moment (the *anchor*), so the
mix of overdue, due-soon and in-time work is the same whatever day the demo is seeded on.

Idempotent: a journey whose submission key is already used is skipped, so seeding twice adds
nothing. (Skipped journeys keep their first times: on a later day more of them are overdue.)
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dossiers import services
from dossiers.delivery import services as delivery
from dossiers.documents.store import attach_upload, reuse_document
from dossiers.lifecycle import answer, transitions
from dossiers.models import Dossier, StoredDocument
from dossiers.results import ResultChoice
from identity import access
from identity.models import Citizen, Role
from portal import clock
from procedures.models import Procedure
from workflow import routing
from workflow.calendar import WorkingCalendar, calendar_for
from workflow.models import ProcessStep

from .answers import answers_for, scan
from .people import PEOPLE, ensure_citizens, officials

KEY_PREFIX = "demo-"
# Working hours each step takes after the previous one.
GAPS = {
    "receive": 1, "refuse": 1, "complete": 1, "route": 0.5, "claim": 0.25, "forward": 3,
    "supplement": 2, "answer": 8, "fees": 2, "pay": 4, "stop": 2, "extend": 1, "approve": 2,
    "deliver": 2, "withdraw": 2, "wait": 16, "by_post": 0.25, "at_desk": 0.25, "hand_over": 2,
}  # fmt: skip
# Procedures (national codes) and the demo citizens (people.PEOPLE keys).
KS, KH, KT = "1.001193", "1.000894", "1.000656"  # birth, marriage, death (commune)
TT, TMT = "1.004222", "1.004194"  # permanent and temporary residence (commune police)
XD, DD = "1.013225", "1.013978"  # building permit, first land registration (commune)
LL = "3.000333"  # criminal record certificate (Công an Thành phố)
LS, DG = "1.002153", "1.000802"  # lawyer's registration, auctioneer's certificate (Sở Tư pháp)
IN_PROCESS = ("receive", "route")


@dataclass(frozen=True)
class Journey:
    person: str
    procedure: str
    start: float  # working hours before the anchor when the citizen files
    steps: tuple[str, ...] = ()

    def length(self) -> float:
        """Working hours the steps take (the forwards to the leader counted as three)."""
        return sum(GAPS["forward"] * 3 if s == "to_leader" else GAPS[s] for s in self.steps)


def _j(person, procedure, start, *steps) -> Journey:
    return Journey(person, procedure, start, steps)


LEADER = ("to_leader", "approve")
JOURNEYS: tuple[Journey, ...] = (
    # 1 Mới đăng ký (some returned for completion at the desk)
    _j("an", KS, 2), _j("trang", TMT, 3), _j("bich", LS, 1.5), _j("tuan", DD, 4, "complete"),
    _j("ha", LL, 2), _j("an", DG, 6, "complete"),
    # 2 Được tiếp nhận: due soon, in time, overdue
    _j("bich", KH, 6, "receive"), _j("trang", LS, 5, "receive"), _j("tuan", LL, 30, "receive"),
    _j("an", TT, 70, "receive"), _j("tuan", DG, 78, "receive"), _j("ha", DD, 134, "receive"),
    # 3 Không được tiếp nhận
    _j("ha", KT, 40, "refuse"), _j("an", DG, 60, "refuse"), _j("trang", LL, 20, "refuse"),
    # 4 Đang xử lý, at every step, some after a supplement, a payment or an apology
    _j("an", KS, 30, *IN_PROCESS), _j("bich", TMT, 22, *IN_PROCESS),
    _j("trang", LS, 38, *IN_PROCESS, "claim"), _j("tuan", DD, 24, *IN_PROCESS, "forward"),
    _j("ha", DD, 100, *IN_PROCESS, "forward", "forward"), _j("an", XD, 16, *IN_PROCESS, "claim"),
    _j("an", XD, 120, *IN_PROCESS, "forward", "forward"), _j("an", LL, 8, *IN_PROCESS),
    _j("trang", LL, 90, *IN_PROCESS, "to_leader"), _j("ha", TMT, 60, *IN_PROCESS, "forward"),
    _j("tuan", DG, 12, *IN_PROCESS, "forward"), _j("bich", LS, 45, *IN_PROCESS, "to_leader"),
    _j("an", KH, 5.5, *IN_PROCESS),
    _j("trang", TT, 80, *IN_PROCESS, "supplement", "answer"),
    _j("tuan", LL, 70, *IN_PROCESS, "supplement", "answer", "claim"),
    _j("ha", DD, 50, *IN_PROCESS, "forward", "fees", "pay"),
    _j("an", XD, 40, *IN_PROCESS, "fees", "pay"),
    _j("bich", TT, 40, *IN_PROCESS, "extend"),
    _j("trang", LS, 30, *IN_PROCESS, "forward", "extend"),
    # 5 Yêu cầu bổ sung giấy tờ
    _j("an", TT, 20, *IN_PROCESS, "supplement"), _j("tuan", DD, 30, *IN_PROCESS, "supplement"),
    _j("ha", LL, 40, *IN_PROCESS, "supplement"), _j("bich", LS, 44, *IN_PROCESS, "supplement"),
    # 6 Yêu cầu thực hiện nghĩa vụ tài chính
    _j("an", XD, 30, *IN_PROCESS, "fees"), _j("ha", DD, 20, *IN_PROCESS, "fees"),
    _j("tuan", DG, 10, *IN_PROCESS, "fees"),
    # 7 Công dân yêu cầu rút hồ sơ: from 1, 2, 4 and 5
    _j("bich", KS, 10, "withdraw"), _j("an", LL, 50, "receive", "withdraw"),
    _j("tuan", DD, 60, *IN_PROCESS, "withdraw"),
    _j("trang", TT, 50, *IN_PROCESS, "supplement", "withdraw"),
    # 8 Dừng xử lý
    _j("ha", TMT, 70, *IN_PROCESS, "supplement", "wait", "stop"),
    _j("an", DG, 80, *IN_PROCESS, "forward", "stop"),
    # 9 Đã xử lý xong
    _j("bich", KH, 14, *IN_PROCESS, *LEADER), _j("tuan", LL, 60, *IN_PROCESS, *LEADER),
    _j("an", DG, 30, *IN_PROCESS, *LEADER),
    # 10 Đã trả kết quả
    _j("an", KS, 120, *IN_PROCESS, *LEADER, "deliver"),
    _j("ha", KT, 45, *IN_PROCESS, *LEADER, "deliver"),
    _j("trang", LL, 150, *IN_PROCESS, "supplement", "answer", *LEADER, "deliver"),
    _j("tuan", DD, 200, *IN_PROCESS, "fees", "pay", *LEADER, "deliver"),
    _j("bich", LS, 100, *IN_PROCESS, *LEADER, "deliver"),
    _j("an", KH, 35, *IN_PROCESS, *LEADER, "deliver"),
    # Delivery chosen by the applicant (dossiers.delivery): by post (the sandbox's postal service
    # takes it once the worker runs, and reports it delivered after a while: status 10), at the
    # desk (handed over checking the ID number; or waiting there).
    _j("ha", LL, 65, "by_post", *IN_PROCESS, *LEADER),
    _j("tuan", KS, 90, "at_desk", *IN_PROCESS, *LEADER, "hand_over"),
    _j("trang", KH, 25, "at_desk", *IN_PROCESS, *LEADER),
)  # fmt: skip


def key_of(journey: Journey) -> str:
    """The journey's submission key: stable when journeys are added or reordered."""
    return f"{KEY_PREFIX}{journey.person}-{journey.procedure}-{journey.start:g}"


# --- time ---------------------------------------------------------------------------------------


def working_hours_before(calendar: WorkingCalendar, anchor: datetime.datetime, hours: float):
    """The working moment ``hours`` of working time before ``anchor``, to the nearest minute."""
    low, high = anchor - datetime.timedelta(days=30 + hours / 2), anchor
    while high - low > datetime.timedelta(minutes=1):
        middle = low + (high - low) / 2
        if calendar.working_hours_between(middle, anchor) >= hours:
            low = middle
        else:
            high = middle
    return (low + datetime.timedelta(seconds=30)).replace(second=0, microsecond=0)


# --- the two steps another branch changes (see the module's docstring of the seeder) ------------


def _approve(dossier: Dossier, leader: Any) -> Dossier:
    """The leader approves, with the result rendered from the template (Mẫu kết quả)."""
    return transitions.approve(
        dossier, leader, note="Đồng ý, ký duyệt kết quả.", result=ResultChoice(render=True)
    )


def _answer_supplement(dossier: Dossier, citizen: Citizen) -> Dossier:
    """The citizen answers the request online: a scan for the first item asked, then sends."""
    slot = answer.slot_id(dossier, 1)
    if slot:
        answer.attach_upload(dossier, citizen, slot, scan("Giấy tờ bổ sung", citizen.full_name))
    return answer.send(dossier, citizen, note="Tôi đã bổ sung giấy tờ theo yêu cầu.")


# --- one journey --------------------------------------------------------------------------------


class Runner:
    """Takes journeys through the services; holds the people and calendars they share."""

    def __init__(self) -> None:
        self.citizens = ensure_citizens()
        self.people = {p.key: p for p in PEOPLE}
        self.staff = officials()
        self.procedures = {
            p.national_code: p
            for p in Procedure.objects.filter(
                national_code__in={j.procedure for j in JOURNEYS}
            ).select_related("current_version")
        }
        self.calendars: dict[Any, WorkingCalendar] = {}
        self.real_now = timezone.now()

    def calendar(self, agency) -> WorkingCalendar:
        if agency.pk not in self.calendars:
            self.calendars[agency.pk] = calendar_for(agency)
        return self.calendars[agency.pk]

    def official(self, dossier: Dossier, role: str):
        return self.staff[(dossier.receiving_agency.code, role)]

    def file(self, index: int, journey: Journey, at: datetime.datetime) -> Dossier:
        """The citizen fills in a draft, attaches the scans asked for and submits it."""
        person, citizen = self.people[journey.person], self.citizens[journey.person]
        with clock.as_of(at):
            draft = services.start_draft(citizen, self.procedures[journey.procedure])
            data = answers_for(journey.procedure, person, index, draft.form_schema,
                               draft.form_data, timezone.localdate(at))  # fmt: skip
            result = services.save_draft(draft, citizen, data)
            if result.errors:
                raise ValueError(f"demo answers of {journey} are not valid: {result.errors}")
            draft.refresh_from_db()
            for slot in services.missing_documents(draft):
                stored = StoredDocument.objects.filter(owner=citizen, title=slot["name"][:255])
                if stored.exists():
                    reuse_document(draft, citizen, slot["id"], stored.first().public_id)
                else:
                    attach_upload(draft, citizen, slot["id"], scan(slot["name"], person.full_name))
            return services.submit(draft, citizen, idempotency_key=key_of(journey), consent=True)

    def take(self, dossier: Dossier, journey: Journey, at: datetime.datetime) -> Dossier:
        calendar = self.calendar(dossier.receiving_agency)
        for step in journey.steps:
            if step == "to_leader":
                while (open_step := _open_step(dossier)) and open_step.role != Role.LEADER:
                    at = calendar.add_working_hours(at, GAPS["forward"])
                    dossier = self.act(dossier, "forward", at, calendar)
                continue
            at = calendar.add_working_hours(at, GAPS[step])
            dossier = self.act(dossier, step, at, calendar)
        return dossier

    def act(self, d: Dossier, step: str, at: datetime.datetime, calendar) -> Dossier:
        if at > self.real_now:
            raise ValueError(f"demo step {step} of {d.code} would happen in the future ({at})")
        desk = self.official(d, Role.RECEPTION)
        specialist, leader = self.official(d, Role.SPECIALIST), self.official(d, Role.LEADER)
        citizen = d.applicant
        with clock.as_of(at):
            if step == "receive":
                d = transitions.receive(d, desk)
            elif step == "refuse":
                d = transitions.refuse(d, desk, note=(
                    "Hồ sơ không đúng thẩm quyền giải quyết; đề nghị nộp tại cơ quan có thẩm quyền."
                ))  # fmt: skip
            elif step == "complete":
                d = transitions.return_for_completion(
                    d, desk, note="Hồ sơ chưa đầy đủ theo quy định.",
                    items=["Bản sao giấy tờ tùy thân còn hiệu lực", "Ghi rõ số điện thoại liên hệ"],
                )  # fmt: skip
            elif step == "route":
                d = transitions.route(d, desk, note="Chuyển phòng chuyên môn thụ lý.")
                routing.sync_steps(d.code)
            elif step in ("forward", "claim"):
                d = self.work_on_open_step(d, forward=step == "forward")
            elif step == "supplement":
                d = transitions.request_supplement(
                    d, specialist, note="Giấy tờ nộp kèm chưa rõ nét, chưa đủ căn cứ giải quyết.",
                    items=["Bản scan rõ nét giấy tờ đã nộp", "Văn bản xác nhận của UBND cấp xã"],
                )  # fmt: skip
            elif step == "answer":
                d = _answer_supplement(d, citizen)
            elif step == "fees":
                d = transitions.request_fees(d, specialist, note="Nộp lệ phí theo quy định.")
            elif step == "pay":
                d = transitions.mark_fees_paid(d, desk, note="Đã thu lệ phí tại bộ phận một cửa.")
            elif step == "stop":
                d = transitions.stop(d, leader, note=(
                    "Quá thời hạn bổ sung mà công dân không nộp giấy tờ theo yêu cầu."
                    if d.status == 5 else "Công dân đề nghị dừng để hoàn thiện điều kiện."
                ))  # fmt: skip
            elif step == "extend":
                d = transitions.apologise_and_extend(
                    d, leader, note="Cần xác minh thêm thông tin với cơ quan liên quan.",
                    new_due_at=calendar.add_working_hours(d.due_at, 16),
                )  # fmt: skip
            elif step == "approve":
                d = _approve(d, leader)
            elif step == "deliver":
                d = transitions.return_result(d, desk, note="Đã trả kết quả trực tuyến.")
            elif step in ("by_post", "at_desk"):
                delivery.choose(d, citizen, "post" if step == "by_post" else "desk",
                                address=delivery.default_address(d))  # fmt: skip
            elif step == "hand_over":
                d = delivery.hand_over(d, desk, id_number=citizen.id_number,
                                       collector_name=citizen.full_name,
                                       note="Đã trả kết quả tại bộ phận một cửa.")  # fmt: skip
            elif step == "withdraw":
                d = transitions.withdraw(d, citizen, "Tôi không còn nhu cầu giải quyết hồ sơ này.")
            elif step != "wait":
                raise ValueError(f"unknown demo step {step!r}")
            if step in ("stop", "approve", "withdraw"):
                routing.sync_steps(d.code)  # the open step ends with the processing
        return d

    def work_on_open_step(self, d: Dossier, *, forward: bool) -> Dossier:
        """The official holding the open step's role claims it (when it is their unit's) and,
        for a forward, hands the dossier to the next step."""
        step = _open_step(d)
        actor = self.official(d, step.role if step else Role.SPECIALIST)
        if step is not None and access.can_access_agency(actor, step.handed_to):
            routing.claim(step, actor)
        if forward:
            d = transitions.forward(d, actor, note="Đã thẩm định, đủ điều kiện; trình bước sau.")
            routing.sync_steps(d.code)
        return d


def _open_step(dossier: Dossier) -> ProcessStep | None:
    return (
        ProcessStep.objects.filter(dossier=dossier, finished_at=None)
        .select_related("handed_to")
        .order_by("-order")
        .first()
    )


@dataclass
class Outcome:
    created: int
    skipped: int
    seconds: float
    statuses: Counter


def seed_journeys() -> Outcome:
    """File and process every journey not seeded yet, oldest first (so the citizen's list,
    newest first, reads in the order things happened)."""
    began = time.monotonic()
    runner = Runner()
    done = set(
        Dossier.objects.filter(
            applicant__in=runner.citizens.values(), idempotency_key__startswith=KEY_PREFIX
        ).values_list("idempotency_key", flat=True)
    )
    anchor_calendar = calendar_for(None)
    anchor = anchor_calendar.next_working_moment(runner.real_now)
    created = 0
    for index, journey in sorted(enumerate(JOURNEYS), key=lambda pair: -pair[1].start):
        if key_of(journey) in done:
            continue
        at = working_hours_before(anchor_calendar, anchor, journey.start)
        dossier = runner.file(index, journey, at)
        runner.take(dossier, journey, at)
        created += 1
    statuses = Counter(
        Dossier.objects.filter(idempotency_key__startswith=KEY_PREFIX)
        .exclude(status=0)
        .values_list("status", flat=True)
    )
    return Outcome(created, len(JOURNEYS) - created, time.monotonic() - began, statuses)
