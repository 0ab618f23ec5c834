"""kpikit.batch.config: the batch file checked as a whole, every problem listed at once; safe names."""

import pytest

from kpikit.batch import BatchConfigError, check_client_name, load_config
from tests.batch.helpers import write_config


def test_every_config_problem_is_listed_at_once(fixture_tree, tmp_path):
    cfg = write_config(
        tmp_path,
        f"""
        run: ok-run
        ouput: out
        notebook_dir: {fixture_tree / "notebooks"}
        timeout: -1
        defaults: {{top_m: 5}}
        clients:
          - name: ../evil
            data: {fixture_tree / "data" / "good"}
          - name: alpha
            data: {fixture_tree / "data" / "nowhere"}
            notebooks: [01_visit, 02_sleepy]
            parameters: {{top_n: three, data_dir: /etc}}
            mapping_fle: m.yaml
          - name: Alpha
            data: {fixture_tree / "data" / "good"}
            parameters: {{sleep_s: fast}}
    """,
    )
    with pytest.raises(BatchConfigError) as err:
        load_config(cfg)
    msg = str(err.value)
    expected = [
        "unknown key 'ouput'; did you mean 'output'?",
        "'timeout' must be a positive number of seconds or null (got -1)",
        "defaults: unknown parameter 'top_m'; did you mean 'top_n'?",
        "client '../evil': client name '../evil' contains a path separator",
        "data folder",  # alpha's missing folder
        "does not exist",
        "client 'alpha': unknown notebook '01_visit'; did you mean '01_visits'?",
        "client 'alpha': unknown key 'mapping_fle'; did you mean 'mapping'?",
        "client 'alpha': parameter 'data_dir' is set by the client's 'data' key",
        # top_n is declared by 01_visits only, which alpha does not run (unknown notebook): unknown here
        "client 'alpha': unknown parameter 'top_n'",
        "client 'Alpha': duplicate client name (also client 2)",
        "parameter 'sleep_s' must be float (got 'fast', a str)",
    ]
    for text in expected:
        assert text in msg, text
    assert len(err.value.problems) == 11  # the eleven problems above (two strings check one message)
    assert "nothing was run" in msg


def test_problems_keep_the_order_of_the_batch_file(fixture_tree, tmp_path):
    cfg = write_config(
        tmp_path,
        f"""
        runn: x
        notebook_dir: {fixture_tree / "notebooks"}
        timeout: fast
        notebooks: [09_nothing]
        clients: []
    """,
    )
    with pytest.raises(BatchConfigError) as err:
        load_config(cfg)
    assert [p.split(" ")[0:2] for p in err.value.problems] == [
        ["unknown", "key"],
        ["missing", "key"],
        ["'timeout'", "must"],
        ["top", "level:"],
        ["'clients'", "must"],
    ]
    assert err.value.problems[0] == "unknown key 'runn'; did you mean 'run'?"
    assert err.value.problems[3].startswith(
        "top level: unknown notebook '09_nothing'; valid: 01_visits, 02_sleepy, 03_crash"
    )


