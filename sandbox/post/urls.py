from django.urls import path

from . import views

app_name = "post"

urlpatterns = [
    path("", views.shipments, name="shipments"),
    path("api/shipments", views.create, name="create"),
    path("api/reset", views.reset, name="reset"),
    path("shipments/<str:tracking>/report", views.mark, name="mark"),
]
