"""Forms of the back office: staff management (the sign-in form stays in ``identity``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from identity.access import is_city_admin
from identity.models import Role
from procedures.models import Agency


class StaffRoleAddForm(forms.Form):
    """Give a role in an agency to an existing official (by username)."""

    username = forms.CharField(label=_("Official's username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    division = forms.ModelChoiceField(
        label=_("Division (optional)"), queryset=Agency.objects.none(), required=False
    )
    title = forms.CharField(label=_("Job title (optional)"), max_length=120, required=False)

    def __init__(self, *args: Any, agency: Agency, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        choices = [(value, label) for value, label in Role.choices]
        if not is_city_admin(actor):
            choices = [(v, label) for v, label in choices if v != Role.CITY_ADMIN]
        self.fields["role"].choices = choices
        divisions = agency.children.filter(level=Agency.Level.DIVISION).order_by("code")
        self.fields["division"].queryset = divisions
        self.fields["division"].label_from_instance = lambda division: division.name
        if not divisions.exists():
            del self.fields["division"]

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no active account with this username."))
        return user
