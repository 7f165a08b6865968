"""Speed at team scale (issue 14): how the Library, the Review page and a finishing poll's save grow with the
data, each against a baseline doing the bare work on the same data, measured in the same run, interleaved:
every round runs each size of a curve, and each size's baseline, once (so load from anything else on the
machine hits them alike, and the growth exponent compares sizes measured in the same seconds). The sizes of
a Library curve live in one registry file, each under a scope of its own (its own connection URL).

Curves (size: what grows), each timed as the server spends it (inside the script run, not the test
harness's parsing of the elements) or, for the save, as the call takes:

  library_people_unchanged  Library rerun, nothing changed since the rerun before; size = people (10 assets
                            each). Baseline: a bare page in the app's frame (page config, state, sidebar,
                            navigation) showing the same frames with st.dataframe and a plain selectbox.
  library_people_write      the same right after a write (the person shown is renamed: the change stamp moves)
  library_rows_unchanged    Library rerun, nothing changed; size = asset rows in the store (10 people, the
                            page shows the newest person's tenth of them). Same kind of baseline.
  library_rows_write        the same right after a write (the person shown is renamed)
  review_rerun              Review page rerun at the end of a review, nothing changed; size = assets (3/4
                            approved). Baseline: the bare page in the app's frame showing the same two frames.
  review_changed            Review rerun right after the ledger changed (its version moved, as a finishing
                            poll moves it); baseline: the bare page building the two frames from the ledger
                            (lib.review.usable_frame / failed_frame) and showing them.
  poll_save                 a finishing poll (lib.flow.poll_reviews with the store) where one review task of
                            20 assets finishes, in a ledger of `size` assets saved before; baseline: writing
                            just those 20 changed attempt rows (one upsert in one write transaction).

For each curve it prints a table (median and p95 of the timed side and of its baseline, rounds), then

  growth <curve>: <exponent>      slope of log(median time) over log(size), least squares over the sizes
  ratio <curve>@<size>: <x>       median time / median baseline time at that size

and the targets of issue 14 (every exponent <= 1.1; the Library <= 2x the bare page at 1,000 people and at
100k rows after a write; a finishing poll's save at 20k assets <= 2x writing just the changed assets).
Exit code: 2 when the app under test raises (an exception element on any run, checked on every run),
1 when a target is missed, 0 otherwise.

    python bench/scale.py [--db sqlite|postgresql] [--quick] [--only library_people,library_rows,review,poll_save]
                          [--budget S] [--on-disk]

--db (default sqlite): where the registry lives. sqlite: a file per curve (and per size of the save's curve).
postgresql: a real PostgreSQL (tests/helpers/postgres.py's running_postgres: initdb and pg_ctl on loopback,
fsync off) started for the run, with a fresh database wherever sqlite makes a file; the pages reach it by
AVATAR_DESK_DB as a postgresql+psycopg:// URL, as a team's servers do. The header line names the database.

The registry files (and the PostgreSQL cluster's folder) are made on tmpfs (/dev/shm) unless --on-disk: a
disk's flush latency, shared with the rest of the machine, decided the small writes' times (the save's
baseline moved 5x between three runs).

--quick runs smaller sizes (people 10/30/100, rows 1k/3k/10k, assets 200/600/2k) with fewer rounds: to check
the bench works, not for figures (the targets' sizes are not reached).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from bench._stats import p95  # noqa: E402
from bench.registry import SANDBOX_URL, fill  # noqa: E402
from bench.review_render import big_ledger, navigation_as_served, share_script_cache  # noqa: E402
from lib import flow, library, review  # noqa: E402
from lib.apimart import SubmittedTask  # noqa: E402
from lib.apimart.models import ReviewResult, Task  # noqa: E402
from lib.connection import SANDBOX_KEY  # noqa: E402
from lib.ledger import FAILED, PENDING, USABLE, AssetLedger  # noqa: E402
from lib.store.database import Database, execute_many, insert_for  # noqa: E402
from lib.store.ledger_rows import attempt_rows  # noqa: E402
from lib.store.tables import assets as assets_table  # noqa: E402
from lib.store.workspace import Store  # noqa: E402
from lib.ui import shell, state  # noqa: E402
from lib.ui.state import WORKFLOW_KEY, Workflow  # noqa: E402

FULL = {"people": (10, 100, 1000), "rows": (1000, 10_000, 100_000), "assets": (200, 2000, 20_000)}
QUICK = {"people": (10, 30, 100), "rows": (1000, 3000, 10_000), "assets": (200, 600, 2000)}
ROWS_PEOPLE = 10  # people the rows curve's assets are spread over
ASSETS_PER_PERSON = 10  # on the people curve
TASK_SIZE = 20  # assets per review task (one request's batch)


class AppRaised(Exception):
    """The app under test showed an exception: the bench stops (exit code 2)."""


# ------------------------------------------------------------------------------------------ timing


SCRIPT_SECONDS: list[float] = []  # filled by the timed entry points during one AppTest.run


def timed(fn: Callable[[], None]) -> Callable[[], None]:
    """`fn`, recording how long each call took (also when it ends in st.stop or st.rerun)."""

    def run() -> None:
        started = time.perf_counter()
        try:
            fn()
        finally:
            SCRIPT_SECONDS.append(time.perf_counter() - started)

    return run


def checked_run(app: AppTest, what: str) -> AppTest:
    """One AppTest.run; any exception the app showed stops the bench (it was not noticed before)."""
    app.run()
    if app.exception:
        messages = "; ".join(str(getattr(e, "message", e)) for e in app.exception)
        raise AppRaised(f"{what}: the app raised: {messages}")
    return app


def script_seconds(app: AppTest, what: str) -> float:
    """The server's time for one rerun: the sum of the timed script runs inside it (a st.rerun makes two)."""
    SCRIPT_SECONDS.clear()
    checked_run(app, what)
    if not SCRIPT_SECONDS:
        raise RuntimeError(f"{what}: the timed entry point did not run")
    return sum(SCRIPT_SECONDS)


