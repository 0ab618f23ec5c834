"""Tests of kpikit.io.ga_reports: Universal Analytics and GA4 landing-page report downloads into
aggregated rows (counts kept as counts), and their bad-input messages."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import web
from kpikit.errors import KpiDataError
from kpikit.io import read_landing_page_report
from tests.paths import SAMPLE

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")


UA_CSV = """# ----------------------------------------
# Juniper Box - All Web Site Data
# Landing Pages
# 20240101-20240630
# ----------------------------------------

Landing Page,Sessions,% New Sessions,New Users,Bounce Rate,Pages / Session,Avg. Session Duration,Goal Conversion Rate,Goal Completions,Goal Value
/landing/spring-sale,"3,215",71.35%,"2,294",45.20%,2.31,00:01:23,4.01%,129,"$1,290.00"
/blog/how-to-pack,812,88.18%,716,79.93%,1.12,00:00:41,0.25%,2,$20.00
,"4,027",74.67%,"3,010",52.04%,2.07,00:01:14,3.25%,131,"$1,310.00"

Day Index,Sessions
1/1/24,12
,12
"""


GA4_CSV = """# ----------------------------------------
# Account: Juniper Box
# Property: Juniper Box - GA4
# ----------------------------------------
#
# All Users
# Start date: 20250101
# End date: 20250331
Nth day,Active users
0000,51

Landing page + query string,Sessions,Engaged sessions,Bounce rate,Average engagement time per session,Key events,Total revenue
/landing/spring-sale,1500,450,0.7,31.5,40,1200.5
/,2000,1400,0.3,52,88,3000
Grand total,3500,1850,0.4714285714,43.2,128,4200.5
"""


def test_read_landing_page_report_ua(tmp_path):
    f = tmp_path / "ua_landing_pages.csv"
    f.write_text(UA_CSV, encoding="utf-8")
    r = read_landing_page_report(f)
    assert r.attrs["definition"] == "ua"
    assert r.attrs["date_range"] == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30"))
    assert r["landing_page"].tolist() == ["/landing/spring-sale", "/blog/how-to-pack"]
    assert r["sessions"].tolist() == [3215, 812]
    # bounces = round(sessions x rate): 3215 x 0.4520 = 1453.18 -> 1453; 812 x 0.7993 = 649.03 -> 649
    assert r["bounces"].tolist() == [1453, 649]
    assert r["session_duration_mean_s"].tolist() == [83, 41]
    assert r["goal_value"].tolist() == [1290.0, 20.0]
    assert r["new_users"].tolist() == [2294, 716]
    assert r.attrs["totals"]["sessions"] == 4027
    # pageviews = round(2.31 x 3215) = 7427 (7426.65)
    assert r["pageviews"].iloc[0] == 7427
    b = web.bounce_rate(r, by="landing_page", definition="ua").set_index("landing_page")
    assert b.loc["/landing/spring-sale", "bounce_rate"] == pytest.approx(1453 / 3215)
    # Excel re-save pads every line with commas: same result
    padded = "\n".join(line + ",,," for line in UA_CSV.splitlines())
    f2 = tmp_path / "padded.csv"
    f2.write_text(padded, encoding="utf-8")
    pd.testing.assert_frame_equal(read_landing_page_report(f2), r)


def test_read_landing_page_report_ga4_and_localised(tmp_path):
    f = tmp_path / "ga4_landing_pages.csv"
    f.write_text(GA4_CSV, encoding="utf-8")
    r = read_landing_page_report(f)
    assert r.attrs["definition"] == "ga4"
    assert r.attrs["date_range"] == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))
    # bounces = sessions - engaged sessions (exact): 1500 - 450 = 1050; 2000 - 1400 = 600
    assert r["bounces"].tolist() == [1050, 600]
    assert r["conversions"].tolist() == [40, 88] and r["revenue"].tolist() == [1200.5, 3000.0]
    assert r.attrs["totals"]["sessions"] == 3500
    assert web.bounce_rate(r).iloc[0]["bounce_rate"] == pytest.approx(1650 / 3500)
    loc = 'Landing Page,Sessions,Bounce Rate\n/a,"2.546","99,88%"\n'
    f3 = tmp_path / "de.csv"
    f3.write_text(loc, encoding="utf-8")
    r3 = read_landing_page_report(f3, decimal=",")
    # 2546 x 0.9988 = 2542.94 -> 2543
    assert r3["sessions"].tolist() == [2546] and r3["bounces"].tolist() == [2543]


@pytest.mark.parametrize(
    "content, message",
    [
        ("Page,Sessions\n/a,10\n", "no landing-page table found"),
        (
            "Landing Page,Sessions,Bounce Rate\n/a,abc,10%\n",
            r"column 'sessions': 1 values are not whole numbers \(file row 2; first: 'abc'\)",
        ),
        (
            "Landing Page,Sessions,Bounce Rate\n/a,10,145%\n",
            r"column 'bounce_rate': 1 rows are missing or outside 0-100% \(file row 2",
        ),
        ("Landing Page,Visits\n/a,10\n", r"no 'Sessions' column.*Closest"),
        ("Landing Page,Sessions\n/a,10\n", "neither 'Bounce rate' nor 'Engaged sessions'"),
        ("Landing Page,Sessions,Bounce Rate\n", "header but no data rows"),
        ("\n\n", "the file is empty"),
    ],
)
def test_read_landing_page_report_malformed(tmp_path, content, message):
    f = tmp_path / "bad.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(KpiDataError, match=message):
        read_landing_page_report(f)


def test_read_landing_page_report_wrong_encoding(tmp_path):
    f = tmp_path / "cp1252.csv"
    f.write_bytes("Landing Page,Sessions,Bounce Rate\n/caf\xe9,10,50%\n".encode("cp1252"))
    with pytest.raises(KpiDataError, match="encoding='cp1252'"):
        read_landing_page_report(f)
    assert read_landing_page_report(f, encoding="cp1252")["landing_page"].tolist() == ["/caf\u00e9"]


@needs_sample
def test_sample_landing_page_reports_read():
    ua = read_landing_page_report(SAMPLE / "ua_landing_pages.csv")
    g4 = read_landing_page_report(SAMPLE / "ga4_landing_pages.csv")
    assert ua.attrs["definition"] == "ua" and g4.attrs["definition"] == "ga4"
    assert (ua["bounces"] <= ua["sessions"]).all() and (g4["bounces"] <= g4["sessions"]).all()
    assert ua.attrs["totals"] is not None and g4.attrs["totals"] is not None


def test_web_reexports_the_reader():
    assert web.read_landing_page_report is read_landing_page_report
