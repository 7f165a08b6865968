"""Two app servers on one registry, as the store sees them: a Database handle, an API client and a Store each
(a SQLite file or a real PostgreSQL database), and a person verified through the first."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import requests

from lib import flow
from lib.apimart import ApimartClient
from lib.store.database import Database
from lib.store.workspace import Store


@contextlib.contextmanager
def verified_on_two_servers(registry_target, sandbox, api_key: str) -> Iterator[tuple[str, list]]:
    """(group id, [(client, store) per server]); the handles are closed afterwards."""
    dbs = [Database(registry_target), Database(registry_target)]
    clients = [ApimartClient(api_key, sandbox.base_url, sleep=lambda s: None) for _ in dbs]
    stores = [Store.for_connection(db, "sandbox", sandbox.base_url, api_key) for db in dbs]
    try:
        attempt = flow.start_session(clients[0], "https://app.example/callback", "en", store=stores[0])
        requests.post(f"{sandbox.base_url}/_sandbox/h5/{attempt.byted_token}/approve", timeout=5)
        attempt.confirm_by_operator()
        group_id = flow.finish_verification(clients[0], attempt, label="Lin", store=stores[0])
        yield group_id, list(zip(clients, stores, strict=True))
    finally:
        for client in clients:
            client.close()
        for db in dbs:
            db.close()
