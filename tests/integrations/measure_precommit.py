"""Measure the pre-commit hook's wall time on 5 typical files (not a test; run by hand).

    python tests/integrations/measure_precommit.py

Builds a throwaway git repository, installs the ``keyguard`` hook from this
checkout (committed HEAD) into a private PRE_COMMIT_HOME, then times
``pre-commit run keyguard --files <5 files>``: with keyguard's result cache
cold (``--no-cache``: what a commit of freshly edited files costs) and warm.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FILES = [
    HERE / "data" / "insecure_store.py",
    HERE / "data" / "clean_store.py",
    REPO / "tests" / "fixes" / "cases" / "kg202_chmod_modes.py",
    REPO / "src" / "keyguard" / "report" / "sarif.py",
    REPO / "src" / "keyguard" / "baseline.py",
]


def run(cmd, cwd, env):
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t, proc


def main() -> None:
    work = Path(tempfile.mkdtemp())
    home = Path(tempfile.mkdtemp())
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    env.pop("PYTHONPATH", None)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    names = []
    for i, f in enumerate(FILES):
        dst = work / f"m{i}_{f.name}"
        shutil.copy(f, dst)
        names.append(dst.name)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.strip()
    results = {}
    for label, args in (("cold result cache (--no-cache)", '["--no-cache"]'), ("warm result cache", "[]")):
        (work / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {REPO}\n    rev: {rev}\n    hooks:\n      - id: keyguard\n        args: {args}\n")
        subprocess.run(["git", "add", "-A"], cwd=work, check=True)
        t_install, proc = run([sys.executable, "-m", "pre_commit", "install-hooks"], str(work), env)
        if proc.returncode != 0:
            raise SystemExit(proc.stdout + proc.stderr)
        times = []
        for _ in range(7):
            t, proc = run([sys.executable, "-m", "pre_commit", "run", "keyguard", "--files", *names],
                          str(work), env)
            times.append(t)
        results[label] = (t_install, times, proc.returncode)
    # pre-commit's own cost: the same run with a hook that does nothing
    (work / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: noop\n        name: noop\n"
        "        entry: 'true'\n        language: system\n        types: [python]\n")
    subprocess.run(["git", "add", "-A"], cwd=work, check=True)
    noop = [run([sys.executable, "-m", "pre_commit", "run", "noop", "--files", *names], str(work), env)[0]
            for _ in range(7)]
    # keyguard alone, same files, no pre-commit (this checkout)
    direct = [run([sys.executable, "-m", "keyguard", "check", "--no-cache", *names], str(work),
                  dict(env, PYTHONPATH=str(REPO / "src")))[0] for _ in range(7)]
    lines = sum(f.read_text().count("\n") for f in FILES)
    print(f"5 files, {lines} lines: " + ", ".join(n for n in names))
    for label, (t_install, times, rc) in results.items():
        print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms (n={len(times)}, hook exit {rc}); "
              f"install-hooks {t_install:.1f} s")
    print(f"pre-commit with a no-op hook: median {statistics.median(noop) * 1000:.0f} ms")
    print(f"keyguard check --no-cache on the 5 files, no pre-commit: median {statistics.median(direct) * 1000:.0f} ms")
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()), "cpus:", os.cpu_count())


if __name__ == "__main__":
    main()
