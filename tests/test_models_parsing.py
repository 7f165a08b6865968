"""Parsing of every payload in the contract (/work/shared/apimart-api.md) and each tolerated variant."""

from __future__ import annotations

import dataclasses

import pytest

from lib.apimart import (
    AssetInput,
    ImageWithRole,
    MalformedResponseError,
    ReviewResult,
    SubmittedTask,
    Task,
    TaskError,
    VerificationSession,
    VideoRequest,
    VideoResult,
    with_language,
)
from lib.apimart.models import decode_link, find_group_id, unwrap

TASK_ID = "task_01KABCDEFGHJKMNPQRSTVWXYZ0"
GROUP_ID = "group-20260520163350-ctpqc"


def task(result: dict | None = None, status: str = "completed", **extra) -> Task:
    return Task.from_data({"id": TASK_ID, "status": status, "result": result or {}, **extra})


# --- envelope and submitted tasks -----------------------------------------------------------------


def test_step1_reply_parses_to_a_submitted_task():
    body = {"code": 200, "data": {"id": TASK_ID, "status": "completed"}}
    submitted = SubmittedTask.from_data(unwrap(body))
    assert submitted == SubmittedTask(TASK_ID, "completed")
    assert submitted.raw == body["data"]
    assert "raw" not in repr(submitted)


def test_step3_reply_with_extra_fields():
    data = {
        "id": TASK_ID,
        "object": "seedance.avatar.asset.task",
        "status": "processing",
        "progress": 10,
        "model": "doubao-seedance-2.0",
        "something_new": [1, 2],
    }
    assert SubmittedTask.from_data(data).status == "processing"


def test_video_reply_data_is_a_list_or_a_dict():
    as_list = SubmittedTask.from_data(
        unwrap({"code": 200, "data": [{"status": "submitted", "task_id": TASK_ID}]})
    )
    as_dict = SubmittedTask.from_data({"status": "submitted", "task_id": TASK_ID})
    assert as_list.id == as_dict.id == TASK_ID
    assert as_list.status == "submitted"


@pytest.mark.parametrize("data", [None, [], {}, {"status": "submitted"}, "task_x", [{"status": "x"}]])
def test_a_reply_without_a_task_id_is_malformed(data):
    with pytest.raises(MalformedResponseError):
        SubmittedTask.from_data(data)


def test_unwrap_tolerates_a_bare_payload():
    assert unwrap({"id": "x"}) == {"id": "x"}
    assert unwrap({"code": 200, "data": [1]}) == [1]


# --- task status ----------------------------------------------------------------------------------


def test_full_task_status_payload():
    data = {
        "id": TASK_ID,
        "status": "failed",
        "progress": "100",
        "result": {"usable_assets": []},
        "created": 1779000000,
        "completed": 1779000042.5,
        "estimated_time": 30,
        "actual_time": 42,
        "error": {"code": "FaceMismatch", "message": "Another person", "type": "review_error"},
        "object": "seedance.avatar.asset.task",
        "model": "doubao-seedance-2.0",
        "unknown": {"nested": True},
    }
    parsed = Task.from_data(data)
    assert parsed.progress == 100
    assert parsed.completed == 1779000042
    assert parsed.error == TaskError("FaceMismatch", "Another person", "review_error")
    assert parsed.is_final and not parsed.is_success
    assert parsed.object == "seedance.avatar.asset.task"
    assert parsed.raw is not None and "unknown" in parsed.raw
    assert "unknown" not in repr(parsed)


@pytest.mark.parametrize(
    ("status", "final", "success"),
    [
        ("pending", False, False),
        ("processing", False, False),
        ("completed", True, True),
        ("failed", True, False),
        ("cancelled", True, False),
        ("Canceled", True, False),
        ("SUCCEEDED", True, True),
    ],
)
def test_final_statuses(status, final, success):
    parsed = task(status=status)
    assert parsed.is_final is final
    assert parsed.is_success is success


