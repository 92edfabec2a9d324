"""Upper bounds on what ingest accepts; one frozen value passed to every entry point."""

from dataclasses import dataclass

MIB = 1024 * 1024
GIB = 1024 * MIB


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 64 * MIB
    max_rows: int = 4096
    max_cols: int = 4096
    max_frames: int = 1
    zip_max_members: int = 5000
    zip_max_total_bytes: int = 4 * GIB
    zip_max_ratio: int = 200  # per member, declared uncompressed / compressed
    max_depth: int = 0  # how deep zips may nest; 0 refuses a zip inside a zip