def slope(sizes: list[int], seconds: list[float]) -> float:
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


class Rounds:
    """Interleaved rounds: each round runs every size of a curve once (in a rotating order), so that the load
    of anything else on the machine hits every size, and each size's baseline, alike; the growth exponent
    compares sizes measured in the same seconds. Warm-up rounds first (`warmup`: the first runs pay for
    imports, first compiles and caches), then enough rounds to fill `budget` seconds per size, at least
    `least` and at most `most`."""

    def __init__(self, budget: float, least: int, most: int, warmup: int = 4) -> None:
        self.budget, self.least, self.most, self.warmup = budget, least, most, warmup

    def run(self, points: list[Callable[[bool], None]]) -> int:
        def one_round(turn: int, keep: bool) -> None:
            for i in range(len(points)):
                points[(i + turn) % len(points)](keep)

        # What the set-up made (stores, ledgers, open apps of every size) is moved out of the collector's
        # reach: its full collections would otherwise scan a heap no server holds, at random moments.
        gc.collect()
        gc.freeze()
        for turn in range(self.warmup - 1):
            one_round(turn, False)
        started = time.perf_counter()
        one_round(self.warmup, False)
        per_round = time.perf_counter() - started
        budget = self.budget * len(points)
        rounds = max(self.least, min(self.most, int(budget / max(per_round, 1e-6))))
        for turn in range(rounds):
            one_round(turn, True)
        gc.unfreeze()
        return rounds


