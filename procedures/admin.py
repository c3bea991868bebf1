"""Administration of the catalogue: drafts are edited here and published with an action.

Published and retired versions are shown read-only; to change one, create a new draft from it.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Agency,
    Channel,
    DocumentSlot,
    FeeLine,
    LegalBasis,
    Procedure,
    ProcedureVersion,
    ResultDocument,
    Sector,
)
from .text import fold


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["level"]
    search_fields = ["code", "name", "short_name", "gso_code"]
    autocomplete_fields = ["parent", "successor"]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class FrozenAwareInline(admin.TabularInline):
    """Inline rows of a version: editable only while the version is a draft."""

    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ChannelInline(FrozenAwareInline):
    model = Channel
    fields = ["order", "kind", "duration", "unit", "unit_assumed", "fee_free", "fee_text", "note"]
    show_change_link = True


class DocumentInline(FrozenAwareInline):
    model = DocumentSlot
    fields = ["order", "group", "name", "form_ref", "originals", "copies"]


class ResultInline(FrozenAwareInline):
    model = ResultDocument
    fields = ["order", "name", "code"]


class LegalBasisInline(FrozenAwareInline):
    model = LegalBasis
    fields = ["order", "title", "number"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["procedure", "number", "status", "valid_from", "valid_to", "created_at"]
    list_filter = ["status", "level", "online_level"]
    search_fields = ["procedure__national_code", "name"]
    list_select_related = ["procedure"]
    autocomplete_fields = ["receiving_agency", "sector"]
    inlines = [ChannelInline, DocumentInline, ResultInline, LegalBasisInline]
    actions = ["publish", "new_draft"]
    readonly_fields = ["procedure", "number", "status", "valid_from", "valid_to", "published_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [field.name for field in self.model._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request):
        return False  # drafts come from the importer or from "new draft from this version"

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request, queryset):
        published = 0
        for version in queryset.select_related("procedure"):
            try:
                services.publish_version(version)
                published += 1
            except ValidationError as exc:
                self.message_user(request, f"{version}: {exc.messages[0]}", messages.ERROR)
        if published:
            self.message_user(
                request,
                ngettext("%d version published.", "%d versions published.", published) % published,
                messages.SUCCESS,
            )

    @admin.action(description=_("Create a new draft from the selected versions"))
    def new_draft(self, request, queryset):
        for version in queryset:
            draft = services.new_draft_from(version)
            self.message_user(request, _("Draft created: %s") % draft, messages.SUCCESS)


class FeeLineInline(admin.TabularInline):
    model = FeeLine
    extra = 0
    fields = ["order", "amount_vnd", "text"]

    def has_add_permission(self, request, obj=None):
        return (obj is None or not obj.version.is_frozen) and super().has_add_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return (obj is None or not obj.version.is_frozen) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.version.is_frozen) and super().has_delete_permission(
            request, obj
        )


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["version", "kind", "duration", "unit", "unit_assumed", "fee_free"]
    list_filter = ["unit_assumed", "unit", "kind"]  # "unit assumed: yes" lists what to confirm
    list_select_related = ["version__procedure"]
    search_fields = ["version__procedure__national_code"]
    inlines = [FeeLineInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.version.is_frozen:
            return [field.name for field in self.model._meta.fields]
        return ["version"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["national_code", "name", "sector", "level", "online_level", "is_fee_free"]
    list_filter = ["level", "online_level", "is_fee_free", "receives_at_commune"]
    search_fields = ["national_code", "local_code", "search_name"]
    list_select_related = ["sector"]
    readonly_fields = [
        "national_code",
        "local_code",
        "name",
        "sector",
        "current_version",
        "level",
        "online_level",
        "is_fee_free",
        "receiving_agency",
        "receives_at_commune",
    ]
    fields = [*readonly_fields, "popularity"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        # search_name is folded text: fold the term too so accents are optional here as well.
        return super().get_search_results(request, queryset, fold(search_term))
