#!/usr/bin/env python3
"""keyguard benchmark harness (issue 8, "Speed at every scale").

Fetches the pinned corpus with the shared fetch script, runs keyguard and its
peers (bandit, ruff ``--select S``, semgrep with keyguard's own rule pack) on
the same files, alternating the tools' runs, and prints medians, ratios and
peak memory as a Markdown table (and, with ``--json``, a JSON document).

Every number is a whole-process measurement: wall time from just before the
child is started to just after it is reaped (``time.perf_counter``), and the
child's peak resident set size from ``os.wait4`` (the largest single process
in the child's tree; Linux reports kilobytes). On Linux the harness also
samples ``/proc`` and records the peak *sum* of RSS over the child and all its
descendants, which is what matters for a tool with worker processes.

Run by hand or from a scheduled job, never from the unit tests:

    python3 benchmarks/run.py --tier small --runs 3
    python3 benchmarks/run.py --tier large --case all --json results.json

Standard library only (Python >= 3.9; the shared fetch script needs 3.11).
See benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CACHE = HERE / ".corpus"
DEFAULT_SEMGREP_CONFIG = REPO / "rules" / "python"
PLACEHOLDER_SEMGREP_CONFIG = HERE / "semgrep-placeholder.yml"
FLOOR_SCRIPT = HERE / "floor.py"

PEER_TOOLS = ("bandit", "ruff", "semgrep")
ALL_TOOLS = ("keyguard",) + PEER_TOOLS + ("floor",)
CASES = ("full", "precommit", "hook", "warm")
# Baselines the ratios are computed against, in table column order.
BASELINES = ("bandit", "semgrep", "ruff")
DEFAULT_KEYGUARD_CMD = "keyguard check --format json --no-cache"
# The file edited between warm re-scans (relative to the tier root); present in
# both tiers. Falls back to the first Python file when absent.
DEFAULT_WARM_FILE_GLOB = "paramiko-*/paramiko/rsakey.py"
# An empty .semgrepignore at the tier root (semgrep's project root) turns off
# semgrep's built-in ignore list, which skips tests/ and test/ folders; without
# it semgrep would scan ~30% fewer files than the other tools.
SEMGREPIGNORE_TEXT = (
    "# Written by keyguard's benchmark harness: an empty ignore list, so that\n"
    "# semgrep scans the same files as the other tools (its built-in default\n"
    "# list would skip tests/ and test/ folders).\n"
)

# Issue 8 targets, checked when keyguard was measured.
TARGET_FULL_VS_BANDIT = 0.25
TARGET_FULL_VS_SEMGREP = 1.0
TARGET_PRECOMMIT_VS_BANDIT = 1.0
TARGET_WARM_VS_COLD = 0.05
TARGET_PEAK_RSS_MB = 300.0


# --------------------------------------------------------------------------
# Data


@dataclass
class Sample:
    """One measured run of one tool."""

    case: str
    tool: str
    run: int
    seconds: float
    peak_rss_kb: int
    tree_rss_kb: Optional[int]
    returncode: int
    ok: bool
    findings: Optional[int] = None
    files: Optional[int] = None
    error: Optional[str] = None
    # The harness's own peak RSS when it started the child: on Linux the
    # child's ru_maxrss can never read lower than this (see harness_rss_kb).
    harness_rss_kb: Optional[int] = None
    # User + system CPU seconds of the child and its reaped descendants: far
    # less sensitive than wall time to other load on a shared machine.
    cpu_s: Optional[float] = None


@dataclass
class Invocation:
    """How to run one tool for one case."""

    tool: str
    argv: List[str]
    cwd: str
    ok_codes: Tuple[int, ...]
    # Name of the stdout parser in PARSERS giving (findings, files), or None.
    # Parsing runs in a helper process (see read_counts), never in the harness.
    parse: Optional[str] = None


@dataclass
class Summary:
    """The aggregated runs of one tool in one case."""

    case: str
    tool: str
    runs: int
    ok_runs: int
    median_s: Optional[float]
    min_s: Optional[float]
    max_s: Optional[float]
    peak_rss_mb: Optional[float]
    tree_rss_mb: Optional[float]
    findings: Optional[int]
    findings_stable: bool
    files: Optional[int]
    ratios: Dict[str, Optional[float]] = field(default_factory=dict)
    # True when peak_rss_mb is only the harness's own RSS (the tool used less).
    peak_rss_at_floor: bool = False
    median_cpu_s: Optional[float] = None
    # Ratios of median CPU times: a cross-check of ``ratios`` on a busy machine.
    cpu_ratios: Dict[str, Optional[float]] = field(default_factory=dict)


@dataclass
class CorpusInfo:
    """Where the corpus is, as printed by the fetch script."""

    roots: Dict[str, Path]
    precommit: List[Path]


# --------------------------------------------------------------------------
# Pure helpers (unit-tested in tests/benchmarks/test_harness.py)


def parse_tools(text: str) -> List[str]:
    """Parse ``--tools`` (comma-separated; ``all`` = every tool but floor)."""
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError("no tools given")
    out: List[str] = []
    for name in names:
        expanded = ["keyguard", *PEER_TOOLS] if name == "all" else [name]
        for tool in expanded:
            if tool not in ALL_TOOLS:
                raise argparse.ArgumentTypeError(
                    f"unknown tool {tool!r} (choose from {', '.join(ALL_TOOLS)}, all)")
            if tool not in out:
                out.append(tool)
    return out


def parse_cases(text: str) -> List[str]:
    """Parse ``--case``: one of full, precommit, warm, or all."""
    if text == "all":
        return list(CASES)
    out = []
    for name in (t.strip() for t in text.split(",") if t.strip()):
        if name not in CASES:
            raise argparse.ArgumentTypeError(
                f"unknown case {name!r} (choose from {', '.join(CASES)}, all)")
        if name not in out:
            out.append(name)
    if not out:
        raise argparse.ArgumentTypeError("no case given")
    return out


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Benchmark keyguard against bandit, ruff and semgrep on the pinned corpus.")
    ap.add_argument("--tier", choices=("small", "large"), default="small",
                    help="corpus tier for the full and warm cases (default: small)")
    ap.add_argument("--runs", type=positive_int, default=3,
                    help="measured runs per tool and case (default: 3)")
    ap.add_argument("--tools", type=parse_tools, default=parse_tools("all"),
                    help="comma-separated: keyguard,bandit,ruff,semgrep,floor "
                         "(default: all = every tool except floor)")
    ap.add_argument("--case", dest="cases", type=parse_cases, default=["full"],
                    help="full, precommit, hook (precommit on a copy whose 5 files change before "
                         "every run, keyguard's cache kept), warm (keyguard only), a comma list, "
                         "or all (default: full)")
    ap.add_argument("--json", dest="json_out", type=Path, default=None,
                    help="also write the raw samples and summary to this JSON file")
    ap.add_argument("--keyguard-cmd", default=None,
                    help=f"keyguard command before the targets (default: {DEFAULT_KEYGUARD_CMD!r}, "
                         "with keyguard found beside this Python or on PATH)")
    ap.add_argument("--keyguard-warm-cmd", default=None,
                    help="command for the warm case (default: --keyguard-cmd without --no-cache)")
    ap.add_argument("--compare-jobs", type=positive_int, default=None, metavar="N",
                    help="also run keyguard once with --jobs 1 and once with --jobs N on the "
                         "full case and check that the findings are identical")
    ap.add_argument("--semgrep-config", default=None,
                    help="semgrep --config value (default: the repo's rules/python pack; "
                         "falls back to benchmarks/semgrep-placeholder.yml when it has no rules)")
    ap.add_argument("--semgrep-default-ignores", action="store_true",
                    help="keep semgrep's built-in ignore list (skips tests/ folders) instead of "
                         "writing an empty .semgrepignore at the tier root")
    ap.add_argument("--shared", type=Path, default=None,
                    help="the shared folder holding bench/fetch_corpus.py "
                         "(default: <repo>/../shared, then <repo>/../../shared)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help="corpus cache folder (default: benchmarks/.corpus/)")
    ap.add_argument("--fetch-python", default=None,
                    help="Python (>= 3.11, with pip) that runs the fetch script "
                         "(default: this one if >= 3.11, else python3)")
    ap.add_argument("--warm-file", default=None,
                    help="file (relative to the tier root) edited between warm re-scans "
                         f"(default: {DEFAULT_WARM_FILE_GLOB})")
    ap.add_argument("--scratch", type=Path, default=None,
                    help="folder for the warm case's copy of the corpus (default: a temp dir)")
    ap.add_argument("--keep-scratch", action="store_true",
                    help="keep the warm case's corpus copy")
    ap.add_argument("--no-tree-rss", action="store_true",
                    help="do not sample /proc for the RSS sum of the child's process tree")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds after which a run is killed and marked failed")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each command")
    return ap


def median(values: Sequence[float]) -> Optional[float]:
    """Median of ``values`` (None for an empty sequence)."""
    return statistics.median(values) if values else None


def ratio(value: Optional[float], base: Optional[float]) -> Optional[float]:
    """``value / base``, or None when either is unknown or base is zero."""
    if value is None or base is None or base <= 0:
        return None
    return value / base


def run_order(tools: Sequence[str], run_index: int) -> List[str]:
    """Round-robin order for one run: the list rotated by the run index.

    Rotating means no tool always goes first (into a cold page cache, after
    a quiet machine) or always follows the same neighbour.
    """
    if not tools:
        return []
    k = run_index % len(tools)
    return list(tools[k:]) + list(tools[:k])


def parse_fetch_output(text: str) -> CorpusInfo:
    """Parse the ``small=``/``large=``/``precommit=`` lines of fetch_corpus.py."""
    roots: Dict[str, Path] = {}
    precommit: List[Path] = []
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep:
            continue
        if key in ("small", "large"):
            roots[key] = Path(value)
        elif key == "precommit":
            precommit = [Path(p) for p in value.split()]
    return CorpusInfo(roots=roots, precommit=precommit)


def strip_no_cache(argv: Sequence[str]) -> List[str]:
    """The keyguard command with its cache switched back on."""
    return [a for a in argv if a != "--no-cache"]


def warm_command(kg: Sequence[str], cache_dir: Path) -> List[str]:
    """The cached keyguard command: ``--no-cache`` dropped, ``--cache-dir`` added."""
    argv = strip_no_cache(kg)
    if not any(a == "--cache-dir" or a.startswith("--cache-dir=") for a in argv):
        argv += ["--cache-dir", str(cache_dir)]
    return argv


def fmt_seconds(value: Optional[float]) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value:.3f}"
    if value < 100:
        return f"{value:.2f}"
    return f"{value:.1f}"


def fmt_ratio(value: Optional[float]) -> str:
    if value is None:
        return "–"
    if value < 0.1:
        return f"{value:.3f}x"
    return f"{value:.2f}x"


def fmt_mb(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.0f}"


def fmt_int(value: Optional[int]) -> str:
    return "–" if value is None else str(value)


def summarize(samples: Sequence[Sample], case: str, tool: str) -> Summary:
    """Aggregate the samples of one (case, tool); failed runs are left out of the times."""
    mine = [s for s in samples if s.case == case and s.tool == tool]
    good = [s for s in mine if s.ok]
    secs = [s.seconds for s in good]
    cpu = [s.cpu_s for s in good if s.cpu_s is not None]
    rss = [s.peak_rss_kb for s in good if s.peak_rss_kb]
    floors = [s.harness_rss_kb for s in good if s.harness_rss_kb]
    tree = [s.tree_rss_kb for s in good if s.tree_rss_kb]
    findings = [s.findings for s in good if s.findings is not None]
    files = [s.files for s in good if s.files is not None]
    return Summary(
        case=case, tool=tool, runs=len(mine), ok_runs=len(good),
        median_s=median(secs),
        min_s=min(secs) if secs else None,
        max_s=max(secs) if secs else None,
        peak_rss_mb=max(rss) / 1024 if rss else None,
        tree_rss_mb=max(tree) / 1024 if tree else None,
        findings=findings[-1] if findings else None,
        findings_stable=len(set(findings)) <= 1,
        files=files[-1] if files else None,
        peak_rss_at_floor=bool(rss and floors and max(rss) <= max(floors) * 1.02),
        median_cpu_s=median(cpu),
    )


def add_ratios(summaries: Sequence[Summary]) -> None:
    """Fill each summary's ratios against the baselines measured in the same case."""
    by_key = {(s.case, s.tool): s for s in summaries}
    for s in summaries:
        for base in BASELINES:
            b = by_key.get((s.case, base))
            if b is not None and base != s.tool:
                s.ratios[base] = ratio(s.median_s, b.median_s)
                s.cpu_ratios[base] = ratio(s.median_cpu_s, b.median_cpu_s)


