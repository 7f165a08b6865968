"""A team's load (issue 15): 20 operator sessions spread over 2 app servers on one PostgreSQL, against the same
20 sessions on one server with its SQLite file, measured in the same run, in interleaved rounds; and a control:
the 20 sessions on 2 servers sharing one SQLite file, to tell what PostgreSQL costs from what two processes on
one machine cost.

Every session sits on the Review page of a running review of 200 clips (10 review tasks of 20) of a person of
its own, made through the library against one shared sandbox process (`python -m lib.sandbox`, reviews of
REVIEW_S seconds), so the page polls APIMart when a read is due (lib.ui.review_poll) and saves the results
to the database when a task ends. When a session's review has ended, it moves on to a new person with a new
review of 200 (not timed), so the sessions keep polling and saving. All sessions share the sandbox's one key:
one scope, as a team with one key.

  SQLite        one server, 20 sessions, AVATAR_DESK_DB a SQLite file (on /dev/shm, as bench/scale.py: a
                disk's flush latency shared with the machine would decide the writes)
  control       two servers, 10 sessions each, on one SQLite file (--no-control leaves it out)
  PostgreSQL    two servers, 10 sessions each, AVATAR_DESK_DB one database of a PostgreSQL 15
                (tests/helpers/postgres.py: a throwaway cluster on loopback, fsync off, so neither side waits
                on a disk), pools as AVATAR_DESK_DB_POOL_SIZE / _MAX_OVERFLOW say (default 5 / 5)

Servers (the default): real `streamlit run app.py` processes, each session one of the server's own sessions,
driven over HTTP through Streamlit's agent API (bench/_agent.py; switched on for the bench's servers only),
on loopback with no passphrase set, so without sign-in. A session opens its person from the Library ("Use
this person") and goes to Review, as an operator does. A
round: each session of one side reruns once (an interact with no change: the server reruns its script, with
the Review page's due poll and save), each at a moment of its own within the first half of PACE_S, so the
reruns overlap on the servers as ticking pages do; then the next side. A rerun's time is the client's: from
the request to the finished page (the agent API's JSON of the page included, alike on every side). The
database connections held: pg_stat_activity's client connections to the bench's database (the bench's own,
which sets up reviews, left out by its application_name) and, for SQLite, the descriptors of the file the
servers hold open (one per connection), sampled every 0.1 s during the side's rounds, and after each.

--apptest: each server is a Python process running its sessions in Streamlit's AppTest (app.py in the frame
the server gives it: bench.review_render's navigation_as_served and shared script cache), one rerun at a time,
timed inside the script run (lib.ui.shell.run_dashboard); the PostgreSQL and control servers' rounds run side
by side; connections: pg_stat_activity and each server's pool (open, and the peak checked out during a round,
the reviews it starts included).

It prints the median and p95 rerun time of each side, the connections held, and

  ratio team_rerun@20: <x>             PostgreSQL's median rerun (2 servers) / SQLite's (1 server)
  ratio team_rerun_p95@20: <x>         the same for p95
  ratio team_rerun_control@20: <x>     the control's (SQLite, 2 servers) / SQLite's (1 server); and p95

Exit code: 2 when the app under test raises (an exception on a page, checked on every rerun, or a traceback in
a server's log) or a server fails; 0 otherwise (no target: the issue asks for the figures).

    python bench/team.py [--quick] [--apptest] [--rounds N] [--sessions 20] [--assets 200] [--sqlite-only]
                         [--no-control] [--seed 15] [--review-seconds 60]

--quick: 4 sessions, 40 assets, reviews of 5 s, 6 rounds 0.5 s apart: to check the bench works, not for
figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._agent import AppRaised, metric, texts  # noqa: E402
from bench._stats import p95  # noqa: E402

REVIEW_S = 60.0  # the sandbox's review length: a session's review ends, and is saved, about once a minute
PACE_S = 1.0  # a round starts every PACE_S: each session reruns about once a second, as a page that ticks
WARMUP_ROUNDS = 3


# ------------------------------------------------------------------------------------------ a review


def make_review(db, sandbox_url: str, label: str, assets: int):
    """A new person verified through the sandbox (its control plane approves), named `label`, and a review of
    `assets` clips sent for them, written ahead and saved in `db` as the app does (lib.flow with the store of
    the sandbox's connection, the scope every session of the bench has). Returns (group id, ledger)."""
    import requests

    from lib import flow
    from lib.apimart import ApimartClient
    from lib.assets import AssetRow, check_rows
    from lib.connection import SANDBOX_KEY
    from lib.ledger import AssetLedger
    from lib.store.workspace import Store

    client = ApimartClient(SANDBOX_KEY, sandbox_url)
    store = Store.for_connection(db, "sandbox", sandbox_url, SANDBOX_KEY)
    try:
        attempt = flow.start_session(client, "http://127.0.0.1:9/callback", "en", store=store)
        requests.post(
            f"{sandbox_url}/_sandbox/h5/{attempt.byted_token}/approve", timeout=10
        ).raise_for_status()
        attempt.confirm_by_operator()
        group_id = flow.finish_verification(client, attempt, label=label, store=store)
        store.people.remember_last(group_id)
        ledger = AssetLedger(group_id, "Video")
        slug = label.replace(" ", "-")
        rows = [AssetRow(f"https://cdn.example.com/team/{slug}-{i:04d}.mp4") for i in range(assets)]
        outcome = flow.submit_rows(client, ledger, check_rows(rows, "Video"), "Video", store=store)
        if outcome.error is not None:
            raise RuntimeError(f"the bench's submit failed: {outcome.error}")
    finally:
        client.close()
    return group_id, ledger


# ------------------------------------------------------------------------------------------ a server


class Server:
    """One app server's sessions (runs in the worker process): each an AppTest of app.py on the Review page
    of a running review, made through the library against the sandbox."""

    def __init__(self, name: str, sessions: int, assets: int, sandbox_url: str) -> None:
        from lib.ui import shell

        self.name, self.assets, self.sandbox_url = name, assets, sandbox_url
        self.count = sessions
        self.apps: list = []
        self.people = 0
        self.script_seconds: list[float] = []
        original = shell.run_dashboard

        def timed() -> None:  # app.py imports it on every run: the page's rerun is timed from inside
            started = time.perf_counter()
            try:
                original()
            finally:
                self.script_seconds.append(time.perf_counter() - started)

        shell.run_dashboard = timed
        self._pool_peak = 0
        self._watch_pool()

    # -------------------------------------------------------------- the database's pool

    def _database(self):
        from lib.ui import state

        return state.database()

    def _watch_pool(self) -> None:
        from sqlalchemy import event

        pool = self._database().engine.pool

        @event.listens_for(pool, "checkout")
        def _out(*_args) -> None:
            self._pool_peak = max(self._pool_peak, pool.checkedout())

    def pool(self) -> dict:
        pool = self._database().engine.pool
        held = {"open": pool.checkedin() + pool.checkedout(), "checked_out_peak": self._pool_peak}
        self._pool_peak = pool.checkedout()
        return held

    # -------------------------------------------------------------- sessions

    def new_review(self):
        """A new person with a review of `assets` clips under way (make_review): the Workflow a session holds."""
        from lib.ui.state import Workflow

        self.people += 1
        label = f"{self.name} person {self.people}"
        group_id, ledger = make_review(self._database(), self.sandbox_url, label, self.assets)
        return Workflow(
            group_id=group_id,
            group_label=label,
            known_groups={group_id: label},
            ledger=ledger,
            review_started_at=time.time(),
        )

    def setup(self) -> dict:
        from streamlit.testing.v1 import AppTest

        from lib.ui.state import WORKFLOW_KEY

        started = time.perf_counter()
        for _ in range(self.count):
            app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            app.session_state[WORKFLOW_KEY] = self.new_review()
            sign_in(app, f"{self.name} operator {len(self.apps) + 1}")
            self.checked_run(app, "app.py, first run")
            app.switch_page("pages/review.py")
            self.checked_run(app, "the Review page, first run")
            shown = [m.label for m in app.metric]
            if "Being checked" not in shown:
                raise RuntimeError(f"{self.name}: the Review page shows no running review (metrics: {shown})")
            self.apps.append(app)
        return {"sessions": len(self.apps), "setup_s": time.perf_counter() - started}

    def checked_run(self, app, what: str) -> None:
        app.run()
        if app.exception:
            messages = "; ".join(str(getattr(e, "message", e)) for e in app.exception)
            raise AppRaised(f"{self.name}, {what}: the app raised: {messages}")

    def one_round(self, turn: int) -> dict:
        """Each session reruns once (in a rotating order); a session whose review ended starts another."""
        from lib.ui.state import WORKFLOW_KEY

        times, saves, renewed = [], 0, 0
        n = len(self.apps)
        for i in range(n):
            app = self.apps[(i + turn) % n]
            ledger = app.session_state[WORKFLOW_KEY].ledger
            pending = len(ledger.pending_task_ids())
            self.script_seconds.clear()
            self.checked_run(app, f"the Review page, round {turn}")
            if not self.script_seconds:
                raise RuntimeError("the timed entry point did not run")
            times.append(sum(self.script_seconds))  # a st.rerun inside makes two script runs
            saves += len(ledger.pending_task_ids()) < pending
        for app in self.apps:
            if not app.session_state[WORKFLOW_KEY].ledger.pending_task_ids():
                app.session_state[WORKFLOW_KEY] = self.new_review()
                renewed += 1
        return {"times": times, "saves": saves, "renewed": renewed}


def sign_in(app, name: str) -> None:
    """The session's operator, signed in with the team passphrase (lib.signin; the worker requires sign-in
    on both sides, as a team install does), so that every rerun passes the sign-in gate and records its actor."""
    try:
        from lib import signin
    except ImportError:  # an app without sign-in
        return
    app.session_state[signin.OPERATOR_KEY] = signin.Operator(name=name, method=signin.PASSPHRASE)


def worker(config: dict) -> int:
    """A server process: answers the coordinator's commands, one JSON line each, on its own channel (stdout
    is moved to stderr, so that nothing the app prints can break the protocol)."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    os.environ["AVATAR_DESK_DB"] = config["db"]
    os.environ["AVATAR_DESK_SANDBOX_URL"] = config["sandbox_url"]
    for name in ("APIMART_API_KEY", "AVATAR_DESK_PUBLIC_URL"):
        os.environ.pop(name, None)
    # Sign-in required, by the team passphrase (each session is signed in: see sign_in).
    os.environ["AVATAR_DESK_SIGN_IN"] = "required"
    os.environ["AVATAR_DESK_PASSPHRASE"] = secrets.token_urlsafe(16)

    from bench.review_render import navigation_as_served, share_script_cache

    share_script_cache()  # as the server does: pages compile once
    navigation_as_served()  # app.py's st.navigation runs every page, inside the app's frame
    server = Server(config["name"], config["sessions"], config["assets"], config["sandbox_url"])

    def answer(message: dict) -> None:
        channel.write(json.dumps(message) + "\n")

    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["cmd"] == "setup":
                answer(server.setup())
            elif command["cmd"] == "round":
                answer(server.one_round(command["turn"]))
            elif command["cmd"] == "pool":
                answer(server.pool())
            elif command["cmd"] == "quit":
                answer({"bye": True})
                return 0
        except AppRaised as error:
            answer({"raised": str(error)})
            return 2
        except Exception as error:  # the bench's own failure: say it, stop
            import traceback

            traceback.print_exc()
            answer({"failed": f"{type(error).__name__}: {error}"})
            return 1
    return 0


# ------------------------------------------------------------------------------------------ the coordinator


class ServerFailed(Exception):
    pass


class ServerProcess:
    def __init__(self, name: str, sessions: int, assets: int, db: str, sandbox_url: str, logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        self.log = self.log_path.open("w")
        config = {"name": name, "sessions": sessions, "assets": assets, "db": db, "sandbox_url": sandbox_url}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(config)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise ServerFailed(f"server {self.name} ended without an answer; its log ends:\n{tail}")
        message = json.loads(line)
        if "raised" in message:
            raise AppRaised(message["raised"])
        if "failed" in message:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise ServerFailed(f"server {self.name}: {message['failed']}\n{tail}")
        return message

    def ask(self, **command) -> dict:
        self.send(**command)
        return self.receive()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send(cmd="quit")
        with contextlib.suppress(Exception):
            self.process.wait(timeout=20)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def all_at_once(servers: list[ServerProcess], **command) -> list[dict]:
    for server in servers:
        server.send(**command)
    return [server.receive() for server in servers]


class Side:
    """One side of the comparison: its servers, and what its rounds measured."""

    def __init__(self, name: str, servers: list[ServerProcess]) -> None:
        self.name, self.servers = name, servers
        self.times: list[float] = []
        self.saves = self.renewed = 0
        self.pool_open: list[int] = []
        self.pool_peak = 0

    def round(self, turn: int, keep: bool) -> None:
        answers = all_at_once(self.servers, cmd="round", turn=turn)
        if keep:
            for answer in answers:
                self.times += answer["times"]
                self.saves += answer["saves"]
                self.renewed += answer["renewed"]
        pools = all_at_once(self.servers, cmd="pool")
        if keep:
            self.pool_open.append(sum(p["open"] for p in pools))
            self.pool_peak = max(self.pool_peak, sum(p["checked_out_peak"] for p in pools))


class ConnectionWatch:
    """pg_stat_activity's client connections to one database, sampled every 0.1 s while `watching`."""

    QUERY = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = %s"

    def __init__(self, postgres, dbname: str) -> None:
        # One connection of its own, to another database (not counted), kept for the whole run.
        self.conn, self.dbname = postgres.connect(), dbname
        self.samples: list[int] = []
        self.at_rest: list[int] = []

    def count(self) -> int:
        return self.conn.execute(self.QUERY, (self.dbname,)).fetchone()[0]

    @contextlib.contextmanager
    def watching(self):
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                self.samples.append(self.count())
                stop.wait(0.1)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        self.at_rest.append(self.count())


def print_ratio(name: str, team, base, sessions: int, against: str = "") -> None:
    """The `ratio <curve>@<sessions>` lines of one side (`team`) against the base side: median and p95."""
    ratio = statistics.median(team.times) / statistics.median(base.times)
    print(f"ratio {name}@{sessions}: {ratio:.2f} (median, {team.name} / {base.name}){against}")
    print(f"ratio {name}_p95@{sessions}: {p95(team.times) / p95(base.times):.2f} (p95)")


def finish(started: float, folder: Path) -> int:
    """The closing line (load, time in all); the bench's folder removed."""
    load = os.getloadavg()
    print(f"\nload {load[0]:.2f} at the end; {time.perf_counter() - started:.0f} s in all")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


def summary_ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:7.1f} ms, p95 {p95(values) * 1000:7.1f} ms "
        f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f}; n={len(values)})"
    )


