"""Citizen forms: the contact data a citizen keeps on the portal."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency

from .models import Citizen

# Since the 2017–2018 renumbering: landlines are 11 digits starting 02 (area code included),
# mobiles are 10 digits starting 03, 05, 07, 08 or 09.
_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalise_phone(raw: str) -> str:
    """A Vietnamese phone number in its national form (``0912345678``); raises ValidationError."""
    text = _SEPARATORS.sub("", raw)
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(
            _("A phone number may contain only digits, spaces, dots, dashes and a leading +84."),
            code="invalid",
        )
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    raise ValidationError(
        _(
            "Enter a Vietnamese phone number: a mobile of 10 digits (e.g. 0912 345 678) or a "
            "landline of 11 digits with its area code (e.g. 028 3829 1234)."
        ),
        code="invalid",
    )


class WardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.short_name or obj.name


class ContactForm(forms.ModelForm):
    """Phone, email, street address and ward: the only fields a citizen edits."""

    ward = WardChoiceField(
        label=_("Ward / commune"),
        queryset=Agency.objects.filter(level=Agency.Level.COMMUNE).order_by("name"),
        required=False,
        empty_label=_("— Choose your ward or commune —"),
        error_messages={"invalid_choice": _("Choose a ward or commune from the list.")},
    )

    class Meta:
        model = Citizen
        fields = ["phone", "email", "address", "ward"]
        labels = {
            "phone": _("Phone"),
            "email": _("Email"),
            "address": _("Street address (house number, street)"),
        }
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            # A text box (validated here, not by the browser) so errors always appear in the
            # page, in the page's language, next to the field.
            "email": forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }
        error_messages = {
            "email": {"invalid": _("Enter an email address such as ten@example.vn.")},
            "phone": {"max_length": _("The phone number is too long.")},
            "address": {"max_length": _("The address is too long: at most 255 characters.")},
        }

    def full_clean(self) -> None:
        super().full_clean()
        # Screen readers announce the error attached to the field (see includes/field.html).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}_error"}
                )

    def clean_phone(self) -> str:
        raw = (self.cleaned_data.get("phone") or "").strip()
        return normalise_phone(raw) if raw else ""

    def clean_address(self) -> str:
        return " ".join((self.cleaned_data.get("address") or "").split())
