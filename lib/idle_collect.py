"""A full garbage collection once the server has gone quiet, then the freed heap handed back to the system
(issue 14: memory goes back when sessions close).

Streamlit keeps a closed tab's session for server.disconnectedSessionTTL seconds, then drops it without
shutting it down; a session's objects refer to each other, so only a full collection frees them. The app
turns off the collection after every script run (.streamlit/config.toml, runner.postScriptGC = false: it
cost every fragment tick 40-70 ms), and Python's own full collections come rarely on a large heap. Even
freed, the memory stayed in the process (glibc keeps a freed heap for reuse): `collect_and_trim` asks it back
(malloc_trim). Measured with bench/memory.py: 3 closed sessions of ~38 MB each, the server's RSS fell 4 MB
without the trim, 40 MB with it.

`IdleCollector` decides when: no script has run for `quiet_s` seconds, and the last collection was at least
`every_s` ago; a thread (lib.ui.state) asks it every few seconds. A quiet server pays one full collection
every 30 s (tens of milliseconds), a busy one none until it quiets down. Pure: no Streamlit."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from collections.abc import Callable

QUIET_S = 10.0
EVERY_S = 30.0
CHECK_S = 5.0


def collect_and_trim() -> None:
    """A full collection, then the C allocator gives the freed heap back to the system (glibc's malloc_trim:
    without it, freed memory stays in the process, ready for reuse but counted in its RSS)."""
    gc.collect()
    if _trim is not None:
        _trim(0)


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: freed memory goes back as the allocator decides
        return None


_trim = _malloc_trim()


class IdleCollector:
    def __init__(
        self,
        quiet_s: float = QUIET_S,
        every_s: float = EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = collect_and_trim,
    ) -> None:
        self.quiet_s, self.every_s, self._clock, self._collect = quiet_s, every_s, clock, collect
        self.last_run = self.last_collect = clock()
        self.collections = 0
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def ran(self) -> None:
        """A script run started (called on each run: cheap)."""
        self.last_run = self._clock()

    def due(self) -> bool:
        now = self._clock()
        return now - self.last_run >= self.quiet_s and now - self.last_collect >= self.every_s

    def maybe_collect(self) -> bool:
        """Collect when due; whether it did."""
        if not self.due():
            return False
        self._collect()
        self.last_collect = self._clock()
        self.collections += 1
        return True

    def start(self, check_s: float = CHECK_S) -> threading.Thread:
        """A daemon thread asking every `check_s` seconds, until `stop` (the server's: for its life)."""

        def loop() -> None:
            while not self._stopped.wait(check_s):
                self.maybe_collect()

        thread = threading.Thread(target=loop, name="avatar-desk-idle-collect", daemon=True)
        thread.start()
        return thread
