"""Writers for the generated tables: Parquet (default) or CSV, one chunk at a time.

The Arrow schema of each table follows :mod:`grassroots.engine.caseformat` column for column.
Writers are deterministic: the same chunks give byte-identical files.
"""

from __future__ import annotations

import enum
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from grassroots.engine.caseformat import TABLES

ARROW_TYPES = {
    "string": pa.string(),
    "category": pa.string(),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "int": pa.int64(),
}


# Unique per row: a dictionary page only costs time and space for these.
UNIQUE_COLUMNS = frozenset({"case_id", "event_id", "matter_id"})


class OutputFormat(enum.StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


def schema(table: str) -> pa.Schema:
    """The Arrow schema of a case-record table, in caseformat's column order."""
    columns = TABLES[table].columns.values()
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.kind], nullable=not c.required) for c in columns]
    )


class TableSink:
    """Appends chunks of one table to ``folder/<table>.<format>``."""

    def __init__(self, folder: Path, table: str, fmt: OutputFormat) -> None:
        self.schema = schema(table)
        self.path = folder / f"{table}.{fmt.value}"
        self.rows = 0
        self._writer: pq.ParquetWriter | pacsv.CSVWriter
        if fmt is OutputFormat.PARQUET:
            dictionary = [n for n in self.schema.names if n not in UNIQUE_COLUMNS]
            self._writer = pq.ParquetWriter(
                self.path, self.schema, compression="zstd", use_dictionary=dictionary
            )
        else:
            self._writer = pacsv.CSVWriter(self.path, self.schema)

    def write(self, chunk: pa.Table) -> None:
        # Casting to the declared schema fails loudly if a column is missing or misnamed.
        self._writer.write_table(chunk.select(self.schema.names).cast(self.schema))
        self.rows += chunk.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> TableSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
