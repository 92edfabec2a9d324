"""Cohort rows to CSV and Parquet, typed by the column list."""

import csv
import datetime as dt
from pathlib import Path

from .columns import COLUMNS, Column

ARROW_TYPES = {"int": "int64", "float": "float64", "str": "string", "bool": "bool_", "date": "date32"}


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # shortest round-trip form: the CSV keeps every digit the database has
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def write_csv(rows: list[dict], path: Path, columns: list[Column] = COLUMNS) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([column.name for column in columns])
        for row in rows:
            writer.writerow([_csv_value(row[column.name]) for column in columns])


def arrow_schema(columns: list[Column] = COLUMNS):
    import pyarrow as pa

    def arrow_type(kind: str):
        return pa.timestamp("us", tz="UTC") if kind == "timestamp" else getattr(pa, ARROW_TYPES[kind])()

    return pa.schema([pa.field(c.name, arrow_type(c.kind), metadata={"description": c.description}) for c in columns])


def write_parquet(rows: list[dict], path: Path, columns: list[Column] = COLUMNS) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = {column.name: [row[column.name] for row in rows] for column in columns}
    table = pa.Table.from_pydict(values, schema=arrow_schema(columns))
    pq.write_table(table, path, compression="zstd")


WRITERS = {"csv": write_csv, "parquet": write_parquet}
