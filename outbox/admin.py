from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("topic", "key", "state", "attempts", "next_attempt_at", "created_at")
    list_filter = ("topic", "state")
    search_fields = ("key", "ordering_key")
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
