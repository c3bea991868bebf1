"""The catalogue search form: one validator for the HTML page and the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .filter_options import CachedSelect
from .models import Agency, Level, OnlineLevel, Sector
from .search import MAX_QUERY_LENGTH, SearchParams

FEE_CHOICES = [("", _("Any")), ("true", _("Free of charge")), ("false", _("With fees"))]


class ProcedureSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search procedures"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("The search text is too long: at most %(limit_value)d characters."),
        },
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        queryset=Sector.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All sectors"),
        widget=CachedSelect,
        error_messages={"invalid_choice": _("Unknown sector: choose one from the list.")},
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("All levels")), *Level.choices],
        required=False,
        widget=CachedSelect,
        error_messages={"invalid_choice": _("Unknown level “%(value)s”.")},
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.exclude(level=Agency.Level.DIVISION),
        to_field_name="code",
        required=False,
        empty_label=_("All agencies"),
        widget=CachedSelect,
        error_messages={"invalid_choice": _("Unknown agency code: choose one from the list.")},
    )
    online = forms.ChoiceField(
        label=_("Online service"),
        choices=[("", _("Any")), *OnlineLevel.choices],
        required=False,
        widget=CachedSelect,
        error_messages={"invalid_choice": _("Unknown online level “%(value)s”.")},
    )
    fee = forms.ChoiceField(
        label=_("Fees"),
        choices=FEE_CHOICES,
        required=False,
        widget=CachedSelect,
        error_messages={"invalid_choice": _("Unknown fee filter “%(value)s”.")},
    )

    def params(self) -> SearchParams:
        """The validated search; call only after ``is_valid()``."""
        data = self.cleaned_data
        fee = data.get("fee")
        return SearchParams(
            q=data.get("q") or "",
            sector=data.get("sector"),
            level=data.get("level") or "",
            agency=data.get("agency"),
            online_level=data.get("online") or "",
            fee_free=None if not fee else fee == "true",
        )
