"""The sample's files: canonical CSVs and client-shaped exports (GA4 BigQuery, UA and GA4 downloads)."""

from __future__ import annotations

import gzip
import json
import pathlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpikit.sample.config import _SITE, _Config

__all__ = []


# --------------------------------------------------------------------------------------------
# writing: canonical CSVs and client exports
# --------------------------------------------------------------------------------------------
_DATETIME, _DATE = "datetime", "date"


_FORMATS: dict[str, dict[str, str]] = {
    "events": {"timestamp": _DATETIME, "value": "%.2f"},
    "sessions": {"start": _DATETIME, "engagement_time_s": "%.3f"},
    "leads": dict.fromkeys(
        ("created_at", "lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"), _DATETIME
    )
    | {"value": "%.2f"},
    "touchpoints": {"timestamp": _DATETIME, "value": "%.2f"},
    "spend": {"period": _DATE, "cost": "%.2f"},
    "subscriptions": {"start": _DATE, "end": _DATE, "amount": "%.2f"},
    "transactions": {"timestamp": _DATETIME, "amount": "%.2f"},
    "surveys": {"timestamp": _DATETIME},
    "tickets": dict.fromkeys(("created_at", "first_response_at", "solved_at", "reopened_at"), _DATETIME),
    "social": {"date": _DATE},
    "benchmarks": {"p25": "%.4f", "p50": "%.4f", "p75": "%.4f", "value": "%.4f"},
}


_GZIPPED = frozenset({"events", "sessions", "touchpoints"})


def _as_text(df: pd.DataFrame, formats: Mapping[str, str]) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        s = df[col]
        kind = formats.get(col)
        if kind in (_DATETIME, _DATE):
            fmt = "%Y-%m-%d %H:%M:%S" if kind == _DATETIME else "%Y-%m-%d"
            out[col] = s.dt.strftime(fmt).astype(object).where(s.notna(), "")
        elif kind is not None:
            v = s.to_numpy(dtype=float, na_value=np.nan)
            txt = np.char.mod(kind, np.nan_to_num(v)).astype(object)
            txt[np.isnan(v)] = ""
            out[col] = txt
        elif pd.api.types.is_bool_dtype(s):
            out[col] = np.where(s.to_numpy(bool), "true", "false").astype(object)
        else:
            out[col] = s.astype(object).where(s.notna(), "").astype(str).to_numpy(object)
    return pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in out.items()}, columns=df.columns, dtype=object)


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _gzip(data: bytes) -> bytes:
    # mtime=0 and no file name in the header: identical bytes for identical content (same zlib)
    return gzip.compress(data, compresslevel=6, mtime=0)


def _text_bytes(lines: list[str]) -> bytes:
    r"""Lines of a text file as UTF-8 bytes, each ended by ``"\n"``."""
    return ("\n".join(lines) + "\n").encode("utf-8")


