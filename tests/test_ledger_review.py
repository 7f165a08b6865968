"""The ledger folds review results into attempts; the review frames explain failures and export usable
assets. Review payloads are parsed by the client's own models, as in production."""

import json

from lib.apimart import ReviewResult, SubmittedTask, Task
from lib.ledger import FAILED, PENDING, UNKNOWN, USABLE, AssetLedger
from lib.review import explain, failed_frame, history_frame, usable_csv, usable_frame, usable_json


def review(task_id, status, usable=(), failed=(), progress=100):
    result = {
        "usable_assets": [
            {
                "asset_id": f"asset-{n}",
                "asset_url": f"asset://asset-{n}",
                "name": n,
                "url": u,
                "status": "Active",
            }
            for n, u in usable
        ],
        "failed_assets": [
            {
                "asset_id": f"asset-{n}",
                "name": n,
                "url": u,
                "status": "Failed",
                **({"error": {"code": c, "message": "m"}} if c else {}),
            }
            for n, u, c in failed
        ],
    }
    return ReviewResult.from_task(
        Task.from_data({"id": task_id, "status": status, "progress": progress, "result": result})
    )


def submitted(ledger, n):
    rows = [(f"a{i}", f"https://x.example/a{i}.mp4") for i in range(n)]
    tasks = [SubmittedTask.from_data({"id": f"task_{i}", "status": "processing"}) for i in range(-(-n // 20))]
    ledger.add_submission(rows, tasks)
    return rows


def test_batches_map_to_tasks_in_order():
    ledger = AssetLedger("group-1")
    submitted(ledger, 25)
    assert [len(t.asset_keys) for t in ledger.tasks.values()] == [20, 5]
    assert ledger.assets[24].current.task_id == "task_1"
    assert ledger.counts() == {"submitted": 25, USABLE: 0, FAILED: 0, PENDING: 25, UNKNOWN: 0}


def test_unsent_rows_are_not_recorded():
    ledger = AssetLedger("group-1")
    rows = [(f"a{i}", f"https://x.example/a{i}.mp4") for i in range(25)]
    keys = ledger.add_submission(rows, [SubmittedTask.from_data({"id": "task_0", "status": "processing"})])
    assert len(keys) == 20 and len(ledger.assets) == 20


def test_partial_failure_and_resubmission_history():
    ledger = AssetLedger("group-1")
    rows = submitted(ledger, 3)
    ledger.apply_review(review("task_0", "processing", progress=40))
    assert ledger.pending_task_ids() == ["task_0"] and ledger.progress() == 0.4
    ledger.apply_review(
        review("task_0", "failed", usable=[rows[0]], failed=[(*rows[1], "FaceMismatch"), (*rows[2], None)])
    )
    assert ledger.counts()[USABLE] == 1 and ledger.counts()[FAILED] == 2
    assert ledger.usable_urls() == ["asset://asset-a0"]

    ledger.add_resubmission(
        [(1, "https://x.example/retake.mp4")],
        [SubmittedTask.from_data({"id": "task_9", "status": "processing"})],
    )
    ledger.apply_review(review("task_9", "completed", usable=[("a1", "https://x.example/retake.mp4")]))
    assert ledger.assets[1].status == USABLE and ledger.assets[1].current.number == 2
    assert ledger.assets[1].previous_codes == ["FaceMismatch"]

    failed = failed_frame(ledger)
    assert failed["name"].tolist() == ["a2"] and failed["reason"].iloc[0] == "Rejected without a reason"
    usable = usable_frame(ledger)
    assert usable["asset_url"].tolist() == ["asset://asset-a0", "asset://asset-a1"]
    assert len(history_frame(ledger)) == 4


def test_an_asset_missing_from_a_final_result_is_not_approved():
    ledger = AssetLedger("group-1")
    rows = submitted(ledger, 2)
    ledger.apply_review(review("task_0", "completed", usable=[rows[0]]))
    assert ledger.assets[1].status == FAILED and ledger.assets[1].current.error_code == "NotReported"


def test_reasons_and_fixes_are_readable():
    assert "frontal" in explain("FaceMismatch")[1]
    assert "public" in explain("InvalidParameter.DownloadFailed")[1]
    assert explain("InvalidParameter.Other", "bad ratio")[0] == "bad ratio"
    assert explain("Weird", "upstream words")[0] == "upstream words"
    assert explain(None)[0] == "Rejected without a reason"


def test_exports_hold_the_usable_list():
    ledger = AssetLedger("group-1")
    rows = submitted(ledger, 2)
    ledger.apply_review(review("task_0", "completed", usable=rows))
    frame = usable_frame(ledger)
    csv = usable_csv(frame).decode()
    assert csv.splitlines()[0] == '"name","asset_url","source_url"' and csv.count("asset://") == 2
    data = json.loads(usable_json(frame, "group-1"))
    assert data["group_id"] == "group-1" and len(data["usable_assets"]) == 2
