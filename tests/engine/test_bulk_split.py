"""The national bulk import's split (engine/bulk.py): problems attributed to their unit, with
file row and column, whether the file's values are all good (one typed read) or not (read
again as text); accepted units' files do not depend on the refused units' rows."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from grassroots.engine import bulk
from grassroots.engine.bulk import split_by_unit

HEADER = "unit_code,event_id,case_id,event_type,event_date,prosecutor_id\n"
GOOD = (
    "410100,e1,c1,protest,2024-07-01,p1\n"
    "410200,e2,c2,protest,2024-07-02,p2\n"
    "410200,e2,c3,protest,2024-07-03,p2\n"  # file row 4 repeats row 3's key
    "410300,e4,c4,protest,2024-07-04,stranger\n"  # not on 410300's roster
    "999999,e5,c5,protest,2024-07-05,p9\n"  # not a unit of this import
    "410400,e6,c6,protest,2024-07-06,p4\n"
)
ROSTER = pd.DataFrame(
    {"unit_code": ["410300"], "staff_id": ["p3"], "department": ["一部"]}, dtype="string"
)
UNITS = {"410100", "410200", "410300", "410400"}


def _split(tmp_path: Path, text: str, name: str) -> tuple[object, Path]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "events.csv").write_text(HEADER + text, encoding="utf-8")
    return split_by_unit({"events": folder / "events.csv"}, folder / "out", units=UNITS,
                         roster=ROSTER), folder  # fmt: skip


def _messages(split, code: str) -> list[str]:
    return [str(p) for p in split.refused[code]]


def test_clean_values_refuse_duplicates_roster_and_unknown_units_by_unit(tmp_path) -> None:
    split, _ = _split(tmp_path, GOOD, "clean")
    assert sorted(split.units) == ["410100", "410400"]
    assert _messages(split, "410200") == [
        "events.csv row 4, column event_id: duplicate key (unit_code, event_id) = "
        "(410200, e2), first at row 3"
    ]
    assert _messages(split, "410300") == [
        "events.csv row 5, column prosecutor_id: staff number 'stranger' is not in the roster "
        "of unit 410300"
    ]
    assert _messages(split, "999999") == [
        "events.csv row 6, column unit_code: unknown unit code '999999'"
    ]
    written = pd.read_parquet(split.unit_folder("410400") / "events.parquet")
    assert written["event_id"].tolist() == ["e6"]
    assert split.units["410400"] == {"events": 1}


def test_a_bad_value_is_named_with_the_other_problems_and_spares_the_other_units(
    tmp_path,
) -> None:
    clean, _ = _split(tmp_path, GOOD, "clean")
    spoiled, _ = _split(tmp_path, GOOD + "410500,e7,c7,protest,2024-13-45,p5\n"
                        "410100,e8,c8,parade,,p1\n", "spoiled")  # fmt: skip
    assert sorted(spoiled.units) == ["410400"]
    bad_type, missing = _messages(spoiled, "410100")
    assert bad_type.startswith("events.csv row 9, column event_type: 'parade' is not one of: ")
    assert missing == "events.csv row 9, column event_date: missing value"
    assert _messages(spoiled, "410500") == [
        "events.csv row 8, column event_date: '2024-13-45' is not a date (expected YYYY-MM-DD)",
        "events.csv row 8, column unit_code: unknown unit code '410500'",
    ]
    assert _messages(spoiled, "410200") == _messages(clean, "410200")
    assert _messages(spoiled, "410300") == _messages(clean, "410300")
    # The unit accepted in both keeps the very same bytes (so the same checksum and version).
    file = "events.parquet"
    assert (spoiled.unit_folder("410400") / file).read_bytes() == (
        clean.unit_folder("410400") / file
    ).read_bytes()


def test_a_value_the_typed_parse_refuses_but_the_text_check_accepts_is_read_as_text(
    tmp_path,
) -> None:
    # DuckDB's typed CSV parse does not take an ideographic space around a date; the text
    # path trims it (as for an upload), so the file is read again as text and all is well.
    clean, _ = _split(tmp_path, GOOD, "clean")
    spaced, _ = _split(tmp_path, GOOD.replace(",2024-07-06,", ",\u30002024-07-06 ,"), "spaced")
    assert sorted(spaced.units) == sorted(clean.units) == ["410100", "410400"]
    assert spaced.refused == clean.refused
    file = "events.parquet"
    for code in clean.units:
        assert (spaced.unit_folder(code) / file).read_bytes() == (
            clean.unit_folder(code) / file
        ).read_bytes()


def test_each_unit_file_is_in_key_order_and_its_bytes_do_not_depend_on_the_file_order(
    tmp_path,
) -> None:
    # Enough rows per unit to span several of DuckDB's row groups (122,880 rows), where a
    # parallel partitioned write interleaves the chunks of one unit's file.
    rows = [
        f"{unit},e{i:06d},c{i},protest,2024-07-{1 + i % 28:02d},p1\n"
        for unit in ("410100", "410400")
        for i in range(140_000)
    ]
    ordered, _ = _split(tmp_path, "".join(rows), "ordered")
    again, _ = _split(tmp_path, "".join(rows), "again")
    shuffled, _ = _split(tmp_path, "".join(reversed(rows)), "reversed")
    assert sorted(ordered.units) == sorted(shuffled.units) == ["410100", "410400"]
    file = "events.parquet"
    for code in ordered.units:
        written = pd.read_parquet(ordered.unit_folder(code) / file)
        assert written["event_id"].tolist() == sorted(written["event_id"]), code
        assert len(written) == 140_000
        data = (ordered.unit_folder(code) / file).read_bytes()
        assert (again.unit_folder(code) / file).read_bytes() == data
        assert (shuffled.unit_folder(code) / file).read_bytes() == data


def test_rows_are_named_by_their_file_row_in_a_file_read_in_parallel(tmp_path) -> None:
    # Big enough for DuckDB to read on several threads, with a category column (its check an
    # IN list, which DuckDB may run as a join that does not keep the rows' order): the rows
    # held must still be the file's, in its order, so that a problem names the right row.
    rows = [
        f"{unit},e{i:07d},c{i},protest,2024-07-{1 + i % 28:02d},p1\n"
        for unit in ("410100", "410400")
        for i in range(150_000)
    ]
    rows.insert(250_000, "410400,e0099999,c9,protest,2024-07-01,p1\n")  # repeats a key
    rows.append("999999,e1,c1,protest,2024-07-01,p1\n")
    split, _ = _split(tmp_path, "".join(rows), "parallel")
    # File rows: the header is row 1, data row i (from 0) is row i + 2.
    assert _messages(split, "410400") == [
        "events.csv row 250002, column event_id: duplicate key (unit_code, event_id) = "
        "(410400, e0099999), first at row 250001"
    ]
    assert _messages(split, "999999") == [
        f"events.csv row {len(rows) + 1}, column unit_code: unknown unit code '999999'"
    ]
    assert sorted(split.units) == ["410100"]
    written = pd.read_parquet(split.unit_folder("410100") / "events.parquet")
    assert written["event_id"].tolist() == [f"e{i:07d}" for i in range(150_000)]


def test_an_interrupted_wait_for_the_files_leaves_no_writer_running(tmp_path, monkeypatch) -> None:
    # The caller removes the staging folder once the wait for the files fails: no thread may
    # still be writing into it then.
    real = bulk._parquet

    def slow(rows):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return real(rows)

    monkeypatch.setattr(bulk, "_parquet", slow)
    folder = tmp_path / "export"
    folder.mkdir()
    rows = "".join(f"41{u:04d},e{u},c{u},protest,2024-07-01,p1\n" for u in range(40))
    (folder / "events.csv").write_text(HEADER + rows, encoding="utf-8")
    units = {f"41{u:04d}" for u in range(40)}
    split = split_by_unit({"events": folder / "events.csv"}, folder / "out", units=units,
                          background=True)  # fmt: skip

    def interrupted(self):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(bulk._Writing, "finish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        split.written()
    assert not [t for t in threading.enumerate() if t.name.startswith("bulk-write")]
    split.stop()  # nothing left to stop
