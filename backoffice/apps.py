from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The officials' interface: it calls services of other apps and owns no domain rule."""

    name = "backoffice"
    verbose_name = _("Back office")
