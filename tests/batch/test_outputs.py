"""kpikit.batch.outputs: the index page, the summary table and the error page; escaping everywhere."""

import json
import re

from kpikit.batch import TaskResult, error_page, write_batch_index, write_summary
from tests.batch.helpers import HOSTILE


def test_index_marks_the_three_failures_and_links_errors(fault_run):
    _, run_dir = fault_run
    page = (run_dir / "index.html").read_text()
    # one row per report (under a heading row per client: three "group" rows)
    rows = [(cls, r) for cls, r in re.findall(r"<tr class='(\w*)'>(.*?)</tr>", page) if cls != "group"]
    failed = [r for cls, r in rows if cls == "failed"]
    assert len(rows) == 9 and len(failed) == 3 and page.count("<tr class='group'>") == 3
    assert "href='beta/02_sleepy.error.html'" in page and "CellTimeoutError" in page
    assert "href='gamma/03_crash.error.html'" in page and "DeadKernelError" in page
    assert "href='alpha/01_visits.html'" in page
    # the overview grid: one linked status per client x notebook
    assert "<tr><th>gamma</th><td class='status-failed'><a href='gamma/01_visits.error.html'>failed</a></td>" in page
    # headline KPIs of a good report, labelled: 165 bounces of 425 sessions = 38.8% (Wilson 34.3-43.5)
    assert (
        "<span class='kpi-label'>Bounce rate</span>: <span class='kpi-value'>38.8%</span> "
        "<span class='kpi-extra'>95% CI 34.3–43.5 · 2025-01-01 to 2025-01-31</span>"
    ) in page
    # a failed report shows the notebook's own message, not "KpiDataError (cell 6)"
    gamma = next(r for r in failed if "<td>gamma</td><td>01_visits</td>" in r)
    assert "<p class='error'>visits.csv, column &#x27;sessions&#x27;: not numbers (first: &#x27;1,20O&#x27;)" in gamma
    assert "cell 6" not in gamma and "KpiDataError" not in gamma
    err = (run_dir / "gamma" / "01_visits.error.html").read_text()
    assert "KpiDataError" in err and "cell 6" in err and "visits = pd.read_csv" in err
    assert "<p class='message'>visits.csv, column &#x27;sessions&#x27;: not numbers" in err  # its first line


def test_summary_has_one_row_per_client(fault_run):
    import pandas as pd

    _, run_dir = fault_run
    s = pd.read_csv(run_dir / "summary.csv", keep_default_na=False)
    assert list(s["client"]) == ["alpha", "beta", "gamma"]
    assert list(s["client name"]) == ["alpha", "beta", HOSTILE]  # plain text in a CSV
    assert list(s["failed"]) == ["", "02_sleepy", "01_visits 03_crash"]
    # the headline KPIs as the index writes them, under "<report title>: <KPI label>"
    row = s.loc[0]
    assert row["Visits report: Bounce rate"] == "38.8%"  # 165 / 425
    assert row["Visits report: Bounce rate, 95% CI"] == "95% CI 34.3–43.5"
    assert row["Visits report: Bounce rate, period"] == "2025-01-01 to 2025-01-31"
    assert str(row["Visits report: Sessions"]) == "425"
    assert s.loc[2, "Sleepy report: client"] == HOSTILE
    assert s.loc[2, "Visits report: Bounce rate"] == ""  # failed: no KPI
    state = json.loads((run_dir / "batch.json").read_text())
    assert [r["status"] for r in state["results"]].count("failed") == 3


