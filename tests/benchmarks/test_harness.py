"""Tests for the pure parts of the benchmark harness (benchmarks/run.py).

No timing assertions and no heavy tools: the harness itself is run by hand
or from a scheduled job, never from the unit tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while being created.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


run = _load("keyguard_bench_run", REPO / "benchmarks" / "run.py")
floor = _load("keyguard_bench_floor", REPO / "benchmarks" / "floor.py")


# -- argument parsing -------------------------------------------------------


def test_defaults() -> None:
    args = run.build_parser().parse_args([])
    assert args.tier == "small"
    assert args.runs == 3
    assert args.cases == ["full"]
    assert args.tools == ["keyguard", "bandit", "ruff", "semgrep"]
    assert args.json_out is None
    assert args.keyguard_cmd is None


def test_options_parse() -> None:
    args = run.build_parser().parse_args([
        "--tier", "large", "--runs", "5", "--tools", "ruff,keyguard,ruff",
        "--case", "all", "--json", "out.json", "--keyguard-cmd", "kg check --no-cache",
        "--semgrep-config", "p/python", "--compare-jobs", "2"])
    assert args.tier == "large"
    assert args.runs == 5
    assert args.tools == ["ruff", "keyguard"]  # duplicates dropped, order kept
    assert args.cases == ["full", "precommit", "hook", "warm"]
    assert args.json_out == Path("out.json")
    assert args.keyguard_cmd == "kg check --no-cache"
    assert args.semgrep_config == "p/python"
    assert args.compare_jobs == 2


def test_tools_all_and_floor() -> None:
    assert run.parse_tools("all,floor") == ["keyguard", "bandit", "ruff", "semgrep", "floor"]
    assert run.parse_tools(" Bandit , semgrep ") == ["bandit", "semgrep"]


@pytest.mark.parametrize("bad", [["--tools", "pylint"], ["--tools", ","], ["--case", "cold"],
                                 ["--runs", "0"], ["--tier", "huge"]])
def test_bad_options_are_rejected(bad: list) -> None:
    with pytest.raises(SystemExit):
        run.build_parser().parse_args(bad)


def test_parse_tools_error_names_choices() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="keyguard"):
        run.parse_tools("flake8")


def test_parse_cases() -> None:
    assert run.parse_cases("warm,full,warm") == ["warm", "full"]


# -- statistics and formatting ---------------------------------------------


def test_median_and_ratio() -> None:
    assert run.median([3.0, 1.0, 2.0]) == 2.0
    assert run.median([4.0, 1.0]) == 2.5
    assert run.median([]) is None
    assert run.ratio(1.0, 4.0) == 0.25
    assert run.ratio(None, 4.0) is None
    assert run.ratio(1.0, None) is None
    assert run.ratio(1.0, 0.0) is None


def test_run_order_rotates() -> None:
    tools = ["keyguard", "bandit", "ruff"]
    assert run.run_order(tools, 0) == ["keyguard", "bandit", "ruff"]
    assert run.run_order(tools, 1) == ["bandit", "ruff", "keyguard"]
    assert run.run_order(tools, 4) == run.run_order(tools, 1)
    firsts = {run.run_order(tools, i)[0] for i in range(len(tools))}
    assert firsts == set(tools)
    assert run.run_order([], 3) == []


def _sample(tool: str, seconds: float, case: str = "full", ok: bool = True,
            findings: int = 1, rss_kb: int = 102400, harness_kb: int = 20480,
            cpu_s: Any = None) -> Any:
    return run.Sample(case=case, tool=tool, run=0, seconds=seconds, peak_rss_kb=rss_kb,
                      tree_rss_kb=None, returncode=0 if ok else 2, ok=ok, findings=findings,
                      files=10, error=None if ok else "exit 2", harness_rss_kb=harness_kb,
                      cpu_s=cpu_s)


def _summaries() -> list:
    samples = [
        _sample("keyguard", 2.0), _sample("keyguard", 3.0), _sample("keyguard", 1.0),
        _sample("keyguard", 99.0, ok=False),  # failed runs do not count
        _sample("bandit", 8.0), _sample("bandit", 12.0), _sample("bandit", 10.0),
        _sample("semgrep", 1.0, findings=4), _sample("semgrep", 1.0, findings=5),
        _sample("ruff", 0.01, rss_kb=20000),
    ]
    out = [run.summarize(samples, "full", t) for t in ("keyguard", "bandit", "semgrep", "ruff")]
    run.add_ratios(out)
    return out


def test_summarize_and_ratios() -> None:
    kg, bandit, semgrep, ruff = _summaries()
    assert (kg.runs, kg.ok_runs) == (4, 3)
    assert kg.median_s == 2.0
    assert (kg.min_s, kg.max_s) == (1.0, 3.0)
    assert kg.peak_rss_mb == 100.0
    assert kg.ratios["bandit"] == pytest.approx(0.2)
    assert kg.ratios["semgrep"] == pytest.approx(2.0)
    assert "keyguard" not in bandit.ratios
    assert "bandit" not in bandit.ratios
    assert semgrep.findings_stable is False
    assert kg.findings_stable is True
    assert ruff.peak_rss_at_floor is True  # 20000 kB < the harness's 20480 kB
    assert kg.peak_rss_at_floor is False


def test_format_table() -> None:
    table = run.format_table(_summaries(), "Full scan, small tier")
    lines = table.splitlines()
    assert lines[0] == "### Full scan, small tier"
    assert lines[2].startswith("| tool | median s | min–max s | vs bandit | vs semgrep | vs ruff |")
    kg_row = next(line for line in lines if line.startswith("| keyguard "))
    cells = [c.strip() for c in kg_row.strip("|").split("|")]
    assert cells[:6] == ["keyguard", "2.00", "1.00–3.00", "0.20x", "2.00x", "200.00x"]
    assert cells[6] == "–"  # no CPU time in these samples
    assert cells[7] == "100"
    assert cells[-1] == "3/4"
    semgrep_row = next(line for line in lines if line.startswith("| semgrep "))
    assert "(varies)" in semgrep_row
    ruff_row = next(line for line in lines if line.startswith("| ruff "))
    assert "<=20" in ruff_row
    # every row has as many cells as the header
    widths = {line.count("|") for line in lines[2:]}
    assert len(widths) == 1


def test_number_formats() -> None:
    assert run.fmt_seconds(None) == "–"
    assert run.fmt_seconds(0.0123) == "0.012"
    assert run.fmt_seconds(12.345) == "12.35"
    assert run.fmt_seconds(143.26) == "143.3"
    assert run.fmt_ratio(0.0421) == "0.042x"
    assert run.fmt_ratio(0.25) == "0.25x"
    assert run.fmt_ratio(None) == "–"


def test_targets() -> None:
    targets = run.check_targets(_summaries(), "large", {"jobs": True})
    by_name = {t["target"]: t for t in targets}
    assert by_name["full/large: keyguard / bandit"]["met"] is True
    assert by_name["full/large: keyguard / semgrep -j 1"]["met"] is False
    assert by_name["full/large: keyguard peak memory MB"]["met"] is True
    assert by_name["jobs"]["met"] is True
    text = run.format_targets(targets)
    assert "| full/large: keyguard / semgrep -j 1 | 2.00x | 1.00x | NO |" in text
    assert "| jobs | identical | identical | yes |" in text


def test_targets_unknown_when_baseline_missing() -> None:
    kg = run.summarize([_sample("keyguard", 2.0, case="precommit")], "precommit", "keyguard")
    run.add_ratios([kg])
    (target,) = run.check_targets([kg], "small", {})
    assert target["met"] is None
    assert "| – | 1.00x | unknown |" in run.format_targets([target])


# -- fetch output, tool output, keyguard findings ---------------------------


def test_parse_fetch_output() -> None:
    text = ("small=/c/corpus/small\n"
            "large=/c/corpus/large\n"
            "precommit=/c/corpus/small/a/x.py /c/corpus/small/b/y.py\n"
            "noise without an equals sign\n")
    info = run.parse_fetch_output(text)
    assert info.roots == {"small": Path("/c/corpus/small"), "large": Path("/c/corpus/large")}
    assert info.precommit == [Path("/c/corpus/small/a/x.py"), Path("/c/corpus/small/b/y.py")]


def test_parse_fetch_output_one_tier() -> None:
    info = run.parse_fetch_output("large=/c/corpus/large\n")
    assert info.roots == {"large": Path("/c/corpus/large")}
    assert info.precommit == []


def test_strip_no_cache_and_version_argv() -> None:
    kg = ["keyguard", "check", "--format", "json", "--no-cache"]
    assert run.strip_no_cache(kg) == ["keyguard", "check", "--format", "json"]
    assert run.version_argv(kg) == ["keyguard", "--version"]
    assert run.version_argv(["python", "-m", "keyguard", "check"]) == [
        "python", "-m", "keyguard", "--version"]


def test_tool_output_parsers() -> None:
    bandit = {"results": [{}, {}], "errors": [], "metrics": {"a.py": {}, "_totals": {}}}
    assert run.parse_bandit(json.dumps(bandit).encode()) == (2, 1)
    assert run.parse_ruff(b"[{}, {}, {}]") == (3, None)
    semgrep = {"results": [{}], "paths": {"scanned": ["a.py", "b.py"]}}
    assert run.parse_semgrep(json.dumps(semgrep).encode()) == (1, 2)
    kg = {"findings": [{}], "errors": [], "stats": {"files_scanned": 7}}
    assert run.parse_keyguard(json.dumps(kg).encode()) == (1, 7)
    assert run.parse_floor(b'{"parser": "ast", "files": 4, "errors": 1}\n') == (1, 4)
    for parse in (run.parse_bandit, run.parse_ruff, run.parse_semgrep, run.parse_keyguard,
                  run.parse_floor):
        assert parse(b"not json") == (None, None)
        assert parse(b"") == (None, None)


def test_normalize_findings_ignores_order_and_dot_prefix() -> None:
    a = {"findings": [{"code": "KG101", "path": "./pkg/m.py", "line": 3},
                      {"code": "KG201", "path": "pkg/n.py", "line": 1}]}
    b = {"findings": [{"code": "KG201", "path": "pkg/n.py", "line": 1},
                      {"code": "KG101", "path": "pkg/m.py", "line": 3}]}
    assert run.normalize_findings(a) == run.normalize_findings(b)
    c = {"findings": [{"code": "KG101", "path": "pkg/m.py", "line": 4}]}
    assert run.normalize_findings(c) != run.normalize_findings(a)


def test_semgrep_config_explicit_wins() -> None:
    assert run.resolve_semgrep_config("p/python") == ("p/python", False)


def test_semgrep_config_placeholder_when_pack_empty(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(run, "DEFAULT_SEMGREP_CONFIG", tmp_path / "missing")
    config, placeholder = run.resolve_semgrep_config(None)
    assert placeholder is True
    assert Path(config).is_file()
    (tmp_path / "pack").mkdir()
    monkeypatch.setattr(run, "DEFAULT_SEMGREP_CONFIG", tmp_path / "pack")
    assert run.resolve_semgrep_config(None)[1] is True
    (tmp_path / "pack" / "kg101.yaml").write_text("rules: []\n")
    assert run.resolve_semgrep_config(None) == (str(tmp_path / "pack"), False)


# -- warm-case file handling -------------------------------------------------


def test_append_comment_keeps_lines(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("x = 1")  # no final newline
    run.append_comment(f, "edit 1")
    run.append_comment(f, "edit 2")
    assert f.read_text() == "x = 1\n# edit 1\n# edit 2\n"


def test_pick_warm_file(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.py").write_text("")
    assert run.pick_warm_file(tmp_path, None) == tmp_path / "b" / "z.py"
    key = tmp_path / "paramiko-9.9" / "paramiko" / "rsakey.py"
    key.parent.mkdir(parents=True)
    key.write_text("")
    assert run.pick_warm_file(tmp_path, None) == key
    assert run.pick_warm_file(tmp_path, "b/z.py") == tmp_path / "b" / "z.py"


def test_invocations_commands(tmp_path: Path) -> None:
    exes = {"keyguard": ["kg", "check", "--no-cache"], "bandit": "bandit", "ruff": "ruff",
            "semgrep": "semgrep", "floor": sys.executable}
    invs = run.invocations(["keyguard", "bandit", "ruff", "semgrep", "floor"], tmp_path, ["."],
                           exes, "rules/python")
    by_tool = {i.tool: i for i in invs}
    assert set(by_tool) == {"keyguard", "bandit", "ruff", "semgrep", "ast-floor", "libcst-floor"}
    assert by_tool["keyguard"].argv == ["kg", "check", "--no-cache", "."]
    assert by_tool["keyguard"].ok_codes == (0, 1)  # 1 = findings; 2 = failure
    assert by_tool["bandit"].argv[:5] == ["bandit", "-r", "-q", "-f", "json"]
    assert "--select" in by_tool["ruff"].argv and "S" in by_tool["ruff"].argv
    sg = by_tool["semgrep"].argv
    assert sg[sg.index("--config") + 1] == "rules/python"
    assert sg[sg.index("-j") + 1] == "1"
    assert all(i.cwd == str(tmp_path) and i.argv[-1] == "." for i in invs)


# -- the measuring primitive, on a trivial child ------------------------------


def test_measure_trivial_child(tmp_path: Path) -> None:
    inv = run.Invocation("keyguard", [sys.executable, "-c",
                                      "import json; print(json.dumps({'findings': [1, 2]}))"],
                         str(tmp_path), (0, 1), "keyguard")
    s = run.measure(inv, "full", 0, tree_rss=False, timeout=None, verbose=False)
    assert s.ok and s.returncode == 0
    assert s.findings == 2
    assert s.peak_rss_kb > 0
    assert s.seconds > 0


def test_measure_reports_failure(tmp_path: Path) -> None:
    inv = run.Invocation("keyguard", [sys.executable, "-c",
                                      "import sys; sys.stderr.write('boom'); sys.exit(2)"],
                         str(tmp_path), (0, 1))
    s = run.measure(inv, "full", 0, tree_rss=False, timeout=None, verbose=False)
    assert not s.ok
    assert s.returncode == 2
    assert "boom" in (s.error or "")


# -- floor.py -----------------------------------------------------------------


def test_floor_counts_files_and_errors(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "good.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "bad.py").write_text("def (:\n")
    (tmp_path / "pkg" / "notes.txt").write_text("not python")
    assert floor.main(["ast", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"parser": "ast", "files": 2, "errors": 1}


def test_findings_digest_matches_normalized_equality() -> None:
    a = {"findings": [{"code": "KG101", "path": "./pkg/m.py", "line": 3}]}
    b = {"findings": [{"code": "KG101", "path": "pkg/m.py", "line": 3}]}
    c = {"findings": [{"code": "KG101", "path": "pkg/m.py", "line": 4}]}
    digest = run.findings_digest
    assert digest(json.dumps(a).encode()) == digest(json.dumps(b).encode())
    assert digest(json.dumps(a).encode()) != digest(json.dumps(c).encode())
    assert digest(b"[]") is None


def test_cpu_ratios() -> None:
    samples = [_sample("keyguard", 5.0, cpu_s=1.0), _sample("keyguard", 6.0, cpu_s=3.0),
               _sample("bandit", 10.0, cpu_s=8.0)]
    kg, bandit = (run.summarize(samples, "full", t) for t in ("keyguard", "bandit"))
    run.add_ratios([kg, bandit])
    assert kg.median_cpu_s == 2.0
    assert kg.cpu_ratios["bandit"] == pytest.approx(0.25)
    assert kg.ratios["bandit"] == pytest.approx(0.55)


def test_warm_command_adds_cache_dir_once() -> None:
    kg = ["keyguard", "check", "--format", "json", "--no-cache"]
    assert run.warm_command(kg, Path("/s/c")) == [
        "keyguard", "check", "--format", "json", "--cache-dir", "/s/c"]
    mine = ["keyguard", "check", "--cache-dir=/x", "--no-cache"]
    assert run.warm_command(mine, Path("/s/c")) == ["keyguard", "check", "--cache-dir=/x"]


def test_hook_case_edits_the_files_and_keeps_keyguards_cache(tmp_path: Path) -> None:
    root = tmp_path / "small"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (root / "pkg" / "b.py").write_text("y = 2\n")
    log = tmp_path / "log.txt"
    fake = ("import json, sys, pathlib\n"
            "files = [a for a in sys.argv[1:] if a.endswith('.py')]\n"
            "last = [pathlib.Path(f).read_text().splitlines()[-1] for f in files]\n"
            f"open({str(log)!r}, 'a').write(json.dumps([sys.argv[1:], last]) + '\\n')\n"
            "print(json.dumps({'findings': []}))\n")
    args = run.build_parser().parse_args(["--runs", "2", "--case", "hook"])
    exes = {"keyguard": [sys.executable, "-c", fake, "check", "--no-cache"]}
    samples = run.run_hook(args, root, ["pkg/a.py", "pkg/b.py"], ["keyguard"], exes, "unused")
    assert [s.case for s in samples] == ["hook", "hook"] and all(s.ok for s in samples)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(calls) == 3  # the warm-up and two measured runs
    for argv, _ in calls:
        assert "--no-cache" not in argv and any(a.startswith("--cache-dir") for a in argv)
    lasts = [tuple(last) for _, last in calls]
    assert len(set(lasts)) == 3 and all(x.startswith("# keyguard-bench hook edit") for t in lasts for x in t)
    assert (root / "pkg" / "a.py").read_text() == "x = 1\n"  # the corpus itself is never edited