class Curve:
    def __init__(self, name: str, what: str, unit: str) -> None:
        self.name, self.what, self.unit = name, what, unit
        self.points: dict[int, tuple[list[float], list[float], int]] = {}

    def add(self, size: int, timed_side: list[float], baseline: list[float], rounds: int) -> None:
        self.points[size] = (list(timed_side), list(baseline), rounds)

    def medians(self) -> tuple[list[int], list[float], list[float]]:
        sizes = sorted(self.points)
        return (
            sizes,
            [statistics.median(self.points[s][0]) for s in sizes],
            [statistics.median(self.points[s][1]) for s in sizes],
        )

    def ratio(self, size: int) -> float:
        t, b, _ = self.points[size]
        return statistics.median(t) / statistics.median(b)

    def report(self) -> None:
        print(f"\ncurve {self.name}: {self.what}")
        print(f"  {self.unit:>8} | median ms    p95 ms | baseline median ms    p95 ms | ratio | rounds")
        for size in sorted(self.points):
            t, b, rounds = self.points[size]
            print(
                f"  {size:>8,} | {statistics.median(t) * 1000:9.1f} {p95(t) * 1000:9.1f} | "
                f"{statistics.median(b) * 1000:18.1f} {p95(b) * 1000:9.1f} | {self.ratio(size):5.2f} | {rounds:6}"
            )
        sizes, medians, bases = self.medians()
        if len(sizes) >= 2:
            top = math.log(medians[-1] / medians[-2]) / math.log(sizes[-1] / sizes[-2])
            print(
                f"  (last step {sizes[-2]:,}->{sizes[-1]:,}: exponent {top:.2f}; "
                f"the baseline's own growth: {slope(sizes, bases):.2f})"
            )
            print(f"growth {self.name}: {slope(sizes, medians):.2f}")
        for size in sizes:
            print(f"ratio {self.name}@{size}: {self.ratio(size):.2f}")


# ------------------------------------------------------------------------------------------ the apps


def bare_script() -> None:
    """The baseline's script (AppTest.from_function): its body is kept in the session, as a callable."""
    import streamlit as st

    st.session_state["bench__body"]()


def bare_body() -> None:
    """A bare page inside the app's frame (page config, state, sidebar and the navigation of all pages, which
    every page pays for), showing what st.session_state["bench__show"] lists: ("table", frame),
    ("tables_of", build) (frames built on each run), ("pick", options), ("search", label)."""
    import streamlit as st

    from lib.ui.components import sidebar

    def bare() -> None:
        for kind, value in st.session_state["bench__show"]:
            if kind == "table":
                st.dataframe(value, hide_index=True)
            elif kind == "tables_of":
                for frame in value():
                    st.dataframe(frame, hide_index=True)
            elif kind == "pick":
                st.selectbox("Person", value, key="bench__pick")
            elif kind == "search":
                st.text_input(value, key="bench__search")

    st.set_page_config(page_title="Avatar Desk", layout="wide")
    state.init_state()
    pages = [st.Page(bare, title="Bare", url_path="bare", default=True)]
    pages += [
        st.Page(shell.ROOT / path, title=title, icon=icon, url_path=url)
        for path, title, icon, url in shell.PAGES
    ]
    navigation = st.navigation(pages)
    sidebar.sidebar_connection()
    navigation.run()


def bare_app(show: list) -> AppTest:
    app = AppTest.from_function(bare_script, default_timeout=120)
    app.session_state["bench__body"] = timed(bare_body)
    app.session_state["bench__show"] = show
    checked_run(app, "bare page, first run")
    return app


def real_app(page: str, workflow: Workflow | None = None) -> AppTest:
    """app.py itself (its entry run_dashboard is timed: see main), switched to `page`."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if workflow is not None:
        app.session_state[WORKFLOW_KEY] = workflow
    checked_run(app, "app.py, first run")
    app.switch_page(page)
    checked_run(app, f"{page}, first run")
    return app


class Registries:
    """Where the run's registries are made: SQLite files in `folder`, or fresh databases on a PostgreSQL
    server (`server`, a tests.helpers.postgres.PostgresServer) started for the run."""

    def __init__(self, folder: Path, server=None) -> None:
        self.folder, self.server = folder, server

    @property
    def label(self) -> str:
        if self.server is None:
            return "sqlite"
        with self.server.connect() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        return f"postgresql {version.split()[0]} on 127.0.0.1:{self.server.port}"

    def new(self, name: str) -> str:
        """A new, empty registry for `name`: a file path, or a PostgreSQL database's URL."""
        if self.server is None:
            return str(self.folder / f"{name}.db")
        return self.server.new_database(prefix=name.replace("-", "_"))


