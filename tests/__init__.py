"""kpikit's test suite; it mirrors the package (tests/web/test_sessions.py tests kpikit/web/sessions.py)."""
