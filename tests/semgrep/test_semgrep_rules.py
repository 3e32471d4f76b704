"""The bundled semgrep rules: semgrep's own test runner, validation and a metadata lint.

semgrep is a test dependency (the ``test`` extra), so these tests run the real
engine; a missing semgrep is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml

from keyguard.semgrep_runner import KNOWN_CODES, RUNNER_LANGUAGES, find_semgrep

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
LANGUAGE_DIRS = ("python", "go", "bash", "dockerfile", "yaml")
#: the semgrep language each rules/ directory must declare
DIR_LANGUAGE = {"python": "python", "go": "go", "bash": "bash", "dockerfile": "dockerfile", "yaml": "yaml"}
CONFIDENCES = {"HIGH", "MEDIUM", "LOW"}
MIN_POSITIVES = 3
MIN_NEGATIVES = 3


def rule_files() -> List[Path]:
    """Every rule config (test targets named ``*.test.yaml`` excluded)."""
    out = []
    for d in LANGUAGE_DIRS:
        for f in sorted((RULES / d).glob("*.yaml")):
            if not f.name.endswith(".test.yaml"):
                out.append(f)
    return out


def annotated_test_file(rule: Path) -> Optional[Path]:
    """The annotated test file of a rule: same stem, any other suffix (``.test.yaml`` for YAML)."""
    if rule.parent.name == "yaml":
        cand = rule.with_name(rule.stem + ".test.yaml")
        return cand if cand.exists() else None
    for f in sorted(rule.parent.iterdir()):
        if f != rule and f.name.startswith(rule.stem + ".") and f.suffix not in (".yaml", ".yml"):
            if f.name.count(".") == rule.name.count(".") and not f.name.endswith(".fixed" + f.suffix):
                return f
    return None


def semgrep_exe() -> str:
    exe = find_semgrep()
    assert exe is not None, "semgrep is a test dependency: pip install -e '.[test]'"
    return exe


def semgrep_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["SEMGREP_SEND_METRICS"] = "off"
    env["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
    return env


ALL_RULES = rule_files()


def test_there_are_rules_for_every_language() -> None:
    for d in LANGUAGE_DIRS:
        assert any(f.parent.name == d for f in ALL_RULES), f"no rules in rules/{d}/"
    assert set(RUNNER_LANGUAGES) <= set(LANGUAGE_DIRS)


@pytest.mark.parametrize("path", ALL_RULES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rule_metadata(path: Path) -> None:
    """id == file name, a known KG code in id and metadata, CWE/references/confidence/category."""
    text = path.read_text(encoding="utf-8")
    # the runner merges rule files by text (combine_rule_files): keep this exact layout
    assert text.startswith("rules:\n  - id: "), "a rule file starts with 'rules:' then '  - id: <id>'"
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict) and list(doc) == ["rules"]
    assert len(doc["rules"]) == 1, "one rule per file"
    rule = doc["rules"][0]
    assert rule["id"] == path.stem
    m = re.match(r"^kg(\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*$", rule["id"])
    assert m, f"rule id {rule['id']!r} must be kgNNN-kebab-case"
    assert rule["languages"] == [DIR_LANGUAGE[path.parent.name]]
    assert rule.get("severity") in ("ERROR", "WARNING", "INFO")
    assert str(rule.get("message", "")).strip()
    meta = rule.get("metadata") or {}
    code = meta.get("keyguard-code")
    assert code in KNOWN_CODES, f"unknown keyguard-code {code!r}"
    assert code == "KG" + m.group(1), "the id's number is the keyguard-code"
    cwe = meta.get("cwe")
    assert isinstance(cwe, list) and cwe and all(re.match(r"^CWE-\d+: \S", c) for c in cwe)
    refs = meta.get("references")
    assert isinstance(refs, list) and refs
    assert any("insecure-key-storage-during-generation.md" in r for r in refs), \
        "reference the threat analysis section"
    assert str(meta.get("confidence", "")).upper() in CONFIDENCES
    assert meta.get("category") == "security"
    assert str(meta.get("fix", "")).strip(), "metadata.fix gives the action keyguard reports"
    assert str(meta.get("not-covered", "")).strip(), "say what the libcst analyzer finds that this rule cannot"


@pytest.mark.parametrize("path", ALL_RULES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rule_has_annotated_test_file(path: Path) -> None:
    """At least three positives and three negatives, annotated for this rule id."""
    target = annotated_test_file(path)
    assert target is not None, f"no test file beside {path.name}"
    text = target.read_text(encoding="utf-8")
    rid = re.escape(path.stem)
    positives = re.findall(r"(?:#|//)\s*ruleid:\s*(?:[\w-]+,\s*)*" + rid + r"\b", text)
    negatives = re.findall(r"(?:#|//)\s*ok:\s*(?:[\w-]+,\s*)*" + rid + r"\b", text)
    assert len(positives) >= MIN_POSITIVES, f"{target.name}: {len(positives)} ruleid annotations"
    assert len(negatives) >= MIN_NEGATIVES, f"{target.name}: {len(negatives)} ok annotations"
    # annotations naming another rule are almost always a copy-paste slip
    other = set(re.findall(r"(?:ruleid|ok):\s*([\w-]+)", text)) - {path.stem}
    assert not other, f"{target.name} annotates other rules: {sorted(other)}"


def test_no_stray_test_files() -> None:
    """Every file in rules/ is a rule, its test target, or documentation."""
    stems = {f.stem for f in ALL_RULES}
    for d in LANGUAGE_DIRS:
        for f in (RULES / d).iterdir():
            stem = f.name.split(".", 1)[0]
            assert stem in stems, f"rules/{d}/{f.name} belongs to no rule"


def test_semgrep_test_passes() -> None:
    """`semgrep --test rules/`: every ruleid line matches, every ok line does not."""
    proc = subprocess.run(
        [semgrep_exe(), "--test", "--metrics=off", "--disable-version-check", str(RULES)],
        cwd=str(REPO), env=semgrep_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800,
    )
    out = proc.stdout.decode("utf-8", "replace")
    summary = [ln for ln in out.splitlines() if re.search(r"\d+/\d+: ", ln)]
    assert proc.returncode == 0 and any("All tests passed" in ln for ln in summary), out[-6000:]
    m = re.search(r"(\d+)/(\d+): ", summary[-1])
    assert m and int(m.group(2)) == len(ALL_RULES), f"semgrep tested {summary[-1]!r}"


def _semgrep_core() -> Optional[str]:
    """semgrep-core, for offline validation when the registry lints cannot be fetched."""
    spec = importlib.util.find_spec("semgrep")
    if spec is not None and spec.origin:
        cand = Path(spec.origin).parent / "bin" / "semgrep-core"
        if cand.is_file():
            return str(cand)
    return None


def registry_reachable() -> bool:
    """Whether semgrep's registry host resolves (without it `semgrep --validate` waits
    about 100 s on its network retries before failing)."""
    try:
        socket.getaddrinfo("semgrep.dev", 443)
    except OSError:
        return False
    return True


def validate(files: List[Path]) -> List[str]:
    """Problems `semgrep --validate` finds in ``files`` (empty when they are valid).

    semgrep --validate also downloads the registry's rule lints
    (p/semgrep-rule-lints); without network (CI) that download fails, and the
    same engine-level validation is run by semgrep-core -check_rules with an
    empty lint set: pattern syntax, metavariable binding, rule schema.
    """
    if registry_reachable():
        configs: List[str] = []
        for f in files:
            configs += ["--config", str(f)]
        proc = subprocess.run(
            [semgrep_exe(), "--validate", "--metrics=off", "--disable-version-check", *configs],
            cwd=str(REPO), env=semgrep_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
        )
        out = proc.stdout.decode("utf-8", "replace")
        offline = any(s in out for s in ("ConnectionError", "NameResolutionError", "Max retries exceeded",
                                         "Failed to resolve", "Network is unreachable"))
        if not offline:
            return [] if proc.returncode == 0 else [out[-6000:]]
    core = _semgrep_core()
    assert core is not None, "semgrep-core not found beside the semgrep package"
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "no-lints.yaml"
        empty.write_text("rules: []\n", encoding="utf-8")
        proc = subprocess.run([core, "-json", "-check_rules", str(empty), *[str(f) for f in files]],
                              cwd=str(REPO), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=600)
    raw = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or "{" not in raw:
        return [proc.stderr.decode("utf-8", "replace")[-3000:] or f"semgrep-core exit {proc.returncode}"]
    doc = json.loads(raw[raw.index("{"):])
    return [f"{e.get('rule_id')}: {e.get('message')}" for e in doc.get("errors", [])]


def test_semgrep_validate() -> None:
    """Every bundled rule passes `semgrep --validate`."""
    problems = validate(ALL_RULES)
    assert problems == [], "\n".join(problems)


def test_semgrep_validate_catches_a_broken_rule(tmp_path: Path) -> None:
    """The validation above can fail: an unbalanced pattern and an unbound metavariable."""
    bad = tmp_path / "kg101-broken.yaml"
    bad.write_text(
        "rules:\n"
        "  - id: kg101-broken\n"
        "    languages: [go]\n"
        "    severity: ERROR\n"
        "    message: broken\n"
        "    patterns:\n"
        "      - pattern: os.WriteFile($P,\n"
        "      - metavariable-regex:\n"
        "          metavariable: $NEVER_BOUND\n"
        "          regex: x\n",
        encoding="utf-8",
    )
    assert validate([bad]) != []
