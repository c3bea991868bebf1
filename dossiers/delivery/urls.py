from django.urls import path

from . import views

app_name = "delivery"

urlpatterns = [
    path("dossiers/<str:code>/delivery/", views.choose, name="choose"),
]