def test_task_tolerates_missing_and_odd_fields():
    parsed = Task.from_data({"task_id": TASK_ID, "progress": None, "result": None, "error": None})
    assert parsed.id == TASK_ID
    assert parsed.status == "pending"
    assert parsed.result == {} and parsed.error is None and parsed.progress is None
    assert Task.from_data({"status": "failed", "error": "boom"}, TASK_ID).error == TaskError(message="boom")
    assert (
        Task.from_data({"status": "failed", "error": {"code": 500, "msg": "x"}}, TASK_ID).error.code == "500"
    )


def test_task_without_id_is_malformed():
    with pytest.raises(MalformedResponseError):
        Task.from_data({"status": "completed"})
    with pytest.raises(MalformedResponseError):
        Task.from_data(["not", "an", "object"], TASK_ID)


def test_models_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        task().status = "failed"  # type: ignore[misc]


# --- verification session -------------------------------------------------------------------------

ESCAPED_LINK = "https://h5.example.com/verify?token=abc\\u0026scene=avatar\\u0026lng=zh"


@pytest.mark.parametrize(
    "link",
    [
        "https://h5.example.com/verify?token=abc&scene=avatar&lng=zh",
        ESCAPED_LINK,  # the JSON carried \\u0026: the parsed string holds a literal \u0026
        "https://h5.example.com/verify?token=abc\\\\u0026scene=avatar\\\\u0026lng=zh",  # escaped twice
    ],
)
def test_h5_link_escapes_are_decoded(link):
    session = VerificationSession.from_task(
        task({"byted_token": "token_xxx", "h5_link": link, "raw_response": {}})
    )
    assert session.h5_link == "https://h5.example.com/verify?token=abc&scene=avatar&lng=zh"
    assert session.byted_token == "token_xxx"
    assert session.task_id == TASK_ID


def test_json_level_escape_is_already_an_ampersand():
    import json

    data = json.loads('{"h5_link": "https://h/x?a=1\\u0026b=2"}')
    assert decode_link(data["h5_link"]) == "https://h/x?a=1&b=2"


def test_session_link_from_upstream_raw_response():
    result = {"raw_response": {"Result": {"H5Link": "https://h/x?a=1", "BytedToken": "tok"}}}
    session = VerificationSession.from_task(task(result))
    assert (session.h5_link, session.byted_token) == ("https://h/x?a=1", "tok")


def test_session_without_link_is_malformed():
    with pytest.raises(MalformedResponseError):
        VerificationSession.from_task(task({"byted_token": "t"}))


@pytest.mark.parametrize(
    ("link", "lng", "expected"),
    [
        ("https://h/v?a=1&lng=zh", "en", "https://h/v?a=1&lng=en"),
        ("https://h/v?lng=zh&a=1", "zh-Hant", "https://h/v?a=1&lng=zh-Hant"),
        ("https://h/v", "en", "https://h/v?lng=en"),
        ("https://h/v?a=1\\u0026b=2#frag", "zh", "https://h/v?a=1&b=2&lng=zh#frag"),
        ("https://h/v?sig=a%2Bb%3D&lng=en", "zh", "https://h/v?sig=a%2Bb%3D&lng=zh"),  # untouched encoding
    ],
)
def test_with_language(link, lng, expected):
    assert with_language(link, lng) == expected


def test_with_language_refuses_unknown_languages():
    with pytest.raises(ValueError, match="zh-Hant"):
        with_language("https://h/v", "fr")


# --- verification result: the group id in each of its four places, in order ------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"id": TASK_ID, "group_id": GROUP_ID},
        {"id": TASK_ID, "result": {"group_id": GROUP_ID}},
        {"id": TASK_ID, "result": {"GroupId": GROUP_ID}},
        {"id": TASK_ID, "result": {"raw_response": {"Result": {"GroupId": GROUP_ID}}}},
    ],
    ids=["data.group_id", "result.group_id", "result.GroupId", "raw_response.Result.GroupId"],
)
def test_group_id_in_each_place(data):
    assert find_group_id(data) == GROUP_ID


def test_group_id_places_are_searched_in_order():
    data = {
        "result": {
            "GroupId": "second",
            "group_id": "first",
            "raw_response": {"Result": {"GroupId": "third"}},
        }
    }
    assert find_group_id(data) == "first"
    assert find_group_id({"group_id": "top", **data}) == "top"
    assert find_group_id({"result": {"GroupId": "", "raw_response": {"Result": {"GroupId": "g"}}}}) == "g"


