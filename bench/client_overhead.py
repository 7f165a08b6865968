"""The client's per-call time against the sandbox, as a ratio to a bare `requests.Session().get` of the
same endpoint in the same run (target: at most 1.3).

    python bench/client_overhead.py [--calls 400]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench._sandbox_process import sandbox_process  # noqa: E402
from lib.apimart import ApimartClient  # noqa: E402
from lib.assets import AssetRow, check_rows  # noqa: E402
from lib.flow import submit_rows  # noqa: E402
from lib.ledger import AssetLedger  # noqa: E402


def per_call(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    key = "sk-bench-overhead"
    with sandbox_process("--timing", "instant") as base_url:
        client = ApimartClient(key, base_url)
        # A real review task to read: one asset submitted to a verified group.
        attempt = client.start_verification("http://127.0.0.1:9/callback")
        requests.post(f"{base_url}/_sandbox/h5/{attempt.byted_token}/approve", timeout=5)
        group_id = client.query_verification_result(attempt.byted_token).group_id
        ledger = AssetLedger(group_id)
        submit_rows(client, ledger, check_rows([AssetRow("https://cdn.example.com/a.mp4")], "Video"), "Video")
        task_id = next(iter(ledger.tasks))

        bare = requests.Session()
        bare.headers["Authorization"] = f"Bearer {key}"
        url = f"{base_url}/v1/tasks/{task_id}"

        def bare_get():
            bare.get(url, timeout=(5, 30)).json()

        def client_get():
            client.get_task(task_id)

        def client_review():
            client.get_review(task_id)

        for fn in (bare_get, client_get, client_review):  # warm up connections and code paths
            per_call(fn, 20)
        bare_times, client_times, review_times = [], [], []
        for _ in range(args.rounds):  # interleaved rounds so drift hits both sides alike
            bare_times.append(per_call(bare_get, args.calls))
            client_times.append(per_call(client_get, args.calls))
            review_times.append(per_call(client_review, args.calls))
        b, c, r = (statistics.median(t) for t in (bare_times, client_times, review_times))
        print(f"bare requests.Session().get : {b * 1e6:8.1f} µs/call")
        print(f"client.get_task             : {c * 1e6:8.1f} µs/call  ratio {c / b:.3f}  (target ≤ 1.3)")
        print(f"client.get_review           : {r * 1e6:8.1f} µs/call  ratio {r / b:.3f}")
        client.close()
        return 0 if c / b <= 1.3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