@contextlib.contextmanager
def optional_postgres(wanted: bool):
    if not wanted:
        yield None
        return
    from tests.helpers.postgres import running_postgres

    with running_postgres() as server:
        yield server


# ------------------------------------------------------------------------------------------ real servers


BENCH_APP_NAME = (
    "avatar-desk-bench"  # the bench's own PostgreSQL connections (setting up reviews): not counted
)
PENDING = "Being checked"  # the Review page's metric of assets still under review


def sqlite_connections(pids: list[int], path: Path) -> int:
    """SQLite connections the processes hold on the file at `path`: each keeps it open once."""
    target, held = os.path.realpath(path), 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    held += os.readlink(f"/proc/{pid}/fd/{fd}") == target
    return held


class Sampler:
    """A count sampled every 0.1 s while `watching`, and once at rest after it."""

    def __init__(self, count) -> None:
        self.count = count
        self.samples: list[int] = []
        self.at_rest: list[int] = []

    @contextlib.contextmanager
    def watching(self, keep: bool):
        stop = threading.Event()
        seen: list[int] = []

        def sample() -> None:
            while not stop.is_set():
                seen.append(self.count())
                stop.wait(0.1)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        if keep:
            self.samples += seen
            self.at_rest.append(self.count())


class RealSide:
    """One side on real `streamlit run` servers (bench._agent): its sessions are spread over its servers; each
    is a session of the server's own, on the Review page of a person whose review is under way."""

    def __init__(
        self, name: str, servers, setup_db, sandbox_url: str, sessions: int, assets: int, count
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.name, self.servers, self.db, self.sandbox_url = name, servers, setup_db, sandbox_url
        self.assets, self.wanted = assets, sessions
        self.sessions: list = []
        self.pending: list[int] = []
        self.people = 0
        self.times: list[float] = []
        self.saves = self.renewed = 0
        self.connections = Sampler(count)
        self.pool = ThreadPoolExecutor(max_workers=sessions)

    def _label(self) -> str:
        self.people += 1
        return f"{self.name.split(',')[0]} {self.people}"

    def _new_person(self) -> str:
        label = self._label()
        make_review(self.db, self.sandbox_url, label, self.assets)
        return label

    def _open(self, session, label: str) -> int:
        """The session picks `label` in the Library (Use this person), then opens Review: assets pending."""
        session.interact(page="library")
        session.interact(widget_state={"library__person": label}, trigger={"key": "library__use"})
        snapshot = session.interact(page="review")
        pending = metric(snapshot, PENDING)
        if not pending or pending == "0":
            raise RuntimeError(
                f"{self.name}: the Review page shows no running review of {label} (pending: {pending}); "
                f"it says: {texts(snapshot)}"
            )
        return int(pending)

    def setup(self) -> None:
        from bench._agent import AgentSession

        for i in range(self.wanted):
            session = AgentSession(self.servers[i % len(self.servers)])
            self.sessions.append(session)
            self.pending.append(self._open(session, self._new_person()))

    def round(self, turn: int, keep: bool, pace: float, rng) -> None:
        """Every session reruns once, each at a moment of its own within the first half of `pace` (their pages
        tick independently); the reruns overlap as on a server. Then sessions whose review ended take a new
        person, side by side (not timed)."""
        offsets = [rng.uniform(0, pace / 2) for _ in self.sessions]
        started = time.perf_counter()

        def one(i: int) -> tuple[float, int]:
            time.sleep(max(0.0, started + offsets[i] - time.perf_counter()))
            begun = time.perf_counter()
            snapshot = self.sessions[i].interact()
            return time.perf_counter() - begun, int(metric(snapshot, PENDING) or 0)

        with self.connections.watching(keep):
            results = list(self.pool.map(one, range(len(self.sessions))))
        for i, (seconds, pending) in enumerate(results):
            if keep:
                self.times.append(seconds)
                self.saves += pending < self.pending[i]
            self.pending[i] = pending
        ended = [i for i in range(len(self.sessions)) if self.pending[i] == 0]
        labels = [self._label() for _ in ended]
        # Every new person is made before any session picks one: the Library's list of people must not change
        # while a session picks from it (a pick is sent as a place in the list, and the newest come first).
        list(self.pool.map(lambda label: make_review(self.db, self.sandbox_url, label, self.assets), labels))
        opened = self.pool.map(lambda k: self._open(self.sessions[ended[k]], labels[k]), range(len(ended)))
        for k, pending in enumerate(opened):
            self.pending[ended[k]] = pending
        self.renewed += len(ended) if keep else 0

    def close(self) -> None:
        self.pool.shutdown()
        for session in self.sessions:
            session.close()


def real_main(args) -> int:
    """Real servers (`streamlit run`), driven through Streamlit's agent API (bench._agent)."""
    import random

    import requests

    from bench._agent import AgentRefused, agent_server
    from bench._sandbox_process import sandbox_process
    from lib.sandbox.control import SandboxControl
    from lib.store.database import Database

    sessions, assets, rounds = (4, 40, 6) if args.quick else (args.sessions, args.assets, args.rounds or 60)
    pace = 0.5 if args.quick else PACE_S
    review_s = args.review_seconds or (5.0 if args.quick else REVIEW_S)
    rng = random.Random(args.seed)
    folder = bench_folder()
    load = os.getloadavg()
    print(
        f"bench/team.py{' --quick' if args.quick else ''}: real servers (streamlit run, driven through the agent "
        f"API); {sessions} sessions a side, reviews of {assets} clips ({review_s:g} s each), {rounds} rounds; "
        f"{os.cpu_count()} cores, load {load[0]:.2f} at start; logs in {folder}",
        flush=True,
    )
    started = time.perf_counter()
    sides: list[RealSide] = []
    failed = None
    try:
        with contextlib.ExitStack() as stack:
            postgres = stack.enter_context(optional_postgres(not args.sqlite_only))
            sandbox_url = stack.enter_context(sandbox_process())
            SandboxControl(sandbox_url).post(
                "config", timing="realistic", image_review_seconds=review_s, video_review_seconds=review_s
            )

            def servers(label: str, count: int, db: str) -> list:
                env = {
                    "AVATAR_DESK_DB": db,
                    "AVATAR_DESK_SANDBOX_URL": sandbox_url,
                    "AVATAR_DESK_SANDBOX": "off",
                    "AVATAR_DESK_MEDIA_DIR": str(folder / f"media-{label}"),
                }
                return [
                    stack.enter_context(agent_server(f"{label}{i}", env, folder)) for i in range(1, count + 1)
                ]

            plan = [("sqlite", "SQLite, 1 server", 1, str(folder / "team.db"))]
            if not args.no_control:
                plan.append(("control", "SQLite, 2 servers (control)", 2, str(folder / "team-control.db")))
            if postgres is not None:
                plan.append(("pg", "PostgreSQL, 2 servers", 2, postgres.new_database("team")))
            for label, name, count, db in plan:
                running = servers(label, count, db)
                if db.startswith("postgresql"):
                    dbname = db.rsplit("/", 1)[-1]
                    watch = stack.enter_context(contextlib.closing(postgres.connect()))
                    query = (
                        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                        "AND datname = %s AND application_name <> %s"
                    )

                    def count(watch=watch, dbname=dbname, query=query) -> int:
                        return watch.execute(query, (dbname, BENCH_APP_NAME)).fetchone()[0]

                    setup_db = Database(f"{db}?application_name={BENCH_APP_NAME}")
                else:

                    def count(pids=[s.pid for s in running], path=Path(db)) -> int:  # noqa: B006
                        return sqlite_connections(pids, path)

                    setup_db = Database(db)
                stack.callback(setup_db.close)
                side = RealSide(name, running, setup_db, sandbox_url, sessions, assets, count)
                stack.callback(side.close)
                sides.append(side)
            for side in sides:
                side_started = time.perf_counter()
                side.setup()
                print(
                    f"  {side.name}: {sessions} sessions set up in {time.perf_counter() - side_started:.1f} s"
                )
            timed_from = time.monotonic()
            for turn in range(WARMUP_ROUNDS + rounds):
                if turn == WARMUP_ROUNDS:
                    timed_from = time.monotonic()
                keep = turn >= WARMUP_ROUNDS
                for k in range(len(sides)):  # each round starts with another side
                    side = sides[(k + turn) % len(sides)]
                    side_round = time.monotonic()
                    side.round(turn, keep, pace, rng)
                    time.sleep(max(0.0, side_round + pace - time.monotonic()))
                if keep and (turn - WARMUP_ROUNDS) % 10 == 9:
                    print(f"  {turn - WARMUP_ROUNDS + 1} rounds", flush=True)
            period = (time.monotonic() - timed_from) / rounds
            logs = {s.name: s.log_text() for side in sides for s in side.servers}
    except (AppRaised, AgentRefused, requests.ConnectionError) as error:
        failed = error
    if failed is not None:
        print(f"\nFAILED: {failed}", file=sys.stderr)
        return 2
    for name, text in logs.items():
        if "Traceback" in text:
            tail = text[text.index("Traceback") :][:1500]
            print(f"\nFAILED: server {name}'s log has a traceback:\n{tail}", file=sys.stderr)
            return 2

    print(
        f"\na round every {period:.1f} s on average (each side's sessions rerun within {pace:g} s, one side after "
        f"another): each session reran that often"
    )
    for side in sides:
        what = (
            "pg_stat_activity"
            if side.name.startswith("PostgreSQL")
            else "open on the file (its servers' fds)"
        )
        print(f"{side.name}: rerun {summary_ms(side.times)}")
        print(
            f"  {side.saves} reruns saved a finished review task; {side.renewed} reviews ended and were "
            f"started again on a new person"
        )
        c = side.connections
        print(
            f"  database connections, {what}: during the rounds median {statistics.median(c.samples):g}, "
            f"peak {max(c.samples)}; at rest after them median {statistics.median(c.at_rest):g}, "
            f"max {max(c.at_rest)} (n={len(c.samples)} samples)"
        )
    base = sides[0]

    print()
    if postgres is not None:
        team = sides[-1]
        print_ratio("team_rerun", team, base, sessions, "")
        print(
            f"connections team@{sessions}: PostgreSQL {max(team.connections.samples)} held at peak "
            f"({statistics.median(team.connections.at_rest):g} at rest); SQLite "
            f"{max(base.connections.samples)} at peak ({statistics.median(base.connections.at_rest):g} at rest)"
        )
    if not args.no_control:
        print_ratio("team_rerun_control", sides[1], base, sessions, ": two servers without PostgreSQL")
    return finish(started, folder)


def bench_folder() -> Path:
    """A folder for the registry files and the servers' logs: on tmpfs when there is one (as bench/scale.py:
    a disk's flush latency shared with the machine would decide the writes)."""
    shm = Path("/dev/shm")
    return Path(
        tempfile.mkdtemp(
            prefix="avatar-desk-team-", dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--apptest", action="store_true", help="sessions in AppTest, timed inside the server")
    parser.add_argument("--quick", action="store_true", help="4 sessions of 40 assets, 6 rounds: it runs")
    parser.add_argument(
        "--rounds", type=int, help="timed rounds, after 3 warm-up rounds (default 60; AppTest 90)"
    )
    parser.add_argument("--sessions", type=int, default=20, help="operator sessions on each side")
    parser.add_argument("--assets", type=int, default=200, help="clips in each session's review")
    parser.add_argument("--sqlite-only", action="store_true", help="no PostgreSQL side")
    parser.add_argument("--no-control", action="store_true", help="no control side (SQLite, 2 servers)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--review-seconds", type=float, help=f"a review's length (default {REVIEW_S:g}; quick 5)"
    )
    args = parser.parse_args()
    if args.worker:
        return worker(json.loads(args.worker))
    if not args.apptest:
        return real_main(args)
    default_rounds = 90
    sessions, assets, rounds = (
        (4, 40, 6) if args.quick else (args.sessions, args.assets, args.rounds or default_rounds)
    )
    pace = 0.5 if args.quick else PACE_S
    review_s = args.review_seconds or (5.0 if args.quick else REVIEW_S)
    half = sessions // 2

    from bench._sandbox_process import sandbox_process
    from lib.sandbox.control import SandboxControl

    folder = bench_folder()
    load = os.getloadavg()
    print(
        f"bench/team.py{' --quick' if args.quick else ''}: {sessions} sessions a side, reviews of {assets} clips "
        f"({review_s:g} s each), {rounds} rounds {pace:g} s apart; {os.cpu_count()} cores, load {load[0]:.2f} at start; "
        f"logs in {folder}",
        flush=True,
    )
    started = time.perf_counter()
    servers: list[ServerProcess] = []
    try:
        with optional_postgres(not args.sqlite_only) as postgres, sandbox_process() as sandbox_url:
            SandboxControl(sandbox_url).post(
                "config", timing="realistic", image_review_seconds=review_s, video_review_seconds=review_s
            )
            sides = [
                Side(
                    "SQLite, 1 server",
                    [ServerProcess("sqlite", sessions, assets, str(folder / "team.db"), sandbox_url, folder)],
                )
            ]
            if not args.no_control:
                control_db = str(folder / "team-control.db")
                sides.append(
                    Side(
                        "SQLite, 2 servers (control)",
                        [
                            ServerProcess(f"sqlite{i}", half, assets, control_db, sandbox_url, folder)
                            for i in (1, 2)
                        ],
                    )
                )
            watch = None
            if postgres is not None:
                url = postgres.new_database("team")
                sides.append(
                    Side(
                        "PostgreSQL, 2 servers",
                        [ServerProcess(f"pg{i}", half, assets, url, sandbox_url, folder) for i in (1, 2)],
                    )
                )
                watch = ConnectionWatch(postgres, url.rsplit("/", 1)[-1])
            servers = [s for side in sides for s in side.servers]
            for answer, server in zip(all_at_once(servers, cmd="setup"), servers, strict=True):
                print(
                    f"  server {server.name}: {answer['sessions']} sessions set up in {answer['setup_s']:.1f} s"
                )
            next_round = time.monotonic()
            timed_from = None
            for turn in range(WARMUP_ROUNDS + rounds):
                if turn == WARMUP_ROUNDS:
                    timed_from = time.monotonic()
                time.sleep(max(0.0, next_round - time.monotonic()))
                next_round = time.monotonic() + pace
                keep = turn >= WARMUP_ROUNDS
                for k in range(len(sides)):  # each round starts with another side
                    side = sides[(k + turn) % len(sides)]
                    if watch is not None and side is sides[-1] and keep:
                        with watch.watching():
                            side.round(turn, keep)
                    else:
                        side.round(turn, keep)
                if keep and (turn - WARMUP_ROUNDS) % 10 == 9:
                    print(f"  {turn - WARMUP_ROUNDS + 1} rounds", flush=True)
            period = (time.monotonic() - timed_from) / rounds
    except AppRaised as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 2
    except ServerFailed as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.close()

    print(
        f"\na round every {period:.1f} s on average (asked: {pace:g} s; a round also starts the reviews that "
        "ended on new people, untimed): each session reran that often"
    )
    for side in sides:
        print(f"{side.name}: rerun {summary_ms(side.times)}")
        print(
            f"  {side.saves} reruns saved a finished review task; {side.renewed} reviews ended and were "
            f"started again on a new person"
        )
        print(
            f"  pool connections (all its servers): open median {statistics.median(side.pool_open):g}, "
            f"max {max(side.pool_open)}; checked out at once, peak {side.pool_peak}"
        )
        if watch is not None and side is sides[-1]:
            print(
                f"  pg_stat_activity, client connections to the bench's database: during the rounds median "
                f"{statistics.median(watch.samples):g}, peak {max(watch.samples)}; at rest after them median "
                f"{statistics.median(watch.at_rest):g}, max {max(watch.at_rest)} (n={len(watch.samples)} samples)"
            )
    base = sides[0]

    print()
    if watch is not None:
        print_ratio("team_rerun", sides[-1], base, sessions, "")
        print(
            f"connections team@{sessions}: PostgreSQL {max(watch.samples)} held at peak "
            f"({statistics.median(watch.at_rest):g} at rest); SQLite pool {max(base.pool_open)} open, "
            f"{base.pool_peak} checked out at peak"
        )
    if not args.no_control:
        print_ratio(
            "team_rerun_control",
            sides[1],
            base,
            sessions,
            ": what two processes on one machine cost without PostgreSQL",
        )
    return finish(started, folder)


if __name__ == "__main__":
    raise SystemExit(main())
