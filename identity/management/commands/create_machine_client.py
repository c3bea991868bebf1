"""``manage.py create_machine_client <client_id> --name … --scopes "sync:read audit:read"``.

Creates a machine client, or updates the name and scopes of an existing one. A new client gets
the given ``--secret`` or a random one, printed once (only its hash is stored). An existing
client keeps its secret unless ``--secret`` or ``--rotate`` is given.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from identity.machine import ensure_client
from identity.models import MachineClient


class Command(BaseCommand):
    help = "Create or update a machine client (API access with scoped tokens); prints its secret."

    def add_arguments(self, parser):
        parser.add_argument("client_id", help="A slug, e.g. national-portal.")
        parser.add_argument("--name", help="Display name (default: the client id).")
        parser.add_argument(
            "--scopes",
            default="",
            help='Space-separated scopes, e.g. "sync:read audit:read".',
        )
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument(
            "--secret",
            help="Use this secret instead of a random one (it will be in your shell history).",
        )
        secret.add_argument(
            "--rotate",
            action="store_true",
            help="Give an existing client a new random secret.",
        )

    def handle(self, *args, client_id: str, name: str | None, scopes: str, **options):
        existing = MachineClient.objects.filter(client_id=client_id).first()
        if existing is not None:  # options not given keep what the client has
            name = name or existing.name
            scopes = scopes or " ".join(existing.scopes)
        try:
            client, secret = ensure_client(
                client_id,
                name or client_id,
                scopes,
                secret=options.get("secret"),
                rotate=options.get("rotate", False),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        scope_text = " ".join(client.scopes) or "(none)"
        self.stdout.write(f"Machine client {client.client_id}: scopes {scope_text}")
        if secret is None:
            self.stdout.write("The existing secret was kept (use --rotate for a new one).")
            return
        self.stdout.write(self.style.WARNING("Secret (shown once, store it now):"))
        self.stdout.write(secret)
