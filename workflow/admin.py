"""Administration of working time: the yearly swaps and agencies' own office hours."""

from django.contrib import admin

from .models import CalendarOverride, WorkingHours


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
