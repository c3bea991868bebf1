from django.core.management.base import BaseCommand, CommandError

from procedures.importer import RecordError, import_records, load_records


class Command(BaseCommand):
    help = "Import the procedure catalogue from a .json or .json.gz file (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="catalogue file, e.g. data/procedures.json.gz")

    def handle(self, *args, path: str, **options):
        try:
            records = load_records(path)
        except (OSError, ValueError, RecordError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        report = import_records(records)
        self.stdout.write(
            f"Read {report.read} records: {report.created} new procedures, "
            f"{report.new_drafts} new draft versions, {report.unchanged} unchanged, "
            f"{len(report.rejected)} rejected."
        )
        for rejected in report.rejected:
            self.stdout.write(
                f"  rejected record #{rejected.index} ({rejected.code or 'no code'}): "
                f"{rejected.reason}"
            )
