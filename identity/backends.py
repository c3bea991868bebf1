"""The model backend of the portal: a signed-in request loads its user from a kept copy.

Every signed-in request loads its user from the session; nearly every one then reads the citizen
profile (``identity.citizens.citizen_of``). The user is read with its profile in one query
(``select_related``), and that row is kept in the shared cache under a per-user stamp
(:mod:`portal.stamps`) that every save or delete of the user or of its citizen profile moves: a
password change, a deactivation, a new contact address are seen by the next request, in every
process, as before, while an unchanged user costs one cache read instead of a query (and the
connection's health check that comes with the first query of a request). What Django checks on
every request still runs on the kept copy: the session's password hash and ``is_active``.
Writes that send no signal (``update()`` on users or citizens) must call :func:`user_changed`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal import stamps

# Kept users also die with their stamp; this only bounds how long an unused one stays.
USER_TIMEOUT_SECONDS = 300
# Part of the key of a kept user: a change of what is kept starts with new keys.
FORMAT = 1


def _keys(user_id: Any) -> tuple[str, str]:
    return f"identity:user:{FORMAT}:{user_id}", f"identity:user:stamp:{user_id}"


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id):
        entry_key, stamp_key = _keys(user_id)
        user, stamp, _found = stamps.read(entry_key, stamp_key)
        if user is None:
            users = get_user_model()._default_manager.select_related("citizen")
            try:
                user = users.get(pk=user_id)
            except (get_user_model().DoesNotExist, ValueError, TypeError):
                return None
            stamps.keep(entry_key, stamp, user, USER_TIMEOUT_SECONDS)
        return user if self.user_can_authenticate(user) else None


def user_changed(user_id: Any) -> None:
    """The user's row or profile changed: no kept copy of it is served again."""
    if user_id is not None:
        stamps.move([_keys(user_id)[1]])


def _user_saved(sender, instance, **_kwargs) -> None:
    user_changed(instance.pk)


def _citizen_saved(sender, instance, **_kwargs) -> None:
    user_changed(instance.user_id)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Citizen

    for model, receiver in ((get_user_model(), _user_saved), (Citizen, _citizen_saved)):
        uid = f"kept-user-{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-del")
