"""Administration of working time (the yearly swaps, agencies' office hours) and of the
department workflow templates with their steps and the procedure versions that use them."""

from django.contrib import admin
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import (
    CalendarOverride,
    ProcedureWorkflow,
    ProcessStep,
    WorkflowStep,
    WorkflowTemplate,
    WorkingHours,
    validate_shares,
)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "reason"]
    list_filter = ["kind"]
    search_fields = ["reason"]
    date_hierarchy = "date"


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = [
        "agency",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "weekdays",
    ]
    search_fields = ["agency__code", "agency__name"]
    autocomplete_fields = ["agency"]


class StepFormSet(BaseInlineFormSet):
    """The steps saved together must share the whole duration: refused before anything is saved."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return  # each form's own errors come first
        shares = [
            form.cleaned_data["share"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        validate_shares(shares)


class WorkflowStepInline(admin.TabularInline):
    model = WorkflowStep
    formset = StepFormSet
    extra = 0
    min_num = 1
    fields = ["order", "name", "role", "department", "agency", "share", "consulted_agency"]
    autocomplete_fields = ["agency", "consulted_agency"]


class ProcedureWorkflowInline(admin.TabularInline):
    model = ProcedureWorkflow
    extra = 0
    raw_id_fields = ["version"]
    verbose_name_plural = _("procedure versions using this template")


@admin.register(WorkflowTemplate)
class WorkflowTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "default_for", "active", "step_count"]
    list_filter = ["active", "default_for"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [WorkflowStepInline, ProcedureWorkflowInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(step_total=Count("steps"))

    @admin.display(description=_("number of steps"), ordering="step_total")
    def step_count(self, obj) -> int:
        return obj.step_total


@admin.register(ProcedureWorkflow)
class ProcedureWorkflowAdmin(admin.ModelAdmin):
    list_display = ["version", "template"]
    list_select_related = ["version__procedure", "template"]
    search_fields = ["version__procedure__national_code", "version__name", "template__name"]
    autocomplete_fields = ["version", "template"]


@admin.register(ProcessStep)
class ProcessStepAdmin(admin.ModelAdmin):
    """The process-control record (Mẫu 06), read only: the routing writes it, nobody edits it.

    Search a dossier's code to list its hand-offs in order.
    """

    list_display = [
        "dossier",
        "order",
        "name",
        "handed_over_by",
        "handed_to",
        "handed_over_at",
        "deadline",
        "finished_at",
        "result",
        "assignee",
    ]
    list_filter = ["result"]
    list_select_related = ["dossier", "handed_over_by", "handed_to", "assignee"]
    search_fields = ["=dossier__code"]
    ordering = ["dossier", "order"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
