"""SARIF 2.1.0 output shaped for GitHub code scanning.

What GitHub uses (docs.github.com, "SARIF support for code scanning"):
``tool.driver.rules[]`` with ``help`` (shown on the alert page),
``properties.security-severity`` (a score that maps to critical/high/medium/low),
``properties.tags`` (``security`` + CWE tags), ``properties.precision``;
``partialFingerprints`` to track an alert across commits; repository-relative
URIs resolved through ``originalUriBaseIds``; ``codeFlows`` to show the path from
the key's origin to the sink; ``relatedLocations`` that the message links to.
"""

from __future__ import annotations

import json as _json
import os
from pathlib import Path
from typing import Dict, List, Mapping, Optional
from urllib.parse import quote

from keyguard import __version__
from keyguard.model import Finding, ScanResult
from keyguard.report._common import (
    SECURITY_SEVERITY,
    SourceCache,
    relpath,
    rule_help_markdown,
    rule_help_text,
    rules_by_code,
)
from keyguard.report.fingerprint import fingerprints

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/keyguard/keyguard"
SRCROOT = "%SRCROOT%"

_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
#: finding confidence -> SARIF/GitHub precision
_PRECISION = {"high": "high", "medium": "medium", "low": "low"}
_RANK = {"high": 90.0, "medium": 60.0, "low": 30.0}


def _escape_md(text: str) -> str:
    """Escape brackets: in SARIF message strings ``[text](id)`` is an embedded link."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _uri(path: str, root: str) -> str:
    return quote(relpath(path, root), safe="/")


def _physical(path: str, root: str, line: int, col: int = 0, end_line: int = 0,
              end_col: int = 0) -> dict:
    region: Dict[str, int] = {"startLine": max(line, 1)}
    if col >= 1:
        region["startColumn"] = col
    if end_line >= line and end_line >= 1:
        region["endLine"] = end_line
    if end_col >= 1 and (end_line > line or end_col > col):
        region["endColumn"] = end_col
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(path, root), "uriBaseId": SRCROOT},
            "region": region,
        }
    }


def _cwe_tags(cwe) -> List[str]:
    tags = []
    for c in cwe or ():
        c = str(c).upper()
        if not c.startswith("CWE-"):
            c = "CWE-" + c
        tags.append("external/cwe/" + c.lower())
    return tags


def _rule_descriptor(code: str, example: Optional[Finding]) -> dict:
    rule = rules_by_code().get(code)
    name = getattr(rule, "name", "") or (example.name if example else code)
    severity = getattr(rule, "severity", "") or (example.severity if example else "high")
    summary = rule.summary() if rule is not None else (example.message if example else code)
    help_md = rule_help_markdown(code) or summary
    help_text = rule_help_text(code) or help_md
    fix_title = getattr(rule, "fix_title", "") or (example.fix if example else "")
    cwe = getattr(rule, "cwe", ()) or ()
    desc = {
        "id": code,
        "name": name,
        "shortDescription": {"text": f"{code} {name}: {summary}" if summary else f"{code} {name}"},
        "fullDescription": {"text": summary + (f" Fix: {fix_title}" if fix_title else "")},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": _LEVEL.get(severity, "error")},
        "properties": {
            "tags": ["security", "keyguard", "private-key"] + _cwe_tags(cwe),
            "security-severity": SECURITY_SEVERITY.get(severity, "8.0"),
            "precision": "high",
            "problem.severity": "error" if _LEVEL.get(severity) == "error" else "warning",
            "keyguard-default": getattr(rule, "default", "on"),
        },
    }
    return desc


def to_sarif(result: ScanResult, root: str = ".",
             sources: Optional[Mapping[str, str]] = None) -> dict:
    """The SARIF log as a dict."""
    cache = SourceCache(sources)
    findings = sorted(result.findings, key=lambda f: f.sort_key())
    registry = rules_by_code()
    examples: Dict[str, Finding] = {}
    for f in findings:
        examples.setdefault(f.code, f)
    codes = sorted(set(registry) | set(examples))
    rules = [_rule_descriptor(c, examples.get(c)) for c in codes]
    index = {c: i for i, c in enumerate(codes)}
    prints = fingerprints(findings, root, cache=cache)

    results = []
    for f, (_, _, fp) in zip(findings, prints):
        res: dict = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVEL.get(f.severity, "error"),
            "message": {"text": f.message},
            "locations": [_physical(f.path, root, f.line, f.column, f.end_line, f.end_column)],
            "partialFingerprints": {"keyguardFingerprint/v1": fp},
            "properties": {
                "confidence": f.confidence,
                "precision": _PRECISION.get(f.confidence, "medium"),
                "engine": f.origin,
            },
            "rank": _RANK.get(f.confidence, 50.0),
        }
        if f.fix:
            res["properties"]["fix"] = f.fix
        if f.source is not None:
            src_path = f.source.path or f.path
            related = _physical(src_path, root, f.source.line)
            related["id"] = 1
            related["message"] = {"text": f.source.description}
            res["relatedLocations"] = [related]
            # GitHub renders [text](id) links in the message to related locations.
            res["message"]["text"] = (f"{_escape_md(f.message)} "
                                      f"(key from [{_escape_md(f.source.description)}](1))")
        if f.trace:
            steps = []
            for step in f.trace:
                loc = _physical(step.path, root, step.line, step.column)
                loc["message"] = {"text": step.message}
                steps.append({"location": loc})
            res["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
        results.append(res)

    notifications = []
    for e in result.errors:
        notifications.append({
            "level": "error",
            "message": {"text": e.message},
            "descriptor": {"id": "KG000"},
            "locations": [_physical(e.path, root, e.line, e.column)],
        })
    for note in result.notes:
        notifications.append({"level": "note", "message": {"text": note}})

    root_uri = Path(os.path.abspath(root)).as_uri()
    if not root_uri.endswith("/"):
        root_uri += "/"
    run = {
        "tool": {
            "driver": {
                "name": "keyguard",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": notifications,
        }],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(result: ScanResult, root: str = ".",
                 sources: Optional[Mapping[str, str]] = None) -> str:
    """The SARIF log as JSON text."""
    return _json.dumps(to_sarif(result, root, sources), indent=2, ensure_ascii=False) + "\n"
