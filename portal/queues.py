"""The Celery queues, named once (hàng đợi công việc).

Slow or failure-prone work runs on its own queue so that a failing partner cannot starve the main
flow. Everything that names a queue reads it from here: the settings (``CELERY_TASK_QUEUES``,
``CELERY_TASK_ROUTES``, ``CELERY_TASK_DEFAULT_QUEUE``), the worker entry point
(``python -m portal.worker``, used by the Procfile and docker-compose.yml) and the tests.

A queue that no worker consumes holds its tasks forever (a receipt stays "being prepared"), so a
worker started without ``--queues`` consumes all of them. Imports no app: this is plumbing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kombu import Exchange, Queue


@dataclass(frozen=True)
class TaskQueue:
    """One queue: its name, what it is for, and the task-name patterns routed to it."""

    name: str
    purpose: str
    tasks: tuple[str, ...] = field(default=())


DEFAULT_QUEUE = "default"

QUEUES: tuple[TaskQueue, ...] = (
    TaskQueue(DEFAULT_QUEUE, "catalogue maintenance and every task not routed elsewhere"),
    TaskQueue("routing", "assigning dossiers to departments and officials", ("workflow.route_*",)),
    TaskQueue("documents", "PDFs: receipts (Mẫu 01), forms and results", ("dossiers.render_*",)),
    TaskQueue("sync", "the National Public Service Portal (change records, pushes)"),
    TaskQueue("notify", "email and SMS to citizens and officials"),
    TaskQueue("payments", "payment follow-up and reconciliation", ("payments.*",)),
)

QUEUE_NAMES: tuple[str, ...] = tuple(queue.name for queue in QUEUES)


def task_queues() -> tuple[Queue, ...]:
    """``CELERY_TASK_QUEUES``: one direct exchange per queue, as Celery creates them itself."""
    return tuple(Queue(name, Exchange(name), routing_key=name) for name in QUEUE_NAMES)


def task_routes() -> dict[str, dict[str, str]]:
    """``CELERY_TASK_ROUTES``: task-name pattern → queue (unlisted tasks go to ``default``)."""
    return {pattern: {"queue": queue.name} for queue in QUEUES for pattern in queue.tasks}


def parse_names(text: str) -> list[str]:
    """Queue names from a comma-separated list, refusing a name that is not declared here."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(QUEUE_NAMES))
    if unknown or not names:
        raise ValueError(
            f"unknown queue(s) {', '.join(unknown) or '(none given)'}; "
            f"the queues are: {', '.join(QUEUE_NAMES)}"
        )
    return names
