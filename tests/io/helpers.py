"""Writing small exports for the tests of kpikit.io."""

from __future__ import annotations

from pathlib import Path

SESSIONS = (
    "session_id,start,landing_page,pageviews,engaged\n"
    "s1,2024-03-01 10:00:00,/,3,true\n"
    "s2,2024-03-01 11:30:00,/shop,1,false\n"
    "s3,2024-03-02 09:15:00,/blog/a,2,yes\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
