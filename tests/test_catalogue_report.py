"""The slot and duration figures over the whole catalogue must not get worse than the baseline
committed in data/catalogue_baseline.json (``manage.py catalogue_report --check``)."""

from __future__ import annotations

import copy

import pytest
from django.core.management import CommandError, call_command

from procedures import report

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def current(django_db_blocker):
    with django_db_blocker.unblock():
        return report.figures()


def test_no_figure_is_worse_than_the_committed_baseline(current):
    baseline = report.load_baseline()
    assert report.regressions(current, baseline) == []
    assert current["procedures"] == baseline["procedures"] == 2625
    assert current["durations"]["without_unit"] == 0


def test_a_worse_figure_is_reported(current):
    better = copy.deepcopy(current)
    better["procedures_over_ten_slots"] -= 1
    better["durations"]["assumed"] -= 1
    better["watched"]["1.001193"] = 1
    problems = report.regressions(current, better)
    assert len(problems) == 3
    assert any(problem.startswith("procedures_over_ten_slots") for problem in problems)


def test_the_report_counts_birth_registration_and_the_assumed_durations(current):
    assert current["watched"]["1.001193"] == 4  # 1 required, 3 only in their case
    assert sum(current["slots_per_procedure"].values()) == current["procedures"]
    assert current["durations"]["assumed"] > 0
    assert "1.001193" not in current["assumed_codes"]  # its text says "trong ngày"


def test_the_command_prints_the_figures_and_fails_on_a_regression(capsys, monkeypatch, current):
    call_command("catalogue_report", "--check")
    out = capsys.readouterr().out
    assert "Procedures with more than 10 slots" in out and "No figure is worse" in out
    worse = copy.deepcopy(report.baseline_of(current))
    worse["durations"]["assumed"] -= 5
    monkeypatch.setattr(report, "load_baseline", lambda: worse)
    with pytest.raises(CommandError, match="durations.assumed"):
        call_command("catalogue_report", "--check")
