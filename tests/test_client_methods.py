"""Each client method's requests and its reading of every reply variant, over a scripted server (no
sandbox): where step 2 finds the group id, batching, payloads, and what an error keeps."""

from __future__ import annotations

import json

import pytest

from lib.apimart import (
    ApimartError,
    AssetInput,
    BadRequestError,
    MalformedResponseError,
    NotReadyError,
    PartialSubmitError,
    ServerError,
    TaskFailedError,
    VideoRequest,
)
from lib.ui.errors import hint_for
from tests.helpers.scripted_http import TASK_ID, client_with, response

GROUP_ID = "group-20260520163350-ctpqc"
TOKEN = "token_xxx"


def ok(data) -> object:
    return response(200, {"code": 200, "data": data})


def sent_json(call: dict) -> dict:
    return call["json"]


# --- step 1 ---------------------------------------------------------------------------------------


def test_start_verification_posts_then_reads_the_task():
    link = "https://h5.example.com/v?token=abc\\u0026scene=x"
    client, session, _ = client_with(
        ok({"id": TASK_ID, "status": "completed"}),
        ok({"id": TASK_ID, "status": "completed", "result": {"byted_token": TOKEN, "h5_link": link}}),
        project_name="studio",
    )
    result = client.start_verification("https://app.example.com/callback", language="en")
    assert result.h5_link == "https://h5.example.com/v?token=abc&scene=x&lng=en"
    assert result.byted_token == TOKEN and result.task_id == TASK_ID
    post, get = session.calls
    assert post["method"] == "POST" and post["url"].endswith("/v1/seedance2/real-avatar")
    assert sent_json(post) == {"callback_url": "https://app.example.com/callback", "project_name": "studio"}
    assert get["method"] == "GET" and get["url"].endswith(f"/v1/tasks/{TASK_ID}")


def test_start_verification_reads_again_once_within_a_second():
    client, session, slept = client_with(
        ok({"id": TASK_ID, "status": "processing"}),
        ok({"id": TASK_ID, "status": "processing"}),
        ok(
            {"id": TASK_ID, "status": "completed", "result": {"byted_token": TOKEN, "h5_link": "https://h/x"}}
        ),
    )
    assert client.start_verification("https://cb").h5_link == "https://h/x"
    assert slept == [1.0]


def test_start_verification_never_blocks_longer_than_a_second():
    client, session, slept = client_with(*[ok({"id": TASK_ID, "status": "processing"})] * 3)
    with pytest.raises(NotReadyError) as raised:
        client.start_verification("https://cb")
    assert sum(slept) <= 1.0 and [c["method"] for c in session.calls] == ["POST", "GET", "GET"]
    assert raised.value.task_id == TASK_ID and "not ready" in str(raised.value)
    # The page reads the same session again on its next tick (never a second POST).
    client, session, _ = client_with(
        ok({"id": TASK_ID, "status": "completed", "result": {"byted_token": TOKEN, "h5_link": "https://h/x"}})
    )
    assert client.get_verification_session(TASK_ID).byted_token == TOKEN


def test_a_failed_session_task_says_to_start_again():
    client, _, _ = client_with(ok({"id": TASK_ID, "status": "failed", "error": {"message": "upstream"}}))
    with pytest.raises(TaskFailedError) as raised:
        client.get_verification_session(TASK_ID)
    assert "new verification session" in hint_for(raised.value)


def test_a_session_still_pending_is_not_ready():
    client, _, _ = client_with(ok({"id": TASK_ID, "status": "pending"}))
    with pytest.raises(NotReadyError) as raised:
        client.get_verification_session(TASK_ID)
    assert isinstance(raised.value, ApimartError) and "not ready" in str(raised.value)


# --- step 2: the group id wherever it is ----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"id": TASK_ID, "status": "completed", "group_id": GROUP_ID},
        {"id": TASK_ID, "status": "completed", "result": {"group_id": GROUP_ID}},
        {"id": TASK_ID, "status": "completed", "result": {"GroupId": GROUP_ID}},
        {"id": TASK_ID, "status": "completed", "result": {"raw_response": {"Result": {"GroupId": GROUP_ID}}}},
        {"group_id": GROUP_ID},
    ],
)
def test_group_id_in_the_post_reply_needs_no_read(data):
    client, session, _ = client_with(ok(data))
    result = client.query_verification_result(TOKEN)
    assert result.group_id == GROUP_ID
    assert len(session.calls) == 1
    assert sent_json(session.calls[0]) == {"byted_token": TOKEN, "project_name": "default"}


@pytest.mark.parametrize(
    "result",
    [
        {"group_id": GROUP_ID},
        {"GroupId": GROUP_ID},
        {"raw_response": {"Result": {"GroupId": GROUP_ID}}},
    ],
)
def test_group_id_in_the_task(result):
    client, session, _ = client_with(
        ok({"id": TASK_ID, "status": "completed"}),
        ok({"id": TASK_ID, "status": "completed", "result": result}),
    )
    verification = client.query_verification_result(TOKEN)
    assert (verification.group_id, verification.task_id) == (GROUP_ID, TASK_ID)
    assert [c["method"] for c in session.calls] == ["POST", "GET"]


