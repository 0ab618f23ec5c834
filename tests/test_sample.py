"""Tests of kpikit.sample: reproducibility, GA4 session semantics, planted effects, exports.

The effect checks recompute every rate with plain pandas from the written files (or frames), with
thresholds wide enough for sampling noise and narrow enough that a missing effect fails.
"""

from __future__ import annotations

import gzip
import io
import json
import pathlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpikit.sample as ks

ROOT = pathlib.Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "sample"
SPRING = "/landing/spring-sale"


# ------------------------------------------------------------------------------------------
# fixtures: each dataset is generated once per test session
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gen42(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("seed42")
    ks.generate(out, seed=42)
    return out


@pytest.fixture(scope="module")
def gen7(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("seed7")
    ks.generate(out, seed=7)
    return out


@pytest.fixture(scope="module")
def gen7_cli(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("seed7cli")
    assert ks.main([str(out), "--seed", "7"]) == 0
    return out


def _read(folder: pathlib.Path) -> dict[str, pd.DataFrame]:
    """Read the canonical tables back with plain pandas."""
    dates = {
        "events": ["timestamp"], "sessions": ["start"],
        "leads": ["created_at", "lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"],
        "touchpoints": ["timestamp"], "spend": ["period"], "subscriptions": ["start", "end"],
        "transactions": ["timestamp"], "surveys": ["timestamp"],
        "tickets": ["created_at", "first_response_at", "solved_at", "reopened_at"], "social": ["date"],
        "benchmarks": [],
    }
    out = {}
    for name, cols in dates.items():
        path = folder / f"{name}.csv.gz"
        if not path.exists():
            path = folder / f"{name}.csv"
        # ids as text: GA4 user_pseudo_id values ("244481062.1704096312") look like numbers
        out[name] = pd.read_csv(path, parse_dates=cols, keep_default_na=False, na_values=[""],
                                dtype={"variant": str, "user_id": str, "session_id": str})
    out["sessions"]["variant"] = out["sessions"]["variant"].fillna("")
    return out


@pytest.fixture(scope="module")
def t42(gen42) -> dict[str, pd.DataFrame]:
    return _read(gen42)


@pytest.fixture(scope="module")
def t7(gen7) -> dict[str, pd.DataFrame]:
    return _read(gen7)


@pytest.fixture(scope="module")
def t42_null() -> dict[str, pd.DataFrame]:
    return ks.make_tables(seed=42, effects=False)


def _files(folder: pathlib.Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ------------------------------------------------------------------------------------------
# reproducibility and size
# ------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes(gen7, gen7_cli):
    a, b = _files(gen7), _files(gen7_cli)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs between two runs with seed 7"


def test_files_written_are_the_expected_set(gen42):
    gz = ("events", "sessions", "touchpoints")
    expected = {f"{t}.csv.gz" for t in gz} | {"README.md", "ga4_bigquery_events.jsonl",
                                             "ua_landing_pages.csv", "ga4_landing_pages.csv"}
    expected |= {f"{t}.csv" for t in ks.TABLES if t not in gz}
    assert set(_files(gen42)) == expected


def test_different_seed_gives_different_data(gen42, gen7, t42, t7):
    a, b = _files(gen42), _files(gen7)
    for name in ("events.csv.gz", "sessions.csv.gz", "subscriptions.csv", "transactions.csv", "social.csv"):
        assert a[name] != b[name]
    assert not t42["sessions"]["session_id"].isin(t7["sessions"]["session_id"]).any()
    # the benchmarks are published numbers: the same whatever the seed
    assert a["benchmarks.csv"] == b["benchmarks.csv"]


def test_gzip_header_has_no_time_or_name(gen42):
    raw = (gen42 / "events.csv.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[4:8] == b"\x00\x00\x00\x00"  # mtime = 0
    assert raw[3] & 0x08 == 0  # FNAME flag not set


def test_committed_sample_equals_fresh_generation(gen42):
    """data/sample must be exactly `python -m kpikit.sample data/sample --seed 42` (never hand-edited).

    Gzipped files are compared on their content: the compressed bytes depend on the zlib build.
    """
    fresh, committed = _files(gen42), _files(COMMITTED)
    # other files may live there (batch.yaml belongs to the batch runner); ours must all be present
    assert set(fresh) <= set(committed), f"missing in data/sample: {sorted(set(fresh) - set(committed))}"
    for name, data in fresh.items():
        if name.endswith(".gz"):
            assert gzip.decompress(committed[name]) == gzip.decompress(data), name
        else:
            assert committed[name] == data, f"data/sample/{name} differs from a fresh generation"


def test_committed_sample_under_10_mb():
    total = sum(p.stat().st_size for p in COMMITTED.rglob("*") if p.is_file())
    assert total < 10 * 1024 * 1024, f"data/sample holds {total / 1e6:.1f} MB"


def test_make_tables_matches_files(t42):
    mem = ks.make_tables(seed=42)
    assert sorted(mem) == sorted(ks.TABLES)
    for name in ks.TABLES:
        assert len(mem[name]) == len(t42[name]), name
        assert list(mem[name].columns) == list(t42[name].columns), name
    pd.testing.assert_series_equal(mem["sessions"]["engaged"], t42["sessions"]["engaged"], check_dtype=False)
    pd.testing.assert_series_equal(mem["events"]["timestamp"], t42["events"]["timestamp"], check_dtype=False)


def test_written_text_format(gen42):
    head = gzip.decompress((gen42 / "events.csv.gz").read_bytes()).decode().splitlines()
    assert head[0] == ("user_id,session_id,timestamp,event,page,source,medium,channel,device,country,"
                       "value,engagement_time_msec")
    assert b"\r\n" not in (gen42 / "leads.csv").read_bytes()
    first = head[1].split(",")
    assert len(first[2]) == 19 and first[2][10] == " "  # "YYYY-MM-DD HH:MM:SS"
    subs = (gen42 / "subscriptions.csv").read_text().splitlines()
    assert subs[0] == "customer_id,subscription_id,plan,interval,amount,start,end"
    assert subs[1].split(",")[4].count(".") == 1 and len(subs[1].split(",")[4].split(".")[1]) == 2


# ------------------------------------------------------------------------------------------
# GA4 semantics: sessions agree with events
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["t42", "t7"])
def test_sessions_agree_with_events_under_ga4_rules(which, request):
    t = request.getfixturevalue(which)
    e, s = t["events"], t["sessions"].set_index("session_id")
    g = e.groupby("session_id")
    pageviews = (e["event"] == "page_view").groupby(e["session_id"]).sum()
    conversions = e["event"].isin(["purchase", "generate_lead"]).groupby(e["session_id"]).sum()
    eng_s = g["engagement_time_msec"].sum() / 1000
    recomputed = pd.DataFrame({"pageviews": pageviews, "conversions": conversions, "eng": eng_s})
    recomputed["engaged"] = (recomputed["eng"] > 10) | (recomputed["conversions"] > 0) | (recomputed["pageviews"] >= 2)
    recomputed = recomputed.reindex(s.index)
    assert len(s) == e["session_id"].nunique() == len(recomputed.dropna())
    assert (recomputed["pageviews"] == s["pageviews"]).all()
    assert (recomputed["conversions"] == s["conversions"]).all()
    assert np.allclose(recomputed["eng"], s["engagement_time_s"], atol=5e-4)
    assert (recomputed["engaged"] == s["engaged"]).all()
    # landing page = page of the first page_view; start = session_start time
    pv = e[e["event"] == "page_view"].groupby("session_id")["page"].first().reindex(s.index)
    assert (pv == s["landing_page"]).all()
    st_ = e[e["event"] == "session_start"].groupby("session_id")["timestamp"].first().reindex(s.index)
    assert (st_ == s["start"]).all()
    # session attributes are constant within a session and match the sessions table
    for col in ("user_id", "source", "medium", "channel", "device", "country"):
        assert (g[col].nunique() == 1).all(), col
        assert (g[col].first().reindex(s.index) == s[col]).all(), col
    # is_new_user marks each user's first session
    first = s.reset_index().sort_values("start").groupby("user_id")["session_id"].first()
    assert set(s.index[s["is_new_user"]]) == set(first)


def test_events_follow_ga4_event_conventions(t42):
    e = t42["events"]
    # engagement_time_msec: empty on session_start and on the first page_view only
    first_pv = (e["event"] == "page_view") & ~e.duplicated(["session_id", "event"])
    no_time = (e["event"] == "session_start") | first_pv
    assert e.loc[no_time, "engagement_time_msec"].isna().all()
    assert e.loc[~no_time, "engagement_time_msec"].notna().all()
    assert (e["engagement_time_msec"].dropna() >= 0).all()
    # session_start and the first page_view share a timestamp; each session starts with session_start
    ss = e[e["event"] == "session_start"].set_index("session_id")["timestamp"]
    fp = e[first_pv].set_index("session_id")["timestamp"]
    assert (ss.reindex(fp.index) == fp).all()
    assert (e.groupby("session_id")["event"].first() == "session_start").all()
    by_session = e.sort_values("session_id", kind="stable")  # file order within each session
    same = by_session["session_id"].eq(by_session["session_id"].shift())
    assert (by_session["timestamp"].diff()[same] >= pd.Timedelta(0)).all()
    assert set(e["event"]) == {"session_start", "page_view", "user_engagement", "scroll", "view_item",
                               "add_to_cart", "begin_checkout", "purchase", "generate_lead", "sign_up"}
    assert e.loc[e["event"] == "purchase", "value"].gt(0).all()
    assert e.loc[e["event"] != "purchase", "value"].isna().all()
    assert set(e["device"]) == {"desktop", "mobile", "tablet"}
    assert set(e["channel"]) == set(ks.CHANNELS)
    # GA4 default channel group vs source/medium
    sm = e.drop_duplicates("session_id")
    assert (sm.loc[sm["channel"] == "Direct", "source"] == "(direct)").all()
    assert sm.loc[sm["channel"] == "Paid Search", "medium"].eq("cpc").all()
    assert sm.loc[sm["channel"] == "Organic Search", "medium"].eq("organic").all()
    assert sm.loc[sm["channel"] == "Email", "medium"].eq("email").all()


def test_bounced_sessions_are_single_page_short_and_without_conversion(t42):
    s = t42["sessions"]
    b = s[~s["engaged"]]
    assert (b["pageviews"] == 1).all() and (b["conversions"] == 0).all()
    assert (b["engagement_time_s"] <= 10).all()
    # and the rule is really exercised three ways: by time, by page views, by conversion only
    eng = s[s["engaged"]]
    assert ((eng["pageviews"] == 1) & (eng["conversions"] == 0) & (eng["engagement_time_s"] > 10)).sum() > 500
    assert ((eng["pageviews"] >= 2) & (eng["engagement_time_s"] <= 10)).sum() > 0
    assert ((eng["pageviews"] == 1) & (eng["conversions"] > 0)).sum() > 0


def test_web_volumes_and_pages(t42):
    s = t42["sessions"]
    assert len(s) == 20_000 and 11_000 <= s["user_id"].nunique() <= 13_000
    assert s["is_new_user"].sum() == s["user_id"].nunique()
    pages = set(s["landing_page"])
    assert {"/", "/shop", "/contact", "/pricing", SPRING} <= pages
    assert sum(p.startswith("/product/") for p in pages) >= 3
    assert sum(p.startswith("/blog/") for p in pages) >= 3
    assert set(s.loc[s["landing_page"] == SPRING, "variant"]) == {"A", "B"}
    assert (s.loc[s["landing_page"] != SPRING, "variant"] == "").all()
    assert s["start"].min() >= pd.Timestamp("2024-01-01") and s["start"].max() < pd.Timestamp("2025-07-01")


# ------------------------------------------------------------------------------------------
# planted effects, measured with plain pandas (seed 42 and seed 7), and their absence
# ------------------------------------------------------------------------------------------
def _bounce(s: pd.DataFrame) -> float:
    return float(1 - s["engaged"].mean())


def _web_effects(t):
    s = t["sessions"]
    sp = s[s["landing_page"] == SPRING]
    blog = s["landing_page"].str.startswith("/blog/")
    ab = sp.groupby("variant")["conversions"].apply(lambda c: float((c > 0).mean()))
    return {
        "spring_n": len(sp), "mobile": _bounce(sp[sp["device"] == "mobile"]),
        "desktop": _bounce(sp[sp["device"] == "desktop"]), "blog": _bounce(s[blog]), "site": _bounce(s),
        "A": ab["A"], "B": ab["B"],
    }


def _checkout(t, leak="2025-03-01"):
    e = t["events"]
    bc = e[e["event"] == "begin_checkout"]
    bought = bc["session_id"].isin(e.loc[e["event"] == "purchase", "session_id"])
    after = bc["timestamp"] >= pd.Timestamp(leak)
    return float(bought[~after].mean()), float(bought[after].mean()), int(bc.loc[after, "user_id"].nunique())


def _customer_months(subs: pd.DataFrame, end="2025-07-01") -> pd.DataFrame:
    g = subs.assign(_end=subs["end"].fillna(pd.Timestamp(end))).groupby("customer_id")
    active = subs["end"].isna().groupby(subs["customer_id"]).any()  # any subscription still running
    life = pd.DataFrame({"start": g["start"].min(), "end": g["_end"].max(), "churned": ~active})
    life["months"] = (life["end"] - life["start"]).dt.days / 30.4375
    return life


def _churn_by(life: pd.DataFrame, mask) -> float:
    return float(life.loc[mask, "churned"].sum() / life.loc[mask, "months"].sum())


def _sub_effects(t):
    subs = t["subscriptions"]
    end = pd.Timestamp("2025-07-01")
    monthly = subs["interval"] == "month"
    months = (subs["end"].fillna(end) - subs["start"]).dt.days / 30.4375
    monthly_hazard = float(subs.loc[monthly, "end"].notna().sum() / months[monthly].sum())
    ann = subs[~monthly]
    due = ann[ann["start"] + pd.DateOffset(years=1) <= end]
    lapsed = due["end"].notna() & (due["end"] <= due["start"] + pd.DateOffset(years=1))
    life = _customer_months(subs)
    nps = t["surveys"][t["surveys"]["kind"] == "nps"].sort_values("timestamp").groupby("customer_id")["score"].last()
    det = life.index.isin(nps.index[nps <= 6])
    pro = life.index.isin(nps.index[nps >= 9])
    reo = life.index.isin(t["tickets"].loc[t["tickets"]["reopened_at"].notna(), "customer_id"])
    return {"monthly": monthly_hazard, "annual_renewal": float(lapsed.mean()), "annual_due": len(due),
            "nps_ratio": _churn_by(life, det) / _churn_by(life, pro),
            "reopen_ratio": _churn_by(life, reo) / _churn_by(life, ~reo)}


def _social(t, client="Juniper Box"):
    so = t["social"]
    last = so[so["date"] == so["date"].max()].groupby("brand")["followers"].sum()
    eng = so.groupby("brand")[["likes", "comments", "shares"]].sum().sum(axis=1)
    rate = eng / (so["followers"] * so["posts"]).groupby(so["brand"]).sum()
    return last["Alder Crate"] / last[client], rate["Alder Crate"] / rate[client]


def _clv(t):
    tx = t["transactions"]
    pc = tx.groupby("customer_id").agg(n=("amount", "size"), spend=("amount", "sum"), ch=("channel", "first"))
    ps = pc["ch"] == "Paid Social"
    return pc.loc[ps, "spend"].mean() / pc.loc[~ps, "spend"].mean(), pc.loc[ps, "n"].mean() / pc.loc[~ps, "n"].mean()


def _touch(t):
    tp = t["touchpoints"]
    j = tp[tp["user_id"].isin(tp.loc[tp["converted"], "user_id"])].sort_values(["user_id", "timestamp"])
    first = j.groupby("user_id")["channel"].first().value_counts(normalize=True)
    last = j.groupby("user_id")["channel"].last().value_counts(normalize=True)
    return first.reindex(ks.CHANNELS, fill_value=0), last.reindex(ks.CHANNELS, fill_value=0)


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_web_effects(which, request):
    w = _web_effects(request.getfixturevalue(which))
    assert w["spring_n"] >= 1500
    assert 0.70 <= w["mobile"] <= 0.80  # planted ~75%
    assert 0.30 <= w["desktop"] <= 0.40  # planted ~35%
    assert 0.65 <= w["blog"] <= 0.75  # planted ~70%
    assert 0.40 <= w["site"] <= 0.50  # planted ~45%
    assert 0.045 <= w["A"] <= 0.055 and 0.058 <= w["B"] <= 0.068 and w["B"] > w["A"]  # 5.0% vs 6.3%


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_checkout_leak(which, request):
    before, after, users_after = _checkout(request.getfixturevalue(which))
    assert 0.62 <= before <= 0.68  # planted 65%
    assert 0.39 <= after <= 0.45  # planted 42%
    assert users_after >= 300


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_subscription_effects(which, request):
    sub = _sub_effects(request.getfixturevalue(which))
    assert 0.055 <= sub["monthly"] <= 0.075  # ~6-7% of monthly subscriptions end per month
    assert sub["annual_due"] >= 100 and 0.17 <= sub["annual_renewal"] <= 0.33  # ~25% at renewal
    assert sub["nps_ratio"] >= 1.7  # detractors ~2x promoters
    assert sub["reopen_ratio"] >= 1.3  # reopened tickets churn more


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_social_clv_attribution_effects(which, request):
    t = request.getfixturevalue(which)
    followers, engagement = _social(t)
    assert followers > 2.0 and engagement < 0.6  # Alder: more followers, lower engagement rate
    spend, orders = _clv(t)
    assert spend < 0.75 and orders < 0.9  # Paid Social customers are worth less
    first, last = _touch(t)
    assert first["Paid Social"] > 0.2 and last["Paid Social"] < 0.06  # opens, rarely closes
    assert last["Email"] > 2 * first["Email"] and last["Direct"] > 2 * first["Direct"]


def test_effects_false_removes_the_planted_effects(t42_null):
    t = t42_null
    w = _web_effects(t)
    assert abs(w["mobile"] - w["desktop"]) < 0.04
    assert abs(w["B"] - w["A"]) < 0.008
    assert abs(w["blog"] - 0.40) < 0.03
    before, after, _ = _checkout(t)
    assert abs(after - before) < 0.05
    sub = _sub_effects(t)
    assert sub["annual_renewal"] > 0.45  # same monthly-equivalent churn as monthly plans
    assert 0.75 <= sub["nps_ratio"] <= 1.33
    assert 0.75 <= sub["reopen_ratio"] <= 1.33
    _, engagement = _social(t)
    assert 0.85 <= engagement <= 1.15
    spend, orders = _clv(t)
    assert 0.85 <= spend <= 1.15 and 0.85 <= orders <= 1.15
    first, last = _touch(t)
    assert abs(first["Paid Social"] - last["Paid Social"]) < 0.05


def test_effect_scaling_and_validation():
    half = ks.make_tables(seed=3, sessions=20_000, effects={"checkout_leak": 0.5})
    before, after, _ = _checkout(half)
    assert 0.50 <= after <= 0.57  # midway between 65% and 42%: 53.5%
    assert 0.62 <= before <= 0.68
    with pytest.raises(ValueError, match="unknown effect.*checkout_leek"):
        ks.make_tables(effects={"checkout_leek": 1.0})
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        ks.make_tables(seed=-1)
    with pytest.raises(ValueError, match="months must be at least 6"):
        ks.make_tables(months=3)


def test_other_client_name_and_period():
    t = ks.make_tables(seed=5, client="Oak & Ivy", start="2023-04-01", months=12, sessions=3_000)
    assert "Oak & Ivy" in set(t["social"]["brand"])
    assert t["sessions"]["start"].min() >= pd.Timestamp("2023-04-01")
    assert t["sessions"]["start"].max() < pd.Timestamp("2024-04-01")
    assert len(t["sessions"]) == 3_000


# ------------------------------------------------------------------------------------------
# other tables: shapes and quirks the notebooks rely on
# ------------------------------------------------------------------------------------------
def test_leads_stages(t42):
    leads = t42["leads"]
    assert len(leads) == 2_000 and leads["lead_id"].is_unique
    stages = ["lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"]
    assert (leads["lead_at"] == leads["created_at"]).all()
    skipped = leads["sql_at"].notna() & leads["sal_at"].isna()
    assert 5 <= skipped.sum() <= 100  # a few leads skip SAL
    for a, b in zip(stages, stages[1:]):
        both = leads[a].notna() & leads[b].notna()
        assert (leads.loc[both, b] >= leads.loc[both, a]).all(), (a, b)
    for later in ("sql_at", "opportunity_at", "won_at"):
        assert leads.loc[leads[later].notna(), "mql_at"].notna().all()
    assert leads.loc[leads["won_at"].notna(), "value"].gt(0).all()
    assert leads.loc[leads["won_at"].isna(), "value"].isna().all()
    web = t42["events"]["event"].eq("generate_lead").sum()
    assert (leads["channel"].isin(ks.CHANNELS)).sum() == web


def test_subscription_quirks(t42):
    s = t42["subscriptions"]
    assert set(s["plan"]) == {"Box Monthly", "Box Annual", "Box Plus Monthly"}
    assert s["subscription_id"].is_unique and 2_800 <= s["customer_id"].nunique() <= 3_000
    assert (s["end"].dropna() >= s.loc[s["end"].notna(), "start"]).all()
    assert set(s.loc[s["interval"] == "year", "plan"]) == {"Box Annual"}
    assert (s.loc[s["plan"] == "Box Annual", "amount"] == 299.0).all()
    # upgrade/downgrade: one subscription ends the day the customer's next one starts
    pairs = s.merge(s, on="customer_id", suffixes=("", "_next"))
    switch = pairs[(pairs["end"] == pairs["start_next"]) & (pairs["plan"] != pairs["plan_next"])]
    assert switch["customer_id"].nunique() >= 50
    # two subscriptions at once
    overlap = pairs[(pairs["subscription_id"] < pairs["subscription_id_next"])
                    & (pairs["start_next"] < pairs["end"].fillna(pd.Timestamp("2025-07-01")))
                    & (pairs["start_next"] > pairs["start"])]
    assert overlap["customer_id"].nunique() >= 50
    # reactivation: a gap of at least 14 days between one subscription's end and the next start
    react = pairs[(pairs["start_next"] - pairs["end"]).dt.days >= 14]
    assert react["customer_id"].nunique() >= 50
    # join and leave within one calendar month
    same = s["end"].notna() & (s["end"].dt.to_period("M") == s["start"].dt.to_period("M"))
    assert same.sum() >= 20


def test_surveys_and_tickets(t42):
    sv, tk = t42["surveys"], t42["tickets"]
    assert sv["respondent_id"].is_unique and set(sv["kind"]) == {"nps", "csat", "ces"}
    for kind, lo, hi in (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7)):
        sc = sv.loc[sv["kind"] == kind, "score"]
        assert sc.between(lo, hi).all() and len(sc) > 200, kind
    assert sv["customer_id"].isin(t42["subscriptions"]["customer_id"]).all()
    assert tk["ticket_id"].is_unique and tk["customer_id"].isin(t42["subscriptions"]["customer_id"]).all()
    assert (tk["first_response_at"].dropna() >= tk.loc[tk["first_response_at"].notna(), "created_at"]).all()
    solved = tk.dropna(subset=["solved_at"])
    assert (solved["solved_at"] >= solved["first_response_at"]).all()
    reo = tk.dropna(subset=["reopened_at", "solved_at"])
    assert len(reo) > 100 and (reo["reopened_at"] < reo["solved_at"]).all()


def test_transactions_are_buy_till_you_die_like(t42):
    tx = t42["transactions"]
    per = tx.groupby("customer_id").size()
    assert len(per) == 4_000
    assert (per == 1).mean() > 0.35 and per.max() >= 15  # many one-off buyers, a few heavy buyers
    assert tx["amount"].gt(0).all() and tx["channel"].isin(ks.CHANNELS).all()
    assert (tx.groupby("customer_id")["channel"].nunique() == 1).all()


def test_spend_and_touchpoints(t42):
    sp, tp = t42["spend"], t42["touchpoints"]
    assert set(sp["category"]) == {"digital", "outbound", "labour", "tools"}
    assert (sp["period"].dt.day == 1).all() and sp["period"].nunique() == 18
    assert sp["cost"].gt(0).all()
    assert not sp.duplicated(["period", "channel", "category"]).any()
    n = tp.groupby("user_id").size()
    assert 4_900 <= len(n) <= 5_000 and n.between(1, 6).all()
    assert (tp.groupby("user_id")["converted"].sum() <= 1).all()
    last = tp.sort_values(["user_id", "timestamp"]).groupby("user_id").tail(1)
    assert tp.loc[tp["converted"]].index.isin(last.index).all()  # conversion on the last touch only


def test_social_table(t42):
    so = t42["social"]
    assert set(so["brand"]) == {"Juniper Box", *ks.COMPETITORS}
    assert set(so["platform"]) == {"Instagram", "TikTok", "Facebook", "LinkedIn"}
    assert not so.duplicated(["date", "platform", "brand"]).any()
    assert (so["impressions"] >= so["reach"]).all()
    client = so["brand"] == "Juniper Box"
    assert so.loc[client, ["clicks", "conversions"]].notna().all().all()
    assert so.loc[~client, ["clicks", "conversions"]].isna().all().all()


def test_benchmarks_rows_carry_sources(t42):
    b = t42["benchmarks"]
    assert b["source"].str.len().gt(5).all()
    assert (b["year"].notna() | b["note"].str.contains("no publication year")).all()
    vals = b[["p25", "p50", "p75", "value"]]
    flat = vals.to_numpy().ravel()
    flat = flat[~np.isnan(flat)]
    assert ((flat >= 0) & (flat <= 1)).all()  # fractions, not percentages
    assert (b["p50"].notna() | b["value"].notna()).all()
    rng = b.dropna(subset=["p25", "p75"])
    assert (rng["p25"] <= rng["p75"]).all()
    got = {(r.metric, r.segment): (r.value if pd.notna(r.value) else r.p50) for r in b.itertuples()}
    assert got[("bounce_rate", "all sites")] == 0.47
    assert got[("email_open_rate", "all non-labeled accounts")] == 0.2271
    assert got[("social_engagement_rate", "TikTok")] == 0.0569
    assert got[("monthly_churn_rate", "B2C subscriptions")] == 0.0677


# ------------------------------------------------------------------------------------------
# client export files
# ------------------------------------------------------------------------------------------
def test_ga4_bigquery_jsonl(gen42, t42):
    lines = (gen42 / "ga4_bigquery_events.jsonl").read_text(encoding="utf-8").splitlines()
    objs = [json.loads(x) for x in lines]
    assert len(lines) - len(set(lines)) == 1  # exactly one duplicated event
    for o in objs:
        assert isinstance(o["event_timestamp"], str) and o["event_timestamp"].isdigit()
        assert len(o["event_date"]) == 8
        for p in o["event_params"]:
            assert len(p["value"]) == 1
            if "int_value" in p["value"]:
                assert isinstance(p["value"]["int_value"], str)
    keys = [{p["key"]: next(iter(p["value"].values())) for p in o["event_params"]} for o in objs]
    assert sum("ga_session_id" not in k for k in keys) == 1
    sid = pd.Series([o["user_pseudo_id"] + "-" + k.get("ga_session_id", "?") for o, k in zip(objs, keys)])
    assert sid[sid.str.endswith("?") == False].nunique() == 300  # noqa: E712
    # the export holds the same events as events.csv for those 300 sessions (+1 duplicate)
    first300 = t42["sessions"]["session_id"].iloc[:300]
    assert len(objs) == t42["events"]["session_id"].isin(first300).sum() + 1
    entrances = [k for k in keys if k.get("entrances") == "1"]
    assert len(entrances) == 300
    o = objs[0]
    assert {"device", "geo", "traffic_source", "session_traffic_source_last_click"} <= set(o)
    assert "default_channel_group" in o["session_traffic_source_last_click"]["cross_channel_campaign"]


def test_ua_landing_pages_download(gen42, t42):
    text = (gen42 / "ua_landing_pages.csv").read_text(encoding="utf-8")
    head, day_part = text.split("\n\nDay Index,Sessions\n")
    lines = head.splitlines()
    assert lines[0] == "# " + "-" * 40 and lines[3] == "# 20240101-20240630"
    table = pd.read_csv(io.StringIO(head), comment="#", thousands=",", skip_blank_lines=True)
    assert list(table.columns)[:5] == ["Landing Page", "Sessions", "% New Sessions", "New Users", "Bounce Rate"]
    data, total = table.iloc[:-1], table.iloc[-1]
    assert pd.isna(total["Landing Page"])
    s = t42["sessions"]
    six = s[s["start"] < pd.Timestamp("2024-07-01")]
    assert int(total["Sessions"]) == data["Sessions"].sum() == len(six)
    assert data["Bounce Rate"].str.match(r"^\d+\.\d{2}%$").all()
    assert data["Avg. Session Duration"].str.match(r"^\d{2}:\d{2}:\d{2}$").all()
    assert '"' in head  # quoted thousands
    days = day_part.strip().splitlines()
    assert days[0] == "1/1/24,{}".format(int((six["start"].dt.normalize() == "2024-01-01").sum()))
    assert days[-1].startswith(",")
    assert int(days[-1][1:].strip('"').replace(",", "")) == len(six)


def test_ga4_landing_pages_download(gen42, t42):
    text = (gen42 / "ga4_landing_pages.csv").read_text(encoding="utf-8")
    assert "# Start date: 20240101" in text and "# End date: 20250630" in text
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table.columns) == ["Landing page + query string", "Sessions", "Engaged sessions", "Bounce rate",
                                   "Average engagement time per session", "Key events", "Total revenue"]
    total = table[table.iloc[:, 0] == "Grand total"].iloc[0]
    data = table[table.iloc[:, 0] != "Grand total"].set_index("Landing page + query string")
    s = t42["sessions"]
    assert total["Sessions"] == data["Sessions"].sum() == len(s)
    by = s.groupby("landing_page")["engaged"].agg(["size", "sum"])
    assert (data["Engaged sessions"] == by["sum"].reindex(data.index)).all()
    by = by.reindex(data.index)
    assert np.allclose(data["Bounce rate"], 1 - by["sum"] / by["size"], atol=1e-6)


def test_readme_lists_effects_with_numbers(gen42):
    text = (gen42 / "README.md").read_text(encoding="utf-8")
    assert "python -m kpikit.sample data/sample --seed 42" in text
    for phrase in ("Spring-sale landing page", "Checkout leak", "A/B test", "Detractors churn",
                   "reopened ticket", "Alder Crate", "Paid Social", "| events.csv.gz | events | "):
        assert phrase in text, phrase


# ------------------------------------------------------------------------------------------
# systematic sampling helper (property tests)
# ------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    p=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=60),
    seed=st.integers(0, 2**32 - 1),
    groups=st.integers(1, 4),
)
def test_systematic_counts_per_stratum_are_rounded_sums(p, seed, groups):
    p = np.array(p)
    strata = np.arange(p.size) % groups
    rng = np.random.default_rng(seed)
    chosen = ks.config._systematic(rng, p, strata)
    for g in range(groups):
        m = strata == g
        assert abs(chosen[m].sum() - p[m].sum()) < 1 + 1e-9
    assert not chosen[p == 0.0].any()
    assert chosen[p == 1.0].all()


def test_systematic_keeps_each_units_probability():
    p = np.array([0.1, 0.5, 0.9, 0.3])
    hits = np.zeros(4)
    rng = np.random.default_rng(0)
    for _ in range(4000):
        hits += ks.config._systematic(rng, p)
    # each unit selected with its own probability: 4000 draws, binomial SE <= 0.008
    assert np.allclose(hits / 4000, p, atol=0.03)
