"""Forms of the back office: staff management (the sign-in form stays in ``identity``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from dossiers.lifecycle.table import Transition
from dossiers.lifecycle.transitions import NOTE_LIMIT
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


class TransitionForm(forms.Form):
    """One action of the transition table on one dossier, with the fields the table names.

    The form only reads what the official typed: whether a reason, a list or a date is required
    is the table's rule, checked by the transition service (its refusals come back as field
    errors). The browser is told too (``required``), so nothing is posted in vain.
    """

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        label=_("Reason or note"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    items = forms.CharField(
        label=_("What the applicant must supply (one item per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    new_due_at = forms.DateTimeField(
        label=_("New due date"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, transition: Transition, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", transition.action)
        super().__init__(*args, **kwargs)
        self.transition = transition
        if transition.action == "approve":
            self.fields.update(ApproveResultFields().fields)
        if transition.action == "return_result":
            self.fields.update(HandOverFields().fields)
        wanted = {
            "note": True,
            "items": transition.items_required,
            "new_due_at": transition.new_date_required,
        }
        for name, shown in wanted.items():
            if not shown:
                del self.fields[name]
        if transition.reason_required:
            self.fields["note"].label = _("Reason (required)")
            self.fields["note"].widget.attrs["required"] = True
        for name in ("items", "new_due_at"):
            if name in self.fields:
                self.fields[name].widget.attrs["required"] = True

    def asked(self) -> dict[str, Any]:
        """The keyword arguments of :func:`dossiers.lifecycle.transitions.perform`."""
        data = self.cleaned_data
        asked: dict[str, Any] = {"note": data.get("note", ""), "revision": data["revision"]}
        if "items" in self.fields:
            asked["items"] = [line.strip() for line in data["items"].splitlines() if line.strip()]
        if "new_due_at" in self.fields:
            asked["new_due_at"] = data["new_due_at"]
        if "id_number" in self.fields:
            asked["id_number"] = data.get("id_number", "")
            asked["collector_name"] = data.get("collector_name", "")
        if data.get("result_file") or data.get("result_render"):
            from dossiers.results import ResultChoice

            asked["result"] = ResultChoice(
                file=data.get("result_file"),
                render=bool(data.get("result_render")),
                title=data.get("result_title", ""),
            )
        return asked


class ApproveResultFields(forms.Form):
    """The result the leader attaches when approving (dossiers.results): a signed PDF, or one
    rendered from the template. Neither is required here: a result attached earlier (through
    the API) will do, and the service refuses an approval without any."""

    result_file = forms.FileField(
        label=_("Result document (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    result_render = forms.BooleanField(
        label=_("No file: render the result from the template"), required=False
    )
    result_title = forms.CharField(
        label=_("Title of the result (optional)"), required=False, max_length=255
    )


class HandOverFields(forms.Form):
    """The hand-over at the desk (dossiers.delivery.services.hand_over): who collects the
    result. The ID number must be the applicant's when the result was chosen at the desk or
    came back from the post; the service refuses any other."""

    id_number = forms.CharField(
        label=_("ID number of the person collecting (CCCD)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    collector_name = forms.CharField(
        label=_("Name of the person collecting"), max_length=255, required=False
    )
