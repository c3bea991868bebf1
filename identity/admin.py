"""Administration of identities: citizens (read-only), staff roles, machine clients, audit log.

- Citizens' personal data comes from VNeID and from the citizens themselves: shown, not edited.
- A machine client's secret is stored hashed and never shown; a new one is generated when the
  client is added or with the "rotate secret" action, and displayed once in a message.
- The audit log can be read by superusers and staff holding the view permission, and by
  nobody changed or deleted.
"""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .machine import KNOWN_SCOPES, generate_secret, parse_scopes, rotate_secret
from .models import AuditEvent, Citizen, MachineClient, StaffRole

# --- citizens -----------------------------------------------------------------------------------


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    list_display = ["id_number", "full_name", "account_type", "assurance_level", "created_at"]
    list_filter = ["account_type", "assurance_level"]
    search_fields = ["id_number", "full_name", "phone", "email"]
    readonly_fields = [
        "user",
        "id_number",
        "subject",
        "full_name",
        "birth_date",
        "gender",
        "account_type",
        "assurance_level",
        "phone",
        "email",
        "address",
        "ward",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        # Citizens come into being by logging in with VNeID.
        return False

    def has_change_permission(self, request, obj=None):
        # The change view stays reachable (as a view) for those who may view.
        return False


# --- officials' roles ---------------------------------------------------------------------------


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "division", "title"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__code"]
    autocomplete_fields = ["user", "agency", "division"]
    list_select_related = ["user", "agency", "division"]


# --- machine clients ----------------------------------------------------------------------------


class MachineClientForm(forms.ModelForm):
    """Scopes as a space-separated line rather than raw JSON."""

    scopes = forms.CharField(label=_("scopes"), required=False)

    class Meta:
        model = MachineClient
        fields = ["client_id", "name", "scopes", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not at import, so that it is in the language of the request.
        self.fields["scopes"].help_text = gettext("Separated by spaces. In use: %(scopes)s.") % {
            "scopes": ", ".join(sorted(KNOWN_SCOPES))
        }
        if self.instance.pk:
            self.initial["scopes"] = " ".join(self.instance.scopes or [])

    def clean_scopes(self) -> list[str]:
        try:
            return parse_scopes(self.cleaned_data.get("scopes") or "")
        except ValueError as exc:
            raise forms.ValidationError(
                _("“%(scope)s” is not a valid scope."), params={"scope": str(exc)}
            ) from exc


@admin.register(MachineClient)
class MachineClientAdmin(admin.ModelAdmin):
    form = MachineClientForm
    list_display = ["client_id", "name", "scope_list", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["client_id", "name"]
    readonly_fields = ["created_at"]
    actions = ["rotate_secrets"]

    def get_readonly_fields(self, request, obj=None):
        # The id is in every token the client holds; changing it would orphan them.
        return [*self.readonly_fields, "client_id"] if obj else self.readonly_fields

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: MachineClient) -> str:
        return " ".join(obj.scopes or [])

    def save_model(self, request, obj, form, change):
        secret = None
        if not change:
            secret = generate_secret()
            obj.set_secret(secret)
        super().save_model(request, obj, form, change)
        if secret:
            self._show_secret(request, obj, secret)

    @admin.action(
        description=_("Rotate secret (the new one is shown once)"), permissions=["change"]
    )
    def rotate_secrets(self, request, queryset):
        for client in queryset.order_by("client_id"):
            self._show_secret(request, client, rotate_secret(client))

    @staticmethod
    def _show_secret(request, client: MachineClient, secret: str) -> None:
        messages.warning(
            request,
            format_html(
                gettext(
                    "Secret of {client}: <code>{secret}</code> — copy it now; it is stored "
                    "hashed and will not be shown again."
                ),
                client=client.client_id,
                secret=secret,
            ),
        )


# --- the audit log ------------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: no add, change or delete, for anyone (the database refuses them too)."""

    list_display = ["at_utc", "action", "actor_type", "actor", "ip", "path"]
    list_filter = ["action", "actor_type", "at"]
    search_fields = ["actor", "ip"]
    date_hierarchy = "at"
    fields = [
        "at_utc",
        "action",
        "actor_type",
        "actor",
        "ip",
        "user_agent",
        "path",
        "detail_json",
    ]
    readonly_fields = fields
    show_full_result_count = False  # counting a large log on every page is slow

    @admin.display(description=_("time (UTC)"), ordering="at")
    def at_utc(self, obj: AuditEvent) -> str:
        return obj.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    @admin.display(description=_("detail"))
    def detail_json(self, obj: AuditEvent) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.detail, ensure_ascii=False, indent=2, sort_keys=True)
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