def format_table(summaries: Sequence[Summary], title: str) -> str:
    """A Markdown table of the summaries (one row per tool).

    A peak RSS that is only the harness's own (see ``harness_rss_kb``) is
    shown as ``<=N``: the tool used at most that much.
    """
    present = {s.tool for s in summaries}
    bases = [b for b in BASELINES if b in present]
    head = ["tool", "median s", "min–max s"] + [f"vs {b}" for b in bases] + [
        "CPU s", "peak RSS MB", "tree RSS MB", "findings", "files", "ok runs"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    for s in summaries:
        spread = (f"{fmt_seconds(s.min_s)}–{fmt_seconds(s.max_s)}"
                  if s.min_s is not None else "–")
        findings = fmt_int(s.findings) + ("" if s.findings_stable else " (varies)")
        row = [s.tool, fmt_seconds(s.median_s), spread]
        row += [fmt_ratio(s.ratios.get(b)) if b != s.tool else "1.00x" for b in bases]
        peak = fmt_mb(s.peak_rss_mb)
        if s.peak_rss_at_floor:
            peak = "<=" + peak
        row += [fmt_seconds(s.median_cpu_s), peak, fmt_mb(s.tree_rss_mb), findings,
                fmt_int(s.files), f"{s.ok_runs}/{s.runs}"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def check_targets(summaries: Sequence[Summary], tier: str,
                  consistency: Dict[str, Optional[bool]]) -> List[Dict[str, Any]]:
    """Compare keyguard's summaries with the issue-8 targets."""
    by_key = {(s.case, s.tool): s for s in summaries}
    out: List[Dict[str, Any]] = []

    def add(name: str, value: Optional[float], limit: float) -> None:
        out.append({"target": name, "value": value, "limit": limit,
                    "met": None if value is None else value <= limit})

    full = by_key.get(("full", "keyguard"))
    if full is not None:
        add(f"full/{tier}: keyguard / bandit", full.ratios.get("bandit"), TARGET_FULL_VS_BANDIT)
        add(f"full/{tier}: keyguard / semgrep -j 1", full.ratios.get("semgrep"),
            TARGET_FULL_VS_SEMGREP)
        if tier == "large":
            peak = full.tree_rss_mb if full.tree_rss_mb is not None else full.peak_rss_mb
            add("full/large: keyguard peak memory MB", peak, TARGET_PEAK_RSS_MB)
    pre = by_key.get(("precommit", "keyguard"))
    if pre is not None:
        add("precommit: keyguard / bandit", pre.ratios.get("bandit"), TARGET_PRECOMMIT_VS_BANDIT)
    hook = by_key.get(("hook", "keyguard"))
    if hook is not None:
        add("hook (precommit, cache kept): keyguard / bandit", hook.ratios.get("bandit"),
            TARGET_PRECOMMIT_VS_BANDIT)
    warm = by_key.get(("warm", "keyguard"))
    if warm is not None:
        cold = full if full is not None else by_key.get(("warm-fill", "keyguard"))
        add(f"warm/{tier}: re-scan / cold scan",
            ratio(warm.median_s, cold.median_s if cold else None), TARGET_WARM_VS_COLD)
    for name, same in consistency.items():
        out.append({"target": name, "value": same, "limit": True,
                    "met": same})
    return out


def format_targets(targets: Sequence[Dict[str, Any]]) -> str:
    if not targets:
        return ""
    lines = ["### Issue 8 targets (keyguard)", "", "| target | value | limit | met |",
             "|---|---:|---:|---|"]
    for t in targets:
        value, limit = t["value"], t["limit"]
        if isinstance(limit, bool):
            shown = {True: "identical", False: "DIFFERENT", None: "–"}[value]
            lim = "identical"
        elif "MB" in t["target"]:
            shown = "–" if value is None else f"{value:.0f}"
            lim = f"{limit:.0f}"
        else:
            shown, lim = fmt_ratio(value), fmt_ratio(limit)
        met = {True: "yes", False: "NO", None: "unknown"}[t["met"]]
        lines.append(f"| {t['target']} | {shown} | {lim} | {met} |")
    return "\n".join(lines)


def normalize_findings(doc: Any) -> List[Tuple[Any, ...]]:
    """keyguard JSON findings as sorted, path-normalized tuples for comparison."""
    out = []
    for f in (doc or {}).get("findings", []):
        path = os.path.normpath(str(f.get("path", "")))
        out.append((f.get("code"), path, f.get("line"), f.get("column"),
                    f.get("end_line"), f.get("end_column"), f.get("message")))
    return sorted(out, key=repr)


# Stdout parsers: (findings, files) per tool. Unknown shapes give (None, None).

def _load_json(out: bytes) -> Any:
    try:
        return json.loads(out.decode("utf-8", "replace") or "null")
    except ValueError:
        return None


def parse_keyguard(out: bytes) -> Tuple[Optional[int], Optional[int]]:
    doc = _load_json(out)
    if not isinstance(doc, dict):
        return None, None
    stats = doc.get("stats") or {}
    return len(doc.get("findings", [])), stats.get("files_scanned")


def parse_bandit(out: bytes) -> Tuple[Optional[int], Optional[int]]:
    doc = _load_json(out)
    if not isinstance(doc, dict):
        return None, None
    files = len([k for k in doc.get("metrics", {}) if k != "_totals"])
    return len(doc.get("results", [])), files


def parse_ruff(out: bytes) -> Tuple[Optional[int], Optional[int]]:
    doc = _load_json(out)
    if not isinstance(doc, list):
        return None, None
    return len(doc), None  # ruff does not report how many files it checked


def parse_semgrep(out: bytes) -> Tuple[Optional[int], Optional[int]]:
    doc = _load_json(out)
    if not isinstance(doc, dict):
        return None, None
    return len(doc.get("results", [])), len(doc.get("paths", {}).get("scanned", []))


def parse_floor(out: bytes) -> Tuple[Optional[int], Optional[int]]:
    doc = _load_json(out.strip().splitlines()[-1] if out.strip() else b"")
    if not isinstance(doc, dict):
        return None, None
    return doc.get("errors"), doc.get("files")


PARSERS: Dict[str, Callable[[bytes], Tuple[Optional[int], Optional[int]]]] = {
    "keyguard": parse_keyguard, "bandit": parse_bandit, "ruff": parse_ruff,
    "semgrep": parse_semgrep, "floor": parse_floor,
}


def findings_digest(out: bytes) -> Optional[str]:
    """A digest of keyguard's normalized findings (None if not keyguard JSON)."""
    doc = _load_json(out)
    if not isinstance(doc, dict) or "findings" not in doc:
        return None
    return hashlib.sha256(repr(normalize_findings(doc)).encode("utf-8")).hexdigest()


HELPER_FLAG = "--_read-output"


def helper_main(argv: List[str]) -> int:
    """``run.py --_read-output counts|digest NAME FILE``: the parse helper.

    Tool outputs reach hundreds of MB (bandit on the large tier); loading
    them in the harness would raise its RSS, and on Linux every later child
    inherits the harness's peak in its ru_maxrss. So a short-lived process
    reads them and prints a small JSON answer.
    """
    mode, name, path = argv
    with open(path, "rb") as fh:
        data = fh.read()
    if mode == "counts":
        findings, files = PARSERS[name](data)
        print(json.dumps({"findings": findings, "files": files}))
    else:
        print(json.dumps({"digest": findings_digest(data)}))
    return 0


def read_output(mode: str, name: str, path: str) -> Dict[str, Any]:
    """Run the parse helper on a saved stdout file."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), HELPER_FLAG,
                           mode, name, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        doc = json.loads(proc.stdout or b"null")
    except ValueError:
        doc = None
    return doc if isinstance(doc, dict) else {}


# --------------------------------------------------------------------------
# Measuring


class TreeRssSampler(threading.Thread):
    """Samples the RSS sum of a process and its descendants from /proc (Linux)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._halt = threading.Event()
        self._page_kb = os.sysconf("SC_PAGE_SIZE") // 1024

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.peak_kb = max(self.peak_kb, self._sample())
            except OSError:
                pass
            self._halt.wait(self.interval)

    def stop(self) -> Optional[int]:
        self._halt.set()
        self.join()
        return self.peak_kb or None

    def _sample(self) -> int:
        children: Dict[int, List[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            # Field 4 (ppid) follows the parenthesised command name.
            ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        total, todo = 0, [self.pid]
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            try:
                with open(f"/proc/{pid}/statm", "rb") as fh:
                    total += int(fh.read().split()[1]) * self._page_kb
            except (OSError, IndexError, ValueError):
                continue
        return total


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, 9)
    except OSError:
        pass


def tool_env() -> Dict[str, str]:
    """The environment the tools run in: this one, less ``PYTHONDONTWRITEBYTECODE``.

    An installed tool has its bytecode compiled (pip does it at install time); with that variable
    set, a tool run from a source checkout would recompile its modules on every start, which is
    no user's experience and was a quarter of keyguard's pre-commit time.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(inv: Invocation, case: str, run: int, tree_rss: bool,
            timeout: Optional[float], verbose: bool) -> Sample:
    """Run one invocation as a fresh process and measure it."""
    if verbose:
        print(f"[{case} #{run}] (cd {inv.cwd} && {shlex.join(inv.argv)})", file=sys.stderr)
    floor_kb = harness_rss_kb()
    with tempfile.NamedTemporaryFile(prefix="kg-bench-out-") as out, \
            tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            # Own session: a timeout can kill the tool's whole process group
            # (semgrep's wrapper and semgrep-core, keyguard's workers).
            proc = subprocess.Popen(inv.argv, cwd=inv.cwd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err, start_new_session=True,
                                    env=tool_env())
        except OSError as exc:
            return Sample(case, inv.tool, run, 0.0, 0, None, -1, False, error=str(exc))
        sampler = None
        if tree_rss and os.path.isdir("/proc"):
            sampler = TreeRssSampler(proc.pid)
            sampler.start()
        timer = None
        if timeout:
            timer = threading.Timer(timeout, _kill_group, (proc.pid,))
            timer.start()
        # wait4 on this pid: the rusage is this child's own (and its reaped
        # descendants'), not that of every child the harness ever ran.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # already reaped: keep Popen from waiting again
        tree_kb = sampler.stop() if sampler else None
        peak_kb = int(usage.ru_maxrss)
        if sys.platform == "darwin":  # bytes there, kilobytes on Linux
            peak_kb //= 1024
        out.flush()
        counts = read_output("counts", inv.parse, out.name) if inv.parse else {}
        # Only the tail of stderr: enough for an error message, never large.
        err.seek(0, os.SEEK_END)
        err.seek(max(0, err.tell() - 4096))
        stderr = err.read().decode("utf-8", "replace")
    ok = code in inv.ok_codes
    findings, files = counts.get("findings"), counts.get("files")
    error = None
    if not ok:
        error = f"exit {code}: " + stderr.strip()[-600:]
    return Sample(case, inv.tool, run, seconds, peak_kb, tree_kb, code, ok,
                  findings, files, error, floor_kb, usage.ru_utime + usage.ru_stime)


def run_alternating(invs: Sequence[Invocation], case: str, runs: int,
                    tree_rss: bool, timeout: Optional[float],
                    verbose: bool, warmup: int = 0) -> List[Sample]:
    """Measure every invocation ``runs`` times, rotating their order per run.

    ``warmup`` unmeasured runs of each come first (bytecode caches written, files in the page
    cache): for the short cases, where a first start would otherwise weigh on the median.
    """
    by_tool = {inv.tool: inv for inv in invs}
    for i in range(warmup):
        for tool in run_order(list(by_tool), i):
            s = measure(by_tool[tool], case, -1 - i, tree_rss, timeout, verbose)
            print(f"  {case:<9} warm-up  {tool:<14} {s.seconds:8.2f} s (not counted)", file=sys.stderr)
    samples = []
    for i in range(runs):
        for tool in run_order(list(by_tool), i):
            s = measure(by_tool[tool], case, i, tree_rss, timeout, verbose)
            status = "ok" if s.ok else f"FAILED ({s.error})"
            print(f"  {case:<9} run {i + 1}/{runs} {tool:<14} {s.seconds:8.2f} s "
                  f"(cpu {s.cpu_s or 0:7.2f} s) {s.peak_rss_kb / 1024:6.0f} MB  {status}",
                  file=sys.stderr)
            samples.append(s)
    return samples


# --------------------------------------------------------------------------
# Setup: corpus, tools, commands


def find_shared(explicit: Optional[Path]) -> Path:
    candidates = [explicit] if explicit else [REPO.parent / "shared", REPO.parent.parent / "shared"]
    for c in candidates:
        if c is not None and (c / "bench" / "fetch_corpus.py").is_file():
            return c
    tried = ", ".join(str(c) for c in candidates)
    raise SystemExit(f"error: bench/fetch_corpus.py not found under {tried} (use --shared)")


def fetch_corpus(shared: Path, cache: Path, tier: str, python: Optional[str]) -> CorpusInfo:
    """Run the shared fetch script and return the roots it prints."""
    if python is None:
        python = sys.executable if sys.version_info >= (3, 11) else "python3"
    cmd = [python, str(shared / "bench" / "fetch_corpus.py"), "--cache", str(cache),
           "--tier", tier]
    print(f"corpus: {shlex.join(cmd)}", file=sys.stderr)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"error: corpus fetch failed (exit {proc.returncode})")
    return parse_fetch_output(proc.stdout)


def find_executable(name: str) -> Optional[str]:
    """A tool beside this interpreter (its venv's bin dir), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def keyguard_argv(cmd: Optional[str]) -> Optional[List[str]]:
    argv = shlex.split(cmd if cmd else DEFAULT_KEYGUARD_CMD)
    if not cmd:
        exe = find_executable(argv[0])
        if exe is None:
            return None
        argv[0] = exe
    return argv


def resolve_semgrep_config(explicit: Optional[str]) -> Tuple[str, bool]:
    """The semgrep --config value and whether it is the placeholder pack."""
    if explicit:
        return explicit, False
    d = DEFAULT_SEMGREP_CONFIG
    if d.is_dir() and any(p.suffix in (".yml", ".yaml") for p in d.rglob("*")):
        return str(d), False
    return str(PLACEHOLDER_SEMGREP_CONFIG), True


def corpus_stats(paths: Iterable[Path]) -> Dict[str, int]:
    """Count *.py files and non-blank lines (as corpus.toml does)."""
    files = lines = 0
    for path in paths:
        items = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for p in items:
            if not p.is_file():
                continue
            files += 1
            with p.open("rb") as fh:
                lines += sum(1 for line in fh if line.strip())
    return {"py_files": files, "py_lines": lines}


def tool_version(argv: List[str]) -> Optional[str]:
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = proc.stdout.strip().splitlines()
    return text[0] if text else None


def version_argv(kg: Sequence[str]) -> List[str]:
    """``keyguard --version`` from the check command (whatever precedes ``check``)."""
    argv = list(kg)
    head = argv[:argv.index("check")] if "check" in argv else argv[:1]
    return head + ["--version"]


def harness_rss_kb() -> Optional[int]:
    """The harness's own peak RSS in kilobytes (None where unknown).

    On Linux a child's ru_maxrss starts from the address space it was forked
    (or vforked) from, counted until exec, so a child's reported peak is at
    least this value: a tool smaller than the harness reads as the harness.
    """
    try:
        import resource
    except ImportError:  # not on Unix
        return None
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak // 1024 if sys.platform == "darwin" else peak


def invocations(tools: Sequence[str], root: Path, targets: List[str],
                exes: Dict[str, Any], semgrep_config: str) -> List[Invocation]:
    """The commands for one case; targets are relative to ``root`` (the cwd)."""
    cwd = str(root)
    out: List[Invocation] = []
    for tool in tools:
        if tool == "keyguard":
            out.append(Invocation("keyguard", list(exes["keyguard"]) + targets, cwd, (0, 1),
                                  "keyguard"))
        elif tool == "bandit":
            out.append(Invocation("bandit", [exes["bandit"], "-r", "-q", "-f", "json", *targets],
                                  cwd, (0, 1), "bandit"))
        elif tool == "ruff":
            # --isolated: ignore the corpus packages' own ruff settings
            # (excludes, per-file ignores), so ruff checks every file with S.
            out.append(Invocation("ruff", [exes["ruff"], "check", "--select", "S", "--no-cache",
                                           "--quiet", "--exit-zero", "--isolated",
                                           "--output-format", "json", *targets],
                                  cwd, (0,), "ruff"))
        elif tool == "semgrep":
            # --project-root: the tier root's .semgrepignore decides what is
            # skipped (see SEMGREPIGNORE_TEXT); --no-git-ignore: the default
            # cache lies in this repository's gitignored benchmarks/.corpus/.
            out.append(Invocation("semgrep", [exes["semgrep"], "--config", semgrep_config,
                                              "--metrics=off", "--disable-version-check",
                                              "-j", "1", "--json", "--quiet", "--no-git-ignore",
                                              "--project-root", ".", *targets],
                                  cwd, (0, 1), "semgrep"))
        elif tool == "floor":
            for parser in ("ast", "libcst"):
                out.append(Invocation(f"{parser}-floor",
                                      [sys.executable, str(FLOOR_SCRIPT), parser, *targets],
                                      cwd, (0,), "floor"))
    return out


def prime_page_cache(paths: Iterable[Path]) -> None:
    """Read every file once so that no tool pays for a cold disk."""
    for path in paths:
        items = [path] if path.is_file() else path.rglob("*")
        for p in items:
            try:
                if p.is_file():
                    with p.open("rb") as fh:
                        while fh.read(1 << 20):
                            pass
            except OSError:
                pass


def pick_warm_file(root: Path, explicit: Optional[str]) -> Path:
    if explicit:
        return root / explicit
    hits = sorted(root.glob(DEFAULT_WARM_FILE_GLOB))
    if hits:
        return hits[0]
    first = next(iter(sorted(root.rglob("*.py"))), None)
    if first is None:
        raise SystemExit(f"error: no Python file under {root}")
    return first


def append_comment(path: Path, text: str) -> None:
    """Append a comment line (after a newline if the file lacks a final one)."""
    data = path.read_bytes()
    prefix = b"" if not data or data.endswith(b"\n") else b"\n"
    with path.open("ab") as fh:
        fh.write(prefix + f"# {text}\n".encode("ascii"))


def keyguard_findings(inv: Invocation, verbose: bool) -> Optional[str]:
    """Run keyguard once (unmeasured); a digest of its normalized findings."""
    if verbose:
        print(f"[check] (cd {inv.cwd} && {shlex.join(inv.argv)})", file=sys.stderr)
    with tempfile.NamedTemporaryFile(prefix="kg-bench-out-") as out, \
            tempfile.TemporaryFile() as err:
        code = subprocess.call(inv.argv, cwd=inv.cwd, stdin=subprocess.DEVNULL,
                               stdout=out, stderr=err, env=tool_env())
        if code not in inv.ok_codes:
            err.seek(0, os.SEEK_END)
            err.seek(max(0, err.tell() - 400))
            print(f"  keyguard failed (exit {code}): {err.read()!r}", file=sys.stderr)
            return None
        out.flush()
        return read_output("digest", "keyguard", out.name).get("digest")


def run_warm(args: argparse.Namespace, root: Path, kg: List[str],
             consistency: Dict[str, Optional[bool]]) -> List[Sample]:
    """Warm case: cached keyguard re-scans of a corpus copy after a one-file edit."""
    samples: List[Sample] = []
    with scratch_dir(args, "warm") as scratch:
        copy = scratch / root.name
        # The cache lives in the scratch folder too (keyguard's default is next to
        # the nearest pyproject.toml, which a copy in a temp dir may not have).
        warm_argv = (shlex.split(args.keyguard_warm_cmd) if args.keyguard_warm_cmd
                     else warm_command(kg, scratch / "keyguard-cache"))
        # A copy, so the cached corpus is never edited and the cache starts empty.
        shutil.copytree(root, copy, symlinks=True)
        edited = pick_warm_file(copy, args.warm_file)
        inv = Invocation("keyguard", warm_argv + ["."], str(copy), (0, 1), "keyguard")
        print(f"warm: copy at {copy}; editing {edited.relative_to(copy)}", file=sys.stderr)
        fill = measure(inv, "warm-fill", 0, not args.no_tree_rss, args.timeout, args.verbose)
        print(f"  warm-fill          keyguard {fill.seconds:8.2f} s "
              f"{fill.peak_rss_kb / 1024:7.0f} MB  {'ok' if fill.ok else fill.error}",
              file=sys.stderr)
        samples.append(fill)
        for i in range(args.runs):
            # A trailing comment changes the file's content (and hash) without
            # moving any line, so the findings must stay exactly the same.
            append_comment(edited, f"keyguard-bench warm edit {i + 1}")
            s = measure(inv, "warm", i, not args.no_tree_rss, args.timeout, args.verbose)
            print(f"  warm      run {i + 1}/{args.runs} keyguard       {s.seconds:8.2f} s "
                  f"{s.peak_rss_kb / 1024:7.0f} MB  {'ok' if s.ok else s.error}", file=sys.stderr)
            samples.append(s)
        # Identity: the cached result after the edits equals an uncached scan.
        warm_result = keyguard_findings(inv, args.verbose)
        cold_inv = Invocation("keyguard", kg + ["."], str(copy), (0, 1), "keyguard")
        cold_result = keyguard_findings(cold_inv, args.verbose)
        consistency[f"warm/{args.tier}: cached re-scan == uncached scan"] = (
            None if warm_result is None or cold_result is None else warm_result == cold_result)
    return samples


def run_hook(args: argparse.Namespace, root: Path, rel: List[str], tools: Sequence[str],
             exes: Dict[str, Any], semgrep_config: str) -> List[Sample]:
    """The pre-commit case as a hook meets it: in a copy of the packages, the 5 files get a new
    trailing comment before every run (they are the commit's changed files), and keyguard keeps
    its cache directory between runs, as it does in a repository (the unchanged modules its
    cross-module flows reach are stored parsed).  The peers run on the same edited files."""
    samples: List[Sample] = []
    with scratch_dir(args, "hook") as scratch:
        tops = sorted({Path(r).parts[0] for r in rel})
        for top in tops:  # the packages whose modules the flows reach
            shutil.copytree(root / top, scratch / top, symlinks=True)
        invs = invocations(tools, scratch, rel, exes, semgrep_config)
        if "keyguard" in exes:
            cached = warm_command(exes["keyguard"], scratch / "keyguard-cache")
            invs = [Invocation("keyguard", cached + rel, str(scratch), (0, 1), "keyguard")
                    if i.tool == "keyguard" else i for i in invs]
        by_tool = {inv.tool: inv for inv in invs}
        for i in range(-1, args.runs):  # run -1: the unmeasured warm-up (fills the cache)
            for r in rel:
                append_comment(scratch / r, f"keyguard-bench hook edit {i + 2}")
            for tool in run_order(list(by_tool), i + 1):
                s = measure(by_tool[tool], "hook", i, not args.no_tree_rss, args.timeout, args.verbose)
                what = "warm-up " if i < 0 else f"run {i + 1}/{args.runs}"
                print(f"  hook      {what} {tool:<14} {s.seconds:8.2f} s "
                      f"{s.peak_rss_kb / 1024:6.0f} MB  {'ok' if s.ok else s.error}", file=sys.stderr)
                if i >= 0:
                    samples.append(s)
    return samples


@contextlib.contextmanager
def scratch_dir(args: argparse.Namespace, case: str) -> Iterator[Path]:
    """A fresh folder for a case's corpus copy and cache (under ``--scratch`` when given),
    removed afterwards unless ``--keep-scratch``."""
    if args.scratch:
        args.scratch.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"keyguard-bench-{case}-",
                                    dir=str(args.scratch) if args.scratch else None))
    try:
        yield scratch
    finally:
        if args.keep_scratch:
            print(f"{case}: kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def compare_jobs(args: argparse.Namespace, root: Path, kg: List[str],
                 consistency: Dict[str, Optional[bool]]) -> None:
    n = args.compare_jobs
    one = keyguard_findings(Invocation("keyguard", kg + ["--jobs", "1", "."], str(root), (0, 1)),
                            args.verbose)
    many = keyguard_findings(Invocation("keyguard", kg + ["--jobs", str(n), "."], str(root),
                                        (0, 1)), args.verbose)
    consistency[f"full/{args.tier}: --jobs 1 == --jobs {n}"] = (
        None if one is None or many is None else one == many)


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    tools: List[str] = args.tools
    cases: List[str] = args.cases

    exes: Dict[str, Any] = {}
    skipped: Dict[str, str] = {}
    for tool in tools:
        if tool == "keyguard":
            kg = keyguard_argv(args.keyguard_cmd)
            if kg is None:
                skipped[tool] = "keyguard not found beside this Python or on PATH (--keyguard-cmd)"
            else:
                exes[tool] = kg
        elif tool in PEER_TOOLS:
            exe = find_executable(tool)
            if exe is None:
                skipped[tool] = f"{tool} not found beside this Python or on PATH"
            else:
                exes[tool] = exe
        else:
            exes[tool] = sys.executable
    for why in skipped.values():
        print(f"warning: skipping {why}", file=sys.stderr)
    tools = [t for t in tools if t in exes]
    if not tools:
        raise SystemExit("error: none of the requested tools is available")

    semgrep_config, placeholder = resolve_semgrep_config(args.semgrep_config)
    if "semgrep" in tools and placeholder:
        print(f"warning: {DEFAULT_SEMGREP_CONFIG} has no rules yet; semgrep runs the "
              f"placeholder pack {PLACEHOLDER_SEMGREP_CONFIG.name} (not keyguard's own rules)",
              file=sys.stderr)

    shared = find_shared(args.shared)
    fetch_tier = "all" if (("precommit" in cases or "hook" in cases) and args.tier == "large") else args.tier
    corpus = fetch_corpus(shared, args.cache, fetch_tier, args.fetch_python)
    root = corpus.roots.get(args.tier)
    if root is None or not root.is_dir():
        raise SystemExit(f"error: the fetch script printed no usable {args.tier}= root")
    small_root = corpus.roots.get("small")

    if "semgrep" in tools and not args.semgrep_default_ignores:
        for r in {root, small_root} - {None}:
            (r / ".semgrepignore").write_text(SEMGREPIGNORE_TEXT, encoding="utf-8")

    meta: Dict[str, Any] = {
        "harness": "keyguard benchmarks/run.py",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(), "platform": platform.platform(),
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "tier": args.tier, "runs": args.runs, "cases": cases, "tools": tools,
        "skipped": skipped, "semgrep_config": semgrep_config,
        "semgrep_config_placeholder": placeholder and "semgrep" in tools,
        "semgrep_default_ignores": args.semgrep_default_ignores,
        "versions": {},
        "commands": {},
    }
    # semgrep --version alone waits ~100 s for a network version check.
    version_cmds = {"bandit": ["--version"], "ruff": ["--version"],
                    "semgrep": ["--version", "--disable-version-check"]}
    for tool in tools:
        if tool == "keyguard":
            meta["versions"][tool] = tool_version(version_argv(exes[tool]))
        elif tool in version_cmds:
            meta["versions"][tool] = tool_version([exes[tool], *version_cmds[tool]])
    meta["versions"]["python"] = sys.version.split()[0]

    samples: List[Sample] = []
    consistency: Dict[str, Optional[bool]] = {}
    corpus_meta: Dict[str, Any] = {"root": str(root), args.tier: corpus_stats([root])}

    for case in cases:
        if case == "full":
            prime_page_cache([root])
            invs = invocations(tools, root, ["."], exes, semgrep_config)
            meta["commands"]["full"] = {i.tool: shlex.join(i.argv) for i in invs}
            print(f"\n== full: {args.tier} tier, {corpus_meta[args.tier]['py_files']} files",
                  file=sys.stderr)
            samples += run_alternating(invs, "full", args.runs, not args.no_tree_rss,
                                       args.timeout, args.verbose)
            if args.compare_jobs and "keyguard" in tools:
                compare_jobs(args, root, exes["keyguard"], consistency)
        elif case == "precommit":
            if small_root is None or not corpus.precommit:
                print("warning: no precommit= files printed; skipping the precommit case",
                      file=sys.stderr)
                continue
            rel = [os.path.relpath(p, small_root) for p in corpus.precommit]
            corpus_meta["precommit"] = dict(corpus_stats(corpus.precommit), files=rel)
            prime_page_cache(corpus.precommit)
            invs = invocations(tools, small_root, rel, exes, semgrep_config)
            meta["commands"]["precommit"] = {i.tool: shlex.join(i.argv) for i in invs}
            print(f"\n== precommit: {len(rel)} files", file=sys.stderr)
            samples += run_alternating(invs, "precommit", args.runs, not args.no_tree_rss,
                                       args.timeout, args.verbose, warmup=1)
        elif case == "hook":
            if small_root is None or not corpus.precommit:
                print("warning: no precommit= files printed; skipping the hook case", file=sys.stderr)
                continue
            rel = [os.path.relpath(p, small_root) for p in corpus.precommit]
            print(f"\n== hook: {len(rel)} files changed before every run", file=sys.stderr)
            samples += run_hook(args, small_root, rel, tools, exes, semgrep_config)
        elif case == "warm":
            if "keyguard" not in tools:
                print("note: the warm case measures keyguard only; skipped", file=sys.stderr)
                continue
            print(f"\n== warm: {args.tier} tier", file=sys.stderr)
            samples += run_warm(args, root, exes["keyguard"], consistency)

    summaries: List[Summary] = []
    for case in ("full", "precommit", "hook", "warm-fill", "warm"):
        seen = []
        for s in samples:
            if s.case == case and s.tool not in seen:
                seen.append(s.tool)
        summaries += [summarize(samples, case, t) for t in seen]
    add_ratios(summaries)
    for s in summaries:
        if s.case == "warm":
            cold = next((x for x in summaries if x.case == "full" and x.tool == "keyguard"), None)
            base = cold or next((x for x in summaries if x.case == "warm-fill"), None)
            s.ratios["cold"] = ratio(s.median_s, base.median_s if base else None)
    targets = check_targets(summaries, args.tier, consistency)

    titles = {"full": f"Full scan, {args.tier} tier", "precommit": "Pre-commit (5 files)",
              "hook": "Pre-commit hook (5 files changed before every run; keyguard keeps its cache)",
              "warm-fill": "Warm case: first cached scan of the copy (fills the cache)",
              "warm": "Warm case: re-scan after a one-file edit"}
    print()
    print(f"keyguard benchmark — {meta['date']} — {meta['cpus']} CPUs — Python {meta['python']}"
          + (" — semgrep: PLACEHOLDER rules" if meta["semgrep_config_placeholder"] else ""))
    print(f"corpus {args.tier}: {corpus_meta[args.tier]['py_files']} files, "
          f"{corpus_meta[args.tier]['py_lines']} non-blank lines; runs per tool: {args.runs}")
    for case in ("full", "precommit", "hook", "warm-fill", "warm"):
        rows = [s for s in summaries if s.case == case]
        if rows:
            print()
            print(format_table(rows, titles[case]))
            if case == "warm":
                for s in rows:
                    print(f"\nwarm re-scan / cold scan: {fmt_ratio(s.ratios.get('cold'))}")
    if targets:
        print()
        print(format_targets(targets))
    failures = [s for s in samples if not s.ok]
    for s in failures:
        print(f"\nFAILED {s.case}/{s.tool} run {s.run}: {s.error}", file=sys.stderr)

    if args.json_out:
        meta["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
        doc = {"meta": meta, "corpus": corpus_meta,
               "samples": [asdict(s) for s in samples],
               "summary": [asdict(s) for s in summaries],
               "targets": targets}
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json_out}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:2] == [HELPER_FLAG]:
        sys.exit(helper_main(sys.argv[2:]))
    sys.exit(main())
