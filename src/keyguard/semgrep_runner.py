"""Run keyguard's bundled semgrep rules on Go, shell, Dockerfile and CI YAML files.

keyguard's own analyzer (libcst + taint) only understands Python.  Applications
built on smallstep's ``certificates`` are often Go programs or glue the ``step``
CLI together in shell scripts, Dockerfiles and CI jobs, so keyguard ships
semgrep rules for those languages (``rules/<language>/kgNNN-*.yaml``) and runs
them here when semgrep is installed (``pip install 'keyguard[semgrep]'``).

Results come back as ordinary :class:`keyguard.model.Finding` values with the
same KG codes as the Python rules (``origin="semgrep"``), so reporters,
suppression and selection treat them like any other finding.  ``.py`` files are
never given to semgrep: on Python the libcst analyzer is the authority, which
avoids duplicate findings.

semgrep is always run offline: ``--metrics=off``, no version check, local rule
files only (no registry configs), so a scan never touches the network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from keyguard.model import FileError, Finding

__all__ = [
    "KNOWN_CODES",
    "SemgrepOutcome",
    "bundled_rule_files",
    "combine_rule_files",
    "find_semgrep",
    "is_semgrep_target",
    "rules_dir",
    "run_semgrep",
    "semgrep_language",
]

#: The KG codes of the rule catalogue (shared/spec/rules.md) with their names and
#: severities.  The semgrep rules may only use these codes (tests/semgrep lints
#: every rule file against this table and against keyguard.registry.RULES when
#: the registry is importable); names and severities are the fallback when the
#: registry cannot be imported.
KNOWN_CODES: Mapping[str, Tuple[str, str]] = {
    "KG101": ("key-in-tempfile", "high"),
    "KG102": ("insecure-mktemp", "high"),
    "KG103": ("tempfile-cleanup-not-guaranteed", "medium"),
    "KG104": ("key-file-removed-without-wipe", "low"),
    "KG201": ("key-file-default-permissions", "high"),
    "KG202": ("key-file-permissive-mode", "high"),
    "KG203": ("permissions-tightened-after-write", "high"),
    "KG204": ("permissive-umask", "high"),
    "KG205": ("key-file-follows-symlink", "medium"),
    "KG301": ("key-buffer-not-zeroized", "medium"),
    "KG302": ("immutable-key-copy", "medium"),
    "KG303": ("key-in-immutable-object", "low"),
    "KG401": ("key-logged", "high"),
    "KG402": ("key-in-argv-or-env", "high"),
    "KG403": ("key-over-insecure-ipc", "high"),
    "KG404": ("unencrypted-key-at-rest", "medium"),
    "KG501": ("keygen-tool-temp-output", "high"),
    "KG502": ("keygen-tool-unencrypted-key", "medium"),
    "KG503": ("keygen-tool-secret-in-argv", "high"),
    "KG601": ("weak-key-parameters", "high"),
    "KG602": ("key-from-weak-random", "high"),
}

#: semgrep language directories under rules/ that keyguard runs itself.  The
#: ``python`` rules are shipped for teams that run semgrep in their own pipeline;
#: keyguard's libcst analyzer covers Python more precisely.
RUNNER_LANGUAGES = ("go", "bash", "dockerfile", "yaml")

_SEMGREP_SEVERITY = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
_RULE_FILE = re.compile(r"^(kg\d{3})-[a-z0-9-]+\.ya?ml$")
_SHELL_SHEBANG = re.compile(rb"^#!\s*\S*?(?:/env\s+(?:-\S+\s+)*)?/?\b(?:ba|da|k|z|a)?sh\b")
_SHELL_SUFFIXES = (".sh", ".bash", ".ksh", ".zsh", ".dash")
_CI_YAML_HINT = re.compile(
    rb"^\s*(?:-\s+)?(?:run|script|before_script|after_script|command|commands|entrypoint|args)\s*:", re.M)
_CI_PATH_PARTS = (".github/workflows/", ".github/actions/", ".gitlab/", ".circleci/", ".buildkite/", ".tekton/")
_CI_FILE_NAMES = (
    ".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml", "azure-pipelines.yaml",
    "bitbucket-pipelines.yml", ".travis.yml", ".drone.yml", "cloudbuild.yaml", "cloudbuild.yml",
    "buildspec.yml", "buildspec.yaml", "action.yml", "action.yaml", "taskfile.yml", "taskfile.yaml",
    "appveyor.yml", ".woodpecker.yml", "codefresh.yml", "jenkins.yml", "wercker.yml",
)
#: how much of a file is read to sniff a shebang or CI keys
_SNIFF_BYTES = 65536
#: at most this many targets per semgrep invocation (command-line length)
_BATCH = 400

# A file can only match a bundled rule of its language if it contains one of these words: every
# rule of rules/<lang>/ is anchored on a key-ish path or variable name (key, priv, id_rsa, .p12,
# PRIVATE KEY, passphrase), a key-generation tool, a key source API or a umask.  Files without any
# are not handed to semgrep (most taint rules have metavariable-only sources, which semgrep itself
# cannot prefilter).  tests/semgrep/test_gates.py proves the gates on every rule's test file: with
# each gate word blanked out, semgrep finds nothing.
_GATE_COMMON = (r"key|priv|passphrase|p12|pfx|\.jks|id_(?:rsa|dsa|ecdsa|ed25519)|openssl|ssh-keygen|"
                r"certtool|\bstep\b|step_password|umask")
_GATE_SCRIPTS = re.compile(("(?i)" + _GATE_COMMON).encode())
GATES: Dict[str, "re.Pattern[bytes]"] = {
    "bash": _GATE_SCRIPTS,
    "dockerfile": _GATE_SCRIPTS,
    "yaml": _GATE_SCRIPTS,
    "go": re.compile(("(?i)" + _GATE_COMMON + r"|seed|\.D\.Bytes|jwk|identity|pemutil").encode()),
}


def passes_gate(path: str, lang: str) -> bool:
    """Whether ``path`` may match a rule of ``lang`` (unreadable files pass: semgrep reports them)."""
    gate = GATES.get(lang)
    if gate is None:
        return True
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return True
    return gate.search(data) is not None


@dataclass(frozen=True)
class SemgrepOutcome:
    """What a semgrep run produced: findings, per-file errors and notes for the user."""

    findings: Tuple[Finding, ...] = ()
    errors: Tuple[FileError, ...] = ()
    notes: Tuple[str, ...] = ()


# --------------------------------------------------------------------------- targets


def semgrep_language(path: str) -> Optional[str]:
    """The rules/ language directory whose rules apply to ``path``, or None.

    Go by suffix; Dockerfiles by name (``Dockerfile``, ``Dockerfile.prod``,
    ``app.Dockerfile``, ``Containerfile``); shell by suffix or by a ``#!`` line
    naming a POSIX shell; YAML when the file lives in a CI location, has a CI
    file name, or contains ``run:``/``script:``-style keys.
    """
    name = os.path.basename(path)
    lower = name.lower()
    if lower.endswith(".py") or lower.endswith(".pyi"):
        return None
    if lower.endswith(".go"):
        return "go"
    if (lower.startswith("dockerfile") or lower.endswith(".dockerfile")
            or lower.startswith("containerfile") or lower.endswith(".containerfile")):
        return "dockerfile"
    if lower.endswith(_SHELL_SUFFIXES):
        return "bash"
    if lower.endswith((".yml", ".yaml")):
        norm = Path(path).as_posix().lower()
        if lower in _CI_FILE_NAMES or any(part in "/" + norm for part in _CI_PATH_PARTS):
            return "yaml"
        head = _read_head(path)
        if head is not None and _CI_YAML_HINT.search(head):
            return "yaml"
        return None
    if "." not in name:
        head = _read_head(path, 256)
        if head is not None and _SHELL_SHEBANG.match(head):
            return "bash"
    return None


def is_semgrep_target(path: str) -> bool:
    """Whether discovery should hand ``path`` to :func:`run_semgrep` (never ``.py``)."""
    return semgrep_language(path) is not None


def _read_head(path: str, size: int = _SNIFF_BYTES) -> Optional[bytes]:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return None


# --------------------------------------------------------------------------- rules


def rules_dir() -> Optional[Path]:
    """The directory holding the bundled rules (``<language>/kgNNN-*.yaml``).

    In a wheel the rules are package data under ``keyguard/semgrep_rules``; in a
    source checkout or editable install ``src/keyguard/semgrep_rules`` is a
    symlink to the repository's ``rules/`` directory, and the repository root is
    tried as well in case the symlink was not checked out (e.g. on Windows).
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "semgrep_rules", here.parent.parent / "rules"]
    for cand in candidates:
        if cand.is_dir() and any((cand / lang).is_dir() for lang in RUNNER_LANGUAGES):
            return cand
    return None


