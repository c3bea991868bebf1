"""The applicant's choice of delivery, from the dossier page (a POST that comes back to it)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from identity.citizens import citizen_of

from ..errors import DossierError
from ..models import Dossier
from . import services
from .models import Delivery


class ChoiceForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How do you want to receive the result?"),
        choices=Delivery.Method.choices,
        widget=forms.RadioSelect,
    )
    address = forms.CharField(
        label=gettext_lazy("Delivery address (by post)"), max_length=500, required=False
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone for the postman (optional)"), max_length=20, required=False
    )


@require_POST
def choose(request: HttpRequest, code: str) -> HttpResponse:
    citizen = citizen_of(request.user) if request.user.is_authenticated else None
    if citizen is None:
        raise Http404
    dossier = Dossier.objects.filter(code=code, applicant=citizen).first()
    if dossier is None:
        raise Http404
    form = ChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how you want to receive the result."))
        return redirect(f"/dossiers/{dossier.code}/#delivery")
    try:
        services.choose(dossier, citizen, **form.cleaned_data)
    except Dossier.DoesNotExist:
        raise Http404 from None
    except DossierError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your choice of delivery is saved."))
    return redirect(f"/dossiers/{dossier.code}/#delivery")
