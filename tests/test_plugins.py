"""One plugin shape for outside systems (portal.plugins), first used by identity providers."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from identity.checks import identity_provider_check
from identity.models import Citizen
from identity.providers import registry as provider_registry
from identity.providers.base import ClaimMapping, IdentityProvider
from identity.providers.contrib.vneid.plugin import VNeIDProvider
from identity.providers.registry import active_provider
from portal.plugins import DuplicatePlugin, Plugin, PluginError, Registry, UnknownPlugin
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, vneid_provider

# --- The registry ------------------------------------------------------------------------------


class Gateway(Plugin):
    verbose_name = "A test gateway"


def test_a_registered_plugin_is_found_by_its_identifier_and_listed():
    gateways: Registry[Gateway] = Registry("payment gateway")

    @gateways.register("vnpay")
    class VNPay(Gateway):
        pass

    @gateways.register("cod")
    class CashOnDelivery(Gateway):
        pass

    assert isinstance(gateways["vnpay"], VNPay)
    assert gateways["vnpay"].identifier == "vnpay"
    assert [plugin.identifier for plugin in gateways] == ["vnpay", "cod"]
    assert "cod" in gateways and "paypal" not in gateways
    assert len(gateways) == 2
    assert gateways["cod"].check_config() == []


def test_a_duplicate_identifier_is_refused_and_the_first_plugin_stays():
    gateways: Registry[Gateway] = Registry("payment gateway")

    @gateways.register("vnpay")
    class First(Gateway):
        pass

    with pytest.raises(DuplicatePlugin, match=r"payment gateway plugin 'vnpay' .*First"):

        @gateways.register("vnpay")
        class Second(Gateway):
            pass

    assert type(gateways["vnpay"]) is First
    assert len(gateways) == 1


def test_an_unknown_identifier_names_what_is_registered():
    gateways: Registry[Gateway] = Registry("payment gateway")
    with pytest.raises(UnknownPlugin, match=r"unknown payment gateway plugin 'vnpay'.*none"):
        gateways["vnpay"]
    gateways.register("momo")(Gateway)
    with pytest.raises(LookupError, match=r"'vnpay'; registered: momo"):
        gateways["vnpay"]


@pytest.mark.parametrize("identifier", ["", "vn pay", "vnpay/2", "../x"])
def test_an_identifier_must_be_a_simple_name(identifier):
    with pytest.raises(PluginError, match="not a simple name"):
        Registry("payment gateway").register(identifier)


# --- The identity provider ---------------------------------------------------------------------


def test_vneid_is_the_registered_default_provider_reading_its_settings(settings):
    assert settings.CITIZEN_IDENTITY_PROVIDER == "vneid"
    provider = active_provider()
    assert type(provider) is VNeIDProvider
    assert provider is provider_registry.registry["vneid"]
    settings.VNEID_ISSUER = "https://vneid.example.gov.vn/oidc"
    settings.VNEID_CLIENT_ID = "hcmc"
    settings.VNEID_SCOPES = "openid profile"
    assert (provider.issuer, provider.client_id) == ("https://vneid.example.gov.vn/oidc", "hcmc")
    assert provider.claims.id_number == "SoDinhDanh"
    assert provider.check_config() == []
    assert identity_provider_check() == []


def test_the_system_check_refuses_an_unknown_provider(settings):
    settings.CITIZEN_IDENTITY_PROVIDER = "vneld"
    [error] = identity_provider_check()
    assert error.id == "identity.E001"
    assert "'vneld'" in error.msg and "registered: vneid" in error.msg


def test_the_system_check_names_what_the_provider_configuration_lacks(settings):
    settings.VNEID_ISSUER = "http://127.0.0.1:8100/vneid/"
    settings.VNEID_CLIENT_SECRET = ""
    settings.VNEID_SCOPES = "profile"
    errors = identity_provider_check()
    assert {error.id for error in errors} == {"identity.E002"}
    messages = " | ".join(error.msg for error in errors)
    assert "must end without '/'" in messages
    assert "client secret is empty" in messages
    assert "do not include 'openid'" in messages


class OtherProvider(IdentityProvider):
    """A second provider with its own configuration and claim names, pointed at the test double."""

    verbose_name = "Another OpenID provider"
    claims = ClaimMapping(
        id_number="national_id",
        full_name="name",
        birth_date="birthdate",
        gender="gender",
        account_type="account_type",
        assurance_level=("ial",),
    )
    address = ""

    @property
    def issuer(self) -> str:
        return self.address

    @property
    def client_id(self) -> str:
        return CLIENT_ID

    @property
    def client_secret(self) -> str:
        return CLIENT_SECRET

    @property
    def scopes(self) -> str:
        return "openid citizen"


@pytest.mark.django_db
def test_the_login_flow_takes_its_provider_from_the_registry(settings, monkeypatch):
    """Select another registered provider: the VNeID settings are ignored, its own are used."""
    providers: Registry[IdentityProvider] = Registry("identity provider")
    providers.register("vneid")(VNeIDProvider)
    providers.register("other")(OtherProvider)
    monkeypatch.setattr(provider_registry, "registry", providers)
    client = Client()
    with vneid_provider(settings) as double:
        providers["other"].address = double.issuer
        settings.CITIZEN_IDENTITY_PROVIDER = "other"
        settings.VNEID_ISSUER = "http://127.0.0.1:9/vneid"  # nothing listens: must not be used
        settings.VNEID_CLIENT_SECRET = "not-the-secret"

        response = client.get("/auth/vneid/login/")
        assert response.status_code == 302, response.content.decode()[:300]
        auth = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
        assert response["Location"].startswith(double.issuer)
        assert auth["scope"] == "openid citizen"
        person = {
            "national_id": "079085001234",
            "name": "Nguyễn Văn An",
            "birthdate": "1985-03-12",
            "gender": "male",
            "account_type": 1,
            "ial": 2,
        }
        code = double.grant(auth, person=person)
        done = client.get("/auth/vneid/callback/", {"code": code, "state": auth["state"]})

    assert done.status_code == 302, done.content.decode()[:300]
    citizen = Citizen.objects.get()
    assert (citizen.id_number, citizen.full_name) == ("079085001234", "Nguyễn Văn An")
    assert citizen.birth_date.isoformat() == "1985-03-12"
    assert citizen.assurance_level == 2
