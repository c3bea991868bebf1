"""``manage.py catalogue_report``: upload slots and durations over the whole catalogue.

``--check`` exits with an error when a figure is worse than ``data/catalogue_baseline.json``;
``--write-baseline`` records the current figures there (after a deliberate improvement);
``--assumed`` lists the procedures whose duration unit was assumed, for administrators.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from procedures import report


class Command(BaseCommand):
    help = "Print upload slots per procedure, line classes and durations over the catalogue."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument("--check", action="store_true", help="fail if worse than baseline")
        parser.add_argument("--write-baseline", action="store_true", help="record the figures")
        parser.add_argument("--assumed", action="store_true", help="list assumed durations")

    def handle(self, *args, **options):
        current = report.figures()
        if options["json"]:
            self.stdout.write(json.dumps(current, ensure_ascii=False, indent=2))
        else:
            self._print(current, options["assumed"])
        if options["write_baseline"]:
            text = json.dumps(report.baseline_of(current), ensure_ascii=False, indent=2)
            report.BASELINE.write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"Baseline written to {report.BASELINE}")
        if options["check"]:
            problems = report.regressions(current, report.load_baseline())
            if problems:
                raise CommandError("Worse than the baseline: " + "; ".join(problems))
            self.stdout.write("No figure is worse than the baseline.")

    def _print(self, data: dict, list_assumed: bool) -> None:
        out = self.stdout.write
        out(f"Procedures: {data['procedures']}; upload slots: {data['slots']} "
            f"({data['required_slots']} required)")  # fmt: skip
        out("Upload slots per procedure:")
        for bucket, count in data["slots_per_procedure"].items():
            out(f"  {bucket:>6}: {count}")
        listing = data["procedures_without_slots_but_with_documents"]
        out(f"Procedures with 0 slots: {data['procedures_without_slots']} "
            f"({listing} of them list documents)")  # fmt: skip
        out(f"Procedures with more than 10 slots: {data['procedures_over_ten_slots']}")
        kinds = ", ".join(f"{kind} {count}" for kind, count in data["line_kinds"].items())
        out(f"Catalogue document lines by class: {kinds}")
        for code, slots in data["watched"].items():
            out(f"  {code}: {slots} upload slots")
        d = data["durations"]
        out(f"Channel rows: {d['rows']}, with a duration: {d['with_duration']}, "
            f"without a unit: {d['without_unit']}, unit assumed (working days): {d['assumed']} "
            f"in {d['procedures_with_assumed']} procedures")  # fmt: skip
        out("Units: " + ", ".join(f"{unit} {count}" for unit, count in d["units"].items()))
        if list_assumed:
            out("Procedures whose duration unit is assumed (confirm in the admin, Channels, "
                "filter 'unit assumed'):")  # fmt: skip
            for code in data["assumed_codes"]:
                out(f"  {code}")
