"""One copy of a finished review per server: sessions showing the same person's review, as the store holds it,
share one read-only ledger and one copy of each table derived from it (issue 14: 20 sessions on a review of
20,000 assets held 20 ledgers of ~17 MB and 20 copies of its tables and exports).

A ledger is shared under its key (the database, the connection's scope, the group id and the person's items
stamp, which moves on every write to their assets): a write moves the stamp, so the next session loads the new
state under a new key while sessions holding the old copy keep it (as a session's own copy always did). Only a
finished review is shared: a review still under way is polled, and an unsettled send settled, by the session
that shows it, so those get a private ledger. A shared ledger refuses every change (lib.ledger's
SharedLedgerError); a session about to change it takes `private_copy` first (Workflow.own_ledger).

The shelf holds ledgers weakly: a shared ledger lives as long as a session holds it, and its tables with it
(they hang on the ledger), so when the sessions close the memory goes back. Pure: no Streamlit."""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from lib.ledger import AssetLedger

if TYPE_CHECKING:
    from lib.store.workspace import Store

_VIEWS = "_shelf_views"  # a shared ledger's derived values: name -> (version, value); not a dataclass field


def shareable(ledger: AssetLedger | None) -> bool:
    """A finished review: nothing under review, no send whose outcome is unknown (nothing to poll or settle)."""
    return ledger is not None and not ledger.pending_task_ids() and not ledger.unsettled_sends()


def is_shared(ledger: AssetLedger | None) -> bool:
    return ledger is not None and ledger.shared_as is not None


class LedgerShelf:
    """Shared ledgers by key, held weakly; each with its derived values, built once under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ledgers: weakref.WeakValueDictionary[Hashable, AssetLedger] = weakref.WeakValueDictionary()
        self._loading: dict[Hashable, threading.Lock] = {}
        self._views_lock = threading.RLock()  # a view's build may ask for another view

    def ledger(self, key: Hashable, load: Callable[[], AssetLedger | None]) -> AssetLedger | None:
        """The shared ledger under `key`, loaded by `load` when no session holds one; `load`'s own ledger
        (private) when it is not a finished review, None when it finds none. Sessions asking for the same key
        at once wait for one load. `key`'s first item names the review (see `review_key`): older keys of the
        same review are dropped from the shelf (their sessions keep their copy)."""
        with self._lock:
            found = self._ledgers.get(key)
            if found is not None:
                return found
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            with self._lock:
                found = self._ledgers.get(key)
            if found is not None:
                return found
            try:
                loaded = load()
                if not shareable(loaded):
                    return loaded
                loaded.shared_as = key
                setattr(loaded, _VIEWS, {})
                with self._lock:
                    for older in [k for k in list(self._ledgers.keys()) if _same_review(k, key)]:
                        self._ledgers.pop(older, None)
                    self._ledgers[key] = loaded
                return loaded
            finally:
                with self._lock:
                    self._loading.pop(key, None)

    def view(self, ledger: AssetLedger, name: str, version: Hashable, build: Callable[[], Any]) -> Any:
        """A value derived from a shared ledger (a table, an export), built once for every session that shows
        it; rebuilt when `version` changes. Callers never change what they get (a session that edits a table
        edits a copy: pandas copies on write)."""
        views: dict[str, tuple[Hashable, Any]] = getattr(ledger, _VIEWS)
        with self._views_lock:
            held = views.get(name)
            if held is not None and held[0] == version:
                return held[1]
            built = build()
            views[name] = (version, built)
            return built

    def held(self) -> int:
        """How many shared ledgers some session still holds."""
        return len(self._ledgers)

    @staticmethod
    def held_view(ledger: AssetLedger, name: str) -> Any:
        """The value the sessions share under `name` for a shared ledger (None: not built yet)."""
        held = getattr(ledger, _VIEWS, {}).get(name)
        return None if held is None else held[1]


def review_key(db_url: str, scope_id: str, group_id: str, items_stamp: int) -> tuple:
    """The key of a person's review as the store holds it now."""
    return ((db_url, scope_id, group_id), items_stamp)


def key_for(store: Store, group_id: str) -> tuple:
    """The key of `group_id`'s review as `store` holds it now: moves with every write to their assets (the
    person's items stamp), not with a rename."""
    return review_key(store.db.url, store.scope.id, group_id, store.change_stamps(group_id)[1])


def _same_review(a: Hashable, b: Hashable) -> bool:
    return isinstance(a, tuple) and isinstance(b, tuple) and a[:1] == b[:1]


def private_copy(ledger: AssetLedger) -> AssetLedger:
    """A session's own copy of a shared ledger, to change (a resubmit, more assets sent to the person): the
    records copied, not the shared tables."""
    clone = copy.copy(ledger)
    clone.__dict__.pop(_VIEWS, None)
    clone.shared_as = None
    clone.assets = copy.deepcopy(ledger.assets)
    clone.tasks = copy.deepcopy(ledger.tasks)
    clone.changed_keys, clone.changed_tasks = set(ledger.changed_keys), set(ledger.changed_tasks)
    return clone