def bundled_rule_files(
    enabled_codes: Optional[Collection[str]] = None,
    languages: Iterable[str] = RUNNER_LANGUAGES,
) -> List[Path]:
    """Rule files of ``languages`` whose KG code is enabled, sorted for a stable run.

    The code is read from the file name (``kg501-...yaml``); tests/semgrep checks
    that it equals the rule's ``keyguard-code`` metadata.  Test targets
    (``*.test.yaml``) are skipped.
    """
    root = rules_dir()
    if root is None:
        return []
    wanted = None if enabled_codes is None else {c.upper() for c in enabled_codes}
    out: List[Path] = []
    for lang in languages:
        d = root / lang
        if not d.is_dir():
            continue
        for f in sorted(d.iterdir()):
            m = _RULE_FILE.match(f.name)
            if not m or f.name.endswith((".test.yaml", ".test.yml")):
                continue
            if wanted is None or m.group(1).upper() in wanted:
                out.append(f)
    return out


def combine_rule_files(rule_files: Iterable[Path]) -> str:
    """One semgrep config holding the rules of ``rule_files``.

    Every bundled rule file is ``rules:`` followed by one rule whose first line
    is ``  - id: <id>`` (tests/semgrep enforces this layout), so the files are
    merged by text, without a YAML library.  The same id exists once per
    language (``kg501-keygen-tool-temp-output`` for bash, Dockerfile and YAML),
    so each id is qualified with its language directory (``bash.kg501-...``);
    semgrep would otherwise keep only one rule of each id.
    """
    parts = ["rules:\n"]
    for rf in rule_files:
        text = rf.read_text(encoding="utf-8")
        head, sep, body = text.partition("\n")
        first, sep2, rest = body.partition("\n")
        if head.strip() != "rules:" or not first.startswith("  - id: "):
            raise ValueError(f"{rf}: a bundled rule file must start with 'rules:' and '  - id: <id>'")
        rule_id = first[len("  - id: "):].strip()
        parts.append(f"  - id: {rf.parent.name}.{rule_id}\n")
        parts.append(rest if rest.endswith("\n") else rest + "\n")
    return "".join(parts)


