"""The catalogue of hostile exports, totals rows (issue 13, item 4): rows labelled Total, Grand total, Totals,
Subtotal or Sum, unlabelled totals rows as Google Analytics writes them, and monthly totals typed inside
daily spend. Each case asserts the exact values read with the count of rows dropped and the warning, or
the exact error text; the shapes that only look like totals (monthly costs by category, weekly costs)
are read unchanged.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit.io import folder_health, read_table
from tests.io.hostile import SPEND, TX, Case, check, csv, xlsx

TOTALS_CASES = [
    Case(
        "spend: a dated row labelled Total in the channel column",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Search,250", "2024-01-01,Total,350")},
        "spend",
        values={"channel": ["Email", "Search"], "cost": [100.0, 250.0]},
        repairs={"totals_dropped": 1},
        warns="spend.csv: dropped 1 totals row (file row 4; first: 'Total' in column 'channel'): a totals row sums "
        'other rows and would count them twice. Pass totals="keep" to keep them.',
    ),
    Case(
        "spend: 'Grand total' in the first column, the rest empty",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Search,250", "Grand total,,350")},
        "spend",
        values={"cost": [100.0, 250.0]},
        repairs={"totals_dropped": 1},
        warns="spend.csv: dropped 1 totals row (file row 4; first: 'Grand total' in column 'period')",
    ),
    Case(
        "transactions: 'TOTALS' in upper case in the id column",
        {"transactions.csv": csv(TX, "c1,2024-03-01 10:00,5", "c2,2024-03-01 11:00,7.5", "TOTALS,,12.5")},
        "transactions",
        values={"customer_id": ["c1", "c2"], "amount": [5.0, 7.5]},
        repairs={"totals_dropped": 1},
        warns="transactions.csv: dropped 1 totals row (file row 4; first: 'TOTALS' in column 'customer_id')",
    ),
    Case(
        "spend: 'Sum:' with a colon",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-02-01,Email,120", "2024-02-01,Sum:,220")},
        "spend",
        values={"cost": [100.0, 120.0]},
        repairs={"totals_dropped": 1},
        warns="first: 'Sum:' in column 'channel'",
    ),
    Case(
        "spend: a subtotal after each month",
        {
            "spend.csv": csv(
                "period,channel,category,cost",
                "2024-01-01,Email,labour,500",
                "2024-01-01,Email,tools,300",
                "2024-01-01,Subtotal,,800",
                "2024-02-01,Email,labour,510",
                "2024-02-01,Email,tools,300",
                "2024-02-01,Sub-total,,810",
            )
        },
        "spend",
        values={"cost": [500.0, 300.0, 510.0, 300.0]},
        repairs={"totals_dropped": 2},
        warns="spend.csv: dropped 2 totals rows (file rows 4, 7; first: 'Subtotal' in column 'channel')",
    ),
    Case(
        "spend: an unlabelled totals row (empty dimension, the column's sum)",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Search,250.50", ",,350.50")},
        "spend",
        values={"cost": [100.0, 250.5]},
        repairs={"totals_dropped": 1},
        warns="spend.csv: dropped 1 totals row (file row 4; first: no label, and each count and amount equals the "
        "sum of its column)",
    ),
    Case(
        "social: an unlabelled totals row with thousands separators, as GA writes it",
        {
            "social.csv": csv(
                "date,platform,brand,followers,likes",
                '2024-01-01,Instagram,Acme,"1,200",30',
                '2024-01-01,Instagram,Rival,"2,400",12',
                ',,,"3,600",42',
            )
        },
        "social",
        values={"followers": [1200, 2400], "likes": [30, 12]},
        repairs={"totals_dropped": 1},
        warns="social.csv: dropped 1 totals row (file row 4; first: no label",
    ),
    Case(
        "spend: an unlabelled totals row in a file with decimal commas",
        {
            "spend.csv": csv(
                "period;channel;cost", "2024-01-01;Email;1.234,50", "2024-01-01;Search;250,00", ";;1.484,50"
            )
        },
        "spend",
        kwargs={"decimal": ","},
        values={"cost": [1234.5, 250.0]},
        repairs={"totals_dropped": 1},
        warns="spend.csv: dropped 1 totals row (file row 4; first: no label",
    ),
    Case(
        "spend: an empty dimension whose cost is not the sum is not taken for a total",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Search,250", ",,80")},
        "spend",
        error="spend.csv, column 'period'",
    ),
    Case(
        "spend: a month's total dated on its last day inside daily costs",
        {
            "spend.csv": csv(
                SPEND,
                "2024-01-01,Email,10",
                "2024-01-02,Email,20",
                "2024-01-03,Email,30",
                "2024-01-04,Email,40",
                "2024-01-31,Email,100",
                "2024-01-01,Search,5",
                "2024-01-02,Search,6",
                "2024-01-03,Search,7",
            )
        },
        "spend",
        values={"cost": [10.0, 20.0, 30.0, 40.0, 5.0, 6.0, 7.0]},
        repairs={"totals_dropped": 1},
        warns="spend.csv: dropped 1 monthly total row (file row 6; first: 'Email', 2024-01-31, cost 100.00): "
        "each one's cost equals the sum of the other rows of its channel in that month.",
    ),
    Case(
        "spend: a month's total on a day that already has its daily row",
        {
            "spend.csv": csv(
                SPEND,
                "2024-03-04,Search,12.25",
                "2024-03-05,Search,14.50",
                "2024-03-06,Search,9.75",
                "2024-03-06,Search,36.50",
                "2024-04-01,Search,11",
            )
        },
        "spend",
        values={"cost": [12.25, 14.5, 9.75, 11.0]},
        repairs={"totals_dropped": 1},
        warns="(file row 5; first: 'Search', 2024-03-06, cost 36.50)",
    ),
    Case(
        "spend: two rows that could each be the month's total: refused",
        {
            "spend.csv": csv(
                SPEND, "2024-01-01,Email,50", "2024-01-31,Email,50", "2024-01-02,Email,0", "2024-01-03,Email,0"
            )
        },
        "spend",
        error="spend.csv, column 'cost': 2 rows each equal the sum of the other rows of their channel and month "
        "(file rows 2, 3; first: 'Email', 50.00), so kpikit cannot tell a monthly total from a daily cost.",
    ),
    Case(
        "spend: monthly costs by category are not taken for totals (labour = tools + digital)",
        {
            "spend.csv": csv(
                "period,channel,category,cost",
                "2024-01-01,Email,labour,500",
                "2024-01-01,Email,tools,300",
                "2024-01-01,Email,digital,200",
                "2024-02-01,Email,labour,500",
            )
        },
        "spend",
        values={"cost": [500.0, 300.0, 200.0, 500.0]},
    ),
    Case(
        "spend: weekly costs where one week equals the others' sum are kept (not dated as a total)",
        {"spend.csv": csv(SPEND, "2024-01-08,TV,100", "2024-01-15,TV,100", "2024-01-22,TV,300", "2024-01-29,TV,100")},
        "spend",
        values={"cost": [100.0, 100.0, 300.0, 100.0]},
    ),
    Case(
        "social: a brand really called Total, totals='keep'",
        {
            "social.csv": csv(
                "date,platform,brand,followers", "2024-01-01,Facebook,Acme,100", "2024-01-01,Facebook,Total,40"
            )
        },
        "social",
        kwargs={"totals": "keep"},
        values={"brand": ["Acme", "Total"], "followers": [100, 40]},
    ),
    Case(
        "spend: totals='raise'",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Search,250", "2024-01-01,Total,350")},
        "spend",
        kwargs={"totals": "raise"},
        error="spend.csv: 1 totals row (file row 4; first: 'Total' in column 'channel'): a totals row sums other "
        'rows and would count them twice. Remove them from the export, or pass totals="drop"',
    ),
    Case(
        "Excel: a Grand Total row under a pivot",
        {
            "spend.xlsx": xlsx(
                Pivot=pd.DataFrame(
                    {
                        "period": ["2024-01-01", "2024-01-01", "Grand Total"],
                        "channel": ["Email", "Search", None],
                        "cost": [100.0, 250.0, 350.0],
                    }
                )
            )
        },
        "spend",
        values={"cost": [100.0, 250.0]},
        repairs={"totals_dropped": 1},
        warns="spend.xlsx: dropped 1 totals row (file row 4; first: 'Grand Total' in column 'period')",
    ),
]


@pytest.mark.parametrize("case", TOTALS_CASES, ids=[c.id for c in TOTALS_CASES])
def test_hostile_totals(case: Case, tmp_path):
    (name, data), *_ = case.files.items()
    (tmp_path / name).write_bytes(data)
    check(case, lambda: read_table(tmp_path / name, case.table, **case.kwargs))


def test_health_lists_the_repairs_of_a_table_that_loaded(tmp_path):
    (tmp_path / "spend.csv").write_bytes(csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Search,250", ",,350"))
    health = folder_health(tmp_path).set_index("table")
    assert health.loc["spend", "status"] == "ok" and health.loc["spend", "rows"] == 2
    assert health.loc["spend", "problem"].startswith("spend.csv: dropped 1 totals row (file row 4;")
