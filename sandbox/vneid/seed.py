"""Demo citizens and the portal's client registration, written idempotently by ``seed_sandbox``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from oauth2_provider.models import get_application_model

from .models import AccountType, AssuranceLevel, Citizen, Gender

PORTAL_CLIENT_ID = "hcmc-portal"
PORTAL_CLIENT_NAME = "Cổng dịch vụ công TP. Hồ Chí Minh"


@dataclass(frozen=True)
class DemoCitizen:
    full_name: str
    id_number: str
    birth_date: date
    gender: str
    account_type: int = AccountType.CITIZEN
    assurance_level: int = AssuranceLevel.LEVEL_2
    organisation_name: str = ""


DEMO_CITIZENS: tuple[DemoCitizen, ...] = (
    DemoCitizen("Nguyễn Văn An", "079085001234", date(1985, 3, 12), Gender.MALE),
    DemoCitizen("Trần Thị Bích", "079192004567", date(1992, 7, 25), Gender.FEMALE),
    DemoCitizen(
        "Lê Minh Khoa",
        "079203007890",
        date(2003, 11, 2),
        Gender.MALE,
        assurance_level=AssuranceLevel.LEVEL_1,
    ),
    DemoCitizen("Phạm Thu Hà", "001190002345", date(1990, 1, 15), Gender.FEMALE),
    DemoCitizen(
        "Hoàng Quốc Việt",
        "079080009999",
        date(1980, 9, 20),
        Gender.MALE,
        account_type=AccountType.BUSINESS,
        organisation_name="Công ty TNHH Sài Gòn Xanh",
    ),
    # Deliberately inconsistent: the ID number encodes a man born in 1995, the claimed birth date
    # is 1998, so the portal's consistency check has something to refuse.
    DemoCitizen("Võ Văn Sai", "079095001111", date(1998, 5, 5), Gender.MALE),
)


@transaction.atomic
def seed_citizens() -> list[Citizen]:
    citizens = []
    for demo in DEMO_CITIZENS:
        citizen, _ = Citizen.objects.update_or_create(
            id_number=demo.id_number,
            defaults={
                "full_name": demo.full_name,
                "organisation_name": demo.organisation_name,
                "birth_date": demo.birth_date,
                "gender": demo.gender,
                "account_type": demo.account_type,
                "assurance_level": demo.assurance_level,
            },
        )
        if citizen.has_usable_password():
            citizen.set_unusable_password()  # they sign in by being chosen, never by password
            citizen.save(update_fields=["password"])
        citizens.append(citizen)
    return citizens


@transaction.atomic
def register_portal(portal_url: str, client_secret: str):
    """Create or update the portal's OAuth client so its redirect URIs follow ``portal_url``."""
    Application = get_application_model()
    base = portal_url.rstrip("/")
    application = Application.objects.filter(client_id=PORTAL_CLIENT_ID).first()
    if application is None:
        application = Application(client_id=PORTAL_CLIENT_ID)
    application.name = PORTAL_CLIENT_NAME
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.algorithm = Application.RS256_ALGORITHM
    application.skip_authorization = True
    application.hash_client_secret = True
    application.client_secret = client_secret  # hashed when saved
    application.redirect_uris = f"{base}/auth/vneid/callback/"
    application.post_logout_redirect_uris = f"{base}/"
    application.full_clean()
    application.save()
    return application