def test_the_read_is_retried_but_never_the_post():
    client, session, slept = client_with(
        ok({"id": TASK_ID, "status": "processing"}),
        response(503, {"msg": "busy"}),
        ok({"id": TASK_ID, "status": "processing"}),
        ok({"id": TASK_ID, "status": "completed", "result": {"group_id": GROUP_ID}}),
    )
    assert client.query_verification_result(TOKEN).group_id == GROUP_ID
    assert [c["method"] for c in session.calls] == ["POST", "GET", "GET", "GET"]
    assert slept == [1.0]  # the 503 is retried at once; then one read more, a second later


def test_a_result_not_ready_keeps_its_task_and_is_read_again_later():
    client, session, slept = client_with(
        ok({"id": TASK_ID, "status": "processing"}), *[ok({"id": TASK_ID, "status": "processing"})] * 2
    )
    with pytest.raises(NotReadyError) as raised:
        client.query_verification_result(TOKEN)
    assert raised.value.task_id == TASK_ID and sum(slept) <= 1.0
    client, session, _ = client_with(
        ok({"id": TASK_ID, "status": "completed", "result": {"group_id": GROUP_ID}})
    )
    assert client.read_verification_result(TASK_ID).group_id == GROUP_ID
    assert [c["method"] for c in session.calls] == ["GET"]


def test_a_read_that_keeps_failing_says_where_the_result_is():
    client, session, _ = client_with(
        ok({"id": TASK_ID, "status": "completed"}), *[response(503, {"msg": "busy"})] * 4
    )
    with pytest.raises(ServerError) as raised:
        client.query_verification_result(TOKEN)
    assert TASK_ID in hint_for(raised.value) and raised.value.task_id == TASK_ID
    assert [c["method"] for c in session.calls].count("POST") == 1


def test_a_failed_verification_task():
    client, _, _ = client_with(
        ok({"id": TASK_ID, "status": "completed"}),
        ok({"id": TASK_ID, "status": "failed", "error": {"code": "LivenessFailed", "message": "no"}}),
    )
    with pytest.raises(TaskFailedError) as raised:
        client.query_verification_result(TOKEN)
    assert "verify again" in hint_for(raised.value)


@pytest.mark.parametrize(
    "replies",
    [
        [ok({"status": "completed"})],
        [ok([])],
        [
            ok({"id": TASK_ID, "status": "completed"}),
            ok({"id": TASK_ID, "status": "completed", "result": {}}),
        ],
    ],
    ids=["no-id", "not-an-object", "task-without-group"],
)
def test_a_verification_result_without_a_group_is_malformed(replies):
    client, _, _ = client_with(*replies)
    with pytest.raises(MalformedResponseError):
        client.query_verification_result(TOKEN)


def test_a_refused_token():
    client, session, _ = client_with(response(400, {"code": 400, "message": "verification pending"}))
    with pytest.raises(BadRequestError, match="verification pending"):
        client.query_verification_result(TOKEN)
    assert len(session.calls) == 1


# --- step 3 and the private-avatar sibling --------------------------------------------------------


def test_submit_assets_payload():
    client, session, _ = client_with(ok({"id": TASK_ID, "status": "processing", "progress": 10}))
    (task,) = client.submit_assets(
        GROUP_ID, [AssetInput("https://e/a.mp4", "a"), AssetInput("https://e/b.mp4")], asset_type="Image"
    )
    assert task.status == "processing"
    assert sent_json(session.calls[0]) == {
        "group_id": GROUP_ID,
        "project_name": "default",
        "asset_type": "Image",
        "assets": [{"url": "https://e/a.mp4", "name": "a"}, {"url": "https://e/b.mp4"}],
    }


def test_submit_splits_into_batches_of_twenty_in_order():
    client, session, _ = client_with(*[ok({"id": f"task_{i}", "status": "processing"}) for i in range(3)])
    assets = [AssetInput(f"https://e/{i}.mp4", str(i)) for i in range(45)]
    tasks = client.submit_assets(GROUP_ID, assets)
    assert [t.id for t in tasks] == ["task_0", "task_1", "task_2"]
    batches = [[a["name"] for a in sent_json(c)["assets"]] for c in session.calls]
    assert [len(b) for b in batches] == [20, 20, 5]
    assert sum(batches, []) == [str(i) for i in range(45)]


def test_a_later_batch_failing_keeps_the_earlier_tasks():
    client, _, _ = client_with(
        ok({"id": "task_0", "status": "processing"}),
        ok({"id": "task_1", "status": "processing"}),
        response(402, {"code": 402, "message": "Insufficient balance"}),
    )
    with pytest.raises(PartialSubmitError) as raised:
        client.submit_assets(GROUP_ID, [AssetInput(f"https://e/{i}.mp4") for i in range(50)])
    error = raised.value
    assert [t.id for t in error.submitted] == ["task_0", "task_1"]
    assert error.sent == 40 and error.total == 50 and error.cause.status_code == 402
    assert "Top up" in hint_for(error)


