"""factory_boy factories shared by the tests: one place that knows how the domain looks.

- ``CitizenFactory()`` is Nguyễn Văn An (079085001234, born 1985, VNeID level 2, a phone and a
  ward); pass any field to change it, e.g. ``CitizenFactory(id_number=…, assurance_level=1)``.
  The Django user comes along, named ``vneid-<ID number>`` as a real VNeID login names it.
  Traits: ``with_contact`` (an e-mail and a street address, as on a receipt), ``first_login``
  (no phone and no ward yet: the profile a citizen completes on the account page).
- ``OfficialFactory(role=Role.RECEPTION, agency="H29.03")``: a back-office user with that staff
  role and a confirmed TOTP device (``official.device``); traits ``without_role``,
  ``without_device``; :func:`sign_in` gives a test client the session the login form leaves
  (password and code checked).
- ``DossierFactory()``: a draft of the marriage procedure under its version in force, started
  through the real service; traits ``with_documents`` (every required document attached, at
  least one), ``submitted`` (filled in, documents attached and submitted through the real
  service, so the code is allocated), ``withdrawn`` (submitted, then withdrawn).
- ``StoredDocumentFactory(owner=…)``: a PDF row of a citizen's document store (no file on disk).
- ``DossierResultFactory(dossier=…, created_by=…)``: the result attached to a dossier, as a row
  only (no file on disk): what approval requires. Files come through ``dossiers.results``.
- ``SupplementRequestFactory(dossier=…, requested_by=…)``: an open request of the agency as a
  row only (trait ``completion``); the transitions make real ones.
- ``ProcedureVersionFactory(procedure=…)``: a new published version of a catalogue procedure,
  made and published through ``procedures.services`` like an administrator does.
"""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from dossiers import services
from dossiers.models import (
    Dossier,
    DossierDocument,
    DossierResult,
    StoredDocument,
    SupplementRequest,
)
from identity.models import Citizen, Role, StaffRole
from procedures import services as catalogue
from procedures.eforms import is_visible
from procedures.models import Agency, Procedure, ProcedureVersion

HOME_WARD = "H29.26743"  # Phường Bến Thành
MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn (commune level)
OFFICIAL_PASSWORD = "x-Password-1"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.django.Password(None)  # unusable, as for VNeID accounts


class CitizenFactory(DjangoModelFactory):
    class Meta:
        model = Citizen

    class Params:
        with_contact = factory.Trait(email="an@example.vn", address="12 Lê Lợi")
        first_login = factory.Trait(phone="", ward=None)

    id_number = "079085001234"
    user = factory.SubFactory(
        UserFactory, username=factory.LazyAttribute(lambda o: f"vneid-{o.factory_parent.id_number}")
    )
    subject = factory.LazyAttribute(lambda o: f"sub-{o.id_number}")
    full_name = "Nguyễn Văn An"
    birth_date = datetime.date(1985, 3, 12)
    gender = Citizen.Gender.MALE
    account_type = Citizen.AccountType.CITIZEN
    assurance_level = 2
    phone = "0912345678"
    ward = factory.LazyFunction(lambda: Agency.objects.get(code=HOME_WARD))


# --- officials ------------------------------------------------------------------------------------


def _agency(code_or_agency: str | Agency | None) -> Agency | None:
    if code_or_agency is None or isinstance(code_or_agency, Agency):
        return code_or_agency
    return Agency.objects.get(code=code_or_agency)


class OfficialFactory(DjangoModelFactory):
    """A user with one staff role in an agency (an agency code or an Agency) and a confirmed
    TOTP device, kept as ``official.device``; the password is :data:`OFFICIAL_PASSWORD`.

    Traits: ``without_role`` (a staff user with no role yet, as an administrator creates it
    before giving one), ``without_device`` (no second factor set up; ``official.device`` is
    None)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    class Params:
        without_role = factory.Trait(role=None)
        without_device = factory.Trait(with_device=False)

    username = factory.Sequence(lambda n: f"official-{n}")
    password = factory.django.Password(OFFICIAL_PASSWORD)
    # Not fields of the user: the staff role given to it and its device (see _create).
    role = Role.RECEPTION
    agency = "H29.03"
    division = None
    with_device = True

    @classmethod
    def _create(cls, model_class, *args, role, agency, division, with_device, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if role is not None:
            StaffRole.objects.create(
                user=user, role=role, agency=_agency(agency), division=_agency(division)
            )
        user.device = None
        if with_device:
            user.device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        return user


def sign_in(client, user):
    """The session the login form leaves: authenticated and verified with a TOTP device."""
    device = getattr(user, "device", None) or TOTPDevice.objects.create(
        user=user, name="app", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# --- the catalogue --------------------------------------------------------------------------------


class ProcedureVersionFactory(factory.Factory):
    """A new published version of ``procedure`` (the marriage procedure unless told), copied
    from the version in force with ``changes`` applied and published through the catalogue
    services: the previous version is retired, the listing follows."""

    class Meta:
        model = ProcedureVersion

    procedure = factory.LazyFunction(lambda: Procedure.objects.get(national_code=MARRIAGE))

    @classmethod
    def _create(cls, model_class, procedure, **changes):
        draft = catalogue.new_draft_from(procedure.current_version)
        for name, value in changes.items():
            setattr(draft, name, value)
        draft.save()
        catalogue.publish_version(draft)
        return ProcedureVersion.objects.get(pk=draft.pk)


# --- the citizen's documents ----------------------------------------------------------------------


class StoredDocumentFactory(DjangoModelFactory):
    """A PDF of a citizen's document store, as a row only (no file on disk)."""

    class Meta:
        model = StoredDocument

    owner = factory.SubFactory(CitizenFactory)
    source = "upload"
    title = "Giấy tờ"
    original_name = factory.Sequence(lambda n: f"giay-to-{n}.pdf")
    storage_name = factory.Sequence(lambda n: f"t-{n}")
    content_type = "application/pdf"
    size = 10
    sha256 = "0" * 64


