"""``orderflow experiment``: text, JSON that reruns to the same bytes, tidy tables, and bad input
that exits 2 with one line and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orderflow.cli import main

SMALL = ["experiment", "--set", "market.orders=300", "--seeds", "3"]
WINDOW = [*SMALL, "--vary", "policy.review_decision_window=7,3"]


def test_the_text_starts_with_the_headline_then_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(WINDOW) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("review_decision_window=3: ")
    assert "(95 % CI " in first
    assert "against review_decision_window=7, 3 seeds" in first
    assert "\nOutcomes\n  completed orders " in out
    assert "\ninputs\n  policy comeup (version 1)\n" in out


def test_the_json_reruns_from_its_own_inputs_to_the_same_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*WINDOW, "--set", 'seller.segments.slow.share=0.3', "--set",
                 'seller.segments.slow.accept_probability=0.8', "--set", 'seller.segments.rest.share="rest"',
                 "--json"]) == 0  # fmt: skip
    first = capsys.readouterr().out
    saved = tmp_path / "results.json"
    saved.write_text(first, encoding="utf-8")
    data = json.loads(first)
    assert data["inputs"]["seeds"] == [1, 2, 3]
    assert data["inputs"]["settings"]["seller"]["segments"]["rest"] == {"share": "rest"}
    assert [arm["name"] for arm in data["inputs"]["arms"]] == [
        "review_decision_window=7",
        "review_decision_window=3",
    ]
    assert data["settings_changed"]["review_decision_window=3"]["policy.review_decision_window"] == 3
    assert {cell["seed"] for cell in data["cells"]} == {1, 2, 3}
    assert "seller:slow" in data["summary"]
    assert "seller:slow" in data["differences"]
    assert main(["experiment", str(saved), "--json"]) == 0
    assert capsys.readouterr().out == first
    assert main(["experiment", str(saved), "--json", "--workers", "2"]) == 0  # the same on any executor
    assert capsys.readouterr().out == first


def test_tables_are_tidy_and_load_into_pandas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas

    assert main([*WINDOW, "--csv", str(tmp_path / "tables")]) == 0
    capsys.readouterr()
    names = sorted(path.name for path in (tmp_path / "tables").iterdir())
    assert names == [
        f"{t}.{kind}" for t in ("differences", "figures", "sellers", "summary") for kind in ("csv", "parquet")
    ]
    figures = pandas.read_csv(tmp_path / "tables" / "figures.csv", keep_default_na=False)
    assert list(figures.columns) == ["arm", "seed", "segment", "figure", "value"]
    assert len(figures.query("figure == 'outcomes.completed.percent'")) == 2 * 3
    sellers = pandas.read_parquet(tmp_path / "tables" / "sellers.parquet")
    assert {"seller", "segment", "completion", "on_time", "acceptance"} <= set(sellers.columns)
    differences = pandas.read_parquet(tmp_path / "tables" / "differences.parquet")
    assert set(differences["arm"]) == {"review_decision_window=3"}


def test_the_python_api_gives_the_same_results_as_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from orderflow.experiments import Arm, Experiment, outputs, run

    assert main([*SMALL, "--vary", "policy.review_decision_window=7,3", "--json"]) == 0
    printed = capsys.readouterr().out
    arms = (Arm("review_decision_window=7", (("policy.review_decision_window", 7),)),
            Arm("review_decision_window=3", (("policy.review_decision_window", 3),)))  # fmt: skip
    experiment = Experiment(
        {"market": {"orders": 300}}, arms, (1, 2, 3), sweep="policy.review_decision_window"
    )
    results = run(experiment)
    assert outputs.json_text(results) + "\n" == printed
    frame = results.to_pandas()
    assert set(frame["arm"]) == {arm.name for arm in arms}


BAD = [
    (["--set", "seller.on_time=0.5"], "seller.on_time: unknown setting"),
    (["--set", "seller.segments.a.share=0.5"], "seller.segments: the shares must add up to 1"),
    (["--set", "seller.segments.a.share=0", "--set", "seller.segments.b.share=1"], "an empty segment"),
    (["--vary", "market.delivery_days=1,2"], "market.delivery_days: --vary takes settings of one value each"),
    (["--vary", "seller.late_by=1,2"], "seller.late_by: --vary takes settings of one value each"),
    (["--vary", "seller.on_time_probability=0.5,0.5"], "listed twice"),
    (["--vary", "seller.on_time_probability=0.5,1.5"], "seller.on_time_probability: must be a probability"),
    (
        ["--vary", "policy.review_decision_window"],
        "--vary: 'policy.review_decision_window': expected KEY=V1,V2",
    ),
    (["--seeds", "0"], "--seeds: must be at least 1, not 0"),
    (["--workers", "0"], "--workers must be from 1 to 1024, not 0"),
    (["--workers", "5000"], "--workers must be from 1 to 1024, not 5000"),
]


def test_cells_run_on_the_machines_cores_by_default_and_give_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --workers, as ``orderflow simulate``: one worker per core (issue 12)."""
    from orderflow.simulation import executors

    made: list[int] = []

    class Pool(executors.SerialExecutor):  # a pool's choice, recorded; its cells run here
        def __init__(self, workers: int) -> None:
            made.append(workers)

    monkeypatch.setattr(executors, "machine_cores", lambda: 3)
    monkeypatch.setattr(executors, "ProcessExecutor", Pool)
    assert main([*WINDOW, "--json"]) == 0
    assert made == [3]
    default = capsys.readouterr().out
    assert main([*WINDOW, "--json", "--workers", "1"]) == 0
    assert capsys.readouterr().out == default