# --------------------------------------------------------------------------- semgrep


def find_semgrep() -> Optional[str]:
    """Path of the semgrep executable: $KEYGUARD_SEMGREP, beside sys.executable, or on PATH."""
    override = os.environ.get("KEYGUARD_SEMGREP")
    if override:
        return override if (os.path.isfile(override) and os.access(override, os.X_OK)) else None
    exe_dir = Path(sys.executable).parent
    for name in ("semgrep", "semgrep.exe"):
        cand = exe_dir / name
        if cand.is_file() and os.access(str(cand), os.X_OK):
            return str(cand)
    return shutil.which("semgrep")


def _semgrep_env() -> Dict[str, str]:
    """Environment for semgrep: no metrics, no version check, nothing sent anywhere."""
    env = dict(os.environ)
    env["SEMGREP_SEND_METRICS"] = "off"
    env["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
    env.pop("SEMGREP_APP_TOKEN", None)  # never log in to the semgrep service from keyguard
    return env


def _staged_name(path: str, lang: str) -> Optional[str]:
    """A file name semgrep recognises for ``lang``, when ``path``'s own name is not one.

    semgrep picks the language of an explicit target from its name only: it
    skips ``Dockerfile.prod``, ``Containerfile`` and extension-less shell scripts.
    """
    name = Path(path).name
    lower = name.lower()
    if lang == "dockerfile" and not (lower == "dockerfile" or lower.endswith(".dockerfile")):
        return "Dockerfile"
    if lang == "bash" and not lower.endswith((".sh", ".bash")):
        return name + ".sh"
    return None


def run_semgrep(
    paths: Sequence[str],
    enabled_codes: Collection[str],
    *,
    root: Optional[str] = None,
    timeout: float = 900.0,
) -> SemgrepOutcome:
    """Run the bundled non-Python rules on the non-``.py`` files among ``paths``.

    ``paths`` are files already chosen by discovery (folders are not walked
    here); files that :func:`is_semgrep_target` rejects are ignored.
    ``enabled_codes`` are the selected KG codes: only rules with those codes run.
    ``root`` is the working directory of the run (relative paths are resolved
    against it); findings keep each path exactly as given.

    Never raises for a missing or failing semgrep: that becomes a note or a
    :class:`FileError`, and the Python analysis goes on.
    """
    targets: List[Tuple[str, str]] = []  # (path as given, language)
    for p in paths:
        full = p if root is None or os.path.isabs(p) else os.path.join(root, p)
        lang = semgrep_language(full)
        if lang is not None and passes_gate(full, lang):
            targets.append((p, lang))
    if not targets:
        return SemgrepOutcome()

    codes = {c.upper() for c in enabled_codes}
    langs = sorted({lang for _, lang in targets})
    rule_files = bundled_rule_files(codes, langs)
    if not rule_files:
        if rules_dir() is None:
            return SemgrepOutcome(notes=(
                f"keyguard's semgrep rules were not found: {len(targets)} non-Python files not scanned",))
        return SemgrepOutcome()  # no selected code has a rule for these languages

    exe = find_semgrep()
    if exe is None:
        return SemgrepOutcome(notes=(
            f"semgrep is not installed: {len(targets)} non-Python files not scanned "
            "(pip install 'keyguard[semgrep]')",))

    cwd = root or os.getcwd()
    findings: List[Finding] = []
    errors: List[FileError] = []
    notes: List[str] = []
    staging = tempfile.mkdtemp(prefix="keyguard-semgrep-")  # mode 0700: copies stay private
    try:
        # path semgrep sees -> path as the caller gave it
        alias: Dict[str, str] = {}
        argv_targets: List[str] = []
        for i, (given, lang) in enumerate(targets):
            full = given if os.path.isabs(given) else os.path.join(cwd, given)
            staged = _staged_name(given, lang)
            if staged is not None:
                sub = os.path.join(staging, str(i))
                os.mkdir(sub, 0o700)
                dest = os.path.join(sub, staged)
                try:
                    shutil.copyfile(full, dest)
                except OSError as exc:
                    errors.append(FileError(given, f"cannot read file: {exc.strerror or exc}"))
                    continue
                seen = dest
            else:
                seen = os.path.abspath(full)
            alias[seen] = given
            argv_targets.append(seen)

        # One combined config: semgrep validates every --config separately (about half a
        # second each), so 30 rule files cost 15 s as 30 configs and well under 1 s as one.
        combined = os.path.join(staging, "keyguard-rules.yaml")
        with open(combined, "w", encoding="utf-8") as fh:
            fh.write(combine_rule_files(rule_files))
        base = [exe, "scan", "--json", "--quiet", "--metrics=off", "--disable-version-check",
                "--no-git-ignore", "--oss-only", "--timeout", "30", "--max-target-bytes", "5000000",
                "--config", combined]
        for start in range(0, len(argv_targets), _BATCH):
            batch = argv_targets[start:start + _BATCH]
            run_in = _common_directory(batch)
            doc, problem = _invoke(base + ["--"] + batch, run_in, timeout)
            if problem is not None:
                notes.append(problem)
                continue
            f, e = _convert(doc, alias, run_in)
            findings += f
            errors += e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SemgrepOutcome(tuple(_dedupe(findings)), tuple(errors), tuple(notes))


def _common_directory(targets: Sequence[str]) -> str:
    """The deepest directory holding every target: semgrep's working directory for a run.

    semgrep 1.x starts one helper process (``semgrep-core -rpc``) for each explicit target outside
    its working directory (about 0.15 s each: 57 CI files in a corpus took 12.6 s from a sibling
    directory, 3.5 s from a common parent).  The targets are absolute paths.
    """
    common = os.path.commonpath(targets)
    return common if os.path.isdir(common) else os.path.dirname(common)


def _invoke(argv: List[str], cwd: str, timeout: float) -> Tuple[dict, Optional[str]]:
    """Run semgrep once; return its JSON document or a note explaining the failure."""
    try:
        proc = subprocess.run(argv, cwd=cwd, env=_semgrep_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {}, f"semgrep timed out after {timeout:.0f}s: non-Python files not scanned"
    except OSError as exc:
        return {}, f"semgrep could not be started ({exc}): non-Python files not scanned"
    try:
        doc = json.loads(proc.stdout.decode("utf-8", "replace") or "{}")
    except ValueError:
        doc = {}
    if not isinstance(doc, dict) or "results" not in doc:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return {}, f"semgrep failed (exit {proc.returncode}): {tail[0][:300]}"
    return doc, None


def _convert(doc: dict, alias: Mapping[str, str], cwd: str) -> Tuple[List[Finding], List[FileError]]:
    """Turn semgrep's JSON results and errors into keyguard values."""
    findings: List[Finding] = []
    errors: List[FileError] = []

    def given(path: str) -> str:
        full = os.path.normpath(path if os.path.isabs(path) else os.path.join(cwd, path))
        return alias.get(full, alias.get(path, path))

    for r in doc.get("results", []):
        extra = r.get("extra", {}) or {}
        meta = extra.get("metadata", {}) or {}
        code = str(meta.get("keyguard-code", "")).upper()
        if code not in KNOWN_CODES:
            continue  # not one of ours (cannot happen with bundled rules)
        rule_id = str(r.get("check_id", "")).rsplit(".", 1)[-1]
        message = " ".join(str(extra.get("message", "")).split())
        fix = " ".join(str(meta.get("fix") or message).split())
        start, end = r.get("start", {}), r.get("end", {})
        findings.append(Finding(
            code=code,
            name=_rule_name(code, rule_id),
            severity=_severity(code, str(extra.get("severity", ""))),
            path=given(str(r.get("path", ""))),
            line=int(start.get("line", 1)),
            column=int(start.get("col", 1)),
            end_line=int(end.get("line", start.get("line", 1))),
            end_column=int(end.get("col", start.get("col", 1))),
            message=f"{message} [semgrep rule {rule_id}]",
            fix=fix,
            confidence=str(meta.get("confidence", "medium")).lower(),
            origin="semgrep",
        ))
    for e in doc.get("errors", []):
        level = str(e.get("level", "error")).lower()
        path = e.get("path") or (e.get("location") or {}).get("path")
        if not path or level not in ("error",):
            continue  # warnings (partial parses) and rule-level issues are not the user's file errors
        span = (e.get("spans") or [{}])[0] or {}
        line = int((span.get("start") or {}).get("line", 1))
        col = int((span.get("start") or {}).get("col", 1))
        msg = " ".join(str(e.get("message") or e.get("type") or "semgrep error").split())
        errors.append(FileError(given(str(path)), f"semgrep: {msg[:300]}", line, col))
    return findings, errors


def _dedupe(findings: Iterable[Finding]) -> List[Finding]:
    """One finding per (path, line, column, code): companion rules can hit the same spot."""
    seen = set()
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.path, f.line, f.column, f.code)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def _registry_rule(code: str):
    """keyguard.registry.RULES[code], imported lazily (the registry imports every rule)."""
    try:
        from keyguard.registry import RULES  # noqa: PLC0415 - lazy on purpose
    except Exception:  # the registry is optional for this module; fall back to KNOWN_CODES
        return None
    return RULES.get(code)


def _rule_name(code: str, rule_id: str) -> str:
    rule = _registry_rule(code)
    if rule is not None and getattr(rule, "name", ""):
        return str(rule.name)
    if code in KNOWN_CODES:
        return KNOWN_CODES[code][0]
    return rule_id


def _severity(code: str, semgrep_severity: str) -> str:
    rule = _registry_rule(code)
    if rule is not None and getattr(rule, "severity", ""):
        return str(rule.severity)
    if code in KNOWN_CODES:
        return KNOWN_CODES[code][1]
    return _SEMGREP_SEVERITY.get(semgrep_severity.upper(), "medium")
