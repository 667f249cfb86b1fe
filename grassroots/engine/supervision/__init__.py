"""Big-data legal supervision: external datasets, model queries and their leads (issue 16).

Pure Python + DuckDB, no Django. The app ``grassroots.supervision`` calls these with values
(keys, paths, SQL text) and keeps everything in the database:

- ``idnumber``: 身份证号 validation (length, birth date, ISO 7064 MOD 11-2 check digit),
  keyed hashing for joins, masking and encryption of the clear value;
- ``datasets``: reading an agency's file (CSV / Excel / Parquet, UTF-8 or GB18030) against its
  declared columns into one Parquet file, every problem located by file, sheet, row, column;
- ``guard``: the SQL guard (SQLGlot): one read-only SELECT over registered tables only;
- ``runner``: a model query over registered Parquet files with parameters, and its evidence;
- ``synth``: the three shipped models and a deterministic generator of their datasets.
"""