def fresh_database(registries: Registries, name: str) -> Database:
    """A new registry for one curve; the app's cached Database is dropped so that its pages read it."""
    os.environ["AVATAR_DESK_DB"] = registries.new(name)
    state.database.clear()
    return Database(os.environ["AVATAR_DESK_DB"])


def scope_url(size: int) -> str:
    """Each size of a curve lives in one registry file under a scope of its own (the connection's base URL
    differs; nothing is called there): the pages of every size stay open side by side."""
    return f"{SANDBOX_URL}/size-{size}"


class AsSize:
    """Runs an app as the connection of one size: AVATAR_DESK_SANDBOX_URL is read on each run."""

    def __init__(self, app: AppTest, size: int) -> None:
        self.app, self.url = app, scope_url(size)

    def seconds(self, what: str) -> float:
        os.environ["AVATAR_DESK_SANDBOX_URL"] = self.url
        return script_seconds(self.app, what)


def fill_scope(db: Database, size: int, n_assets: int, people: int) -> Store:
    """bench/registry.py's fill (people with their reviewed assets), into the scope of `size`."""
    import bench.registry as registry

    registry.SANDBOX_URL = scope_url(size)  # read by fill when it makes its Store
    try:
        store, _ = fill(db, n_assets, people=people)
    finally:
        registry.SANDBOX_URL = SANDBOX_URL
    return store


# ------------------------------------------------------------------------------------------ Library


def library_point(store: Store, size: int, shown_group: str, expect_rows: int, times: dict):
    """A Library page and its bare page for one size, and one round of theirs: after a write, then unchanged."""
    os.environ["AVATAR_DESK_SANDBOX_URL"] = scope_url(size)
    page = real_app("pages/library.py")
    frames = {
        "people": library.people_frame(store),
        "assets": library.assets_frame(store, shown_group),
        "videos": library.videos_frame(store, shown_group),
    }
    bare = bare_app(
        [
            ("search", "Search people by name"),
            ("table", frames["people"]),
            ("pick", frames["people"]["group_id"].tolist()),
            ("table", frames["assets"]),
            ("table", frames["videos"]),
        ]
    )
    page_at, bare_at = AsSize(page, size), AsSize(bare, size)
    writes = iter(range(10**9))
    for k in ("page_write", "bare_write", "page_same", "bare_same"):
        times.setdefault(k, [])

    def one_round(keep: bool) -> None:
        store.people.rename(shown_group, f"Shown person ({next(writes)})")  # the change stamp moves
        got = {
            "page_write": page_at.seconds(f"Library after a write ({size})"),
            "bare_write": bare_at.seconds(f"bare Library page after a write ({size})"),
            "page_same": page_at.seconds(f"Library, nothing changed ({size})"),
            "bare_same": bare_at.seconds(f"bare Library page, nothing changed ({size})"),
        }
        if keep:
            for k, v in got.items():
                times[k].append(v)
        if not keep:  # in the warm-up rounds: the page read its own size's scope (each size's is its own)
            shown = [len(d.value) for d in page.dataframe]
            assert expect_rows in shown, (
                f"the Library shows the person's {expect_rows} assets (tables: {shown})"
            )

    return one_round


