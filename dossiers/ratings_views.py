"""The applicant rates the service on their dossier (``/dossiers/<code>/rating/``), and the
API endpoint ``POST /api/v1/dossiers/<ref>/rating/``: both call :func:`dossiers.ratings.rate`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from identity.access import citizen_login_redirect

from . import ratings
from .api.base import CitizenAPIView
from .api.schema import ERROR_400, ERROR_401, ERROR_403, ERROR_404, ERROR_409, REF, TAGS
from .errors import Conflict, DossierError
from .models import ServiceRating
from .views_tracking import _own_dossier as own_dossier

CHOICES = [
    ("yes", gettext_lazy("Satisfied")),
    ("no", gettext_lazy("Not satisfied")),
]


class RatingForm(forms.Form):
    satisfied = forms.ChoiceField(
        label=gettext_lazy("Are you satisfied with how your dossier was handled?"),
        choices=CHOICES,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=ratings.COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def rating_page(request: HttpRequest, code: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    dossier = own_dossier(request, code)
    citizen = dossier.applicant
    given = ServiceRating.objects.filter(dossier=dossier).first()
    form = RatingForm(request.POST or None)
    context = {"dossier": dossier, "form": form, "given": given}
    if request.method == "GET" or given is not None:
        if request.method == "POST":
            messages.error(
                request, _("You have already rated this dossier; a dossier is rated once.")
            )
            return redirect("tracking:rating", code=dossier.code)
        if dossier.status not in ratings.RATEABLE:
            context["too_early"] = True
        return render(request, "dossiers/rating.html", context)
    if not form.is_valid():
        return render(request, "dossiers/rating.html", context, status=400)
    try:
        ratings.rate(
            dossier,
            citizen,
            form.cleaned_data["satisfied"] == "yes",
            form.cleaned_data["comment"],
        )
    except Conflict as refused:
        messages.error(request, refused.message)
        return redirect("tracking:rating", code=dossier.code)
    except DossierError as refused:
        form.add_error(None, refused.message)
        return render(request, "dossiers/rating.html", context, status=400)
    messages.success(request, _("Thank you: your rating was recorded."))
    return redirect("tracking:detail", code=dossier.code)


# --- API ------------------------------------------------------------------------------------------


class RatingSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField(help_text="true: satisfied; false: not satisfied.")
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=ratings.COMMENT_LIMIT,
        help_text="Optional comment, at most 1000 characters.",
    )


class RatingOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRating
        fields = ["satisfied", "comment", "created_at"]


class DossierRatingView(CitizenAPIView):
    @extend_schema(
        operation_id="dossier_rating",
        summary="Rate the service",
        description=(
            "The applicant rates how the dossier was handled, once, after its result (status 9 "
            "or 10): satisfied or not, with an optional comment. Before the result: 400; a "
            "second rating: 409."
        ),
        parameters=[REF],
        request=RatingSerializer,
        responses={
            201: RatingOutSerializer,
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
        },
        tags=TAGS,
    )
    def post(self, request, ref: str):
        dossier = self.get_dossier(ref)
        given = RatingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        rating = ratings.rate(
            dossier,
            self.citizen,
            given.validated_data["satisfied"],
            given.validated_data.get("comment", ""),
        )
        return Response(RatingOutSerializer(rating).data, status=status.HTTP_201_CREATED)
