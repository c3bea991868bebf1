from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Identity and audit")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401 (checks registers itself)
        from .providers import contrib  # noqa: F401 (registers the built-in identity providers)

        signals.connect()
        # A signed-in user's kept copy follows every change of the user and its profile.
        from .backends import connect as connect_kept_users

        connect_kept_users()
