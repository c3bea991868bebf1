"""Fee rules are configured here; payments and their history are read-only."""

from django.contrib import admin

from .models import FeeDemand, FeeRule, FeeRuleLine, Payment, PaymentEvent


class FeeRuleLineInline(admin.TabularInline):
    model = FeeRuleLine
    extra = 1


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin):
    list_display = ["procedure_version", "channel", "stage", "valid_from", "valid_to",
                    "online_free_until", "from_catalogue"]  # fmt: skip
    list_filter = ["channel", "stage", "from_catalogue"]
    search_fields = ["procedure_version__procedure__national_code", "procedure_version__name"]
    raw_id_fields = ["procedure_version"]
    inlines = [FeeRuleLineInline]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "from_state", "to_state", "note", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["txn_ref", "dossier", "amount_vnd", "state", "created_at", "settled_by"]
    list_filter = ["state", "gateway", "settled_by"]
    search_fields = ["txn_ref", "dossier__code", "transaction_no"]
    inlines = [PaymentEventInline]


@admin.register(FeeDemand)
class FeeDemandAdmin(ReadOnly):
    list_display = ["dossier", "stage", "amount_vnd", "state", "paid_via", "created_at"]
    list_filter = ["stage", "state", "paid_via"]
    search_fields = ["dossier__code"]
