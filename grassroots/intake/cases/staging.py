"""Bring an upload (a folder, a zip, or one table file) into a private staging folder, safely.

Everything here runs before the engine reads a byte of content: the file must be what its name
says (Parquet starts with ``PAR1``, a zip is a zip, a CSV is text), the whole upload must stay
under the size limit, and a zip's members are checked for total uncompressed size and
compression ratio *before* anything is extracted, so a zip bomb never touches the disk.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grassroots.engine.caseformat import TABLES
from grassroots.engine.errors import InputError, Problem

TABLE_SUFFIXES = (".csv", ".parquet")
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 512 * 1024 * 1024  # the upload as sent (a zip: its compressed size)
    max_uncompressed: int = 2 * 1024 * 1024 * 1024  # what a zip may expand to, in total
    max_ratio: int = 100  # uncompressed / compressed, per member and overall
    max_members: int = 20


def _problem(source: Path | str, message: str) -> InputError:
    return InputError([Problem(Path(source).name, None, None, message)])


def stage_upload(source: Path, target: Path, *, limits: Limits) -> dict[str, Path]:
    """Copy or extract the case tables of ``source`` into the empty folder ``target``.

    Returns table name -> staged path. Raises InputError (nothing usable) on any problem."""
    if source.is_dir():
        return _stage_folder(source, target, limits)
    if not source.is_file():
        raise _problem(source, "no such file or folder")
    if source.suffix.lower() == ".zip":
        return _stage_zip(source, target, limits)
    _check_size(source, source.stat().st_size, limits)
    return {_table_name(source): _copy_table(source, target)}


def _table_name(path: Path) -> str:
    name, suffix = path.stem.lower(), path.suffix.lower()
    if suffix not in TABLE_SUFFIXES or name not in TABLES:
        expected = ", ".join(f"{t}.csv/.parquet" for t in TABLES)
        raise _problem(path, f"not a case table file (expected {expected}, or a .zip of them)")
    return name


def _check_size(source: Path, size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise _problem(
            source, f"the upload is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes"
        )


def _stage_folder(folder: Path, target: Path, limits: Limits) -> dict[str, Path]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    tables = [p for p in files if p.suffix.lower() in TABLE_SUFFIXES and p.stem.lower() in TABLES]
    if not tables:
        raise _problem(folder, "no persons, events or matters file (.parquet or .csv)")
    _check_size(folder, sum(p.stat().st_size for p in tables), limits)
    return _unique({_table_name(p): _copy_table(p, target) for p in tables}, folder, tables)


def _unique(staged: dict[str, Path], source: Path, files: list[Path]) -> dict[str, Path]:
    if len(staged) != len(files):
        raise _problem(source, "a table is given twice (both .csv and .parquet?)")
    return staged


def _copy_table(path: Path, target: Path) -> Path:
    dest = target / f"{path.stem.lower()}{path.suffix.lower()}"
    with path.open("rb") as source, dest.open("wb") as out:
        _copy_checked(path.name, source, out)
    return dest


def _copy_checked(
    name: str, source: IO[bytes], out: IO[bytes], *, at_most: int | None = None
) -> int:
    """Copy in chunks (never the whole file in memory): the first bytes must match the name
    (``check_content``), and a CSV must hold no NUL byte anywhere, not only in its first 8 KB
    (issue 19.7). ``at_most``: refuse more bytes than that. Returns the bytes written."""
    written = 0
    first = True
    text = Path(name).suffix.lower() == ".csv"
    while chunk := source.read(1024 * 1024):
        if first:
            check_content(name, chunk[:SNIFF_BYTES])
            first = False
        if text and b"\x00" in chunk:
            raise _problem(name, "is not a text CSV file (it holds a NUL byte)")
        written += len(chunk)
        if at_most is not None and written > at_most:
            raise _problem(name, "is larger than its zip header says")
        out.write(chunk)
    if first:
        check_content(name, b"")
    return written


def check_content(name: str, head: bytes) -> None:
    """Refuse a file whose first bytes contradict its name (a renamed binary, say)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".parquet" and not head.startswith(PARQUET_MAGIC):
        raise _problem(name, "is not a Parquet file (its content does not start with PAR1)")
    if suffix == ".csv" and (b"\x00" in head or head.startswith((PARQUET_MAGIC, ZIP_MAGIC))):
        raise _problem(name, "is not a text CSV file (it holds binary data)")


def _stage_zip(source: Path, target: Path, limits: Limits) -> dict[str, Path]:
    size = source.stat().st_size
    _check_size(source, size, limits)
    if not zipfile.is_zipfile(source):
        raise _problem(source, "is not a zip file")
    try:
        with zipfile.ZipFile(source) as archive:
            members = _zip_members(source, archive, limits)
            return {name: _extract(source, archive, info, target) for name, info in members}
    except zipfile.BadZipFile as exc:
        raise _problem(source, f"is a damaged zip file ({exc})") from None


def _zip_members(
    source: Path, archive: zipfile.ZipFile, limits: Limits
) -> list[tuple[str, zipfile.ZipInfo]]:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > limits.max_members:
        raise _problem(source, f"the zip holds {len(infos)} files, more than {limits.max_members}")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.max_uncompressed or total > limits.max_ratio * max(packed, 1):
        raise _problem(
            source,
            f"the zip would expand to {total:,} bytes from {packed:,} "
            f"(limit {limits.max_uncompressed:,} bytes, ratio {limits.max_ratio}): refused",
        )
    for info in infos:
        if info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _problem(source, f"zip member {info.filename} is compressed suspiciously well")
    # Only the base name is used: a member called ../../x can never leave the staging folder.
    tables = [
        (i, Path(i.filename).name) for i in infos if not Path(i.filename).name.startswith(".")
    ]
    chosen = [(_table_name(Path(base)), i) for i, base in tables]
    if not chosen:
        raise _problem(source, "the zip holds no persons, events or matters file")
    if len({n for n, _ in chosen}) != len(chosen):
        raise _problem(source, "a table is given twice in the zip")
    return chosen


def _extract(source: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> Path:
    base = Path(info.filename).name
    dest = target / f"{Path(base).stem.lower()}{Path(base).suffix.lower()}"
    # Copy in chunks and stop at the declared size: a member lying about its size cannot
    # write more than the header promised (and the promise was checked above).
    with archive.open(info) as member, dest.open("wb") as out:
        try:
            _copy_checked(base, member, out, at_most=info.file_size)
        except InputError as exc:
            if "zip header" in str(exc.problems[0].message):
                raise _problem(
                    source, f"zip member {base} is larger than its header says"
                ) from None
            raise
    return dest
