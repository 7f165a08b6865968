"""The server's full garbage collection once it is quiet (lib/idle_collect.py, issue 14): closed sessions'
objects, which refer to each other, are freed without a collection after every script run."""

from __future__ import annotations

import gc
import time
import weakref

from lib.idle_collect import IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_collects_only_when_quiet_and_not_too_often():
    clock, done = Clock(), []
    collector = IdleCollector(quiet_s=10, every_s=30, clock=clock, collect=lambda: done.append(clock.now))
    clock.now += 29
    assert not collector.maybe_collect(), "the last collection (the start) was under 30 s ago"
    clock.now += 1
    collector.ran()  # a script run just now
    assert not collector.maybe_collect()
    clock.now += 9.9
    assert not collector.maybe_collect(), "not quiet for 10 s yet"
    clock.now += 0.1
    assert collector.maybe_collect() and done == [1040.0]
    clock.now += 29
    assert not collector.maybe_collect(), "at most one every 30 s"
    clock.now += 1
    assert collector.maybe_collect() and done == [1040.0, 1070.0] and collector.collections == 2


class Session:
    """Objects referring to each other, as a dropped session's do: only a full collection frees them."""

    def __init__(self) -> None:
        self.me = self


def test_its_thread_frees_what_refers_to_itself():
    gc.disable()  # Python's own collections must not be the ones that free it
    try:
        dropped = Session()
        gone = weakref.ref(dropped)
        del dropped
        assert gone() is not None, "a cycle outlives its last outside reference"
        collector = IdleCollector(quiet_s=0, every_s=0)
        thread = collector.start(check_s=0.05)
        try:
            deadline = time.monotonic() + 10
            while gone() is not None and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            collector.stop()
            thread.join(timeout=10)
        assert gone() is None and collector.collections >= 1
    finally:
        gc.enable()
