"""Benchmark data for bench/backoffice.py: 100,000 dossiers in one agency, a spread elsewhere.

Benchmark rows, not demo data: written with COPY, not through the services, but shaped like
what the services write. Codes come from :func:`dossiers.codes.format_code` with the per-day
counters moved past them; due dates and step deadlines from the agency's working calendar;
each status has the timeline events that lead to it (submitted, accepted, routed, step…),
the process-control rows routing writes, a supplement request where one was made and the
official forms issued on the way (Mẫu 01, 02, 03, 05; rows only, no PDF on disk).

Every bench row hangs off the bench citizens (VNeID subject ``bench-bo-…``), so ``setup`` can
tell whether the data is complete and otherwise remove and rewrite it.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
from collections import Counter
from dataclasses import dataclass

MAIN_AGENCY = "H29.03"  # Sở Tư pháp: 100,000 dossiers
LEAD_DIVISION = "H29.03.01"  # Phòng Hành chính tư pháp: the specialist and division head
SPREAD = {"H29.26743": 8_000, "H29.04": 6_000, "H29.16": 4_000}  # the other agencies
MAIN_COUNT = 100_000
CITIZENS = 4_000
PROCEDURES_PER_AGENCY = 30
SUBJECT = "bench-bo-"
PASSWORD = "bench-backoffice-password"  # noqa: S105 (benchmark officials only)
OFFICIALS = {  # username: (role, division code or None)
    "bench-reception": ("reception", None),
    "bench-specialist": ("specialist", LEAD_DIVISION),
    "bench-division-head": ("division_head", LEAD_DIVISION),
    "bench-leader": ("leader", None),
}
# Share of each status among an agency's dossiers: most were long since returned.
STATUS_MIX = {1: 6, 2: 3, 3: 2, 4: 18, 5: 3, 6: 2, 7: 2, 8: 1, 9: 5, 10: 58}
OPEN = {1, 2, 4, 5, 6}
WORK_TIMES = [(7, 40), (9, 10), (10, 30), (14, 0), (15, 20), (16, 40)]
RECORDS = [  # ("table", column list)
    ("dossiers_dossier", "id public_id code status procedure_id procedure_version_id applicant_id "
     "receiving_agency_id channel form_schema form_data submitted_data summary idempotency_key "
     "consent_at submitted_at accepted_at due_at original_due_at extended supplement_count "
     "paused_at finished_at returned_at created_at updated_at revision"),
    ("dossiers_dossierevent", "dossier_id at action from_status to_status actor_type actor note"),
    ("workflow_processstep", "dossier_id template_step_id order name role handed_over_by_id "
     "handed_to_id handed_over_at deadline finished_at result assignee_id note"),
    ("dossiers_issuedform", "dossier_id form revision number storage_name sha256 created_at"),
    ("dossiers_supplementrequest", "dossier_id kind items reason requested_by_id requested_at "
     "answered_at"),
]  # fmt: skip


class Rows:
    """CSV for COPY: None is NULL (``\\N``), an empty string stays an empty string."""

    def __init__(self, buffer: io.StringIO):
        self.writer = csv.writer(buffer)

    def writerow(self, values: list) -> None:
        self.writer.writerow(["\\N" if value is None else value for value in values])


@dataclass
class Plan:
    """What one procedure of one agency needs to write a dossier, computed once."""

    procedure: object
    version: object
    schema: dict
    data: dict
    summary: str
    duration: tuple | None
    template: object


# --- entry point ----------------------------------------------------------------------------------


def setup(seed: int = 8) -> dict[int, int]:
    """Make sure the bench data is there (complete), else remove what there is and write it."""
    from dossiers.models import Dossier

    officials = ensure_officials()
    wanted = MAIN_COUNT + sum(SPREAD.values())
    have = Dossier.objects.filter(applicant__subject__startswith=SUBJECT).count()
    if have != wanted:
        if have:
            print(f"bench data incomplete ({have:,} of {wanted:,} dossiers): writing it again")
            remove()
        write(random.Random(seed), officials)
    analyze()
    return status_counts()


def status_counts() -> dict[int, int]:
    from django.db.models import Count

    from dossiers.models import Dossier

    rows = Dossier.objects.filter(receiving_agency__code=MAIN_AGENCY).values_list("status")
    return dict(rows.annotate(n=Count("pk")).order_by("status"))


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, _columns in RECORDS:
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- officials ------------------------------------------------------------------------------------


def ensure_officials() -> dict[str, object]:
    """The four officials of the main agency, each with a confirmed TOTP device."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from identity.models import StaffRole
    from procedures.models import Agency

    agency = Agency.objects.get(code=MAIN_AGENCY)
    users = {}
    for username, (role, division) in OFFICIALS.items():
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(PASSWORD)
            user.first_name = username.removeprefix("bench-").replace("-", " ").title()
            user.save()
        StaffRole.objects.get_or_create(
            user=user,
            role=role,
            agency=agency,
            defaults={"division": Agency.objects.get(code=division) if division else None},
        )
        TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        users[role] = user
    return users


