"""The dataflow engine: an abstract interpreter over libcst trees.

One pass over each function body, in statement order, evaluates expressions to
abstract :class:`~keyguard.analysis.values.Value` objects.  Names are resolved by
the engine itself (imports, aliases, local and module scopes), which is far
cheaper than libcst's metadata providers.  Calls are dispatched on the qualified
name of the callee or on the labels/kind of the receiver, through the knowledge
base; calls of the project's own functions are evaluated with the abstract
arguments (a per-context summary, memoised), across modules of the project.
Wherever a knowledge-base effect is reached, an :class:`Event` is recorded for
the rules.

Flow sensitivity: statements are evaluated in order; branches are evaluated on
copies of the environment and joined; loops run twice so loop-carried flows are
seen; ``try``/``with`` structure is recorded on each event (``context``) so the
rules can tell a cleanup in ``finally`` from one on the success path only.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst

from keyguard import labels as L
from keyguard.analysis import strings
from keyguard.analysis.events import Event
from keyguard.analysis.lazy import fill, fill_all
from keyguard.analysis.paths import walk
from keyguard.analysis.process import analyze_launch
from keyguard.analysis.shell import Hole
from keyguard.analysis.tool_grammar import load_grammar
from keyguard.analysis.values import (
    BITS_MAY_ATTR,
    BITS_SET_ATTR,
    CLEAN,
    UNKNOWN,
    FileInfo,
    Origin,
    Value,
    bits_set,
    deep_taints,
    join,
    list_alternatives,
    merge_taints,
    with_alternatives,
    worst_mode,
)
from keyguard.discovery import KEYGEN_CALL_RE, PRIVATE_VAR_RE, module_name_for
from keyguard.knowledge.schema import ArgSpec, KnowledgeBase, Row

MAX_DEPTH = 6
MAX_CONTEXTS = 12  # per function: distinct argument signatures evaluated before falling back
#: events a call summary keeps for replay into callers (only those whose order matters)
MAX_SUMMARY_EVENTS = 64
#: a loop over at most this many constant names runs its body once per name
MAX_UNROLL = 6
#: modules whose loading triggers the loading of further modules, at most this deep
MAX_LOAD_DEPTH = 8
_ORDER_EVENTS = frozenset({"write", "open", "chmod", "umask", "remove", "mkdir", "touch", "copy", "temp-create", "exec",
                           "chdir"})
#: a private key PEM with a body (a header constant alone, b"-----BEGIN PRIVATE KEY-----", is a marker)
PEM_PRIVATE_RE = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\s*(?:[\w-]+:[^\n]*\n\s*)*[A-Za-z0-9+/=]{40}")
KEY_NAME_RE = re.compile(
    r"(?:^|_)(?:private_?key|priv_?key|privkey|signing_?key|private_?pem|key_?pem|pem_?key|"
    r"private_?key_?(?:pem|bytes|data|der|material|str|text)|secret_?key_?(?:pem|bytes))"
    # (private_key_passphrase / signing_key_password: the secret that unlocks the key, not the key)
    r"(?:_(?!(?:pass(?:word|phrase|wd)?|pw|pwd)(?:_|$))|$)",
    re.I,
)
#: a key-like name ending in a word that says it names something about the key, not the key
#: (signing_key_id, private_key_type, ssh_key_fingerprint, private_key_arn)
_KEY_METADATA_NAME = re.compile(
    r"(?:^|_)(?:ids?|kid|name|type|size|bits|len|length|fingerprint|fp|hash|digest|url|uri|arn|alias|version|"
    r"label|ref|alg|algorithm|format|count)$", re.I)
#: parts of a passphrase-like name that say it is not the secret itself (a file, an fd, a variable name...)
_NOT_A_SECRET_NAME = re.compile(r"file|fd|path|env|var|name|prompt|len|size|hash|hint|policy|required|set$|_is_|^is_|^has_",
                                re.I)
PASS_NAME_RE = re.compile(r"(?:^|_)(?:passphrase|pass_phrase|key_?pass(?:word)?|pem_?pass(?:word)?)(?:_|$)", re.I)
#: a parameter named like a password or passphrase (export_password, pfx_pass, secret)
_SECRET_PARAM_RE = re.compile(r"(?:^|_)(?:pass(?:word|phrase|wd)?|pw|pwd|secret)(?:_|$)", re.I)
#: words in a passphrase-like parameter name that make it name where the secret is kept
_NOT_A_SECRET_RE = re.compile(r"file|fd|path|dir|env|var", re.I)
KEY_ANNOT_RE = re.compile(r"PrivateKey|PRIVATE_KEY|RsaKey|EccKey|DsaKey|SigningKey|PKey\b|RSAKey|ECDSAKey|Ed25519Key")
KEY_PATH_RE = re.compile(
    r"(?:\.key$|(?:^|[/\\_.-])(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?)$|privkey|private[-_.]?key|"
    r"(?:^|[/\\])key\.pem$|[-_.]key\.pem$|\.p12$|\.pfx$)",
    re.I,
)
#: a file name saying it holds the public half (wg0_public.key, pub.key, server-pub.key)
_PUBLIC_NAME_RE = re.compile(r"(?:^|[_.-])pub(?:lic)?(?:[_.-]|key|$)", re.I)


def _public_half(v: Value) -> Value:
    """A path built from a private key's path whose own file name says it holds the public half
    (``f"{priv}.pub"``, ``priv + "_public.pem"``, ``"%s.pub" % priv``) is not a private key file."""
    if not v.taints or not v.has(L.KEY_PATH):
        return v
    text = v.const if isinstance(v.const, str) else (
        v.pieces[-1] if v.pieces and isinstance(v.pieces[-1], str) else None)
    if text and _PUBLIC_NAME_RE.search(re.split(r"[/\\]", text)[-1]):
        return v.evolve(taints=tuple(t for t in v.taints if t[0] != L.KEY_PATH))
    return v


def is_key_path(text: str) -> bool:
    """Whether a path (or its tail) is named like a private key file (server.key, id_ed25519,
    privkey.pem), and its file name does not say it holds the public key (wg0_public.key)."""
    return bool(KEY_PATH_RE.search(text)) and not _PUBLIC_NAME_RE.search(re.split(r"[/\\]", text)[-1])


KEY_FUNC_RE = re.compile(r"private|priv_?key|privkey|ssh_?key|key_?pair|signing_?key|(?:^|_)pem(?:_|$)", re.I)
#: a getter's name saying it returns a private key (``cert.get_private_key()``,
#: ``get_decrypted_private_key()``): read on an object this analysis knows nothing about
_KEY_GETTER_RE = re.compile(r"^(?:get|read|load|fetch)_(?:decrypted_|plain(?:text)?_|unencrypted_)?"
                            r"(?:private_?key|priv_?key|signing_?key)(?:_(?:pem|bytes|data|der|str|text))?$", re.I)
#: a class name saying its instances hold a private key (its constructor's data parameter is one)
KEY_CLASS_RE = re.compile(r"priv(?:ate)?_?key|privkey|ssh_?key|key_?pair|signing_?key", re.I)
#: a function or class name naming a symmetric primitive: its key "pair" or "private" key is a
#: secret (MAC, cipher) key, not a private key (``_derive_Poly1305_key_pair(key, nonce)``: r and s)
_SYMMETRIC_NAME_RE = re.compile(r"poly1305|hmac|[cg]mac|aes|chacha|salsa20|blowfish|camellia|"
                                r"(?:^|_)(?:mac|des3?|rc4)(?:_|$)", re.I)
_DATA_PARAMS = frozenset({"pem", "data", "content", "contents", "key", "key_data", "material", "blob", "der",
                          "raw", "key_bytes", "secret", "payload", "body"})
LOGGER_NAME_RE = re.compile(r"^_*(?:log|logger|LOG|LOGGER|Log|_log|_logger|log_?\w*|\w*_?logger)$")


# ----------------------------------------------------------------------------- helpers


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: List[str] = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is cst.Name:
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


@dataclass(eq=False)
class FunctionRef:
    """A user-defined function or method."""

    node: cst.FunctionDef
    module: "ModuleInterp"
    cls: Optional["ClassRef"] = None
    closure: Optional[Dict[str, Value]] = None
    top: Optional[cst.CSTNode] = None  # the module-level statement holding the definition
    #: parameter -> its value by default from a command-line option decorator (@click.option)
    cli_defaults: Dict[str, Value] = field(default_factory=dict)

    #: the strings the function spells (see _generic_union), computed when first needed
    spelled: Optional[FrozenSet[str]] = None

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(eq=False)
class ClassRef:
    """A user-defined class: its methods and what its instances' attributes hold."""

    node: cst.ClassDef
    module: "ModuleInterp"
    methods: Dict[str, FunctionRef] = field(default_factory=dict)
    attrs: Dict[str, Value] = field(default_factory=dict)
    bases: Tuple[str, ...] = ()
    #: attributes assigned through an instance (``self.bits = ...`` in ``__post_init__``,
    #: ``policy.bits = 4096``): what a constructor call gave one instance may not last
    assigned: Set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(frozen=True, eq=False)
class _TupleRecordType:
    """``Keypair = collections.namedtuple("Keypair", "private_key public_key")``: calling it makes a
    tuple whose items are also its fields, read by name (``kp.public_key`` holds only that item)."""

    names: Tuple[str, ...]


@dataclass(frozen=True, eq=False)
class _Partial:
    """``functools.partial(target, *args, **kwargs)``: calling it calls ``target`` with these first."""

    target: Value
    args: Tuple[Value, ...]
    kwargs: Tuple[Tuple[str, Value], ...]


@dataclass(frozen=True, eq=False)
class _Command:
    """A command object of a process library (``sh.openssl``, ``plumbum.local["openssl"]``):
    calling it runs the program with its bound words (``bake``, ``cmd["-out", p]``) and then the
    call's arguments; ``row`` is the knowledge-base row that made it (its `env` keyword and
    `keyword_options`)."""

    row: Row
    words: Tuple[Value, ...]


_COMMAND = "process-command"


@dataclass
class Summary:
    """The effect of evaluating one function in one argument context."""

    returns: Value
    events: List[Event]
    #: the identity each parameter was bound to (a later call the memo answers with this summary
    #: gets what it returns and records rebound to its own arguments' identities)
    params: Tuple[Tuple[str, object], ...] = ()


@dataclass
class Frame:
    """One activation of a function body: its locals and collected returns."""

    env: Dict[str, Value]
    func: Optional[FunctionRef]
    returns: List[Value] = field(default_factory=list)
    self_value: Optional[Value] = None
    globals_declared: Set[str] = field(default_factory=set)
    #: a ``@contextmanager`` generator past its ``yield``: what follows runs when the ``with`` exits
    at_exit: bool = False
    #: parameters whose values the caller decided (a call, not an entry point) and that were not
    #: rebound: ``if fallback:`` with ``fallback=False`` from the call site takes one branch only
    pinned: FrozenSet[str] = frozenset()
    #: the call that started this activation (module, call node, its module-level statement) and
    #: the caller's frame; None for an entry point
    site: Optional[Tuple[str, cst.CSTNode, Optional[cst.CSTNode]]] = None
    caller: Optional["Frame"] = None
    #: parameter -> the argument object the call passed (before the parameter got its identity)
    args_in: Dict[str, Value] = field(default_factory=dict)
    #: this activation's serial: a temporary file made here is not the one another evaluation of
    #: the same call made (a wrapper's mkstemp staging a key in /tmp for one caller and a copy
    #: next to its destination for another, both in one trace)
    serial: int = field(default_factory=lambda: next(_SERIALS))
    #: the states of branches that left by ``return``/``raise`` (not joined into what follows their
    #: ``if``): the ``except``/``finally`` of an enclosing ``try`` still runs after them
    escaped: Optional[Dict[str, Value]] = None
    #: names a test said hold a ``str`` in the branch being run (``isinstance(x, str)``,
    #: ``type(x) is str``), with the value they held then: a `text_raises` buffer call of such a
    #: name alone raises TypeError (``bytearray(s)`` without an encoding) and makes no buffer
    texts: Dict[str, Value] = field(default_factory=dict)


# ----------------------------------------------------------------------------- the project


_ModuleIndex = Tuple[Dict[str, str], Dict[str, str], Dict[str, Optional[str]]]
_LAST_INDEX: List[Tuple[Tuple[Tuple[str, str], ...], _ModuleIndex]] = []


def _module_index(module_files: Mapping[str, str]) -> _ModuleIndex:
    """The name and suffix maps of a module map, built once per scan rather than once per batch
    (a batch of a 6,000-module project spent about 0.1 s here)."""
    items = tuple(module_files.items())
    if _LAST_INDEX and _LAST_INDEX[0][0] == items:
        return _LAST_INDEX[0][1]
    files = dict(items)
    name_of = {path: name for name, path in items}
    suffixes: Dict[str, Optional[str]] = {}
    for name, path in items:
        parts = name.split(".")
        for i in range(len(parts)):
            suffix = ".".join(parts[i:])
            if suffix in suffixes and suffixes[suffix] != path:
                suffixes[suffix] = None  # ambiguous
            else:
                suffixes[suffix] = path
    index = (files, name_of, suffixes)
    _LAST_INDEX[:] = [(items, index)]
    return index


class Project:
    """Modules of the scanned project, parsed on demand for cross-module flows."""

    def __init__(
        self,
        kb: KnowledgeBase,
        loader: Callable[[str], Optional[cst.Module]],
        module_files: Mapping[str, str],
    ) -> None:
        self.kb = kb
        self._loader = loader
        #: dotted name -> path, path -> dotted name, dotted suffix -> path (None when ambiguous);
        #: shared between the projects of one scan and never changed
        self.module_files, self.name_of, self._suffixes = _module_index(module_files)
        self.modules: Dict[str, ModuleInterp] = {}
        #: whether calling ``symbol`` of the module at ``path`` can produce key material by itself
        #: (its definition mentions a key source); other modules are parsed only when a call hands
        #: them secrets
        self.worth_loading: Callable[[str, str], bool] = lambda path, symbol: True
        #: path -> local name -> (module, name) of its ``from m import name`` lines (re-exports)
        self._from_imports: Dict[str, Dict[str, Tuple[str, str]]] = {}
        self._mentions: Dict[Tuple[str, str], bool] = {}
        #: identities (never constant paths) of the files key material was written to so far:
        #: passing one to another module's function makes the call worth following
        #: (``staged = st.stage(name, pem)`` then ``st.promote(staged, name)`` copies it)
        self.key_file_idents: Set[object] = set()
        #: identities of entry points' parameters left at their defaults (not a caller's constant)
        self.guessed_idents: Set[object] = set()
        self._trace_counter = 0
        #: trace -> path of the module whose body or entry point started it
        self.trace_root: Dict[int, str] = {}
        #: lazy instances' constructor calls: node id -> (class qname, args, kwargs)
        self.lazy_ctors: Dict[int, Tuple[str, List[Value], Dict[str, Value]]] = {}
        #: what each masked secret wraps (pydantic ``SecretStr`` fields), by the masked value's ident:
        #: kept out of the value itself so that showing or dumping the wrapper shows nothing
        self.masked: Dict[object, Value] = {}
        #: id(call node) -> origin of a key loaded from unknown data (kind loaded-key), for where
        #: a `private-test` method (has_private()) says it is private
        self.loaded_keys: Dict[int, Origin] = {}
        #: (trace, file identity (see _file_ids)) -> the private key the program wrote into that
        #: file earlier in that trace (one entry point's run: the result does not depend on the
        #: order in which entry points or files are analysed)
        self.key_files: Dict[Tuple[int, object], Origin] = {}
        #: functions called from their own module (ids of their nodes), and their parameters' nodes
        self.called_in_module: Set[int] = set()
        self.called_params: Set[int] = set()
        self.seq = 0
        #: options of command-line parsers (argparse): parser ident -> dest -> {option node id: default};
        #: and the parser's set_defaults(...) overrides, under ``dest`` keys of ("<set>", ident)
        self.cli_options: Dict[object, Dict[str, Dict[int, Value]]] = {}

    def close(self) -> None:
        """Break the reference cycles between modules, their functions, classes and summaries.

        Without this a finished batch is cyclic garbage holding every parsed tree, and only a
        full collection (which walks every live object) frees it; after it, reference counting
        frees the trees at once.
        """
        for interp in self.modules.values():
            for ref in (*interp.functions, *interp.classes):
                ref.__dict__.clear()
            interp.__dict__.clear()
        self.modules.clear()

    def next_trace(self, root: str) -> int:
        """A new activation, started by the module at ``root`` (its body or one of its entries)."""
        self._trace_counter += 1
        self.trace_root[self._trace_counter] = root
        return self._trace_counter

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def interp_for_path(self, path: str) -> Optional["ModuleInterp"]:
        if path in self.modules:
            return self.modules[path]
        if self._loading_depth >= MAX_LOAD_DEPTH:
            return None  # a long chain of modules loading modules: stop following it
        tree = self._loader(path)
        if tree is None:
            return None
        interp = ModuleInterp(self, path, tree)
        self.modules[path] = interp
        self._loading_depth += 1
        try:
            interp.run_module_body()
        finally:
            self._loading_depth -= 1
        return interp

    _loading_depth = 0

    def worth(self, path: str, symbol: str) -> bool:
        """:attr:`worth_loading`, through re-exports: ``symbol`` of a package ``__init__`` (or any
        module) that only imports it (``from .gen import new_signing_key``) is worth loading when
        its defining module's is.  The answer depends on the modules' texts alone, never on what
        earlier rounds of the scan found (a file analysed in the first round sees the same flows
        as one analysed later)."""
        if self.worth_loading(path, symbol):
            return True
        seen = {path}
        name = symbol.split(".")[0]
        for _hop in range(3):
            origin = self._imported_from(path).get(name)
            if origin is None:
                return False
            path = self.resolve_module(origin[0])
            name = origin[1]
            if path is None or path in seen:
                return False
            seen.add(path)
            if self.worth_loading(path, name):
                return True
        return False

    def _imported_from(self, path: str) -> Dict[str, Tuple[str, str]]:
        found = self._from_imports.get(path)
        if found is not None:
            return found
        found = {}
        raw = self._raw(path) or b""
        name = self.name_of.get(path) or module_name_for(path)
        for m in _FROM_IMPORT.finditer(raw):
            mod = m.group(1).decode("ascii", "replace")
            level = len(mod) - len(mod.lstrip("."))
            mod = absolute_import(name, path, level, mod[level:])
            for part in m.group(2).decode("utf-8", "replace").strip("()").replace("\\\n", " ").split(","):
                words = part.split()
                if len(words) == 1 and words[0].isidentifier():
                    found[words[0]] = (mod, words[0])
                elif len(words) == 3 and words[1] == "as" and words[0].isidentifier():
                    found[words[2]] = (mod, words[0])
        self._from_imports[path] = found
        return found

    def resolve_module(self, dotted_name: str) -> Optional[str]:
        """The file of a project module by dotted name (suffix match on the path-derived names)."""
        if dotted_name in self.module_files:
            return self.module_files[dotted_name]
        found = self._suffixes.get(dotted_name)
        if found is None and dotted_name not in self._suffixes:
            # the project scanned below the root its imports start from: an Ansible collection's
            # plugins/ imported as ansible_collections.<namespace>.<name>.plugins.module_utils.x,
            # a src/ tree imported under an installed prefix - the import's last three or more
            # names that name one module of the scan (library imports never get this far: their
            # tails name no project module)
            parts = dotted_name.split(".")
            for i in range(1, len(parts) - 2):
                tail = ".".join(parts[i:])
                if tail in self._suffixes:
                    return self._suffixes[tail]
        return found

    def mentions(self, path: str, name: str) -> bool:
        """Whether the text of module ``path`` spells ``name`` as a word not after a dot (a name
        it could bind: ``name = ...``, ``import x as name``, ``from .m import name``; not
        ``from .name import x``).  Unreadable: True."""
        key = (path, name)
        found = self._mentions.get(key)
        if found is None:
            raw = self._raw(path)
            found = raw is None or re.search(rb"(?<![\w.])" + re.escape(name.encode("utf-8")) + rb"(?!\w)",
                                             raw) is not None
            self._mentions[key] = found
        return found

    @staticmethod
    def _raw(path: str) -> Optional[bytes]:
        """The bytes of a module's file (None: unreadable), for the cheap textual questions asked
        before a module is worth parsing (:meth:`mentions`, :meth:`_imported_from`; their answers
        are kept, the bytes are not)."""
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError:
            return None


def absolute_import(module: str, path: str, level: int, base: str) -> str:
    """The dotted name ``from <level dots><base> import ...`` means in ``module`` (file ``path``)."""
    if not level:
        return base
    pkg = module.split(".")
    if not path.endswith("__init__.py"):
        pkg = pkg[:-1]
    if level > 1:
        pkg = pkg[: len(pkg) - (level - 1)] if level - 1 <= len(pkg) else []
    return ".".join([p for p in pkg if p] + ([base] if base else []))


