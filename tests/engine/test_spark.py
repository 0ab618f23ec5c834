"""The same calls on Ibis tables backed by Spark (local[2]) give pandas' sessions, bounce tables and funnel counts.

Spark needs a Java runtime and pyspark (the ``spark`` extra): without them this module is skipped with a
message naming what is missing, unless ``KPIKIT_REQUIRE_SPARK=1`` (set by .ci/run), where a missing piece is
a failure. One SparkSession serves the module; the data are small (the hand-worked logs and 300 users of
data/sample): what is checked is that the expressions run on Spark and give the same numbers.
"""

from __future__ import annotations

import os
import shutil
import warnings

import pandas as pd
import pytest

from kpikit import funnel as F
from kpikit import web
from kpikit.engine import attrs, backend_name
from tests.engine.compare import assert_same
from tests.funnel.logs import ORDER_LOG, STEPS, device_log
from tests.paths import SAMPLE
from tests.web.cases import EVENTS


def _missing() -> str:
    """What Spark lacks here, in words; empty when it can run."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -c constraints.txt -e '.[test,spark]')"
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "no Java runtime for Spark (a JDK 17: apt-get install openjdk-17-jre-headless)"
    return ""


MISSING = _missing()
if MISSING and os.environ.get("KPIKIT_REQUIRE_SPARK") == "1":
    raise RuntimeError(f"KPIKIT_REQUIRE_SPARK=1 but Spark cannot run: {MISSING}")
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"Spark test skipped: {MISSING}")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("kpikit-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        # pandas' NaN arrives as null through Arrow (as it does in DuckDB), not as Spark's NaN
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def table(spark):
    import ibis

    con = ibis.pyspark.connect(spark)

    def make(name: str, frame: pd.DataFrame):
        spark.createDataFrame(frame).createOrReplaceTempView(name)
        return con.table(name)

    return make


@pytest.fixture(scope="module")
def sample_events() -> pd.DataFrame:
    from kpikit import io

    events = io.read_folder(SAMPLE, tables=["events"])["events"]
    first = events["user_id"].drop_duplicates().iloc[:300]
    return events.loc[events["user_id"].isin(first)].reset_index(drop=True)


ATTRS = ("set_aside", "split", "duplicates_dropped", "new_user_rule", "engaged_from_export", "engaged_disagree")


def test_sessions_and_bounce_rates_on_spark(table):
    events = table("events_hand", EVENTS)
    assert backend_name(events) == "pyspark"
    expected = web.sessions_from_events(EVENTS)
    lazy = web.sessions_from_events(events)
    assert_same(expected, lazy, key="session_id")
    assert {k: attrs(lazy)[k] for k in ATTRS} == {k: expected.attrs[k] for k in ATTRS}
    # the hand-worked numbers of tests/web/test_bounce.py: 3 of 6 sessions bounce; median engagement 7 s
    head = web.bounce_rate(lazy).iloc[0]
    assert (head["sessions"], head["bounces"], head["engagement_time_median_s"]) == (6, 3, 7.0)
    for definition in ("ga4", "ua"):
        assert_same(
            web.bounce_rate(expected, by="landing_page", definition=definition),
            web.bounce_rate(lazy, by="landing_page", definition=definition),
        )


def test_sample_sessions_and_bounce_by_channel_and_device_on_spark(table, sample_events):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = web.sessions_from_events(sample_events)
        lazy = web.sessions_from_events(table("events_sample", sample_events))
    assert_same(expected, lazy, key="session_id")
    by = ["channel", "device"]
    assert_same(web.bounce_rate(expected, by=by), web.bounce_rate(lazy, by=by))


def test_funnel_counts_on_spark(table):
    orders = table("orders", ORDER_LOG)
    # the hand-worked counts of tests/funnel/test_events.py: view 5, cart 3, buy 1
    assert F.ordered_funnel(orders, STEPS)["users"].tolist() == [5, 3, 1]
    for kw in ({"order": "strict"}, {"order": "any"}, {"count": "totals", "window": "1D"}):
        assert_same(F.ordered_funnel(ORDER_LOG, STEPS, **kw), F.ordered_funnel(orders, STEPS, **kw))
    devices = device_log()
    assert_same(
        F.ordered_funnel(devices, ["view", "cart"], by="device"),
        F.ordered_funnel(table("devices", devices), ["view", "cart"], by="device"),
    )
