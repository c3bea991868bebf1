from django.core.management.base import BaseCommand, CommandError

from sandbox.nationalportal import faults
from sandbox.nationalportal.models import FaultMode


class Command(BaseCommand):
    help = (
        "Make the national-portal stand-in fail on purpose: error500 (pushes get 500), timeout "
        "(pushes are stored but answered after --seconds), down (pushes refused and the poller "
        "paused), or ok. With --minutes N the mode ends by itself after N minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mode", required=True, choices=FaultMode.values)
        parser.add_argument(
            "--minutes", type=float, help="back to ok after this many minutes (0.5 = 30 s)"
        )
        parser.add_argument(
            "--seconds",
            type=int,
            help=f"how long a push waits in timeout mode (default "
            f"{faults.DEFAULT_TIMEOUT_SECONDS})",
        )

    def handle(self, *args, mode, minutes, seconds, **options):
        try:
            fault = faults.set_fault(mode, minutes, seconds)
        except faults.InvalidFault as error:
            raise CommandError(str(error)) from error
        until = f" until {fault.until.isoformat()}" if fault.until else ""
        wait = f", answers after {fault.seconds} s" if fault.mode == FaultMode.TIMEOUT else ""
        self.stdout.write(f"National portal stand-in: {fault.mode}{until}{wait}")
