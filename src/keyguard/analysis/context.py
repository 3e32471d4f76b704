"""What rules see: every event of an analysis batch, grouped by trace, plus shared facts.

Facts computed once here (which files received key material, which paths are
parents of which) are used by several rules, so no rule re-derives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

import libcst as cst

from keyguard import labels as L
from keyguard.analysis.events import Event
from keyguard.analysis.values import Origin, Value, bits_set
from keyguard.knowledge.schema import KnowledgeBase

PERMISSIVE_FILE_BITS = 0o077  # any group/other permission on a key file
GROUP_OTHER_RW = 0o066


@dataclass
class AnalysisContext:
    """Events of one batch and helpers to judge them."""

    kb: KnowledgeBase
    events: List[Event]
    code_of: Callable[[cst.CSTNode, str], str]
    path_parents: Mapping[object, Set[object]] = field(default_factory=dict)
    wipe_helpers: Tuple[str, ...] = ()
    trees: Mapping[str, cst.Module] = field(default_factory=dict)

    @cached_property
    def traces(self) -> Dict[int, List[Event]]:
        out: Dict[int, List[Event]] = {}
        for ev in self.events:
            out.setdefault(ev.trace, []).append(ev)
        for evs in out.values():
            evs.sort(key=lambda e: e.seq)
        return out

    def by_kind(self, kind: str) -> Iterable[Event]:
        return (e for e in self.events if e.kind == kind)

    # -------------------------------------------------------------- file identity
    @staticmethod
    def file_ids(v: Optional[Value]) -> FrozenSet[object]:
        """Identity tokens of the file a handle, fd or path value refers to."""
        if v is None:
            return frozenset()
        ids: Set[object] = set()
        if v.ident is not None:
            ids.add(v.ident)
        if isinstance(v.const, str):
            ids.add(("const", v.const))
        if v.file is not None and v.file.path is not None:
            p = v.file.path
            if p.ident is not None:
                ids.add(p.ident)
            if isinstance(p.const, str):
                ids.add(("const", p.const))
        return frozenset(ids)

    def ancestors(self, ident: object) -> Set[object]:
        out: Set[object] = set()
        todo = [ident]
        while todo:
            cur = todo.pop()
            for parent in self.path_parents.get(cur, ()):
                if parent not in out:
                    out.add(parent)
                    todo.append(parent)
        return out

    @staticmethod
    def is_temp(v: Optional[Value]) -> bool:
        if v is None:
            return False
        if v.has(L.TEMP):
            return True
        if v.file is not None and v.file.path is not None and v.file.path.has(L.TEMP):
            return True
        return False

    @staticmethod
    def is_shared_temp(v: Optional[Value]) -> bool:
        """Directly in a directory every user can write to (not a private mkdtemp() folder)."""
        if v is None:
            return False
        if v.has(L.SHARED_TEMP):
            return True
        return v.file is not None and v.file.path is not None and v.file.path.has(L.SHARED_TEMP)

    @cached_property
    def key_writes(self) -> List[Event]:
        """Writes whose data is key material."""
        return [e for e in self.events if e.kind == "write" and _data(e).is_key]

    @cached_property
    def key_file_ids(self) -> FrozenSet[object]:
        ids: Set[object] = set()
        for e in self.key_writes:
            ids |= self.file_ids(e.value("target"))
        # a key file copied or moved (shutil.copy*/move, os.replace, Path.rename, a staged file
        # moved into place) makes its destination a key file too: a later chmod of the
        # destination is a chmod of the key
        copies = [e for e in self.by_kind("copy") if e.value("src") is not None and e.value("dst") is not None]
        grew = bool(ids)
        while grew:
            grew = False
            for e in copies:
                if self.file_ids(e.value("src")) & ids:
                    dst = self.file_ids(e.value("dst")) - ids
                    if dst:
                        ids |= dst
                        grew = True
        return frozenset(ids)

    @cached_property
    def tool_key_file_ids(self) -> FrozenSet[object]:
        """Files a key-generation tool writes a private key to (``ssh-keygen -f PATH``)."""
        ids: Set[object] = set()
        for e in self.by_kind("exec"):
            for out in e.values.get("key_outputs") or ():
                ids |= self.file_ids(out)
        return frozenset(ids)

    def is_key_file(self, v: Optional[Value]) -> bool:
        if v is None:
            return False
        if v.has(L.KEY_PATH) or (v.file is not None and v.file.path is not None and v.file.path.has(L.KEY_PATH)):
            return True
        return bool(self.file_ids(v) & self.key_file_ids)

    def is_key_dir(self, v: Optional[Value]) -> bool:
        ids = self.file_ids(v)
        if not ids:
            return False
        for fid in self.key_file_ids | self.tool_key_file_ids:
            if ids & self.ancestors(fid):
                return True
        return False


def _data(e: Event) -> Value:
    v = e.value("data")
    return v if v is not None else Value()


def mode_of(v: Optional[Value]) -> Optional[int]:
    if v is None or not isinstance(v.const, int) or isinstance(v.const, bool):
        return None
    return v.const


def mask_floor(v: Optional[Value]) -> Optional[int]:
    """A umask as far as it is known to restrict: the constant, or the bits or-ed into an unknown
    mask (``os.umask(old | 0o077)`` masks at least 0o077); None when nothing is known."""
    exact = mode_of(v)
    if exact is not None:
        return exact
    return bits_set(v) or None


def describe_origin(org: Optional[Origin], line_of: Callable[[Origin], Optional[int]]) -> str:
    if org is None:
        return "key material"
    line = line_of(org)
    return f"{org.description} at line {line}" if line else org.description
