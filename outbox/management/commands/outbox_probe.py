"""Send a probe message through the outbox and, with ``--wait``, watch it arrive."""

from __future__ import annotations

import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from outbox import put
from outbox.models import Message
from outbox.outbox_topics import PROBE


class Command(BaseCommand):
    help = "Write an outbox probe message; with --wait, wait until a worker delivered it."

    def add_arguments(self, parser):
        parser.add_argument("--fail", type=int, default=0, help="attempts that should fail first")
        parser.add_argument("--wait", type=float, default=0, help="seconds to wait for delivery")

    def handle(self, *args, fail: int, wait: float, **options):
        with transaction.atomic():
            message = put(PROBE, key=f"probe-{uuid.uuid4().hex}", payload={"fail": fail})
        self.stdout.write(f"probe {message.key} written")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.state != Message.State.PENDING:
                break
            time.sleep(0.2)
        message.refresh_from_db()
        self.stdout.write(f"state: {message.state} after {message.attempts} attempt(s)")
        if wait and message.state != Message.State.DELIVERED:
            raise CommandError(f"the probe was not delivered within {wait:g} s")
