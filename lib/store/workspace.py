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
    def __init__(self, db: Database, scope: Scope) -> None:
        self.db, self.scope = db, scope
        self.people = People(db, scope)
        self.verifications = Verifications(db, scope)
        self.assets = Assets(db, scope)
        self.submissions = Submissions(db, scope)
        self.videos = Videos(db, scope)
        self.intents = Intents(db, scope)
        self.media = Media(db, scope)
        self.captures = Captures(db, scope)

    @classmethod
    def for_connection(cls, db: Database, mode: str, base_url: str, api_key: str) -> Store:
        """The store of one connection: its rows are found again by the same mode, URL and key only."""
        return cls(db, db.scope_for(mode, base_url, api_key))

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
