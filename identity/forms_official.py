"""The officials' sign-in form (password + TOTP); staff management lives in :mod:`backoffice`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.validators import RegexValidator
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import is_official

GENERIC_LOGIN_ERROR = _(
    "The username, password or code is not correct, or this account may not use the back office."
)


def verify_totp(user: Any, token: str) -> TOTPDevice | None:
    """The user's confirmed TOTP device that accepts ``token``, if any.

    Rows are locked while checking so two requests cannot use the same code (django-otp keeps
    the last accepted time step and throttles repeated failures per device).
    """
    with transaction.atomic():
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
        for device in devices:
            if device.verify_token(token):
                return device
    return None


class OfficialLoginForm(forms.Form):
    """Đăng nhập cán bộ: username, password and the 6-digit code of the authenticator app."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("6-digit code from the authenticator app"),
        min_length=6,
        max_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", _("Enter the 6 digits shown by the app."))],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "maxlength": "6",
            }
        ),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache: Any = None
        self.device: TOTPDevice | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        username = cleaned.get("username")
        password = cleaned.get("password")
        token = cleaned.get("otp_token")
        if not (username and password and token):
            return cleaned
        # The axes backend comes first: it refuses a locked account or address, and Django's
        # authenticate() sends user_login_failed on a bad password, which axes counts.
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            raise forms.ValidationError(GENERIC_LOGIN_ERROR, code="invalid_login")
        device = verify_totp(user, token) if is_official(user) else None
        if device is None:
            # Password right but code wrong (or not an official): a failure like any other, so
            # axes counts it towards the lockout and the audit log records it.
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=self.request
            )
            raise forms.ValidationError(GENERIC_LOGIN_ERROR, code="invalid_login")
        self.user_cache = user
        self.device = device
        return cleaned