def test_missing_file_bad_yaml_and_wrong_shape(tmp_path):
    with pytest.raises(BatchConfigError, match="no such batch file"):
        load_config(tmp_path / "nowhere.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("run: [unclosed\n")
    with pytest.raises(BatchConfigError, match="not valid YAML"):
        load_config(bad)
    bad.write_text("- a list\n")
    with pytest.raises(BatchConfigError, match="must be a mapping with keys run, output"):
        load_config(bad)


def test_wrong_type_for_a_declared_parameter(fixture_tree, tmp_path):
    cfg = write_config(
        tmp_path,
        f"""
        run: r
        notebook_dir: {fixture_tree / "notebooks"}
        clients:
          - name: alpha
            data: {fixture_tree / "data" / "good"}
            parameters: {{top_n: 2.5, crash: "yes"}}
    """,
    )
    with pytest.raises(BatchConfigError) as err:
        load_config(cfg)
    assert "parameter 'top_n' must be int (got 2.5, a float)" in str(err.value)
    assert "parameter 'crash' must be bool (got 'yes', a str)" in str(err.value)
    assert len(err.value.problems) == 2


@pytest.mark.parametrize(
    "name, problem",
    [
        ("..", "contains '..'"),
        ("a..b", "contains '..'"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("/etc", "path separator"),
        (".hidden", "starts with a dot"),
        ("tab\there", "control characters"),
        (" padded", "leading or trailing spaces"),
        ("index.html", "one of the run's own files"),
        ("", "not a non-empty string"),
        (7, "not a non-empty string"),
    ],
)
def test_unsafe_client_names_are_refused(name, problem):
    assert problem in check_client_name(name)


@pytest.mark.parametrize("name", ["acme-eu", "Quill & Paper", "<img src=x onerror=alert(1)>", "=SUM(A1)"])
def test_other_client_names_are_allowed(name):
    assert check_client_name(name) is None


def test_run_name_cannot_leave_the_output_folder(fixture_tree, tmp_path):
    cfg = write_config(
        tmp_path,
        f"""
        run: ../../tmp/x
        notebook_dir: {fixture_tree / "notebooks"}
        clients: [{{name: a, data: {fixture_tree / "data" / "good"}}}]
    """,
    )
    with pytest.raises(BatchConfigError, match="run name '../../tmp/x' contains a path separator"):
        load_config(cfg)


def test_valid_config_resolves_paths_and_defaults(fixture_tree, tmp_path):
    cfg = write_config(
        tmp_path,
        f"""
        run: 2025
        notebook_dir: {fixture_tree / "notebooks"}
        timeout: null
        clients: [{{name: a, data: {fixture_tree / "data" / "good"}}}]
    """,
    )
    c = load_config(cfg)
    assert c.run == "2025" and c.timeout is None
    assert c.output == (tmp_path / "reports").resolve()  # default: reports beside the batch file
    assert list(c.notebooks) == ["01_visits", "02_sleepy", "03_crash"]
    assert c.clients[0].notebooks == ("01_visits", "02_sleepy", "03_crash")  # default: all
    assert c.clients[0].mapping_file is None and c.clients[0].parameters == {}


def test_a_yaml_date_inside_a_dict_parameter_is_named_with_the_fix(tmp_path):
    from tests.batch.helpers import slow_tree

    root = slow_tree(tmp_path)
    body = """
        run: r
        notebook_dir: notebooks
        notebooks: [05_slow]
        clients:
          - name: a
            data: data/good
            parameters: {thresholds: {since: SINCE, windows: [7, 2025-02-01], 30: x}}
    """
    with pytest.raises(BatchConfigError) as err:
        load_config(write_config(root, body.replace("SINCE", "2025-01-01")))
    assert err.value.problems == [
        "client 'a': parameter 'thresholds', key 'since': the unquoted 2025-01-01 is a YAML date, not text; "
        "write it in quotes ('2025-01-01'): parameters take dates as text",
        "client 'a': parameter 'thresholds', key 'windows', item 2: the unquoted 2025-02-01 is a YAML date, "
        "not text; write it in quotes ('2025-02-01'): parameters take dates as text",
        "client 'a': parameter 'thresholds': the key 30 is a YAML int, not text; quote it ('30': ...), "
        "as the notebook receives keys as text",
    ]
    quoted = body.replace("SINCE", "'2025-01-01'").replace("2025-02-01", "'2025-02-01'").replace("30:", "'30':")
    c = load_config(write_config(root, quoted))
    assert c.clients[0].parameters["thresholds"] == {"since": "2025-01-01", "windows": [7, "2025-02-01"], "30": "x"}


def test_the_pdf_key_is_true_or_false(fixture_tree, tmp_path):
    body = f"""
        run: r
        notebook_dir: {fixture_tree / "notebooks"}
        pdf: PDF
        clients: [{{name: a, data: {fixture_tree / "data" / "good"}}}]
    """
    with pytest.raises(BatchConfigError, match=r"'pdf' must be true or false \(got 'PDF'\)"):
        load_config(write_config(tmp_path, body))
    assert load_config(write_config(tmp_path, body.replace("pdf: PDF", "pdf: true"))).pdf is True
    assert load_config(write_config(tmp_path, body.replace("pdf: PDF", ""))).pdf is False
