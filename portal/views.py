from django.shortcuts import render

from procedures.forms import ProcedureSearchForm
from procedures.services import popular_procedures


def home(request):
    """Home page: search box, popular procedures, dossier lookup."""
    return render(
        request,
        "home.html",
        {"form": ProcedureSearchForm(), "popular": popular_procedures()},
    )
