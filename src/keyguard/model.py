"""Plain values shared by the engine, the reporters and the integrations.

Everything here is immutable: a scan is a function of (files, config) and its
results can be cached, compared and sent across processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

SEVERITIES = ("low", "medium", "high", "critical")
CONFIDENCES = ("low", "medium", "high")


@dataclass(frozen=True)
class SourceRef:
    """Where the key material of a finding came from."""

    line: int
    description: str
    path: Optional[str] = None  # set when the source is in another file than the finding


@dataclass(frozen=True)
class TraceStep:
    """One step of the flow from the key's origin to the sink (SARIF codeFlows, LSP related info)."""

    path: str
    line: int
    column: int
    message: str


#: codes whose finding on a statement makes another code's finding there redundant: a write that
#: some calls of a helper aim at a temporary location (KG101) and others at a regular path (KG201)
#: is one problem on one line, reported as its more specific code
SUBSUMES: Mapping[str, Tuple[str, ...]] = {"KG101": ("KG201",)}


def drop_subsumed(findings: Sequence["Finding"]) -> List["Finding"]:
    """``findings`` without those another finding on the same line subsumes (:data:`SUBSUMES`)."""
    present = {(f.path, f.line, f.code) for f in findings}
    return [f for f in findings
            if not any((f.path, f.line, big) in present for big, small in SUBSUMES.items() if f.code in small)]


@dataclass(frozen=True)
class Finding:
    """One reported problem. Lines and columns are 1-based; the span covers the sink expression."""

    code: str
    name: str
    severity: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fix: str
    source: Optional[SourceRef] = None
    confidence: str = "high"
    trace: Tuple[TraceStep, ...] = ()
    origin: str = "keyguard"  # "keyguard" (libcst analyzer) or "semgrep"

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict:
        """The JSON shape of cli.md."""
        d = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "confidence": self.confidence,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "source": None,
            "fix": self.fix,
        }
        if self.source is not None:
            src = {"line": self.source.line, "description": self.source.description}
            if self.source.path is not None:
                src["path"] = self.source.path
            d["source"] = src
        if self.origin != "keyguard":
            d["engine"] = self.origin
        return d


@dataclass(frozen=True)
class FileError:
    """A file that could not be read, decoded or parsed (KG000). Never stops a scan."""

    path: str
    message: str
    line: int = 1
    column: int = 1

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message}


@dataclass
class TargetResult:
    """What one target file's analysis produced, with the modules it depended on (what a pool
    worker sends back: a light class, so the scan's own process unpickles it without importing
    the analysis)."""

    path: str
    findings: List[Finding] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    deps: Dict[str, str] = field(default_factory=dict)  # path -> content hash
    #: module-level names of the target through which key material can reach an importer: functions
    #: that return it or act on it, classes whose methods or attributes do, globals holding it
    exports: FrozenSet[str] = frozenset()

@dataclass(frozen=True)
class ScanResult:
    """The outcome of a scan: findings (sorted, suppressed ones removed), errors and statistics."""

    findings: Tuple[Finding, ...] = ()
    errors: Tuple[FileError, ...] = ()
    files_scanned: int = 0
    files_skipped: int = 0
    seconds: float = 0.0
    suppressed: int = 0
    notes: Tuple[str, ...] = field(default=())  # e.g. "semgrep not installed: 3 Go files not scanned"
