"""pyHanko's synchronous calls wrap its coroutines in ``asyncio.run``, which refuses to run in a
thread that already runs an event loop (an async caller, a test driving a browser). Such a call
goes to a short-lived thread of its own; everywhere else it runs where it is."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def outside_event_loop(function: Callable[..., T], *args, **kwargs) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(function, *args, **kwargs).result()
