"""The model backend of the portal: a signed-in request loads the user and its citizen together.

Every signed-in request loads its user from the session; nearly every one then reads the
citizen profile (``identity.citizens.citizen_of``), a second query. Joining the profile into the
user's query saves it; a user without a profile (an official) reads as before.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("citizen")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