@pytest.mark.parametrize(("options", "message"), BAD)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    html, tables = tmp_path / "report.html", tmp_path / "tables"
    assert main([*SMALL, *options, "--html", str(html), "--csv", str(tables)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert message in captured.err
    assert sorted(tmp_path.iterdir()) == []  # no half page, no table directory, no temporary file


def test_a_bad_experiment_file_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "duplicate.toml": (
            '[[variants]]\nname = "a"\n[[variants]]\nname = "a"\n',
            "variants: two arms are named 'a'",
        ),
        "unknown.toml": ("seeds = 3\nsample = 2\n", "sample: unknown experiment key"),
        "baseline.toml": ('baseline = "a"\n[[variants]]\nname = "a"\n', "two arms are named 'a'"),
        "version.json": (
            '{"inputs": {"policy": "comeup", "policy_version": 99}}',
            "policy_version: this orderflow",
        ),
        "variant.toml": (
            '[[variants]]\nname = "x"\nset = { "seller.bogus" = 1 }\n',
            "seller.bogus: unknown setting",
        ),
        "broken.toml": ("seeds = [", "file: "),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        assert main(["experiment", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, (name, err)
        assert message in err, (name, err)


def test_an_output_directory_in_use_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "keep.txt").write_text("mine", encoding="utf-8")
    assert main([*SMALL, "--csv", str(tmp_path / "tables")]) == 2
    assert "exists and is not an empty directory" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "tables").iterdir()] == ["keep.txt"]


def test_an_experiment_file_with_segments_and_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "slow.toml"
    path.write_text(
        """
seeds = 3
baseline = "no slow sellers"

[settings.market]
orders = 400

[settings.seller.segments.slow]
share = 0.2
on_time_probability = 0.3
late_by = { median_hours = 72 }

[settings.seller.segments.usual]
share = "rest"

[[variants]]
name = "everyone usual"
set = { "seller.segments.slow.on_time_probability" = 0.88, "seller.segments.slow.late_by.median_hours" = 24 }
""",
        encoding="utf-8",
    )
    assert main(["experiment", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("everyone usual: ")
    assert "Outcomes (seller:slow segment)" in out
    assert "Outcomes (seller:usual segment)" in out


def test_simulate_records_its_set_changes_in_its_setup(capsys: pytest.CaptureFixture[str]) -> None:
    options = ["simulate", "--orders", "100", "--set", "seller.on_time_probability=0.5"]
    assert main([*options, "--json"]) == 0
    changed = json.loads(capsys.readouterr().out)["setup"]["settings_changed"]
    assert changed == {"market.orders": 100, "seller.on_time_probability": 0.5}
    assert main(options) == 0
    out = capsys.readouterr().out
    assert "settings changed from the defaults\n  market.orders " in out
    assert "  seller.on_time_probability" in out


def test_the_page_is_self_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "report.html"
    assert main([*WINDOW, "--html", str(page)]) == 0
    capsys.readouterr()
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    assert html.count("<svg") >= 17  # a difference chart, then one per key figure
    assert html.count('<table class="figures"') == 1  # no segments: all orders only
