"""The kit's own chart words (axis labels, legend entries, default titles, month ticks) in the report's language."""

import ast

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from kpikit.i18n import languages, translate_template
from kpikit.plots import benchmark, style, subscriptions
from tests.paths import ROOT


def _chart_words() -> list[tuple[str, object]]:
    """Every ``chart_text(...)`` call of kpikit/plots: (where, its first argument)."""
    found = []
    for path in sorted((ROOT / "kpikit" / "plots").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "chart_text":
                arg = node.args[0]
                found.append((f"{path.name}:{node.lineno}", arg.value if isinstance(arg, ast.Constant) else None))
    return found


def test_every_chart_word_is_a_literal_with_an_entry_in_each_language():
    words = _chart_words()
    assert len(words) > 40
    assert [where for where, text in words if text is None] == []  # a computed key could not be checked
    for lang in languages():
        missing = []
        for where, text in words:
            try:
                translate_template(text, lang)
            except Exception:
                missing.append(f"{where}: {text!r}")
        assert missing == [], f"chart words without a {lang} entry: {missing}"


def test_chart_words_follow_the_language_and_english_is_unchanged():
    assert style.chart_text("customers still active") == "customers still active"
    assert style.chart_text("95% interval (x{factor:num1} for dispersion)", factor=1.25) == (
        "95% interval (x1.3 for dispersion)"
    )
    style.set_language("vi")
    assert style.chart_text("customers still active") == "khách hàng vẫn còn hoạt động"
    assert (
        style.chart_text("95% interval (x{factor:num1} for dispersion)", factor=1.25) == "khoảng 95% (x1,3 do phân tán)"
    )
    with pytest.raises(Exception, match="catalogue"):
        style.set_language("xx")


def test_a_vietnamese_retention_chart_and_its_month_ticks():
    projection = pd.DataFrame(
        {
            "period": [0, 1, 2, 3],
            "predicted": [1.0, 0.8, 0.7, 0.62],
            "actual": [1.0, 0.79, 0.71, 0.6],
            "fitted": [1, 1, 0, 0],
        }
    )
    style.set_language("vi")
    ax = subscriptions.retention_projection(projection.astype({"fitted": bool}), title="Tiêu đề")
    assert ax.get_ylabel() == "khách hàng vẫn còn hoạt động"
    assert ax.get_xlabel() == "số kỳ kể từ khi bắt đầu"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "dự báo sBG" in legend and "sBG projection" not in legend
    plt.close(ax.figure)
    fig, ax = plt.subplots()
    ax.plot(pd.to_datetime(["2025-01-01", "2025-07-01"]), [1, 2])
    benchmark._month_axis(ax)
    assert ax.xaxis.get_major_formatter()(ax.get_xticks()[0], 0).startswith("thg ")
    style.percent_axis(ax, "y", decimals=1)
    style.count_axis(ax, "x")
    assert ax.yaxis.get_major_formatter()(0.447, 0) == "44,7%"
    assert ax.xaxis.get_major_formatter()(100000, 0) == "100.000"
    plt.close(fig)
    style.set_language("en")
    fig, ax = plt.subplots()
    style.percent_axis(ax, "y", decimals=1)
    style.count_axis(ax, "x")
    assert (ax.yaxis.get_major_formatter()(0.447, 0), ax.xaxis.get_major_formatter()(100000, 0)) == ("44.7%", "100,000")
    plt.close(fig)
    ax = subscriptions.retention_projection(projection.astype({"fitted": bool}), title="Title")
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("customers still active", "period since start")
    plt.close(ax.figure)
