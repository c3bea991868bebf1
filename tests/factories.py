"""factory_boy factories shared by the tests: one place that knows how a citizen looks.

``CitizenFactory()`` is Nguyễn Văn An (079085001234, born 1985, VNeID level 2, a phone and a
ward); pass any field to change it, e.g. ``CitizenFactory(id_number=…, assurance_level=1)``.
The Django user comes along, named ``vneid-<ID number>`` as a real VNeID login names it.
"""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from identity.models import Citizen
from procedures.models import Agency

HOME_WARD = "H29.26743"  # Phường Bến Thành


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.django.Password(None)  # unusable, as for VNeID accounts


class CitizenFactory(DjangoModelFactory):
    class Meta:
        model = Citizen

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