# --- writing --------------------------------------------------------------------------------------


def remove() -> None:
    from django.db import connection, transaction

    bench = "SELECT d.id FROM dossiers_dossier d JOIN identity_citizen c ON c.id = d.applicant_id"
    bench += f" WHERE c.subject LIKE '{SUBJECT}%%'"
    with transaction.atomic(), connection.cursor() as cursor:
        for table in [
            "workflow_processstep",
            "dossiers_issuedform",
            "dossiers_supplementrequest",
            "dossiers_dossierevent",
            "dossiers_dossierdocument",
            "dossiers_dossierfile",
        ]:
            cursor.execute(f"DELETE FROM {table} WHERE dossier_id IN ({bench})")  # noqa: S608
        cursor.execute(f"DELETE FROM dossiers_dossier WHERE id IN ({bench})")  # noqa: S608


def write(rng: random.Random, officials: dict[str, object]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from dossiers.models import DossierCounter
    from procedures.models import Agency

    now = timezone.now()
    citizens = ensure_citizens()
    counters: Counter = Counter()
    files = {table: io.StringIO() for table, _columns in RECORDS}
    writers = {table: Rows(buffer) for table, buffer in files.items()}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE dossiers_dossier IN EXCLUSIVE MODE")
        cursor.execute("SELECT coalesce(max(id), 0) FROM dossiers_dossier")
        next_id = cursor.fetchone()[0] + 1
        for code, count in {MAIN_AGENCY: MAIN_COUNT, **SPREAD}.items():
            agency = Agency.objects.get(code=code)
            writer = DossierWriter(rng, agency, plans_for(agency, rng), citizens, officials, now)
            for _n in range(count):
                writer.one(next_id, writers, counters)
                next_id += 1
            print(f"  {agency.code} {agency.name}: {count:,} dossiers")
        for table, columns in RECORDS:
            files[table].seek(0)
            quoted = ", ".join('"' + column + '"' for column in columns.split())
            copy = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            cursor.cursor.copy_expert(copy, files[table])
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), %s)", [next_id]
        )
        for (agency_id, day), last in counters.items():
            counter, _created = DossierCounter.objects.get_or_create(agency_id=agency_id, day=day)
            if counter.last < last:
                counter.last = last
                counter.save(update_fields=["last"])


def ensure_citizens() -> list[object]:
    from django.contrib.auth import get_user_model

    from identity.models import Citizen
    from procedures.models import Agency

    have = list(Citizen.objects.filter(subject__startswith=SUBJECT).order_by("pk"))
    if len(have) >= CITIZENS:
        return have
    ward = Agency.objects.get(code="H29.26743")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"vneid-bench-{n:06d}", password="!")  # noqa: S106 unusable
        for n in range(len(have), CITIZENS)
    )
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Võ Minh Em"]
    Citizen.objects.bulk_create(
        Citizen(
            user=user,
            id_number=f"0790{85 + n % 10:02d}{n:06d}",
            subject=f"{SUBJECT}{n:06d}",
            full_name=names[n % len(names)],
            birth_date=datetime.date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
            gender="Nam" if n % 2 else "Nữ",
            assurance_level=2,
            phone="0912345678",
            address=f"{n % 300 + 1} Lê Lợi",
            ward=ward,
        )
        for n, user in zip(range(len(have), CITIZENS), users, strict=True)
    )
    return list(Citizen.objects.filter(subject__startswith=SUBJECT).order_by("pk"))


def plans_for(agency, rng: random.Random) -> list[Plan]:
    """Up to 30 procedures the agency receives, with their schema, a sample answer and flow."""
    from reads import _fill

    from backoffice.views import received_procedures
    from dossiers.deadlines import duration_of
    from dossiers.models import Channel, Dossier
    from procedures.eform_builder import build_schema
    from workflow.templates import template_for

    plans = []
    procedures = received_procedures(agency).select_related("current_version")
    for procedure in procedures.order_by("national_code")[:PROCEDURES_PER_AGENCY]:
        version = procedure.current_version
        schema = build_schema(version)
        data = {s["id"]: _fill(s["fields"], {}) for s in schema.get("sections", [])}
        probe = Dossier(procedure_version=version, channel=Channel.ONLINE)
        request = (data.get("request") or {}).get("request") or ""
        summary = f"{procedure.name}. {request}".strip()[:1000]
        plans.append(Plan(procedure, version, schema, data, summary, duration_of(probe),
                          template_for(version)))  # fmt: skip
    rng.shuffle(plans)
    return plans


