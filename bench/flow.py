"""The whole flow through the library alone, against `python -m lib.sandbox`: verify, approve through the
control plane, group, submit 25 assets (two requests) with some failing, resubmit the failed ones with
replaced URLs until all are usable. Prints each step, HTTP requests and TCP connections used.

    python bench/flow.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench._sandbox_process import ConnectionCounter, sandbox_process  # noqa: E402
from lib.apimart import ApimartClient  # noqa: E402
from lib.assets import AssetRow, check_rows  # noqa: E402
from lib.flow import poll_reviews, resubmit, start_session, submit_rows  # noqa: E402
from lib.ledger import AssetLedger  # noqa: E402


def main() -> int:
    with sandbox_process("--timing", "instant") as base_url, ConnectionCounter() as connections:
        started = time.perf_counter()
        client = ApimartClient("sk-bench-flow", base_url, sleep=lambda s: None)

        attempt = start_session(client, "http://127.0.0.1:9/callback", "en")
        print(f"1. session {attempt.task_id}: h5_link {attempt.h5_link}")

        approved = requests.post(f"{base_url}/_sandbox/h5/{attempt.byted_token}/approve", timeout=5).json()
        attempt.confirm_by_operator()
        print(f"2. approved through the control plane; redirect {approved.get('redirect_url', '')[:60]}…")

        group_id = client.query_verification_result(attempt.byted_token).group_id
        print(f"3. group {group_id}")

        urls = [f"https://cdn.example.com/person/front-{i:02d}.mp4" for i in range(25)]
        for i in (3, 11, 19):
            urls[i] = urls[i].replace("front", "mismatch")
        for i in (7, 22):
            urls[i] = urls[i].replace("front", "unreachable")
        ledger = AssetLedger(group_id, "Video")
        outcome = submit_rows(client, ledger, check_rows([AssetRow(u) for u in urls], "Video"), "Video")
        assert outcome.error is None, outcome.error
        print(
            f"4. submitted {len(outcome.sent_keys)} assets in {len(ledger.tasks)} requests: {', '.join(ledger.tasks)}"
        )

        while ledger.pending_task_ids():
            assert not poll_reviews(client, ledger)
        counts = ledger.counts()
        print(f"5. reviewed: {counts['usable']} usable, {counts['failed']} failed")

        rounds = 0
        while ledger.by_status("failed"):
            rounds += 1
            replacements = {
                a.key: f"https://cdn.example.com/person/retake-{a.key:02d}.mp4"
                for a in ledger.by_status("failed")
            }
            resubmit(client, ledger, replacements)
            while ledger.pending_task_ids():
                assert not poll_reviews(client, ledger)
            counts = ledger.counts()
            print(
                f"6. resubmission {rounds}: {len(replacements)} replaced; now {counts['usable']} usable, {counts['failed']} failed"
            )
        assert counts["usable"] == 25, counts

        elapsed = time.perf_counter() - started
        print(
            f"done: all 25 usable in {elapsed:.2f} s; HTTP requests {client.request_count + 1} "
            f"(client {client.request_count}, control plane 1); TCP connections {connections.count}"
        )
        client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