class DossierResultFactory(DjangoModelFactory):
    """The result attached to a dossier, as a row only (no file on disk)."""

    class Meta:
        model = DossierResult

    title = "Giấy chứng nhận kết hôn"
    source = DossierResult.Source.RENDERED
    storage_name = factory.Sequence(lambda n: f"{n:032x}.pdf")
    size = 10
    sha256 = "0" * 64


class SupplementRequestFactory(DjangoModelFactory):
    """An open supplement request (or, trait ``completion``, a completion request) as a row."""

    class Meta:
        model = SupplementRequest

    class Params:
        completion = factory.Trait(kind=SupplementRequest.Kind.COMPLETION)

    kind = SupplementRequest.Kind.SUPPLEMENT
    items = factory.LazyFunction(lambda: ["Bản sao giấy khai sinh", "Giấy xác nhận cư trú"])
    reason = "Hồ sơ còn thiếu giấy tờ"


def attach_required(dossier: Dossier, citizen: Citizen) -> None:
    """Every required document, and at least one document so the receipt lists something."""
    dossier.refresh_from_db()
    slots = services.missing_documents(dossier) or services.active_document_slots(dossier)[:1]
    for slot in slots:
        stored = StoredDocumentFactory(
            owner=citizen,
            title=slot["name"][:50],
            original_name=f"{slot['id']}.pdf",
            storage_name=f"t-{dossier.pk}-{slot['id']}",
        )
        DossierDocument.objects.create(dossier=dossier, slot_id=slot["id"], stored=stored)


# --- dossiers -------------------------------------------------------------------------------------

SAMPLE_VALUES = {
    "text": "Nguyễn Thị Bình",
    "textarea": "Đề nghị giải quyết",
    "date": "1990-05-20",
    "ward": HOME_WARD,
    "id_number": "079190005678",
    "phone": "0912345678",
    "email": "binh@example.vn",
}


def fill_required(fields: list[dict], values: dict) -> dict:
    """Give every visible required field without a value a valid sample value (any schema)."""
    for f in fields:
        if not is_visible(f, values) or values.get(f["id"]) not in (None, "", []):
            continue
        if f["type"] == "group":
            values[f["id"]] = [fill_required(f["fields"], {}) for _ in range(f.get("min_items", 0))]
        elif f.get("required"):
            if f["type"] == "choice":
                values[f["id"]] = f["choices"][0]["value"]
            elif f["type"] == "number":
                values[f["id"]] = f.get("min", 1)
            else:
                values[f["id"]] = SAMPLE_VALUES[f["type"]]
    return values


def complete(dossier: Dossier, applicant: dict | None = None, request_text: str = "") -> None:
    """Fill the draft in through the service: the applicant's address, the request, and a
    sample value for every required field the test does not care about (any form schema)."""
    data = dossier.form_data
    data["applicant"] = {**data["applicant"], "address": "12 Lê Lợi", **(applicant or {})}
    data.setdefault("request", {})["request"] = request_text or "Đăng ký kết hôn"
    for section in dossier.form_schema["sections"]:
        data[section["id"]] = fill_required(section["fields"], dict(data.get(section["id"]) or {}))
    result = services.save_draft(dossier, dossier.applicant, data)
    assert not result.errors, result.errors


class DossierFactory(factory.Factory):
    """A dossier (hồ sơ) made through the real services, never by writing rows by hand.

    ``DossierFactory()`` is a fresh draft; ``with_documents=True`` attaches its documents,
    ``submitted=True`` fills it in and submits it (a real code), ``withdrawn=True`` withdraws
    it after that. ``answers`` (applicant fields) and ``request_text`` shape what is submitted;
    ``key`` is the submission's idempotency key.
    """

    class Meta:
        model = Dossier

    class Params:
        submitted = factory.Trait(filled=True, with_documents=True, submit=True)
        withdrawn = factory.Trait(submitted=True, withdraw=True)

    applicant = factory.SubFactory(CitizenFactory)
    procedure = factory.LazyFunction(lambda: Procedure.objects.get(national_code=MARRIAGE))
    # Steps through the services (set by the traits; not fields of the dossier).
    filled = False
    with_documents = False
    submit = False
    withdraw = False
    answers = None
    request_text = ""
    key = "key-1"

    @classmethod
    def _create(
        cls,
        model_class,
        applicant: Citizen,
        procedure: Procedure,
        filled: bool,
        with_documents: bool,
        submit: bool,
        withdraw: bool,
        answers: dict | None,
        request_text: str,
        key: str,
    ) -> Dossier:
        dossier = services.start_draft(applicant, procedure)
        if filled:
            complete(dossier, answers, request_text)
        if with_documents:
            attach_required(dossier, applicant)
        if submit:
            dossier = services.submit(dossier, applicant, idempotency_key=key, consent=True)
        if withdraw:
            dossier = services.withdraw(dossier, applicant, "Không còn nhu cầu")
        return dossier
