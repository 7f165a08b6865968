"""CSV exports never hand a spreadsheet a formula: names and labels that look like one come out with a
leading quote (OWASP), through the app's own export functions over a real store; JSON stays data."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

from lib import library, review
from lib.apimart import SubmittedTask
from lib.exports import FORMULA_STARTS, csv_bytes, csv_safe
from lib.ledger import USABLE, AssetLedger
from lib.store.database import Database
from lib.store.workspace import Store

FORMULAS = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://x","y")']
PLAIN = ["front", "Lin Wei", "a=b", "x-1", "2024-05-01", "", "'quoted"]


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def neutralised(cell: str) -> bool:
    return not cell.startswith(FORMULA_STARTS)


def usable_ledger(names: list[str], group_id: str = "group-1") -> AssetLedger:
    ledger = AssetLedger(group_id, "Image")
    ledger.add_submission(
        [(name, f"https://cdn.example.com/{i}.png") for i, name in enumerate(names)],
        [SubmittedTask("task_1", "processing", {})],
    )
    ledger.tasks["task_1"].final = True
    for key, asset in ledger.assets.items():
        asset.current.status, asset.current.asset_url = USABLE, f"asset://asset-{key}"
    return ledger


def test_review_csv_neutralises_every_formula_name():
    names = FORMULAS + PLAIN
    exported = rows_of(review.usable_csv(review.usable_frame(usable_ledger(names))))
    assert len(exported) == len(names), "one row per asset: no cell broke a row in two"
    by_name = [row["name"] for row in exported]
    assert by_name[: len(FORMULAS)] == ["'" + f for f in FORMULAS], "each formula kept, behind a quote"
    assert by_name[len(FORMULAS) :] == PLAIN, "ordinary names unchanged"
    assert all(neutralised(row[column]) for row in exported for column in row)


def test_library_csv_neutralises_names_and_labels(tmp_path):
    store = Store.for_connection(Database(tmp_path / "r.db"), "sandbox", "http://x", "k")
    for n, label in enumerate(FORMULAS):
        ledger = usable_ledger([FORMULAS[(n + 1) % len(FORMULAS)], "front"], group_id=f"group-{n}")
        store.people.save(ledger.group_id, label)
        store.assets.save_ledger(ledger)
    stored = {p.group_id: p.label for p in store.people.find()}  # labels are kept trimmed
    assert all(label.startswith(FORMULA_STARTS) for label in stored.values())
    exported = rows_of(library.export_csv(store))
    assert len(exported) == 2 * len(FORMULAS), "one row per asset: no cell broke a row in two"
    assert all(row["label"] == "'" + stored[row["group_id"]] for row in exported)
    assert sorted(row["name"] for row in exported if row["name"] != "front") == sorted(
        "'" + f for f in FORMULAS
    )
    assert all(neutralised(row[column]) for row in exported for column in row)
    # The JSON export is data for programs, not a spreadsheet: the labels are exactly as stored.
    people = json.loads(library.export_json(store))["people"]
    assert {p["group_id"]: p["label"] for p in people} == stored


def test_numbers_stay_numbers_and_the_frame_is_not_changed():
    frame = pd.DataFrame({"name": ["-2", "=1"], "attempt": [-2, 1], "ok": [True, False]})
    before = frame.copy()
    safe = csv_safe(frame)
    assert safe["name"].tolist() == ["'-2", "'=1"]
    assert safe["attempt"].tolist() == [-2, 1] and safe["ok"].tolist() == [True, False]
    pd.testing.assert_frame_equal(frame, before)  # the page's cached frame is left as it was
    assert rows_of(csv_bytes(frame)) == [
        {"name": "'-2", "attempt": "-2", "ok": "True"},
        {"name": "'=1", "attempt": "1", "ok": "False"},
    ]


def test_every_cell_is_quoted_so_no_separator_or_line_break_splits_it():
    # A carriage return written bare starts a new row in a spreadsheet, and a `;` splits a cell where `;` is
    # the list separator: either way what follows would be a cell of its own, unprotected.
    frame = pd.DataFrame({"name": ["a\r=1+1", "b;=2+2", "c\n@x"]})
    assert csv_bytes(frame) == b'"name"\n"a\r=1+1"\n"b;=2+2"\n"c\n@x"\n'
    assert [row["name"] for row in rows_of(csv_bytes(frame))] == frame["name"].tolist()


def test_missing_values_and_string_dtype():
    frame = pd.DataFrame({"name": pd.array(["+x", None, "y"], dtype="string")})
    assert rows_of(csv_bytes(frame)) == [{"name": "'+x"}, {"name": ""}, {"name": "y"}]
