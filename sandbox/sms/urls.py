from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("api/messages", views.receive, name="receive"),
    path("api/received", views.messages_json, name="received"),
    path("api/reset", views.reset, name="reset"),
]
