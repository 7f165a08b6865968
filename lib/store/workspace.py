"""A connection's view of the store: its repositories, each bound to the connection's scope. Made from the
server's Database for a mode, base URL and key (lib.ui.state.store); the flow and the Library take it."""

from __future__ import annotations

from lib.store.assets import Assets, Submissions
from lib.store.captures import Captures
from lib.store.database import Database, Scope
from lib.store.intents import Intents
from lib.store.media import Media
from lib.store.people import People
from lib.store.verifications import Verifications
from lib.store.videos import Videos


class Store:
    def __init__(self, db: Database, scope: Scope, actor: str | None = None) -> None:
        # `actor`: who is signed in (email or name), recorded on every row added; None when nobody signs in.
        self.db, self.scope, self.actor = db, scope, actor or None
        self.people = People(db, scope, self.actor)
        self.verifications = Verifications(db, scope, self.actor)
        self.assets = Assets(db, scope, self.actor)
        self.submissions = Submissions(db, scope, self.actor)
        self.videos = Videos(db, scope, self.actor)
        self.intents = Intents(db, scope, self.actor)
        self.media = Media(db, scope, self.actor)
        self.captures = Captures(db, scope, self.actor)

    @classmethod
    def for_connection(
        cls, db: Database, mode: str, base_url: str, api_key: str, *, actor: str | None = None
    ) -> Store:
        """The store of one connection: its rows are found again by the same mode, URL and key only. Team
        members with the same key share them; `actor` (who is signed in) is recorded on the rows they add."""
        return cls(db, db.scope_for(mode, base_url, api_key), actor)

    def change_stamp(self) -> int:
        """Moves on a write under this connection's scope, by any process; writes under other scopes leave it
        (Database.scope_stamps; a person's own: change_stamps(group_id))."""
        return self.change_stamps()[0]

    def change_stamps(self, group_id: str | None = None) -> tuple[int, int]:
        """(change_stamp, items stamp): the second moves only on writes touching photos, clips, videos or
        files (the scope's, or `group_id`'s), not on a rename."""
        if group_id is None:
            return self.db.scope_stamps(self.scope.id)
        return self.db.person_stamps(self.scope.id, group_id)

    def changes_since(self, stamp: int) -> dict[str, bool] | None:
        """Who was written to after change_stamp() was `stamp`: group id -> whether their photos, clips,
        videos or files changed too; None: maybe anyone (see Database.changes_since)."""
        return self.db.changes_since(self.scope.id, stamp)