@pytest.mark.parametrize("data", [{}, {"id": TASK_ID, "status": "completed"}, {"result": None}, None, []])
def test_no_group_id(data):
    assert find_group_id(data) is None


# --- review results -------------------------------------------------------------------------------

USABLE_ITEM = {
    "asset_id": "asset-1",
    "asset_url": "asset://asset-1",
    "name": "real-face-a",
    "url": "https://example.com/real-face-a.mp4",
    "status": "Active",
}
FAILED_ITEM = {
    "asset_id": "asset-2",
    "name": "real-face-b",
    "url": "https://example.com/mismatch-b.mp4",
    "status": "Failed",
    "error": {"code": "FaceMismatch", "message": "The face does not match the verified person."},
}


def test_review_all_usable():
    review = ReviewResult.from_task(
        task({"usable_assets": [USABLE_ITEM], "failed_assets": [], "group_id": GROUP_ID})
    )
    assert review.is_final and not review.is_partial
    assert review.group_id == GROUP_ID
    (item,) = review.usable
    assert item.usable
    assert (item.name, item.source_url, item.asset_id, item.asset_url) == (
        "real-face-a",
        "https://example.com/real-face-a.mp4",
        "asset-1",
        "asset://asset-1",
    )
    assert review.failed == ()


def test_review_partial_failure():
    review = ReviewResult.from_task(
        task({"usable_assets": [USABLE_ITEM], "failed_assets": [FAILED_ITEM]}, status="failed")
    )
    assert review.is_final and review.is_partial
    (failed,) = review.failed
    assert not failed.usable
    assert failed.error_code == "FaceMismatch"
    assert failed.error_message.startswith("The face")


def test_review_all_failed_is_not_partial():
    review = ReviewResult.from_task(
        task({"usable_assets": [], "failed_assets": [FAILED_ITEM]}, status="failed")
    )
    assert not review.is_partial and review.is_final


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        ({"error": {"code": "FaceMismatch", "message": "m"}}, "FaceMismatch", "m"),
        ({"reason": "InvalidParameter.DownloadFailed"}, "InvalidParameter.DownloadFailed", None),
        ({"reason": "The URL could not be downloaded"}, None, "The URL could not be downloaded"),
        ({"reason": {"code": "FaceMismatch", "message": "m"}}, "FaceMismatch", "m"),
        ({"reason": {"Code": "FaceMismatch", "Message": "m"}}, "FaceMismatch", "m"),
        ({"error": "FaceMismatch"}, "FaceMismatch", None),
        ({"error": None, "reason": "FaceMismatch"}, "FaceMismatch", None),
        ({"error": {}, "reason": {"message": "only a message"}}, None, "only a message"),
        ({}, None, None),
    ],
    ids=[
        "error-object",
        "reason-code",
        "reason-sentence",
        "reason-object",
        "reason-caps",
        "error-str",
        "null-error",
        "empty-error",
        "no-reason",
    ],
)
def test_failure_reason_variants(extra, code, message):
    item = {"name": "b", "url": "https://example.com/b.mp4", "status": "Failed", **extra}
    review = ReviewResult.from_task(task({"usable_assets": [], "failed_assets": [item]}, status="failed"))
    (failed,) = review.failed
    assert (failed.error_code, failed.error_message) == (code, message)


def test_review_items_without_status_take_their_list():
    review = ReviewResult.from_task(
        task(
            {"usable_assets": [{"asset_url": "asset://x", "url": "u"}], "failed_assets": [{"url": "v"}]},
            "failed",
        )
    )
    assert review.usable[0].status == "Active"
    assert review.failed[0].status == "Failed"


def test_review_fallback_on_assets_split_by_status():
    assets = [
        USABLE_ITEM,
        FAILED_ITEM,
        {**USABLE_ITEM, "asset_id": "asset-3", "asset_url": "asset://asset-3"},
    ]
    review = ReviewResult.from_task(task({"assets": assets}, status="failed"))
    assert [a.asset_id for a in review.usable] == ["asset-1", "asset-3"]
    assert [a.asset_id for a in review.failed] == ["asset-2"]
    assert review.is_partial


