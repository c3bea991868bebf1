from django.db.models import Count
from django.shortcuts import render

from procedures.forms import ProcedureSearchForm
from procedures.models import Level, Procedure
from procedures.services import popular_procedures


def home(request):
    """Home page: search box, popular procedures, quick links by authority level."""
    counts = dict(
        Procedure.objects.filter(current_version__isnull=False)
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    levels = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Level.choices
    ]
    return render(
        request,
        "home.html",
        {"form": ProcedureSearchForm(), "popular": popular_procedures(), "levels": levels},
    )
