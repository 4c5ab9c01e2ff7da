"""Reads a sample lake the way analysts do (pyarrow.dataset, hive partitioning) and checks that it sees
every published row once, with the intended types, and nothing of the hidden in-progress files.

Usage: lake_read_test.py PATH_TO_lake_write_sample
"""
import datetime
import pathlib
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.dataset as ds


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        sample = subprocess.run([sys.argv[1], root], check=True, capture_output=True, text=True)
        published = int(sample.stdout)

        table = ds.dataset(root, format="parquet", partitioning="hive").to_table()
        utc_us = pa.timestamp("us", tz="UTC")
        expected_types = {
            "event_time": utc_us, "user_id": pa.string(), "page_url": pa.string(),
            "event_type": pa.string(), "is_late": pa.bool_(), "kafka_partition": pa.int32(),
            "kafka_offset": pa.int64(), "processing_time": utc_us, "event_date": pa.string(),
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

        # Glob-based readers (DuckDB's '**/*.parquet') must not match in-progress files either.
        files = list(pathlib.Path(root).rglob("*.parquet"))
        assert len(files) == 4 and not any(f.name.startswith(".") for f in files), files
        assert len(list(pathlib.Path(root).rglob(".*.inprogress"))) == 1
    print(f"ok: {published} rows, 4 files, hidden batch not visible")


if __name__ == "__main__":
    main()
