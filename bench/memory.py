"""Memory at team scale (issue 14): 20 sessions on the Review page of one person whose finished review has
20,000 assets, on the real server (`streamlit run app.py`, sandbox mode, a registry of its own on tmpfs), each
session a tab of one headless Chromium (Playwright). The server's RSS (/proc/<pid>/status VmRSS) is read

  before        a warm server: one session opened the Review page and closed, and was dropped
  with 20       the 20 tabs show both tables ("Approved (15,000)" and "Not approved (5,000)"), idle
  after         2 minutes after the 20 tabs closed

Streamlit keeps a closed tab's session for server.disconnectedSessionTTL seconds (default 120) in a cache
that drops expired sessions only on its next write (the next session to disconnect): the bench sets the TTL
to 45 s (STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL) and, before each reading but "with 20", opens and closes a
bare websocket session (no script run), as the next visitor would, so that expired sessions are dropped; the
app's idle collector (lib.idle_collect: a full collection once no script has run for 10 s, every 30 s at
most) then frees them. "before" is read after the warm-up session was dropped and collected.

It runs twice, each on a server of its own: with AVATAR_DESK_SHARE_REVIEWS=0 (each session loads its own
ledger and builds its own tables: the behaviour before issue 14's sharing) and with sharing (the default:
lib.ledger_shelf), and prints for each

  rss before: X MB
  rss with 20 sessions: Y MB (per session Z MB)
  rss 2 min after close: W MB (+P% vs before)

Targets: with sharing, RSS 2 min after close within 10% of before. Exit code: 2 when the app raises (an
exception element in a tab, or a traceback in the server's log), 1 when a target is missed, else 0.

    python bench/memory.py [--sessions 20] [--assets 20000] [--only shared|own] [--after 120]

Measured 2026-12-01 (2 cores shared with other work, load 5.3 at start, 3.5 at the end):
  own copies  rss before 262.2 MB, with 20 sessions 862.5 MB (per session 30.01 MB), 2 min after close
              629.8 MB (+140.2%)
  shared      rss before 264.0 MB, with 20 sessions 278.2 MB (per session 0.71 MB), 2 min after close
              265.0 MB (+0.4%)
Streamlit's runtime loop keeps the last session that sent a message referenced (a loop variable), so one
closed session stays until another one is active: with shared reviews it holds almost nothing of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from lib.apimart import SubmittedTask  # noqa: E402
from lib.connection import SANDBOX, SANDBOX_KEY  # noqa: E402
from lib.ledger import FAILED, USABLE, AssetLedger  # noqa: E402
from lib.server import SANDBOX_PREFIX  # noqa: E402
from lib.store.database import Database  # noqa: E402
from lib.store.workspace import Store  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.helpers.serving import free_port, streamlit_server  # noqa: E402

GROUP = "group-20261201120000-memory"
from lib.idle_collect import CHECK_S, EVERY_S  # noqa: E402

TTL_S = 45


class AppRaised(Exception):
    pass


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def settled_rss(pid: int, seconds: float = 4.0) -> float:
    """The median of readings over a few seconds."""
    readings = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        readings.append(rss_mb(pid))
        time.sleep(0.5)
    return statistics.median(readings)


def seed(db_path: Path, port: int, n_assets: int) -> tuple[int, int]:
    """One person with a finished review of `n_assets` clips (3/4 approved) in the scope the server's sandbox
    connection reads (its base URL names the port), remembered as the person last worked on."""
    db = Database(str(db_path))
    store = Store.for_connection(db, SANDBOX, f"http://127.0.0.1:{port}{SANDBOX_PREFIX}", SANDBOX_KEY)
    store.people.save(GROUP, "Memory bench person")
    ledger = AssetLedger(GROUP, "Video")
    rows = [(f"clip-{i:05d}", f"https://cdn.example.com/memory/{i:05d}.mp4") for i in range(n_assets)]
    tasks = [SubmittedTask(f"task_{i:026d}", "processing", {}) for i in range(-(-n_assets // 20))]
    ledger.add_submission(rows, tasks)
    for task in ledger.tasks.values():
        task.final, task.status, task.progress = True, "completed", 100
    approved = 0
    for key, asset in ledger.assets.items():
        attempt = asset.current
        if key % 4:
            attempt.status, attempt.asset_id = USABLE, f"asset-{key:05d}"
            attempt.asset_url = f"asset://asset-20261201120000-{key:05d}"
            approved += 1
        else:
            attempt.status, attempt.error_code = FAILED, "FaceMismatch"
            attempt.error_message = "The face does not match the verified person"
    store.assets.save_ledger(ledger)
    store.people.remember_last(GROUP)
    db.close()
    return approved, n_assets - approved


def reap(base: str) -> None:
    """A bare websocket session, opened and closed (no script runs): its disconnect is the write that makes
    Streamlit's session cache drop the sessions whose TTL has passed."""
    from websockets.sync.client import connect

    with connect(base.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"]) as ws:
        time.sleep(0.5)
        ws.close()
    time.sleep(1.0)


def open_review(context, base: str, approved: int, failed: int, timeout_ms: int):
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.goto(f"{base}/review")
    for heading in (f"Approved ({approved})", f"Not approved ({failed})"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=timeout_ms)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(
        1, timeout=timeout_ms
    )
    return page


def raised_on(page) -> str:
    errors = page.get_by_test_id("stException")
    return "; ".join(errors.nth(i).inner_text()[:300] for i in range(errors.count()))


def one_server(share: bool, sessions: int, n_assets: int, after_s: float, folder: Path) -> dict:
    port = free_port()
    db_path = folder / f"memory-{'shared' if share else 'own'}.db"
    started = time.perf_counter()
    approved, failed = seed(db_path, port, n_assets)
    print(f"  seeded {n_assets:,} assets in {time.perf_counter() - started:.1f} s", flush=True)
    env = {
        "AVATAR_DESK_DB": str(db_path),
        "AVATAR_DESK_SHARE_REVIEWS": "1" if share else "0",
        "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(TTL_S),
    }
    suffix = f"-memory-{'shared' if share else 'own'}"
    with streamlit_server(env, port, log_suffix=suffix) as server:
        log_path = ROOT / "test-output" / f"streamlit-{port}{suffix}.log"
        timeout_ms = 240_000
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                # Warm-up: imports, the page's first run, the sandbox; then that session is dropped.
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = open_review(context, server.base, approved, failed, timeout_ms)
                if error := raised_on(page):
                    raise AppRaised(f"warm-up: {error}")
                context.close()
                time.sleep(TTL_S + 3)
                reap(server.base)
                time.sleep(EVERY_S + CHECK_S + 2)  # the app's next full collection (lib.idle_collect)
                before = settled_rss(server.pid)
                print(f"  rss before: {before:.1f} MB", flush=True)

                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                pages = []
                opening = time.perf_counter()
                for n in range(sessions):
                    pages.append(open_review(context, server.base, approved, failed, timeout_ms))
                    print(f"    session {n + 1:2}: rss {rss_mb(server.pid):.1f} MB", flush=True)
                for n, page in enumerate(pages):
                    if error := raised_on(page):
                        raise AppRaised(f"session {n + 1}: {error}")
                opened_s = time.perf_counter() - opening
                with_sessions = settled_rss(server.pid)
                for page in pages:
                    page.close()
                context.close()
                closed = time.monotonic()
            finally:
                browser.close()
        time.sleep(max(0.0, closed + TTL_S + 3 - time.monotonic()))
        reap(server.base)
        time.sleep(max(0.0, closed + after_s - 4 - time.monotonic()))
        after = settled_rss(server.pid)
        after_at = time.monotonic() - closed
        server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if "Traceback" in server_log:
        tail = server_log[server_log.index("Traceback") :][:1500]
        raise AppRaised(f"the server's log ({log_path}) has a traceback:\n{tail}")
    return {
        "before": before,
        "with": with_sessions,
        "after": after,
        "after_at": after_at,
        "opened_s": opened_s,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--only", choices=("shared", "own"), default=None)
    parser.add_argument("--after", type=float, default=120.0, help="seconds after the tabs close")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"bench/memory.py: {args.sessions} sessions on a review of {args.assets:,} assets; "
        f"{os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start"
    )
    expect.set_options(timeout=240_000)
    folder = Path(
        tempfile.mkdtemp(prefix="avatar-desk-memory-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
    )
    modes = [m for m in (("own", False), ("shared", True)) if args.only in (None, m[0])]
    results = {}
    try:
        for name, share in modes:
            label = (
                "each session its own copy (AVATAR_DESK_SHARE_REVIEWS=0)" if not share else "shared (default)"
            )
            print(f"\n{label}:", flush=True)
            try:
                got = results[name] = one_server(share, args.sessions, args.assets, args.after, folder)
            except AppRaised as error:
                print(f"FAILED: the app raised: {error}", file=sys.stderr)
                return 2
            per = (got["with"] - got["before"]) / args.sessions
            growth = 100 * (got["after"] - got["before"]) / got["before"]
            print(f"rss before: {got['before']:.1f} MB")
            print(
                f"rss with {args.sessions} sessions: {got['with']:.1f} MB (per session {per:.2f} MB; "
                f"opened in {got['opened_s']:.0f} s)"
            )
            print(
                f"rss 2 min after close: {got['after']:.1f} MB ({growth:+.1f}% vs before; at {got['after_at']:.0f} s)"
            )
            got["per"], got["growth"] = per, growth
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()
    print(f"\nload {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    missed = []
    if "own" in results and "shared" in results:
        own, shared = results["own"]["per"], results["shared"]["per"]
        print(f"per session: {own:.2f} MB with its own copy -> {shared:.2f} MB shared")
    if "shared" in results:
        growth = results["shared"]["growth"]
        if growth > 10:
            missed.append(f"rss 2 min after close {growth:+.1f}% > +10% vs before")
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