class DossierWriter:
    """Writes one dossier of ``agency`` per call, with the rows its status implies."""

    def __init__(self, rng, agency, plans, citizens, officials, now):
        from dossiers.codes import format_code
        from workflow.calendar import calendar_for
        from workflow.routing import department_for

        self.rng, self.agency, self.plans = rng, agency, plans
        self.citizens, self.officials, self.now = citizens, officials, now
        self.calendar = calendar_for(agency)
        self.format_code = format_code
        self.weights = [len(plans) - i for i in range(len(plans))]  # a few procedures dominate
        self.statuses, self.status_weights = zip(*STATUS_MIX.items(), strict=True)
        self.memo: dict = {}
        self.units = {}
        for plan in plans:
            for step in plan.template.steps.order_by("order"):
                self.units[step.pk] = department_for(step, agency).pk
        self.schemas = {id(p): json.dumps(p.schema, ensure_ascii=False) for p in plans}
        self.answers = {id(p): json.dumps(p.data, ensure_ascii=False) for p in plans}

    def _work_time(self, day: datetime.date) -> datetime.datetime:
        from zoneinfo import ZoneInfo

        hour, minute = self.rng.choice(WORK_TIMES)
        local = datetime.datetime.combine(day, datetime.time(hour, minute))
        return local.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

    def _schedule(self, plan: Plan, accepted: datetime.datetime):
        """(due date, [(step, deadline)]) of a reception at ``accepted``: memoised."""
        from workflow.routing import steps_after_reception
        from workflow.templates import step_deadlines

        key = (id(plan), accepted)
        if key not in self.memo:
            if plan.duration is None:
                self.memo[key] = (None, [])
            else:
                due = self.calendar.due_at(accepted, *plan.duration)
                plan_steps = step_deadlines(plan.template, accepted, due, self.calendar)
                kept = {s.pk for s in steps_after_reception([s for s, _d in plan_steps])}
                self.memo[key] = (due, [(s, d) for s, d in plan_steps if s.pk in kept])
        return self.memo[key]

    def one(self, pk: int, out: dict, counters: Counter) -> None:
        rng, now = self.rng, self.now
        plan = rng.choices(self.plans, self.weights)[0]
        status = rng.choices(self.statuses, self.status_weights)[0]
        citizen = rng.choice(self.citizens)
        # Open dossiers came in over the last two months, finished ones over the last year.
        age = rng.randint(0, 60) if status in OPEN else rng.randint(20, 365)
        submitted = self._work_time((now - datetime.timedelta(days=age)).date())
        if submitted > now:
            submitted = now - datetime.timedelta(minutes=rng.randint(5, 300))
        day = submitted.astimezone(self.calendar_tz()).date()
        counters[(self.agency.pk, day)] += 1
        code = self.format_code(self.agency.code, day, counters[(self.agency.pk, day)])
        events = [(submitted - datetime.timedelta(minutes=20), "draft_created", None, 0, "citizen"),
                  (submitted, "submitted", 0, 1, "citizen")]  # fmt: skip
        d = {"accepted": None, "due": None, "paused": None, "finished": None, "returned": None,
             "supplements": 0}  # fmt: skip
        at = submitted
        forms, steps, requests = [], [], []
        reception = self.officials["reception"].username
        if status in (1, 3) or (status == 7 and rng.random() < 0.4):
            if status == 3:
                at += datetime.timedelta(hours=rng.randint(1, 20))
                events.append((at, "refused", 1, 3, "official", reception))
                forms.append(("03", at))
                d["finished"] = at
            elif status == 7:
                at += datetime.timedelta(hours=rng.randint(1, 20))
                events.append((at, "withdrawn", 1, 7, "citizen"))
                d["finished"] = at
        else:
            at = accepted = min(submitted + datetime.timedelta(hours=rng.randint(1, 30)), now)
            due, plan_steps = self._schedule(plan, accepted)
            d.update(accepted=accepted, due=due)
            events.append((accepted, "accepted", 1, 2, "official", reception))
            forms.append(("01", accepted))
            if status != 2:
                self._process(status, plan_steps, accepted, due, events, steps, forms, requests, d)
            if status == 7:
                at = max(e[0] for e in events) + datetime.timedelta(hours=2)
                events.append((at, "withdrawn", events[-1][3], 7, "citizen"))
                d["finished"] = at
        self._rows(pk, code, status, plan, citizen, submitted, events, steps, forms, requests, d,
                   out)  # fmt: skip

    def calendar_tz(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Ho_Chi_Minh")

    def _process(self, status, plan_steps, accepted, due, events, steps, forms, requests, d):
        """Route, forward along the steps, and end as ``status`` says."""
        rng, now = self.rng, self.now
        at = accepted + datetime.timedelta(hours=rng.randint(1, 8))
        events.append((at, "routed", 2, 4, "official", self.officials["reception"].username))
        finished = status in (8, 9, 10) or status == 7
        reached = len(plan_steps) - 1 if finished else rng.randint(0, max(0, len(plan_steps) - 1))
        moves = [at]
        span = (due or now) - accepted
        for _step in range(reached):
            at = min(at + span * rng.uniform(0.05, 0.35), now)
            moves.append(at)
            events.append((at, "step", 4, 4, "official", self.officials["specialist"].username))
        for index, ((step, deadline), moved) in enumerate(zip(plan_steps, moves, strict=False)):
            done = moves[index + 1] if index + 1 < len(moves) else None
            steps.append([step, deadline, moved, done, index])
        if status == 5 or (status in (9, 10) and rng.random() < 0.08):
            at = min(at + datetime.timedelta(hours=rng.randint(2, 30)), now)
            events.append((at, "supplement_requested", 4, 5, "official",
                           self.officials["specialist"].username))  # fmt: skip
            forms.append(("02", at))
            d["supplements"], d["paused"] = 1, at
            requested, answered = at, None
            if status != 5:
                answered = at = min(at + datetime.timedelta(days=rng.randint(1, 5)), now)
                events.append((at, "supplemented", 5, 4, "official",
                               self.officials["reception"].username))  # fmt: skip
                d["paused"] = None
            requests.append((requested, answered))
        if status == 6:
            at = min(at + datetime.timedelta(hours=rng.randint(2, 30)), now)
            events.append((at, "payment_requested", 4, 6, "official",
                           self.officials["specialist"].username))  # fmt: skip
        if status == 8:
            at = min(at + datetime.timedelta(hours=rng.randint(2, 30)), now)
            events.append((at, "stopped", 4, 8, "official", self.officials["leader"].username))
            forms.append(("05", at))
            d["finished"] = at
        if status in (9, 10):
            # Mostly on time: the leader approves before the due date, 12 % late.
            target = due if due else at + datetime.timedelta(days=3)
            late = rng.random() < 0.12
            at = target + datetime.timedelta(hours=rng.randint(2, 72) * (1 if late else -1))
            at = min(max(at, moves[-1] + datetime.timedelta(minutes=30)), now)
            events.append((at, "decided", 4, 9, "official", self.officials["leader"].username))
            d["finished"] = at
        if status == 10:
            at = min(at + datetime.timedelta(days=rng.randint(0, 4), hours=1), now)
            events.append((at, "result_returned", 9, 10, "official",
                           self.officials["reception"].username))  # fmt: skip
            d["returned"] = at
        if steps and d["finished"] is not None and steps[-1][3] is None:
            steps[-1][3] = d["finished"]  # see bench/README.md: routing leaves it open

    def _rows(self, pk, code, status, plan, citizen, submitted, events, steps, forms, requests,
              d, out) -> None:  # fmt: skip
        import uuid

        from workflow.calendar import classify_finished

        last = max(e[0] for e in events)
        write = out["dossiers_dossier"].writerow
        write([pk, str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), code, status,
               plan.procedure.pk, plan.version.pk, citizen.pk, self.agency.pk, 2,
               self.schemas[id(plan)], self.answers[id(plan)], self.answers[id(plan)],
               plan.summary, f"bench-{pk}", submitted, submitted, d["accepted"], d["due"],
               d["due"], False, d["supplements"], d["paused"], d["finished"], d["returned"],
               submitted - datetime.timedelta(minutes=20), last, len(events) - 1])  # fmt: skip
        for at, action, source, target, kind, *actor in events:
            name = actor[0] if actor else citizen.id_number
            out["dossiers_dossierevent"].writerow([pk, at, action, source, target, kind, name, ""])
        unit = self.agency.pk
        for step, deadline, moved, done, _index in steps:
            result = classify_finished(deadline, done) if done else ""
            out["workflow_processstep"].writerow([
                pk, step.pk, step.order, step.name, step.role, unit, self.units[step.pk], moved,
                deadline, done, result, None, "",
            ])  # fmt: skip
            unit = self.units[step.pk]
        for number, (form, at) in enumerate(forms, start=1):
            out["dossiers_issuedform"].writerow(
                [pk, form, number, f"{number}/{code}", f"bench/{code}-{form}.pdf", "0" * 64, at]
            )
        for requested, answered in requests:
            out["dossiers_supplementrequest"].writerow([
                pk, "supplement", json.dumps(["Bản sao giấy khai sinh"], ensure_ascii=False),
                "Thiếu giấy tờ", self.officials["specialist"].pk, requested, answered,
            ])  # fmt: skip