def test_review_fallback_while_running_leaves_pending_items_out():
    assets = [USABLE_ITEM, {"name": "c", "url": "https://example.com/c.mp4", "status": "Processing"}]
    review = ReviewResult.from_task(task({"assets": assets}, status="processing", progress=50))
    assert not review.is_final
    assert len(review.usable) == 1 and review.failed == ()


def test_review_single_asset_bare_asset_url():
    review = ReviewResult.from_task(
        task({"asset_url": "asset://solo", "asset_id": "solo", "group_id": GROUP_ID})
    )
    (item,) = review.usable
    assert item.asset_url == "asset://solo" and item.usable
    assert review.group_id == GROUP_ID


def test_review_running_task_has_no_items():
    review = ReviewResult.from_task(task({}, status="processing", progress=10))
    assert not review.is_final and review.usable == () and review.failed == ()


def test_reviewed_asset_without_asset_scheme_is_not_usable():
    review = ReviewResult.from_task(
        task({"usable_assets": [{"asset_url": "https://x/y", "status": "Active"}]})
    )
    assert not review.usable[0].usable


# --- assets in and video generation ---------------------------------------------------------------


def test_asset_input_payload():
    assert AssetInput("https://e/a.mp4", "a").to_payload() == {"url": "https://e/a.mp4", "name": "a"}
    assert AssetInput("https://e/a.mp4").to_payload() == {"url": "https://e/a.mp4"}


def test_video_request_defaults_omit_empty_fields():
    assert VideoRequest("a person waves").to_payload() == {
        "model": "doubao-seedance-2.0-face",
        "prompt": "a person waves",
        "duration": 5,
        "size": "16:9",
        "resolution": "720p",
        "generate_audio": True,
    }


def test_video_request_with_every_reference():
    payload = VideoRequest(
        "p",
        model="doubao-seedance-2.0-fast-face",
        duration=8,
        size="9:16",
        resolution="480p",
        seed=7,
        generate_audio=False,
        return_last_frame=True,
        image_urls=("asset://a",),
        image_with_roles=(ImageWithRole("asset://b"), ImageWithRole("https://e/f.png", "first_frame")),
        video_urls=("https://e/v.mp4",),
        audio_urls=("https://e/a.mp3",),
    ).to_payload()
    assert (
        payload["seed"] == 7 and payload["generate_audio"] is False and payload["return_last_frame"] is True
    )
    assert payload["image_with_roles"] == [
        {"url": "asset://b", "role": "reference_image"},
        {"url": "https://e/f.png", "role": "first_frame"},
    ]
    assert payload["image_urls"] == ["asset://a"]
    assert payload["video_urls"] == ["https://e/v.mp4"] and payload["audio_urls"] == ["https://e/a.mp3"]


@pytest.mark.parametrize(
    "video",
    [
        {"url": ["https://cdn/v.mp4", "https://cdn/other.mp4"], "expires_at": 1779003600},
        {"url": "https://cdn/v.mp4", "expires_at": "1779003600"},
    ],
    ids=["url-list", "url-string"],
)
def test_video_result_url_list_or_string(video):
    result = VideoResult.from_task(task({"videos": [{**video, "thumbnail_url": "https://cdn/t.jpg"}]}))
    assert result.video_url == "https://cdn/v.mp4"
    assert result.expires_at == 1779003600
    assert result.thumbnail_url == "https://cdn/t.jpg"


def test_video_result_while_running_and_odd_shapes():
    assert VideoResult.from_task(task({}, status="processing")).video_url is None
    assert VideoResult.from_task(task({"videos": [{"url": []}]})).video_url is None
    assert VideoResult.from_task(task({"videos": ["https://cdn/v.mp4"]})).video_url == "https://cdn/v.mp4"
    top = VideoResult.from_task(task({"videos": [{"url": ["https://cdn/v.mp4"]}], "thumbnail_url": "t"}))
    assert top.thumbnail_url == "t"