#: ``from m import a, b as c`` / ``from . import (a,\n b)`` lines (Project._imported_from)
_FROM_IMPORT = re.compile(rb"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.M)


# ----------------------------------------------------------------------------- module interpreter


class ModuleInterp:
    """Evaluates one module: the module body, then every function and method as an entry."""

    def __init__(self, project: Project, path: str, tree: cst.Module) -> None:
        self.project = project
        self.kb = project.kb
        self.path = path
        self.tree = tree
        self.name = project.name_of.get(path) or module_name_for(path)
        self.globals: Dict[str, Value] = {}
        self.events: List[Event] = []
        self.summaries: Dict[Tuple[int, tuple], Summary] = {}
        self.contexts_per_func: Dict[int, int] = {}
        self.functions: List[FunctionRef] = []
        self.classes: List[ClassRef] = []
        self.analyzed_entry: Set[int] = set()
        self._active: Set[Tuple[int, tuple]] = set()
        self._body_done = False
        self._code_cache: Dict[int, str] = {}
        #: each class's bases, resolved once: (project classes, qualified names of library classes)
        self._bases_of: Dict[int, Tuple[List[ClassRef], List[str]]] = {}
        self._library_bases_of: Dict[int, Tuple[str, ...]] = {}
        # state of the current evaluation
        self.trace = 0
        self.depth = 0
        self.context: List[str] = []
        self.frame: Frame = Frame(env=self.globals, func=None)
        self.path_parents: Dict[object, Set[object]] = {}
        self.top: Optional[cst.CSTNode] = None
        #: the statement holding each lambda of this module (ids of Lambda nodes): its body, run by a
        #: call (_call_lambda), is placed in that statement
        self._lambda_tops: Dict[int, Optional[cst.CSTNode]] = {}
        #: the variables of the scope that made each lambda (its closure)
        self._lambda_envs: Dict[int, Dict[str, Value]] = {}
        self._imports_resolved: Dict[str, Value] = {}
        self._following: Set[str] = set()

    # ------------------------------------------------------------------ entry points
    def run_module_body(self) -> None:
        if self._body_done:
            return
        self._body_done = True
        self.trace = self.project.next_trace(self.path)
        self.frame = Frame(env=self.globals, func=None)
        self._predeclare(self.tree.body, self.globals, None)
        for stmt in self.tree.body:
            self.top = stmt
            self.exec_stmt(stmt)
            if self.frame.env is not self.globals:
                # a module-level if/try/for/with or comprehension left its joined names in a new
                # mapping: they are the module's globals, which its functions read (KEY_DIR bound
                # after `try: import yaml / except ImportError: ...`)
                self.globals.update(self.frame.env)
                self.frame.env = self.globals

    def analyze(self) -> None:
        """Evaluate the module body and every function/method as an entry point."""
        self.run_module_body()
        done_classes: Set[int] = set()
        before = _global_taints(self.globals)
        while True:
            classes = [c for c in self.classes if id(c) not in done_classes]
            functions = [f for f in self.functions if f.cls is None and id(f.node) not in self.analyzed_entry]
            if not classes and not functions:
                break
            for cls in classes:
                done_classes.add(id(cls))
                self._analyze_class(cls)
            for fn in functions:
                self._analyze_entry(fn)
        if _global_taints(self.globals) != before:
            # a module-level container (or a `global`) filled with key material by one function is
            # read by the others (a key cache logged, pickled or dumped elsewhere): a second round
            # of the module's functions sees it
            entries = [f for f in self.functions if f.cls is None]
            entries += [f for c in self.classes for f in sorted(c.methods.values(), key=lambda f: f.name != "__init__")]
            nodes = {id(f.node) for f in entries}
            for key in [k for k in self.summaries if k[0] in nodes]:
                del self.summaries[key]
            for fn in entries:
                self._analyze_entry(fn, force=True)

    def _analyze_class(self, cls: ClassRef) -> None:
        ordered = sorted(cls.methods.values(), key=lambda f: f.name != "__init__")
        before = _attr_state(cls.attrs)
        for fn in ordered:
            self._analyze_entry(fn)
        if _attr_state(cls.attrs) != before and any(v.taints for v in cls.attrs.values()):
            # attributes set in one method are read by the others: a second round sees them
            nodes = {id(fn.node) for fn in ordered}
            for key in [k for k in self.summaries if k[0] in nodes]:
                del self.summaries[key]
            for fn in ordered:
                self._analyze_entry(fn, force=True)

    def _analyze_entry(self, fn: FunctionRef, force: bool = False) -> None:
        key = id(fn.node)
        if key in self.analyzed_entry and not force:
            return
        self.analyzed_entry.add(key)
        args: List[Value] = []
        self_value = None
        if fn.cls is not None and not _is_static(fn.node):
            self_value = self._instance_value(fn.cls, None)
        saved = (self.trace, self.depth, self.context, self.frame)
        self.trace = self.project.next_trace(self.path)
        self.depth = 0
        self.context = []
        try:
            self.call_user_function(fn, args, {}, self_value=self_value, entry=True)
        finally:
            self.trace, self.depth, self.context, self.frame = saved

    # ------------------------------------------------------------------ bookkeeping
    def code(self, node: cst.CSTNode) -> str:
        key = id(node)
        text = self._code_cache.get(key)
        if text is None:
            try:
                text = self.tree.code_for_node(node)
            except Exception:  # pragma: no cover - defensive
                text = type(node).__name__
            text = " ".join(text.split())
            if len(text) > 60:
                text = text[:57] + "..."
            self._code_cache[key] = text
        return text

    def origin(self, description: str, node: cst.CSTNode, confidence: str = "high") -> Origin:
        return Origin(description, node, self.path, confidence, self.top)

    def emit(self, kind: str, node: cst.CSTNode, confidence: str = "high", describe: str = "", **values: Any) -> Event:
        if kind == "exec" and values.get("key_outputs"):
            # (the private key the tool writes: the files it writes it to hold it, see key_origin)
            values["key_origin"] = self.origin(f"private key written by `{_short(self.code(node))}`", node, confidence)
        ev = Event(
            kind=kind,
            node=node,
            module=self.path,
            seq=self.project.next_seq(),
            trace=self.trace,
            values=values,
            context=tuple(self.context),
            depth=self.depth,
            confidence=confidence,
            describe=describe,
            top=self.top,
        )
        self.events.append(ev)
        if kind == "write":
            data = values.get("data")
            if isinstance(data, Value) and data.is_key:
                self.project.key_file_idents.update(_file_idents(values.get("target")))
                self._remember_key_file(values.get("target"), data.key_origin())
        elif kind == "exec" and values.get("key_outputs"):
            org = values["key_origin"]
            for out in values["key_outputs"]:
                self._remember_key_file(out, org)
        if self._recording is not None and kind in _ORDER_EVENTS and len(self._recording) < MAX_SUMMARY_EVENTS:
            self._recording.append(ev)
        return ev

    _recording: Optional[List[Event]] = None
    #: > 0 while a function is evaluated once for all its callers (see _generic_summary)
    _generic_depth: int = 0

    def _remember_key_file(self, target: Any, org: Optional[Origin]) -> None:
        """The file ``target`` names holds the private key ``org`` from here on (in this trace):
        reading it back gives key material (a tool's output read and logged)."""
        if isinstance(target, Value) and org is not None:
            for fid in _file_ids(target):
                self.project.key_files.setdefault((self.trace, fid), org)

    def _key_file_read(self, recv: Value) -> Optional[Value]:
        """``path.read_bytes()`` / ``open(path).read()`` of a file the program put a key in, named
        the same way (not by a token that unrelated files share, see _SHARED_IDENTS)."""
        for fid in _file_ids(recv):
            if not _specific_file_id(fid, self.frame):
                continue
            org = self.project.key_files.get((self.trace, fid))
            if org is not None:
                return Value(taints=((L.KEY_MATERIAL, org),))
        return None

    def _key_path_named_here(self, f: Value) -> bool:
        """The private-key file name of path or handle ``f`` is written in the module-level
        statement (function, class) being evaluated."""
        org = f.origin(L.KEY_PATH) if f.has(L.KEY_PATH) else None
        return org is not None and org.module == self.path and org.top is self.top

    def _file_contents(self, f: Value, node: cst.CSTNode) -> Optional[Value]:
        """What the file ``f`` (a path or a file object) holds when it is copied somewhere
        (shutil.copyfileobj, ZipFile.write, TarFile.add): key material for a file the program
        put a key in, or for one named like a private key file (server.key, id_ed25519)."""
        back = self._key_file_read(f) if self.project.key_files else None
        if back is not None:
            return back
        if f.has(L.KEY_PATH) and f.kind in (None, L.PATH, L.FILE_HANDLE, L.FD):
            name = f.const if isinstance(f.const, str) else (
                f.file.path.const if f.file is not None and f.file.path is not None and isinstance(f.file.path.const, str) else None)
            what = f"the private key file {name!r}" if name else "a private key file"
            return Value(taints=((L.KEY_MATERIAL, self.origin(what, node, "medium")),))
        return None

    # ------------------------------------------------------------------ declarations
    def _predeclare(self, body: Sequence[cst.CSTNode], env: Dict[str, Value], cls: Optional[ClassRef]) -> None:
        for stmt in body:
            if type(stmt) is cst.FunctionDef:
                ref = FunctionRef(stmt, self, cls, top=stmt if self.frame.func is None and cls is None else self.top)
                env[stmt.name.value] = Value(func=ref)
            elif type(stmt) is cst.ClassDef and cls is None:
                env[stmt.name.value] = Value(func=self._class_ref(stmt))

    def _class_ref(self, node: cst.ClassDef) -> ClassRef:
        for c in self.classes:
            if c.node is node:
                return c
        bases = tuple(d for d in (dotted(a.value) for a in node.bases) if d)
        ref = ClassRef(node, self, bases=bases)
        self.classes.append(ref)
        body = node.body.body if type(node.body) is cst.IndentedBlock else ()
        for stmt in body:
            if type(stmt) is cst.FunctionDef:
                fn = FunctionRef(stmt, self, ref, top=node if self.frame.func is None else self.top)
                ref.methods[stmt.name.value] = fn
                self.functions.append(fn)
        return ref

    def _tuple_fields(self, v: Value) -> Optional[Tuple[Value, ...]]:
        """The fields of an instance of a ``NamedTuple`` class, in order (``priv, pub = make_pair()``
        unpacks them, ``kp[0]`` is the first), as reading them by name gives them; else ``None``."""
        cls = v.func
        if v.kind != "instance" or not isinstance(cls, ClassRef) \
                or not any(b.rsplit(".", 1)[-1] == "NamedTuple" for b in cls.bases):
            return None
        out = []
        for f in _class_fields(cls):
            own = v.get_attr("." + f.name) if v.attrs else None
            out.append(own if own is not None else (cls.attrs.get(f.name) or self._field_guess(v, cls, f.name) or CLEAN))
        return tuple(out)

    def _record_fields(self, cls: ClassRef, args: List[Value], kwargs: Dict[str, Value]) -> None:
        """A generated ``__init__`` (``@dataclass``, ``NamedTuple``, attrs): the fields, in the order
        the class annotates them, receive the constructor's arguments."""
        if not self._is_record(cls):
            return
        fields = _class_fields(cls)
        for i, f in enumerate(fields):
            name = f.name
            v = kwargs.get(name, args[i] if i < len(args) else None)
            if v is not None and v.taints and f.annotation is not None and self._masking_type(cls, f.annotation):
                v = self._mask(v, ("masked", id(f.node)))
            if v is not None and (v.taints or v.kind == "masked-secret"):
                prev = cls.attrs.get(name)
                cls.attrs[name] = v if prev is None else join(prev, v)

    def _model_fields(self, cls: ClassRef, kwargs: Dict[str, Value]) -> None:
        """``DeviceKey(name=n, private_pem=pem)`` of a class with no ``__init__`` of its own that
        derives from a library base (an ORM model: SQLAlchemy declarative, Django, peewee): the base's
        constructor sets the keywords naming the class's columns (attributes of its body) on the
        instance, so its own ``__repr__``/``__str__`` showing ``self.private_pem`` shows the key.
        Its default repr does not (the class is no record)."""
        for name, v in kwargs.items():
            if name in cls.attrs and any(t[0] in L.KEY_LABELS for t in v.taints):
                cls.attrs[name] = join(cls.attrs[name], v)

    def _record_constants(self, cls: ClassRef, args: List[Value], kwargs: Dict[str, Value]) -> Tuple[Tuple[str, Value], ...]:
        """The constant fields one construction of a generated-``__init__`` class gives its
        instance (``LEGACY = KeyPolicy(bits=1024)``: ``LEGACY.bits`` is 1024 whatever the class
        default or other instances say), as instance attributes named ``.<field>``."""
        if not self._is_record(cls):
            return ()
        out = []
        for i, f in enumerate(_class_fields(cls)):
            v = kwargs.get(f.name, args[i] if i < len(args) else None)
            if v is not None and not v.taints and (
                    (isinstance(v.const, (int, float, str)) and v.const is not UNKNOWN)
                    or (v.qname is not None and v.func is None)
                    or (v.attr is not None and v.attr.startswith("call:"))):  # (ec.SECP192R1())
                out.append(("." + f.name, v))
        return tuple(out)

    def _is_record(self, cls: ClassRef) -> bool:
        """A class with a generated ``__init__`` taking its fields: ``@dataclass``, attrs,
        ``NamedTuple``, or a subclass of a library class with a ``record`` row (pydantic ``BaseModel``)."""
        return _is_generated(cls) or self._record_base(cls) is not None

    def _record_base(self, cls: ClassRef) -> Optional[str]:
        """The library class with a ``record`` row that ``cls`` derives from (pydantic.BaseModel)."""
        for qname in cls.module._library_bases(cls):
            if any(r.effect == "record" for r in self.kb.call_rows(qname)):
                return qname
        return None

    def _masking_type(self, cls: ClassRef, annotation: cst.BaseExpression) -> bool:
        """A field annotation naming a type whose text hides its value (``SecretStr``, a ``masks`` row),
        also inside ``Optional[...]``."""
        for node in [annotation] + ([e.slice.value for e in annotation.slice if type(e.slice) is cst.Index]
                                    if type(annotation) is cst.Subscript else []):
            name = dotted(node)
            if not name:
                continue
            v = cls.module.lookup(name) if "." not in name else cls.module.eval_dotted(name)
            if v.qname and any(r.opt("masks") for r in self.kb.call_rows(v.qname)):
                return True
        return False

    def _mask(self, v: Value, ident: object) -> Value:
        """A wrapper hiding ``v`` (its text is ``**********``): no labels of its own; ``unwraps`` rows
        (``get_secret_value()``) give ``v`` back."""
        prev = self.project.masked.get(ident)
        self.project.masked[ident] = v if prev is None else join(prev, v)
        return Value(kind="masked-secret", ident=ident)

    def _record_dump(self, recv: Value) -> Value:
        """A record instance as its library's dump methods see it: every field's labels (masked
        fields show nothing)."""
        cls = recv.func
        assert isinstance(cls, ClassRef)
        taints: Tuple = ()
        for f in _class_fields(cls):
            fv = cls.attrs.get(f.name) or self._field_guess(recv, cls, f.name)
            if fv is not None:
                taints = merge_taints(taints, deep_taints(fv))
        return recv.evolve(taints=merge_taints(recv.taints, taints))

    def _instance_value(self, cls: ClassRef, node: Optional[cst.CSTNode]) -> Value:
        return Value(kind="instance", func=cls, ident=("instance", id(cls.node)))

    def _field_guess(self, base: Value, cls: ClassRef, name: str) -> Optional[Value]:
        """A field of a generated-``__init__`` class read through an entry point's parameter
        annotated with the class (``def install(bundle: TlsBundle)``) whose constructions this
        analysis did not see (made in another module): key material when the field's name or
        annotation says so, as for a parameter of that name (the generated ``__init__``'s)."""
        if base.ident != _annotated_ident(cls) or not self._is_record(cls):
            return None
        for f in _class_fields(cls):
            if f.name != name:
                continue
            low = name.lower()
            ann = cls.module.code(f.annotation) if f.annotation is not None else ""
            top = cls.node if cls.node in cls.module.tree.body else None
            guess: Optional[Value] = None
            if KEY_ANNOT_RE.search(ann) and "Public" not in ann:
                org = Origin(f"{L.PARAM_GUESS} `{cls.name}.{name}: {ann}`", f.node, cls.module.path, "medium", top)
                guess = Value(taints=((L.PRIVATE_KEY, org),))
            elif KEY_NAME_RE.search(name) and not any(w in low for w in ("public", "path", "file", "name", "dir")) \
                    and not _KEY_METADATA_NAME.search(name) \
                    and not re.search(r"\b(?:Path|PathLike|bool|int)\b", ann):
                label = L.KEY_MATERIAL if re.search(r"pem|bytes|data|der|material|str|text", name, re.I) else L.PRIVATE_KEY
                org = Origin(f"{L.PARAM_GUESS} `{cls.name}.{name}`", f.node, cls.module.path, "medium", top)
                guess = Value(taints=((label, org),))
            if guess is not None and f.annotation is not None and self._masking_type(cls, f.annotation):
                # `jwt_private_key: SecretStr` prints as stars; get_secret_value() gives the guess back
                return self._mask(guess, ("masked", id(f.node)))
            return guess
        return None

    def _shown(self, v: Value, template: object = None) -> Value:
        """``v`` as ``str()``/``repr()``/``%s``/``%r``/an f-string shows it: an instance of a
        project class whose ``__str__``/``__repr__`` (its own, or the one ``@dataclass``, attrs or
        ``NamedTuple`` generate, which prints every field not marked ``repr=False``) shows a field
        holding key material carries that material.  ``template``: the format text (``%r`` /
        ``!r`` pick ``__repr__`` over ``__str__``)."""
        cls = v.func
        if v.kind != "instance" or not isinstance(cls, ClassRef):
            if isinstance(v.const, tuple) and any(isinstance(x, Value) and x.kind == "instance" for x in v.const[:16]):
                extra: Tuple = ()
                for x in v.const[:16]:
                    if isinstance(x, Value) and x.kind == "instance":
                        extra = merge_taints(extra, self._shown(x, template).taints)
                return v.with_taints(extra) if extra else v
            return v
        as_repr = isinstance(template, str) and ("%r" in template or "!r" in template)
        for meth in (("__repr__",) if as_repr else ("__str__", "__repr__")):
            fn = cls.methods.get(meth) or self._inherited_method(cls, meth)
            if fn is not None:
                shown = self.call_user_function(fn, [], {}, self_value=v)
                taints = tuple(t for t in deep_taints(shown) if t[0] in _SHOWN_LABELS)
                return v.with_taints(taints) if taints else v
        if not _generated_repr(cls) and self._record_base(cls) is None:
            return v
        taints = ()
        for f in _class_fields(cls):
            if not f.repr:
                continue
            fv = cls.attrs.get(f.name) or self._field_guess(v, cls, f.name)
            if fv is not None:
                taints = merge_taints(taints, tuple(t for t in deep_taints(fv) if t[0] in _SHOWN_LABELS))
        return v.with_taints(taints) if taints else v

    # ------------------------------------------------------------------ name resolution
    def lookup(self, name: str) -> Value:
        frame = self.frame
        if name in frame.env and name not in frame.globals_declared:
            return frame.env[name]
        if frame.func is not None and frame.func.closure and name in frame.func.closure:
            return frame.func.closure[name]
        if name in self.globals:
            return self.globals[name]
        # builtins keep their name as qualified name
        return Value(qname=name)

    def bind_mutated(self, name: str, value: Value) -> None:
        """Bind ``name`` after mutating what it holds (``_PEMS[name] = pem``, ``_KEYS.append(k)``):
        in a function, a name that is neither local nor a closure's is the module's container,
        which the module's other functions read (a key cache dumped elsewhere)."""
        frame = self.frame
        if frame.func is not None and name not in frame.env and name in self.globals \
                and not (frame.func.closure and name in frame.func.closure):
            self.globals[name] = value
        else:
            self.bind(name, value)

    def bind(self, name: str, value: Value) -> None:
        frame = self.frame
        if name in frame.pinned:
            frame.pinned = frame.pinned - {name}
        if name in frame.globals_declared:
            self.globals[name] = value
        else:
            frame.env[name] = value

    # ------------------------------------------------------------------ statements
    def exec_block(self, body: Sequence[cst.CSTNode]) -> None:
        for stmt in body:
            self.exec_stmt(stmt)

    def exec_suite(self, suite: cst.BaseSuite) -> None:
        if type(suite) is cst.IndentedBlock:
            self.exec_block(suite.body)
        elif type(suite) is cst.SimpleStatementSuite:
            for small in suite.body:
                self.exec_small(small)

    def exec_stmt(self, stmt: cst.CSTNode) -> None:
        if type(stmt) is cst.SimpleStatementLine:
            for small in stmt.body:
                self.exec_small(small)
            return
        handler = getattr(self, "stmt_" + type(stmt).__name__, None)
        if handler is not None:
            handler(stmt)

    def exec_small(self, node: cst.BaseSmallStatement) -> None:
        if type(node) is cst.Expr:
            if type(node.value) not in (cst.SimpleString, cst.ConcatenatedString):  # docstrings
                self.eval(node.value)
        elif type(node) is cst.Assign:
            value = self.eval(node.value)
            for target in node.targets:
                self.assign(target.target, value, node.value)
        elif type(node) is cst.AnnAssign:
            if node.value is not None:
                self.assign(node.target, self.eval(node.value), node.value)
        elif type(node) is cst.AugAssign:
            cur = self.eval(node.target)
            val = self.eval(node.value)
            if cur.kind == L.ENVIRON and type(node.operator) is cst.BitOrAssign:
                # os.environ |= {...}: the same as os.environ.update({...})
                self.emit("sink", node, sink="env", data=val, describe="os.environ")
                return
            op = _AUG_OPS.get(type(node.operator))
            res = self.binop(cur, val, op() if op is not None else node.operator, node)
            self.assign(node.target, res, node)
        elif type(node) is cst.Return:
            if node.value is not None:
                self.frame.returns.append(self.eval(node.value))
            else:
                self.frame.returns.append(Value(const=None))
        elif type(node) is cst.Raise:
            if node.exc is not None:
                exc = self._raised(node.exc)
                if exc.is_key and type(node.exc) is cst.Call:
                    self.emit("sink", node.exc, sink="exception", data=exc, describe="an exception message")
        elif type(node) in (cst.Import, cst.ImportFrom):
            self.do_import(node)
        elif type(node) is cst.Global:
            for n in node.names:
                self.frame.globals_declared.add(n.name.value)
        elif type(node) is cst.Nonlocal:
            pass
        elif type(node) is cst.Del:
            if type(node.target) is not cst.Tuple:
                self.eval(node.target)
                t = node.target
                if type(t) is cst.Subscript and type(t.value) is cst.Name and len(t.slice) == 1 \
                        and type(t.slice[0].slice) is cst.Index:
                    # del creds["private_key"]: the mapping no longer holds that item
                    k = self.eval(t.slice[0].slice.value)
                    if isinstance(k.const, (str, int)):
                        rest = self._drop_items(self.lookup(t.value.value), (k.const,))
                        if rest is not None:
                            self.bind_mutated(t.value.value, rest)
        elif type(node) is cst.Assert:
            self.eval(node.test)
            private_name, private_holds = self._private_test(node.test)
            if private_name is not None and private_holds:
                self._narrow_private(private_name)  # assert key.has_private()
            if node.msg is not None:
                msg = self.eval(node.msg)
                if msg.is_key:  # assert ok, pem: the AssertionError's message (tracebacks, test reports)
                    self.emit("sink", node.msg, sink="exception", data=msg, describe="an assertion message")

    # --- compound statements
    def stmt_FunctionDef(self, node: cst.FunctionDef) -> None:
        existing = self.frame.env.get(node.name.value)
        if existing is not None and isinstance(existing.func, FunctionRef) and existing.func.node is node:
            ref = existing.func
        else:
            ref = FunctionRef(node, self, None, top=self.top)
        if self.frame.func is not None:
            ref.closure = self.frame.env  # a nested function sees its enclosing scope
        if ref not in self.functions:
            self.functions.append(ref)
        for deco in node.decorators:
            dv = self.eval(deco.decorator)
            if dv.kind == _CLI_OPTION:
                # @click.option("--bits", default=1024): what click passes when the option is absent
                for dest, default in dv.attrs:
                    ref.cli_defaults[dest] = default
            self._first_parameter_kind(ref, deco.decorator, dv)
        self.bind(node.name.value, Value(func=ref))

    def _first_parameter_kind(self, ref: FunctionRef, deco: cst.BaseExpression, dv: Value) -> None:
        """A decorator whose kind row says ``first_parameter`` (``@task`` of Invoke/Fabric): the
        framework passes an instance of that kind as the function's first parameter."""
        qname = dv.qname
        if qname is None and type(deco) is cst.Call:
            qname = self.eval(deco.func).qname  # @task(help=...)
        if qname is None:
            return
        params = ref.node.params.posonly_params + ref.node.params.params
        if not params:
            return
        for row in self.kb.call_rows(qname):
            if row.effect == "kind" and row.opt("first_parameter") and row.kind:
                ref.cli_defaults.setdefault(params[0].name.value, Value(kind=row.kind))

    def stmt_ClassDef(self, node: cst.ClassDef) -> None:
        ref = self._class_ref(node)
        # class-level assignments become class attributes
        saved = self.frame
        self.frame = Frame(env={}, func=None)
        self.frame.env.update(self.globals)
        try:
            body = node.body.body if type(node.body) is cst.IndentedBlock else ()
            for stmt in body:
                if type(stmt) is cst.SimpleStatementLine:
                    self.exec_stmt(stmt)
            for k, v in self.frame.env.items():
                if k not in self.globals or self.globals[k] is not v:
                    ref.attrs.setdefault(k, v)
        finally:
            self.frame = saved
        self.bind(node.name.value, Value(func=ref))

    def stmt_If(self, node: cst.If) -> None:
        self.eval(node.test)
        taken = self._static_test(node.test)
        if taken is not None:
            # a flag the caller passed (or left at its default): only that branch runs
            self.context.append("if")
            try:
                if taken:
                    self.exec_suite(node.body)
                else:
                    self._exec_orelse(node)
            finally:
                self.context.pop()
            return
        before = dict(self.frame.env)
        # a @contextmanager that yields in one branch has not yielded in the other (set_umask:
        # `if mask is None: yield` / `else: os.umask(mask); try: yield finally: os.umask(old)`)
        at_exit_before = self.frame.at_exit
        self.context.append("if")
        none_name, none_in_body = _is_none_test(node.test)
        private_name, private_in_body = self._private_test(node.test)
        plain_name, plain_in_body = _plain_type_test(node.test)
        # (str is a plain type: only a plain-type test can be a text test)
        text_name, text_in_body = _plain_type_test(node.test, _TEXT_TYPES) if plain_name is not None else (None, False)
        path_name, path_in_body = self._path_test(node.test)
        class_name, class_in_body = self._class_test(node.test)
        try:
            if none_name is not None and none_in_body and none_name in self.frame.env:
                self.frame.env[none_name] = Value(const=None)  # if key is None: ... key holds nothing here
            if plain_name is not None and plain_in_body:
                self._narrow_not_key_object(plain_name)  # if isinstance(key, bytes): ... not the key object here
            if path_name is not None and path_in_body:
                self._narrow_path(path_name)  # if os.path.isfile(key): ... a file name here
            if class_name is not None and not class_in_body:
                self._narrow_not_key_object(class_name)  # if not isinstance(key, SigningKey): ...
            if private_name is not None and private_in_body:
                self._narrow_private(private_name)  # if key.has_private(): ... key is private here
            texts_before = self.frame.texts
            if text_name is not None and text_in_body and text_name in self.frame.env:
                self.frame.texts = {**texts_before, text_name: self.frame.env[text_name]}
            self.exec_suite(node.body)
            self.frame.texts = texts_before
            after_body = self.frame.env
            self.frame.env = before
            at_exit_body, self.frame.at_exit = self.frame.at_exit, at_exit_before
            if none_name is not None and not none_in_body and none_name in self.frame.env:
                self.frame.env = dict(before)
                self.frame.env[none_name] = Value(const=None)
            if private_name is not None and not private_in_body:
                self.frame.env = dict(before)
                self._narrow_private(private_name)
            if plain_name is not None and not plain_in_body:
                self.frame.env = dict(self.frame.env)
                self._narrow_not_key_object(plain_name)
            if path_name is not None and not path_in_body:
                self.frame.env = dict(self.frame.env)
                self._narrow_path(path_name)
            if class_name is not None and class_in_body:
                self.frame.env = dict(self.frame.env)
                self._narrow_not_key_object(class_name)
            if text_name is not None and not text_in_body and text_name in self.frame.env:
                self.frame.texts = {**texts_before, text_name: self.frame.env[text_name]}
            self._exec_orelse(node)
            self.frame.texts = texts_before
            self.frame.at_exit = self.frame.at_exit or at_exit_body
        finally:
            self.context.pop()
        if private_name is not None and _always_exits(node.body):
            # if not key.has_private(): raise ValueError(...): past the guard the key is private
            # (and past `if key.has_private(): return` it is not)
            return
        if self._leaves(node.body):
            # if isinstance(key, bytes): key = load_pem_private_key(key); ...; return - what
            # follows the if runs with the other branch's state only (the raise after it does not
            # see the loaded key); an enclosing try's except/finally still sees the branch's
            self._escape(after_body)
        elif node.orelse is not None and type(node.orelse) is not cst.If and self._leaves(node.orelse.body):
            self._escape(self.frame.env)
            self.frame.env = after_body
        else:
            self.frame.env = _join_env(after_body, self.frame.env)
        self._past_guard(node)

    def _leaves(self, suite: cst.BaseSuite) -> bool:
        """The block ends in ``return``/``raise`` (or ``sys.exit()``): it leaves the function, not
        only the loop as ``break``/``continue`` do."""
        body = suite.body if type(suite) is not cst.IndentedBlock else \
            (suite.body[-1].body if suite.body and type(suite.body[-1]) is cst.SimpleStatementLine else ())
        last = body[-1] if body else None
        if last is None:
            return False
        if type(last) in (cst.Raise, cst.Return):
            return True
        # sys.exit(...) / parser.error(...): only calls so named are evaluated again (a property
        # in another call's receiver would run its getter twice)
        func = last.value.func if type(last) is cst.Expr and type(last.value) is cst.Call else None
        name = func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else None
        return name in ("exit", "_exit", "quit", "error") and self._exits(last)

    def _raises_on_text(self, row: Row, node: cst.CSTNode) -> bool:
        """``bytearray(data)`` under ``if isinstance(data, str):`` (``data`` not rebound since): a
        `text_raises` row's call of a str alone, without the argument it names (the encoding), raises
        TypeError on Python 3, so no buffer is made (a Python 2 leftover in base58 helpers)."""
        spec = row.opt("text_raises")
        if not spec or type(node) is not cst.Call or len(node.args) != 1 or node.args[0].keyword is not None \
                or node.args[0].star or type(node.args[0].value) is not cst.Name:
            return False
        name = node.args[0].value.value
        held = self.frame.texts.get(name)
        return held is not None and self.frame.env.get(name) is held

    def _escape(self, env: Dict[str, Value]) -> None:
        """``env`` is the state of a branch that left by return/raise."""
        f = self.frame
        f.escaped = env if f.escaped is None else _join_env(f.escaped, env)

    def _private_test(self, test: cst.BaseExpression) -> Tuple[Optional[str], bool]:
        """``key.has_private()`` -> ("key", True) when ``key`` is a key loaded from unknown data and
        ``has_private`` a `private-test` method of it; ``not key.has_private()`` -> ("key", False)."""
        test, positive = _without_not(test)
        if type(test) is cst.Call and type(test.func) is cst.Attribute \
                and type(test.func.value) is cst.Name:
            name = test.func.value.value
            cur = self.frame.env.get(name)
            if cur is not None and cur.kind == L.LOADED_KEY and any(
                    r.effect == "private-test" and self._receiver_matches(r.on, cur)
                    for r in self.kb.method_rows(test.func.attr.value)):
                return name, positive
        return None, False

    def _narrow_private(self, name: str) -> None:
        """``name`` (a key loaded from unknown data) is a private key from here on."""
        cur = self.frame.env.get(name)
        org = self.project.loaded_keys.get(cur.ident[1]) if cur is not None and isinstance(cur.ident, tuple) \
            and len(cur.ident) == 2 else None
        if org is not None:
            self.frame.env[name] = Value(taints=((L.PRIVATE_KEY, org),))

    def _class_test(self, test: cst.BaseExpression) -> Tuple[Optional[str], bool]:
        """``isinstance(key, C)`` for a key object whose kind a `kind` row gives class C (or one of
        a tuple of classes) -> ("key", True); ``not isinstance(...)`` -> ("key", False).  Where the
        test fails, the value is not that key object (python-ecdsa ``SigningKey``)."""
        found = _isinstance_test(test)
        if found is None:
            return None, False
        name, elems, positive = found
        cur = self.frame.env.get(name)
        if cur is None or cur.kind is None or not any(lbl == L.PRIVATE_KEY for lbl, _ in cur.taints):
            return None, False
        for e in elems:
            qname = self.eval(e).qname
            if qname and any(r.effect == "kind" and r.kind == cur.kind for r in self.kb.call_rows(qname)):
                return name, positive
        return None, False

    def _narrow_not_key_object(self, name: str) -> None:
        """``name`` is no key object here: a str/bytes/path/number/container where
        ``isinstance(name, (str, bytes))`` held (asyncssh's load_keypairs(keylist) reads a file for a
        str and parses bytes, a key object takes another branch), or not the key object of its kind
        where ``isinstance(name, SigningKey)`` failed. Its private-key label and kind go, whatever
        else it may hold."""
        cur = self.frame.env.get(name)
        if cur is not None and any(lbl == L.PRIVATE_KEY for lbl, _ in cur.taints):
            self.frame.env[name] = Value(taints=tuple(t for t in cur.taints if t[0] != L.PRIVATE_KEY))

    def _path_test(self, test: cst.BaseExpression) -> Tuple[Optional[str], bool]:
        """``os.path.isfile(name)`` (a `path_test` row) -> ("name", True); ``not ...`` -> ("name", False)."""
        test, positive = _without_not(test)
        if type(test) is cst.Call and not test.args and type(test.func) is cst.Attribute \
                and type(test.func.value) is cst.Call and len(test.func.value.args) == 1 \
                and type(test.func.value.args[0].value) is cst.Name \
                and any(r.opt("path_test") for r in self.kb.method_rows(test.func.attr.value)):
            # Path(name).is_file(): a path object made from the name alone
            made = self.eval(test.func.value.func).qname
            if made and any(r.effect == "kind" and r.kind == L.PATH for r in self.kb.call_rows(made)):
                return test.func.value.args[0].value.value, positive
            return None, False
        if type(test) is not cst.Call or not test.args or type(test.args[0].value) is not cst.Name \
                or test.args[0].keyword is not None:
            return None, False
        qname = self.eval(test.func).qname
        if qname and any(r.opt("path_test") for r in self.kb.call_rows(qname)):
            return test.args[0].value.value, positive
        return None, False

    def _narrow_path(self, name: str) -> None:
        """``name`` names an existing file here: its key labels go (its path labels stay)."""
        cur = self.frame.env.get(name)
        if cur is not None and any(lbl in L.KEY_LABELS for lbl, _ in cur.taints):
            self.frame.env[name] = cur.evolve(taints=tuple(t for t in cur.taints if t[0] not in L.KEY_LABELS
                                                          and t[0] != L.UNENCRYPTED))

    def _exec_orelse(self, node: cst.If) -> None:
        """The ``elif`` (another if) or ``else`` branch of ``node``, if any."""
        if type(node.orelse) is cst.If:
            self.stmt_If(node.orelse)
        elif node.orelse is not None:
            self.exec_suite(node.orelse.body)

    #: comparisons of an int parameter with an int literal (``_past_guard``)
    _COMPARE = {cst.LessThan: operator.lt, cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt,
                cst.GreaterThanEqual: operator.ge, cst.Equal: operator.eq, cst.NotEqual: operator.ne}

    def _past_guard(self, node: cst.If) -> None:
        """``if bits < 2048: raise ValueError(...)``: past the guard, ``bits`` cannot be a value
        the guard rejects (an entry point's default of 1024 says nothing about the key size)."""
        test = node.test
        if node.orelse is not None or type(test) is not cst.Comparison or len(test.comparisons) != 1:
            return
        body = node.body.body if type(node.body) is cst.IndentedBlock else ()
        last = body[-1] if body else None
        if not (type(last) is cst.SimpleStatementLine and any(type(x) in (cst.Raise, cst.Return) or self._exits(x)
                                                                  for x in last.body)):
            return
        target = test.comparisons[0]
        op = self._COMPARE.get(type(target.operator))
        if op is None or type(target.comparator) is not cst.Integer:
            return
        if type(test.left) is cst.Attribute and dotted(test.left) is not None:
            # if args.bits < 2048: sys.exit(...) - an option's value by default, rejected
            name = "<attr>" + dotted(test.left)
            cur = self.eval(test.left)
        elif type(test.left) is cst.Name:
            name = test.left.value
            cur = self.frame.env.get(name)
        else:
            return
        if cur is None or not isinstance(cur.const, int) or isinstance(cur.const, bool):
            return
        try:
            rejected = op(cur.const, int(target.comparator.value, 0))
        except ValueError:
            return
        if rejected:
            self.frame.env[name] = cur.evolve(const=UNKNOWN)

    def _exits(self, stmt: cst.BaseSmallStatement) -> bool:
        """``sys.exit(...)``, or ``parser.error(...)`` of an argparse parser (it exits too)."""
        if not (type(stmt) is cst.Expr and type(stmt.value) is cst.Call):
            return False
        func = stmt.value.func
        if type(func) is cst.Attribute and func.attr.value == "error":
            return self.eval(func.value).kind == _CLI_PARSER
        return self.eval(func).qname in ("sys.exit", "os._exit", "exit", "quit")

    def _static_test(self, test: cst.BaseExpression) -> Optional[bool]:
        """The truth of ``flag`` / ``not flag`` (and ``and``/``or`` of such tests) for a pinned
        parameter holding a known constant."""
        test, positive = _without_not(test)
        negate = not positive
        if type(test) is cst.BooleanOperation:
            # if ca and ca_key: / if insecure or not password: - decided when one side decides it
            left, right = self._static_test(test.left), self._static_test(test.right)
            if type(test.operator) is cst.And:
                value = False if False in (left, right) else True if left is True and right is True else None
            else:
                value = True if True in (left, right) else False if left is False and right is False else None
            return None if value is None else value != negate
        none_name, is_none = _is_none_test(test)
        if none_name is not None:
            # chmod is None / chmod is not None for a parameter the caller passed (or left at None)
            v = self.frame.env.get(none_name) if none_name in self.frame.pinned else None
            if v is None or v.taints or not isinstance(v.const, (bool, int, str, bytes, type(None))):
                return None
            return ((v.const is None) == is_none) != negate
        if type(test) is cst.Comparison and len(test.comparisons) == 1 and type(test.left) is cst.SimpleString \
                and type(test.comparisons[0].operator) in (cst.In, cst.NotIn) \
                and type(test.comparisons[0].comparator) is cst.Name:
            # 'dir' not in argdict, argdict = kwargs.copy() of a call's known keywords
            v = self.frame.env.get(test.comparisons[0].comparator.value)
            key = test.left.evaluated_value
            if v is None or v.taints or not isinstance(v.const, dict) or not isinstance(key, str):
                return None
            found = key in v.const
            return (found if type(test.comparisons[0].operator) is cst.In else not found) != negate
        text_type = self._isinstance_of_known(test)
        if text_type is not None:
            return text_type != negate
        literal = _literal_comparison(test)
        if literal is not None:
            # if private is True: / if fmt == "pem": / if mode != 0: - a pinned parameter compared
            # with a literal (format_keyval_to_metadata(..., private=False) returns only the public part)
            name, op, const = literal
            v = self.frame.env.get(name) if name in self.frame.pinned else None
            if v is None or v.taints or not isinstance(v.const, (bool, int, str, type(None))) \
                    or v.ident in self.project.guessed_idents:
                # (an entry point's default passed on, encoding="pem": its callers may pass "pkcs12")
                return None
            if op in (cst.Is, cst.IsNot):
                if not isinstance(const, (bool, type(None))):
                    return None
                same = v.const is const
            else:
                same = type(v.const) is type(const) and v.const == const
            return (same if op in (cst.Is, cst.Equal) else not same) != negate
        if type(test) is not cst.Name or test.value not in self.frame.pinned:
            return None
        v = self.frame.env.get(test.value)
        if v is None or v.taints or not isinstance(v.const, (bool, int, str, type(None))):
            return None
        return bool(v.const) != negate

    def _isinstance_of_known(self, test: cst.BaseExpression) -> Optional[bool]:
        """``isinstance(x, bytes)`` / ``isinstance(x, (str, bytes))`` for a name holding a known
        text (a constant, or an f-string/concatenation with holes): decided statically (a run
        helper encoding its command line: ``x if isinstance(x, bytes) else x.encode()``)."""
        if type(test) is not cst.Call or dotted(test.func) != "isinstance" or len(test.args) != 2 \
                or type(test.args[0].value) is not cst.Name:
            return None
        v = self.frame.env.get(test.args[0].value.value)
        if v is None or v.kind is not None or v.func is not None:
            return None
        if isinstance(v.const, str) or (v.const is UNKNOWN and v.pieces is not None):
            actual = "str"
        elif isinstance(v.const, bytes):
            actual = "bytes"
        elif isinstance(v.const, tuple):
            actual = "sequence"  # a list or tuple display: none of the scalar types below
        else:
            return None
        types = test.args[1].value
        names = [e.value for e in types.elements] if type(types) is cst.Tuple else [types]
        wanted = [n.value for n in names if type(n) is cst.Name]
        if len(wanted) != len(names) or not set(wanted) <= {"str", "bytes", "int", "float", "bool", "bytearray"}:
            return None
        return actual in wanted

    def _loop(self, body: cst.BaseSuite, bind_target: Optional[Callable[[], None]], orelse: Optional[cst.Else],
              runs: bool = False) -> None:
        """Two passes over ``body``; after the loop, the states after one and two passes (and the
        state before it unless ``runs``: the loop surely runs once) are joined."""
        before = dict(self.frame.env)
        once: Dict[str, Value] = before
        self.context.append("loop")
        try:
            for n in range(2):
                if bind_target is not None:
                    bind_target()
                self.exec_suite(body)
                if n == 0:
                    once = dict(self.frame.env)
        finally:
            self.context.pop()
        joined = _join_env(once, self.frame.env)
        self.frame.env = joined if runs else _join_env(before, joined)
        if orelse is not None:
            self.exec_suite(orelse.body)

    def stmt_For(self, node: cst.For) -> None:
        it = self.eval(node.iter)
        names = it.const if isinstance(it.const, tuple) and it.kind != "list-unknown-tail" else ()
        few = 1 < len(names) <= MAX_UNROLL
        argvs = few and _argv_list(names)
        # (a `return` on a command's failure stops the rest: it does not change what the earlier ran)
        stops = (cst.Break, cst.Continue) if argvs else (cst.Break, cst.Continue, cst.Return)
        if few and type(node.target) is cst.Name \
                and (argvs or all(isinstance(x, Value) and isinstance(x.const, str) and not x.taints for x in names)) \
                and not any(type(n) in stops for n in walk(node.body)):
            # for f in ("daemon.pkey", "daemon.cert"): os.chmod(os.path.join(d, f), 0o600) - each
            # name in turn, so the key file's own chmod is told from the certificate's
            self.context.append("loop")
            try:
                for x in names:
                    # (the name itself, no identity of its own: join(d, f) is join(d, "daemon.pkey"))
                    self.bind(node.target.value, x)
                    self.exec_suite(node.body)
            finally:
                self.context.pop()
            if node.orelse is not None:
                self.exec_suite(node.orelse.body)
            return
        elem = self.element_of(it)
        # for x in ["-aes256"]: a known, non-empty sequence is iterated at least once
        runs = isinstance(it.const, tuple) and bool(it.const) and it.kind != "list-unknown-tail"

        def bind_target() -> None:
            self.assign(node.target, elem, node.iter)
            self._loop_idents(node.target, node.iter)

        self._loop(node.body, bind_target, node.orelse, runs)

    def _loop_idents(self, target: cst.BaseExpression, iter_node: cst.CSTNode) -> None:
        """A loop variable that holds a text (``for name in ("rsa", "ed25519")``) stands for one
        value per iteration: paths built from it twice in the body (``etc / f"ssh_host_{name}_key"``
        written, then chmod-ed) name one file."""
        if type(target) in (cst.Tuple, cst.List):
            for el in target.elements:
                self._loop_idents(el.value, iter_node)
            return
        if type(target) is not cst.Name:
            return
        v = self.frame.env.get(target.value)
        if v is None or v.ident is not None or v.func is not None or v.qname is not None \
                or v.kind not in (None, L.PATH) or isinstance(v.const, (int, float, bool, bytes)) or v.const is None:
            return
        tag = "gname" if self._generic_depth else "name"
        self.bind(target.value, v.evolve(ident=(tag, self.path, id(self.frame), target.value, id(iter_node))))

    def stmt_While(self, node: cst.While) -> None:
        self.eval(node.test)
        self._loop(node.body, None, node.orelse)

    def stmt_Try(self, node: cst.Try) -> None:
        before = dict(self.frame.env)
        has_finally = node.finalbody is not None
        outer_escaped, self.frame.escaped = self.frame.escaped, None
        self.context.append("try-finally" if has_finally else "try")
        try:
            self.exec_suite(node.body)
        finally:
            self.context.pop()
        after_body = self.frame.env
        # a branch of the body that returned or raised: the handlers may run after it
        left_body = self.frame.escaped
        envs = [after_body]
        for h in node.handlers:
            self.frame.env = _join_env(before, after_body)
            if left_body is not None:
                self.frame.env = _join_env(self.frame.env, left_body)
            if h.type is not None:
                self.eval(h.type)
            if h.name is not None and type(h.name.name) is cst.Name:
                self.bind(h.name.name.value, CLEAN)
            self.context.append("except")
            try:
                self.exec_suite(h.body)
            finally:
                self.context.pop()
            envs.append(self.frame.env)
        self.frame.env = after_body
        if node.orelse is not None:
            self.exec_suite(node.orelse.body)
            envs[0] = self.frame.env
        env = envs[0]
        for e in envs[1:]:
            env = _join_env(env, e)
        self.frame.env = env
        # what left the body or a handler by return/raise runs the finally too, then leaves on
        left = self.frame.escaped
        self.frame.escaped = outer_escaped
        if node.finalbody is not None:
            if left is not None:
                self.frame.env = _join_env(self.frame.env, left)
            self.context.append("finally")
            try:
                self.exec_suite(node.finalbody.body)
            finally:
                self.context.pop()
        if left is not None:
            self._escape(left)

    stmt_TryStar = stmt_Try

    def stmt_With(self, node: cst.With) -> None:
        entered: List[Value] = []
        restores: List[Tuple[cst.CSTNode, Optional[Event]]] = []
        had_cwd, old_cwd = _CWD in self.frame.env, self.frame.env.get(_CWD)
        new_cwd: Optional[Value] = None
        for item in node.items:
            marks = self._event_marks()
            cm = self.eval(item.item)
            val = self.enter_value(cm, item.item, node.asynchronous is not None)
            entered.append(cm)
            for e in self._events_since(marks):
                if e.kind == "chdir" and e.trace == self.trace and not e.values.get("at_exit") and (
                        e.depth > self.depth or e.values.get("scoped")):
                    # with cd(tmp): / with contextlib.chdir(tmp): the body runs in tmp
                    new_cwd = e.values.get("path")
                if e.kind != "umask" or e.trace != self.trace:
                    continue
                if e.values.get("at_exit") and e.depth > self.depth:
                    restores.append((item.item, e))
                elif e.values.get("scoped") and e.depth == self.depth:
                    # a library umask context manager (salt.utils.files.set_umask(0o077)): it
                    # restores the mask it saved, unknown here, when the with exits
                    restores.append((item.item, None))
            if item.asname is not None:
                self.assign(item.asname.name, val, item.item)
        if new_cwd is not None:
            self.frame.env[_CWD] = new_cwd
        self.context.append("with")
        try:
            self.exec_suite(node.body)
        finally:
            self.context.pop()
        if new_cwd is not None:
            # the context manager changes back when the with exits
            if had_cwd and old_cwd is not None:
                self.frame.env[_CWD] = old_cwd
            else:
                self.frame.env.pop(_CWD, None)
        for item_node, e in reversed(restores):
            # the @contextmanager restores the umask after its yield: when this with exits,
            # so whatever is created after the with gets the restored (usually unknown) umask
            self.emit("umask", item_node, mode=(e.value("mode") if e is not None else None) or CLEAN,
                      describe=e.describe if e is not None else "", restore=True,
                      module_level=self.frame.func is None and self.depth == 0)
        for cm in reversed(entered):
            # a class context manager: its __exit__ runs when the with exits (restoring the umask
            # __enter__ set, removing the file it made, ...)
            exit_fn = self._cm_method(cm, ("__aexit__", "__exit__") if node.asynchronous is not None else ("__exit__",))
            if exit_fn is not None:
                self.call_user_function(exit_fn, [CLEAN, CLEAN, CLEAN], {}, self_value=cm)

    def _event_marks(self) -> List[Tuple["ModuleInterp", int]]:
        interps = list(self.project.modules.values())
        if self not in interps:
            interps.append(self)
        return [(i, len(i.events)) for i in interps]

    def _events_since(self, marks: List[Tuple["ModuleInterp", int]]) -> List[Event]:
        known = {id(i) for i, _ in marks}
        out: List[Event] = []
        for interp, n in marks:
            out.extend(interp.events[n:])
        for interp in self.project.modules.values():
            if id(interp) not in known:
                out.extend(interp.events)
        return sorted(out, key=lambda e: e.seq)

    def stmt_Match(self, node: Any) -> None:  # pragma: no cover - 3.10+ syntax
        self.eval(node.subject)
        before = dict(self.frame.env)
        envs = []
        for case in node.cases:
            self.frame.env = dict(before)
            self.exec_suite(case.body)
            envs.append(self.frame.env)
        env = before
        for e in envs:
            env = _join_env(env, e)
        self.frame.env = env

    # ------------------------------------------------------------------ imports
    def do_import(self, node: cst.CSTNode) -> None:
        if type(node) is cst.Import:
            for alias in node.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    self.bind(alias.asname.name.value, Value(qname=full, kind=L.MODULE))
                else:
                    top = full.split(".")[0]
                    self.bind(top, Value(qname=top, kind=L.MODULE))
            return
        assert type(node) is cst.ImportFrom
        base = dotted(node.module) if node.module is not None else ""
        base = base or ""
        base = absolute_import(self.name, self.path, len(node.relative), base)
        if type(node.names) is cst.ImportStar:
            path = self.project.resolve_module(base)
            if path is not None and path != self.path and self.project.worth(path, "*"):
                other = self.project.interp_for_path(path)
                if other is not None:
                    for k, v in other.globals.items():
                        if not k.startswith("_"):
                            self.bind(k, v)
            return
        for alias in node.names:
            name = alias.name.value if type(alias.name) is cst.Name else (dotted(alias.name) or "")
            local = name
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value
            full = f"{base}.{name}" if base else name
            value = Value(qname=full)
            for row in self.kb.call_rows(full):
                if row.effect == "kind" and row.opt("attribute"):  # from loguru import logger
                    value = Value(kind=row.kind, qname=full)
                    break
            mod_path = self.project.resolve_module(base) if base else None
            # a project module's names are resolved where they are used (_resolve_import): parsing
            # every imported module eagerly costs more than it finds (a package's __init__ imports
            # far more than is used), except for constants worth it (SCRATCH = Path(gettempdir())
            # / "pki", KEY_SIZE = 1024).  Only that criterion decides, never whether the module
            # happens to be parsed already (that depends on which files share the batch)
            if mod_path is not None and mod_path != self.path and not _worth_importing_constant(self.project, mod_path, name):
                value = Value(qname=full, attr=_LAZY_IMPORT)
            elif mod_path is not None and mod_path != self.path:
                other = self.project.interp_for_path(mod_path)
                if other is not None and name in other.globals:
                    found = other.globals[name]
                    if found.taints or found.func is not None:
                        value = found if found.func is not None else found.evolve(qname=None)
                    elif isinstance(found.const, (int, str)) and not isinstance(found.const, bool):
                        value = found.evolve(qname=None)
            self.bind(local, value)

    def resolve_project_symbol(self, qname: str, load: bool = True) -> Optional[Value]:
        """A function/class/global defined in another module of the project.

        With ``load=False`` nothing is consulted: cross-module flows parse a module only when a
        call needs its summaries, and a module parsed already for another file of the batch is
        treated the same way (results must not depend on how files are batched).
        """
        if "." not in qname:
            return None
        mod, _, sym = qname.rpartition(".")
        path = self.project.resolve_module(mod)
        if path is None or path == self.path:
            if path == self.path:
                return self.globals.get(sym)
            return None
        if not load:
            return None
        other = self.project.interp_for_path(path)
        if other is None:
            return None
        found = other.globals.get(sym)
        if found is not None and found.attr == _LAZY_IMPORT and found.qname is not None:
            return other._resolve_import(found.qname)  # re-exported: from .material import generate
        return found

    # ------------------------------------------------------------------ assignment
    def assign(self, target: cst.BaseExpression, value: Value, value_node: Optional[cst.CSTNode]) -> None:
        if type(target) in (cst.Name, cst.Attribute):
            value = self._named_passphrase(target, value, value_node)
        if type(target) is cst.Name:
            guess = self._named_result_guess(target.value, value, value_node)
            if guess is not None:
                value = guess
            if value.ident is None and (value.kind in (L.PATH, L.FILE_HANDLE, L.FD) or value.file is not None
                                        or value.has(L.TEMP) or isinstance(value.const, str)
                                        or type(value_node) in (cst.BinaryOperation, cst.FormattedString)
                                        or _opaque_text(value, value_node)):
                # (tmp = path + ".tmp", key_file = f"{name}.key": the name stands for one file)
                # (under a generic evaluation the frame stands for every call: "gname")
                tag = "gname" if self._generic_depth else "name"
                value = value.evolve(ident=(tag, self.path, id(self.frame), target.value, id(value_node)))
            if value.kind in (L.BUFFER, L.MMAP) and value.is_key:
                self.emit("buffer-bind", value_node if value_node is not None else target, name=target.value, value=value)
            self.bind(target.value, value)
        elif type(target) in (cst.Tuple, cst.List):
            elems = [e for e in target.elements]
            items = value.const if isinstance(value.const, tuple) else self._tuple_fields(value)
            star_index = next((i for i, e in enumerate(elems) if type(e) is cst.StarredElement), None)
            for i, el in enumerate(elems):
                if items is not None and star_index is None and i < len(items) and isinstance(items[i], Value):
                    sub = items[i]
                else:
                    sub = self.element_of(value)
                tgt = el.value
                self.assign(tgt, sub, value_node)
        elif type(target) is cst.Attribute:
            obj = self.eval(target.value)
            name = target.attr.value
            cls = obj.func if isinstance(obj.func, ClassRef) else None
            if value.ident is None and _opaque_text(value, value_node):
                # self._path = db[b"key_path"].decode(): the attribute stands for one file
                value = value.evolve(ident=("attr", self.path, id(cls.node) if cls is not None else None,
                                            self.code(target)))
            if cls is not None:
                prev = cls.attrs.get(name)
                # (self.settings = {"region": r} in __init__, then self.settings["pem"] = pem: the
                # dicts join item by item, the items never given key material stay clean)
                cls.attrs[name] = value if prev is None else join(prev, value)
                if obj.kind == "instance":
                    cls.assigned.add(name)
            elif obj.kind == L.ENVIRON:
                pass
            else:
                d = dotted(target)
                if d is not None:
                    self.bind("<attr>" + d, value)
        elif type(target) is cst.Subscript:
            obj = self.eval(target.value)
            key = self.eval(target.slice[0].slice.value) if target.slice and type(target.slice[0].slice) is cst.Index else CLEAN
            if obj.kind == L.ENVIRON:
                self.emit("sink", target, sink="env", data=value, key=key, describe="os.environ")
            elif obj.kind in (L.SHARED_MEMORY, L.MMAP):
                self.emit("sink", target, sink="ipc", data=value, describe="shared memory" if obj.kind == L.SHARED_MEMORY else "a shared mmap")
                mapped = obj.get_attr(_MAPPED_FILE)
                if mapped is not None:
                    # mm[:] = der: into the mapped file, as os.write(fd, der) would
                    self.emit("write", target, target=mapped, data=value, describe="mmap")
            elif obj.kind is not None and obj.file is not None and value.taints:
                # db[name] = pem of a shelf (shelve.open(path)): the library's __setitem__ rows
                self._setitem_rows(target, obj, key, value)
            elif value.taints and obj.kind == "instance" and isinstance(obj.func, ClassRef):
                setter = obj.func.methods.get("__setitem__") or self._inherited_method(obj.func, "__setitem__")
                if setter is not None:
                    # self.cert_cache[host] = pem of a project class with its own __setitem__ (a
                    # file-backed cache writing the value out): what that method does with it
                    self.call_user_function(setter, [key, value], {}, self_value=obj, call_node=target)
            elif obj.kind in (L.BUFFER, L.MMAP) and value.is_key and type(target.value) is cst.Name:
                filled = obj.with_taints(tuple((L.KEY_MATERIAL if lbl == L.PRIVATE_KEY else lbl, org) for lbl, org in deep_taints(value)))
                self.bind(target.value.value, filled)
                self.emit("buffer-bind", target, name=target.value.value, value=filled)
                return
            if not value.taints and value.kind == "instance" and isinstance(value.func, ClassRef) \
                    and type(target.value) in (cst.Name, cst.Attribute):
                # self._keys[name] = key (a project object, its key in its attributes): the container
                # remembers what it holds, for self._keys[name].to_pem() / .values() / .items()
                cur = self.eval(target.value)
                prev = cur.get_attr(_HELD)
                held = value if prev is None else join(prev, value)
                cont = cur.evolve(attrs=tuple((k, v) for k, v in cur.attrs if k != _HELD) + ((_HELD, held),))
                if type(target.value) is cst.Name:
                    self.bind(target.value.value, cont)
                else:
                    self.assign(target.value, cont, value_node)
            # a container receiving key material becomes tainted as a whole (for whole uses), and
            # remembers which field holds it, so reading another field stays clean
            self._store_item(target.value, obj, key, value, value_node)
        elif type(target) is cst.StarredElement:
            self.assign(target.value, value, value_node)

    def _setitem_rows(self, target: cst.Subscript, obj: Value, key: Value, value: Value) -> None:
        """``obj[key] = value`` for an object of a kind whose ``__setitem__`` the knowledge base
        describes (a `write` row: into the object's file; a `sink` row)."""
        desc = f"{self.code(target.value)}[...] ="
        for row in self.kb.method_rows("__setitem__"):
            if row.on != obj.kind:
                continue
            args = [key, value]
            if row.effect == "write":
                data = self.arg(row.spec("data"), args, {})
                if data is not None:
                    self.emit("write", target, target=obj, data=data, creation=row.opt("creation"), describe=desc)
            elif row.effect == "sink":
                for v in self.args_for(row.spec("args"), args, {}, None):
                    if v.is_key:
                        self.emit("sink", target, sink=row.kind, data=v, describe=row.describe or desc, confidence="high")
                        break

    def _store_item(self, container: cst.BaseExpression, obj: Value, key: Value, value: Value,
                    value_node: cst.CSTNode) -> None:
        """``container[key] = value`` for a name or attribute holding a plain container (``obj``):
        key material makes it tainted as a whole, and a constant key records the field."""
        if type(container) is cst.Name and isinstance(key.const, (str, int)) and not value.taints:
            cur = self.lookup(container.value)
            if isinstance(cur.const, dict):
                updated = _FrozenDict(cur.const)
                updated[key.const] = value
                self.bind_mutated(container.value, cur.evolve(const=updated))
        if type(container) is cst.Name and not value.is_key and (value.ident is not None or value.file is not None):
            # paths = [None, None]; paths[i] = path (a file made in a loop over enumerate(...)):
            # the list's items keep the path, so `os.remove(paths[1])` in a finally: removes it
            cur = self.lookup(container.value)
            items = cur.const
            if isinstance(items, tuple) and items and all(isinstance(x, Value) for x in items) \
                    and not isinstance(key.const, (bool, str)):
                if isinstance(key.const, int) and cur.kind != "list-unknown-tail" and -len(items) <= key.const < len(items):
                    updated_items = list(items)
                    updated_items[key.const] = value
                    self.bind_mutated(container.value, cur.evolve(const=tuple(updated_items)))
                else:
                    # an index not known here: any item may be the one stored
                    self.bind_mutated(container.value, cur.evolve(const=tuple(join(x, value) for x in items)))
        if value.taints and type(container) is cst.Name:
            cur = self.lookup(container.value)
            if isinstance(key.const, (str, int)) and isinstance(cur.const, dict):
                updated = _FrozenDict(cur.const)
                updated[key.const] = value
                self.bind_mutated(container.value, cur.with_taints(value.taints).evolve(const=updated))
            elif isinstance(key.const, (str, int)) and not isinstance(cur.const, (dict, tuple)):
                fields = tuple((k, v) for k, v in cur.attrs if k != f"[{key.const}]") + ((f"[{key.const}]", value),)
                self.bind_mutated(container.value, cur.with_taints(value.taints).evolve(attrs=fields))
            elif isinstance(cur.const, dict) and not key.taints:
                # cache[name] = pem: the values hold key material, the keys do not (list(cache))
                self.bind_mutated(container.value, cur.with_taints(value.taints).evolve(
                    attrs=cur.attrs + (("[*]", value),)))
            else:
                self.bind_mutated(container.value, cur.with_taints(value.taints))
        elif value.taints and type(container) is cst.Attribute:
            if isinstance(key.const, (str, int)) and isinstance(obj.const, dict):
                updated = _FrozenDict(obj.const)
                updated[key.const] = value
                obj = obj.evolve(const=updated)
            elif isinstance(key.const, (str, int)) and not isinstance(obj.const, tuple):
                # app.config["JWT_PRIVATE_KEY"] = pem (a mapping held by an attribute): the field
                # holding the key is remembered, so app.config["JWT_ALGORITHM"] stays clean
                obj = obj.evolve(attrs=tuple((k, v) for k, v in obj.attrs if k != f"[{key.const}]")
                                 + ((f"[{key.const}]", value),))
            self.assign(container, obj.with_taints(value.taints), value_node)

    # ------------------------------------------------------------------ expressions
    def eval(self, node: cst.BaseExpression) -> Value:
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is None:
            return CLEAN
        return method(node)

    def ev_Name(self, node: cst.Name) -> Value:
        if node.value in ("None", "True", "False"):
            return Value(const={"None": None, "True": True, "False": False}[node.value])
        v = self.lookup(node.value)
        if v.attr == _LAZY_IMPORT and v.qname is not None:
            return self._resolve_import(v.qname)
        return v

    def _invoke(self, row: Row, recv: Optional[Value], args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        """Calls that run a callable with arguments they are given (``Thread(target=f, args=(a,))``,
        ``executor.submit(f, a)``, ``asyncio.to_thread(f, a)``): ``f(a)`` runs, here.  ``callable``
        names the callable; ``args``/``kwargs`` name a tuple/dict of its arguments, else the
        positional arguments after the callable and the remaining keywords are passed on."""
        spec = row.spec("callable")
        fn = self.arg(spec, args, kwargs)
        if fn is None or not (fn.func is not None or fn.qname or fn.attr or fn.kind == "lambda"):
            return CLEAN
        call_args: List[Value]
        if row.spec("args") is not None:
            packed = self.arg(row.spec("args"), args, kwargs)
            call_args = [x for x in packed.const if isinstance(x, Value)] if packed is not None and isinstance(packed.const, tuple) else []
            named = self.arg(row.spec("kwargs"), args, kwargs) if row.spec("kwargs") is not None else None
            call_kwargs = {k: v for k, v in named.const.items() if isinstance(v, Value)} \
                if named is not None and isinstance(named.const, dict) else {}
        else:
            start = (spec.pos + 1) if spec is not None and spec.pos is not None else 0
            call_args = list(args[start:])
            call_kwargs = {k: v for k, v in kwargs.items() if spec is None or k != spec.kw}
        if row.opt("calls_with"):
            # asyncio.start_server(handle, ...): handle(reader, writer) runs on each connection,
            # with stream objects of those kinds (TLS ones when the call is given ssl=)
            conn = ("obj", id(node))
            call_args = [Value(kind=self._tls_kind(k, kwargs), ident=conn) for k in row.opt("calls_with")]
            call_kwargs = {}
        # (a lambda runs its body: Thread(target=lambda: path.write_bytes(pem)))
        out = self.call(fn, call_args, call_kwargs, node)
        return out if row.opt("returns_result") else CLEAN

    @staticmethod
    def _tls_kind(kind: str, kwargs: Dict[str, Value]) -> str:
        """A socket made by a call given ``ssl=`` (not None/False) is a TLS socket
        (``asyncio.open_connection(..., ssl=ctx)``, ``asyncio.start_server(cb, ..., ssl=ctx)``)."""
        if kind == L.SOCKET and "ssl" in kwargs and kwargs["ssl"].const not in (None, False):
            return L.TLS_SOCKET
        return kind

    def _materialize(self, recv: Value, args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Optional[Value]:
        """The project-class instance behind a lazy one, when a method call hands it something
        worth following (its constructor runs then, with the arguments it was given)."""
        if not (any(_worth_following(v) for v in args) or any(_worth_following(v) for v in kwargs.values())):
            return None
        made = self.project.lazy_ctors.get(recv.ident[1]) if isinstance(recv.ident, tuple) else None
        if made is None:
            return None
        qname, ctor_args, ctor_kwargs = made
        sym = self.resolve_project_symbol(qname, load=True)
        if sym is None or not isinstance(sym.func, ClassRef):
            return None
        return self.call(sym, ctor_args, ctor_kwargs, node)

    def _resolve_import(self, qname: str) -> Value:
        """What ``from m import name`` binds, at the name's first use: what module ``m`` defines
        when it is worth loading for that name (:func:`_worth_binding`), else a reference resolved
        when called."""
        found = self._imports_resolved.get(qname)
        if found is not None:
            return found
        value = Value(qname=qname)
        mod, _, name = qname.rpartition(".")
        package = self.project.resolve_module(mod)
        if self.project.resolve_module(qname) is not None and (
                package is None or not self.project.mentions(package, name)):
            # `from paramiko import util`: a submodule of the project, read through its own
            # attributes (get_attribute loads it when one is worth it); the package's __init__
            # is not loaded for it when its text never binds the name (`from .gen import gen`
            # would: the package attribute is then the function)
            self._imports_resolved[qname] = value
            return value
        mod_path = package
        # data defined at module level (keydata.py: bootstrap_pem = "-----BEGIN ...") is worth it;
        # functions and classes are resolved when called (with the call's own criterion)
        if mod_path is not None and mod_path != self.path and (
                _worth_importing_constant(self.project, mod_path, name)
                or (self.project.worth(mod_path, "<module>") and not self.kb.call_rows(qname))):
            other = self.project.interp_for_path(mod_path)
            if other is not None and name in other.globals:
                got = other.globals[name]
                if got.attr == _LAZY_IMPORT and got.qname is not None and got.qname != qname:
                    got = other._resolve_import(got.qname)  # re-exported by a package's __init__
                if got.taints or got.func is not None:
                    value = got if got.func is not None else got.evolve(qname=None)
                elif isinstance(got.const, (int, str)) and not isinstance(got.const, bool):
                    value = got.evolve(qname=None)
        self._imports_resolved[qname] = value
        return value

    def ev_Integer(self, node: cst.Integer) -> Value:
        try:
            return Value(const=int(node.value.replace("_", ""), 0))
        except ValueError:
            try:
                return Value(const=int(node.value.replace("_", "")))
            except ValueError:  # pragma: no cover - e.g. "0777" in py2 code
                return CLEAN

    def ev_Float(self, node: cst.Float) -> Value:
        return CLEAN

    def ev_SimpleString(self, node: cst.SimpleString) -> Value:
        raw = node.value
        if len(raw) > 400 and "PRIVATE KEY" not in raw:
            return CLEAN  # long text (messages, templates): neither a path nor a key
        if len(raw) < 64 and "\\" not in raw and raw[:1] in _QUOTES and raw[-1] == raw[0] and raw[:3] not in _TRIPLE:
            text: Any = raw[1:-1]  # a plain short literal needs no literal_eval
        else:
            try:
                text = node.evaluated_value
            except Exception:
                return CLEAN
        return self.string_value(text, node)

    def string_value(self, text: Any, node: cst.CSTNode) -> Value:
        value = Value(const=text)
        s = text.decode("latin-1") if isinstance(text, bytes) else text
        if isinstance(s, str) and s:
            if "PRIVATE KEY-----" in s and PEM_PRIVATE_RE.search(s):
                org = self.origin("private key PEM literal", node)
                value = value.with_taints(((L.KEY_MATERIAL, org),))
                if "ENCRYPTED" not in s:
                    value = value.with_taints(((L.UNENCRYPTED, org),))
            elif self.is_temp_text(s):
                value = value.with_taints(self._temp_taints(s, node))
            if len(s) < 256 and "\n" not in s and _MAY_BE_KEY_PATH(s) and is_key_path(s):
                value = value.with_taints(((L.KEY_PATH, self.origin(f"key path {s!r}", node)),))
        return value

    def _temp_taints(self, text: str, node: cst.CSTNode) -> Tuple:
        """The temp-location labels of a value whose text starts with ``text`` (none when it does not
        name a temporary location)."""
        if not text or not self.is_temp_text(text):
            return ()
        org = self.origin(f"temporary location {text!r}", node)
        return ((L.TEMP, org), (L.SHARED_TEMP, org))

    def _text_value(self, pieces: Optional[Sequence[object]], taints: Tuple, node: cst.CSTNode, template: str = "") -> Value:
        """A string built from pieces (``%``, ``str.format``, ``join`` ...): its text when every piece
        is known, else the pieces, temporary when the ``template`` starts with a temporary location."""
        if pieces is not None and all(isinstance(p, str) for p in pieces):
            return self.string_value("".join(pieces), node).with_taints(taints)  # type: ignore[arg-type]
        value = Value(taints=taints, pieces=None if pieces is None else tuple(pieces))
        temp = self._temp_taints(template, node)
        return value.with_taints(temp) if temp else value

    def is_temp_text(self, s: str) -> bool:
        if not s or s[0] not in "/$%Cc":
            return False
        for p in self.kb.temp_prefixes:
            if s.startswith(p):
                rest = s[len(p):]
                if not rest or rest[0] in "/\\}:-" or p.endswith(("{", "%")) or p.startswith("$"):
                    if p.startswith("${") or p.startswith("$") or rest == "" or rest[0] in "/\\":
                        return True
                    if rest[0] in "}:-":
                        return True
        return False

    def ev_ConcatenatedString(self, node: cst.ConcatenatedString) -> Value:
        left = self.eval(node.left)
        right = self.eval(node.right)
        return self.binop(left, right, cst.Add(), node)

    def ev_FormattedString(self, node: cst.FormattedString) -> Value:
        pieces: List[object] = []
        taints: Tuple = ()
        all_known = True
        for part in node.parts:
            if type(part) is cst.FormattedStringText:
                pieces.append(part.value)
            elif type(part) is cst.FormattedStringExpression:
                v = self.eval(part.expression)
                if v.kind == "instance":
                    v = self._shown(v, "!r" if part.conversion == "r" else None)
                if v.kind in (L.BUFFER, L.MMAP) and v.is_key:
                    self.emit("immutable-copy", part.expression, data=v, describe="an f-string")
                taints = merge_taints(taints, deep_taints(v))
                if isinstance(v.const, (str, int)) and part.format_spec is None and part.conversion is None:
                    pieces.append(str(v.const))
                else:
                    all_known = False
                    pieces.append(v)
        merged: List[object] = []
        for p in pieces:
            if isinstance(p, str) and merged and isinstance(merged[-1], str):
                merged[-1] = merged[-1] + p
            else:
                merged.append(p)
        if all_known:
            return _public_half(self.string_value("".join(str(p) for p in merged), node).with_taints(taints))
        value = _public_half(Value(taints=taints, pieces=tuple(merged)))
        idents = tuple(p if isinstance(p, str) else p.ident for p in merged)
        if None not in idents:
            # f"ssh_host_{name}_key" spelled twice names one file when its holes are the same values;
            # f"{keydir}/{name}.key" is a file in the folder keydir (as keydir / f"{name}.key")
            ident: object = ("fstr",) + idents
            if len(idents) >= 2 and not isinstance(merged[0], str) and isinstance(idents[1], str) \
                    and idents[1].startswith("/") and len(idents[1]) > 1:
                rest = (idents[1][1:],) + idents[2:]
                tail = ("const", rest[0]) if len(rest) == 1 else ("fstr",) + rest
                ident = ("join", "/", (idents[0], tail))
                self.path_parents.setdefault(ident, set()).add(idents[0])
            value = value.evolve(ident=ident)
        head = merged[0] if merged and isinstance(merged[0], str) else ""
        if head and self.is_temp_text(head):
            value = value.with_taints(self._temp_taints(head, node))
        tail = merged[-1] if merged and isinstance(merged[-1], str) else ""
        if tail and is_key_path(tail):
            value = value.with_taints(((L.KEY_PATH, self.origin(f"key path {tail!r}", node)),))
        return value

    def ev_Attribute(self, node: cst.Attribute) -> Value:
        base = self.eval(node.value)
        name = node.attr.value
        return self.get_attribute(base, name, node)

    def get_attribute(self, base: Value, name: str, node: cst.CSTNode) -> Value:
        if base.kind == _TUPLE_RECORD:
            own = base.get_attr("." + name)
            if own is not None:
                return own  # kp.public_key of kp = Keypair(pem, pub): that item only
        if base.qname is not None and base.func is None and base.kind in (None, L.MODULE) and not base.taints:
            qname = f"{base.qname}.{name}"
            # attribute-kind rows (os.environ, loguru.logger)
            for row in self.kb.call_rows(qname):
                if row.effect == "kind" and row.opt("attribute") and self._row_applies_here(row):
                    return Value(kind=row.kind, qname=qname)
            const = self.kb.constants.get(qname)
            if const is not None:
                return Value(const=const, qname=qname)
            cmd = self._command_member(qname)
            if cmd is not None:
                return cmd
            # config.RSA_KEY_BITS after `from . import config`: constants worth it load their module
            # (keydata.privateRSA_openssh: a module-level key; the same test as imports)
            mod_path = self.project.resolve_module(base.qname)
            load = mod_path is not None and mod_path != self.path and _worth_binding(self, mod_path, name, qname)
            project_sym = self.resolve_project_symbol(qname, load=load)
            if project_sym is not None:
                return project_sym
            if mod_path is None and name.isupper() and "." in base.qname:
                # settings.RSA_BITS / settings.STAGING after `from .config import settings`: an
                # UPPER_CASE setting of an object a project module defines (settings = _Settings())
                owner_path = self.project.resolve_module(base.qname.rpartition(".")[0])
                if owner_path is not None and owner_path != self.path and (
                        _KEY_PARAMETER_NAME.search(name) or self.project.worth(owner_path, "*")):
                    obj = self.resolve_project_symbol(base.qname, load=True)
                    if obj is not None and isinstance(obj.func, ClassRef):
                        return self.get_attribute(obj, name, node)
            return Value(qname=qname)
        if isinstance(base.func, ClassRef):
            cls = base.func
            if name == "__dict__" and base.kind == "instance":
                # self.__dict__ (json.dumps(self.__dict__) in a state dump): every field, as vars(self)
                return Value(taints=_union(list(cls.attrs.values()), {}))
            # the class's own method, else an attribute, else an inherited method
            fn = cls.methods.get(name)
            if fn is None and name not in cls.attrs:
                fn = self._inherited_method(cls, name)
            if fn is not None:
                if base.kind == "instance" and _is_property(fn.node):
                    # self.private_pem where private_pem is a @property: reading it runs the getter
                    return self.call_user_function(fn, [], {}, self_value=base, call_node=node)
                return Value(func=fn, receiver=base if base.kind == "instance" else None, attr=name)
            if base.kind == "instance" and base.attrs and name not in cls.assigned:
                own = base.get_attr("." + name)
                if own is not None:
                    return own  # LEGACY.bits of LEGACY = KeyPolicy(bits=1024)
            if name in cls.attrs:
                return cls.attrs[name]
            guess = self._field_guess(base, cls, name)
            if guess is not None:
                return guess
            for qname in cls.module._library_bases(cls):
                for row in self.kb.call_rows(f"{qname}.{name}"):
                    if row.effect == "kind" and row.opt("attribute") and self._row_applies_here(row):
                        # self.stdout of a Django command: what the library class's attribute is
                        return Value(kind=row.kind, qname=f"{qname}.{name}")
            ident = None
            if base.ident is not None and base.ident == _annotated_ident(cls) and type(node) is cst.Attribute:
                # cfg.key_path of a parameter annotated with a record class (def f(cfg: TLSConfig)):
                # read twice in one frame it names one file (its folder made, then the key written)
                ident = self._attr_ident(base.evolve(func=None), dotted(node))
            return Value(receiver=base, attr=name, ident=ident)
        if base.kind is not None and base.kind in self.kb.field_kinds:
            return self._response_field(base, name, node, "attribute")  # stem's response.private_key
        # attribute rows (raw private values)
        for row in self.kb.attributes.get(name, ()):
            if row.effect == "immutable-copy":  # ctypes buffer.raw / .value: bytes copies of the buffer
                if base.kind in (L.BUFFER, L.MMAP) and base.is_key:
                    self.emit("immutable-copy", node, data=base, describe=self.code(node))
                    return Value(taints=tuple(t for t in base.taints if t[0] in L.KEY_LABELS))
                continue
            if row.effect == "kind":
                # client.containers of a docker client: an object of the row's kind
                if row.on != "*" and base.kind == row.on:
                    return Value(kind=row.kind)
                continue
            if self._receiver_matches(row.on, base):
                org = base.key_origin() or self.origin(f"{self.code(node)}", node)
                return Value(taints=((row.label or L.KEY_MATERIAL, org),))
        if base.kind == L.TEMP_DIR and name == "name":
            return Value(taints=base.taints, kind=None, ident=base.ident)
        if base.kind == L.FILE_HANDLE and name in ("buffer", "raw") and base.file is not None:
            return base  # fh.buffer / fh.raw of an open file: the same file underneath
        if base.kind == L.FILE_HANDLE and name == "name" and base.file is not None:
            p = base.file.path or CLEAN
            return p.with_taints(tuple(t for t in base.taints if t[0] in (L.TEMP, L.SHARED_TEMP)))
        if base.kind == L.PATH and name == "parent":
            # path.parent.mkdir(mode=0o755): the key file's folder (linked for KG202)
            return Value(taints=tuple(t for t in base.taints if t[0] in (L.TEMP, L.SHARED_TEMP)), kind=L.PATH,
                         ident=self._folder_of(base.ident))
        if base.kind == L.PATH and name in ("name", "stem", "suffix"):
            return Value(taints=tuple(t for t in base.taints if t[0] in (L.TEMP, L.SHARED_TEMP)))
        if base.kind == L.SHARED_MEMORY and name == "buf":
            return Value(kind=L.SHARED_MEMORY, ident=base.ident)
        if base.kind == "instance" and base.func is None:
            pass
        d = dotted(node) if type(node) is cst.Attribute else None
        if d is not None and ("<attr>" + d) in self.frame.env:
            return self.frame.env["<attr>" + d]
        closure = self.frame.func.closure if d is not None and self.frame.func is not None else None
        if closure and ("<attr>" + d) in closure and d.partition(".")[0] not in self.frame.env:
            # a nested function (a Flask route or CLI command in create_app) reading the
            # enclosing scope's app.config: what the enclosing function put there
            return closure["<attr>" + d]
        if d is not None and ("<attr>" + d) in self.globals:
            return self.globals["<attr>" + d]
        if base.kind == _CLI_NAMESPACE:
            field_v = base.get_attr(name)
            if _passphrase_named(name):
                # args.passphrase: what the user gives on the command line (the default only when not)
                return self._passphrase_attribute(field_v or CLEAN, node)
            if field_v is None or field_v.ident is None:
                # args.out read twice (args.out.write_bytes(key); args.out.chmod(0o600)) names one file
                field_v = (field_v or CLEAN).evolve(ident=self._attr_ident(base, d))
            return field_v
        # a bound method of an object: dispatched when called; sizes and flags are not material
        if name in _METADATA_ATTRS:
            return Value(receiver=base, attr=name, taints=tuple(t for t in base.taints if t[0] not in L.KEY_LABELS))
        taints = tuple(t for t in base.taints if t[0] not in (L.PRIVATE_KEY,))
        v = Value(receiver=base, attr=name, taints=taints, ident=self._attr_ident(base, d))
        if base.kind is None and base.func is None and base.qname is None and _passphrase_named(name):
            # cfg.key_passphrase / opts.passphrase of an object the scan knows nothing about: named
            # as a passphrase, as a parameter so named is one
            return self._passphrase_attribute(v, node)
        return v

    def _attr_ident(self, base: Value, d: Optional[str]) -> object:
        """The identity of an attribute read nothing else is known about (opts.key_file, args.out):
        the same dotted name in the same frame names the same file, so a chmod, an unlink or an
        O_EXCL creation of ``args.out`` is linked to a write into ``args.out``."""
        if d is None or base.func is not None:
            return None
        root = d.partition(".")[0]
        if root not in self.frame.env:
            return None
        return ("attr-name", self.path, id(self.frame), d)

    def _response_field(self, base: Value, name: str, node: cst.CSTNode, how: str) -> Value:
        """A field of a response object the knowledge base describes field by field (``field`` rows):
        the key is in the fields it names, the others hold none of it (resp["Certificate"])."""
        for row in self.kb.attributes.get(name, ()):
            if row.opt("field") != how or row.on != base.kind:
                continue
            if row.effect == "kind":
                # a nested response (hvac: resp["data"]): the key is in it, in the fields of its kind
                return Value(kind=row.kind, taints=tuple(t for t in base.taints if t[0] in L.KEY_LABELS))
            org = base.key_origin() or self.origin(f"{self.code(node)}", node)
            return Value(taints=((row.label or L.KEY_MATERIAL, org),))
        rest = tuple(t for t in base.taints if t[0] not in L.KEY_LABELS)
        return Value(receiver=base, attr=name, taints=rest) if how == "attribute" else Value(taints=rest)

    def _kept_fields(self, how: str, src: Value, v: Value) -> Value:
        """The result ``v`` of a call with a ``keeps_fields`` row, given what its argument 0 (``src``)
        holds field by field: a copy (``copy``: copy.deepcopy(x), dict(x)) has the same fields; a
        text form (``text``: json.dumps(x)) remembers them for the parse that reads it back
        (``parse``: json.loads), so only the response's private key field holds the key after a
        round trip, not the certificate or the public key beside it."""
        if how == "parse":
            src = src.get_attr(_FIELDS_OF) or CLEAN  # type: ignore[assignment]
            how = "copy"
        dict_items = isinstance(src.const, dict)
        records = tuple((k, x) for k, x in src.attrs if k.startswith("["))
        field_kind = src.kind if src.kind is not None and src.kind in self.kb.field_kinds else None
        if not (dict_items or records or field_kind):
            return v
        if how == "text":
            return v.evolve(attrs=v.attrs + ((_FIELDS_OF, src),))
        return v.evolve(const=src.const if dict_items else v.const, kind=field_kind or v.kind,
                        attrs=records or v.attrs)

    def _passphrase_attribute(self, v: Value, node: cst.CSTNode) -> Value:
        if v.has(L.PASSPHRASE):
            return v
        org = self.origin(f"attribute `{self.code(node)}`", node, "medium")
        return v.evolve(const=UNKNOWN, pieces=None).with_taints(((L.PASSPHRASE, org),))

    def _row_applies_here(self, row: Row) -> bool:
        """False for a row with ``unless_module_calls`` in a module making one of those calls
        (a socketserver handler whose server socket the module wraps in TLS)."""
        wanted = row.opt("unless_module_calls")
        if not wanted:
            return True
        return not any(self._module_calls(w) for w in wanted)

    def _module_calls(self, wanted: str) -> bool:
        """The module calls a function or method of this name (``f(...)``, ``x.f(...)``)."""
        if self._called_names is None:
            found: Set[str] = set()
            fill_all(self.tree)
            for n in _walk_calls(self.tree):
                f = n.func
                name = f.attr.value if type(f) is cst.Attribute else f.value if type(f) is cst.Name else None
                if name is None:
                    continue
                found.add(name)
                first = n.args[0].value if n.args and n.args[0].keyword is None else None
                if type(first) is cst.Attribute:
                    found.add(f"{name}(.{first.attr.value})")
            self._called_names = frozenset(found)
        return wanted in self._called_names

    _called_names: Optional[FrozenSet[str]] = None

    @staticmethod
    def _drop_items(cur: Value, keys: Sequence[object]) -> Optional[Value]:
        """``cur`` without the items under the constant ``keys`` (``creds.pop("private_key")``,
        ``del creds["private_key"]``, a comprehension leaving them out): the taints that only
        those items brought go with them.  ``None`` when ``cur`` does not record them one by one."""
        removed: List[Value] = []
        kept: List[Value] = []
        const = cur.const
        attrs = cur.attrs
        if isinstance(const, dict) and any(k in const for k in keys):
            left = _FrozenDict({k: v for k, v in const.items() if k not in keys})
            removed += [v for k, v in const.items() if k in keys and isinstance(v, Value)]
            kept += [v for v in left.values() if isinstance(v, Value)]
            const = left
        names = {f"[{k}]" for k in keys}
        if any(k in names for k, _ in attrs):
            removed += [v for k, v in attrs if k in names]
            attrs = tuple((k, v) for k, v in attrs if k not in names)
        if not removed:
            return None
        kept += [v for k, v in attrs if k.startswith("[")]
        gone = {id(org) for v in removed for _, org in deep_taints(v)}
        stay = {id(org) for v in kept for _, org in deep_taints(v)}
        taints = tuple(t for t in cur.taints if id(t[1]) not in gone or id(t[1]) in stay)
        return cur.evolve(taints=taints, const=const, attrs=attrs)

    def _other_field(self, base: Value) -> Value:
        """A field of a container other than the ones known to hold secrets."""
        # (one source is one source whichever evaluation made its origin: the key parse_key()
        # put in key_data["key_obj"] is not in key_data["point_size"] because another call of
        # the same function gave the container its label)
        fields = [org for k, v in base.attrs if k.startswith("[") for _, org in deep_taints(v)]
        if not fields:
            return Value(taints=base.taints)
        field_origins = {id(org) for org in fields} | {("at", id(org.node)) for org in fields if org.node is not None}
        return Value(taints=tuple(t for t in base.taints
                                  if id(t[1]) not in field_origins
                                  and (t[1].node is None or ("at", id(t[1].node)) not in field_origins)))

    def _folder_of(self, ident: object) -> Optional[object]:
        """The identity of the folder holding the path ``ident`` (``path.parent``,
        ``os.path.dirname(path)``), linked so that the rules see the path inside it."""
        if ident is None:
            return None
        folder = ("parent", ident)
        self.path_parents.setdefault(ident, set()).add(folder)
        return folder

    def _named_result_guess(self, name: str, value: Value, node: Optional[cst.CSTNode]) -> Optional[Value]:
        """What a call this analysis cannot see into gives, bound to a name that says it is the
        private part (``private_pem, public_pem = generate_keypair()`` of a module outside the scan,
        ``signing_key = await make_signing_key()``): key material, medium confidence, as a
        parameter so named is - only when the function's own name says it makes or holds a key."""
        call = node.expression if type(node) is cst.Await else node
        if type(call) is not cst.Call or not _opaque_text(value, call) or value.ident is not None:
            return None
        low = name.lower()
        if not KEY_NAME_RE.search(name) or any(w in low for w in ("public", "path", "file", "name", "dir", "id")):
            return None
        random = self._random_bytes_call(call) if PRIVATE_VAR_RE.search(name) else None
        if random is not None:
            # private_key = hexlify(os.urandom(32)).decode(): a wallet's key is 32 random bytes
            org = self.origin(f"{L.NAME_GUESS} `{name}` given to random bytes from `{random}()`", call, "medium")
            return value.with_taints(((L.KEY_MATERIAL, org),))
        func = dotted(call.func) if type(call.func) in (cst.Name, cst.Attribute) else None
        short = func.rsplit(".", 1)[-1] if func else ""
        if not short or not KEYGEN_CALL_RE.search(short) or "public" in short.lower() or "cert" in short.lower():
            return None
        label = L.KEY_MATERIAL if re.search(r"pem|bytes|data|der|material|str|text", name, re.I) else L.PRIVATE_KEY
        org = self.origin(f"{L.NAME_GUESS} `{name}` given to what `{func}()` returns", call, "medium")
        return value.with_taints(((label, org),))

    def _random_bytes_call(self, call: cst.Call) -> Optional[str]:
        """The name of the knowledge base's `random_bytes` call ``call`` is made of, through the
        calls and method calls around it (``hexlify(os.urandom(32)).decode().upper()``)."""
        todo: List[cst.CSTNode] = [call]
        while todo:
            node = todo.pop()
            if type(node) is cst.Call:
                func = node.func
                if dotted(func) is not None:  # (a name chain: evaluating it runs no call again)
                    qname = self.eval(func).qname
                    if qname and any(r.opt("random_bytes") for r in self.kb.call_rows(qname)):
                        return qname
                todo.extend(a.value for a in node.args)
                if type(func) is cst.Attribute:
                    todo.append(func.value)
        return None

    def _super_method(self, func: cst.BaseExpression) -> Optional[Value]:
        """``super().name`` (or ``super(Cls, self).name``) in a method: the project base class's
        method bound to this method's own instance, so ``super().__init__(path)`` sets the
        attributes of the object being built (``self._path`` read later by the subclass's methods)."""
        if type(func) is not cst.Attribute or type(func.value) is not cst.Call:
            return None
        inner = func.value
        if type(inner.func) is not cst.Name or inner.func.value != "super" or len(inner.args) not in (0, 2):
            return None
        fn = self.frame.func
        if fn is None or fn.cls is None or _is_static(fn.node) or _is_classmethod(fn.node):
            return None
        params = (*fn.node.params.posonly_params, *fn.node.params.params)
        me = self.frame.env.get(params[0].name.value) if params else None
        if me is None or me.kind != "instance":
            return None
        meth = self._inherited_method(fn.cls, func.attr.value)
        if meth is None:
            return None
        return Value(func=meth, receiver=me, attr=func.attr.value)

    def _overrides(self, cls: ClassRef, name: str) -> List[FunctionRef]:
        """The methods ``name`` of the classes of ``cls``'s module that derive from it (directly or
        through others) and define it (a few)."""
        out: List[FunctionRef] = []
        mod = cls.module
        for c in mod.classes:
            if c is cls or name not in c.methods:
                continue
            seen: Set[int] = set()
            todo = list(mod._base_classes(c))
            while todo:
                b = todo.pop(0)
                if id(b) in seen:
                    continue
                seen.add(id(b))
                if b is cls:
                    out.append(c.methods[name])
                    break
                todo.extend(b.module._base_classes(b))
            if len(out) >= 8:
                break
        return out

    def _inherited_method(self, cls: ClassRef, name: str) -> Optional[FunctionRef]:
        """``name`` from the project classes ``cls`` derives from (nearest bases first, each class once)."""
        seen: Set[int] = {id(cls)}
        todo = list(cls.module._base_classes(cls))
        while todo:
            base = todo.pop(0)
            if id(base) in seen:
                continue
            seen.add(id(base))
            if name in base.methods:
                return base.methods[name]
            todo.extend(base.module._base_classes(base))
        return None

    def _resolved_bases(self, cls: ClassRef) -> Tuple[List[ClassRef], List[str]]:
        """``cls``'s bases resolved once: the project classes, and the qualified names of the
        library classes; a base expression that leads back to the class being resolved (a module
        rebinding the base's name) resolves to nothing."""
        found = self._bases_of.get(id(cls))
        if found is not None:
            return found
        self._bases_of[id(cls)] = ([], [])  # guard while resolving
        project: List[ClassRef] = []
        library: List[str] = []
        for b in cls.bases:
            v = self.lookup(b) if "." not in b else self.eval_dotted(b)
            if v.func is None and v.qname is not None and not v.taints and "." in v.qname:
                # a project class of another module (from .base import KeyStore): its methods are
                # inherited, whatever they mention
                sym = self.resolve_project_symbol(v.qname, load=True)
                if sym is not None and isinstance(sym.func, ClassRef):
                    v = sym
            if isinstance(v.func, ClassRef):
                if v.func is not cls:
                    project.append(v.func)
            elif v.func is None and v.qname is not None and v.qname not in library:
                library.append(v.qname)
        found = self._bases_of[id(cls)] = (project, library)
        return found

    def _base_classes(self, cls: ClassRef) -> List[ClassRef]:
        """The project classes among ``cls``'s bases."""
        return self._resolved_bases(cls)[0]

    def _library_bases(self, cls: ClassRef) -> Tuple[str, ...]:
        """Qualified names of the library classes ``cls`` derives from, directly or through
        project classes (``Command(BaseCommand)`` -> ``django.core.management.base.BaseCommand``)."""
        found = self._library_bases_of.get(id(cls))
        if found is not None:
            return found
        self._library_bases_of[id(cls)] = ()  # guard while resolving
        out = list(self._resolved_bases(cls)[1])
        for base in self._base_classes(cls):
            out.extend(q for q in base.module._library_bases(base) if q not in out)
        found = self._library_bases_of[id(cls)] = tuple(out)
        return found

    def eval_dotted(self, d: str) -> Value:
        parts = d.split(".")
        v = self.lookup(parts[0])
        for p in parts[1:]:
            v = self.get_attribute(v, p, self.tree)
        return v

    def ev_Subscript(self, node: cst.Subscript) -> Value:
        base = self.eval(node.value)
        idx: Optional[Value] = None
        if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
            idx = self.eval(node.slice[0].slice.value)
        else:
            for s in node.slice:
                if type(s.slice) is cst.Slice:
                    for part in (s.slice.lower, s.slice.upper, s.slice.step):
                        if part is not None:
                            self.eval(part)
        if base.kind is not None and base.kind in self.kb.field_kinds and idx is not None and isinstance(idx.const, str):
            return self._response_field(base, idx.const, node, "item")  # acm.export_certificate(...)["PrivateKey"]
        if base.kind == L.ENVIRON:
            if idx is not None and isinstance(idx.const, str) and idx.const in self.kb.temp_env_names:
                org = self.origin(f"${idx.const}", node)
                return Value(taints=((L.TEMP, org), (L.SHARED_TEMP, org)))
            return CLEAN
        if idx is not None and isinstance(idx.const, int) and not isinstance(base.const, tuple):
            fields = self._tuple_fields(base)
            if fields is not None and -len(fields) <= idx.const < len(fields):
                return fields[idx.const]  # kp[0] of a NamedTuple instance: its first field
        if isinstance(base.const, tuple) and idx is not None and isinstance(idx.const, int):
            try:
                item = base.const[idx.const]
                if isinstance(item, Value):
                    return item
            except IndexError:
                pass
        if isinstance(base.const, dict) and idx is not None and isinstance(idx.const, (str, int)):
            item = base.const.get(idx.const)
            if isinstance(item, Value):
                return item
            if base.get_attr(_HELD) is not None:
                return base.get_attr(_HELD)  # type: ignore[return-value]
            known = {id(org) for v in base.const.values() if isinstance(v, Value) for _, org in deep_taints(v)}
            return Value(taints=tuple(t for t in base.taints if id(t[1]) not in known),
                         ident=("item", base.ident, idx.const) if base.ident is not None else None)
        if isinstance(base.func, _Command) and idx is None and node.slice \
                and all(type(s.slice) is cst.Index for s in node.slice):
            # cmd["genpkey", "-out", p]: several words (libcst keeps them as separate elements)
            idx = Value(const=tuple(self.eval(s.slice.value) for s in node.slice))  # type: ignore[union-attr]
        if isinstance(base.func, _Command) and idx is not None:
            # plumbum: cmd["genpkey", "-out", p] is the command with those words bound
            more = idx.const if isinstance(idx.const, tuple) else (idx,)
            return self._command_value(base.func.row, base.func.words + tuple(v for v in more if isinstance(v, Value)))
        if base.qname and not base.taints and idx is not None and base.func is None:
            for row in self.kb.call_rows(f"{base.qname}.__getitem__"):
                if row.effect == "command":
                    # plumbum.local["openssl"]: the library's __getitem__ makes a command object
                    made = self._command_effect(row, None, [idx], {}, node)  # type: ignore[arg-type]
                    if made is not None:
                        return made
        if base.qname and not base.taints:
            if idx is not None and isinstance(idx.const, str) and base.func is None:
                # a library's table of functions by name (SaltStack's __salt__["cmd.run"]): the
                # knowledge base names its entries `table["name"]`
                entry = f'{base.qname}["{idx.const}"]'
                if self.kb.call_rows(entry):
                    return Value(qname=entry)
            return Value(qname=None)
        held = base.get_attr(_HELD) if base.attrs else None
        if held is not None and (idx is None or not isinstance(idx.const, (str, int)) or base.get_attr(f"[{idx.const}]") is None):
            return held  # self._keys[name]: one of the objects put in
        if idx is not None and isinstance(idx.const, (str, int)) and base.attrs:
            field = base.get_attr(f"[{idx.const}]")
            if field is not None:
                return field
            other = self._other_field(base)
            if base.ident is not None and other.ident is None:
                # options["out"] beside a key keyword: still one file when spelled twice
                other = other.evolve(ident=("item", base.ident, idx.const))
            return other
        out = Value(taints=tuple(t for t in base.taints if t[0] != L.PRIVATE_KEY or not _is_tuple_source(base)))
        if base.has(L.PRIVATE_KEY) and _is_tuple_source(base):
            # pkcs12 loaders: (key, cert, additional) -> index 0 is the key
            if idx is not None and idx.const == 0:
                return Value(taints=((L.PRIVATE_KEY, base.origin(L.PRIVATE_KEY)),))
            return CLEAN
        if base.kind == L.BUFFER and any(type(s.slice) is cst.Slice for s in node.slice):
            # view[:16] of a memoryview: a view of the same buffer; buf[:16] of a bytearray: a
            # bytearray copy, as wipeable (one buffer for the wipe rules: judged where it was bound)
            out = out.evolve(kind=L.BUFFER, ident=base.ident)
        elif base.kind == L.BUFFER:
            out = out.evolve(kind=None)
        elif base.ident is not None and idx is not None and isinstance(idx.const, (str, int)) and out.ident is None:
            # options["out"] written and then chmod-ed: one file, spelled the same way twice
            out = out.evolve(ident=("item", base.ident, idx.const))
        return out

    def ev_List(self, node: cst.List) -> Value:
        return self._sequence(node.elements)

    def ev_Tuple(self, node: cst.Tuple) -> Value:
        return self._sequence(node.elements)

    def ev_Set(self, node: cst.Set) -> Value:
        return self._sequence(node.elements)

    def _sequence(self, elements: Sequence[cst.BaseElement]) -> Value:
        items: List[Value] = []
        taints: Tuple = ()
        unknown_tail = False
        choice: Optional[Tuple[int, Value, Value]] = None
        for el in elements:
            v = self.eval(el.value)
            if type(el) is cst.StarredElement:
                if isinstance(v.const, tuple):
                    items.extend(x for x in v.const if isinstance(x, Value))
                else:
                    unknown_tail = True
                    items.append(v.evolve(attr="*"))
            else:
                if choice is None and type(el.value) is cst.IfExp and v.const is UNKNOWN:
                    words = self._word_choice(el.value)
                    if words is not None:
                        choice = (len(items), words[0], words[1])
                items.append(v)
            taints = merge_taints(taints, deep_taints(v))
        out = Value(taints=taints, const=tuple(items), kind="list-unknown-tail" if unknown_tail else None)
        if choice is not None:
            # ["chmod", "a+r" if shared else "g+r", p]: two lists, each read on its own (as an
            # argv built differently on two paths)
            i, a, b = choice
            out = join(out.evolve(const=tuple(items[:i]) + (a,) + tuple(items[i + 1:])),
                       out.evolve(const=tuple(items[:i]) + (b,) + tuple(items[i + 1:])))
        return out

    def _word_choice(self, node: cst.IfExp) -> Optional[Tuple[Value, Value]]:
        """The two different literal strings ``"a+r" if shared else "g+r"`` chooses between (its
        branches string literals or names of constants), else ``None``."""
        if not all(type(n) in (cst.SimpleString, cst.Name, cst.ConcatenatedString) for n in (node.body, node.orelse)):
            return None
        a, b = self.eval(node.body), self.eval(node.orelse)
        if isinstance(a.const, str) and isinstance(b.const, str) and a.const != b.const and not a.taints and not b.taints:
            return a, b
        return None

    def ev_Dict(self, node: cst.Dict) -> Value:
        out: Dict[Any, Value] = {}
        taints: Tuple = ()
        for el in node.elements:
            if type(el) is cst.DictElement:
                k = self.eval(el.key)
                v = self.eval(el.value)
                if isinstance(k.const, (str, int)):
                    out[k.const] = v
                taints = merge_taints(taints, deep_taints(v))
            else:
                v = self.eval(el.value)
                taints = merge_taints(taints, deep_taints(v))
                if isinstance(v.const, dict):
                    out.update(v.const)
        return Value(taints=taints, const=_FrozenDict(out))

    def ev_BinaryOperation(self, node: cst.BinaryOperation) -> Value:
        return self.binop(self.eval(node.left), self.eval(node.right), node.operator, node)

    def binop(self, a: Value, b: Value, op: cst.CSTNode, node: cst.CSTNode) -> Value:
        return _public_half(self._binop(a, b, op, node))

    def _binop(self, a: Value, b: Value, op: cst.CSTNode, node: cst.CSTNode) -> Value:
        taints = merge_taints(deep_taints(a), deep_taints(b))
        const: Any = UNKNOWN
        ac, bc = a.const, b.const
        try:
            if type(op) is cst.BitOr and isinstance(ac, int) and isinstance(bc, int):
                const = ac | bc
            elif type(op) is cst.BitAnd and isinstance(ac, int) and isinstance(bc, int):
                const = ac & bc
            elif type(op) is cst.BitXor and isinstance(ac, int) and isinstance(bc, int):
                const = ac ^ bc
            elif type(op) is cst.Add:
                if isinstance(ac, (str, bytes, int)) and type(ac) is type(bc):
                    const = ac + bc  # type: ignore[operator]
                elif isinstance(ac, tuple) and isinstance(bc, tuple):
                    const = ac + bc
                    out = Value(taints=taints, const=const, kind=a.kind if a.kind == "list-unknown-tail" else b.kind)
                    # cmd += [...] after branches that built cmd differently: every content grows
                    return with_alternatives(out, tuple(self.binop(alt, b, op, node) for alt in list_alternatives(a)))
            elif type(op) is cst.Subtract and isinstance(ac, int) and isinstance(bc, int):
                const = ac - bc
            elif type(op) is cst.Multiply and isinstance(ac, int) and isinstance(bc, int):
                const = ac * bc
            elif type(op) is cst.LeftShift and isinstance(ac, int) and isinstance(bc, int) and bc < 64:
                const = ac << bc
        except Exception:  # pragma: no cover - defensive
            const = UNKNOWN
        if const is UNKNOWN and type(op) is cst.BitOr:
            # old | 0o077 (a umask made from the current one): whatever old is, these bits are set
            floor = bits_set(a) | bits_set(b)
            if floor:
                return Value(taints=taints, attrs=((BITS_SET_ATTR, Value(const=floor)),))
        if type(op) is cst.Divide and (a.kind == L.PATH or b.kind == L.PATH or _path_division(a, b)):
            # pathlib: Path(tmp) / "key.pem" keeps temp-ness; the key-path label comes from the tail
            t = tuple(x for x in a.taints if x[0] in (L.TEMP,)) + tuple(x for x in b.taints if x[0] in (L.TEMP, L.SHARED_TEMP, L.KEY_PATH))
            # Path(d) / "tls.key" spelled twice names one file when its parts are the same
            parts = (_ident_part(a), _ident_part(b))
            v = Value(taints=t, kind=L.PATH, ident=_join_ident("/", parts, node))
            if isinstance(ac, str) and isinstance(bc, str):
                v = v.evolve(const=ac.rstrip("/") + "/" + bc)
            self.path_parents[v.ident] = {x for x in (a.ident, b.ident) if x is not None}
            return v
        if type(op) is cst.Modulo and isinstance(ac, (str, bytes)):
            # "%s" % buf / "%s:%s" % (name, buf): the buffer's bytes copied into an immutable string
            for item in (b.const if isinstance(b.const, tuple) else (b,)):
                if isinstance(item, Value) and item.kind in (L.BUFFER, L.MMAP) and item.is_key:
                    self.emit("immutable-copy", node, data=item, describe=self.code(node))
            if isinstance(ac, str):
                shown = self._shown(b, ac)
                if shown is not b:
                    taints = merge_taints(taints, shown.taints)
                return self._text_value(strings.percent_pieces(ac, b), taints, node, template=ac)
        if const is not UNKNOWN and isinstance(const, (str, bytes)):
            v = self.string_value(const, node).with_taints(taints)
            return v
        if type(op) is cst.Add and isinstance(ac, str) and self.is_temp_text(ac):
            taints = merge_taints(taints, self._temp_taints(ac, node))
        if type(op) is cst.Add and isinstance(bc, str) and is_key_path(bc):
            taints = merge_taints(taints, ((L.KEY_PATH, self.origin(f"key path {bc!r}", node)),))
        # pieces for argv building: "pass:" + pw
        pieces = None
        if type(op) is cst.Add:
            pa = a.pieces if a.pieces is not None else ((ac,) if isinstance(ac, str) else (a,))
            pb = b.pieces if b.pieces is not None else ((bc,) if isinstance(bc, str) else (b,))
            pieces = tuple(pa) + tuple(pb)
        if a.kind == L.BUFFER and type(op) is cst.Add:
            return a.with_taints(tuple((L.KEY_MATERIAL if lbl == L.PRIVATE_KEY else lbl, org) for lbl, org in taints))
        ident = None
        if type(op) is cst.Add and a.ident is not None and isinstance(bc, str):
            ident = ("concat", a.ident, bc)  # key_path + ".new" spelled twice names one file
        return Value(taints=taints, const=const, pieces=pieces, kind=a.kind if a.kind == L.PATH else None, ident=ident)

    def ev_UnaryOperation(self, node: cst.UnaryOperation) -> Value:
        v = self.eval(node.expression)
        if type(node.operator) is cst.Minus and isinstance(v.const, int):
            return Value(const=-v.const)
        if type(node.operator) is cst.BitInvert and isinstance(v.const, int):
            return Value(const=~v.const)
        if type(node.operator) is cst.Not:
            return CLEAN
        return Value(taints=v.taints)

    def ev_BooleanOperation(self, node: cst.BooleanOperation) -> Value:
        a = self.eval(node.left)
        b = self.eval(node.right)
        if type(node.operator) is cst.Or and a.const is None:
            return b
        if type(node.operator) is cst.Or and (a.const is UNKNOWN) and not a.taints and b.taints:
            return join(a, b)
        return join(a, b)

    def ev_Comparison(self, node: cst.Comparison) -> Value:
        self.eval(node.left)
        for c in node.comparisons:
            self.eval(c.comparator)
        return CLEAN

    def ev_IfExp(self, node: cst.IfExp) -> Value:
        self.eval(node.test)
        taken = self._static_test(node.test)
        if taken is not None:
            # () if chmod is None else (chmod,): the caller's argument decides the branch
            return self.eval(node.body if taken else node.orelse)
        a, b = self.eval(node.body), self.eval(node.orelse)
        out = join(a, b)
        ai, bi = worst_mode(a), worst_mode(b)
        if ai is not None and bi is not None and bool(ai & 0o077) != bool(bi & 0o077):
            says = _says_private(node.test)
            if says is not None:
                # 0o600 if private else 0o644 (0o644 if is_cert else 0o600): a private key's file
                # takes the branch its test names, the other mode is for public material
                return a if says else b
        if out.const is UNKNOWN and ai is not None and bi is not None and not out.attrs:
            # 0o640 if shared else 0o600: a mode that may have the bits of either
            out = out.evolve(attrs=((BITS_MAY_ATTR, Value(const=ai | bi)),))
        if L.ENCRYPTION_NONE in (a.kind, b.kind):
            # BestAvailableEncryption(pw) if pw else NoEncryption(): may be unencrypted
            out = out.evolve(kind=L.ENCRYPTION_NONE)
        return out

    def ev_Await(self, node: cst.Await) -> Value:
        return self.eval(node.expression)

    def ev_Yield(self, node: cst.Yield) -> Value:
        func = self.frame.func
        if func is not None and any(self._is_contextmanager_decorator(d.decorator) for d in func.node.decorators):
            self.frame.at_exit = True
        if node.value is not None and type(node.value) is not cst.From:
            v = self.eval(node.value)
            self.frame.returns.append(v)
        elif type(node.value) is cst.From:
            self.frame.returns.append(self.element_of(self.eval(node.value.item)))
        return CLEAN

    def _is_contextmanager_decorator(self, e: cst.BaseExpression) -> bool:
        """``@contextmanager`` / ``@contextlib.asynccontextmanager``, or a name imported as one
        (``from contextlib import contextmanager as cm``)."""
        name = _decorator_name(e)
        if name in ("contextmanager", "asynccontextmanager"):
            return True
        if type(e) is cst.Name:
            v = self.globals.get(e.value)
            return v is not None and v.qname in ("contextlib.contextmanager", "contextlib.asynccontextmanager")
        return False

    def ev_NamedExpr(self, node: cst.NamedExpr) -> Value:
        v = self.eval(node.value)
        self.assign(node.target, v, node.value)
        return v

    def ev_Lambda(self, node: cst.Lambda) -> Value:
        self._lambda_tops.setdefault(id(node), self.top)
        self._lambda_envs[id(node)] = self.frame.env  # (the names it closes over, late-bound as Python does)
        return Value(kind="lambda", func=node)

    def _call_lambda(self, node: cst.Lambda, args: List[Value], kwargs: Dict[str, Value]) -> Value:
        """``writer = lambda p, d: Path(p).write_bytes(d)``; ``writer(path, pem)``: the body evaluated
        with the parameters bound to the call's arguments (what it writes, logs or returns), the
        other names as the scope that made the lambda sees them."""
        params = node.params
        saved = self.frame.env
        env = dict(self._lambda_envs.get(id(node), saved))
        slots, extra, rest = _match_args([*params.posonly_params, *params.params], params.kwonly_params, args, kwargs)
        for p, v in slots:
            env[p.name.value] = v if v is not None else (self.eval(p.default) if p.default is not None else Value())
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = Value(const=tuple(extra), taints=_union(extra, {}))
        if params.star_kwarg is not None:
            # (f(**opts) of a mapping not known here: its keywords are not the ones seen)
            const = UNKNOWN if _UNKNOWN_KEYWORDS in kwargs else _FrozenDict(rest)
            env[params.star_kwarg.name.value] = Value(const=const, taints=_union([], rest))
        self.frame.env = env
        self._lambdas_active = self._lambdas_active | {id(node)}
        saved_top, self.top = self.top, self._lambda_tops.get(id(node), self.top)  # (the statement holding the lambda)
        try:
            return self.eval(node.body)
        finally:
            self._lambdas_active = self._lambdas_active - {id(node)}
            self.frame.env = saved
            self.top = saved_top

    def _lambda_result(self, node: cst.Lambda) -> Value:
        """What a lambda returns for arguments the analysis does not know (its parameters bound to
        nothing, the enclosing names visible): a callback handed to a library (``randfunc=``)."""
        saved = self.frame.env
        env = dict(saved)
        for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
            env[p.name.value] = Value()
        self.frame.env = env
        try:
            return self.eval(node.body)
        finally:
            self.frame.env = saved

    def ev_StarredElement(self, node: cst.StarredElement) -> Value:
        return self.eval(node.value)

    def _comprehension(self, node: Any, elt_nodes: Sequence[cst.BaseExpression]) -> Value:
        saved = dict(self.frame.env)
        comp = node.for_in
        while comp is not None:
            it = self._filtered_items(comp)
            if it is None:
                it = self.eval(comp.iter)
            self.assign(comp.target, self.element_of(it), comp.iter)
            for cond in comp.ifs:
                self.eval(cond.test)
            comp = comp.inner_for_in
        taints: Tuple = ()
        for e in elt_nodes:
            taints = merge_taints(taints, deep_taints(self.eval(e)))
        self.frame.env = saved
        return Value(taints=taints)

    def _filtered_items(self, comp: cst.CompFor) -> Optional[Value]:
        """``for k, v in creds.items() if k != "private_key"`` (or ``k not in ("a", "b")``): the
        items of the mapping without those the condition leaves out, when it records them one by
        one; else ``None``."""
        it = comp.iter
        if not comp.ifs or type(it) is not cst.Call or it.args or type(it.func) is not cst.Attribute \
                or it.func.attr.value != "items" or type(comp.target) is not cst.Tuple or not comp.target.elements \
                or type(comp.target.elements[0].value) is not cst.Name:
            return None
        key_name = comp.target.elements[0].value.value
        excluded: List[object] = []
        for cond in comp.ifs:
            test = cond.test
            if type(test) is not cst.Comparison or len(test.comparisons) != 1:
                return None
            op = type(test.comparisons[0].operator)
            left, right = test.left, test.comparisons[0].comparator
            if op is cst.NotEqual and type(right) is cst.Name and right.value == key_name:
                left, right = right, left
            if type(left) is not cst.Name or left.value != key_name or op not in (cst.NotEqual, cst.NotIn):
                return None
            other = self.eval(right)
            if op is cst.NotEqual and isinstance(other.const, (str, int)):
                excluded.append(other.const)
            elif op is cst.NotIn and isinstance(other.const, (tuple, frozenset, set)):
                words = [x.const if isinstance(x, Value) else x for x in other.const]
                if not all(isinstance(w, (str, int)) for w in words):
                    return None
                excluded += words
            else:
                return None
        recv = self.eval(it.func.value)
        rest = self._drop_items(recv, tuple(excluded))
        if rest is None:
            return None
        return self.call_method(rest, "items", [], {}, it)

    def ev_ListComp(self, node: cst.ListComp) -> Value:
        mapped = self._mapped_sequence(node)
        return mapped if mapped is not None else self._comprehension(node, [node.elt])

    #: a comprehension over a known sequence of at most this many items is mapped item by item
    _MAP_LIMIT = 64

    def _mapped_sequence(self, node: Any) -> Optional[Value]:
        """``[str(c) for c in cmd]`` / ``(os.fspath(a) for a in argv)`` over a sequence whose items
        are known (a command line a wrapper normalizes before running it): the same sequence,
        each item mapped, so the command stays readable. None for other comprehensions."""
        comp = node.for_in
        if comp.inner_for_in is not None or comp.ifs or type(comp.target) is not cst.Name or comp.asynchronous:
            return None
        it = self.eval(comp.iter)
        if not isinstance(it.const, tuple) or it.kind == "list-unknown-tail" or len(it.const) > self._MAP_LIMIT \
                or not all(isinstance(x, Value) for x in it.const):
            return None
        saved = dict(self.frame.env)
        items: List[Value] = []
        taints: Tuple = ()
        try:
            for item in it.const:
                self.frame.env[comp.target.value] = item
                v = self.eval(node.elt)
                items.append(v)
                taints = merge_taints(taints, deep_taints(v))
        finally:
            self.frame.env = saved
        # (the sequence it maps: a helper running it runs its caller's command, call_site_of)
        return Value(const=tuple(items), taints=taints, attrs=((_MAPPED_FROM, it),))

    def ev_SetComp(self, node: cst.SetComp) -> Value:
        return self._comprehension(node, [node.elt])

    def ev_GeneratorExp(self, node: cst.GeneratorExp) -> Value:
        mapped = self._mapped_sequence(node)
        return mapped if mapped is not None else self._comprehension(node, [node.elt])

    def ev_DictComp(self, node: cst.DictComp) -> Value:
        return self._comprehension(node, [node.key, node.value])

    def element_of(self, v: Value) -> Value:
        if isinstance(v.const, tuple) and len(v.const) == 1 and isinstance(v.const[0], Value) \
                and isinstance(v.const[0].const, (tuple, _FrozenDict)) and v.kind != "list-unknown-tail":
            # for name, key in store.items(): the (name, object) pair; for inst in [key_args]: the
            # mapping itself, its items kept (inst["kty"] is the key type, inst["priv_key"] the key)
            return v.const[0]
        if isinstance(v.const, tuple):
            out = CLEAN
            for item in v.const:
                if isinstance(item, Value):
                    out = join(out, item) if out is not CLEAN else item
            return out.evolve(const=UNKNOWN) if out is not CLEAN else Value(taints=v.taints)
        if v.has(L.PRIVATE_KEY) and _is_tuple_source(v):
            return Value(taints=v.taints)
        if _dict_keys_clean(v):
            return CLEAN  # for name in kwargs / for name in cache: the keys of the mapping
        return Value(taints=v.taints, kind=v.kind if v.kind in (L.FD, L.SOCKET, L.TLS_SOCKET) else None)

    def enter_value(self, cm: Value, node: cst.CSTNode, asynchronous: bool = False) -> Value:
        """What ``with cm as x`` binds."""
        if cm.kind == L.TEMP_DIR:
            return Value(taints=cm.taints, ident=cm.ident)
        if cm.kind in (L.FILE_HANDLE, L.FD, L.SOCKET, L.TLS_SOCKET, L.SHARED_MEMORY, L.MMAP, L.LOGGER, L.BUFFER):
            return cm
        enter = self._cm_method(cm, ("__aenter__", "__enter__") if asynchronous else ("__enter__",))
        if enter is not None:
            return self.call_user_function(enter, [], {}, self_value=cm)
        return cm

    def _cm_method(self, cm: Value, names: Tuple[str, ...]) -> Optional[FunctionRef]:
        """The first of ``names`` the class of the context-manager instance ``cm`` defines or inherits."""
        if isinstance(cm.func, ClassRef) and cm.kind == "instance":
            for name in names:
                fn = cm.func.methods.get(name) or self._inherited_method(cm.func, name)
                if fn is not None:
                    return fn
        return None

    # ------------------------------------------------------------------ calls
    _into_buffer: Set[int] = set()
    #: calls with a ``**`` expansion whose keywords are unknown (ids of the call nodes)
    _unknown_kwargs: FrozenSet[int] = frozenset()
    #: lambdas being evaluated by _call_lambda (a lambda that reaches itself is not followed again)
    _lambdas_active: FrozenSet[int] = frozenset()

    def ev_Call(self, node: cst.Call) -> Value:
        return self._evaluate_call(node)[0]

    def _evaluate_call(self, node: cst.Call) -> Tuple[Value, Value, List[Value], Dict[str, Value]]:
        """(result, callee, positional arguments, keyword arguments) of a call."""
        fval = self._super_method(node.func) or self.eval(node.func)
        if fval.qname is not None and any(r.effect == "buffer" for r in self.kb.call_rows(fval.qname)):
            # bytearray(key.private_bytes(...)): the serialization goes straight into a wipeable buffer
            self._into_buffer = self._into_buffer | {id(a.value) for a in node.args}
        args: List[Value] = []
        kwargs: Dict[str, Value] = {}
        star = unknown_kwargs = False
        for a in node.args:
            v = self.eval(a.value)
            if a.keyword is not None:
                kwargs[a.keyword.value] = v
            elif a.star == "**":
                if isinstance(v.const, dict):
                    kwargs.update({k: x for k, x in v.const.items() if isinstance(k, str)})
                else:
                    # f(**kwargs) of a dict not known here: any keyword may be in it
                    unknown_kwargs = True
                star = True
            elif a.star == "*":
                if isinstance(v.const, tuple):
                    args.extend(x for x in v.const if isinstance(x, Value))
                else:
                    args.append(v)
                    star = True
            else:
                args.append(v)
        if unknown_kwargs:
            # (for this evaluation of the call only: the same wrapper called with known keywords
            # elsewhere - mkstemp(prefix=p), no dir= - has its file in the temporary directory;
            # a project function called so gets a **kwargs of unknown contents, _bind_params)
            if isinstance(fval.func, (FunctionRef, ClassRef)):
                kwargs.setdefault(_UNKNOWN_KEYWORDS, Value())
            saved = self._unknown_kwargs
            self._unknown_kwargs = saved | {id(node)}
            try:
                result = self.call(fval, args, kwargs, node, star)
            finally:
                self._unknown_kwargs = saved
        else:
            result = self.call(fval, args, kwargs, node, star)
        self._after_wipe(node, fval)
        return result, fval, args, kwargs

    def _raised(self, expr: cst.BaseExpression) -> Value:
        """The object a ``raise`` statement raises.  ``raise CommandError(f"... {pem!r}")`` of a
        class the scan does not read (django's CommandError, requests' HTTPError, FastAPI's
        HTTPException(detail=...)): whatever the class, what it is given is its message.  A project
        function or class (its ``__init__``), a project object's method and a class the knowledge
        base knows keep what their analysis says."""
        if type(expr) is not cst.Call:
            return self.eval(expr)
        result, fval, args, kwargs = self._evaluate_call(expr)
        if result.is_key or not (args or kwargs) or not self._opaque_callee(fval):
            return result
        return result.with_taints(_union(args, kwargs))

    def _opaque_callee(self, fval: Value) -> bool:
        """A callee neither the project nor the knowledge base says anything about."""
        if fval.func is not None or fval.kind == "lambda":
            return False
        if fval.receiver is not None:
            return not isinstance(fval.receiver.func, ClassRef)  # self.error(pem): the project's method
        qname = fval.qname
        if qname is None:
            return True  # raise exc_type(msg) of a parameter
        if self.kb.call_rows(qname):
            return False
        return "." not in qname or self.project.resolve_module(qname.rpartition(".")[0]) is None

    def _after_wipe(self, node: cst.Call, fval: Value) -> None:
        """``wipe(buf)``, ``ctypes.memset(...)``, ``buf.wipe()``: the buffer holds zeros from here on."""
        name = (dotted(node.func) or fval.qname or fval.attr or "").rsplit(".", 1)[-1]
        if not name:
            return
        targets: List[cst.BaseExpression] = []
        if name in self._wipe_names:
            targets = [a.value for a in node.args]
        elif fval.receiver is not None and fval.receiver.kind == L.BUFFER and name in self.kb.wipe_methods \
                and type(node.func) is cst.Attribute:
            targets = [node.func.value]
        for t in targets:
            if type(t) is cst.Name:
                cur = self.lookup(t.value)
                if cur.kind == L.BUFFER and cur.is_key:
                    self.bind(t.value, cur.evolve(taints=tuple(x for x in cur.taints if x[0] not in L.KEY_LABELS)))

    @property
    def _wipe_names(self) -> FrozenSet[str]:
        return self.kb.wipe_function_names

    def call(self, fval: Value, args: List[Value], kwargs: Dict[str, Value], node: cst.Call, star: bool = False) -> Value:
        # user functions and classes
        if isinstance(fval.func, FunctionRef):
            fn = fval.func
            if fn.cls is not None and fval.receiver is not None and fval.receiver.kind == "instance" \
                    and fval.receiver.func is fn.cls and _abstract_body(fn.node):
                overrides = self._overrides(fn.cls, fn.name)
                if overrides:
                    # self.put(name, pem) in a base class whose put() is abstract: what the
                    # subclasses of this module do with it (each override, joined)
                    out: Optional[Value] = None
                    for o in overrides:
                        r = self.call_user_function(o, args, kwargs, self_value=fval.receiver, call_node=node)
                        out = r if out is None else join(out, r)
                    return out or CLEAN
            return self.call_user_function(fn, args, kwargs, self_value=fval.receiver, call_node=node)
        if isinstance(fval.func, ClassRef):
            inst = self._instance_value(fval.func, node)
            init = fval.func.methods.get("__init__") or self._inherited_method(fval.func, "__init__")
            if init is not None:
                self.call_user_function(init, args, kwargs, self_value=inst, call_node=node)
            else:
                self._record_fields(fval.func, args, kwargs)
                own = self._record_constants(fval.func, args, kwargs)
                if own:
                    inst = inst.evolve(attrs=own)
                if kwargs and fval.func.bases and not self._is_record(fval.func):
                    self._model_fields(fval.func, kwargs)
            if any(b.endswith(("Error", "Exception", "Warning")) for b in fval.func.bases) or \
                    fval.func.name.endswith(("Error", "Exception")):
                inst = inst.with_taints(tuple(t for t in _union(args, kwargs) if t[0] in L.KEY_LABELS))
            return inst
        if fval.kind == "lambda":
            if type(fval.func) is cst.Lambda and id(fval.func) not in self._lambdas_active \
                    and id(fval.func) in self._lambda_tops:
                # (a lambda of this module: one imported from another is not followed)
                return self._call_lambda(fval.func, args, kwargs)
            return Value(taints=_union(args, kwargs))
        if isinstance(fval.func, _Command):
            # sh.openssl("genrsa", ...), local["openssl"]["genpkey", ...](): the program runs
            return self._run_command(fval.func, args, kwargs, node)
        if isinstance(fval.func, _TupleRecordType):
            return self._tuple_record(fval.func, args, kwargs)
        if isinstance(fval.func, _Partial):
            # functools.partial(f, a, k=v)(b): f(a, b, k=v)
            bound = fval.func
            return self.call(bound.target, list(bound.args) + list(args), {**dict(bound.kwargs), **kwargs}, node, star)
        if fval.qname == "vars" and len(args) == 1 and args[0].kind == _CLI_NAMESPACE:
            # vars(parser.parse_args()): the options' values by default under their names
            return Value(const=_FrozenDict(args[0].attrs))
        if fval.qname in _OBJECT_DUMPS and args and isinstance(args[0].func, ClassRef) and args[0].kind == "instance":
            # asdict(peer) / vars(peer): every field of the instance, key fields included
            return Value(taints=_union(list(args[0].func.attrs.values()), {}))
        if fval.qname in ("list", "tuple") and fval.receiver is None and len(args) == 1 and not kwargs \
                and isinstance(args[0].const, tuple):
            # list(argv): a copy of a known sequence, the same items
            mapped = args[0].get_attr(_MAPPED_FROM) if args[0].attrs else None
            return Value(const=args[0].const, taints=args[0].taints, kind=args[0].kind,
                         attrs=((_MAPPED_FROM, mapped),) if mapped is not None else ())
        if fval.qname in _KEY_VIEWS and fval.receiver is None and len(args) == 1 and not kwargs \
                and _dict_keys_clean(args[0]):
            return CLEAN  # list(cache) / sorted(cache): the names, not the cached keys
        if fval.qname is not None and fval.receiver is None:
            qname = fval.qname
            rows = self.kb.call_rows(qname)
            confidence = "high"
            if not rows:
                cmd = self._command_member(qname)
                if cmd is not None:
                    return self.call(cmd, args, kwargs, node, star)
            if not rows and args:
                unbound = self._unbound_method(qname, args[0])
                if unbound is not None:
                    # Path.open(Path(p), "wb") / Path.write_bytes(p, data): the method of argument 0
                    return self.call_method(unbound, qname.rpartition(".")[2], args[1:], kwargs, node)
            if not rows:
                tainted = any(_worth_following(v) for v in args) or any(_worth_following(v) for v in kwargs.values()) \
                    or any(self.project.key_file_idents.intersection(_file_idents(v))
                           for v in (*args, *kwargs.values()))
                mod_path = self.project.resolve_module(qname.rpartition(".")[0]) if "." in qname else None
                symbol = qname[len(qname.rpartition(".")[0]) + 1:] if mod_path else ""
                load = mod_path is not None and (tainted or self.project.worth(mod_path, symbol))
                sym = self.resolve_project_symbol(qname, load=load)
                if sym is not None and (isinstance(sym.func, (FunctionRef, ClassRef))):
                    return self.call(sym, args, kwargs, node, star)
                if sym is not None and sym.func is None and sym.qname and sym.qname != qname \
                        and not sym.taints and sym.qname not in self._following:
                    # a package's __init__ re-exports it (from .material import generate_material)
                    self._following.add(sym.qname)
                    try:
                        return self.call(Value(qname=sym.qname), args, kwargs, node, star)
                    finally:
                        self._following.discard(sym.qname)
                if sym is None and mod_path is not None and not load and symbol[:1].isupper() and "." not in symbol:
                    # DeviceStore(root) of a module not worth parsing yet: an instance whose class is
                    # resolved when one of its methods is handed key material (store.save(name, pem))
                    self.project.lazy_ctors[id(node)] = (qname, list(args), dict(kwargs))
                    return Value(kind=_LAZY_INSTANCE, ident=("lazy", id(node)))
                short = ".".join(qname.split(".")[-2:])
                if "." in qname:
                    rows = self.kb.short_rows(short)
                    confidence = "medium"
                obj, _, method = qname.rpartition(".")
                if not rows and method in _LOG_METHODS and "." in obj and self._looks_like_logger(node) \
                        and self.project.resolve_module(obj.rpartition(".")[0]) is not None:
                    # a logger imported from the project's own module: from app.log import logger
                    return self.apply_rows(self.kb.method_rows(method), method, Value(kind=L.LOGGER, qname=qname),
                                           args, kwargs, node, "medium")
            if rows:
                return self.apply_rows(rows, qname, None, args, kwargs, node, confidence)
            if self._cleanup_callback(qname.rsplit(".", 1)[-1], args, node):
                return CLEAN
            # remember what was constructed (curve classes, encryption objects ...)
            return self.unknown_call(args, kwargs, node).evolve(attr="call:" + qname)
        if fval.receiver is not None and fval.attr is not None:
            manager = fval.receiver
            if fval.attr in _MODEL_MANAGER_CREATE and manager.attr == "objects" and manager.receiver is not None \
                    and isinstance(manager.receiver.func, ClassRef) and manager.receiver.kind != "instance" and kwargs:
                # Signer.objects.create(key_pem=pem): a Django manager makes and saves an instance
                # of the model from the keywords, as Signer(key_pem=pem) does
                return self.call(manager.receiver, [], kwargs, node)
            return self.call_method(fval.receiver, fval.attr, args, kwargs, node)
        return self.unknown_call(args, kwargs, node)

    def _unbound_method(self, qname: str, first: Value) -> Optional[Value]:
        """``<library class>.<method>`` called through the class (``pathlib.Path.write_bytes``): the
        receiver argument 0 as an instance of that class, when a ``kind`` row says what the class's
        instances are (``path``) and a method row for that kind knows the method; else ``None``."""
        owner, _, meth = qname.rpartition(".")
        if not owner:
            return None
        for r in self.kb.call_rows(owner):
            if r.effect == "kind" and r.kind and any(m.on == r.kind for m in self.kb.method_rows(meth)):
                return first if first.kind == r.kind else first.evolve(kind=r.kind)
        return None

    def _tuple_record(self, rt: _TupleRecordType, args: List[Value], kwargs: Dict[str, Value]) -> Value:
        """``Keypair(pem, pub)`` of a ``namedtuple`` type: a tuple of the items (unpacked, indexed,
        printed whole as any tuple) whose fields are read by name, each holding its own item."""
        items = [kwargs.get(name, args[i] if i < len(args) else CLEAN) for i, name in enumerate(rt.names)]
        taints: Tuple = ()
        for v in items:
            taints = merge_taints(taints, deep_taints(v))
        return Value(const=tuple(items), taints=taints, kind=_TUPLE_RECORD,
                     attrs=tuple(("." + name, v) for name, v in zip(rt.names, items)))

    def unknown_call(self, args: List[Value], kwargs: Dict[str, Value], node: cst.Call, carries_material: bool = False) -> Value:
        """A call the knowledge base does not know.

        Its result is not assumed to be key material (``rc = deploy(host, pem)`` is a status, a
        token or a handle far more often than a copy of the key: propagating here was the main
        source of false alarms on real code), except for methods of the material itself
        (``pem.splitlines()``, ``carries_material``).  Temporary locations and weak randomness do
        flow through (paths are built and numbers derived by helpers everywhere)."""
        taints: Tuple = ()
        keep = (L.TEMP, L.SHARED_TEMP, L.WEAK_RANDOM) + ((L.KEY_MATERIAL, L.PASSPHRASE, L.UNENCRYPTED, L.PICKLED) if carries_material else ())
        for v in list(args) + list(kwargs.values()):
            for lbl, org in deep_taints(v):
                if lbl in keep:
                    # material assumed from a parameter's name is not pushed through calls the
                    # knowledge base does not know: a guess plus an unknown function is noise
                    if org.confidence == "high":
                        taints = merge_taints(taints, ((lbl, org),))
        return Value(taints=taints)

    def _cleanup_callback(self, name: str, args: List[Value], node: cst.Call) -> bool:
        """``stack.callback(os.unlink, p)``, ``atexit.register(os.remove, p)``, ``weakref.finalize(o, os.unlink, p)``:
        a removal that runs on every way out."""
        if name not in _CLEANUP_REGISTRARS:
            return False
        for i, a in enumerate(args):
            if a.qname and any(r.effect == "remove" for r in self.kb.call_rows(a.qname)) and i + 1 < len(args):
                self.context.append("finally")
                try:
                    self.emit("remove", node, path=args[i + 1], describe=a.qname)
                finally:
                    self.context.pop()
                return True
        return False

    def call_method(self, recv: Value, name: str, args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        if recv.kind == _LAZY_INSTANCE:
            inst = self._materialize(recv, args, kwargs, node)
            if inst is not None:
                fn = inst.func.methods.get(name) or self._inherited_method(inst.func, name)  # type: ignore[union-attr]
                if fn is not None:
                    return self.call_user_function(fn, args, kwargs, self_value=inst, call_node=node)
            recv = Value(taints=recv.taints)
        if self._cleanup_callback(name, args, node):
            return CLEAN
        if recv.kind == _TUPLE_RECORD and recv.attrs:
            made = recv.get_attr("()" + name)
            if made is not None:
                return made  # proc.communicate() of a key tool: (the key, its diagnostics)
        if recv.kind == "instance" and isinstance(recv.func, ClassRef):
            base = self._record_base(recv.func)
            rows = self.kb.call_rows(f"{base}.{name}") if base else ()
            if rows:
                # m.model_dump_json() of a pydantic model: the library's method over its fields
                return self.apply_rows(rows, f"{base}.{name}", self._record_dump(recv), args, kwargs, node, "high")
        if name == "keys" and not args and not kwargs and _dict_keys_clean(recv):
            return CLEAN
        if isinstance(recv.const, tuple) and name in ("append", "extend", "insert") and args \
                and type(node.func) is cst.Attribute and type(node.func.value) in (cst.Name, cst.Attribute):
            # argv.append("-out") / argv.extend([...]): the list grows in place
            item = args[-1]
            if name == "extend":
                more = item.const if isinstance(item.const, tuple) else (item.evolve(attr="*"),)
            else:
                more = (item,)
            grown = recv.evolve(const=recv.const + tuple(more), taints=merge_taints(recv.taints, deep_taints(item)))
            if name == "extend" and not isinstance(item.const, tuple):
                grown = grown.evolve(kind="list-unknown-tail")
            alts = list_alternatives(recv)
            if alts and name != "insert":
                grown = with_alternatives(grown, tuple(
                    alt.evolve(const=alt.const + tuple(more), taints=merge_taints(alt.taints, deep_taints(item)),
                               kind=grown.kind if grown.kind == "list-unknown-tail" else alt.kind)
                    for alt in alts))
            else:
                grown = grown.evolve(alts=())
            if type(node.func.value) is cst.Name:
                self.bind_mutated(node.func.value.value, grown)
            else:
                self.assign(node.func.value, grown, node)
            return CLEAN
        if name in ("update", "setdefault") and recv.kind is None and recv.func is None \
                and type(node.func) is cst.Attribute and type(node.func.value) in (cst.Name, cst.Attribute):
            # env.update(P=pw) / env.update({"P": pw}) / env.setdefault("P", pw): as env["P"] = pw
            container = node.func.value
            for key, value in _mapping_items(name, recv, args, kwargs):
                self._store_item(container, self.eval(container) if type(container) is cst.Attribute else recv,
                                 key, value, node)
            if name == "update":
                return CLEAN
        if name == "get" and args and isinstance(args[0].const, str) and recv.kind is not None \
                and recv.kind in self.kb.field_kinds:
            return self._response_field(recv, args[0].const, node, "item")  # resp.get("PrivateKey")
        if name == "pop" and args and isinstance(args[0].const, (str, int)) and type(node.func) is cst.Attribute \
                and type(node.func.value) is cst.Name:
            # creds.pop("private_key"): the mapping no longer holds that item
            rest = self._drop_items(recv, (args[0].const,))
            if rest is not None:
                self.bind_mutated(node.func.value.value, rest)
        if name == "get" and len(args) == 2 and not kwargs and isinstance(args[0].const, str) \
                and type(args[1].const) is int and not recv.taints and recv.kind is None and recv.func is None \
                and recv.qname is None and not isinstance(recv.const, (dict, tuple)) and not recv.attrs:
            # settings.get("rsa_bits", 1024) of a mapping the scan knows nothing about: the number
            # used when the setting is not given (as os.getenv's default)
            return args[1].evolve(ident=None)
        if name in ("get", "pop", "setdefault") and args and isinstance(args[0].const, (str, int)) \
                and isinstance(recv.const, dict):
            item = recv.const.get(args[0].const)
            default = args[1] if len(args) > 1 else CLEAN
            return join(item, default) if isinstance(item, Value) else default
        if name in ("get", "pop", "setdefault") and args and isinstance(args[0].const, (str, int)) and recv.attrs \
                and any(k.startswith("[") for k, _ in recv.attrs):
            field = recv.get_attr(f"[{args[0].const}]")
            default = args[1] if len(args) > 1 else CLEAN
            return join(field, default) if field is not None else join(self._other_field(recv), default)
        if name in ("encode", "decode") and recv.kind is None and recv.func is None \
                and (isinstance(recv.const, (str, bytes)) or recv.pieces is not None):
            # "openssl".encode() / f"{tmp}/k.pem".encode(): the same text in the other type (a
            # command line a run helper encodes stays readable)
            text = recv.const.decode("utf-8", "replace") if isinstance(recv.const, bytes) else recv.const
            return Value(const=text, pieces=recv.pieces, taints=recv.taints, ident=recv.ident)
        if name == "format" and isinstance(recv.const, str):
            pieces = strings.format_pieces(recv.const, args, strings.kwargs_of(kwargs))
            if pieces is not None:
                shown = _union([self._shown(a, recv.const) for a in args], {k: self._shown(a, recv.const) for k, a in kwargs.items()})
                return _public_half(self._text_value(pieces, merge_taints(shown, recv.taints), node, template=recv.const))
        if name == "join" and isinstance(recv.const, str) and args and isinstance(args[0].const, tuple):
            parts: List[object] = []
            for i, item in enumerate(args[0].const):
                if i:
                    parts.append(recv.const)
                parts.extend(item.pieces if (isinstance(item, Value) and item.pieces is not None)
                             else ((item.const,) if isinstance(item, Value) and isinstance(item.const, str) else (item,)))
            return self._text_value(parts, deep_taints(args[0]), node)
        if name == "split" and not kwargs and (not args or args[0].const == " ") \
                and (isinstance(recv.const, str) or recv.pieces is not None):
            # "openssl genrsa -out /tmp/k.pem 2048".split(): a command line into argv words
            if isinstance(recv.const, str):
                words = recv.const.split() if not args else [w for w in recv.const.split(" ") if w]
                return Value(taints=recv.taints, const=tuple(self.string_value(w, node) for w in words))
            return self._text_op("shell-split", recv, Value(taints=recv.taints), node)
        if name in ("read_bytes", "read_text", "read") and not recv.is_key:
            back = self._key_file_read(recv) if self.project.key_files else None
            if back is None and self._key_path_named_here(recv):
                # a private key file named by the code reading it: what a WireGuard wizard reads
                # from /etc/wireguard/.../privatekey (made by `wg genkey | tee` under a shell
                # umask) into a new wg0.conf (a generic reader given a path is not: asyncssh's
                # read_file(filename) loading ~/.ssh/id_ed25519 for its caller)
                back = self._file_contents(recv, node)
            if back is not None:
                return back
        if name == "copy" and not args and not kwargs and isinstance(recv.const, dict) and recv.func is None \
                and recv.qname is None:
            # argdict = kwargs.copy(): the same items (mkdtemp(**argdict) is told its keywords)
            return recv.evolve(ident=None)
        held = recv.get_attr(_HELD) if recv.attrs else None
        if held is not None:
            # a container of project objects (self._keys[name] = key): what reading it gives
            if name in ("get", "pop", "setdefault"):
                return held
            if name == "values":
                return Value(const=(held,))
            if name == "items":
                return Value(const=(Value(const=(CLEAN, held)),))
        if name == "items" and not args and not kwargs and recv.kind is None and recv.func is None \
                and recv.taints and (isinstance(recv.const, dict) or recv.const is UNKNOWN):
            # for name, value in params.items(): a mapping's material is in its values (a dict
            # display's taint is its values'), the names are the caller's keywords or literals
            vals = [v for v in recv.const.values() if isinstance(v, Value)] if isinstance(recv.const, dict) else []
            value = Value(taints=recv.taints)
            for v in vals:
                value = join(value, v)
            return Value(const=(Value(const=(CLEAN, value)),))
        if recv.kind is None and recv.func is None and name in _PATH_ONLY_METHODS:
            recv = recv.evolve(kind=L.PATH)
        rows = [r for r in self.kb.method_rows(name) if self._receiver_matches(r.on, recv)]
        if recv.kind is not None and any(r.on == recv.kind for r in rows):
            # the library's own row beats a generic one (a shared mapping keeps its buffer rows)
            rows = [r for r in rows if r.on == recv.kind or (r.on == L.BUFFER and recv.kind == L.MMAP)]
        if rows:
            return self.apply_rows(tuple(rows), name, recv, args, kwargs, node, "high")
        # loggers by name when unresolved: log.info(...), self.logger.debug(...)
        if name in _LOG_METHODS and self._looks_like_logger(node):
            return self.apply_rows(self.kb.method_rows(name), name, recv.evolve(kind=L.LOGGER), args, kwargs, node, "medium")
        if recv.kind == L.TEMP_DIR and name == "__enter__":
            return Value(taints=recv.taints)
        if recv.is_key and recv.has(L.PRIVATE_KEY) and not recv.has(L.KEY_MATERIAL):
            return CLEAN  # unknown method of a key object: sign(), verify() ... no key material out
        if recv.kind is None and recv.func is None and recv.qname is None and not recv.taints \
                and _KEY_GETTER_RE.match(name):
            # cert.get_decrypted_private_key() of a certificate object a plugin backend returns:
            # the getter's name says what it gives (medium confidence)
            org = self.origin(f"what `{self.code(node.func)}()` returns (a private key by its name)", node, "medium")
            return Value(taints=((L.KEY_MATERIAL, org),))
        # str/bytes methods on material, and generic methods: the receiver's material flows through
        material = recv.has(L.KEY_MATERIAL) or recv.has(L.PASSPHRASE)
        out = self.unknown_call([recv] + list(args), kwargs, node, carries_material=material)
        if recv.kind == L.PATH and name not in _PATH_CONTENT_METHODS:
            out = out.evolve(kind=L.PATH)  # (p.resolve(), p.expanduser(): the same file)
        return out

    def _inherited_cwd(self) -> Optional[Value]:
        """The working directory an ``os.chdir`` of this frame or of a caller's set, if any."""
        frame: Optional[Frame] = self.frame
        while frame is not None:
            v = frame.env.get(_CWD)
            if v is not None:
                return v
            frame = frame.caller
        return None

    def _looks_like_logger(self, node: cst.Call) -> bool:
        func = node.func
        if type(func) is cst.Attribute:
            base = func.value
            if type(base) is cst.Name:
                return bool(LOGGER_NAME_RE.match(base.value))
            if type(base) is cst.Attribute:
                return bool(LOGGER_NAME_RE.match(base.attr.value))
        return False

    def _receiver_matches(self, on: Optional[str], recv: Value) -> bool:
        if on is None:
            return False
        if on == "*":
            return True
        if recv.kind == on or (on == L.BUFFER and recv.kind == L.MMAP):
            return True  # (a shared mapping is a wipeable buffer too)
        return recv.has(on)

    # ------------------------------------------------------------------ knowledge-base effects
    def arg(self, spec: Optional[ArgSpec], args: List[Value], kwargs: Dict[str, Value], recv: Optional[Value] = None) -> Optional[Value]:
        if spec is None:
            return None
        if spec.receiver and recv is not None and spec.pos is None and spec.kw is None:
            return recv
        if spec.kw is not None and spec.kw in kwargs:
            return kwargs[spec.kw]
        if spec.pos is not None and spec.pos < len(args):
            return args[spec.pos]
        return None

    def args_for(self, spec: Optional[ArgSpec], args: List[Value], kwargs: Dict[str, Value], recv: Optional[Value]) -> List[Value]:
        if spec is None:
            return []
        out: List[Value] = []
        if spec.receiver and recv is not None:
            out.append(recv)
        if spec.star:
            out.extend(args)
            out.extend(kwargs.values())
        else:
            v = self.arg(ArgSpec(spec.pos, spec.kw), args, kwargs)
            if v is not None:
                out.append(v)
        return out

    def apply_rows(
        self,
        rows: Sequence[Row],
        qname: str,
        recv: Optional[Value],
        args: List[Value],
        kwargs: Dict[str, Value],
        node: cst.Call,
        confidence: str,
    ) -> Value:
        result: Optional[Value] = None
        desc = dotted(node.func) or self.code(node.func)
        for row in rows:
            eff = row.effect
            if row.spec("applies_if") is not None:
                flag = self.arg(row.spec("applies_if"), args, kwargs)
                if flag is None or (flag.const in (False, None, 0) and not flag.taints):
                    continue
            if eff == "source":
                if self._row_excluded(row, args, kwargs):
                    continue  # stem create_ephemeral_hidden_service(key_type="ED25519-V3"): the caller's key
                result = self._source(row, desc, recv, args, kwargs, node, confidence, result)
                if row.spec("seed") is not None:
                    self._seed_argument(row.spec("seed"), args, kwargs, node, desc, confidence)
            elif eff == "propagate":
                src = self.args_for(row.spec("from"), args, kwargs, recv)
                objects = row.opt("objects")
                if objects and len(src) == 1 and isinstance(src[0].const, str) and src[0].const in objects:
                    # click.get_text_stream("stdout"): the object so named (sys.stdout)
                    named = Value(qname=str(objects[src[0].const]))
                    result = named if result is None else join(result, named)
                    continue
                if row.opt("unwraps"):
                    # secret.get_secret_value(): what the masked wrapper holds
                    src = [self.project.masked.get(x.ident, x) if x.kind == "masked-secret" else x for x in src]
                if row.opt("masks"):
                    # SecretStr(pem): a wrapper whose text hides the value
                    inner = src[0] if len(src) == 1 else Value(taints=_union(src, {}))
                    v = self._mask(inner, ("masked", id(node)))
                    result = v if result is None else join(result, v)
                    continue
                if row.opt("fallback"):
                    # os.getenv("OPENSSL", "openssl"): only the value by default is known statically
                    v = src[0] if len(src) == 1 else CLEAN
                    if row.opt("empty_is_unset") and v.const in ("", b""):
                        v = CLEAN  # os.environ.get("KEY_PASS", ""): the variable's value, unknown
                    if row.opt("record_kwargs") and v.kind == "instance" and isinstance(v.func, ClassRef):
                        # dataclasses.replace(kp, key_pem=new) / m.model_copy(update={...}): new field values
                        if row.opt("record_kwargs") is True:
                            self._record_fields(v.func, [], kwargs)
                        else:
                            upd = kwargs.get(str(row.opt("record_kwargs")))
                            if upd is not None and isinstance(upd.const, dict):
                                self._record_fields(v.func, [], {str(k): x for k, x in upd.const.items()
                                                                 if isinstance(x, Value)})
                    result = v if result is None else join(result, v)
                    continue
                taints: Tuple = ()
                if qname in _SHOWING_CALLS:
                    src = [self._shown(v, "%r" if qname in ("repr", "ascii") else None) for v in src]
                for v in src:
                    taints = merge_taints(taints, deep_taints(v))
                mapping = row.opt("map")
                if mapping:
                    a, _, b = mapping.partition(":")
                    taints = tuple((b if lbl == a else lbl, org) for lbl, org in taints)
                    taints = merge_taints((), taints)
                mark = row.opt("marks")
                if mark and any(lbl in L.KEY_LABELS for lbl, _ in taints):
                    taints = merge_taints(taints, ((mark, self.origin(desc, node)),))
                v = Value(taints=taints)
                if len(src) == 1 and src[0].ident is not None and row.opt("same_file"):
                    v = v.evolve(ident=src[0].ident, const=src[0].const if isinstance(src[0].const, str) else UNKNOWN)
                if len(src) == 1 and row.opt("same_file") and src[0].pieces is not None and v.const is UNKNOWN:
                    v = v.evolve(pieces=src[0].pieces)  # str(f"{tmp}/k.pem"): the same text, holes included
                elif len(src) == 1 and row.opt("same_file") and isinstance(src[0].const, str) and v.const is UNKNOWN:
                    v = v.evolve(const=src[0].const)  # str("openssl"): the same text
                if row.opt("path_split") and len(src) == 1:
                    # head, tail = os.path.split(path): the folder holding the path and its name
                    whole = src[0]
                    head = Value(taints=taints, ident=self._folder_of(whole.ident))
                    tail = Value(taints=taints, ident=_join_ident("os.path.basename", (whole.ident,), node)
                                 if whole.ident is not None else None)
                    if isinstance(whole.const, str):
                        h, t = posixpath.split(whole.const)
                        head, tail = head.evolve(const=h), tail.evolve(const=t)
                    v = Value(taints=taints, const=(head, tail))
                    result = v if result is None else join(result, v)
                    continue
                if row.opt("path_join"):
                    parts = tuple(x.ident if x.ident is not None else (("const", x.const) if isinstance(x.const, str) else None)
                                  for x in src)
                    if qname.endswith("dirname") and len(src) == 1 and src[0].ident is not None:
                        # os.makedirs(os.path.dirname(path), 0o755): the key file's folder
                        v = v.evolve(ident=self._folder_of(src[0].ident), kind=None)
                        result = v if result is None else join(result, v)
                        continue
                    # os.path.join(d, "tls.key") spelled twice names one file when its parts are the same
                    ident = _join_ident(qname, parts, node) if src else ("path", id(node))
                    v = v.evolve(ident=ident, kind=None)
                    self.path_parents[v.ident] = {x.ident for x in src if x.ident is not None}
                    tail = args[-1] if args else None
                    if tail is not None and isinstance(tail.const, str):
                        # a file name spelled out decides whether it names a private key (the key
                        # file's folder joined with "id_rsa.pub" is not one)
                        v = v.evolve(taints=tuple(t for t in v.taints if t[0] != L.KEY_PATH))
                    if tail is not None and tail.has(L.KEY_PATH):
                        v = v.with_taints(((L.KEY_PATH, tail.origin(L.KEY_PATH)),))  # type: ignore[arg-type]
                    consts = [x.const for x in src]
                    if consts and all(isinstance(c, str) for c in consts) and qname.endswith("join"):
                        v = v.evolve(const="/".join(consts))
                    # only the first component decides temp-ness
                    if src and not src[0].has(L.TEMP):
                        v = v.evolve(taints=tuple(t for t in v.taints if t[0] not in (L.TEMP, L.SHARED_TEMP)))
                if row.opt("text") and src:
                    v = self._text_op(row.opt("text"), src[0], v, node)
                if row.opt("result_kind"):
                    v = v.evolve(kind=row.opt("result_kind"))
                    if row.opt("result_kind") == L.PATH:
                        same = row.opt("same_file") and recv is not None and recv.ident is not None
                        v = v.evolve(taints=tuple(t for t in v.taints if t[0] in (L.TEMP, L.SHARED_TEMP, L.KEY_PATH)),
                                     ident=recv.ident if same else ("path", id(node)))
                        if recv is not None and recv.ident is not None and not same:
                            self.path_parents[v.ident] = {recv.ident}
                        if row.opt("renames") and recv is not None:
                            part = args[0] if args else kwargs.get(row.opt("renames"))
                            v = self._renamed(row.opt("renames"), recv, part, v, node)
                    if row.opt("result_kind") == L.FD and recv is not None:
                        v = v.evolve(file=recv.file, ident=recv.ident, taints=recv.taints)
                    elif row.opt("result_kind") == L.FILE_HANDLE and recv is not None and recv.file is not None:
                        # zf.open(name, "w"): a handle over the receiver's file (the archive)
                        v = v.evolve(file=recv.file, ident=recv.ident, taints=recv.taints)
                    elif recv is not None and recv.file is not None and row.opt("result_kind") == recv.kind:
                        # conn.cursor(): an object of the same kind over the receiver's file
                        v = v.evolve(file=recv.file, ident=recv.ident)
                if row.opt("keeps_fields") and args:
                    v = self._kept_fields(str(row.opt("keeps_fields")), args[0], v)
                result = v if result is None else join(result, v)
            elif eff == "neutral":
                weak = tuple(t for t in _union(args, kwargs) if t[0] == L.WEAK_RANDOM)
                if recv is not None:
                    weak += tuple(t for t in recv.taints if t[0] == L.WEAK_RANDOM)
                if result is None and not weak and row.opt("folds") == "int" and len(args) == 1 and not kwargs:
                    # int(os.environ.get("KEY_BITS", "1024")): the number the program runs with by default
                    c = args[0].const
                    if isinstance(c, str) and c.strip().isdigit():
                        result = Value(const=int(c.strip(), 10))
                    elif isinstance(c, int) and not isinstance(c, bool):
                        result = Value(const=c)
                result = result or (Value(taints=merge_taints((), weak)) if weak else CLEAN)
            elif eff == "kind":
                if not self._row_excluded(row, args, kwargs):
                    result = self._kind(row, recv, args, kwargs, node)
            elif eff == "taint-receiver":
                if recv is not None and row.spec("from") is not None:
                    # cp.set("wg", "private_key", pem): what the arguments hold is in the receiver now
                    moved = tuple(t for a in self.args_for(row.spec("from"), args, kwargs, None) for t in deep_taints(a))
                    if moved:
                        self._retaint_receiver(node, recv.with_taints(moved))
                elif recv is not None:
                    self._retaint_receiver(node, recv.with_taints(((row.label or L.PRIVATE_KEY, self.origin(f"private key from {desc}", node, confidence)),)))
                result = result or CLEAN
            elif eff == "sink":
                out = self._sink(row, desc, recv, args, kwargs, node, confidence)
                if out is not None:
                    result = out
                elif recv is not None and recv.kind == L.LOGGER and qname == "bind":
                    result = Value(kind=L.LOGGER)
                else:
                    result = result or CLEAN
            elif eff == "open":
                if self._row_excluded(row, args, kwargs):
                    continue  # shelve.open(path, "r"): read only
                result = self._open(row, desc, recv, args, kwargs, node)
            elif eff == "invoke":
                result = self._invoke(row, recv, args, kwargs, node)
            elif eff == "command":
                result = self._command_effect(row, recv, args, kwargs, node) or result or CLEAN
            elif eff == "partial":
                # functools.partial(f, *args, **kw): f with its first arguments bound
                target = self.arg(row.spec("args"), args, kwargs)
                if target is None:
                    result = result or self.unknown_call(args, kwargs, node)
                    continue
                spec = row.spec("args")
                rest = list(args[1:]) if spec is not None and spec.pos == 0 and args else list(args)
                bound_kw = tuple((k, v) for k, v in kwargs.items() if spec is None or k != spec.kw)
                base = self.unknown_call(args, kwargs, node)
                result = base.evolve(kind="partial", func=_Partial(target, tuple(rest), bound_kw))
            elif eff == "record-type":
                # collections.namedtuple("Keypair", "private_key public_key"): a tuple type with named fields
                names = _field_names(self.arg(row.spec("fields"), args, kwargs))
                result = Value(func=_TupleRecordType(names)) if names else (result or self.unknown_call(args, kwargs, node))
            elif eff == "enter":
                # ExitStack.enter_context(cm): what `with cm as x` would bind
                cm = self.arg(row.spec("args"), args, kwargs)
                result = self.enter_value(cm, node) if cm is not None else (result or CLEAN)
            elif eff == "temp":
                result = self._temp(row, qname, desc, args, kwargs, node)
            elif eff == "write":
                target = self.arg(row.spec("target"), args, kwargs, recv) if not (row.spec("target") and row.spec("target").receiver) else recv
                if target is not None and row.on is not None and target.attrs:
                    # a method of a shared mapping (mm.write(der)): the mapped file is written
                    target = target.get_attr(_MAPPED_FILE) or target
                data = self.arg(row.spec("data"), args, kwargs, recv)
                if row.opt("copies_file") and data is not None and not data.is_key:
                    data = self._file_contents(data, node) or data
                fds = row.opt("stdio_fds") or ()
                if target is not None and data is not None and fds and (
                        target.kind == "stdio-fd" or (type(target.const) is int and target.const in fds)):
                    # os.write(1, pem), os.write(sys.stderr.fileno(), pem): printed
                    self.emit("sink", node, sink="log", data=data, describe=f"{desc}({self.code(node.args[0].value) if node.args else 'fd'}, ...)")
                elif target is not None and data is not None and target.qname in _STD_STREAMS:
                    # json.dump(doc, sys.stdout), yaml.safe_dump(doc, sys.stdout): printed
                    self.emit("sink", node, sink="log", data=data, describe=f"{desc}(..., {target.qname})")
                elif target is not None and data is not None:
                    self.emit("write", node, target=target, data=data, creation=row.opt("creation"), describe=desc)
                result = result or CLEAN
            elif eff == "fifo":
                path = self.arg(row.spec("path"), args, kwargs)
                self.emit("fifo", node, path=path or CLEAN, mode=self.arg(row.spec("mode"), args, kwargs), describe=desc)
                result = result or CLEAN
            elif eff == "chmod":
                path = recv if (row.spec("path") and row.spec("path").receiver) else self.arg(row.spec("path"), args, kwargs)
                mode = self.arg(row.spec("mode"), args, kwargs)
                self.emit("chmod", node, path=path or CLEAN, mode=mode or CLEAN, describe=desc)
                result = result or CLEAN
            elif eff == "umask":
                mode = self.arg(row.spec("mode"), args, kwargs)
                # restoring the saved umask after a @contextmanager's yield happens when the with exits
                # (a mask a helper's caller passed down, `with umask(0o002):`: reported at that call)
                self.emit("umask", node, mode=mode or CLEAN, describe=desc, at_exit=self.frame.at_exit,
                          scoped=bool(row.opt("scoped")),
                          module_level=self.frame.func is None and self.depth == 0,
                          site=self.call_site_of(mode) if mode is not None and not self.frame.at_exit else None)
                result = result or Value()
            elif eff == "chdir":
                # os.chdir(tmp): relative paths of the commands run after it are in tmp (a helper's
                # chdir, or a context manager's before its yield, holds in its caller: stmt_With)
                path = self.arg(row.spec("path"), args, kwargs) or CLEAN
                scoped = bool(row.opt("scoped"))
                self.emit("chdir", node, path=path, describe=desc, at_exit=self.frame.at_exit, scoped=scoped)
                if not scoped and not self.frame.at_exit:
                    self.frame.env[_CWD] = path
                result = result or CLEAN
            elif eff == "remove":
                path = recv if (row.spec("path") and row.spec("path").receiver) else self.arg(row.spec("path"), args, kwargs)
                if row.opt("on_every_exit"):
                    self.context.append("finally")  # (a removal registered for every way out)
                try:
                    self.emit("remove", node, path=path or CLEAN, describe=desc)
                finally:
                    if row.opt("on_every_exit"):
                        self.context.pop()
                result = result or CLEAN
            elif eff == "mkdir":
                path = recv if (row.spec("path") and row.spec("path").receiver) else self.arg(row.spec("path"), args, kwargs)
                mode = self.arg(row.spec("mode"), args, kwargs)
                self.emit("mkdir", node, path=path or CLEAN, mode=mode, describe=desc)
                result = result or CLEAN
            elif eff == "touch":
                path = recv
                mode = self.arg(row.spec("mode"), args, kwargs)
                self.emit("touch", node, path=path or CLEAN, mode=mode, describe=desc)
                result = result or CLEAN
            elif eff == "copy":
                src = self.arg(row.spec("src"), args, kwargs, recv)  # (path.rename(dst): the receiver)
                dst = self.arg(row.spec("dst"), args, kwargs)
                self.emit("copy", node, src=src or CLEAN, dst=dst or CLEAN, describe=desc)
                result = result or CLEAN
            elif eff == "key-to-file":
                path = self.arg(row.spec("path"), args, kwargs)
                pw = self.arg(row.spec("password"), args, kwargs)
                if recv is not None and path is not None:
                    data = Value(taints=merge_taints(recv.taints, ((L.KEY_MATERIAL, recv.key_origin() or self.origin(desc, node)),)))
                    if pw is None or pw.const is None:
                        data = data.with_taints(((L.UNENCRYPTED, self.origin(desc, node)),))
                    if path.qname in _STD_STREAMS:
                        # key.write_private_key(sys.stdout): printed, not stored
                        self.emit("sink", node, sink="log", data=data, describe=f"{desc}({path.qname})")
                    elif path.kind == "memfile":
                        arg0 = node.args[0].value if node.args else None
                        if arg0 is not None:
                            self.assign(arg0, path.with_taints(data.taints), node)
                    elif path.kind == L.FILE_HANDLE or path.kind == L.FD:
                        self.emit("write", node, target=path, data=data, describe=desc)
                    else:
                        # paramiko >= 2.10 creates the file with 0o600 itself; asyncssh opens it
                        # with the process umask (creation = "default" on its row)
                        self.emit("write", node, target=path, data=data, creation=row.opt("creation", "safe"), describe=desc)
                result = result or CLEAN
            elif eff == "cli":
                result = self._cli(row, recv, args, kwargs, node)
            elif eff == "key-params":
                # (a size, exponent or curve a helper's caller passed down: reported at that call)
                sites = {id(v): self.call_site_of(v) for v in (*args, *kwargs.values())}
                self.emit("key-params", node, row=row, args=tuple(args), kwargs=_FrozenDict(kwargs), recv=recv, describe=desc,
                          confidence=confidence, param_sites={k: v for k, v in sites.items() if v is not None})
                result = result if result is not None else None
            elif eff == "buffer" and self._raises_on_text(row, node):
                result = result or CLEAN  # bytearray(s) of a str without an encoding: TypeError, no buffer
            elif eff == "buffer":
                src = self.args_for(row.spec("from"), args, kwargs, None)
                taints: Tuple = ()
                for v in src:
                    taints = merge_taints(taints, tuple((L.KEY_MATERIAL if lbl == L.PRIVATE_KEY else lbl, org) for lbl, org in deep_taints(v)))
                taints = merge_taints((), taints)
                if len(src) == 1 and src[0].kind == L.BUFFER and qname == "memoryview":
                    v = src[0]  # a view of the buffer: wiping either wipes both
                elif qname == "memoryview" and not any(s.kind == L.MMAP for s in src):
                    # a view owns no memory: over bytes (a2b_base64, private_bytes) it is read-only
                    # and what it shows was immutable already; over a caller's buffer that buffer
                    # is judged where it was made.  It carries the key, as no wipeable buffer.
                    v = Value(taints=taints)
                else:
                    # (a file-backed mmap is a buffer and a shared mapping: its kind says the latter)
                    kind = L.MMAP if result is not None and result.kind == L.MMAP else L.BUFFER
                    v = Value(kind=kind, taints=taints, ident=("buffer", id(node)),
                              attr="wiping" if row.opt("wiping") else None)
                result = v if result is None else join(v, result)
            elif eff == "buffer-fill":
                data = self.arg(row.spec("args"), args, kwargs)
                if recv is not None and data is not None and data.is_key:
                    filled = recv.with_taints(tuple((L.KEY_MATERIAL if lbl == L.PRIVATE_KEY else lbl, org) for lbl, org in deep_taints(data)))
                    self._retaint_receiver(node, filled)
                    func = node.func
                    if recv.kind in (L.BUFFER, L.MMAP) and type(func) is cst.Attribute and type(func.value) is cst.Name:
                        self.emit("buffer-bind", node, name=func.value.value, value=filled)
                result = result or CLEAN
            elif eff == "immutable-copy":
                spec = row.spec("args")
                cands = [recv] if (spec is not None and spec.receiver) else self.args_for(spec, args, kwargs, None)
                for v in cands:
                    if v is not None and v.kind in (L.BUFFER, L.MMAP) and v.is_key:
                        self.emit("immutable-copy", node, data=v, describe=desc)
                        break
                result = result if result is not None else None
            elif eff == "key-construct":
                for v in self.args_for(row.spec("args"), args, kwargs, None):
                    if v.kind == "lambda" and type(v.func) is cst.Lambda:
                        v = self._lambda_result(v.func)  # randfunc=lambda n: rng.getrandbits(8 * n).to_bytes(n, "big")
                    if v.qname and not v.taints and any(r.effect == "source" and r.label == L.WEAK_RANDOM
                                                        for r in self.kb.call_rows(v.qname)):
                        v = v.with_taints(((L.WEAK_RANDOM, self.origin(f"{v.qname} (a non-cryptographic generator)", node)),))
                    if v.has(L.WEAK_RANDOM):
                        self.emit("key-construct", node, data=v, describe=desc, confidence=confidence)
                result = result if result is not None else None
        return result if result is not None else CLEAN

    def _renamed(self, how: str, recv: Value, part: Optional[Value], v: Value, node: cst.Call) -> Value:
        """``p.with_name(n)`` / ``with_suffix(s)`` / ``with_stem(s)``: a sibling file whose new name,
        not the receiver's, says whether it holds a private key (key.pem -> pub.pem)."""
        if part is None or not isinstance(part.const, str):
            return v  # an unknown new name: the receiver's label is kept
        new = part.const
        old = _base_name(recv)
        if how == "name":
            name: Optional[str] = new
        elif old is not None:
            stem, dot, suffix = old.rpartition(".")
            if not dot or not stem:
                stem, suffix = old, ""
            else:
                suffix = "." + suffix
            name = stem + new if how == "suffix" else new + suffix
        elif how == "suffix" and not (recv.has(L.KEY_PATH) and new in ("", ".pem", ".der", ".bin")):
            name = new  # an unknown stem: the suffix decides (".key" yes, ".pub"/".crt" no)
        else:
            return v  # "<stem>.pem" of a key path, a new stem of an unknown suffix: kept as they are
        v = v.evolve(taints=tuple(t for t in v.taints if t[0] != L.KEY_PATH))
        if name and is_key_path(name):
            v = v.with_taints(((L.KEY_PATH, self.origin(f"key path {name!r}", node)),))
        return v

    def _text_op(self, op: str, arg: Value, v: Value, node: cst.Call) -> Value:
        """shlex.split / quote / join over the string model (pieces), see keyguard.analysis.strings."""
        if op == "shell-split":
            words = strings.shell_split(arg)
            if words is not None:
                return v.evolve(const=tuple(self.string_value(w, node) for w in words))
            if arg.pieces is not None:
                return v.evolve(pieces=arg.pieces)  # words of a partly known line: the shell model splits them
            return v
        if op == "shell-quote":
            if isinstance(arg.const, str):
                return v.evolve(const=strings.quoted(arg)[0])
            return join(v, arg)
        if op == "shell-join" and isinstance(arg.const, tuple):
            return self._text_value(strings.joined_words([x for x in arg.const if isinstance(x, Value)]), v.taints, node)
        return v

    def _source(self, row: Row, desc: str, recv: Optional[Value], args: List[Value], kwargs: Dict[str, Value],
                node: cst.Call, confidence: str, result: Optional[Value]) -> Value:
        label = row.label or L.PRIVATE_KEY
        if label in L.KEY_LABELS:
            for a in node.args:
                if a.keyword is not None and a.keyword.value in ("passphrase", "password", "passwd"):
                    self._mark_passphrase(a.value, node)
        for flag in ("private_key", "private_keys", "include_private", "private"):
            if flag in kwargs and kwargs[flag].const is False:
                return result or CLEAN  # jwcrypto export(private_key=False) / JWKSet.export(private_keys=False): the public part
        if row.spec("key") is not None:
            # a container holding a private key only when one is given (pkcs12 with key=None: certificates)
            given = self.arg(row.spec("key"), args, kwargs, recv)
            if given is None or given.const is None:
                return result or CLEAN
            if row.spec("key").receiver and not given.has(L.PRIVATE_KEY):
                return result or CLEAN  # a pyOpenSSL PKCS12 never given set_privatekey(): certificates only
        if row.opt("requires_key_arg"):
            data = args[0] if args else kwargs.get("extern_key") or kwargs.get("encoded")
            if data is None or not data.is_key:
                if data is not None and isinstance(data.const, (str, bytes)):
                    return result or CLEAN
                # unknown data: a loaded key of unknown kind, kept quiet, unless it comes with a
                # passphrase: only private keys are stored encrypted (RSA.import_key(data, passphrase=pw))
                if not _passphrase_given(node):
                    if label == L.PRIVATE_KEY and result is None:
                        # private where a `private-test` method holds (if key.has_private(): ...)
                        self.project.loaded_keys[id(node)] = self.origin(
                            f"private key from {desc} (has_private() holds)", node, confidence)
                        return Value(kind=L.LOADED_KEY, ident=("loaded-key", id(node)))
                    return result or CLEAN
        if label in L.KEY_LABELS:
            what = "private key" if label == L.PRIVATE_KEY else "private key material"
            org = self.origin(f"{what} from {desc}", node, confidence)
            if recv is not None:
                # a serialization of a known key: name where the key itself was made
                ko = recv.origin(L.PRIVATE_KEY)
                if ko is not None:
                    org = Origin(ko.description, ko.node, ko.module, ko.confidence if confidence == "high" else confidence, ko.top)
            taints: Tuple = ((label, org),)
            spec = row.spec("unencrypted_unless")
            encrypted = False
            if spec is not None:
                enc = self.arg(spec, args, kwargs)
                if enc is None or enc.const is None or enc.kind == L.ENCRYPTION_NONE:
                    taints = merge_taints(taints, ((L.UNENCRYPTED, self.origin(f"unencrypted serialization by {desc}", node, confidence)),))
                else:
                    encrypted = True
            if label == L.KEY_MATERIAL and id(node) not in self._into_buffer and not encrypted:
                # (an encrypted serialization is ciphertext: nothing to wipe - KG303)
                self.emit("serialize", node, describe=desc, data=Value(taints=((label, org),)))
            v = Value(taints=taints, kind=row.opt("result_kind"))
            if row.opt("items"):
                # a tuple of parts, each with its own label: unpacking or indexing separates them
                v = v.evolve(const=tuple(Value(taints=taints) if lbl == label
                                         else (Value(taints=((lbl, org),)) if lbl else CLEAN)
                                         for lbl in row.opt("items")))
            return v if result is None else join(result, v)
        v = Value(taints=((label, self.origin(f"{label} from {desc}", node, confidence)),))
        return v if result is None else join(result, v)

    def _row_excluded(self, row: Row, args: List[Value], kwargs: Dict[str, Value]) -> bool:
        """``unless = ["0,fileno=-1", "2,flags=mmap.MAP_PRIVATE"]`` on a row: it does not apply
        when one of those arguments is that constant (an int, a string, or a module constant's name)."""
        for cond in row.opt("unless") or ():
            spec_text, _, want = cond.partition("=")
            v = self.arg(ArgSpec.parse(spec_text), args, kwargs)
            if v is None:
                continue
            if v.qname == want or (isinstance(v.const, (int, str)) and not isinstance(v.const, bool)
                                   and str(v.const) == want):
                return True
        return False

    def _kind(self, row: Row, recv: Optional[Value], args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        kind = row.kind
        if kind == L.ENCRYPTION and node.args:
            self._mark_passphrase(node.args[0].value, node)
        if kind == L.PATH:
            src = self.args_for(row.spec("from"), args, kwargs, None)
            taints: Tuple = ()
            for v in src:
                taints = merge_taints(taints, tuple(t for t in v.taints if t[0] in (L.TEMP, L.SHARED_TEMP, L.KEY_PATH)))
            const = src[0].const if len(src) == 1 and isinstance(src[0].const, str) else UNKNOWN
            ident = src[0].ident if len(src) == 1 and src[0].ident is not None else ("path", id(node))
            if len(src) > 1:
                self.path_parents[ident] = {x.ident for x in src if x.ident is not None}
            return Value(kind=L.PATH, taints=taints, const=const, ident=ident)
        if row.spec("host") is not None:
            host = self.arg(row.spec("host"), args, kwargs)
            head = strings.known_head(host) if host is not None else None
            if head is not None and self.kb.is_loopback(strings.url_host(head[0])):
                return CLEAN  # http.client.HTTPConnection("localhost"): only this machine sees the traffic
        kind = self._tls_kind(kind, kwargs)  # asyncio.open_connection(..., ssl=ctx)
        if kind == "mp-connection":
            return Value(kind="mp-connection")
        if kind == "memfile":
            return Value(kind="memfile", ident=("obj", id(node)), taints=_union(args, kwargs))
        mapped = self.arg(row.spec("fd"), args, kwargs)
        if mapped is not None and (mapped.file is not None or mapped.kind in (L.FD, L.FILE_HANDLE)):
            # mmap.mmap(fd, n): a shared mapping of that descriptor's file, what is written into
            # the mapping is written into the file
            return Value(kind=kind, ident=("obj", id(node)), attrs=((_MAPPED_FILE, mapped),))
        base_url = self.arg(row.spec("base_url"), args, kwargs)
        if base_url is not None:
            # httpx.Client(base_url="http://..."): relative request URLs are resolved against it
            return Value(kind=kind, ident=("obj", id(node)), attrs=((_BASE_URL, base_url),))
        return Value(kind=kind, ident=("obj", id(node)))

    def _cli(self, row: Row, recv: Optional[Value], args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        """Command-line parsers: only an option's value by default is known statically.

        ``role`` on the row: ``option`` (argparse ``add_argument`` records it on its parser, a
        ``@click.option`` decorator carries it to the command's parameter), ``part`` (subparsers and
        groups share the parser's options), ``defaults`` (``set_defaults`` overrides them) and
        ``parse`` (``parse_args()`` with no command line given: a namespace of the defaults)."""
        role = row.opt("role")
        parser = recv.ident if recv is not None and recv.kind == _CLI_PARSER else None
        if role == "part":
            return Value(kind=_CLI_PARSER, ident=parser) if parser is not None else CLEAN
        if role == "defaults":
            if parser is not None:
                table = self.project.cli_options.setdefault(("<set>", parser), {})
                for k, v in kwargs.items():
                    table[k] = {0: v}
            return CLEAN
        if role == "parse":
            if parser is None:
                return CLEAN
            given = self.arg(row.spec("args"), args, kwargs)
            if given is not None and given.const is not None:
                return Value(kind=_CLI_NAMESPACE)  # parse_args(["--bits", "4096"]): an explicit command line
            overrides = self.project.cli_options.get(("<set>", parser), {})
            fields = []
            for dest, by_node in self.project.cli_options.get(parser, {}).items():
                vals = list((overrides.get(dest) or by_node).values())
                v = vals[0]
                for other in vals[1:]:
                    v = join(v, other)
                fields.append((dest, v))
            for dest, by_node in overrides.items():
                if dest not in self.project.cli_options.get(parser, {}):
                    fields.append((dest, next(iter(by_node.values()))))
            ns = Value(kind=_CLI_NAMESPACE, attrs=tuple(fields))
            return Value(const=(ns, CLEAN)) if row.opt("returns") == "pair" else ns
        if role != "option":
            return CLEAN
        names = [a.const for a in args if isinstance(a.const, str)]
        dest_v = self.arg(row.spec("dest"), args, kwargs)
        dest = _cli_dest(names, dest_v.const if dest_v is not None else None, row.opt("naming", "argparse"))
        if dest is None:
            return CLEAN
        default = self._cli_default(row, names, args, kwargs)
        conv = self.arg(row.spec("type"), args, kwargs)
        if conv is not None and conv.qname is not None and any(
                r.effect == "kind" and r.kind == L.PATH for r in self.kb.call_rows(conv.qname)):
            # add_argument("out", type=Path): the option's value is a path object (args.out.chmod)
            default = default.evolve(kind=L.PATH)
        if parser is not None:
            self.project.cli_options.setdefault(parser, {}).setdefault(dest, {})[id(node)] = default
            return CLEAN
        return Value(kind=_CLI_OPTION, attrs=((dest, default),))

    def _cli_default(self, row: Row, names: List[str], args: List[Value], kwargs: Dict[str, Value]) -> Value:
        """The value an option takes when the command line leaves it out (CLEAN when not known)."""
        default = self.arg(row.spec("default"), args, kwargs)
        if default is None:
            return CLEAN  # no default: None, or the library's own; nothing to say about a key size
        for key in ("required", "multiple", "count", "is_flag"):
            flag = kwargs.get(key)
            if flag is not None and flag.const is not False:
                return CLEAN  # required=True: the default never applies; lists and counters are not it
        action = kwargs.get("action")
        if action is not None and action.const not in ("store", None):
            return CLEAN
        if row.opt("naming", "argparse") == "argparse" and names and not names[0].startswith("-"):
            nargs = kwargs.get("nargs")
            if nargs is None or nargs.const not in ("?", "*"):
                return CLEAN  # a required positional argument
        conv = self.arg(row.spec("type"), args, kwargs)
        if conv is not None and conv.qname == "int" and isinstance(default.const, str):
            try:
                return Value(const=int(default.const, 10))  # type=int, default="1024": the parser converts it
            except ValueError:
                return CLEAN
        return default

    def _named_passphrase(self, target: cst.BaseExpression, value: Value, value_node: Optional[cst.CSTNode] = None) -> Value:
        """``self._passphrase = Path(f).read_bytes().strip()``, ``key_password = load()``: a value
        the program computes, stored under a passphrase's name, is a key passphrase (as a parameter
        with that name is).  Literals, None, callables and names of files, descriptors,
        environment variables or prompts are not; a text known only as the value by default of a
        lookup (``os.environ.get("KEY_PASSPHRASE", "")``, ``os.getenv("PW") or ""``) is the value
        read at run time."""
        name = target.value if type(target) is cst.Name else target.attr.value  # type: ignore[union-attr]
        if not _passphrase_named(name):
            return value
        looked_up = isinstance(value.const, (str, bytes)) and type(value_node) in (cst.Call, cst.BooleanOperation)
        if (value.const is not UNKNOWN and not looked_up) or value.pieces is not None or value.kind is not None \
                or value.func is not None or value.qname is not None or value.has(L.PASSPHRASE) or value.is_key:
            return value
        if looked_up:
            value = value.evolve(const=UNKNOWN)
        shown = f"variable `{name}`" if type(target) is cst.Name else f"attribute `{self.code(target) or name}`"
        return value.with_taints(((L.PASSPHRASE, self.origin(shown, target, "medium")),))

    def _mark_passphrase(self, expr: cst.BaseExpression, node: cst.CSTNode) -> None:
        """The variable under ``expr`` (``pw``, ``pw.encode()``, ``bytes(pw)``) holds a key passphrase."""
        while True:
            if type(expr) is cst.Call:
                if type(expr.func) is cst.Attribute and expr.func.attr.value in ("encode", "strip", "decode"):
                    expr = expr.func.value
                    continue
                if expr.args and dotted(expr.func) in ("bytes", "str", "bytearray"):
                    expr = expr.args[0].value
                    continue
            break
        if type(expr) is cst.Name:
            cur = self.lookup(expr.value)
            if cur.qname is None and cur.func is None and not cur.has(L.PASSPHRASE):
                self.bind(expr.value, cur.with_taints(((L.PASSPHRASE, self.origin(f"key passphrase `{expr.value}`", node)),)))
        elif type(expr) is cst.Attribute and type(expr.value) is cst.Name:
            # BestAvailableEncryption(opts.password.encode()): the option holds the key's passphrase
            # from here on (an object the scan does not model, or a command-line namespace)
            base = self.lookup(expr.value.value)
            if base.func is None and base.qname is None and base.kind in (None, _CLI_NAMESPACE):
                cur = self.eval(expr)
                if cur.func is None and cur.qname is None and not cur.has(L.PASSPHRASE):
                    d = f"{expr.value.value}.{expr.attr.value}"
                    org = self.origin(f"key passphrase `{d}`", node)
                    self.bind("<attr>" + d, cur.evolve(receiver=None, attr=None).with_taints(((L.PASSPHRASE, org),)))

    def _seed_argument(self, spec: ArgSpec, args: List[Value], kwargs: Dict[str, Value], node: cst.Call,
                       desc: str, confidence: str) -> None:
        """``key = Ed25519PrivateKey.from_private_bytes(seed)``: the variable ``seed`` holds the key's
        secret from now on (persisting or logging the seed exposes the key as its PEM would)."""
        expr: Optional[cst.BaseExpression] = None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if spec.kw is not None:
            expr = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == spec.kw), None)
        if expr is None and spec.pos is not None and spec.pos < len(positional) \
                and len(positional) == len([a for a in node.args if a.keyword is None]):
            expr = positional[spec.pos].value
        if type(expr) is cst.Call:
            self._seed_copy(expr, node, desc, confidence)
            return
        if type(expr) is not cst.Name:
            return
        current = self.arg(spec, args, kwargs)
        if current is None or current.is_key or current.func is not None:
            return
        if current.kind in (L.BUFFER, L.MMAP):
            # seed = bytearray(os.urandom(32)); SigningKey(seed): the wipeable buffer holds the
            # key's secret from now on, and must be wiped (KG301) like one filled with a key
            org = self.origin(f"private key seed given to {desc}", node, confidence)
            filled = current.with_taints(((L.KEY_MATERIAL, org),))
            self.bind_mutated(expr.value, filled)
            self.emit("buffer-bind", node, name=expr.value, value=filled)
            return
        if current.kind is not None:
            return
        org = self.origin(f"private key seed given to {desc}", node, confidence)
        self.bind_mutated(expr.value, current.with_taints(((L.KEY_MATERIAL, org),)))

    def _seed_copy(self, copy: cst.Call, node: cst.Call, desc: str, confidence: str) -> None:
        """``seed = bytearray(os.urandom(32)); SigningKey(bytes(seed))``: the key is made from an
        immutable copy (an `immutable-copy` row: bytes(), base64...) of a wipeable buffer, which
        holds the key's secret from now on - the copy can never be wiped (KG302)."""
        positional = [a for a in copy.args if a.keyword is None and not a.star]
        held: Optional[cst.BaseExpression] = self._buffer_copied_by_method(copy)
        if held is None:
            if len(positional) != 1 or type(copy.func) not in (cst.Name, cst.Attribute):
                return
            held = positional[0].value
            # (a local buffer, or one an object holds: self._seed, whose class owns its wiping)
            if type(held) is not cst.Name and not (type(held) is cst.Attribute and type(held.value) is cst.Name):
                return
            callee = self.eval(copy.func)
            if not callee.qname or not any(r.effect == "immutable-copy" for r in self.kb.call_rows(callee.qname)):
                return
        buf = self.lookup(held.value) if type(held) is cst.Name else self.eval(held)
        if buf.kind not in (L.BUFFER, L.MMAP) or buf.is_key or buf.func is not None:
            return
        org = self.origin(f"private key seed given to {desc}", node, confidence)
        filled = buf.with_taints(((L.KEY_MATERIAL, org),))
        self.emit("immutable-copy", copy, data=filled, describe=self.code(copy.func))
        if type(held) is cst.Name:
            self.bind_mutated(held.value, filled)
            self.emit("buffer-bind", node, name=held.value, value=filled)
        else:
            self.assign(held, filled, node)

    def _buffer_copied_by_method(self, copy: cst.Call) -> Optional[cst.Name]:
        """The buffer variable a method copy of a view made in place reads
        (``memoryview(seed).tobytes()``: an `immutable-copy` method row of buffers), else ``None``."""
        func = copy.func
        if type(func) is not cst.Attribute or copy.args:
            return None
        if not any(r.effect == "immutable-copy" and r.on == L.BUFFER for r in self.kb.method_rows(func.attr.value)):
            return None
        recv = func.value
        # (only a view made in place: a variable may be a view of a buffer wiped under its own name)
        if type(recv) is cst.Call and type(recv.func) is cst.Name and len(recv.args) == 1 \
                and recv.args[0].keyword is None and not recv.args[0].star and type(recv.args[0].value) is cst.Name:
            callee = self.eval(recv.func)
            if callee.qname and any(r.effect == "buffer" for r in self.kb.call_rows(callee.qname)):
                return recv.args[0].value  # memoryview(seed).tobytes(): a copy of the same buffer
        return None

    def _command_path(self, arg: Any, node: cst.CSTNode) -> Optional[Value]:
        """The path an argv word of a command names: its value, its text, or (a word whose known
        tail names a private key file: f"{d}/server.key") a key path."""
        v = _arg_value(arg)
        if v is None and arg.text is not None:
            v = self.string_value(arg.text, node)
        if v is None and arg.pieces and isinstance(arg.pieces[-1], str) and is_key_path(arg.pieces[-1]):
            tail = arg.pieces[-1]
            v = Value(taints=((L.KEY_PATH, self.origin(f"key path {tail!r}", node)),))
        if v is None and arg.pieces and isinstance(arg.pieces[0], str) and self.is_temp_text(arg.pieces[0]):
            v = Value(taints=self._temp_taints(arg.pieces[0], node))
        return v

    def _retaint_receiver(self, node: cst.Call, new: Value) -> None:
        func = node.func
        if type(func) is cst.Attribute and type(func.value) is cst.Name:
            self.bind_mutated(func.value.value, new)
        elif type(func) is cst.Attribute:
            self.assign(func.value, new, node)

    def _sink(self, row: Row, desc: str, recv: Optional[Value], args: List[Value], kwargs: Dict[str, Value],
              node: cst.Call, confidence: str) -> Optional[Value]:
        kind = row.kind
        if kind == "argv":
            spec = row.spec("args")
            argv = self.arg(spec, args, kwargs)
            if desc.endswith(("pexpect.spawn", "pexpect.spawnu")) and args and not isinstance(args[0].const, tuple):
                # pexpect.spawn(command, args=[]): without args the command line is split into words
                # (as a shell would, with no shell run); with them, command is the program
                rest = args[1] if len(args) > 1 else kwargs.get("args")
                if rest is not None and isinstance(rest.const, tuple) and rest.const:
                    argv = Value(const=(args[0],) + rest.const, taints=_union([args[0], rest], {}))
                else:
                    argv = args[0]
            elif (row.opt("varargs") or desc.endswith("create_subprocess_exec")) and args \
                    and not isinstance(args[0].const, tuple):
                star = [a for a in node.args if a.keyword is None]
                if len(star) == 1 and star[0].star == "*" and type(star[0].value) is cst.Name:
                    # execute(*cmd): the list itself (built on several paths, its alternatives kept)
                    argv = self.lookup(star[0].value.value)
                else:
                    argv = Value(const=tuple(args), taints=_union(args, {}))  # program and arguments as varargs
            if argv is None and args and (spec is None or not spec.pos):
                argv = args[0]
            shell = self.arg(row.spec("shell"), args, kwargs)
            env = self.arg(row.spec("env"), args, kwargs)
            if argv is None and env is not None:
                # containers.run(image, environment={...}): no command line of its own, an environment
                argv = Value(const=())
            if argv is None:
                return None
            cwd = kwargs.get("cwd")
            if cwd is None or (cwd.const is None and not cwd.taints):
                cwd = self._inherited_cwd()  # (no cwd=, or cwd=None: the process's working directory)
            launch = analyze_launch(desc, args, argv, shell, env, cwd)
            for mode_text, file_arg in (launch.report.chmods if launch is not None else ()):
                # subprocess.run(["chmod", "600", path]), os.system(f"chmod go-rwx {path}"): a chmod too
                # (os.system(f"chmod 644 {d}/server.key"): a file named as a private key file)
                target = self._command_path(file_arg, node)
                mode = _chmod_mode(mode_text)
                if target is not None and mode is not None:
                    self.emit("chmod", node, path=target, mode=Value(const=mode), describe="chmod")
            for prog, src_arg, dst_arg in (launch.report.copies if launch is not None else ()):
                # subprocess.run(["cp", key_file, "/tmp/k"]): the file is copied there (as shutil.copy)
                src, dst = self._command_path(src_arg, node), self._command_path(dst_arg, node)
                if src is not None and dst is not None:
                    self.emit("copy", node, src=src, dst=dst, describe=prog)
            outputs = self._tool_key_outputs(launch, node) if launch is not None else ()
            self.emit("exec", node, argv=argv, describe=desc, confidence=confidence, key_outputs=outputs)
            if launch is None:
                return None
            # a helper running the command line (or environment) its caller built - def _run(argv):
            # subprocess.run(argv) - reports at the caller's call, where the command was decided
            argv_site = self.call_site_of(argv)
            for issue in launch.report.issues + launch.report.key_params:
                self.emit("tool-issue", node, issue=issue, describe=desc, confidence=confidence, site=argv_site)
            for arg in launch.report.secret_args:
                v = arg.ref if isinstance(arg.ref, Value) else Value()
                data = v if (v.is_key or v.has(L.PASSPHRASE)) else _secret_of(arg)
                self.emit("exec-secret", node, data=data, where="command line", describe=desc, confidence=confidence,
                          site=argv_site)
            env_site = self.call_site_of(env) if launch.env_secrets else None
            for v in launch.env_secrets:
                self.emit("exec-secret", node, data=v, where="environment", describe=desc, confidence=confidence,
                          site=env_site)
            if _program_of(argv) in load_grammar().temp_programs:
                # tmpdir = c.run("mktemp -d").stdout.strip(): the output names a new temporary path
                org = self.origin(f"temporary path printed by `{self.code(node)}`", node, confidence)
                return Value(taints=((L.TEMP, org), (L.SHARED_TEMP, org)))
            if any(c.key_to_stdout for c in launch.report.commands):
                key = Value(taints=((L.KEY_MATERIAL, self.origin(f"private key printed by `{self.code(node)}`", node, confidence)),))
                out = kwargs.get("stdout")
                if out is not None and out.kind in (L.FILE_HANDLE, L.FD):
                    # run(["openssl", "genpkey", ...], stdout=fh): the key is written to that file
                    self.emit("write", node, target=out, data=key, describe=desc)
                    return None
                # the key is on the tool's standard output: CompletedProcess.stderr /
                # Popen.communicate()[1] are its diagnostics (logged on failure), not the key
                return Value(taints=key.taints, kind=_TUPLE_RECORD, attrs=(
                    (".stdout", key), (".stderr", CLEAN), ("()communicate", Value(const=(key, CLEAN), taints=key.taints))))
            return None
        if kind == "log" and "file" in kwargs and kwargs["file"].qname == "os.devnull":
            return None  # print(pem, file=open(os.devnull, "w")): discarded
        if kind == "log" and "file" in kwargs and kwargs["file"].kind in (L.FILE_HANDLE, L.FD):
            data = Value(taints=_union(args, {}))
            self.emit("write", node, target=kwargs["file"], data=data, describe=desc)
            return None
        describe = row.describe or desc
        if row.spec("url") is not None:
            url = self._insecure_url(row, self.arg(row.spec("url"), args, kwargs), recv)
            if url is None:
                return None  # https://, a loopback host, or a URL whose scheme is not known
            describe = f"{describe} to {url}"
        values = self.args_for(row.spec("args"), args, kwargs, None)
        if row.opt("calls_callables"):
            # logger.opt(lazy=True).debug("key {}", lambda: pem): the message shows what the lambda returns
            values = [self._lambda_result(v.func) if v.kind == "lambda" and type(v.func) is cst.Lambda else v
                      for v in values]
        if kind == "log":
            # logger.info("created %r", bundle): the message shows the object as str()/repr() does
            template = args[0].const if args and isinstance(args[0].const, str) else None
            values = [self._shown(v, template) for v in values]
        if row.opt("locals"):
            # TracebackException.from_exception(e, capture_locals=True): the repr of every local
            # variable of the frame goes into the formatted traceback
            named = sorted((k, v) for k, v in self.frame.env.items() if k.isidentifier() and k != "self")
            values = values + [v for _, v in named]
        for v in values:
            if v.is_key or (kind in ("env",) and v.has(L.PASSPHRASE)):
                self.emit("sink", node, sink=kind, data=v, describe=describe, confidence=confidence)
                break
        return None

    # ------------------------------------------------------------------ command objects (sh, plumbum)
    def _command_value(self, row: Row, words: Tuple[Value, ...]) -> Value:
        return Value(kind=_COMMAND, func=_Command(row, words))

    def _command_member(self, qname: str) -> Optional[Value]:
        """``sh.openssl`` / ``from plumbum.cmd import openssl``: a member of a module whose every
        attribute is a command (a `command` row with ``members = true``) names its program, ``_``
        read as ``-`` (``sh.ssh_keygen`` runs ``ssh-keygen``)."""
        mod, _, name = qname.rpartition(".")
        if not mod or not name or name.startswith("_") or self.kb.call_rows(qname):
            return None
        for row in self.kb.call_rows(mod):
            if row.effect == "command" and row.opt("members"):
                if self.project.resolve_module(mod) is not None:
                    return None  # the project's own module of that name (sh.py)
                return self._command_value(row, (Value(const=name.replace("_", "-")),))
        return None

    def _command_effect(self, row: Row, recv: Optional[Value], args: List[Value], kwargs: Dict[str, Value],
                        node: cst.Call) -> Optional[Value]:
        """A `command` row: ``sh.Command("openssl")`` makes a command object of its program argument;
        on a command object, ``bake(*args)`` binds more words and ``run(args)`` runs it."""
        if row.opt("members"):
            return None
        spec = row.spec("args")
        got = self.args_for(spec, args, kwargs, None) if spec is not None else []
        words: List[Value] = []
        for v in got:
            words.extend(x for x in v.const if isinstance(x, Value)) if isinstance(v.const, tuple) else words.append(v)
        if recv is not None and isinstance(recv.func, _Command):
            cmd = recv.func
            if row.opt("runs"):
                out = self._run_command(_Command(cmd.row, cmd.words + tuple(words)), [], kwargs, node)
                item = row.opt("stdout_item")
                if isinstance(item, int):
                    # plumbum cmd.run() -> (retcode, stdout, stderr)
                    return Value(const=tuple(out if i == item else CLEAN for i in range(3)), taints=out.taints)
                return out
            if row.opt("keyword_options") or cmd.row.opt("keyword_options"):
                words.extend(self._keyword_options(kwargs))
            return self._command_value(cmd.row, cmd.words + tuple(words))
        if not words:
            return None
        return self._command_value(row, tuple(words[:1]))

    @staticmethod
    def _keyword_options(kwargs: Dict[str, Value]) -> List[Value]:
        """sh's keyword arguments as options: ``f=path`` is ``-f path``, ``out=p`` ``--out=p``,
        ``verbose=True`` ``--verbose`` (keywords starting with ``_`` configure the call)."""
        words: List[Value] = []
        for k, v in kwargs.items():
            if k.startswith("_"):
                continue
            flag = ("-" if len(k) == 1 else "--") + k.replace("_", "-")
            if v.const is True:
                words.append(Value(const=flag))
            elif v.const is False or v.const is None:
                continue
            elif len(k) == 1:
                words.extend((Value(const=flag), v))
            else:
                words.append(Value(pieces=(flag + "=", v), taints=v.taints))
        return words

    def _run_command(self, cmd: _Command, args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        """The program of a command object run with its words and ``args``, as an argv sink; the
        result is its standard output (key material when the tool prints a key)."""
        words = list(cmd.words) + list(args)
        if cmd.row.opt("keyword_options"):
            words.extend(self._keyword_options(kwargs))
        argv = Value(const=tuple(words), taints=_union(words, {}))
        env = cmd.row.spec("env")
        specs: Tuple[Tuple[str, ArgSpec], ...] = (("args", ArgSpec(pos=0)),) + ((("env", env),) if env is not None else ())
        sink = Row("sink", cmd.row.file, cmd.row.index, cmd.row.targets, None, (), None, "argv", specs, cmd.row.opts)
        desc = self.code(node.func) if type(node) is cst.Call else "command"
        out = self._sink(sink, desc, None, [argv], {k: v for k, v in kwargs.items() if env is not None and k == env.kw},
                         node, "high")
        return out if out is not None else CLEAN

    def _tool_key_outputs(self, launch: Any, node: cst.Call) -> Tuple[Value, ...]:
        """The files a key-generation tool writes its private key to (``ssh-keygen -f PATH``), as
        path values whose identity links them to their folders (``os.makedirs(keydir, 0o755)``
        then ``-f os.path.join(keydir, "id")``, ``-f f"{keydir}/id"``: a key directory)."""
        out: List[Value] = []
        for cmd in launch.report.commands:
            for arg in cmd.key_outputs:
                v = arg.ref if isinstance(arg.ref, Value) else None
                if v is not None and v.pieces is not None and len(v.pieces) != len(arg.pieces):
                    # a word of a longer command line (every word refers to the line): the value
                    # of the word's one hole, if it is one
                    v = _arg_value(arg)
                if v is not None and (v.ident is not None or isinstance(v.const, str)):
                    out.append(v)
                    continue
                # "{keydir}/id_ed25519": a hole naming the folder, then a file name inside it
                pieces = arg.pieces
                if len(pieces) == 2 and isinstance(pieces[0], Hole) and isinstance(pieces[0].ref, Value) \
                        and pieces[0].ref.ident is not None and isinstance(pieces[1], str) \
                        and pieces[1].startswith("/") and "/" not in pieces[1][1:]:
                    folder = pieces[0].ref
                    ident = ("join", "/", (folder.ident, ("const", pieces[1][1:])))
                    self.path_parents.setdefault(ident, set()).add(folder.ident)
                    out.append(Value(ident=ident))
        return tuple(out)

    def _insecure_url(self, row: Row, url: Optional[Value], recv: Optional[Value]) -> Optional[str]:
        """The URL (its known beginning, for messages) when a row's ``url`` argument is known to use
        one of the row's ``insecure_schemes`` and does not name a loopback host, else None.  A
        relative URL (``"/keys"``) is resolved against the base URL of a client made with one."""
        head = strings.known_head(url) if url is not None else None
        if head is None:
            return None
        text, complete = head
        base = recv.get_attr(_BASE_URL) if recv is not None else None
        if base is not None and "://" not in text and (complete or text.startswith("/")):
            base_head = strings.known_head(base)
            if base_head is None:
                return None
            text = base_head[0].rstrip("/") + "/" + text.lstrip("/") if base_head[1] else base_head[0]
            complete = complete and base_head[1]
        if not text.lower().startswith(tuple(s.lower() for s in row.opt("insecure_schemes", ()))):
            return None
        if self.kb.is_loopback(strings.url_host(text)):
            # (also "http://localhost" + rest: a loopback name followed by an unknown part is taken as one)
            return None
        shown = strings.url_for_message(text) + ("" if complete else "...")
        return shown if len(shown) <= 60 else shown[:57] + "..."

    def _open(self, row: Row, desc: str, recv: Optional[Value], args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        returns = row.opt("returns")
        if row.spec("fd") is not None:
            fd = self.arg(row.spec("fd"), args, kwargs) or CLEAN
            return fd.evolve(kind=L.FILE_HANDLE)
        pspec = row.spec("path")
        path = recv if (pspec is not None and pspec.receiver) else self.arg(pspec, args, kwargs)
        fileobj = self.arg(row.spec("fileobj"), args, kwargs) if row.spec("fileobj") is not None else None
        if fileobj is None and path is not None and path.kind in ("memfile", L.FILE_HANDLE, L.FD):
            fileobj = path  # zipfile.ZipFile(buf, "w"): the archive is written into that object
        if fileobj is not None and fileobj.const is not None:
            # tarfile.open(fileobj=buf, mode="w"): writes go to that object, no file is created here
            return fileobj.evolve(kind=returns or L.FILE_HANDLE)
        path = path or CLEAN
        if path.kind == L.FD and returns == L.FILE_HANDLE:
            # open(fd, "wb") of a descriptor os.open made: a file object over it, as os.fdopen
            return path.evolve(kind=L.FILE_HANDLE)
        mode = self.arg(row.spec("mode"), args, kwargs)
        if mode is None and row.spec("mode") is None and row.opt("creation") == "default":
            mode = Value(const="w")  # shelve.open(path): created when missing, with umask permissions
        if row.opt("dash_is_stdio") and path.const in ("-", b"-"):
            # click.open_file("-", "wb"): standard output, not a file
            m = mode.const if mode is not None else "r"
            writes = not isinstance(m, str) or any(c in m for c in "wax+")
            return Value(qname="sys.stdout" if writes else "sys.stdin")
        if path.const in _NULL_DEVICES or path.qname == "os.devnull":
            # open(os.devnull, "w"): the null device discards what is written, no file holds it
            return Value(qname="os.devnull")
        flags = self.arg(row.spec("flags"), args, kwargs)
        opener = self.arg(row.spec("opener"), args, kwargs) if row.spec("opener") else None
        creation = "existing"
        mode_int: Optional[int] = None
        flags_int: Optional[int] = None
        excl = nofollow = False
        if returns == L.FD:
            flags_int = flags.const if flags is not None and isinstance(flags.const, int) else None
            creates = flags_int is None or bool(flags_int & self.kb.constants.get("os.O_CREAT", 64))
            if flags_int is not None:
                excl = bool(flags_int & self.kb.constants.get("os.O_EXCL", 128))
                nofollow = bool(flags_int & self.kb.constants.get("os.O_NOFOLLOW", 131072))
            if creates:
                if mode is None:
                    creation = "default"
                else:
                    creation = "mode"
                    mode_int = worst_mode(mode)
        else:
            m = mode.const if mode is not None else "r"
            if mode is not None and not isinstance(m, str):
                m = None
            creates = m is None or any(c in m for c in "wax")
            excl = isinstance(m, str) and "x" in m
            if creates:
                creation = "default"
                if opener is not None and opener.const is not None:
                    creation = "opener"
                    mode_int = self._opener_mode(node)
                    if mode_int is not None:
                        creation = "mode"
                    else:
                        creation, mode_int = self._opener_creation(opener, path, node)
        info = FileInfo(creation=creation, path=path, node=node, mode=mode_int, flags=flags_int,
                        excl=excl, nofollow=nofollow, description=desc)
        taints = tuple(t for t in path.taints if t[0] in (L.TEMP, L.SHARED_TEMP, L.KEY_PATH))
        ident = path.ident or (("const", path.const) if isinstance(path.const, str) else ("open", id(node)))
        v = Value(kind=returns or L.FILE_HANDLE, file=info, taints=taints, ident=ident)
        self.emit("open", node, handle=v, path=path, describe=desc)
        return v

    def _opener_mode(self, node: cst.Call) -> Optional[int]:
        for a in node.args:
            if a.keyword is not None and a.keyword.value == "opener" and type(a.value) is cst.Lambda:
                body = a.value.body
                if type(body) is cst.Call and len(body.args) >= 3:
                    v = self.eval(body.args[2].value)
                    if isinstance(v.const, int):
                        return v.const
        return None

    def _opener_creation(self, opener: Value, path: Value, node: cst.Call) -> Tuple[str, Optional[int]]:
        """How ``opener=f`` creates the file when ``f`` is not a lambda: a project function
        (``def opener(p, flags): return os.open(p, flags, 0o644)``) or a partial application
        (``functools.partial(os.open, mode=0o644)``) is called as ``open`` would call it, and the
        descriptor it returns tells the mode.  The events of that trial call are dropped (the
        real call happens inside ``open``); an opener whose result is unknown counts as safe."""
        if not (isinstance(opener.func, (FunctionRef, _Partial)) or opener.qname is not None):
            return "opener", None
        interps = list(self.project.modules.values())
        if self not in interps:
            interps.append(self)
        marks = [(i, len(i.events), len(i._recording) if i._recording is not None else -1) for i in interps]
        try:
            fd = self.call(opener, [path, Value()], {}, node)
        finally:
            for interp, n_events, n_rec in marks:
                del interp.events[n_events:]
                if n_rec >= 0 and interp._recording is not None:
                    del interp._recording[n_rec:]
        info = fd.file
        if fd.kind == L.FD and info is not None and info.creation in ("mode", "default"):
            return info.creation, info.mode
        return "opener", None

    def _temp(self, row: Row, qname: str, desc: str, args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        org = self.origin(f"{desc}()", node)
        ident = ("temp", id(node), self.frame.serial if self.frame.func is not None else 0)
        t: Tuple = ((L.TEMP, org),)
        returns = row.opt("returns")
        directory = kwargs.get("dir")
        if directory is None and qname.endswith(("mkstemp", "mkdtemp", "mktemp")) and len(args) >= 3:
            directory = args[2]
        if directory is not None and directory.const is not None and not directory.has(L.TEMP):
            t = ()  # created in the caller's own directory (a staging sibling), not in the temp dir
        elif directory is None and id(node) in self._unknown_kwargs:
            # tempfile.mkstemp(*args, **kwargs) in a wrapper (salt.utils.files.mkstemp): its callers
            # may pass dir= (a sibling of the destination); where the file is, is not known
            t = ()
        elif qname.endswith(("gettempdir", "gettempdirb", "mktemp")) or row.opt("shared") \
                or returns in (L.FILE_HANDLE, "fd-path"):
            t = ((L.TEMP, org), (L.SHARED_TEMP, org)) if qname.endswith(("gettempdir", "gettempdirb", "mktemp")) \
                or row.opt("shared") else t
        if qname.endswith("mktemp") or desc.endswith("mktemp") or row.opt("race_name"):
            self.emit("mktemp", node, describe=desc)
        if returns == "name":
            return Value()  # a file name alone, in no folder yet (tempfile._get_candidate_names)
        if returns == L.FILE_HANDLE:
            delete = kwargs.get("delete")
            deleted = None if delete is None else (delete.const if isinstance(delete.const, bool) else None)
            if delete is None:
                deleted = True
            info = FileInfo(creation="temp", path=Value(taints=t, ident=ident), node=node,
                            temp_delete=deleted, description=desc)
            v = Value(kind=L.FILE_HANDLE, taints=t, file=info, ident=ident)
            self.emit("temp-create", node, handle=v, describe=desc, shared=directory is None or directory.has(L.TEMP))
            return v
        if returns == "fd-path":
            path = Value(taints=t, kind=None, ident=ident)
            info = FileInfo(creation="temp", path=path, node=node, temp_delete=False, description=desc)
            fd = Value(kind=L.FD, taints=t, file=info, ident=ident)
            self.emit("temp-create", node, handle=fd, describe=desc, shared=directory is None or directory.has(L.TEMP))
            return Value(taints=t, const=(fd, path))
        if returns == L.TEMP_DIR:
            v = Value(kind=L.TEMP_DIR, taints=t, ident=ident)
            self.emit("temp-create", node, handle=v, describe=desc)
            return v
        v = Value(taints=t, ident=ident)
        if qname.endswith("mkdtemp"):
            self.emit("temp-create", node, handle=v, describe=desc)
        return v

    # ------------------------------------------------------------------ user functions
    def call_user_function(
        self,
        fn: FunctionRef,
        args: List[Value],
        kwargs: Dict[str, Value],
        self_value: Optional[Value] = None,
        call_node: Optional[cst.CSTNode] = None,
        entry: bool = False,
        site: Optional[Tuple[str, cst.CSTNode, Optional[cst.CSTNode]]] = None,
        caller: Optional[Frame] = None,
    ) -> Value:
        interp = fn.module
        if call_node is not None and site is None and not entry:
            site, caller = (self.path, call_node, self.top), self.frame
        if call_node is not None and interp is self and id(fn.node) not in self.project.called_in_module:
            # a helper its own module calls: what its parameters hold comes from those calls
            self.project.called_in_module.add(id(fn.node))
            params = fn.node.params
            for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                self.project.called_params.add(id(p))
        if interp is not self:
            return interp._call_foreign(fn, args, kwargs, self_value, self, site, caller)
        env = self._bind_params(fn, args, kwargs, self_value, entry)
        args_in = self._bound_args
        sig = _signature(env)
        # a nested function reads its enclosing call's variables: one summary per enclosing
        # evaluation (run(tmp) and run("/etc/ssh") each define their own generate_keys)
        # (and one per kind of activation: the events a summary does not replay - tool issues, logs,
        # argv secrets - stand for its first evaluation, and a hit a test drove into library code is
        # dropped, so a helper a test calls first must be evaluated again for its real callers)
        key = (id(fn.node), sig, entry, id(fn) if fn.closure is not None else None, self._test_driven())
        if self.depth >= MAX_DEPTH and key not in self.summaries:
            # too deep to evaluate: what the arguments carry may come back (a call evaluated in the
            # same argument context elsewhere, less deep, is answered by its summary below), unless
            # the function's name says it makes something public of them: the CSR certbot's
            # make_csr(key_pem, names) returns is not the key it was given
            if _names_public_result(fn.node.name.value):
                return CLEAN
            return Value(taints=_union(args, kwargs))
        if key in self.summaries:
            summary = self.summaries[key]
            moved = {old: env[name].ident for name, old in summary.params
                     if old is not None and name in env and env[name].ident is not None and env[name].ident != old}
            moved.update(_fresh_temps(summary.events))
            if moved:
                # the same argument context, other files: key.pem and csr.pem made by one helper
                # (certbot's unique_file) are two files, not the one of the call evaluated first
                rebind = _Rebinder(moved, self.path_parents)
                self._replay(summary.events, rebind.event_values)
                return rebind.value(summary.returns)
            self._replay(summary.events)
            return summary.returns
        if key in self._active:
            return Value(taints=_union(args, kwargs))
        count = self.contexts_per_func.get(id(fn.node), 0)
        if count >= MAX_CONTEXTS and not entry:
            # too many distinct contexts: one generic evaluation (arguments without labels) stands
            # for the rest, joined with what the arguments carry - the callee's own sources survive
            generic = self._generic_summary(fn, self_value, _forwarded_keywords(fn, kwargs))
            fresh = _fresh_temps(generic.events)
            if fresh:
                # (each call makes temporary files of its own: mkstemp in a wrapper)
                rebind = _Rebinder(fresh, self.path_parents)
                self._replay(generic.events, rebind.event_values)
                ret = rebind.value(generic.returns)
            else:
                self._replay(generic.events)
                ret = generic.returns
            if ret.kind == "instance" and isinstance(ret.func, ClassRef):
                # (cls(data, *args) of a project class: what it was handed is in its attributes,
                # read through its methods and repr, not the object itself)
                return ret
            # (a helper returning a parameter itself - the whole mapping - returns every item)
            whole = isinstance(ret.ident, tuple) and len(ret.ident) > 2 and ret.ident[0] == "param" \
                and ret.ident[1] in _param_node_ids(fn.node)
            return ret.with_taints(_union(args, kwargs) if whole else _generic_union(fn, args, kwargs))
        self.contexts_per_func[id(fn.node)] = count + 1
        self._active.add(key)
        params = tuple((name, v.ident) for name, v in env.items())
        try:
            pinned = frozenset() if entry else frozenset(k for k in env if k != "self")
            summary = self._evaluate_body(fn, env, self_value, [] if entry else list(self.context), pinned,
                                          site=site, caller=caller, args_in=args_in)
        finally:
            self._active.discard(key)
        summary.params = params
        if self._recording is not None:
            self._recording.extend(summary.events[: max(0, MAX_SUMMARY_EVENTS - len(self._recording))])
        self.summaries[key] = summary
        return summary.returns

    def _evaluate_body(self, fn: FunctionRef, env: Dict[str, Value], self_value: Optional[Value],
                       context: List[str], pinned: FrozenSet[str] = frozenset(),
                       site: Optional[Tuple[str, cst.CSTNode, Optional[cst.CSTNode]]] = None,
                       caller: Optional[Frame] = None, args_in: Optional[Dict[str, Value]] = None) -> Summary:
        """Run ``fn``'s body once with ``env`` bound: what it returns (joined) and the events it
        recorded.  The caller's frame, context, recording and statement are restored afterwards."""
        saved_frame, saved_ctx, saved_rec, saved_top = self.frame, self.context, self._recording, self.top
        recording: List[Event] = []
        self.frame = Frame(env=env, func=fn, self_value=self_value, pinned=pinned,
                           site=site if site is not None and args_in else None, caller=caller, args_in=args_in or {})
        self.context = context
        self._recording = recording
        if fn.top is not None:
            self.top = fn.top
        self.depth += 1
        fill(fn.node)
        try:
            self._predeclare(fn.node.body.body if type(fn.node.body) is cst.IndentedBlock else (), env, None)
            self.exec_suite(fn.node.body)
            returns = self.frame.returns
        finally:
            self.depth -= 1
            self.frame, self.context, self._recording, self.top = saved_frame, saved_ctx, saved_rec, saved_top
        ret = CLEAN
        for r in returns:
            ret = r if ret is CLEAN else join(ret, r)
        return Summary(ret, recording)

    def _generic_summary(self, fn: FunctionRef, self_value: Optional[Value],
                         keywords: Optional[Tuple[str, ...]] = None) -> Summary:
        """The evaluation of ``fn`` standing for its calls past MAX_CONTEXTS: parameters without
        labels; ``**kwargs`` of unknown contents, or, given ``keywords``, holding those keywords
        (one generic evaluation per set of keywords a call spells: mkstemp(prefix=p) passes no
        dir=, mkstemp(prefix=p, dir=d) does)."""
        key = (id(fn.node), ("<generic>",) if keywords is None else ("<generic>", keywords))
        found = self.summaries.get(key)
        if found is not None:
            return found
        if key in self._active:
            return Summary(CLEAN, [])
        self.summaries[key] = Summary(CLEAN, [])  # recursion guard while it is computed
        env = self._bind_params(fn, [], {}, self_value, True)
        env = {k: (v.evolve(taints=()) if v.taints and v.func is None else v) for k, v in env.items()}
        star_kwarg = fn.node.params.star_kwarg
        if keywords is not None and star_kwarg is not None:
            name = star_kwarg.name.value
            env[name] = Value(const=_FrozenDict({k: Value() for k in keywords}), ident=env[name].ident)
        self._active.add(key)
        self._generic_depth += 1
        try:
            summary = self._evaluate_body(fn, env, self_value, list(self.context))
        finally:
            self._active.discard(key)
            self._generic_depth -= 1
        self.summaries[key] = summary
        return summary

    def _call_foreign(self, fn: FunctionRef, args: List[Value], kwargs: Dict[str, Value], self_value: Optional[Value], caller: "ModuleInterp",
                      site: Optional[Tuple[str, cst.CSTNode, Optional[cst.CSTNode]]] = None,
                      caller_frame: Optional[Frame] = None) -> Value:
        saved = (self.trace, self.depth, self.context, self.frame, self._recording)
        self.trace = caller.trace
        self.depth = caller.depth
        self.context = list(caller.context)
        self._recording = caller._recording
        try:
            return self.call_user_function(fn, args, kwargs, self_value, site=site, caller=caller_frame)
        finally:
            self.trace, self.depth, self.context, self.frame, self._recording = saved

    def _test_driven(self) -> bool:
        """Whether the current activation was started by a test module (see run._from_tests)."""
        root = self.project.trace_root.get(self.trace)
        return root is not None and root != self.path and is_test_module(root)

    def _replay(self, events: List[Event],
                rebind: Optional[Callable[[Mapping[str, Any]], Mapping[str, Any]]] = None) -> None:
        """A memoised call's order-relevant events, re-entered into the caller's trace (their
        values rebound to this call's arguments by ``rebind``)."""
        for ev in events:
            clone = Event(ev.kind, ev.node, ev.module, self.project.next_seq(), self.trace,
                          ev.values if rebind is None else rebind(ev.values),
                          tuple(self.context) + ev.context, self.depth + ev.depth, ev.confidence, ev.describe, ev.top)
            self.events.append(clone)
            if self._recording is not None and len(self._recording) < MAX_SUMMARY_EVENTS:
                self._recording.append(clone)

    def _bind_params(self, fn: FunctionRef, args: List[Value], kwargs: Dict[str, Value], self_value: Optional[Value], entry: bool) -> Dict[str, Value]:
        fill(fn.node)  # (a dependency's body is parsed when first called: analysis.lazy)
        env: Dict[str, Value] = {}
        # a constructor's data parameter is named by its class (PrivateSSHKeyContext(key_data))
        self._guess_func_name = fn.cls.name if fn.cls is not None and fn.name == "__init__" \
            and KEY_CLASS_RE.search(fn.cls.name) else fn.name
        self._guess_func_node = fn.node
        params = fn.node.params
        positional = list(params.posonly_params) + list(params.params)
        args = list(args)
        if fn.cls is not None and not _is_static(fn.node):
            if positional:
                first = positional.pop(0)
                if _is_classmethod(fn.node):
                    env[first.name.value] = Value(func=fn.cls)
                else:
                    env[first.name.value] = self_value or self._instance_value(fn.cls, None)
        passed: Set[str] = set()
        slots, extra, rest = _match_args(positional, params.kwonly_params, args, kwargs)
        for p, v in slots:
            name = p.name.value
            if v is not None:
                env[name] = v
                passed.add(name)
            elif name in fn.cli_defaults:
                env[name] = fn.cli_defaults[name]  # a click command run without the option
            elif p.default is not None:
                env[name] = self._param_default(p, entry, fn)
            else:
                env[name] = self._param_guess(p, entry)
        if type(params.star_arg) is cst.Param:
            env[params.star_arg.name.value] = Value(const=tuple(extra), taints=_union(extra, {}))
            if extra:
                # run(*argv) / _openssl(*args): the words the call passed (a command line a helper
                # runs is the caller's, reported where the call decided it - call_site_of)
                passed.add(params.star_arg.name.value)
        if params.star_kwarg is not None:
            if (entry and not kwargs) or _UNKNOWN_KEYWORDS in kwargs:
                # an entry point's (or the generic evaluation's) **kwargs, or those of f(**opts) of
                # a mapping not known here: whatever its callers pass, not a dict of the keywords
                # seen (a wrapper forwarding them to tempfile.mkstemp may be given dir=)
                # (the keywords seen are its fields: kwargs["tls_min_version"] is not the key the
                # caller passed as tls_client_key=; its keys are keyword names, never key material)
                fields = tuple((f"[{k}]", v) for k, v in rest.items() if v.taints)
                env[params.star_kwarg.name.value] = Value(taints=_union([], rest),
                                                          attrs=fields + ((_KEYWORD_NAMES, CLEAN),) if fields else ())
            else:
                env[params.star_kwarg.name.value] = Value(const=_FrozenDict(rest), taints=_union([], rest))
        for p in (*positional, *params.kwonly_params):
            name = p.name.value
            v = env.get(name)
            if name in passed and p.annotation is not None and v is not None and v.kind is None \
                    and v.func is None and v.qname is None and v.const is UNKNOWN and not v.taints:
                # write_file(module: AnsibleModule, ...) called with an object the caller does not
                # know: the annotation says what it is (its methods' rows apply)
                row = self._annotated_row(p.annotation.annotation)
                if row is not None and not row.label:
                    env[name] = v.evolve(kind=row.kind)
        self._bound_args = {name: env[name] for name in passed if name in env}
        serial = None
        for name, v in list(env.items()):
            if v.ident is None and v.func is None and v.qname is None:
                # a value without an identity: one token per parameter and evaluation (certbot's
                # key and CSR paths, split and joined again inside the same unique_file(path,
                # mode) helper, are two files; a call the memo answers replays the summary of an
                # earlier call with the same arguments, tokens included)
                if serial is None:
                    serial = _next_serial()
                env[name] = v.evolve(ident=("arg", id(fn.node), name, serial))
                if entry and name not in passed:
                    # an entry point's parameter at its default: one value of many its callers may pass
                    self.project.guessed_idents.add(env[name].ident)
        return env

    _bound_args: Dict[str, Value] = {}

    def call_site_of(self, v: Optional[Value]) -> Optional[Tuple[str, cst.CSTNode, Optional[cst.CSTNode]]]:
        """Where a value a helper acts on was decided: the outermost call that passed it down
        unchanged through parameters (``_run(argv)`` running ``subprocess.run(argv)``, called as
        ``_run(certificate_create(...))``), as (module, call node, its statement); None when the
        value is the current function's own (or an entry point's guess)."""
        frame = self.frame
        site = None
        while v is not None and frame.site is not None and frame.caller is not None:
            # (a parameter still bound to what the call passed: the helper did not rebind it)
            name = next((k for k in frame.args_in if frame.env.get(k) is v), None)
            if name is None:
                name = _wrapped_parameter(frame, v)
            src = v.get_attr(_MAPPED_FROM) if name is None and v.attrs else None
            if src is not None:
                # tuple(os.fspath(a) for a in argv): the parameter's items, each converted
                name = next((k for k in frame.args_in if frame.env.get(k) is src), None) or _wrapped_parameter(frame, src)
            if name is None:
                break
            site = frame.site
            v = frame.args_in[name]
            frame = frame.caller
        return site

    def _param_default(self, p: cst.Param, entry: bool, fn: FunctionRef) -> Value:
        saved = self.frame
        try:
            v = self.eval(p.default) if p.default is not None else CLEAN
        finally:
            self.frame = saved
        if entry and v.const == "" and _SECRET_PARAM_RE.search(p.name.value) \
                and not _NOT_A_SECRET_RE.search(p.name.value) and not self._module_calls(fn.name):
            # def make_p12(..., export_password=""): the empty default of a password parameter of
            # a function its module never calls only says the password is optional - its callers
            # pass it, as for a parameter without a default (a helper called here without it does
            # run with "": -passout pass: is then an empty passphrase, KG502)
            return self._param_guess(p, entry)
        if isinstance(v.const, str):
            return v  # private_key="~/.ssh/id_ed25519": a path (or a name), whatever the parameter is called
        guess = self._param_guess(p, entry)
        return v.with_taints(guess.taints) if guess.taints else v

    def _param_guess(self, p: cst.Param, entry: bool) -> Value:
        """An entry point's parameter: key material when its annotation or name says so.

        ``def save_private_key(path, data)``: a generic data parameter of a function whose
        name says it handles a private key is key material too (medium confidence).
        """
        name = p.name.value
        ident = ("param", id(p), name)
        if name in _PYTEST_TEMP_FIXTURES:
            # pytest's tmp_path / tmpdir / tmp_path_factory: per-test folders under the system temp
            # dir (in a test or a fixture; elsewhere a parameter named so is a temporary folder too)
            fname = self._guess_func_name or ""
            in_test = fname.startswith("test") or is_test_module(self.path)
            org = self.origin(f"pytest's `{name}` folder" if in_test else f"parameter `{name}`, a temporary folder by its name", p)
            return Value(kind=L.TEMP_DIR if name.endswith("factory") else L.PATH, taints=((L.TEMP, org),), ident=ident)
        if p.annotation is not None:
            ann = self.code(p.annotation.annotation)
            inst = self._annotated_instance(p.annotation.annotation, p.name.value)
            if inst is not None:
                return inst  # acct: AccountKey - a project class: its methods are followed
            row = self._annotated_row(p.annotation.annotation)
            if row is not None:
                # module: AnsibleModule - a library object; key: asyncssh.SSHKey - one whose row
                # gives it a label (a private key) too
                taints = ((row.label, self.origin(f"{L.PARAM_GUESS} `{name}: {ann}`", p, "medium")),) if row.label else ()
                return Value(kind=row.kind, ident=ident, taints=taints)
            if KEY_ANNOT_RE.search(ann) and "Public" not in ann:
                return Value(taints=((L.PRIVATE_KEY, self.origin(f"{L.PARAM_GUESS} `{name}: {ann}`", p, "medium")),), ident=ident)
            if "Path" in ann:
                return Value(kind=L.PATH, ident=ident)
        if KEY_NAME_RE.search(name) and "public" not in name.lower() and "path" not in name.lower() \
                and "file" not in name.lower() and "name" not in name.lower() and "dir" not in name.lower() \
                and not _KEY_METADATA_NAME.search(name) and not self._opened_as_path(name):
            label = L.KEY_MATERIAL if re.search(r"pem|bytes|data|der|material|str|text", name, re.I) else L.PRIVATE_KEY
            if p.annotation is not None and re.search(r"\b(?:bytes|bytearray|str)\b", self.code(p.annotation.annotation)):
                label = L.KEY_MATERIAL  # signing_key: bytes - the key's bytes, not a key object
            return Value(taints=((label, self.origin(f"{L.PARAM_GUESS} `{name}`", p, "medium")),), ident=ident)
        if PASS_NAME_RE.search(name) and not _NOT_A_SECRET_RE.search(name):
            # (passphrase_file, key_password_path, passphrase_fd: where the passphrase is, not it)
            return Value(taints=((L.PASSPHRASE, self.origin(f"passphrase parameter `{name}`", p, "medium")),), ident=ident)
        fname = self._guess_func_name
        if fname and KEY_FUNC_RE.search(fname) and "public" not in fname.lower() and "cert" not in fname.lower() \
                and not _SYMMETRIC_NAME_RE.search(fname):
            if name in _DATA_PARAMS:
                return Value(taints=((L.KEY_MATERIAL, self.origin(f"{L.PARAM_GUESS} `{name}` of `{fname}`", p, "medium")),), ident=ident)
        return Value(ident=ident)

    _guess_func_name: str = ""
    _guess_func_node: Optional[cst.FunctionDef] = None

    def _opened_as_path(self, name: str) -> bool:
        """The function being guessed opens its parameter ``name`` as a file (``open(private_key,
        "rb")``, ``Path(private_key)``, ``os.path.join(private_key, ...)``: the first argument of a
        call with an `open` row taking its path there, a `path` kind row or a path-joining row):
        the parameter names a key file, it does not hold a key.  Not when the function also tests
        whether it names an existing file (a `path_test` row: ``if not os.path.exists(private_key):``,
        ``Path(private_key).is_file()`` - a path or the key itself, each branch reading it its own way)."""
        fn = self._guess_func_node
        if fn is None:
            return False
        opened = False
        for callee in _first_argument_callees(fn).get(name, ()):
            if callee.startswith("."):
                # Path(private_key).is_file(): a path test too
                if any(r.opt("path_test") for r in self.kb.method_rows(callee[1:])):
                    return False
                continue
            head, _, rest = callee.partition(".")
            base = self.lookup(head)
            qname = base.qname if not rest else (f"{base.qname}.{rest}" if base.qname else None)
            for row in self.kb.call_rows(qname) if qname else ():
                if row.opt("path_test"):
                    return False
                spec = row.spec("path")
                if (row.effect == "open" and spec is not None and spec.pos == 0) \
                        or (row.effect == "kind" and row.kind == L.PATH) or row.opt("path_join"):
                    opened = True
        return opened

    def _annotated_row(self, ann: cst.BaseExpression) -> Optional[Row]:
        """The ``kind`` row of the library class a parameter annotation names, when it says
        ``annotated`` (``module: AnsibleModule``, ``c: Optional[invoke.Context]``, ``c: "Connection"``)."""
        ann = _unwrap_optional(ann)
        d = dotted(ann) if type(ann) in (cst.Name, cst.Attribute) else None
        if type(ann) is cst.SimpleString:
            text = ann.evaluated_value
            d = text if isinstance(text, str) and all(x.isidentifier() for x in text.split(".")) else None
        if d is None:
            return None
        head, _, rest = d.partition(".")
        base = self.lookup(head)
        qname = base.qname if not rest else (f"{base.qname}.{rest}" if base.qname else None)
        if qname is None:
            return None
        for row in self.kb.call_rows(qname):
            if row.effect == "kind" and row.opt("annotated") and row.kind:
                return row
        return None

    def _annotated_instance(self, ann: cst.BaseExpression, param: str = "") -> Optional[Value]:
        """An instance of the project class named by a parameter annotation (``Optional[C]`` too)."""
        ann = _unwrap_optional(ann)
        if type(ann) not in (cst.Name, cst.Attribute):  # (not "C" strings: forward references)
            return None
        saved = self.frame
        try:
            v = self.eval(ann)
        finally:
            self.frame = saved
        if v.func is None and v.qname is not None and "." in v.qname:
            # def debug_dump(key: Key): a project class of another module, loaded when its
            # definition is worth it (as for a call), or - def audit(bundle: TlsBundle): ...
            # bundle.key_pem - for the key-named fields the function reads
            mod, _, sym = v.qname.rpartition(".")
            mod_path = self.project.resolve_module(mod)
            if mod_path is not None and mod_path != self.path and (
                    self.project.worth(mod_path, sym)
                    or (self._guess_func_node is not None and param in _key_field_readers(self._guess_func_node))):
                found = self.resolve_project_symbol(v.qname, load=True)
                for _hop in range(3):  # through a package __init__'s re-exports (from .key import Key)
                    if found is None or found.func is not None or not found.qname or found.qname == v.qname:
                        break
                    found = self.resolve_project_symbol(found.qname, load=True)
                if found is not None:
                    v = found
        if isinstance(v.func, ClassRef):
            return self._instance_value(v.func, None).evolve(ident=_annotated_ident(v.func))
        return None


# ----------------------------------------------------------------------------- small utilities

_QUOTES = ("'", '"')
_TRIPLE = ("'" * 3, '"' * 3)


def _unwrap_optional(ann: cst.BaseExpression) -> cst.BaseExpression:
    """``C`` of an ``Optional[C]`` annotation, else the annotation."""
    if type(ann) is cst.Subscript and len(ann.slice) == 1 and type(ann.slice[0].slice) is cst.Index \
            and (dotted(ann.value) or "").rsplit(".", 1)[-1] == "Optional":
        return ann.slice[0].slice.value
    return ann


@functools.lru_cache(maxsize=4096)
def _passphrase_named(name: str) -> bool:
    """A variable or attribute name saying it holds a key passphrase (``passphrase``,
    ``key_password``), not where one is kept (``passphrase_file``, ``passphrase_env``, ``_fd``)."""
    return bool(PASS_NAME_RE.search(name)) and not _NOT_A_SECRET_NAME.search(name)


def _base_name(v: Value) -> Optional[str]:
    """The last component of a path whose name is statically known (a constant, or the known tail
    of a joined path: ``root / name / "key.pem"``), else None."""
    text: object = v.const
    if not isinstance(text, str) and v.pieces:
        text = v.pieces[-1]
        if not isinstance(text, str) or "/" not in text.replace("\\", "/"):
            return None
    if not isinstance(text, str) or not text:
        return None
    return text.replace("\\", "/").rstrip("/").rpartition("/")[2] or None


def _MAY_BE_KEY_PATH(s: str) -> bool:
    low = s.lower()
    return "key" in low or "id_" in low or ".p12" in low or ".pfx" in low or "priv" in low


#: ``x += y`` is evaluated as ``x + y`` (lists growing, strings and flags built up)
_AUG_OPS = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.ModuloAssign: cst.Modulo, cst.BitOrAssign: cst.BitOr,
    cst.BitAndAssign: cst.BitAnd, cst.BitXorAssign: cst.BitXor, cst.LeftShiftAssign: cst.LeftShift,
}
_METADATA_ATTRS = frozenset({"size", "capacity", "nbytes", "itemsize", "closed", "address", "length", "mode",
                             "key_size", "curve", "name", "shape", "ndim", "readonly", "format",
                             # key.private_numbers().public_numbers.n, type(k).__name__: nothing secret
                             "public_numbers", "__class__", "__name__", "__qualname__", "__module__"})
_CLEANUP_REGISTRARS = frozenset({"callback", "register", "finalize", "addCleanup", "add_cleanup", "push_callback"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "critical", "exception", "fatal"})


_CLI_PARSER = "cli-parser"
_CLI_NAMESPACE = "cli-namespace"
_CLI_OPTION = "cli-option"


def _cli_dest(names: List[str], dest: Any, naming: str) -> Optional[str]:
    """The attribute (argparse) or parameter (click) an option's value is stored under."""
    if isinstance(dest, str) and dest.isidentifier():
        return dest
    if not names:
        return None
    if naming == "click":
        plain = [n for n in names if n.isidentifier()]
        if plain:
            return plain[0]  # @click.option("--key-size", "bits"): the parameter is `bits`
        longest = max(names, key=lambda n: len(n) - len(n.lstrip("-")))
        name = longest.split("/")[0].lstrip("-").replace("-", "_").lower()
    else:
        longs = [n for n in names if n.startswith("--")]
        name = (longs[0] if longs else names[0]).lstrip("-").replace("-", "_")
    return name if name.isidentifier() else None


class _FrozenDict(dict):
    """A dict constant (hashable by identity so values stay immutable in practice)."""

    __hash__ = object.__hash__  # type: ignore[assignment]


def _opaque_text(value: Value, node: Optional[cst.CSTNode]) -> bool:
    """A value this analysis knows nothing of (``cfg["path"].strip()``, ``db[b"key_path"].decode()``)
    bound to a name: the name stands for one file, should it be opened and chmod-ed later."""
    return (value.const is UNKNOWN and value.kind is None and value.func is None and value.qname is None
            and value.file is None and not value.taints and not value.attrs
            and type(node) in (cst.Call, cst.Subscript, cst.Attribute))


def _attr_state(attrs: Mapping[str, Value]) -> tuple:
    return tuple(sorted((k, tuple(sorted(v.labels))) for k, v in attrs.items()))


def _secret_of(arg: object) -> Value:
    """The engine value behind a secret argv element (a hole's ref)."""
    for p in getattr(arg, "pieces", ()):
        ref = getattr(p, "ref", None)
        if isinstance(ref, Value) and (ref.is_key or ref.has(L.PASSPHRASE)):
            return ref
    return Value()


#: the attribute under which a client object keeps the base URL it was made with (not a Python name)
_BASE_URL = "<base-url>"
#: the descriptor or file object whose file a shared mapping maps (a kind row's `fd` argument)
_MAPPED_FILE = "<mapped-file>"
#: the keyword a call with a ``**`` expansion of unknown contents passes (a callee's **kwargs is
#: then unknown too, not a dict of the keywords the call spells)
_UNKNOWN_KEYWORDS = "**"
#: the attribute of a text form of a structured value (json.dumps(resp)) holding that value
_FIELDS_OF = "<fields-of>"

#: the null device: what is written there is discarded
_NULL_DEVICES = frozenset({"/dev/null", b"/dev/null", "nul", "NUL"})

#: Django model manager methods returning a new instance made from their keywords (Model.objects.create)
_MODEL_MANAGER_CREATE = frozenset({"create", "acreate"})

#: functions returning all of an object's fields
_OBJECT_DUMPS = frozenset({"dataclasses.asdict", "dataclasses.astuple", "attr.asdict", "attr.astuple",
                           "attrs.asdict", "attrs.astuple", "vars"})

#: pytest fixtures that are folders under the system temporary directory
_PYTEST_TEMP_FIXTURES = frozenset({"tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory"})

#: methods only path objects have: an unknown receiver calling one is a path (argparse type=Path,
#: an untyped parameter, an attribute of a config object)
def _file_ids(v: Value) -> Set[object]:
    """Identity tokens of the file a path, handle or fd value names (as AnalysisContext.file_ids),
    without the token a helper's parameter gets for arguments of unknown identity: it is shared by
    all such calls (``fopen(path)``), so every file the helper opens would be the key's."""
    ids: Set[object] = set()
    for x in (v, v.file.path if v.file is not None else None):
        if x is not None:
            if x.ident is not None and not (isinstance(x.ident, tuple) and x.ident[:1] == ("arg",)):
                ids.add(x.ident)
            if isinstance(x.const, str):
                ids.add(("const", x.const))
    return ids


#: identity tokens shared by unrelated files: a handle opened at one node on a path of unknown
#: identity ("open"), a helper's parameter given arguments of unknown
#: identity, a variable of a helper evaluated once for all its callers ("gname": salt's
#: fopen(*args)), objects
_SHARED_IDENTS = frozenset({"arg", "gname", "open", "obj", "lazy", "instance", "buffer", "loaded-key"})


def _specific_file_id(fid: object, frame: object) -> bool:
    """The identity names one file for code running in ``frame`` (see _key_file_read): not a
    shared token, nor a variable of another function's frame (a memoised helper hands the same
    token to callers whose arguments look alike: salt's fopen(*args) for every file it opens)."""
    if not isinstance(fid, tuple) or not fid:
        return True
    if fid[0] in _SHARED_IDENTS or (fid[0] == "name" and len(fid) > 2 and fid[2] != id(frame)):
        return False
    return all(_specific_file_id(part, frame) for part in fid[1:] if isinstance(part, tuple))


def _short(code: str) -> str:
    code = " ".join(code.split())
    return code if len(code) <= 48 else code[:45] + "..."


#: the attribute under which a container value keeps the project objects put in it
_HELD = "[*]"
#: Path methods whose result is not a path (the file's contents, a flag)
_PATH_CONTENT_METHODS = frozenset({"read_bytes", "read_text", "exists", "is_file", "is_dir", "stat", "lstat"})
_PATH_ONLY_METHODS = frozenset({"write_bytes", "write_text", "with_suffix", "with_name", "with_stem", "joinpath"})

_STD_STREAMS = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})


#: module constants that decide key strength (KG601) whatever their module's text says
_KEY_PARAMETER_NAME = re.compile(r"(?:KEY|RSA|DSA|MODULUS).*(?:SIZE|BITS|LEN)|BITS$|EXPONENT|CURVE")


_TEST_DIRS = frozenset({"test", "tests", "testing", "unittests"})


def is_test_module(path: str) -> bool:
    """A test file by the usual conventions: under a ``test``/``tests`` folder, or named
    ``test_*.py``, ``*_test.py``, ``*_tests.py`` or ``conftest.py``."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith(("_test.py", "_tests.py")) or name == "conftest.py":
        return True
    return any(p in _TEST_DIRS for p in parts[:-1])


def _worth_importing_constant(project: "Project", path: str, name: str) -> bool:
    """``from settings import KEY_SIZE`` / ``from paths import SCRATCH``: an UPPER_CASE name
    (a constant by convention) of a module whose module-level code mentions a key source, a
    temporary location or a weak generator, or a key-size/exponent/curve setting."""
    if not name.isupper():
        return False
    return bool(_KEY_PARAMETER_NAME.search(name)) or project.worth(path, name)


#: a name bound by ``from m import name``, resolved where it is used (ModuleInterp._resolve_import)
_LAZY_IMPORT = "lazy-import"
#: an instance of a project class not parsed yet (ModuleInterp._materialize)
_LAZY_INSTANCE = "lazy-instance"
#: attribute of a sequence mapped item by item (``[str(a) for a in argv]``): the sequence it maps
_MAPPED_FROM = "<mapped-from>"
#: the frame variable holding the working directory an ``os.chdir`` set (``_inherited_cwd``)
_CWD = "<cwd>"
#: an instance of a ``namedtuple`` type (``_TupleRecordType``): its fields are attributes ``.<name>``
_TUPLE_RECORD = "tuple-record"


def _argv_list(items: Sequence[object]) -> bool:
    """``for cmd in make_cmds(tmpdir): subprocess.run(cmd)``: a known list of command lines (tuples
    starting with a known program name), run by the loop one after the other - each in turn, so a
    tool's temporary output path is not lost in the join of different command lines."""
    return all(isinstance(x, Value) and isinstance(x.const, tuple) and bool(x.const)
               and isinstance(x.const[0], Value) and isinstance(x.const[0].const, str) for x in items)


def _worth_binding(interp: "ModuleInterp", path: str, name: str, qname: str) -> bool:
    """Whether the module attribute ``m.name`` evaluates to what module ``m`` (at ``path``)
    defines rather than a reference resolved when called: constants worth importing, and names
    whose definition (or module-level code) mentions a key source (``keydata.private_pem``).
    Names the knowledge base knows keep their library meaning (``OpenSSL.crypto.PKey`` inside
    pyOpenSSL's own tests).  ``from m import name`` is resolved where the name is used
    (:meth:`ModuleInterp._resolve_import`)."""
    if _worth_importing_constant(interp.project, path, name):
        return True
    return interp.project.worth(path, name) and not interp.kb.call_rows(qname)


def _always_exits(suite: cst.BaseSuite) -> bool:
    """The block ends in ``raise``/``return``/``continue``/``break``: what follows the if never
    runs after it."""
    if type(suite) is cst.IndentedBlock:
        last = suite.body[-1] if suite.body else None
        if type(last) is not cst.SimpleStatementLine:
            return False
        small = last.body[-1] if last.body else None
    else:
        small = suite.body[-1] if suite.body else None
    return type(small) in (cst.Raise, cst.Return, cst.Continue, cst.Break)


#: builtin types no key object is an instance of (``_plain_type_test``)
_PLAIN_TYPES = frozenset({"str", "bytes", "bytearray", "int", "float", "bool", "list", "tuple", "dict", "set",
                          "PurePath", "Path", "PosixPath", "WindowsPath", "PathLike"})


#: the text type alone (``_plain_type_test(test, _TEXT_TYPES)``: the name holds a str)
_TEXT_TYPES = frozenset({"str"})


def _plain_type_test(test: cst.BaseExpression, types: FrozenSet[str] = _PLAIN_TYPES) -> Tuple[Optional[str], bool]:
    """``isinstance(x, (str, bytes))`` -> ("x", True): x is of a plain type in the body;
    ``not isinstance(...)`` -> ("x", False).  Only tests naming plain types (of ``types``) alone count."""
    found = _isinstance_test(test)
    if found is None:
        return None, False
    name, elems, positive = found
    names = [e.attr.value if type(e) is cst.Attribute else e.value if type(e) is cst.Name else None for e in elems]
    if not names or not all(n in types for n in names):
        return None, False
    return name, positive


#: a flag's name saying the value is a private key / secret (``private``, ``self.is_private()``,
#: ``is_key``) or public material (``public``, ``is_cert``)
_PRIVATE_FLAG_RE = re.compile(r"^_*(?:is_|has_)?(?:private|priv|secret|sensitive|key)(?:_key|_file)?$", re.I)
_PUBLIC_FLAG_RE = re.compile(r"^_*(?:is_|has_)?(?:public|pub|cert|certificate)(?:_key|_file)?$", re.I)


def _says_private(test: cst.BaseExpression) -> Optional[bool]:
    """``private`` / ``self.is_private()`` / ``not is_cert`` -> True: the test holds for a private
    key; ``public`` / ``not private`` -> False; None for other tests."""
    test, positive = _without_not(test)
    if type(test) is cst.Call and not test.args:
        test = test.func
    name = test.value if type(test) is cst.Name else test.attr.value if type(test) is cst.Attribute else None
    if name is None:
        return None
    if _PRIVATE_FLAG_RE.match(name):
        return positive
    if _PUBLIC_FLAG_RE.match(name):
        return not positive
    return None


def _without_not(test: cst.BaseExpression) -> Tuple[cst.BaseExpression, bool]:
    """``test`` under its ``not``s, and whether it holds where the whole test does (an even number
    of them)."""
    positive = True
    while type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        test, positive = test.expression, not positive
    return test, positive


def _isinstance_test(test: cst.BaseExpression) -> Optional[Tuple[str, List[cst.BaseExpression], bool]]:
    """``isinstance(x, T)`` / ``isinstance(x, (T, U))`` / ``type(x) == T`` / ``type(x) is T``, under
    any number of ``not`` (``!=`` / ``is not`` count as one): (``x``, the type expressions, whether
    the test holds where ``isinstance`` does); None for other tests."""
    test, positive = _without_not(test)
    if type(test) is cst.Comparison and len(test.comparisons) == 1 \
            and type(test.comparisons[0].operator) in (cst.Equal, cst.Is, cst.NotEqual, cst.IsNot):
        # type(x) == T / type(x) is T (and != / is not): an exact-type test narrows as isinstance does
        left, comp = test.left, test.comparisons[0]
        if type(left) is cst.Call and type(left.func) is cst.Name and left.func.value == "type" \
                and len(left.args) == 1 and type(left.args[0].value) is cst.Name \
                and type(comp.comparator) in (cst.Name, cst.Attribute):
            return left.args[0].value.value, [comp.comparator], \
                positive == (type(comp.operator) in (cst.Equal, cst.Is))
        return None
    if type(test) is not cst.Call or type(test.func) is not cst.Name or test.func.value != "isinstance" \
            or len(test.args) != 2 or type(test.args[0].value) is not cst.Name:
        return None
    types = test.args[1].value
    elems = [e.value for e in types.elements] if type(types) is cst.Tuple else [types]
    return test.args[0].value.value, elems, positive


def _is_none_test(test: cst.BaseExpression) -> Tuple[Optional[str], bool]:
    """``x is None`` -> ("x", True): x is None in the body; ``x is not None`` -> ("x", False)."""
    if type(test) is cst.Comparison and len(test.comparisons) == 1 and type(test.left) is cst.Name:
        comp = test.comparisons[0]
        if type(comp.comparator) is cst.Name and comp.comparator.value == "None":
            if type(comp.operator) is cst.Is:
                return test.left.value, True
            if type(comp.operator) is cst.IsNot:
                return test.left.value, False
    return None, False


_LITERAL_NAMES = {"True": True, "False": False, "None": None}


def _field_names(v: Optional[Value]) -> Tuple[str, ...]:
    """The field names a namedtuple factory is given: ``"a b"`` / ``"a, b"``, ``["a", "b"]``,
    ``[("a", str), ("b", int)]`` (typing.NamedTuple); () when not statically known."""
    if v is None:
        return ()
    if isinstance(v.const, str):
        names = tuple(v.const.replace(",", " ").split())
    elif isinstance(v.const, tuple):
        out = []
        for item in v.const:
            if isinstance(item, Value) and isinstance(item.const, tuple) and item.const \
                    and isinstance(item.const[0], Value):
                item = item.const[0]
            if not isinstance(item, Value) or not isinstance(item.const, str):
                return ()
            out.append(item.const)
        names = tuple(out)
    else:
        return ()
    return names if all(n.isidentifier() for n in names) else ()


def _literal_comparison(test: cst.BaseExpression) -> Optional[Tuple[str, type, object]]:
    """``x is True`` / ``x == "pem"`` / ``x != 0`` -> (``x``, operator type, the literal), the
    literal a bool, None, int or str; else None."""
    if type(test) is not cst.Comparison or len(test.comparisons) != 1 or type(test.left) is not cst.Name:
        return None
    comp = test.comparisons[0]
    op = type(comp.operator)
    if op not in (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual):
        return None
    lit = comp.comparator
    if type(lit) is cst.Name and lit.value in _LITERAL_NAMES:
        return test.left.value, op, _LITERAL_NAMES[lit.value]
    if type(lit) is cst.Integer:
        return test.left.value, op, lit.evaluated_value
    if type(lit) is cst.SimpleString and isinstance(lit.evaluated_value, str):
        return test.left.value, op, lit.evaluated_value
    return None


@dataclass(frozen=True)
class _Field:
    """A field of a class whose ``__init__`` is generated (``@dataclass``, attrs, ``NamedTuple``)."""

    name: str
    node: cst.CSTNode
    annotation: Optional[cst.BaseExpression]
    repr: bool  # shown by the generated __repr__ (``field(repr=False)`` hides it)


#: decorators that generate ``__init__`` (and ``__repr__``): dataclasses, attrs (``attr.s``,
#: ``attr.attrs``, ``define``, ``frozen``, ``mutable``)
_GENERATING_DECORATORS = ("dataclass", "define", "frozen", "attrs", "s", "mutable")
#: ``name = field(...)`` / ``attr.ib(...)`` / ``attrib(...)``: a field without an annotation (attrs)
_FIELD_CALLS = ("field", "ib", "attrib", "Field")
#: labels a shown object carries into its text (key material; not locations or path labels)
_SHOWN_LABELS = frozenset({L.PRIVATE_KEY, L.KEY_MATERIAL, L.PASSPHRASE, L.UNENCRYPTED})
#: calls whose result is an object's text: str(bundle), repr(bundle), format(bundle)
_SHOWING_CALLS = frozenset({"str", "repr", "format", "ascii"})


_KEY_FIELD_READERS: Dict[int, Tuple[cst.FunctionDef, FrozenSet[str]]] = {}


def _key_field_readers(fn: cst.FunctionDef) -> FrozenSet[str]:
    """The names ``n`` of ``fn``'s body read as ``n.<key-named field>`` (``bundle.key_pem``)."""
    hit = _KEY_FIELD_READERS.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    names: Set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if type(node.value) is cst.Name and KEY_NAME_RE.search(node.attr.value):
                names.add(node.value.value)

    fn.body.visit(_V())
    found = frozenset(names)
    if len(_KEY_FIELD_READERS) > 4096:
        _KEY_FIELD_READERS.clear()
    _KEY_FIELD_READERS[id(fn)] = (fn, found)
    return found


_FIRST_ARGUMENT_CALLEES: Dict[int, Tuple[cst.FunctionDef, Dict[str, Tuple[str, ...]]]] = {}


def _first_argument_callees(fn: cst.FunctionDef) -> Dict[str, Tuple[str, ...]]:
    """The dotted callees each name of ``fn``'s body is passed to as first positional argument
    (``open(private_key, "rb")``: ``{"private_key": ("open",)}``), and as ``.method`` the methods
    called on such a call's result (``Path(signing_key).is_file()``: ``".is_file"`` too)."""
    hit = _FIRST_ARGUMENT_CALLEES.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    found: Dict[str, Set[str]] = {}

    class _V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if node.args and node.args[0].keyword is None and not node.args[0].star \
                    and type(node.args[0].value) is cst.Name:
                d = dotted(node.func) if type(node.func) in (cst.Name, cst.Attribute) else None
                if d:
                    found.setdefault(node.args[0].value.value, set()).add(d)
            func = node.func
            if type(func) is cst.Attribute and type(func.value) is cst.Call and func.value.args \
                    and func.value.args[0].keyword is None and not func.value.args[0].star \
                    and type(func.value.args[0].value) is cst.Name:
                found.setdefault(func.value.args[0].value.value, set()).add("." + func.attr.value)

    fn.body.visit(_V())
    out = {k: tuple(sorted(v)) for k, v in found.items()}
    if len(_FIRST_ARGUMENT_CALLEES) > 4096:
        _FIRST_ARGUMENT_CALLEES.clear()
    _FIRST_ARGUMENT_CALLEES[id(fn)] = (fn, out)
    return out


def _abstract_body(fn: cst.FunctionDef) -> bool:
    """A method with no behaviour of its own (``...``, ``pass``, a docstring, ``raise
    NotImplementedError``), or marked ``@abstractmethod``."""
    if any((dotted(d.decorator) or "").rsplit(".", 1)[-1] == "abstractmethod" for d in fn.decorators):
        return True
    body = fn.body
    stmts = body.body if type(body) is cst.IndentedBlock else (body,)
    for st in stmts:
        small = st.body if type(st) in (cst.SimpleStatementLine, cst.SimpleStatementSuite) else None
        if small is None:
            return False
        for x in small:
            if type(x) is cst.Pass:
                continue
            if type(x) is cst.Expr and type(x.value) in (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString):
                continue
            if type(x) is cst.Raise and x.exc is not None and "NotImplementedError" in (
                    dotted(x.exc.func if type(x.exc) is cst.Call else x.exc) or ""):
                continue
            return False
    return True


def _annotated_ident(cls: ClassRef) -> tuple:
    """The identity of an instance an entry point's parameter annotation names (``b: Bundle``)."""
    return ("instance", id(cls.node), "annotated")


def _generating_decorator(cls: ClassRef) -> Optional[cst.Decorator]:
    for d in cls.node.decorators:
        if _decorator_name(d.decorator) in _GENERATING_DECORATORS:
            return d
    return None


def _is_generated(cls: ClassRef) -> bool:
    return _generating_decorator(cls) is not None or any(b.rsplit(".", 1)[-1] == "NamedTuple" for b in cls.bases)


def _false_option(call: cst.BaseExpression, name: str) -> bool:
    """``f(..., name=False)``."""
    return type(call) is cst.Call and any(
        a.keyword is not None and a.keyword.value == name and type(a.value) is cst.Name and a.value.value == "False"
        for a in call.args)


def _generated_repr(cls: ClassRef) -> bool:
    """Whether ``cls`` has a generated ``__repr__`` that prints its fields."""
    d = _generating_decorator(cls)
    if d is not None:
        return not _false_option(d.decorator, "repr")
    return any(b.rsplit(".", 1)[-1] == "NamedTuple" for b in cls.bases)


def _class_fields(cls: ClassRef) -> List[_Field]:
    """The fields of a generated-``__init__`` class, in declaration order: annotated names
    (``ClassVar`` excepted) and names assigned ``field()`` / ``attr.ib()``."""
    out: List[_Field] = []
    body = cls.node.body.body if type(cls.node.body) is cst.IndentedBlock else ()
    for line in body:
        if type(line) is not cst.SimpleStatementLine:
            continue
        for st in line.body:
            if type(st) is cst.AnnAssign and type(st.target) is cst.Name:
                if "ClassVar" in (dotted(st.annotation.annotation) or "") or (
                        type(st.annotation.annotation) is cst.Subscript
                        and "ClassVar" in (dotted(st.annotation.annotation.value) or "")):
                    continue
                value = st.value
                out.append(_Field(st.target.value, st, st.annotation.annotation,
                                  not (value is not None and _is_field_call(value) and _false_option(value, "repr"))))
            elif type(st) is cst.Assign and len(st.targets) == 1 and type(st.targets[0].target) is cst.Name \
                    and _is_field_call(st.value):
                out.append(_Field(st.targets[0].target.value, st, None, not _false_option(st.value, "repr")))
    return out


def _is_field_call(e: cst.BaseExpression) -> bool:
    return type(e) is cst.Call and _decorator_name(e.func) in _FIELD_CALLS


def _is_property(node: cst.FunctionDef) -> bool:
    """``@property`` / ``@functools.cached_property`` getters (not setters, which are ``@x.setter``)."""
    return any(_decorator_name(d.decorator) in ("property", "cached_property") for d in node.decorators)


def _decorator_name(e: cst.BaseExpression) -> str:
    """``contextlib.contextmanager`` / ``contextmanager`` / ``functools.cache(...)`` -> last name."""
    if type(e) is cst.Call:
        e = e.func
    if type(e) is cst.Attribute:
        return e.attr.value
    return e.value if type(e) is cst.Name else ""


_FOLLOWED_LABELS = (L.PRIVATE_KEY, L.KEY_MATERIAL, L.PASSPHRASE, L.WEAK_RANDOM, L.TEMP, L.SHARED_TEMP)


def _worth_following(v: Value) -> bool:
    """An argument that makes a call into another module of the project worth analysing: key
    material, a passphrase, weak randomness, a temporary location (``utils.write(tmp, data)``), or
    a command line naming a key-generation tool (``utils.run(["openssl", "genrsa", ...])``)."""
    if any(lbl in _FOLLOWED_LABELS for lbl, _ in deep_taints(v)):
        return True
    if fields_carry(v, _FOLLOWED_LABELS):
        return True  # issue() -> Issued(key_pem=...): an object whose fields hold key material
    return names_keygen_tool(v)


def _mapping_items(name: str, recv: Value, args: List[Value], kwargs: Dict[str, Value]) -> List[Tuple[Value, Value]]:
    """The (key, value) pairs a dict's ``update(...)`` / ``setdefault(k, v)`` stores.  Only calls
    that are a mapping's: keywords or a dict display given to ``update`` (a hash object's
    ``update(data)`` takes one bytes argument), or a known dict receiving anything."""
    if name == "setdefault":
        return [(args[0], args[1])] if len(args) == 2 and not kwargs else []
    if len(args) > 1:
        return []
    items = [(Value(const=k), v) for k, v in kwargs.items()]
    if args:
        given = args[0]
        if isinstance(given.const, dict):
            items = [(Value(const=k), v) for k, v in given.const.items() if isinstance(v, Value)] + items
            if given.taints and not any(v.taints for _, v in items):
                items.append((Value(), given))  # {**other}: what is not itemised
        elif isinstance(recv.const, dict) or kwargs:
            items.insert(0, (Value(), given))
    return items


#: builtins that see only a dict's keys
_KEY_VIEWS = frozenset({"list", "sorted", "set", "frozenset", "tuple", "iter", "len"})


#: the marker attribute of a ``**kwargs`` mapping of unknown contents: its keys are keyword names
_KEYWORD_NAMES = "<keyword-names>"


def _dict_keys_clean(v: Value) -> bool:
    """A dict whose key material all sits in its values (``cache[name] = pem``): its keys are clean."""
    if v.taints and v.get_attr(_KEYWORD_NAMES) is not None:
        return True  # set(kwargs) / sorted(kwargs) of a **kwargs: the keyword names
    if not isinstance(v.const, dict) or not v.taints:
        return False
    covered: Set[object] = set()
    for item in v.const.values():
        if isinstance(item, Value):
            covered.update(item.taints)
    for field_name, item in v.attrs:
        if field_name.startswith("[") and isinstance(item, Value):
            covered.update(item.taints)
    return set(v.taints) <= covered


def _global_taints(env: Mapping[str, Value]) -> Dict[str, FrozenSet[str]]:
    """The labels of key material each module-level name carries (what a second round is for)."""
    out: Dict[str, FrozenSet[str]] = {}
    for name, v in env.items():
        if v.taints:
            labels = frozenset(lbl for lbl, _ in v.taints if lbl in L.KEY_LABELS)
            if labels:
                out[name] = labels
    return out


def _file_idents(v: Any) -> Set[object]:
    """The identities of the file a path, handle or fd value stands for (not its constant text:
    the same literal path in another target of the batch must not change what is followed)."""
    out: Set[object] = set()
    if not isinstance(v, Value):
        return out
    if v.ident is not None:
        out.add(v.ident)
    if v.file is not None and v.file.path is not None and v.file.path.ident is not None:
        out.add(v.file.path.ident)
    return out


def fields_carry(v: Value, labels: Collection[str]) -> bool:
    """Whether ``v`` is an instance of a project class one of whose fields carries one of ``labels``."""
    return v.kind == "instance" and isinstance(v.func, ClassRef) and any(
        lbl in labels for a in v.func.attrs.values() if isinstance(a, Value) for lbl, _ in deep_taints(a))


def names_keygen_tool(v: Value) -> bool:
    """A command line (list or string) naming a key-generation tool in its first words:
    ``["openssl", "genrsa", ...]``, ``["sudo", "ssh-keygen", ...]``, ``f"step crypto keypair {p} {k}"``."""
    words = v.const if isinstance(v.const, tuple) else (v,)
    for w in words[:4]:  # the tool comes first, maybe after sudo/env/timeout
        text = w.const if isinstance(w, Value) else None
        if text is UNKNOWN and isinstance(w, Value) and w.pieces and isinstance(w.pieces[0], str):
            text = w.pieces[0]
        if isinstance(text, str) and text:
            first = text.split(None, 1)[0] if text.strip() else ""
            if first.rsplit("/", 1)[-1] in _tool_executables():
                return True
    return False


def _wrapped_parameter(frame: Frame, v: Value) -> Optional[str]:
    """The parameter whose command line ``v`` runs behind words the helper put in front of it
    (``["sudo"] + list(argv)``, ``["sudo", "-u", user, *argv]``, ``[STEP, *args, "--ca-url", url]``):
    its items are in ``v`` (followed by no temporary location of the helper's), and the
    helper's own words name no key-generation tool (``["openssl", "genpkey", "-out", tmp] + extra``
    is the helper's command)."""
    if not isinstance(v.const, tuple):
        return None
    for k in frame.args_in:
        p = frame.env.get(k)
        items = p.const if p is not None else None
        if not isinstance(items, tuple) or not items or len(items) > len(v.const):
            continue
        n = len(items)
        for start in range(len(v.const) - n, -1, -1):
            if not all(a is b for a, b in zip(v.const[start:start + n], items)):
                continue
            prefix, suffix = v.const[:start], v.const[start + n:]
            # (words after them: the helper's own options, [STEP, *args, "--ca-url", url], as long
            # as none of them is a temporary location the helper chose)
            if any(isinstance(x, Value) and (x.has(L.TEMP) or x.has(L.SHARED_TEMP) or x.attr == "*") for x in suffix):
                continue
            if not names_keygen_tool(Value(const=prefix)) or _program_only(prefix):
                return k
    return None


def _program_only(words: tuple) -> bool:
    """``words`` are just a key-generation tool's program (``("openssl",)``,
    ``("/usr/bin/ssh-keygen",)``): no subcommand, option or file of the helper's own, so what the
    tool does and where the key goes are the caller's words (``["openssl", *args]`` of
    ``_openssl("genrsa", "-out", path)``)."""
    if len(words) != 1 or not isinstance(words[0], Value) or not isinstance(words[0].const, str):
        return False
    text = words[0].const.strip()
    return bool(text) and " " not in text and text.rsplit("/", 1)[-1] in _tool_executables()


@functools.lru_cache(maxsize=1)
def _tool_executables() -> FrozenSet[str]:
    return frozenset(e for t in load_grammar().tools for e in t.executables)


def _union(args: Iterable[Value], kwargs: Mapping[str, Value]) -> Tuple:
    out: Tuple = ()
    for v in list(args) + list(kwargs.values()):
        out = merge_taints(out, deep_taints(v))
    return out


#: words of a function name that say what it returns is public (a CSR, a certificate, a signature,
#: a public key, a fingerprint or digest), and words that say a key may come back with it
_PUBLIC_RESULT_WORDS = frozenset({"csr", "csrs", "cert", "certs", "certificate", "certificates", "x509", "crt",
                                  "signature", "signatures", "sign", "signed", "public", "pub", "pubkey",
                                  "fingerprint", "thumbprint", "digest", "hash", "verify", "verified"})
_KEY_RESULT_WORDS = frozenset({"key", "keys", "keypair", "pair", "priv", "private", "privkey", "secret", "pem",
                               "pkcs12", "p12", "pfx", "bundle", "identity", "credentials", "creds", "material",
                               "seed", "signer", "signing"})


def _names_public_result(name: str) -> bool:
    """Whether a function name says its result is public material made from its arguments
    (``make_csr``, ``create_self_signed_cert``, ``sign_payload``, ``public_key_fingerprint``) and
    not a key (``make_cert_and_key``, ``signing_key``, ``load_cert_bundle``): the depth cut's
    answer for a call it does not evaluate."""
    words = [w for w in re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", name.strip("_")) if w]
    low = [w.lower() for w in words]
    if not any(w in _PUBLIC_RESULT_WORDS for w in low):
        return False
    for i, w in enumerate(low):
        if w in _KEY_RESULT_WORDS:
            # (public_key / pub_key name the public half)
            if w in ("key", "keys") and i > 0 and low[i - 1] in ("public", "pub"):
                continue
            return False
    return True


def _generic_union(fn: FunctionRef, args: List[Value], kwargs: Mapping[str, Value]) -> Tuple:
    """What a call answered by the generic evaluation of ``fn`` (past MAX_CONTEXTS) may return
    of its arguments' labels: all of them, except those held only in items of a mapping argument
    (a dict constant's items, the field records ``[name]`` of a mapping of unknown contents) that
    the call cannot name - an item is read by its name, and neither the call's string arguments
    nor the function's own strings spell it.  SaltStack's get_cloud_config_value(name, vm_, opts)
    is called with some fifty setting names; ``vm_`` holds the minion's key in ``priv_key``
    only, which none of those calls reads."""
    values = list(args) + list(kwargs.values())
    if not any(v.taints and (isinstance(v.const, dict) or v.attrs) for v in values):
        return _union(args, kwargs)
    if fn.spelled is None:
        fill(fn.node)
        fn.spelled = _spelled_strings(fn.node)
    names = fn.spelled | {v.const for v in values if isinstance(v.const, str)}
    out: Tuple = ()
    for v in values:
        out = merge_taints(out, _nameable_taints(v, names))
    return out


def _param_node_ids(node: cst.FunctionDef) -> Set[int]:
    """The ids of a function's parameter nodes (the identities its guessed parameters carry)."""
    p = node.params
    return {id(x) for x in (*p.posonly_params, *p.params, *p.kwonly_params)}


def _nameable_taints(v: Value, names: Collection[str]) -> Tuple:
    """The labels of ``v`` and its items, less those only items not spelled in ``names`` hold."""
    every = deep_taints(v)
    if not v.taints:
        return every
    items: List[Tuple[str, Value]] = []
    if isinstance(v.const, dict):
        items.extend((str(k), x) for k, x in v.const.items() if isinstance(x, Value))
    items.extend((k[1:-1], x) for k, x in v.attrs if k.startswith("[") and k != _HELD)
    hidden = {id(org) for k, x in items if k not in names for _, org in deep_taints(x)}
    if not hidden:
        return every
    named = {id(org) for k, x in items if k in names for _, org in deep_taints(x)}
    return tuple(t for t in every if id(t[1]) not in hidden or id(t[1]) in named)


def _spelled_strings(node: cst.CSTNode) -> FrozenSet[str]:
    """The string literals in a function's code."""
    out: Set[str] = set()
    for n in walk(node):
        if type(n) is cst.SimpleString:
            try:
                val = n.evaluated_value
            except Exception:  # pragma: no cover - exotic literals
                continue
            if isinstance(val, str):
                out.add(val)
    return frozenset(out)


_SERIALS = itertools.count()


def _next_serial() -> int:
    """A number no other evaluation of this process gets (object ids can be reused)."""
    return next(_SERIALS)


def _signature(env: Mapping[str, Value]) -> tuple:
    """The memo key of a call context. Holds the origin/function/file objects themselves (hashed
    by identity), not their ids: an id can be reused once an object is freed, which would make a
    stale summary look valid."""
    sig = []
    for name in sorted(env):
        v = env[name]
        consts = v.const if isinstance(v.const, (int, str, bytes, bool, type(None))) else None
        if isinstance(v.const, tuple):
            # fopen(*args) / run(argv): the items' constants tell the calls apart ("wb" from "r")
            # (and their files: fopen(fd, "wb") of a key's fd and of a certificate's are two calls)
            consts = tuple((x.const if isinstance(x.const, (int, str, bytes, bool, type(None))) else None,
                            _memo_ident(x), x.file) if isinstance(x, Value) else None for x in v.const)
        elif isinstance(v.const, dict):
            # mkstemp(**kwargs) in a wrapper: which keywords a call passed (dir= or not) and their
            # constants tell the calls apart, as the items of a tuple do
            consts = tuple(sorted(((str(k), x.const if isinstance(x.const, (int, str, bytes, bool, type(None)))
                                    else None, _memo_ident(x), x.file) if isinstance(x, Value) else (str(k),)
                                   for k, x in v.const.items()), key=lambda t: t[0]))
        sig.append((name, tuple(sorted(((lbl, org) for lbl, org in v.taints), key=lambda t: t[0])), v.kind,
                    _memo_ident(v), consts, v.func, v.file, _item_shape(v) if v.taints else None))
    return tuple(sig)


def _item_shape(v: Value) -> tuple:
    """Which items of a labelled container hold its labels (a dict constant's items, the field
    records ``[name]`` of a mapping of unknown contents): ``vm_`` holding the key in its
    ``priv_key`` item and ``vm_`` holding it throughout are two calls of a helper reading
    ``vm_["driver"]``, not one summary for both."""
    out = []
    if isinstance(v.const, dict):
        for k, x in v.const.items():
            if isinstance(x, Value) and x.taints:
                out.append((str(k), tuple(org for _, org in deep_taints(x))))
    for k, x in v.attrs:
        if k.startswith("[") and x.taints:
            out.append((k, tuple(org for _, org in deep_taints(x))))
    return tuple(sorted(out, key=lambda t: t[0]))


class _Rebinder:
    """Rewrites the identities of a memoised call's results: each identity a parameter was bound
    to in the evaluated call is the one this call's argument has, in every identity built from it
    (os.path.join(folder, name) of the parameter's folder), whose folder links are copied."""

    def __init__(self, moved: Dict[object, object], path_parents: Dict[object, Set[object]]) -> None:
        self.moved = moved
        self.path_parents = path_parents
        self.idents: Dict[object, object] = {}
        self.values: Dict[int, Tuple[Value, Value]] = {}

    def ident(self, ident: object) -> object:
        if ident is None or not isinstance(ident, tuple):
            return self.moved.get(ident, ident) if ident is not None else None
        try:
            return self.idents[ident]
        except KeyError:
            pass
        direct = ident in self.moved
        if direct:
            out = self.moved[ident]
        else:
            parts = tuple(self.ident(p) if isinstance(p, tuple) or p in self.moved else p for p in ident)
            out = parts if any(a is not b for a, b in zip(parts, ident)) else ident
        self.idents[ident] = out
        if out is not ident and ident in self.path_parents:
            # the folders of the rebound path: those built from the parameter's identity, and for
            # a path built here from it (join(folder_of(p), name)) its other parts too
            parents = set()
            for par in self.path_parents[ident]:
                new = self.ident(par)
                if new is not par or not direct:
                    parents.add(new)
            if parents:
                self.path_parents.setdefault(out, set()).update(parents)
        return out

    def value(self, v: Value) -> Value:
        hit = self.values.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1]
        changes: Dict[str, Any] = {}
        ident = self.ident(v.ident)
        if ident is not v.ident:
            changes["ident"] = ident
        if v.file is not None and v.file.path is not None:
            path = self.value(v.file.path)
            if path is not v.file.path:
                changes["file"] = dataclasses.replace(v.file, path=path)
        if isinstance(v.const, tuple):
            items = tuple(self.value(x) if isinstance(x, Value) else x for x in v.const)
            if any(a is not b for a, b in zip(items, v.const)):
                changes["const"] = items
                if v.alts:
                    changes["alts"] = ()
        if v.attrs:
            attrs = tuple((k, self.value(x)) for k, x in v.attrs)
            if any(a[1] is not b[1] for a, b in zip(attrs, v.attrs)):
                changes["attrs"] = attrs
        if v.receiver is not None:
            recv = self.value(v.receiver)
            if recv is not v.receiver:
                changes["receiver"] = recv
        out = v.evolve(**changes) if changes else v
        self.values[id(v)] = (v, out)
        return out

    def event_values(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        out: Optional[Dict[str, Any]] = None
        for k, x in values.items():
            if isinstance(x, Value):
                y: Any = self.value(x)
            elif isinstance(x, (tuple, list)) and any(isinstance(i, Value) for i in x):
                y = type(x)(self.value(i) if isinstance(i, Value) else i for i in x)
                if all(a is b for a, b in zip(x, y)):
                    y = x
            else:
                y = x
            if y is not x:
                if out is None:
                    out = dict(values)
                out[k] = y
        return values if out is None else out


def _match_args(positional: Sequence[cst.Param], kwonly: Sequence[cst.Param], args: Sequence[Value],
                kwargs: Mapping[str, Value]) -> Tuple[List[Tuple[cst.Param, Optional[Value]]], List[Value], Dict[str, Value]]:
    """Python's matching of a call's arguments to a function's (or a lambda's) parameters.

    Returns each positional and keyword-only parameter, in order, with the value the call binds
    to it (None: not passed, the caller supplies the default or a guess), the positional
    arguments past the named parameters (``*args``), and the keywords no parameter names
    (``**kwargs``; without the marker of unknown keywords, which the caller checks itself).
    """
    slots: List[Tuple[cst.Param, Optional[Value]]] = []
    for i, p in enumerate(positional):
        name = p.name.value
        slots.append((p, args[i] if i < len(args) else kwargs.get(name)))
    for p in kwonly:
        slots.append((p, kwargs.get(p.name.value)))
    known = {p.name.value for p, _ in slots}
    rest = {k: v for k, v in kwargs.items() if k not in known and k != _UNKNOWN_KEYWORDS}
    return slots, list(args[len(positional):]), rest


def _forwarded_keywords(fn: FunctionRef, kwargs: Mapping[str, Value]) -> Optional[Tuple[str, ...]]:
    """The keywords a call passes into ``fn``'s ``**kwargs`` (sorted), None when ``fn`` has none
    or the call's keywords are not known (f(**opts) of an unknown mapping)."""
    params = fn.node.params
    if params.star_kwarg is None or _UNKNOWN_KEYWORDS in kwargs:
        return None
    declared = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    return tuple(sorted(k for k in kwargs if k not in declared))


def _fresh_temps(events: List[Event]) -> Dict[object, object]:
    """The temporary files a memoised call made (the identities of its ``temp-create`` events),
    each mapped to a new identity: a call replayed from a summary makes files of its own, not the
    ones of the call evaluated first (a wrapper's mkstemp staging a key for one caller and a copy
    for another)."""
    out: Dict[object, object] = {}
    for ev in events:
        if ev.kind == "temp-create":
            h = ev.values.get("handle")
            ident = h.ident if isinstance(h, Value) else None
            if isinstance(ident, tuple) and len(ident) == 3 and ident[0] == "temp" and ident not in out:
                out[ident] = ("temp", ident[1], _next_serial())
    return out


def _memo_ident(v: Value) -> object:
    """The part of a value's identity a memo key keeps (temporary files, constants, instances)."""
    return v.ident if isinstance(v.ident, tuple) and v.ident[:1] in (("temp",), ("const",), ("instance",)) else None


def _join_env(a: Dict[str, Value], b: Dict[str, Value]) -> Dict[str, Value]:
    if a is b:
        return dict(a)
    out = dict(a)
    for k, v in b.items():
        cur = out.get(k)
        out[k] = v if cur is None else join(cur, v)
    for k in out.keys() ^ (a.keys() & b.keys()):
        if k.startswith("<attr>") and (k not in a or k not in b):
            # `if not args.use_certificate: args.use_keystone = True`: on the other path the
            # attribute keeps what it held before (unknown here), not the branch's constant
            v = out[k]
            if v.const is not UNKNOWN or v.pieces is not None:
                out[k] = v.evolve(const=UNKNOWN, pieces=None, alts=())
    return out


def _is_static(node: cst.FunctionDef) -> bool:
    return any(dotted(d.decorator) == "staticmethod" for d in node.decorators)


def _is_classmethod(node: cst.FunctionDef) -> bool:
    return any(dotted(d.decorator) == "classmethod" for d in node.decorators)


def _path_division(a: Value, b: Value) -> bool:
    """``root / "clients"`` with ``root`` of unknown type: a name divided by (or dividing) text
    is a pathlib path (numbers cannot be divided by a string)."""
    for x, y in ((a, b), (b, a)):
        if isinstance(x.const, str) and not x.taints and y.const is UNKNOWN and y.kind is None and not y.is_key:
            return True
    return False


def _ident_part(v: Value) -> object:
    """A path's part for a structural identity: its own identity, or its text; None if neither.
    A helper's parameter given a constant (``base = self.root / subdir`` called with "clients") is
    that text: its "arg" token only stands for an argument without an identity of its own."""
    if isinstance(v.const, str) and (v.ident is None or (isinstance(v.ident, tuple) and v.ident[:1] == ("arg",))):
        return ("const", v.const)
    return v.ident


def _join_ident(how: str, parts: Tuple[object, ...], node: cst.CSTNode) -> object:
    """The identity of a joined path: its parts' (Path(d) / "tls.key" spelled twice names one
    file); a part without one stands for what this expression computes, so a helper's
    ``base / f"{cn}.key"`` stays in the folder each caller passed (not one token for all)."""
    if None not in parts:
        return ("join", how, parts)
    if all(p is None for p in parts):
        return ("path", id(node))
    return ("join", how, tuple(("node", id(node)) if p is None else p for p in parts))


def _program_of(argv: Value) -> Optional[str]:
    """The base name of the program a command line runs, when known (``["mktemp", "-d"]``,
    ``"mktemp -d"``)."""
    first: object = None
    if isinstance(argv.const, tuple) and argv.const and isinstance(argv.const[0], Value):
        first = argv.const[0].const
        if isinstance(first, str) and " " in first.strip() and len(argv.const) == 1:
            first = first.split()[0]
    elif isinstance(argv.const, str) and argv.const.strip():
        first = argv.const.split()[0]
    return first.rsplit("/", 1)[-1] if isinstance(first, str) and first else None


def _arg_value(arg: Any) -> Optional[Value]:
    """The engine value an argv word stands for: the value of a word that is one hole
    (``f"chmod 600 {path}"``) or of a list element (``["chmod", "600", path]``), if known."""
    if len(arg.pieces) == 1 and isinstance(arg.pieces[0], Hole) and isinstance(arg.pieces[0].ref, Value):
        return arg.pieces[0].ref
    if isinstance(arg.ref, Value) and arg.text is not None and arg.ref.const == arg.text:
        return arg.ref
    return None


def _chmod_mode(text: str) -> Optional[int]:
    """The mode a chmod(1) argument leaves, as far as group/other access goes: an octal mode, or
    a symbolic one that clears group/other access (``go-rwx``, ``u=rw,go=``: taken as 0o600) or
    grants some (``a+r``, ``o+r``: 0o644; ``g+rw``: 0o660); None when that is not known."""
    if re.fullmatch(r"0?[0-7]{3,4}", text):
        return int(text, 8)
    cleared: Set[str] = set()
    granted: Set[str] = set()
    for clause in text.split(","):
        m = re.fullmatch(r"([ugoa]*)([-+=])([rwxXst]*)", clause)
        if m is None:
            return None
        who = set(m.group(1) or "a")
        if "a" in who:
            who = {"u", "g", "o"}
        others = who & {"g", "o"}
        op, perms = m.group(2), set(m.group(3)) & {"r", "w"}
        if op == "+" and perms:
            granted |= others
        elif op == "-" and perms >= {"r", "w"} or (op == "=" and not perms):
            cleared |= others
        elif op == "=" and perms:
            granted |= others
    if granted:
        return 0o644 if "o" in granted else 0o660
    if cleared >= {"g", "o"}:
        return 0o600
    return None


def _passphrase_given(call: cst.Call) -> bool:
    """``import_key(data, pw)`` / ``(data, passphrase=pw)``: a passphrase argument that is not ``None``."""
    for i, a in enumerate(call.args):
        named = a.keyword is not None and a.keyword.value in ("passphrase", "password")
        if named or (a.keyword is None and i == 1 and not a.star):
            return not (type(a.value) is cst.Name and a.value.value == "None")
    return False


def _is_tuple_source(v: Value) -> bool:
    org = v.origin(L.PRIVATE_KEY)
    return bool(org and ("load_key_and_certificates" in org.description))


def _walk_calls(tree: cst.CSTNode) -> List[cst.Call]:
    """Every call in ``tree`` (one visit; used once per module for module-wide row conditions)."""
    calls: List[cst.Call] = []

    class _V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    tree.visit(_V())
    return calls
