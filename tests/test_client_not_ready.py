"""A verification link APIMart is still preparing never holds a page: the client blocks at most about a
second, raises NotReadyError with the session's task id, and the Verify page reads that same session again
on its next tick (never creating another), in AppTest against the sandbox."""

from __future__ import annotations

import requests

from lib.apimart import ApimartClient, NotReadyError
from tests.helpers.apptest import button, new_app, open_page, sandbox_mode, texts, workflow


def session_posts(sandbox) -> list[dict]:
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    return [r for r in log if r["method"] == "POST" and r.get("selector") == "callback_url"]


def test_the_verify_page_reads_a_link_that_was_not_ready_on_its_next_tick(sandbox, monkeypatch, tmp_path):
    sandbox_mode(monkeypatch, tmp_path, sandbox)
    created: list[str] = []

    def slow_start(self, callback_url, language=None):
        # As if APIMart had not prepared the link within the second the client waits.
        submitted = self.create_verification_session(callback_url)
        created.append(submitted.id)
        raise NotReadyError(submitted.id, "processing", "verification link")

    at = open_page(new_app(), "verify")

    def still_preparing(self, task_id, language=None):
        raise NotReadyError(task_id, "processing", "verification link")

    with monkeypatch.context() as patch:
        patch.setattr(ApimartClient, "start_verification", slow_start)
        patch.setattr(ApimartClient, "get_verification_session", still_preparing)
        button(at, "verify__create").click().run()
        assert "preparing the verification link" in texts(at.info)
        at.run()  # a tick while APIMart is still preparing it: nothing changes, nothing is created
    assert not at.exception, at.exception
    assert workflow(at).verification is None
    assert "preparing the verification link" in texts(at.info)
    assert not texts(at.error) and len(created) == 1

    at.run()  # the fragment's next tick
    assert not at.exception, at.exception
    attempt = workflow(at).verification
    assert attempt is not None and attempt.task_id == created[0]
    assert len(session_posts(sandbox)) == 1, "the same session is read again, never a second one created"
    assert "verify__preparing" not in at.session_state
