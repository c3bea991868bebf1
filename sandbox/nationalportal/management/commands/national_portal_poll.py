import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.nationalportal import polling

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Poll the portal's change feed as the national portal does (client credentials, scope "
        "sync:read) and mirror each change. Runs every SANDBOX_NATIONAL_PORTAL_POLL_SECONDS; "
        "--once reads until the feed has no more and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one cycle, then exit")
        parser.add_argument(
            "--reset", action="store_true", help="forget the cursor first (read from the start)"
        )
        parser.add_argument("--limit", type=int, help="page size (1-1000)")

    def handle(self, *args, once, reset, limit, **options):
        if limit is not None and not 1 <= limit <= 1000:
            raise CommandError("--limit must be between 1 and 1000")
        if reset:
            polling.reset_cursor()
            self.stdout.write("Cursor forgotten: the next poll reads the feed from the start.")
        client = polling.FeedClient.from_settings()
        if once:
            try:
                result = polling.poll_cycle(client, limit=limit)
            except polling.PollError as error:
                raise CommandError(str(error)) from error
            if result.paused:
                self.stdout.write("The stand-in is down (fault switch): nothing polled.")
                return
            self.stdout.write(
                f"{result.pages} page(s): {result.received} new, {result.duplicates} already "
                f"received, {result.rejected} refused"
            )
            return
        interval = settings.NATIONAL_PORTAL_POLL_SECONDS
        if interval <= 0:
            # Stay alive without polling: honcho stops every process when one of them exits.
            self.stdout.write("SANDBOX_NATIONAL_PORTAL_POLL_SECONDS=0: the poller is disabled.")
            threading.Event().wait()
            return
        self.stdout.write(
            f"Polling {client.base_url}/api/sync/v1/changes every {interval} s "
            f"as {client.client_id}"
        )
        polling.run_forever(client, interval)