def test_a_first_batch_failing_raises_the_error_itself():
    client, _, _ = client_with(response(400, {"code": 400, "message": "bad group"}))
    with pytest.raises(BadRequestError):
        client.submit_assets(GROUP_ID, [AssetInput(f"https://e/{i}.mp4") for i in range(30)])


def test_a_later_batch_reply_without_id_is_also_partial():
    client, _, _ = client_with(ok({"id": "task_0", "status": "processing"}), ok({"status": "processing"}))
    with pytest.raises(PartialSubmitError) as raised:
        client.submit_assets(GROUP_ID, [AssetInput(f"https://e/{i}.mp4") for i in range(21)])
    assert isinstance(raised.value.cause, MalformedResponseError)


@pytest.mark.parametrize(("group_id", "assets"), [("", [AssetInput("https://e/a")]), (GROUP_ID, [])])
def test_submit_refuses_to_send_nothing(group_id, assets):
    client, session, _ = client_with()
    with pytest.raises(ValueError):
        client.submit_assets(group_id, assets)
    assert session.calls == []


def test_private_avatar_creates_a_group_or_adds_to_one():
    client, session, _ = client_with(ok({"id": "task_0", "status": "processing"}), ok({"id": "task_1"}))
    client.submit_private_avatar(
        group_name="Ada", group_description="virtual", assets=[AssetInput("https://e/a.png")]
    )
    client.submit_private_avatar(
        group_id="group-x", assets=[AssetInput("https://e/b.mp4")], asset_type="Video"
    )
    first, second = (sent_json(c) for c in session.calls)
    assert session.calls[0]["url"].endswith("/v1/seedance2/private-avatar")
    assert first == {
        "project_name": "default",
        "asset_type": "Image",
        "group": {"name": "Ada", "description": "virtual"},
        "assets": [{"url": "https://e/a.png"}],
    }
    assert second["group_id"] == "group-x" and "group" not in second and second["asset_type"] == "Video"


def test_private_avatar_argument_checks():
    client, _, _ = client_with()
    with pytest.raises(ValueError):
        client.submit_private_avatar(assets=[AssetInput("https://e/a.png")])
    with pytest.raises(ValueError):
        client.submit_private_avatar(group_id="g", group_name="n", assets=[AssetInput("https://e/a.png")])
    with pytest.raises(ValueError, match="group id"):
        client.submit_private_avatar(
            group_name="n", assets=[AssetInput(f"https://e/{i}.png") for i in range(21)]
        )


# --- tasks, reviews and videos --------------------------------------------------------------------


def test_get_task_language_and_quoting():
    client, session, _ = client_with(ok({"id": "task_a/b", "status": "completed"}))
    client.get_task("task_a/b", language="en")
    assert session.calls[0]["url"].endswith("/v1/tasks/task_a%2Fb")
    assert session.calls[0]["params"] == {"language": "en"}


def test_get_review_reads_a_partial_failure():
    result = {
        "usable_assets": [
            {"asset_url": "asset://1", "name": "a", "url": "https://e/a.mp4", "status": "Active"}
        ],
        "failed_assets": [
            {"name": "b", "url": "https://e/b.mp4", "status": "Failed", "reason": "FaceMismatch"}
        ],
    }
    client, _, _ = client_with(ok({"id": TASK_ID, "status": "failed", "result": result}))
    review = client.get_review(TASK_ID)
    assert review.is_partial and review.failed[0].error_code == "FaceMismatch"


def test_wait_for_task_uses_the_client_sleep_by_default():
    client, _, slept = client_with(
        ok({"id": TASK_ID, "status": "pending"}), ok({"id": TASK_ID, "status": "completed", "result": {}})
    )
    assert client.wait_for_task(TASK_ID, interval=0.25).is_success
    assert slept == [0.25]


@pytest.mark.parametrize(
    "data",
    [
        [{"status": "submitted", "task_id": TASK_ID}],
        {"status": "submitted", "task_id": TASK_ID},
        {"id": TASK_ID},
    ],
    ids=["list", "dict", "id"],
)
def test_generate_video_reply_variants(data):
    client, session, _ = client_with(ok(data))
    submitted = client.generate_video(VideoRequest("wave", image_urls=("asset://a",)))
    assert submitted.id == TASK_ID
    assert session.calls[0]["url"].endswith("/v1/videos/generations")
    body = sent_json(session.calls[0])
    assert body["model"] == "doubao-seedance-2.0-face" and body["image_urls"] == ["asset://a"]
    json.dumps(body)  # serialisable as sent


def test_get_video():
    result = {"videos": [{"url": ["https://cdn/v.mp4"], "expires_at": 1779003600}]}
    client, _, _ = client_with(ok({"id": TASK_ID, "status": "completed", "result": result}))
    video = client.get_video(TASK_ID)
    assert video.video_url == "https://cdn/v.mp4" and video.expires_at == 1779003600