def test_reports_escape_hostile_strings_and_load_no_external_script(fault_run):
    _, run_dir = fault_run
    page = (run_dir / "gamma" / "02_sleepy.html").read_text()
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    alpha = (run_dir / "alpha" / "01_visits.html").read_text()
    # landing pages from the data show as text, in the table and in the title block
    assert "<img src=x" not in alpha and "&lt;img src=x onerror=alert(1)&gt;" in alpha
    assert "<script>alert(1)" not in alpha and "&lt;script&gt;alert(1)&lt;/script&gt;" in alpha
    assert not re.search(r"<script[^>]+src=", alpha)  # no CDN script: reports work offline
    assert "Data period:</strong> 2025-01-01 to 2025-01-31" in alpha
    toc = re.search(r"<nav class=.kpikit-toc.*?</nav>", alpha, re.S).group(0)
    assert list(re.findall(r">([^<>]+)</a></li>", toc)) == ["Data", "Headline KPIs", "Landing pages"]
    assert "def " not in alpha and "check_parameters" not in alpha  # no code cells


def test_index_escapes_and_quotes_client_strings(tmp_path):
    evil = "<img src=x onerror=alert(1)>"
    results = [
        TaskResult(
            client=evil,
            notebook="01_x",
            status="ok",
            duration_s=1.25,
            kpis={"top_page": HOSTILE, "share": {"value": 0.25, "low": 0.1, "high": 0.4, "trials": 8, "successes": 2}},
        ),
        TaskResult(
            client="b'c",
            notebook="01_x",
            status="failed",
            duration_s=2.0,
            error={"kind": "exception", "cell": 3, "ename": "KpiDataError", "evalue": f"bad page {HOSTILE}"},
        ),
    ]
    for name in (f"{evil}/01_x.html", f"{evil}/01_x.kpis.json", f"{evil}/01_x.ipynb", "b'c/01_x.error.html"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")  # the index links only the files that are there
    page = write_batch_index(tmp_path, results).read_text()
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert (
        "<span class='kpi-label'>top_page</span>: <span class='kpi-value'>&lt;script&gt;alert(1)&lt;/script&gt;" in page
    )
    assert "href='%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/01_x.html'" in page  # URL-quoted link
    assert "href='b%27c/01_x.error.html'" in page  # a quote cannot end the attribute
    assert "<span class='kpi-value'>25.0% (10.0% to 40.0%)</span>" in page and "1.2 s" in page
    # a kit error shows as its own text (escaped), without the exception's name or cell number
    assert "<p class='error'>bad page &lt;script&gt;alert(1)&lt;/script&gt;</p>" in page and "cell 3" not in page


def test_summary_labels_kpis_and_neutralises_formulas(tmp_path):
    # KPIs outside the registry (a client's own notebook) keep their names and are written as the index
    # writes them; text a spreadsheet would run as a formula gets a leading ', a signed number does not
    results = [
        TaskResult(
            client='=HYPERLINK("http://x")',
            notebook="01_x",
            status="ok",
            kpis={
                "share": {"value": 0.25, "low": 0.1, "high": 0.4},
                "n": 8,
                "by": {"a": 1, "b": [1, 2]},
                "note": "-1+2",
                "change": "-3.2%",
            },
        ),
        TaskResult(client="b", notebook="01_x", status="failed"),
        TaskResult(client="b", notebook="02_y", status="ok", kpis={"m": 1.5}),
    ]
    text = write_summary(tmp_path, results).read_text()
    assert text.splitlines() == [
        "client,client name,failed,01_x: share,01_x: n,01_x: note,01_x: change,01_x: by,02_y: m",
        '"\'=HYPERLINK(""http://x"")",,,0.25,8,\'-1+2,-3.2%,"{""a"": 1, ""b"": [1, 2]}",',
        "b,,01_x,,,,,,1.5",
    ]


def test_error_page_escapes_every_string_and_links_the_failed_notebook():
    error = {
        "kind": "exception",
        "cell": 4,
        "source": HOSTILE,
        "ename": "KpiDataError",
        "evalue": "bad <b>",
        "traceback": "Traceback <i>",
    }
    page = error_page("<img src=x>", "01_x", error)
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page and "bad &lt;b&gt;" in page
    assert "<td>cell 4</td>" in page and "href='01_x.failed.ipynb'" in page
    assert "failed.ipynb" not in error_page("a", "01_x", {"kind": "kernel start"}, has_notebook=False)
    assert "<td>before the first cell</td>" in error_page("a", "01_x", {"kind": "kernel start"})
