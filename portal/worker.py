"""Start a Celery worker on the queues of :mod:`portal.queues`: ``python -m portal.worker``.

The Procfile and docker-compose.yml start workers this way, so their queue list cannot drift from
the one the routing uses. Every other argument goes to ``celery worker`` unchanged
(``--concurrency``, ``--loglevel``, …). ``--queues a,b`` (or ``-Q``) starts a worker on a subset,
to isolate a queue on its own machines; a name that is not declared is refused.
"""

from __future__ import annotations

import os
import sys

from portal.queues import QUEUE_NAMES, parse_names


def celery_command(argv: list[str]) -> list[str]:
    """The ``celery worker`` command line for the arguments given to this entry point."""
    rest: list[str] = []
    queues = list(QUEUE_NAMES)
    arguments = iter(argv)
    for argument in arguments:
        if argument in ("-Q", "--queues"):
            queues = parse_names(next(arguments, ""))
        elif argument.startswith("--queues="):
            queues = parse_names(argument.partition("=")[2])
        else:
            rest.append(argument)
    return [
        sys.executable,
        "-m",
        "celery",
        "--app=portal",
        "worker",
        f"--queues={','.join(queues)}",
        *rest,
    ]


def main(argv: list[str] | None = None) -> None:
    try:
        command = celery_command(sys.argv[1:] if argv is None else argv)
    except ValueError as error:
        sys.exit(f"portal.worker: {error}")
    # The worker replaces this process, so signals (warm shutdown) reach it directly. The
    # command is a fixed argument list, run without a shell.
    os.execv(command[0], command)  # noqa: S606


if __name__ == "__main__":
    main()
