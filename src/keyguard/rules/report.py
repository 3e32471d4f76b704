"""What a rule reports: a :class:`Hit`, turned into a :class:`~keyguard.model.Finding` later
(positions are computed only for files that have hits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import libcst as cst

from keyguard.analysis.values import Origin


@dataclass(frozen=True, eq=False)
class Hit:
    code: str
    node: cst.CSTNode
    module: str
    message: str
    source: Optional[Origin] = None
    confidence: str = "high"
    #: extra steps for the trace (origin -> ... -> sink): (node, module, message)
    steps: Tuple[Tuple[cst.CSTNode, str, str], ...] = ()
    fix: Optional[str] = None
