"""The two moments the operator waits for (issue 14), in a real browser on the real server: `streamlit run
app.py` in sandbox mode on a free loopback port (the sandbox mounted on the app's own port, a registry of
its own), Debian's Chromium driven by Playwright, a phone-sized context for the person.

Each sample is one whole flow in a new operator tab (a new session): open the app, Verify, create a session,
the phone opens the QR code's link and approves, the operator's page moves on by itself to the group id;
name the person, Submit 6 clips (4 approved, 2 refused), the review ends by itself with both tables; then
the Review page's primary button, a prompt and "make the video" on the next page, until the video is on the
page (a generation of 1 s). It records

  approve -> group id shown   from the phone's tap on Approve (its page's clock) to the first moment the
                              operator's page holds the new group id (a MutationObserver's clock; the same
                              machine, so the same wall clock)
  review end -> tables shown  from the moment the sandbox's review task ends (its submit request's arrival
                              + the review's length, set for each sample) to the moment both headings
                              "Approved (4)" and "Not approved (2)" are on the operator's page
  API requests per flow       the sandbox's request log (/_sandbox/requests: every /v1 request), cleared
                              before the tab opens and read 2.5 s after the video is shown (a poll tick
                              later), by kind

The phases are spread on purpose (seeded): a pause of 0-1 s before the tap on Approve (the Verify page
checks once a second) and a review length of 2-4 s (the Review page polls every 2 s), so that the samples
cover the ticks' phases rather than repeat one. Prints median and p95 (and min/max) of each wait, the
requests per flow, and the targets (approve -> group id shown <= 1 s at p95, review end -> tables shown
<= 2 s at p95, at most 12 API requests for the whole flow). Exit code: 2 when the app raises (an exception
element on the operator's page, or a traceback in the server's log), 1 when a target is missed, else 0.

    python bench/waits.py [--quick] [--samples 30] [--warmup 1] [--seed 14]

--quick takes 2 samples: to check the bench works. A warm-up flow comes first and is not counted (the server's
first runs of each page pay for imports and first compiles: 1.0-1.5 s more on a first flow). 30 samples:
the approve wait depends on where the tap falls in the Verify page's tick. Three runs each (2026-12-01, the
machine shared with other work; each run prints its load average at the start and end), medians:
  10 flows, load 6-11   approve -> group id 0.52 / 0.44 / (run failed)   review end -> tables 0.24 / 0.26 / -
  20 flows, load 5-10   approve -> group id 0.51 / 0.45 / 0.45 (13%)     review end -> tables 0.34 / 0.36 / 0.29 (24%)
  30 flows, load 2.7-5  approve -> group id 0.41 / 0.44 / 0.43 (7%)      review end -> tables 0.23 / 0.24 / 0.21 (14%)
The tables' wait follows the machine's load more than the sample count (0.29-0.36 s at load 5-10, 0.21-0.24 s
at 3-5); p95 over 30 flows: approve 0.61 / 0.59 / 0.65, tables 0.30 / 0.35 / 0.48 (a p95 of 30 is nearly the max).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from bench._stats import p95, summary  # noqa: E402
from lib.sandbox.control import SandboxControl  # noqa: E402
from lib.server import SANDBOX_PREFIX  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.helpers import decode_qr, fill_table, idle, label_group, send_table  # noqa: E402
from tests.helpers.serving import streamlit_server  # noqa: E402

GOOD = [f"https://cdn.example.com/bench/front-{i}.mp4" for i in range(4)]
BAD = ["https://cdn.example.com/bench/mismatch-1.mp4", "https://cdn.example.com/bench/unreachable-2.mp4"]
APPROVED, REFUSED = len(GOOD), len(BAD)
PROMPT = "The person in video 1 waves at the camera in a sunlit office."
TRAILING = 2.5  # seconds waited after the video, for requests still to come (a poll tick is 2 s)

# Installed in the operator's page before each wait: the first moment `test` holds (checked on every change
# of the page) goes to window.__benchSeen[name], in the page's clock (ms since the epoch).
WATCH = """
([name, test, arg]) => {
  window.__benchSeen = window.__benchSeen || {};
  delete window.__benchSeen[name];
  const tests = {
    group: (known) => {
      const main = document.querySelector('[data-testid="stMain"]');
      const found = (main ? main.textContent : '').match(/group-\\d{14}-[a-z0-9]+/g) || [];
      return found.some((g) => !known.includes(g));
    },
    headings: (wanted) => {
      const shown = [...document.querySelectorAll('[data-testid="stMain"] h1, [data-testid="stMain"] h2, '
        + '[data-testid="stMain"] h3, [data-testid="stMain"] h4')].map((h) => h.textContent.trim());
      return wanted.every((w) => shown.some((s) => s.startsWith(w)));
    },
  };
  const check = () => {
    if (window.__benchSeen[name] === undefined && tests[test](arg)) {
      window.__benchSeen[name] = Date.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  check();
}
"""
TAP_APPROVE = """
() => { const t = Date.now(); document.querySelector('#approve').click(); return t; }
"""


class AppRaised(Exception):
    pass


def seen(page: Page, name: str, timeout_ms: int = 60_000) -> float:
    """Seconds since the epoch when the watch `name` first held (waits for it)."""
    page.wait_for_function(
        f"() => window.__benchSeen && window.__benchSeen[{name!r}] !== undefined", timeout=timeout_ms
    )
    return page.evaluate(f"() => window.__benchSeen[{name!r}]") / 1000


def raised_on(page: Page) -> str:
    errors = page.get_by_test_id("stException")
    return "; ".join(errors.nth(i).inner_text()[:300] for i in range(errors.count()))


def request_kind(entry: dict, task_kinds: dict[str, str]) -> str:
    path = entry["path"]
    found = re.match(r"/v1/tasks/(.+)$", path)
    if found:
        return f"GET /v1/tasks/<{task_kinds.get(found.group(1), 'unknown')} task>"
    return f"{entry['method']} {path}" + (f" ({entry['selector']})" if entry.get("selector") else "")


def one_flow(browser, base: str, control: SandboxControl, rng: random.Random, n: int) -> dict:
    review_seconds = round(rng.uniform(2.0, 4.0), 2)
    pause = rng.uniform(0.0, 1.0)
    control.post(
        "config",
        timing="realistic",
        image_review_seconds=review_seconds,
        video_review_seconds=review_seconds,
        generation_seconds=1.0,
    )
    known = sorted({t["group_id"] for t in control.get("tasks") if t.get("group_id")})
    control.delete("requests")

    operator_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        operator = operator_context.new_page()
        operator.set_default_timeout(30_000)
        operator.goto(base)
        operator.get_by_role("link", name="1. Verify").click()
        operator.get_by_role("button", name="Create verification session").click()
        link = decode_qr(operator)
        phone = phone_context.new_page()
        phone.goto(link)
        expect(phone.locator("#approve")).to_be_visible()
        operator.evaluate(WATCH, ["group", "group", known])
        time.sleep(pause)
        tapped = phone.evaluate(TAP_APPROVE) / 1000
        group_shown = seen(operator, "group")
        expect(phone.get_by_text("close this page")).to_be_visible()
        if error := raised_on(operator):
            raise AppRaised(f"flow {n}, verify: {error}")

        label_group(operator, f"Bench person {n}")
        fill_table(operator, GOOD + BAD)
        operator.evaluate(
            WATCH, ["tables", "headings", [f"Approved ({APPROVED})", f"Not approved ({REFUSED})"]]
        )
        send_table(operator, len(GOOD + BAD))
        tables_shown = seen(operator, "tables")
        if error := raised_on(operator):
            raise AppRaised(f"flow {n}, review: {error}")

        # On to a video with the approved clips (the Review page's primary button), as the whole flow ends.
        idle(operator)
        operator.locator(".st-key-review__generate").get_by_role("button").click()
        prompt = operator.locator(".st-key-generate__prompt textarea")
        expect(prompt).to_be_editable()
        expect(operator.get_by_test_id("stMultiSelect").first.locator("[data-tag]").first).to_be_attached()
        prompt.fill(PROMPT)
        idle(operator)
        operator.locator(".st-key-generate__submit").get_by_role("button").click()
        expect(operator.locator("video")).to_be_attached(timeout=60_000)
        time.sleep(TRAILING)
        idle(operator)
        if error := raised_on(operator):
            raise AppRaised(f"flow {n}, video: {error}")
    finally:
        operator_context.close()
        phone_context.close()

    log = control.get("requests")
    task_kinds = {t["id"]: t["kind"] for t in control.get("tasks")}
    sends = [e for e in log if e.get("asset_count")]
    queries = [e for e in log if e.get("selector") == "byted_token"]
    assert sends, "the flow sent its clips"
    review_end = max(e["time"] for e in sends) + review_seconds
    return {
        "approve_to_group": group_shown - tapped,
        "approve_to_query": (queries[0]["time"] - tapped) if queries else float("nan"),
        "review_end_to_tables": tables_shown - review_end,
        "review_seconds": review_seconds,
        "requests": len(log),
        "kinds": Counter(request_kind(e, task_kinds) for e in log),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 samples: to check the bench works")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=1, help="flows first run and not counted")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    samples = 2 if args.quick else args.samples
    warmup = 0 if args.quick else args.warmup
    rng = random.Random(args.seed)
    expect.set_options(timeout=30_000)
    load = os.getloadavg()
    print(
        f"bench/waits.py{' --quick' if args.quick else ''}: {samples} flows after {warmup} warm-up; "
        f"{os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start"
    )

    db = Path(tempfile.mkdtemp(prefix="avatar-desk-waits-")) / "avatar-desk.db"
    flows = []
    with streamlit_server({"AVATAR_DESK_DB": str(db)}, log_suffix="-waits") as server:
        log_path = ROOT / "test-output" / f"streamlit-{server.base.rsplit(':', 1)[1]}-waits.log"
        control = SandboxControl(f"{server.base}{SANDBOX_PREFIX}")
        control.post("reset")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    for n in range(1, warmup + 1):
                        flow = one_flow(browser, server.base, control, rng, -n)
                        print(
                            f"  warm-up {n}: approve -> group id {flow['approve_to_group']:.2f} s; review end -> "
                            f"tables {flow['review_end_to_tables']:.2f} s (not counted)",
                            flush=True,
                        )
                    for n in range(1, samples + 1):
                        flow = one_flow(browser, server.base, control, rng, n)
                        flows.append(flow)
                        print(
                            f"  flow {n:2}: approve -> group id {flow['approve_to_group']:.2f} s "
                            f"(token queried after {flow['approve_to_query']:.2f} s); review of "
                            f"{flow['review_seconds']:.2f} s end -> tables {flow['review_end_to_tables']:.2f} s; "
                            f"{flow['requests']} API requests",
                            flush=True,
                        )
                finally:
                    browser.close()
        except AppRaised as error:
            print(f"FAILED: the app raised: {error}", file=sys.stderr)
            return 2
        server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if "Traceback" in server_log:
        tail = server_log[server_log.index("Traceback") :][:1500]
        print(f"FAILED: the server's log ({log_path}) has a traceback:\n{tail}", file=sys.stderr)
        return 2

    group = [f["approve_to_group"] for f in flows]
    query = [f["approve_to_query"] for f in flows]
    tables = [f["review_end_to_tables"] for f in flows]
    requests_per_flow = [f["requests"] for f in flows]
    print()
    print(summary("approve -> group id shown", group) + "   target: p95 <= 1 s")
    print("  " + summary("of which approve -> the app queries the token", query))
    print(summary("review end -> tables shown", tables) + "   target: p95 <= 2 s")
    print(
        f"API requests per whole flow: median {statistics.median(requests_per_flow):g} "
        f"(each: {requests_per_flow})   target: <= 12"
    )
    kinds = sum((f["kinds"] for f in flows), Counter())
    for kind, count in sorted(kinds.items()):
        print(f"  {count / len(flows):5.1f} per flow  {kind}")
    load = os.getloadavg()
    print(f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    missed = []
    if p95(group) > 1:
        missed.append(f"approve -> group id p95 {p95(group):.2f} s > 1 s")
    if p95(tables) > 2:
        missed.append(f"review end -> tables p95 {p95(tables):.2f} s > 2 s")
    if max(requests_per_flow) > 12:
        missed.append(f"{max(requests_per_flow)} API requests in a flow > 12")
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