def library_curve(kind: str, sizes, registries: Registries, rounds: Rounds) -> list[Curve]:
    """kind "people" (size = people, 10 assets each) or "rows" (size = asset rows over 10 people)."""
    db = fresh_database(registries, f"library-{kind}")
    points, times = [], {}
    for size in sizes:
        people, n_assets = (size, size * ASSETS_PER_PERSON) if kind == "people" else (ROWS_PEOPLE, size)
        started = time.perf_counter()
        store = fill_scope(db, size, n_assets, people)
        print(f"  filled {people:,} people with {n_assets:,} assets in {time.perf_counter() - started:.1f} s")
        shown = f"group-20261124120000-p{people - 1:04d}"  # the newest: the Library shows them first
        times[size] = {}
        points.append(library_point(store, size, shown, n_assets // people, times[size]))
    n = rounds.run(points)
    if kind == "people":
        same = Curve(
            "library_people_unchanged", "Library rerun, nothing changed, by people (10 assets each)", "people"
        )
        write = Curve("library_people_write", "Library rerun right after a write, by people", "people")
    else:
        label = f"by asset rows ({ROWS_PEOPLE} people; the page shows one person's tenth)"
        same = Curve("library_rows_unchanged", f"Library rerun, nothing changed, {label}", "rows")
        write = Curve("library_rows_write", f"Library rerun right after a write, {label}", "rows")
    for size in sizes:
        t = times[size]
        same.add(size, t["page_same"], t["bare_same"], n)
        write.add(size, t["page_write"], t["bare_write"], n)
    os.environ["AVATAR_DESK_SANDBOX_URL"] = SANDBOX_URL
    db.close()
    return [same, write]


# ------------------------------------------------------------------------------------------ Review


def review_point(size: int, times: dict):
    usable = size * 3 // 4
    ledger = big_ledger(usable, size - usable)
    workflow = Workflow(
        group_id=ledger.group_id, group_label="Bench", ledger=ledger, review_started_at=time.time()
    )
    page = real_app("pages/review.py", workflow)
    frames = (review.usable_frame(ledger), review.failed_frame(ledger))
    bare_same = bare_app([("table", frames[0]), ("table", frames[1])])
    bare_built = bare_app([("tables_of", lambda: (review.usable_frame(ledger), review.failed_frame(ledger)))])
    shown = [len(d.value) for d in page.dataframe]
    assert usable in shown, f"the Review page shows the {usable} approved assets (tables: {shown})"
    for k in ("page_same", "bare_same", "page_changed", "bare_changed"):
        times[k] = []

    def one_round(keep: bool) -> None:
        ledger.version += 1  # as a finishing poll moves it: the page's cached frames are stale
        got = {
            "page_changed": script_seconds(page, f"Review after a change ({size})"),
            "bare_changed": script_seconds(bare_built, f"bare Review page building its frames ({size})"),
            "page_same": script_seconds(page, f"Review, nothing changed ({size})"),
            "bare_same": script_seconds(bare_same, f"bare Review page ({size})"),
        }
        if keep:
            for k, v in got.items():
                times[k].append(v)

    return one_round


def review_curves(sizes, registries: Registries, rounds: Rounds) -> list[Curve]:
    fresh_database(registries, "review").close()  # the page may read the store (unsettled sends)
    times = {size: {} for size in sizes}
    n = rounds.run([review_point(size, times[size]) for size in sizes])
    same = Curve("review_rerun", "Review rerun at the end of a review, nothing changed, by assets", "assets")
    changed = Curve("review_changed", "Review rerun right after the ledger changed, by assets", "assets")
    for size in sizes:
        t = times[size]
        same.add(size, t["page_same"], t["bare_same"], n)
        changed.add(size, t["page_changed"], t["bare_changed"], n)
    return [same, changed]


# ------------------------------------------------------------------------------------------ a finishing poll


class FinishingClient:
    """Answers get_review like APIMart: the task asked to finish is final with every asset approved (or, the
    next time, every asset refused: each finish changes the rows), the others still processing. Answers
    are parsed by the client's own models (lib.apimart.models), built before the timing."""

    def __init__(self) -> None:
        self.finals: dict[str, ReviewResult] = {}
        self.processing: dict[str, ReviewResult] = {}

    def prepare(self, ledger: AssetLedger, task_id: str, approve: bool) -> None:
        items = []
        for key in ledger.tasks[task_id].asset_keys:
            attempt = ledger.assets[key].current
            item = {"name": attempt.name or ledger.assets[key].name, "url": attempt.url}
            if approve:
                item.update(
                    status="Active", asset_id=f"asset-{key}", asset_url=f"asset://asset-bench-{key:06d}"
                )
            else:
                item.update(status="Failed", error_code="FaceMismatch", error_message="another person")
            items.append(item)
        key = "usable_assets" if approve else "failed_assets"
        self.finals[task_id] = ReviewResult.from_task(
            Task.from_data({"id": task_id, "status": "completed", "progress": 100, "result": {key: items}})
        )

    def get_review(self, task_id: str) -> ReviewResult:
        found = self.finals.pop(task_id, None) or self.processing.get(task_id)
        if found is None:
            found = self.processing[task_id] = ReviewResult.from_task(
                Task.from_data({"id": task_id, "status": "processing", "progress": 50, "result": {}})
            )
        return found


def poll_ledger(size: int, open_tasks: int) -> AssetLedger:
    """`size` assets in tasks of 20: all reviewed (3/4 approved) but the last `open_tasks`, still pending."""
    ledger = AssetLedger("group-20261124120000-poll", "Video")
    rows = [(f"clip-{i:06d}", f"https://cdn.example.com/poll/{i:06d}.mp4") for i in range(size)]
    tasks = [SubmittedTask(f"task_{i:026d}", "processing", {}) for i in range(-(-size // TASK_SIZE))]
    ledger.add_submission(rows, tasks)
    for task in list(ledger.tasks.values())[:-open_tasks]:
        task.final, task.status, task.progress = True, "completed", 100
        for key in task.asset_keys:
            attempt = ledger.assets[key].current
            if key % 4:
                attempt.status, attempt.asset_url = USABLE, f"asset://asset-bench-{key:06d}"
            else:
                attempt.status, attempt.error_code = FAILED, "FaceMismatch"
    return ledger


def reopen(ledger: AssetLedger, task_id: str) -> None:
    """The task back to pending in memory only (the store keeps its result), to be finished again."""
    task = ledger.tasks[task_id]
    task.final, task.status, task.progress = False, "processing", 0
    for key in task.asset_keys:
        attempt = ledger.assets[key].current
        attempt.status = PENDING
        attempt.asset_id = attempt.asset_url = attempt.error_code = attempt.error_message = None


def bare_write(db: Database, rows: list[dict]) -> None:
    """Just the changed attempt rows: one upsert, in one write transaction (it moves the change stamp too)."""
    keys = ("scope", "group_id", "asset_key", "attempt")
    with db.write() as conn:
        stmt = insert_for(conn, assets_table)
        upsert = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in rows[0] if c not in keys}
        )
        execute_many(conn, upsert, rows, name="bench.bare_write")


def poll_point(registries: Registries, size: int, times: dict):
    db = Database(registries.new(f"poll-{size}"))
    store = Store.for_connection(db, "sandbox", SANDBOX_URL, SANDBOX_KEY)
    open_tasks = min(10, size // TASK_SIZE - 1)
    ledger = poll_ledger(size, open_tasks)
    store.people.save(ledger.group_id, "Bench")
    store.assets.save_ledger(ledger)  # the review as saved before this poll
    client = FinishingClient()
    cycle = iter(range(10**9))
    times["poll"], times["bare"] = [], []

    def one_round(keep: bool) -> None:
        turn = next(cycle)
        pending = ledger.pending_task_ids()
        task_id = pending[turn % len(pending)]
        client.prepare(ledger, task_id, approve=(turn // open_tasks) % 2 == 0)
        started = time.perf_counter()
        errors = flow.poll_reviews(client, ledger, store=store)
        polled = time.perf_counter() - started
        assert not errors, errors
        assert ledger.tasks[task_id].final, "the poll finished the task"
        keys = set(ledger.tasks[task_id].asset_keys)
        changed = [
            r for r in attempt_rows(store.assets.scope_id, ledger, db.clock()) if r["asset_key"] in keys
        ]
        started = time.perf_counter()
        bare_write(db, changed)
        bared = time.perf_counter() - started
        reopen(ledger, task_id)
        if keep:
            times["poll"].append(polled)
            times["bare"].append(bared)

    return one_round, db


def poll_save_curve(sizes, registries: Registries, rounds: Rounds) -> Curve:
    curve = Curve(
        "poll_save",
        "a poll that finishes one task of 20 assets, with its save, by assets in the review",
        "assets",
    )
    times = {size: {} for size in sizes}
    made = [poll_point(registries, size, times[size]) for size in sizes]
    n = rounds.run([one_round for one_round, _ in made])
    for size in sizes:
        curve.add(size, times[size]["poll"], times[size]["bare"], n)
    for _, db in made:
        db.close()
    return curve


# ------------------------------------------------------------------------------------------ main


def check_targets(curves: dict[str, Curve], quick: bool) -> list[str]:
    missed = []
    for curve in curves.values():
        sizes, medians, _ = curve.medians()
        if len(sizes) >= 2 and slope(sizes, medians) > 1.1:
            missed.append(f"growth {curve.name} {slope(sizes, medians):.2f} > 1.1")
    wanted = [
        ("library_people_unchanged", 1000),
        ("library_people_write", 1000),
        ("library_rows_write", 100_000),
        ("poll_save", 20_000),
    ]
    for name, size in wanted:
        curve = curves.get(name)
        if curve is None:
            continue
        at = size if size in curve.points else max(curve.points)  # --quick: its largest size
        if curve.ratio(at) > 2:
            missed.append(f"ratio {name}@{at} {curve.ratio(at):.2f} > 2")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql"), default="sqlite", help="where the registry lives (default sqlite)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and few rounds: to check it runs")
    parser.add_argument("--only", default="library_people,library_rows,review,poll_save")
    parser.add_argument(
        "--on-disk", action="store_true", help="registry files in the temporary folder, not /dev/shm"
    )
    parser.add_argument("--budget", type=float, help="seconds of timed rounds per size (default 12; quick 1)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    rounds = Rounds(
        args.budget or (1.0 if args.quick else 12.0), 5 if args.quick else 20, 10 if args.quick else 80
    )
    only = set(args.only.split(","))

    share_script_cache()  # as the server does: pages compile once
    navigation_as_served()  # app.py's st.navigation runs every page, inside the app's frame
    shell.run_dashboard = timed(
        shell.run_dashboard
    )  # app.py imports it on each run: the page's rerun is timed
    # The registry files on tmpfs when there is one: a disk's flush latency, shared with everything else on
    # the machine, would decide the small writes' times (the baseline of a save is one flush of 20 rows);
    # on a real disk each write transaction, on both sides, adds one flush.
    shm = Path("/dev/shm")
    on_tmpfs = not args.on_disk and shm.is_dir() and os.access(shm, os.W_OK)
    where = str(shm) if on_tmpfs else None
    folder = Path(tempfile.mkdtemp(prefix="avatar-desk-scale-", dir=where))
    os.environ["AVATAR_DESK_SANDBOX_URL"] = SANDBOX_URL  # nothing is called: an address nobody serves
    os.environ.pop("APIMART_API_KEY", None)

    started = time.perf_counter()
    found: list[Curve] = []
    with contextlib.ExitStack() as stack:
        server = None
        if args.db == "postgresql":
            from tests.helpers.postgres import running_postgres

            # The cluster's folder (data and WAL) where the SQLite files would be: tmpfs unless --on-disk.
            before, tempfile.tempdir = tempfile.tempdir, where
            try:
                server = stack.enter_context(running_postgres())
            finally:
                tempfile.tempdir = before
        registries = Registries(folder, server)
        load = os.getloadavg()
        print(
            f"bench/scale.py --db {registries.label}{' --quick' if args.quick else ''}: {os.cpu_count()} cores, "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start"
        )
        print(
            f"registry files in {folder}"
            if server is None
            else f"a fresh database per curve (and per size of poll_save); cluster in {server.folder}"
        )
        try:
            if "library_people" in only:
                found += library_curve("people", sizes["people"], registries, rounds)
            if "library_rows" in only:
                found += library_curve("rows", sizes["rows"], registries, rounds)
            if "review" in only:
                found += review_curves(sizes["assets"], registries, rounds)
            if "poll_save" in only:
                found.append(poll_save_curve(sizes["assets"], registries, rounds))
        except AppRaised as error:
            print(f"\nFAILED: {error}", file=sys.stderr)
            return 2
        finally:
            state.database.clear()
            shutil.rmtree(folder, ignore_errors=True)  # tmpfs holds it in memory
    curves = {c.name: c for c in found if c.points}
    for curve in curves.values():
        curve.report()
    load = os.getloadavg()
    print(
        f"\n--db {args.db}: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    missed = check_targets(curves, args.quick)
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
