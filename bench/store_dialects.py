"""The registry's own operations on SQLite and on PostgreSQL, side by side: a first save of 10,000 assets over
10 people, a poll's save of one finished review task, the Library's reads (everyone with counts, one person's
asset table, the change stamps), and writers on 4 threads (two engines, as two servers) each saving people.
PostgreSQL is a throwaway local server (tests/helpers/postgres.py: loopback, fsync off), so the figures are
the database's and the driver's own cost, not a network's or a disk's. Prints medians and the PG/SQLite ratio.

    python bench/store_dialects.py [--assets 10000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.apimart import SubmittedTask  # noqa: E402
from lib.ledger import FAILED, USABLE, AssetLedger  # noqa: E402
from lib.store.database import Database  # noqa: E402
from lib.store.workspace import Store  # noqa: E402
from tests.helpers.postgres import running_postgres  # noqa: E402

PEOPLE = 10


def ledger_of(p: int, per_person: int) -> AssetLedger:
    ledger = AssetLedger(f"group-p{p:04d}", "Video")
    rows = [(f"a{p}-{i}", f"https://cdn.example.com/{p}/{i}.mp4") for i in range(per_person)]
    tasks = [SubmittedTask(f"task_{p:04d}_{i:06d}", "processing", {}) for i in range(-(-per_person // 20))]
    ledger.add_submission(rows, tasks)
    return ledger


def timed(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(target, n_assets: int, rounds: int) -> dict[str, float]:
    db = Database(target)
    store = Store.for_connection(db, "sandbox", "http://127.0.0.1:9", "bench")
    figures = {}
    ledgers = []
    started = time.perf_counter()
    for p in range(PEOPLE):
        store.people.save(f"group-p{p:04d}", f"Person {p}")
        ledger = ledger_of(p, n_assets // PEOPLE)
        store.assets.save_ledger(ledger)
        ledgers.append(ledger)
    figures[f"first save of {n_assets:,} assets"] = time.perf_counter() - started

    ledger = ledgers[0]
    tasks = iter(list(ledger.tasks.values()))

    def finish_one_task() -> None:
        task = next(tasks)
        task.final, task.status = True, "completed"
        for key in task.asset_keys:
            attempt = ledger.assets[key].current
            attempt.status, attempt.asset_url = (USABLE, f"asset://{key}") if key % 4 else (FAILED, None)
        ledger.touch(task.asset_keys, [task.task_id])
        store.assets.save_ledger(ledger)

    figures["a poll's save (one task, 20 assets)"] = timed(finish_one_task, min(rounds, len(ledger.tasks)))
    figures["everyone with counts (people.find)"] = timed(store.people.find, rounds)
    columns = ["name", "attempt", "status", "asset_url"]
    figures["one person's asset table"] = timed(lambda: store.assets.table(columns, ledger.group_id), rounds)
    figures["change stamps of a person"] = timed(lambda: store.change_stamps(ledger.group_id), rounds)

    second = Database(target)  # another server's engine
    per_thread = 25

    def writer(n: int) -> None:
        mine = Store.for_connection(second if n % 2 else db, "sandbox", "http://127.0.0.1:9", "bench")
        for i in range(per_thread):
            mine.people.save(f"writer-{n}-{i}", f"w{n}-{i}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    figures[f"{4 * per_thread} writes on 4 threads, 2 engines"] = time.perf_counter() - started
    second.close()
    db.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = measure(Path(folder) / "bench.db", args.assets, args.rounds)
    with running_postgres() as server:
        url = server.new_database("bench")
        postgres = measure(url, args.assets, args.rounds)
    print(f"{'':42} {'SQLite':>10} {'PostgreSQL':>11} {'ratio':>6}")
    for name, on_sqlite in sqlite.items():
        on_pg = postgres[name]
        print(f"{name:42} {on_sqlite * 1000:8.1f} ms {on_pg * 1000:8.1f} ms {on_pg / on_sqlite:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
