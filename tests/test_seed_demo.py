"""seed_demo creates the demo administrator, officials and dossiers once and never undoes later
changes; the dossiers go through the services, as of moments in the past (portal.clock)."""

import base64
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.urgency import badges
from dossiers.lifecycle.inbox import inbox
from dossiers.lifecycle.table import TABLE
from dossiers.models import Dossier, DossierEvent, Status, StoredDocument
from dossiers.results_models import DossierResult
from dossiers.services import dossiers_of
from identity.citizens import login_citizen_from_claims
from identity.models import Citizen, Role, StaffRole
from portal.demo.journeys import JOURNEYS, key_of
from portal.demo.payments import PAYMENT_JOURNEYS
from portal.demo.people import PEOPLE
from sandbox.vneid.subjects import subject_for  # a plain module: no sandbox models load
from workflow.models import ProcessStep

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_admin_and_a_rerun_keeps_it(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "first-Password-1")
    out = StringIO()
    call_command("seed_demo", "--without-dossiers", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("first-Password-1")
    assert "first-Password-1" in out.getvalue()
    assert "/api/v1/docs/" in out.getvalue()

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "second-Password-2")
    out = StringIO()
    call_command("seed_demo", "--without-dossiers", stdout=out)
    admin.refresh_from_db()
    assert admin.check_password("first-Password-1")
    assert "second-Password-2" not in out.getvalue()
    assert get_user_model().objects.filter(username="admin").count() == 1


