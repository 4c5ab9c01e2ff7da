"""Reads a sample lake the way analysts do (pyarrow.dataset, hive partitioning; DuckDB) and checks that it
sees every published row once, with the intended types, the other members of each record as sent, and
nothing of the hidden in-progress files; and that files written before the `attributes` column existed
are read together with new ones.

Usage: lake_read_test.py PATH_TO_lake_write_sample
"""
import datetime
import json
import pathlib
import subprocess
import sys
import tempfile

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

EXACT = "0.1000000000000000055511151231257827"


def check_attributes(rows) -> None:
    for r in rows:
        if r["kafka_offset"] % 3:
            assert r["attributes"] == "{}", r
            continue
        # As sent: the number's text, the escape, the order.
        i = r["kafka_offset"]
        assert r["attributes"] == ('{"i":%d,"exact":%s,"s":"caf\\u00e9","o":{"a":[1,{"b":null}]}}' % (i, EXACT)), r
        assert json.loads(r["attributes"]) == {"i": i, "exact": 0.1, "s": "caf\u00e9", "o": {"a": [1, {"b": None}]}}


def check_old_files_read_with_new(root: str, published: int) -> None:
    """A file as written before the column existed, beside the new ones: DuckDB's union_by_name and
    pyarrow's unified schema read both, the old rows with a NULL attributes."""
    new_schema = pq.read_schema(next(pathlib.Path(root).rglob("part-*.parquet")))
    old_schema = pa.schema([f for f in new_schema if f.name != "attributes"])
    old = pq.read_table(next(pathlib.Path(root).rglob("part-*.parquet")), columns=old_schema.names).slice(0, 3)
    pq.write_table(old, pathlib.Path(root) / "event_date=2026-03-01" / "part-p9-o0-o2.parquet")

    lake = f"{root}/*/*.parquet"
    con = duckdb.connect()
    total, nulls, i, s = con.sql(
        f"SELECT count(*), count(*) FILTER (attributes IS NULL), "
        f"max(attributes->>'$.i') FILTER (kafka_offset = 3 AND kafka_partition = 0), "
        f"max(attributes->>'$.s') "
        f"FROM read_parquet('{lake}', union_by_name = true, hive_partitioning = true)").fetchall()[0]
    assert (total, nulls, i, s) == (published + 3, 3, "3", "caf\u00e9"), (total, nulls, i, s)

    schema = pa.unify_schemas([pq.read_schema(f) for f in pathlib.Path(root).rglob("part-*.parquet")])
    table = ds.dataset(root, format="parquet", partitioning="hive", schema=schema).to_table()
    assert table.num_rows == published + 3
    assert table["attributes"].null_count == 3


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        sample = subprocess.run([sys.argv[1], root], check=True, capture_output=True, text=True)
        published = int(sample.stdout)

        table = ds.dataset(root, format="parquet", partitioning="hive").to_table()
        utc_us = pa.timestamp("us", tz="UTC")
        expected_types = {
            "event_time": utc_us, "user_id": pa.string(), "page_url": pa.string(),
            "event_type": pa.string(), "is_late": pa.bool_(), "kafka_partition": pa.int32(),
            "kafka_offset": pa.int64(), "processing_time": utc_us, "attributes": pa.string(),
            "event_date": pa.string(),
        }
        assert {f.name: f.type for f in table.schema} == expected_types, table.schema

        rows = table.to_pylist()
        assert len(rows) == published, (len(rows), published)
        keys = {(r["kafka_partition"], r["kafka_offset"]) for r in rows}
        assert len(keys) == len(rows), "a (partition, offset) appears twice"
        assert all(r["kafka_offset"] < 1000 for r in rows), "rows of a hidden file are visible"
        for r in rows:
            assert r["event_date"] == r["event_time"].astimezone(datetime.timezone.utc).date().isoformat(), r
        assert {r["event_date"] for r in rows} == {"2026-03-01", "2026-03-02"}
        check_attributes(rows)

        # Glob-based readers (DuckDB's '**/*.parquet') must not match in-progress files either.
        files = list(pathlib.Path(root).rglob("*.parquet"))
        assert len(files) == 4 and not any(f.name.startswith(".") for f in files), files
        assert len(list(pathlib.Path(root).rglob(".*.inprogress"))) == 1
        check_old_files_read_with_new(root, published)
    print(f"ok: {published} rows, 4 files, hidden batch not visible")


if __name__ == "__main__":
    main()
