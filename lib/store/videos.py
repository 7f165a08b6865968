"""Video generations of a connection: each request's prompt, model, assets and parameters, its status code,
and the ones still to poll or to decide on."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select, update

from lib.store.codes import FINAL_VIDEO_STATUSES, VideoStatus, plain
from lib.store.database import insert_for
from lib.store.repository import Repository
from lib.store.tables import videos

_FINAL = [s.value for s in FINAL_VIDEO_STATUSES]


# What every page rerun after a write may read, built once (SQLAlchemy caches their compiled forms).
_ALL = (
    select(videos)
    .where(videos.c.scope == bindparam("scope"))
    .order_by(videos.c.created_at.desc(), videos.c.id.desc())
)
_UNSETTLED_WHERE = (
    videos.c.scope == bindparam("scope"),
    videos.c.task_id.is_(None),
    videos.c.status.in_((VideoStatus.SUBMITTING.value, VideoStatus.UNKNOWN.value)),
)
_UNSETTLED = select(videos).where(*_UNSETTLED_WHERE).order_by(videos.c.created_at, videos.c.id)
_UNSETTLED_COUNT = select(func.count()).select_from(videos).where(*_UNSETTLED_WHERE)


def _video(row) -> dict:
    video = {**row._mapping, "assets": json.loads(row.assets), "params": json.loads(row.params)}
    if video["status"] == VideoStatus.SUBMITTING and not video["task_id"]:
        # Written before its POST and never answered: read back, whether a task (and a charge) exists
        # upstream is unknown ("submitting" would read as running forever). The row itself is not changed.
        video["status"] = VideoStatus.UNKNOWN.value
    return video


class Videos(Repository):
    def record(
        self,
        *,
        prompt: str,
        model: str,
        assets: Iterable[str],
        params: dict,
        task_id: str | None,
        status: VideoStatus | str,
        group_id: str | None = None,
        send_key: str | None = None,
    ) -> int:
        """A new generation row (written before its POST); returns its id. A request is recorded once per
        `send_key` (its Idempotency-Key): the same send written again (by another tab or server, or a rerun)
        gets the row already there, unchanged."""
        values = {
            "task_id": task_id,
            "group_id": group_id,
            "prompt": prompt,
            "model": model,
            "assets": json.dumps(list(assets)),
            "params": json.dumps(params),
            "status": plain(status),
            "send_key": send_key or None,  # no key: nothing to claim (NULLs never collide)
        }
        if not send_key:
            return self._add(videos, **values)
        c = videos.c
        with self.db.write([group_id] if group_id else []) as conn:
            stmt = insert_for(conn, videos).values(
                scope=self.scope_id, created_at=self.db.clock(), created_by=self.actor, **values
            )
            made = conn.execute(
                stmt.on_conflict_do_nothing(
                    index_elements=[c.scope, c.send_key], index_where=c.send_key.is_not(None)
                ).returning(c.id)
            ).scalar()
            if made is None:  # recorded already: the first writer's row
                made = conn.execute(
                    select(c.id).where(c.scope == self.scope_id, c.send_key == send_key)
                ).scalar_one()
            return made

    def update(
        self,
        video_id: int,
        *,
        status: VideoStatus | str,
        task_id: str | None = None,
        video_url: str | None = None,
        expires_at: float | None = None,
        error: str | None = None,
    ) -> None:
        """A new status; the task id, URL and expiry only when given (a known one is never cleared)."""
        c = videos.c
        # Whose video it is, so that only that person's stamps move (none: it was made for no one).
        group_id = self.db.scalar(select(c.group_id).where(c.id == video_id, c.scope == self.scope_id))
        with self.db.write([group_id] if group_id else []) as conn:
            conn.execute(
                update(videos)
                .where(c.id == video_id, c.scope == self.scope_id)
                .values(
                    status=plain(status),
                    task_id=func.coalesce(task_id, c.task_id),
                    video_url=func.coalesce(video_url, c.video_url),
                    expires_at=func.coalesce(expires_at, c.expires_at),
                    error=error,
                )
            )

    def _select(self, *where, newest_first: bool = False) -> list[dict]:
        order = (
            (videos.c.created_at.desc(), videos.c.id.desc())
            if newest_first
            else (videos.c.created_at, videos.c.id)
        )
        stmt = select(videos).where(videos.c.scope == self.scope_id, *where).order_by(*order)
        return [_video(r) for r in self.db.rows(stmt)]

    def all(self) -> list[dict]:
        """Every generation, newest first."""
        return [_video(r) for r in self.db.rows(_ALL.params(scope=self.scope_id))]

    def get(self, video_id: int) -> dict | None:
        found = self._select(videos.c.id == video_id)
        return found[0] if found else None

    def unfinished(self) -> list[dict]:
        """Sent (they have a task id) and not final when last seen, oldest first: a reloaded or restarted app
        polls them again. A row still "submitting" has no task id: there is nothing to poll."""
        return self._select(videos.c.task_id.is_not(None), videos.c.status.not_in(_FINAL))

    def unsettled(self) -> list[dict]:
        """Generations whose POST may have created a billable video that no task id tracks: being sent when
        the app stopped, or sent with the answer lost. Oldest first."""
        return [_video(r) for r in self.db.rows(_UNSETTLED.params(scope=self.scope_id))]

    def unsettled_count(self) -> int:
        """How many `unsettled` lists, without reading them."""
        return self.db.scalar(_UNSETTLED_COUNT.params(scope=self.scope_id))