def _seed(monkeypatch, password):
    monkeypatch.setenv("DEMO_OFFICIAL_PASSWORD", password)
    out = StringIO()
    call_command("seed_demo", "--without-dossiers", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_officials_with_every_role_and_a_totp_device(monkeypatch):
    output = _seed(monkeypatch, "demo-Official-Test-1")
    for code in ("H29.03", "H29.04", "H29.16", "H29.26743", "H29.25777"):
        roles = set(StaffRole.objects.filter(agency__code=code).values_list("role", flat=True))
        assert roles == {
            Role.RECEPTION,
            Role.SPECIALIST,
            Role.DIVISION_HEAD,
            Role.LEADER,
            Role.AGENCY_ADMIN,
        }, code
    head = StaffRole.objects.get(user__username="tuphap.truongphong")
    assert head.role == Role.DIVISION_HEAD and head.division.code == "H29.03.01"
    assert StaffRole.objects.get(user__username="benthanh.truongphong").division is None
    city = StaffRole.objects.get(user__username="thanhpho.quantri")
    assert city.role == Role.CITY_ADMIN and city.agency.code == "H29"

    officials = get_user_model().objects.filter(staff_roles__isnull=False).distinct()
    assert officials.count() == 26
    for user in officials:
        assert user.check_password("demo-Official-Test-1"), user.username
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        secret = base64.b32encode(device.bin_key).decode()
        assert secret in output
    assert output.count("otpauth://totp/") == 26
    assert "tuphap.motcua" in output and "otp_code" in output
    assert "demo-Official-Test-1" in output


def test_seed_demo_rerun_creates_no_duplicates_and_keeps_passwords(monkeypatch):
    _seed(monkeypatch, "first-Official-1")
    counts = (
        get_user_model().objects.count(),
        StaffRole.objects.count(),
        TOTPDevice.objects.count(),
    )
    secret_before = TOTPDevice.objects.get(user__username="congan.motcua").key
    output = _seed(monkeypatch, "second-Official-2")
    assert counts == (
        get_user_model().objects.count(),
        StaffRole.objects.count(),
        TOTPDevice.objects.count(),
    )
    assert TOTPDevice.objects.get(user__username="congan.motcua").key == secret_before
    assert get_user_model().objects.get(username="congan.motcua").check_password("first-Official-1")
    assert "second-Official-2" not in output
    assert "passwords: unchanged" in output


def test_otp_code_prints_a_code_that_signs_the_official_in(monkeypatch, client):
    _seed(monkeypatch, "demo-Official-Test-1")
    out = StringIO()
    call_command("otp_code", "dautieng.motcua", "--force", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    response = client.post(
        "/backoffice/login/",
        {"username": "dautieng.motcua", "password": "demo-Official-Test-1", "otp_token": code},
    )
    assert response.status_code == 302
    assert client.get("/backoffice/agencies/H29.25777/").status_code == 200


def test_otp_code_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("otp_code", "tuphap.motcua")
    with pytest.raises(CommandError, match="No user"):
        call_command("otp_code", "nobody.here", "--force")


def test_the_demo_admin_can_pass_the_admins_one_time_code(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from identity.management.commands.otp_code import current_code

    out = StringIO()
    call_command("seed_demo", "--without-dossiers", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    device = TOTPDevice.objects.get(user=admin)
    assert "one-time code secret:" in out.getvalue()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "demo-Admin-2026", "otp_device": device.persistent_id,
         "otp_token": current_code(device)},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# --- the demo dossiers --------------------------------------------------------------------------

OPEN = {Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT}
FILING = {("draft_created", None, Status.DRAFT), ("submitted", Status.DRAFT, Status.SUBMITTED)}


def _allowed(action: str, from_status: int, to_status: int) -> bool:
    """The transition table has a row writing this event between these statuses."""
    if (action, from_status, to_status) in FILING:
        return True
    return any(
        t.event == action
        and from_status in t.sources
        and to_status == (from_status if t.target is None else t.target)
        for t in TABLE.values()
    )


def _timeline_problems(dossier: Dossier, now) -> list[str]:
    problems, status, last = [], None, None
    for event in dossier.events.order_by("at", "pk"):
        if event.from_status != status:
            problems.append(f"{event.action} starts from {event.from_status}, not {status}")
        if not _allowed(event.action, event.from_status, event.to_status):
            problems.append(f"{event.action} {event.from_status}->{event.to_status} not in table")
        if last is not None and event.at < last or event.at > now:
            problems.append(f"{event.action} at {event.at} out of order")
        status, last = event.to_status, event.at
    if status != dossier.status:
        problems.append(f"the timeline ends in {status}, the dossier is {dossier.status}")
    return problems


def test_seed_demo_fills_the_back_office_through_the_services_and_a_rerun_adds_nothing(
    settings, tmp_path
):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"  # the citizens' scans
    out = StringIO()
    call_command("seed_demo", stdout=out)
    dossiers = list(Dossier.objects.exclude(status=Status.DRAFT).select_related("receiving_agency"))
    assert len(dossiers) == len(JOURNEYS) + len(PAYMENT_JOURNEYS) >= 40
    assert {d.status for d in dossiers} == set(range(1, 11))
    assert f"Demo dossiers: {len(JOURNEYS)} filed" in out.getvalue()
    assert len({d.receiving_agency.code for d in dossiers}) >= 4
    assert len({d.procedure_id for d in dossiers}) >= 8

    # What the inbox badges say (the same code): overdue, due soon and in-time work at once.
    now = timezone.now()
    found = badges([d for d in dossiers if d.status in OPEN], now)
    assert {badge.key for badge in found.values()} == {"late", "soon", "in_time"}

    # Every status change has its event, each one a row of the table, in order, in the past.
    for dossier in dossiers:
        assert _timeline_problems(dossier, now) == [], dossier.code
        assert dossier.submitted_at < now
    # Routed dossiers have their process-control rows, one per hand-off.
    for dossier in dossiers:
        moves = dossier.events.filter(action__in=["routed", "step"]).count()
        assert ProcessStep.objects.filter(dossier=dossier).count() == moves, dossier.code
    assert ProcessStep.objects.filter(assignee__isnull=False).exists()
    assert ProcessStep.objects.exclude(result="").exists()  # finished steps are classified

    # The reception desk of the Department of Justice has work; the citizen sees his dossiers.
    desk = get_user_model().objects.get(username="tuphap.motcua")
    work = list(inbox(desk))
    assert {d.receiving_agency.code for d in work} == {"H29.03"}
    assert {b.key for b in badges(work, now).values()} >= {"late", "soon", "in_time"}
    an = Citizen.objects.get(id_number="079085001234")
    assert len(set(dossiers_of(an).values_list("status", flat=True))) >= 8

    # Seeding again files nothing more and changes nothing.
    before = (Dossier.objects.count(), DossierEvent.objects.count(), ProcessStep.objects.count())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"0 filed and processed now, {len(JOURNEYS)} already there" in out.getvalue()
    after = (Dossier.objects.count(), DossierEvent.objects.count(), ProcessStep.objects.count())
    assert after == before
    uploads = StoredDocument.objects.filter(source=StoredDocument.Source.UPLOAD)
    assert len(list((tmp_path / "private").rglob("*.png"))) == uploads.count() > 0
    # Every decided dossier carries its result, also kept in the applicant's document store.
    decided = Dossier.objects.filter(status__in=[Status.DECIDED, Status.RETURNED])
    assert decided.exists()
    # Supplements are answered online by the citizen, through the table's applicant action.
    assert DossierEvent.objects.filter(action=TABLE["answer_supplement"].event).exists()
    assert DossierResult.objects.filter(dossier__in=decided).count() == decided.count()
    assert StoredDocument.objects.filter(source=StoredDocument.Source.RESULT).count() == (
        decided.count()
    )
    # Fees: three paid online (one after a declined attempt), each with its receipt; the fees
    # asked during processing were paid and the system resumed processing (6 -> 4).
    from payments.models import Payment

    states = sorted(Payment.objects.values_list("state", flat=True))
    assert states == ["failed", "paid", "paid", "paid"]
    assert StoredDocument.objects.filter(source=StoredDocument.Source.RECEIPT).count() == 3
    resumed = DossierEvent.objects.get(action="paid", actor_type="system")
    assert (resumed.from_status, resumed.to_status) == (Status.PAYMENT, Status.PROCESSING)


def test_every_journey_ends_before_the_anchor_and_has_its_own_key():
    """A journey's steps fit in the working time between its filing and now."""
    for journey in JOURNEYS:
        assert journey.length() < journey.start, journey
    assert len({key_of(journey) for journey in JOURNEYS}) == len(JOURNEYS)


def test_the_demo_citizens_sign_in_as_the_sandbox_identities():
    """The claims the sandbox releases open the same account again (same subject)."""
    first = {person.key: login_citizen_from_claims(person.claims()) for person in PEOPLE}
    for person in PEOPLE:
        again = login_citizen_from_claims(person.claims())
        assert again.pk == first[person.key].pk
        assert again.subject == subject_for(person.id_number)  # what the sandbox sends