def _write(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _ua_number(x: float) -> str:
    s = f"{int(round(x)):,}"
    return f'"{s}"' if "," in s else s


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _session_facts(events: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Per session: duration (s), UA single-interaction flag, revenue."""
    interactive = ~events["event"].isin(["session_start", "page_view", "user_engagement", "scroll"])
    g = events.assign(_i=interactive, _rev=events["value"].fillna(0.0)).groupby("session_id", sort=False)
    facts = pd.DataFrame(
        {
            "duration_s": (g["timestamp"].max() - g["timestamp"].min()).dt.total_seconds(),
            "interactions": g["_i"].sum(),
            "revenue": g["_rev"].sum(),
        }
    )
    out = sessions.set_index("session_id").join(facts)
    out["ua_bounce"] = (out["pageviews"] + out["interactions"]) <= 1
    return out.reset_index()


def _ua_end(cfg: _Config) -> pd.Timestamp:
    """End (exclusive) of the Universal Analytics download: it covers the first six months."""
    return cfg.start + pd.DateOffset(months=6)


def _ua_landing_pages(events: pd.DataFrame, sessions: pd.DataFrame, cfg: _Config) -> bytes:
    """The UA Landing Pages download of the first six months, as UA writes it (see the README)."""
    end = _ua_end(cfg)
    s = _session_facts(events, sessions)
    s = s[s["start"] < end]
    g = s.groupby("landing_page", sort=True)
    t = pd.DataFrame(
        {
            "sessions": g.size(),
            "new": g["is_new_user"].sum(),
            "bounces": g["ua_bounce"].sum(),
            "pv": g["pageviews"].sum(),
            "dur": g["duration_s"].sum(),
            "conv": g["conversions"].sum(),
            "rev": g["revenue"].sum(),
        }
    ).reset_index()
    t = t.sort_values(["sessions", "landing_page"], ascending=[False, True], kind="mergesort")

    def row(label, r):
        n = r["sessions"]
        return ",".join(
            [
                label,
                _ua_number(n),
                f"{100 * r['new'] / n:.2f}%",
                _ua_number(r["new"]),
                f"{100 * r['bounces'] / n:.2f}%",
                f"{r['pv'] / n:.2f}",
                _hms(r["dur"] / n),
                f"{100 * r['conv'] / n:.2f}%",
                _ua_number(r["conv"]),
                f'"£{r["rev"]:,.2f}"',
            ]
        )

    last = (end - pd.Timedelta(days=1)).strftime("%Y%m%d")
    lines = [
        "# " + "-" * 40,
        f"# {cfg.client} - All Web Site Data",
        "# Landing Pages",
        f"# {cfg.start.strftime('%Y%m%d')}-{last}",
        "# " + "-" * 40,
        "",
        "Landing Page,Sessions,% New Sessions,New Users,Bounce Rate,Pages / Session,"
        "Avg. Session Duration,Goal Conversion Rate,Goal Completions,Goal Value",
    ]
    lines += [row(r["landing_page"], r) for _, r in t.iterrows()]  # one row per landing page
    lines.append(row("", t[["sessions", "new", "bounces", "pv", "dur", "conv", "rev"]].sum()))
    lines += ["", "Day Index,Sessions"]
    days = s.groupby(s["start"].dt.normalize()).size()
    days = days.reindex(pd.date_range(cfg.start, end - pd.Timedelta(days=1), freq="D"), fill_value=0)
    lines += [f"{d.month}/{d.day}/{d.strftime('%y')},{_ua_number(v)}" for d, v in days.items()]
    lines.append(f",{_ua_number(days.sum())}")
    return _text_bytes(lines)


def _ga4_landing_pages(events: pd.DataFrame, sessions: pd.DataFrame, cfg: _Config) -> bytes:
    """The GA4 landing-page report download of the whole period, as GA4 writes it (see the README)."""
    s = _session_facts(events, sessions)
    g = s.groupby("landing_page", sort=True)
    t = pd.DataFrame(
        {
            "sessions": g.size(),
            "engaged": g["engaged"].sum(),
            "eng": g["engagement_time_s"].sum(),
            "conv": g["conversions"].sum(),
            "rev": g["revenue"].sum(),
        }
    ).reset_index()
    t = t.sort_values(["sessions", "landing_page"], ascending=[False, True], kind="mergesort")

    def row(label, r):
        n = r["sessions"]
        return ",".join(
            [
                label,
                str(int(n)),
                str(int(r["engaged"])),
                f"{1 - r['engaged'] / n:.6f}",
                f"{r['eng'] / n:.6f}",
                str(int(r["conv"])),
                f"{r['rev']:.2f}",
            ]
        )

    last = (cfg.end - pd.Timedelta(days=1)).strftime("%Y%m%d")
    lines = [
        "# " + "-" * 40,
        f"# Account: {cfg.client}",
        f"# Property: {cfg.client} - GA4",
        "# All Users",
        f"# Start date: {cfg.start.strftime('%Y%m%d')}",
        f"# End date: {last}",
        "# " + "-" * 40,
        "Landing page + query string,Sessions,Engaged sessions,Bounce rate,"
        "Average engagement time per session,Key events,Total revenue",
    ]
    lines.append(row("Grand total", t[["sessions", "engaged", "eng", "conv", "rev"]].sum()))
    lines += [row(r["landing_page"], r) for _, r in t.iterrows()]
    return _text_bytes(lines)


def _ga4_bigquery_jsonl(
    rng: np.random.Generator, events: pd.DataFrame, sessions: pd.DataFrame, n_sessions: int = 300
) -> bytes:
    """The first sessions as a BigQuery newline-delimited JSON extract (64-bit ints as strings)."""
    first = sessions.iloc[:n_sessions]
    ev = events[events["session_id"].isin(first["session_id"])].reset_index(drop=True)
    sess = first.set_index("session_id")
    # the user's first-touch source (traffic_source) = source of the user's first session overall
    first_touch = sessions.drop_duplicates("user_id").set_index("user_id")[["source", "medium", "channel"]]
    engaged = sess["engaged"].reindex(ev["session_id"]).to_numpy(bool)
    ts_us = ev["timestamp"].astype("datetime64[s]").astype(np.int64).to_numpy() * 1_000_000 + rng.integers(
        0, 1_000_000, size=len(ev)
    )
    # session_start and the first page_view share one timestamp
    is_first_pv = (ev["event"] == "page_view") & ~ev.duplicated(["session_id", "event"])
    start_us = pd.Series(ts_us).where(ev["event"] == "session_start").groupby(ev["session_id"]).transform("first")
    ts_us = np.where(is_first_pv, start_us.to_numpy(), ts_us).astype(np.int64)
    local_date = ev["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Europe/London").dt.strftime("%Y%m%d")
    session_number = sessions.assign(_n=sessions.groupby("user_id").cumcount() + 1).set_index("session_id")["_n"]
    campaign = {
        "organic": "(organic)",
        "(none)": "(direct)",
        "referral": "(referral)",
        "email": "newsletter",
        "cpc": "spring_sale",
        "paid_social": "spring_sale",
    }
    no_sid = int(np.flatnonzero(ev["event"] == "user_engagement")[3])
    dup = int(np.flatnonzero(ev["event"] == "page_view")[10])
    sid_arr = ev["session_id"].str.rsplit("-", n=1).str[1].astype(np.int64).to_numpy()
    number = session_number.reindex(ev["session_id"]).to_numpy(np.int64)
    ft_source = first_touch["source"].reindex(ev["user_id"]).to_numpy(object)
    ft_medium = first_touch["medium"].reindex(ev["user_id"]).to_numpy(object)
    first_pv = is_first_pv.to_numpy(bool)
    dates = local_date.to_numpy(object)
    msec = ev["engagement_time_msec"]
    has_msec = msec.notna().to_numpy(bool)
    msec = msec.fillna(0).astype(np.int64).to_numpy()
    lines = []
    for i, e in enumerate(ev.itertuples(index=False)):  # a few thousand rows: readable over fast
        sid = int(sid_arr[i])
        params = []
        if i != no_sid:
            params.append({"key": "ga_session_id", "value": {"int_value": str(sid)}})
        params.append({"key": "ga_session_number", "value": {"int_value": str(int(number[i]))}})
        params.append({"key": "page_location", "value": {"string_value": _SITE + e.page}})
        if first_pv[i]:
            params.append({"key": "entrances", "value": {"int_value": "1"}})
        if has_msec[i]:
            params.append({"key": "engagement_time_msec", "value": {"int_value": str(int(msec[i]))}})
        later = e.event != "session_start" and not first_pv[i]
        params.append({"key": "session_engaged", "value": {"string_value": "1" if engaged[i] and later else "0"}})
        if e.event == "purchase":
            params.append({"key": "value", "value": {"double_value": float(e.value)}})
            params.append({"key": "currency", "value": {"string_value": "GBP"}})
        obj = {
            "event_date": dates[i],
            "event_timestamp": str(int(ts_us[i])),
            "event_name": e.event,
            "event_params": params,
            "user_pseudo_id": e.user_id,
            "device": {"category": e.device},
            "geo": {"country": e.country},
            "traffic_source": {
                "name": campaign.get(ft_medium[i], "(referral)"),
                "medium": ft_medium[i],
                "source": ft_source[i],
            },
            "session_traffic_source_last_click": {
                "cross_channel_campaign": {"source": e.source, "medium": e.medium, "default_channel_group": e.channel}
            },
        }
        if e.event == "purchase":
            obj["ecommerce"] = {"purchase_revenue": float(e.value), "transaction_id": f"T-{sid}"}
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        lines.append(line)
        if i == dup:
            lines.append(line)  # an exact duplicate event, as exports sometimes contain
    return _text_bytes(lines)
