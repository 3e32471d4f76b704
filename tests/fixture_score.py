"""Score the engine on the annotated corpus: recall on positives, false alarms on near-misses.

    PYTHONPATH=src python tests/fixture_score.py [--select ALL]

Positives are ``# expect:`` and ``# todo-expect:`` annotations; negatives are lines marked
``# near-miss: KGnnn (...)``.  A near-miss line counts as a false alarm when any finding of
the same family (KG1 .. KG6) lands on it; other unannotated findings are listed as extras.
Files under tests/fixtures/KG*/, tests/fixtures/projects/* (scanned per project) and
examples/insecure, examples/secure (every finding in a secure example is an extra).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from keyguard.api import scan_paths
from keyguard.config import Config
from keyguard.testing import parse_expectations

ROOT = Path(__file__).resolve().parent.parent
NEAR = re.compile(r"#\s*near-miss:\s*(KG\d{3})")
FAMILIES = ("KG1", "KG2", "KG3", "KG4", "KG5", "KG6")


def _config(options) -> Config:
    kw = {"use_cache": False, "semgrep": False}
    if "strict" in options:
        kw["strict"] = bool(options["strict"])
    if "select" in options:
        kw["select"] = tuple(options["select"])
    return Config(**kw)


def _units():
    fx = ROOT / "tests" / "fixtures"
    for p in sorted(fx.glob("KG*/**/*.py")):
        yield [p], p
    for d in sorted((fx / "projects").glob("*")):
        if d.is_dir():
            yield sorted(d.rglob("*.py")), d
    for p in sorted((ROOT / "examples" / "insecure").glob("*.py")):
        yield [p], p
    for p in sorted((ROOT / "examples" / "secure").glob("*.py")):
        yield [p], p


def main() -> int:
    pos = defaultdict(lambda: [0, 0])  # family -> [found, total]
    neg = defaultdict(lambda: [0, 0])  # family -> [alarms, total]
    extras, misses, alarms = [], [], []
    for files, scan_root in _units():
        first = parse_expectations(files[0].read_text(encoding="utf-8"))
        result = scan_paths([str(scan_root)], _config(first.options), jobs=1)
        for path in files:
            text = path.read_text(encoding="utf-8")
            exp = parse_expectations(text)
            got = {(f.line, f.code) for f in result.findings if Path(f.path).resolve() == path.resolve()}
            rel = path.relative_to(ROOT)
            near = {}
            for i, line in enumerate(text.splitlines(), 1):
                for m in NEAR.finditer(line):
                    near[(i, m.group(1))] = line.strip()
            for key in exp.expected | exp.todo:
                fam = key[1][:3]
                if fam not in FAMILIES:
                    continue
                pos[fam][1] += 1
                if key in got:
                    pos[fam][0] += 1
                else:
                    misses.append(f"{rel}:{key[0]} {key[1]}")
            for (line, code) in near:
                fam = code[:3]
                neg[fam][1] += 1
                hit = [c for (ln, c) in got if ln == line and c[:3] == fam]
                if hit:
                    neg[fam][0] += 1
                    alarms.append(f"{rel}:{line} {','.join(sorted(hit))} (near-miss {code})")
            for (line, code) in sorted(got - exp.expected - exp.todo):
                if code[:3] in FAMILIES and not any(ln == line and c[:3] == code[:3] for (ln, c) in near):
                    extras.append(f"{rel}:{line} {code}")
    print("family  recall (found/positives)   false alarms on near-misses")
    for fam in FAMILIES:
        f, t = pos[fam]
        a, n = neg[fam]
        print(f"{fam}xx   {f:3d}/{t:<3d} = {f / t if t else 0:.2f}         {a:3d}/{n:<3d}")
    f = sum(v[0] for v in pos.values())
    t = sum(v[1] for v in pos.values())
    a = sum(v[0] for v in neg.values())
    n = sum(v[1] for v in neg.values())
    x = len(extras)
    print(f"all     {f:3d}/{t:<3d} = {f / t:.2f}         {a:3d}/{n:<3d}; other unannotated findings: {x}")
    print(f"precision on annotated corpus: {f}/{f + a + x} = {f / (f + a + x):.2f}")
    for title, rows in (("misses", misses), ("false alarms on near-miss lines", alarms), ("other unannotated findings", extras)):
        print(f"\n{title}:")
        for r in sorted(rows):
            print("  ", r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
