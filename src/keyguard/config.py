"""Configuration: ``[tool.keyguard]`` in ``pyproject.toml`` plus command-line overrides.

Keys (kebab-case in TOML, as in ruff): ``select``, ``ignore``, ``strict``, ``exclude``,
``extend-exclude``, ``per-file-ignores``, ``knowledge`` (extra knowledge-base TOML files,
relative to the pyproject), ``wipe-helpers`` (qualified names of functions that zero a
buffer), ``jobs``, ``cache-dir``.  Command-line flags win over the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from keyguard.registry import SelectionError, normalize_codes, select_codes

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".keyguard_cache", "build", "dist", "*.egg-info",
)


class ConfigError(ValueError):
    """Unreadable or invalid configuration (exit status 2)."""


@dataclass(frozen=True)
class Config:
    """Everything a scan depends on besides the files themselves."""

    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    strict: bool = False
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    knowledge: Tuple[Tuple[str, str], ...] = ()  # (name, toml text) of extra KB tables
    wipe_helpers: Tuple[str, ...] = ()
    jobs: Optional[int] = None
    cache_dir: Optional[str] = None
    use_cache: bool = True
    root: str = "."
    respect_gitignore: bool = True
    semgrep: bool = True

    @property
    def cache_directory(self) -> str:
        """Where the cache lives: ``cache-dir``, else ``.keyguard_cache`` in the project root."""
        return self.cache_dir or os.path.join(self.root, ".keyguard_cache")

    def replace(self, **kw: Any) -> "Config":
        return replace(self, **kw)

    @property
    def enabled(self) -> frozenset:
        return select_codes(self.select, self.ignore, self.strict)

    def fingerprint(self) -> str:
        """Everything that changes findings, for cache invalidation."""
        import hashlib

        h = hashlib.sha256()
        for part in (self.select, self.ignore, self.strict, self.per_file_ignores, self.knowledge, self.wipe_helpers):
            h.update(repr(part).encode())
            h.update(b"\0")
        return h.hexdigest()[:16]


def find_pyproject(start: Union[str, Path]) -> Optional[Path]:
    p = Path(start).resolve()
    if p.is_file():
        p = p.parent
    for d in (p, *p.parents):
        cand = d / "pyproject.toml"
        if cand.is_file():
            return cand
    return None


def _codes(value: Any, key: str) -> Tuple[str, ...]:
    try:
        codes = normalize_codes(value)
        select_codes(codes, (), True)
        return codes
    except SelectionError as exc:
        raise ConfigError(f"[tool.keyguard] {key}: {exc}") from None
    except TypeError:
        raise ConfigError(f"[tool.keyguard] {key}: expected a list of codes") from None


def from_table(table: Mapping[str, Any], base_dir: Path) -> Dict[str, Any]:
    """Translate a ``[tool.keyguard]`` table into Config keyword arguments."""
    kw: Dict[str, Any] = {}
    known = {"select", "ignore", "strict", "exclude", "extend-exclude", "per-file-ignores", "knowledge",
             "wipe-helpers", "jobs", "cache-dir", "respect-gitignore", "semgrep", "extend-select"}
    for key in table:
        if key.replace("_", "-") not in known:
            raise ConfigError(f"[tool.keyguard]: unknown option {key!r}")
    t = {k.replace("_", "-"): v for k, v in table.items()}
    if "select" in t:
        kw["select"] = _codes(t["select"], "select")
    if "extend-select" in t:
        kw["select"] = tuple(kw.get("select", ())) + _codes(t["extend-select"], "extend-select")
    if "ignore" in t:
        kw["ignore"] = _codes(t["ignore"], "ignore")
    if "strict" in t:
        if not isinstance(t["strict"], bool):
            raise ConfigError("[tool.keyguard] strict: expected true or false")
        kw["strict"] = t["strict"]
    if "exclude" in t:
        kw["exclude"] = tuple(str(x) for x in t["exclude"])
    if "extend-exclude" in t:
        kw["extend_exclude"] = tuple(str(x) for x in t["extend-exclude"])
    if "per-file-ignores" in t:
        pfi = t["per-file-ignores"]
        if not isinstance(pfi, Mapping):
            raise ConfigError("[tool.keyguard] per-file-ignores: expected a table of glob = [codes]")
        kw["per_file_ignores"] = tuple((str(g), _codes(c, f"per-file-ignores.{g}")) for g, c in pfi.items())
    if "knowledge" in t:
        extra = []
        for name in t["knowledge"]:
            path = (base_dir / name).resolve()
            try:
                extra.append((str(name), path.read_text(encoding="utf-8")))
            except OSError as exc:
                raise ConfigError(f"[tool.keyguard] knowledge: cannot read {name}: {exc.strerror}") from None
        kw["knowledge"] = tuple(extra)
    if "wipe-helpers" in t:
        kw["wipe_helpers"] = tuple(str(x) for x in t["wipe-helpers"])
    if "jobs" in t:
        kw["jobs"] = int(t["jobs"])
    if "cache-dir" in t:
        kw["cache_dir"] = str((base_dir / t["cache-dir"]).resolve())
    if "respect-gitignore" in t:
        kw["respect_gitignore"] = bool(t["respect-gitignore"])
    if "semgrep" in t:
        kw["semgrep"] = bool(t["semgrep"])
    return kw


def _parse_toml(raw: bytes, path: Path) -> Dict[str, Any]:
    from keyguard.knowledge.compiled import toml

    tomllib = toml()
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_config(start: Union[str, Path] = ".", config_file: Optional[Union[str, Path]] = None, **overrides: Any) -> Config:
    """Read the nearest ``pyproject.toml`` (or ``config_file``) and apply ``overrides``."""
    kw: Dict[str, Any] = {}
    path = Path(config_file) if config_file else find_pyproject(start)
    root = Path(start).resolve()
    if root.is_file():
        root = root.parent
    if path is not None:
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        # a project file that never names keyguard holds no keyguard settings: it is not parsed
        # (nor is a TOML parser imported: a tenth of the start of a pre-commit run's process)
        data = _parse_toml(raw, path) if b"keyguard" in raw else {}
        table = data.get("tool", {}).get("keyguard")
        if config_file and table is None and "keyguard" in data:
            table = data["keyguard"]
        if table is not None:
            if not isinstance(table, Mapping):
                raise ConfigError(f"{path}: [tool.keyguard] must be a table")
            kw.update(from_table(table, path.parent))
        root = path.parent
    kw["root"] = str(root)
    for k, v in overrides.items():
        if v is not None:
            kw[k] = v
    cfg = Config(**kw)
    try:
        cfg.enabled
    except SelectionError as exc:
        raise ConfigError(str(exc)) from None
    return cfg
