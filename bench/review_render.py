"""The review page's rerun time with 2,000 assets (1,500 usable, 500 failed), as a ratio to a bare page
that renders the same two frames with st.dataframe, measured in the same run (target: at most 1.5).

    python bench/review_render.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from lib.apimart import SubmittedTask  # noqa: E402
from lib.ledger import FAILED, USABLE, AssetLedger  # noqa: E402
from lib.review import failed_frame, usable_frame  # noqa: E402
from lib.ui.state import WORKFLOW_KEY, Workflow  # noqa: E402


def big_ledger(usable: int = 1500, failed: int = 500) -> AssetLedger:
    ledger = AssetLedger("group-20261124120000-bench", "Video")
    total = usable + failed
    rows = [(f"asset-{i:04d}", f"https://cdn.example.com/bench/{i:04d}.mp4") for i in range(total)]
    tasks = [SubmittedTask(id=f"task_{i:026d}", status="processing", raw={}) for i in range(-(-total // 20))]
    ledger.add_submission(rows, tasks)
    for task in ledger.tasks.values():
        task.final, task.status, task.progress = True, "completed", 100
    for key, asset in ledger.assets.items():
        attempt = asset.current
        if key < usable:
            attempt.status, attempt.asset_id = USABLE, f"asset-{key:04d}"
            attempt.asset_url = f"asset://asset-20261124120000-{key:05d}"
        else:
            attempt.status, attempt.error_code = FAILED, "FaceMismatch"
    return ledger


def baseline_page() -> None:
    import streamlit as st

    frames = st.session_state["frames"]
    st.dataframe(frames[0], hide_index=True)
    st.dataframe(frames[1], hide_index=True)


def baseline_page_with_shell() -> None:
    """The same bare page inside the app's frame: page config, sidebar and the navigation of all pages,
    which every page of the app pays for."""
    from pathlib import Path

    import streamlit as st

    import lib
    from lib.ui import shell, state
    from lib.ui.components import sidebar

    root = Path(lib.__file__).resolve().parent.parent  # this function runs from a temporary file

    def bare() -> None:
        frames = st.session_state["frames"]
        st.dataframe(frames[0], hide_index=True)
        st.dataframe(frames[1], hide_index=True)

    st.set_page_config(page_title="Avatar Desk", layout="wide")
    state.init_state()
    pages = [st.Page(bare, title="Bare", url_path="bare", default=True)]
    pages += [
        st.Page(root / path, title=title, icon=icon, url_path=url) for path, title, icon, url in shell.PAGES
    ]
    navigation = st.navigation(pages)
    sidebar.sidebar_connection()
    navigation.run()


SCRIPT_TIMES: dict[str, list[float]] = {"page": [], "bare": []}


def timed_run_dashboard(run_dashboard):
    """The real app entry (app.py imports lib.ui.shell.run_dashboard on every run), timed from inside the
    script run (no test-harness parsing counted). It runs app.py itself: a page's relative links
    ("pages/review.py") resolve against the app's folder, as on the server; from a temporary script
    (AppTest.from_function) they raised StreamlitPageNotFoundError."""

    def timed() -> None:
        started = time.perf_counter()
        try:
            run_dashboard()
        finally:
            SCRIPT_TIMES["page"].append(time.perf_counter() - started)

    return timed


def timed_bare_app() -> None:
    import time

    from bench import review_render

    started = time.perf_counter()
    review_render.baseline_page_with_shell()
    review_render.SCRIPT_TIMES["bare"].append(time.perf_counter() - started)


class AppRaised(Exception):
    """The app under test showed an exception (the bench exits with 2)."""


def checked_run(app: AppTest) -> AppTest:
    """One run; an exception the app shows stops the bench, first runs and page switches included (the
    review page's first run raised StreamlitPageNotFoundError unnoticed)."""
    app.run()
    if app.exception:
        raise AppRaised("; ".join(str(getattr(e, "message", e)) for e in app.exception))
    return app


def time_runs(app: AppTest, runs: int) -> list[float]:
    checked_run(app)  # first run: imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        checked_run(app)
        times.append(time.perf_counter() - start)
    return times


def share_script_cache() -> None:
    """The server compiles each page once (one ScriptCache per server); AppTest makes a new cache for every
    run, which would charge a page's compile (and magic AST pass) to each rerun. Share one, as the server does."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def navigation_as_served() -> None:
    """Run app.py as the server runs it: its st.navigation decides every page. AppTest resets Streamlit's
    old pages/-folder mode before each run and, seeing a pages/ folder, turns it on again, so after
    switch_page it ran the page file alone, without the app's frame (lib.ui.shell.navigation_only is the
    server's own switch, made where app.py is imported by the server, which AppTest never does)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__
    if getattr(original, "navigation_only", False):
        return

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init.navigation_only = True
    PagesManager.__init__ = init


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    share_script_cache()
    navigation_as_served()
    # No API call happens while rendering final results; point sandbox mode at an address nobody serves.
    os.environ["AVATAR_DESK_SANDBOX_URL"] = "http://127.0.0.1:9"
    os.environ.pop("APIMART_API_KEY", None)
    # A registry of its own (the pages may read the store): never the developer's data/avatar-desk.db.
    os.environ["AVATAR_DESK_DB"] = str(Path(tempfile.mkdtemp(prefix="avatar-desk-bench-")) / "registry.db")

    ledger = big_ledger()
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    page.session_state[WORKFLOW_KEY] = Workflow(
        group_id=ledger.group_id, group_label="Bench", ledger=ledger, review_started_at=time.time()
    )
    checked_run(page)
    page.switch_page("pages/review.py")

    frames = (usable_frame(ledger), failed_frame(ledger))
    bare = AppTest.from_function(baseline_page, default_timeout=60)
    shelled = AppTest.from_function(baseline_page_with_shell, default_timeout=60)
    for app in (bare, shelled):
        app.session_state["frames"] = frames

    page_times, bare_times, shell_times = [], [], []
    for _ in range(3):  # interleave so machine drift hits all alike
        page_times += time_runs(page, args.runs // 3)
        bare_times += time_runs(bare, args.runs // 3)
        shell_times += time_runs(shelled, args.runs // 3)
    assert any(len(d.value) == 1500 and "asset_url" in d.value.columns for d in page.dataframe), (
        "the usable table is shown"
    )
    p, b, sh = (statistics.median(t) for t in (page_times, bare_times, shell_times))

    # The same two pages timed from inside their script runs: what a rerun costs the server.
    from lib.ui import shell

    shell.run_dashboard = timed_run_dashboard(shell.run_dashboard)
    timed_page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    timed_page.session_state[WORKFLOW_KEY] = page.session_state[WORKFLOW_KEY]
    checked_run(timed_page)
    timed_page.switch_page("pages/review.py")
    timed_bare = AppTest.from_function(timed_bare_app, default_timeout=60)
    timed_bare.session_state["frames"] = frames
    for _ in range(3):
        time_runs(timed_page, args.runs // 3)
        time_runs(timed_bare, args.runs // 3)
    from bench import review_render  # the bare script records into the imported module, not __main__

    SCRIPT_TIMES["bare"] = review_render.SCRIPT_TIMES["bare"]
    sp, sb = (statistics.median(SCRIPT_TIMES[k]) for k in ("page", "bare"))

    print(f"assets: 2000 (1500 usable, 500 failed); runs: {len(page_times)} each")
    print("rerun time as the server spends it (timed inside the script run):")
    print(f"  bare page in the app frame          : {sb * 1000:7.1f} ms")
    print(
        f"  review page                         : {sp * 1000:7.1f} ms   ratio {sp / sb:.2f}  (target ≤ 1.5)"
    )
    print("wall time of AppTest.run() (adds the harness's parsing of every element):")
    print(f"  bare page, two st.dataframe alone   : {b * 1000:7.1f} ms")
    print(f"  bare page in the app frame          : {sh * 1000:7.1f} ms")
    print(
        f"  review page                         : {p * 1000:7.1f} ms   ratio {p / sh:.2f} (to the page alone: {p / b:.2f})"
    )
    return 0 if sp / sb <= 1.5 else 1


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except AppRaised as error:
        print(f"FAILED: the app raised: {error}", file=sys.stderr)
        raise SystemExit(2) from None
