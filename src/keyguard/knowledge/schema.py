"""Load, validate and index the knowledge-base tables.

Every row is checked when loaded; a bad row fails fast naming its file and index.
The indices are immutable mappings built once per knowledge base (a value passed
to the engine, never a module-level singleton).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

from keyguard.labels import ALL_KINDS, ALL_LABELS
from keyguard.knowledge.compiled import load_built, load_toml, store_built, toml

HERE = Path(__file__).resolve().parent
KB_FILES = ("sources.toml", "propagators.toml", "files.toml", "sinks.toml", "parameters.toml", "memory.toml")
#: every table the built knowledge base depends on (tools.toml: its executables are trigger words)
BUILT_FROM = KB_FILES + ("constants.toml", "tools.toml")

EFFECTS = frozenset(
    {
        "source", "propagate", "neutral", "sink", "open", "temp", "chmod", "umask", "remove",
        "mkdir", "copy", "write", "kind", "taint-receiver", "key-to-file", "key-params",
        "key-construct", "touch", "buffer", "buffer-fill", "immutable-copy", "enter",
        "cli", "invoke", "fifo", "partial", "record",
        # `private-test` on a method row: the method is true only for a private key
        # (PyCryptodome `key.has_private()`); where it holds (`if key.has_private():`, after
        # `if not key.has_private(): raise ...`, after `assert key.has_private()`) a key loaded
        # from unknown data (kind `loaded-key`) is private
        "private-test",
        # `command` a command object of a process library: calling it runs the program (`args`:
        #   the program name; `members = true`: every attribute of the module names one; on a
        #   command object, `args` are more words, bound or, with `runs = true`, run)
        "command",
        # `record-type` on a call row: the call makes a tuple type with named fields
        #   (collections.namedtuple("Keypair", "private_key public_key")); `fields` names the argument
        #   holding the field names. Its instances are tuples whose fields are read by name, each
        #   holding its own item (kp.public_key is clean when kp.private_key holds the key).
        "record-type",
        # `chdir` on a call row: the working directory becomes `path` (os.chdir); relative paths of
        #   the commands run after it (in the frame, its callees, or a `with` around a context
        #   manager that changes directory before its yield) are in that folder (KG501).
        #   `scoped = true`: a context manager whose directory holds inside its with only
        #   (contextlib.chdir)
        "chdir",
    }
)
SINK_KINDS = frozenset({"log", "argv", "env", "ipc"})
EXTRA_KINDS = frozenset({"fd-path", "memfile", "weak-rng", "asyncssh-key", "authlib-key", "gnupg", "http-client",
                         "plain-http-connection", "event-loop", "cli-parser", "ansible-module",
                         "command-runner", "config-parser", "template", "template-env", "masked-secret",
                         "jwk-set",
                         # a zip or tar archive being written (zipfile.ZipFile, tarfile.open): what its
                         # writer methods add goes into the archive's file
                         "archive",
                         # multiprocessing.managers.SharedMemoryManager: its SharedMemory()/ShareableList()
                         # methods make shared-memory segments
                         "shm-manager",
                         # pyOpenSSL crypto.PKCS12(): holds a private key after set_privatekey()
                         "pkcs12-bundle",
                         # a command object of sh / plumbum (effect "command")
                         "process-command",
                         # a shelve.open() shelf: db[k] = v pickles v into its file
                         "shelf",
                         # a sqlite3 connection (or cursor) to a database file: execute()'s
                         # parameters are stored in it
                         "sqlite-db",
                         # a Django storage (default_storage, FileSystemStorage): save() writes a file
                         "django-storage",
                         # the docker SDK: a client (docker.from_env()), its container collection
                         # (client.containers), one container, the low-level APIClient
                         "docker-client", "docker-containers", "docker-container", "docker-api",
                         # multiprocessing.connection.Client(address): a socket to that address
                         "mp-connection",
                         # multiprocessing.connection.Listener(address): its accept() gives an
                         # mp-connection (the same socket, from the serving side)
                         "mp-listener",
                         # loguru's logger.opt(lazy=True): calls the lambdas among a message's arguments
                         "lazy-logger",
                         # sys.stdout.fileno() / sys.stderr.fileno(): a descriptor of the terminal
                         "stdio-fd",
                         # cloud SDK clients and their answers with private keys in named fields
                         # (`field` attribute rows): boto3 clients/resources (ACM export_certificate,
                         # KMS generate_data_key_pair, EC2 create_key_pair, IoT
                         # create_keys_and_certificate), hvac's client -> secrets -> pki and its
                         # issue answer -> "data", GCP's IAM client and a service-account key
                         "boto3-session", "boto3-client", "aws-key-answer", "aws-iot-keypair", "hvac-client", "hvac-secrets",
                         "hvac-pki", "hvac-pki-answer", "hvac-pki-data", "gcp-iam-client", "gcp-sa-key",
                         # stem's Tor controller and an onion service it created (.private_key)
                         "tor-controller", "onion-service",
                         # web3.py: a Web3 client, its .eth module and .eth.account (eth_account's Account)
                         "web3-client", "web3-eth", "web3-account",
                         # substrate-interface's Keypair (bittensor wallets): made by create_from_*()
                         "substrate-keypair",
                         # bip-utils' HD wallet derivation contexts (Bip44.FromSeed(...)): .PrivateKey()
                         "bip-ctx", "bip-seed-generator",
                         # a private JWK as a dict (to_dict(), authlib as_dict(is_private=True)):
                         # its private members are field rows, "kty"/"kid"/"n"/"e"... are public
                         "jwk-dict",
                         # a python-ecdsa SigningKey (generate/from_pem/from_der)
                         "ecdsa-key"})


class KnowledgeError(ValueError):
    """A malformed knowledge-base row."""


@dataclass(frozen=True)
class ArgSpec:
    """Which argument a row refers to: a position, a keyword, or both ("0,data")."""

    pos: Optional[int] = None
    kw: Optional[str] = None
    star: bool = False  # every argument
    receiver: bool = False

    @staticmethod
    def parse(text: str) -> "ArgSpec":
        pos: Optional[int] = None
        kw: Optional[str] = None
        star = receiver = False
        for part in (p.strip() for p in str(text).split(",")):
            if not part:
                continue
            if part == "*":
                star = True
            elif part == "receiver":
                receiver = True
            elif part.isdigit():
                pos = int(part)
            elif part.isidentifier():
                kw = part
            else:
                raise KnowledgeError(f"bad argument spec {text!r}")
        return ArgSpec(pos, kw, star, receiver)


@dataclass(frozen=True)
class Row:
    """One fact about one or more callables."""

    effect: str
    file: str
    index: int
    targets: Tuple[str, ...] = ()
    on: Optional[str] = None  # methods/attributes: receiver label or kind, "*" for any
    names: Tuple[str, ...] = ()
    label: Optional[str] = None
    kind: Optional[str] = None
    specs: Tuple[Tuple[str, ArgSpec], ...] = ()
    opts: Tuple[Tuple[str, Any], ...] = ()

    def spec(self, name: str) -> Optional[ArgSpec]:
        for k, v in self.specs:
            if k == name:
                return v
        return None

    def opt(self, name: str, default: Any = None) -> Any:
        for k, v in self.opts:
            if k == name:
                return v
        return default

    @property
    def describe(self) -> Optional[str]:
        return self.opt("describe")


SPEC_KEYS = frozenset(
    {"args", "from", "path", "mode", "flags", "fd", "delete", "src", "dst", "target", "data",
     "opener", "shell", "env", "size", "exponent", "curve", "type", "randfunc", "password",
     "unencrypted_unless", "key", "url", "host", "base_url", "applies_if", "default", "dest", "callable", "kwargs",
     "fileobj", "seed", "fields"}
)
# `seed = "0,data"` on a source row: that argument is the secret the key is made from (a raw
#   private key or seed: Ed25519PrivateKey.from_private_bytes(seed), nacl SigningKey(seed)); a
#   variable passed there is key material from then on (the seed written or logged later is the key).
# `fd = "0,fileno"` on a `kind` row: the object maps the file of that descriptor or file object
#   (mmap.mmap(fd, n)): what is written into it (mm[:] = data, a `write` row with target
#   "receiver") is written into that file, for the file rules (KG101, KG201, KG203).
# `key = "receiver"` on a method source row: the result holds a private key only when the
#   receiver does (pyOpenSSL PKCS12.export() after set_privatekey(); certificates only otherwise).
# `fileobj = "fileobj"` on an open row: a file object the call writes into instead of creating the
#   file at `path` (tarfile.open(fileobj=buf, mode="w")); a `path` argument that is itself a file
#   object or an in-memory file (zipfile.ZipFile(buf, "w")) counts as one.  The result is that
#   object, with the row's `returns` kind.
OPT_KEYS = frozenset(
    {"creation", "returns", "map", "note", "ref", "describe", "path_join", "result_kind",
     "requires_key_arg", "attribute", "algorithm", "ec_bits", "wiping", "text", "default_size",
     "insecure_schemes", "items", "dash_is_stdio", "fallback", "role", "naming", "locals", "marks", "unless",
     "first_parameter", "renames", "masks", "unwraps", "record_kwargs", "unless_module_calls",
     "calls_with", "copies_file", "annotated", "default_curve", "scoped", "members", "keyword_options",
     "runs", "stdout_item", "objects", "same_file", "path_split", "calls_callables", "field", "trigger", "stdio_fds",
     "type_names", "default_type", "keeps_fields", "varargs", "shared", "race_name", "empty_is_unset", "folds",
     "on_every_exit", "returns_result", "path_test", "text_raises", "random_bytes"}
)
# `random_bytes = true` on a neutral row: the call gives cryptographically secure random bytes; a
#   variable named as a private key bound from them (through encoders) is key material.
# `text_raises = true` on a buffer row: the call given a str alone (no encoding) raises TypeError on
#   Python 3 (bytearray(s), memoryview(s), ctypes.create_string_buffer(s)), so under
#   `if isinstance(s, str):` / `if type(s) == str:` such a call of `s` makes no buffer.
# `returns_result = true` on an invoke row: the call (awaited) gives what the callable returns
#   (pem = await asyncio.to_thread(make_pem)); without it the result is clean (Thread(...)).
# `path_test = true` on a neutral call row: the call tests that its argument 0 names an existing
#   file or folder (os.path.isfile(x)); in the branch where it holds, a name passed there is a path,
#   not key text (`if os.path.isfile(key): load(key) else: parse(key)`)
# `on_every_exit = true` on a remove row: the call registers the removal to run on every way out
#   (Ansible's module.add_cleanup_file(path): exit_json/fail_json remove it), as if it were in a
#   finally: block (KG103).
# `folds = "int"` on a neutral row: a constant argument (a decimal text or a number) is converted
#   statically, so int(os.getenv("KEY_BITS", "1024")) is the key size 1024 (KG601).
# `empty_is_unset = true` on a `fallback` row: an empty text by default (os.environ.get("KEY_PASS", ""))
#   stands for "not set", not for a value the program uses: the result is unknown, as without a
#   default (f"pass:{pw}" is a passphrase on the command line, not an empty one).
# `shared = true` on a temp row: the result is the shared temporary folder itself (as gettempdir()),
#   `race_name = true`: it gives names another process can create first (KG102, as mktemp());
#   `returns = "name"` there: the result is a bare file name, not a path.
# `varargs = true` on an argv sink row: the positional arguments are the command line's words
#   (oslo.concurrency processutils.execute("ssh-keygen", "-f", path, ...)), not a list in one.
# `keeps_fields = "copy" | "text" | "parse"` on a propagate row: what argument 0 holds field by field
#   (a dict constant's items, the `[name]` records of a mapping, the fields of a response kind) is
#   kept: "copy" - the result is a copy with the same fields (copy.deepcopy(x), dict(x)); "text" -
#   the result is a text form remembering them (json.dumps(x)); "parse" - the result is the value a
#   text form remembers (json.loads(json.dumps(x))), so a round trip keeps the other fields clean.
# `calls_callables = true` on a log sink row: the logger calls the lambdas among the arguments and
#   shows their results (loguru's opt(lazy=True)); elsewhere a lambda shows as its repr.
# `field = "item"` / `field = "attribute"` on an [[attribute]] row: a field of a response object of
#   kind `on` (a cloud SDK's answer: boto3 acm.export_certificate(...)["PrivateKey"], stem's
#   response.private_key), read by subscript (`.get(name)` too) or as an attribute.  The row's
#   label is what that field holds; with effect "kind" the field is a nested response of the row's
#   kind (hvac: resp["data"]["private_key"]).  A kind with field rows is a response kind: its other
#   fields and items are not key material (resp["Certificate"]), the response as a whole is.
# `trigger = "names"` on a method row: the method's own names are the trigger words
#   (export_certificate, create_service_account_key), not the call that makes its receiver's kind
#   (boto3.client, hvac.Client: too common, most code using them holds no key).
#   `trigger = "module"` on a call row: the first part of the row's name is the trigger word
#   (trustme for trustme.CA: a class name too common as a word, every direct use names the module).
# `stdio_fds = [1, 2]` on a write row whose target is a descriptor (os.write(fd, data)): those
#   descriptor numbers, and an object of kind `stdio-fd` (sys.stderr.fileno()), are the terminal:
#   what is written there is printed (a `log` sink).
# `type_names = {RSAEncryptOrSign = "RSA"}` on a key-params row with `algorithm = "auto"`: the
#   algorithm a `type` argument names (its constant, or the last part of its dotted name), for
#   libraries with their own names (PGPy PubKeyAlgorithm.RSAEncryptOrSign); `default_type =
#   "RSA"`: the algorithm when the call gives none (python-gnupg gen_key_input(key_type="RSA")).
# `same_file = true` on a propagate row: the result is another spelling of its one `from` value
#   and names the same file, so it keeps that value's identity (os.path.abspath(p), str(p),
#   Path(p).resolve()): a chmod, rename or copy of it is one of the file written through p.
# `path_split = true` on a propagate row: the result is the (folder, name) pair of its one `from`
#   path (os.path.split): item 0 names the folder holding that file (as os.path.dirname does),
#   item 1 its name, both derived from the path's identity, so a helper that splits the path it
#   is given and joins it again makes a file of each caller's path.
# `objects = {stdout = "sys.stdout"}` on a propagate row: when the `from` argument is one of those
#   constant names, the result is the object of that qualified name (click.get_text_stream("stdout")
#   is sys.stdout, with its rows: write() is standard output).
# On `command` rows (process libraries' command objects, sh and plumbum):
# `members = true`: a module whose every attribute is a command named after it, `_` read as `-`
#   (sh.ssh_keygen runs ssh-keygen); `keyword_options = true`: keywords of a call are options
#   (sh: f=p is `-f p`, out=p is `--out=p`, keywords starting with `_` configure the call);
#   `runs = true` on a method row: the method runs the command with `args` as more words;
#   `stdout_item = n`: the result is a tuple whose item n is the program's standard output.
# `effect = "kind"` on an [[attribute]] row: reading that attribute of an object of kind `on` gives
#   an object of the row's `kind` (client.containers of a docker client: its container collection).
# `scoped = true` on a umask row: the call is a context manager (salt.utils.files.set_umask(0o077))
#   whose umask is in force inside its `with` only and restored (to an unknown mask) when it exits.
# `copies_file = true` on a write row: `data` names a file (a path or a file object) whose contents
#   are written, not the data itself (shutil.copyfileobj(src, dst), ZipFile.write(filename),
#   TarFile.add(name)): a file the program put key material into, or one named like a private key
#   file (server.key, id_ed25519), writes key material.
# `default_curve = "NIST192p"` on a key-params row: the curve a call without one uses (a library
#   default, checked against [weak_curves] as a given curve is).
# `annotated = true` on a `kind` row: a parameter annotated with that class (`Optional[...]` too)
#   is an object of that kind (`def run_module(module: AnsibleModule)`: its methods are the
#   kind's methods), as one the function makes itself; with a `label`, the parameter also carries
#   that label (`key: asyncssh.SSHKey` is a private key, medium confidence, as a guessed parameter).
# `dash_is_stdio = true` on an open row: a path that is the literal "-" opens standard output (a
#   writing mode) or standard input, not a file (click.open_file("-", "wb") is sys.stdout).
# `items = ["", "private-key"]` on a source row: the result is a tuple whose element i carries the
#   label items[i] ("" for none), so unpacking it separates the parts (python-rsa
#   `pub, priv = rsa.newkeys(2048)`: only `priv` is private); the tuple as a whole keeps the labels.
# `applies_if = "0,private_key"` on any row: the row applies only when that argument is given and is
#   not statically False/None/0 (jwcrypto `export_to_pem()` exports the public key unless
#   `private_key=True`); an argument whose value is unknown applies the row.
# `unless = ["0,fileno=-1", "2,flags=mmap.MAP_PRIVATE"]` on a row: the row does not apply when one of those
#   arguments is that constant (an int, a string, or a module constant's dotted name).
# `unless_module_calls = ["wrap_socket(.socket)"]` on an attribute-kind row: the attribute gets no
#   kind in a module that makes one of those calls anywhere: `name` is any call of a function or
#   method so named, `name(.attr)` one whose first argument is an attribute `attr` (a socketserver
#   handler's socket is TLS when the module wraps the server's: ctx.wrap_socket(server.socket, ...)).
# `calls_with = ["socket", "socket"]` on an invoke row: the callable is called with new objects of
#   those kinds (one connection) in place of the call's arguments: a stream server's connection
#   callback `handle(reader, writer)`; socket kinds are TLS ones when the call is given `ssl=`.
# `locals = true` on a sink row: every local variable of the calling frame reaches the sink too
#   (tracebacks formatted with capture_locals=True / show_locals=True).
# `fallback = true` on a propagate row: the call's result is its `from` argument itself, constant
# included, when nothing else sets it (`os.environ.get("OPENSSL", "openssl")`: the value by default).
# `effect = "record"` on a call row naming a library class: a project class deriving from it has a
#   generated __init__ taking its annotated fields (by keyword) and a __repr__ showing them, as a
#   @dataclass does (pydantic.BaseModel); rows named `<class>.<method>` (model_dump_json) are its
#   instances' methods, their receiver carrying every field's labels.
# `masks = true` on a propagate row: the result wraps its `from` argument and its text hides it
#   (pydantic.SecretStr(pem) prints "**********"); a record field annotated with that class is
#   wrapped the same way.  `unwraps = true`: the result is what such a wrapper holds (get_secret_value()).
# `record_kwargs = true` on a `fallback` propagate row whose result is a record instance (a
#   @dataclass, a pydantic model): the call's keywords are new values of its fields
#   (dataclasses.replace(kp, key_pem=new)); a string names the keyword holding a dict of them
#   (model_copy(update={...})).
# `renames = "name" | "suffix" | "stem"` on a propagate row with result_kind = "path": the result
#   is a sibling of the receiver with that part of its file name replaced by argument 0
#   (Path.with_name / with_suffix / with_stem), so whether it names a private key file is decided
#   from the new name, not inherited (key.pem -> with_name("pub.pem") is a public key file).
# `marks = "<label>"` on a propagate row: the result also gets that label (its origin the call)
# when it carries key material (`pickle.dumps(key)` is a pickled key, whatever writes it later).
# Conditions on where a row's data goes (network sinks and the connections they use):
# - `url = "0,url"` with `insecure_schemes = ["http://"]` on a sink row: the row applies only when
#   that argument is a string statically known to start with one of the schemes (compared without
#   case; a constant, or the known head of an f-string, `+`, `%` or `str.format`) whose host is not
#   a loopback host of the `[loopback]` table.  An unknown URL (a parameter, a config value,
#   `f"{scheme}://..."`) does not apply the row.
# - `host = "0,host"` on a `kind` row: the object gets no kind when that argument is a loopback
#   host (`http.client.HTTPConnection("localhost")`); an unknown host keeps the kind.
# - `base_url = "base_url"` on a `kind` row: the object keeps that argument, and a relative URL
#   given to a `url` row of its methods (`client.post("/keys")`) is resolved against it.


def _row(table: str, raw: Mapping[str, Any], file: str, index: int) -> Row:
    where = f"{file}[{table}][{index}]"
    if not isinstance(raw, Mapping):
        raise KnowledgeError(f"{where}: not a table")
    effect = raw.get("effect")
    if table == "attribute":
        effect = effect or "source"
    if effect not in EFFECTS:
        raise KnowledgeError(f"{where}: unknown effect {effect!r}")
    targets = tuple(raw.get("targets", ()))
    if "target" in raw and effect != "write":
        targets += (raw["target"],)
    names = tuple(raw.get("names", ()))
    on = raw.get("on")
    if table == "call" and not targets:
        raise KnowledgeError(f"{where}: a call row needs targets")
    if table in ("method", "attribute"):
        if not names or not on:
            raise KnowledgeError(f"{where}: a {table} row needs `on` and `names`")
        if on != "*" and on not in ALL_LABELS and on not in ALL_KINDS and on not in EXTRA_KINDS:
            raise KnowledgeError(f"{where}: unknown receiver label/kind {on!r}")
    label = raw.get("label")
    if label is not None and label not in ALL_LABELS:
        raise KnowledgeError(f"{where}: unknown label {label!r}")
    kind = raw.get("kind")
    if effect == "sink" and kind not in SINK_KINDS:
        raise KnowledgeError(f"{where}: unknown sink kind {kind!r}")
    if effect == "source" and label is None:
        raise KnowledgeError(f"{where}: a source needs a label")
    if "url" in raw:
        schemes = raw.get("insecure_schemes")
        if effect != "sink" or not isinstance(schemes, list) or not schemes \
                or not all(isinstance(x, str) and x.endswith("://") for x in schemes):
            raise KnowledgeError(f"{where}: `url` belongs on a sink row with `insecure_schemes` such as [\"http://\"]")
    elif "insecure_schemes" in raw:
        raise KnowledgeError(f"{where}: `insecure_schemes` needs a `url` argument")
    if "items" in raw:
        items = raw["items"]
        if effect != "source" or not isinstance(items, list) or not items \
                or not all(isinstance(x, str) and (x == "" or x in ALL_LABELS) for x in items):
            raise KnowledgeError(f"{where}: `items` belongs on a source row, a list of labels or \"\"")
    if "trigger" in raw and (table, raw["trigger"]) not in (("method", "names"), ("call", "module")):
        raise KnowledgeError(f"{where}: `trigger` belongs on a method row, as \"names\", or on a call row, as \"module\"")
    if "field" in raw and (table != "attribute" or raw["field"] not in ("item", "attribute")):
        raise KnowledgeError(f"{where}: `field` belongs on an attribute row, \"item\" or \"attribute\"")
    if "marks" in raw and (effect != "propagate" or raw["marks"] not in ALL_LABELS):
        raise KnowledgeError(f"{where}: `marks` names a label and belongs on a propagate row")
    for key in ("host", "base_url"):
        if key in raw and effect != "kind":
            raise KnowledgeError(f"{where}: `{key}` belongs on a kind row")
    specs = []
    opts = []
    for key, value in raw.items():
        if key in ("effect", "targets", "names", "on", "label", "kind"):
            continue
        if key == "target" and effect != "write":
            continue
        if key in SPEC_KEYS:
            try:
                specs.append((key, ArgSpec.parse(value)))
            except KnowledgeError as exc:
                raise KnowledgeError(f"{where}: {exc}") from None
        elif key in OPT_KEYS:
            opts.append((key, value))
        else:
            raise KnowledgeError(f"{where}: unknown key {key!r}")
    return Row(effect, file, index, targets, on, names, label, kind, tuple(specs), tuple(opts))


@dataclass(frozen=True)
class KnowledgeBase:
    """Indexed rows plus constant tables."""

    calls: Mapping[str, Tuple[Row, ...]]
    short_calls: Mapping[str, Tuple[Row, ...]]
    methods: Mapping[str, Tuple[Row, ...]]
    attributes: Mapping[str, Tuple[Row, ...]]
    constants: Mapping[str, int]
    temp_prefixes: Tuple[str, ...]
    temp_env_names: FrozenSet[str]
    weak_curves: FrozenSet[str]
    limits: Mapping[str, int]
    trigger_words: Tuple[bytes, ...] = field(default=())
    construct_words: Tuple[bytes, ...] = field(default=())
    #: words of values worth following into another module: key sources, temporary locations,
    #: non-cryptographic generators (keyguard.discovery.KeyNames)
    source_words: Tuple[bytes, ...] = field(default=())
    #: the part of source_words that names a private-key source (not a temporary location, a
    #: umask, a tool or a weak generator): what makes a module's other definitions that call the
    #: one holding it hand out key material too (discovery.KeyNames)
    key_source_words: Tuple[bytes, ...] = field(default=())
    weak_random_words: Tuple[bytes, ...] = field(default=())
    #: the last names of the `random_bytes` calls (``urandom``, ``token_bytes``): a variable named
    #: as a private key bound from one makes a module worth analysing (discovery.Prefilter.confirm)
    random_bytes_names: FrozenSet[str] = frozenset()
    wipe_functions: FrozenSet[str] = frozenset()
    #: the last part of each wipe function's name (``memzero`` of ``nacl.bindings.memzero``)
    wipe_function_names: FrozenSet[str] = frozenset()
    wipe_methods: FrozenSet[str] = frozenset()
    #: kinds of response objects whose fields are described one by one (`field` attribute rows)
    field_kinds: FrozenSet[str] = frozenset()
    wiping_managers: FrozenSet[str] = frozenset()
    #: stream-style wipes: a ``rewind`` method (``seek(0)``) followed by an ``overwrite`` method
    #: (``write``) of zeros that cover the whole buffer (``[wipe] rewind_methods / overwrite_methods``)
    wipe_rewind_methods: FrozenSet[str] = frozenset()
    wipe_overwrite_methods: FrozenSet[str] = frozenset()
    #: hosts only this machine reaches (``[loopback]``: exact names, and prefixes such as ``127.``)
    loopback_hosts: FrozenSet[str] = frozenset()
    loopback_prefixes: Tuple[str, ...] = ()

    def is_loopback(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.loopback_hosts or host.startswith(self.loopback_prefixes)

    def call_rows(self, qname: str) -> Tuple[Row, ...]:
        return self.calls.get(qname, ())

    def short_rows(self, short: str) -> Tuple[Row, ...]:
        return self.short_calls.get(short, ())

    def method_rows(self, name: str) -> Tuple[Row, ...]:
        return self.methods.get(name, ())


def _short(qname: str) -> Optional[str]:
    parts = qname.split(".")
    if len(parts) < 2:
        return None
    return ".".join(parts[-2:])


def build(tables: Iterable[Tuple[str, Mapping[str, Any]]]) -> KnowledgeBase:
    calls: Dict[str, List[Row]] = {}
    short: Dict[str, List[Row]] = {}
    methods: Dict[str, List[Row]] = {}
    attrs: Dict[str, List[Row]] = {}
    constants: Dict[str, int] = {}
    temp_prefixes: Tuple[str, ...] = ()
    temp_env: FrozenSet[str] = frozenset()
    weak: FrozenSet[str] = frozenset()
    limits: Dict[str, int] = {}
    wipe_f: FrozenSet[str] = frozenset()
    wipe_m: FrozenSet[str] = frozenset()
    wipe_cm: FrozenSet[str] = frozenset()
    wipe_rw: FrozenSet[str] = frozenset()
    wipe_ow: FrozenSet[str] = frozenset()
    loop_hosts: FrozenSet[str] = frozenset()
    loop_prefixes: Tuple[str, ...] = ()
    for file, data in tables:
        if "loopback" in data:
            lb = data["loopback"]
            loop_hosts |= frozenset(h.lower() for h in lb.get("hosts", ()))
            loop_prefixes += tuple(p.lower() for p in lb.get("prefixes", ()))
        if "wipe" in data:
            w = data["wipe"]
            wipe_f |= frozenset(w.get("functions", ()))
            wipe_m |= frozenset(w.get("methods", ()))
            wipe_cm |= frozenset(w.get("context_managers", ()))
            wipe_rw |= frozenset(w.get("rewind_methods", ()))
            wipe_ow |= frozenset(w.get("overwrite_methods", ()))
        for table, index_ in (("call", calls), ("method", methods), ("attribute", attrs)):
            for i, raw in enumerate(data.get(table, ())):
                row = _row(table, raw, file, i)
                if table == "call":
                    for t in row.targets:
                        calls.setdefault(t, []).append(row)
                        s = _short(t)
                        if s:
                            short.setdefault(s, []).append(row)
                else:
                    for n in row.names:
                        index_.setdefault(n, []).append(row)
        for mod in ("os", "stat"):
            for k, v in data.get(mod, {}).items():
                if not isinstance(v, int):
                    raise KnowledgeError(f"{file}[{mod}].{k}: not an integer")
                constants[f"{mod}.{k}"] = v
        if "temp" in data:
            temp_prefixes += tuple(data["temp"].get("prefixes", ()))
            temp_env |= frozenset(data["temp"].get("env_names", ()))
        if "weak_curves" in data:
            wc = data["weak_curves"]
            weak |= frozenset(wc.get("names", ()))
            for k in ("min_rsa_bits", "min_dsa_bits", "min_ec_bits", "rsa_exponent"):
                if k in wc:
                    limits[k] = int(wc[k])
    triggers = _trigger_words(calls, methods)
    construct_words, weak_words = _companion_words(calls)
    key_source_words = ({_word(q) for q, rows in calls.items()
                         if any(r.effect == "source" and r.label in ("private-key", "key-material") for r in rows)}
                        # methods whose names are their trigger (acm.export_certificate): named by them
                        | {n.encode() for rs in methods.values() for r in rs
                           if r.opt("trigger") == "names" and r.effect == "source" for n in r.names}
                        | {b"PRIVATE KEY"})
    source_words = tuple(sorted(key_source_words
                                | {b"check_output", b"getoutput"}
                                # a helper that creates a file and returns it (certbot's safe_open:
                                # os.open(path, O_CREAT | ..., *mode), os.fdopen): its callers write
                                # key material into what it returns; one that sets the umask (a
                                # context manager): what its caller creates depends on it
                                | {b"O_CREAT", b"fdopen", b"umask"}
                                # a helper that builds a key-generation command line (step,
                                # openssl, ssh-keygen, certtool, wg; tools.toml) or asks for a
                                # passphrase: its callers run the command or pass the secret on
                                | _tool_words() | {b"getpass"}
                                | _follow_words(calls, temp_prefixes)))
    field_kinds = frozenset(r.on for rs in attrs.values() for r in rs if r.opt("field") and r.on)
    return KnowledgeBase(
        field_kinds=field_kinds,
        calls={k: tuple(v) for k, v in calls.items()},
        short_calls={k: tuple(v) for k, v in short.items()},
        methods={k: tuple(v) for k, v in methods.items()},
        attributes={k: tuple(v) for k, v in attrs.items()},
        constants=constants,
        temp_prefixes=temp_prefixes,
        temp_env_names=temp_env,
        weak_curves=weak,
        limits=limits,
        trigger_words=triggers,
        construct_words=construct_words,
        source_words=source_words,
        key_source_words=tuple(sorted(key_source_words)),
        weak_random_words=weak_words,
        random_bytes_names=frozenset(q.rsplit(".", 1)[-1] for q, rows in calls.items()
                                     if any(r.opt("random_bytes") for r in rows)),
        wipe_functions=wipe_f,
        wipe_function_names=frozenset(n.rsplit(".", 1)[-1] for n in wipe_f),
        wipe_methods=wipe_m,
        wiping_managers=wipe_cm,
        wipe_rewind_methods=wipe_rw,
        wipe_overwrite_methods=wipe_ow,
        loopback_hosts=loop_hosts,
        loopback_prefixes=loop_prefixes,
    )


# The prefilter's words: a file that contains none of them cannot produce a finding.
# Key sources contribute their most distinctive name component (a generic last component such
# as `generate` falls back to its class: `Ed25519PrivateKey`); rules that fire without a key
# source contribute their triggers (mktemp, umask, key-generation tools, key construction).
_GENERIC = frozenset({
    "generate", "load", "construct", "from_string", "from_pem", "from_path", "encode", "export", "new",
    "gen_key", "gen_params", "from_seed", "from_private_key", "import_key", "importKey", "from_private_bytes",
    "bytes", "random", "choice", "time", "randint", "sample", "rand", "RandomState", "default_rng",
    # class names too common to say anything (ACME/web accounts, GPG signature checks, any
    # `Key` model): the module names the library (eth_account, gnupg.GPG, keys.Key)
    "Account", "GPG", "generate_key", "Key",
})
#: the words of key-generation command lines beside the executables of tools.toml (see
#: :func:`_tool_words`): smallstep's `step` only as it is spelled in a command (a word too common
#: alone), and the key-printing sub-commands of `wg`
_TOOL_SPELLINGS = (b"step-cli", b'"step"', b"'step'", b"step crypto", b"step certificate", b"step ca ")
#: the sub-commands of `wg` that print a new key (words of their own: a module spelling them makes keys)
KEY_PRINTING_WORDS = (b"genkey", b"genpsk")
#: executables of tools.toml that are not words of their own in a file (`step`: the spellings above)
_TOOL_NOT_WORDS = frozenset({"step"})


@lru_cache(maxsize=1)
def tool_executables() -> FrozenSet[str]:
    """The executables of the key-generation tools of tools.toml."""
    return frozenset(e for t in load_toml(HERE / "tools.toml").get("tool", ()) for e in t.get("executables", ()))


@lru_cache(maxsize=1)
def _tool_words() -> FrozenSet[bytes]:
    """The words that name a key-generation tool: every executable of tools.toml (a tool added
    there is a trigger without more code), :data:`_TOOL_SPELLINGS` and :data:`KEY_PRINTING_WORDS`."""
    return (frozenset(n.encode() for n in tool_executables() - _TOOL_NOT_WORDS)
            | frozenset(_TOOL_SPELLINGS) | frozenset(KEY_PRINTING_WORDS))


_RULE_WORDS = (
    b"mktemp", b"PRIVATE KEY", b"getpass",
    # names that make the engine assume key material (parameter and function names, annotations)
    b"private_key", b"privkey", b"priv_key", b"private_pem", b"key_pem", b"pem_key", b"signing_key",
    b"PrivateKey", b"passphrase", b"ssh_key", b"keypair", b"key_pair",
    # private key files named in string literals (engine.is_key_path): a module that only chmods
    # or copies "/etc/ssl/private/server.key" or "~/.ssh/id_ed25519" (KG202, KG101, KG201)
    b'.key"', b".key'", b"id_rsa", b"id_dsa", b"id_ecdsa", b"id_ed25519", b"key.pem", b".p12", b".pfx",
)


def _distinctive(qname: str) -> str:
    parts = qname.split(".")
    for part in reversed(parts):
        if part not in _GENERIC and not part.islower() or (part not in _GENERIC and len(part) > 8):
            return part
    return ".".join(parts[-2:])


#: weak generators too common as words to say anything about a function (time.time() is a timestamp)
_COMMON_WEAK = frozenset({b"time.time", b"time.time_ns", b"perf_counter", b"Random"})


def _follow_words(calls: Mapping[str, List[Row]], temp_prefixes: Iterable[str]) -> Set[bytes]:
    """Words of values worth following into another module besides key sources: temporary
    locations (``def scratch(): return os.path.join(gettempdir(), ...)``, ``SCRATCH = "/tmp/pki"``)
    and non-cryptographic generators (``def rand_bytes(n): ... random.getrandbits(8) ...``)."""
    out = {p.encode() for p in temp_prefixes if p.startswith("/")}
    for qname, rows in calls.items():
        if any(r.effect == "temp" or (r.effect == "source" and r.label == "weak-random") for r in rows):
            out.add(_word(qname))
    return out - _COMMON_WEAK


def _word(qname: str) -> bytes:
    return (_distinctive(qname) if "." in qname else qname).encode()


def _trigger_words(calls: Mapping[str, List[Row]], methods: Mapping[str, List[Row]]) -> Tuple[bytes, ...]:
    """Words that alone make a file worth analysing: key sources and rule triggers.

    ``umask`` is not one: KG204 needs key material written under it, and that material comes
    from a key source in the file or reaches it through a call (the module is then analysed on
    demand).  Key-construction APIs (KG602) count only beside a weak generator, see
    :func:`_companion_words`."""
    words = set(_RULE_WORDS) | _tool_words()
    # objects whose methods produce key material (gnupg.GPG().export_keys(k, secret=True)): the
    # call that makes the object is the trigger, as the method name alone says nothing
    producing = {r.on for rs in methods.values() for r in rs
                 if r.on not in (None, "*") and r.on not in ALL_LABELS and r.opt("trigger") != "names"
                 and ((r.effect == "source" and r.label != "weak-random") or r.effect == "key-to-file"
                      or (r.effect == "taint-receiver" and r.spec("from") is None))}
    words.update(n.encode() for rs in methods.values() for r in rs if r.opt("trigger") == "names" for n in r.names)
    for qname, rows in calls.items():
        if any((r.effect == "source" and r.label != "weak-random") or r.effect == "key-params"
               or (r.effect == "kind" and r.kind in producing) for r in rows):
            by_module = any(r.opt("trigger") == "module" for r in rows)
            words.add(qname.split(".", 1)[0].encode() if by_module else _word(qname))
    return tuple(sorted(words))


def _companion_words(calls: Mapping[str, List[Row]]) -> Tuple[Tuple[bytes, ...], Tuple[bytes, ...]]:
    """(key-construction words, weak-generator words): a file needs one of each for KG602."""
    construct = set()
    weak = set()
    for qname, rows in calls.items():
        if any(r.effect == "key-construct" for r in rows):
            construct.add(_word(qname))
        if any(r.effect == "source" and r.label == "weak-random" for r in rows):
            weak.add(qname.split(".")[0].encode())
    construct.add(b"derive")
    return tuple(sorted(construct)), tuple(sorted(weak))


def load_tables(extra: Iterable[Tuple[str, Mapping[str, Any]]] = ()) -> List[Tuple[str, Mapping[str, Any]]]:
    tables = []
    for name in KB_FILES + ("constants.toml",):
        tables.append((name, load_toml(HERE / name)))
    tables.extend(extra)
    return tables


@lru_cache(maxsize=8)
def default_kb() -> KnowledgeBase:
    """The bundled knowledge base (cached: it is immutable).

    Building it from the tables costs about 17 ms, in every process; the built base is kept
    beside the compiled tables (:func:`keyguard.knowledge.compiled.load_built`), named after the
    tables' and this module's content (an edited table or schema never reads a stale copy)."""
    sources = [Path(__file__).read_bytes(), *table_bytes()]
    kb = load_built(HERE / "__pycache__", sources, KnowledgeBase)
    if kb is None:
        kb = build(load_tables())
        store_built(HERE / "__pycache__", sources, kb)
    return kb


@lru_cache(maxsize=1)
def table_bytes() -> Tuple[bytes, ...]:
    """The bytes of the :data:`BUILT_FROM` tables, read once per process (the kept knowledge base
    and the result cache's salt are both named after them)."""
    return tuple((HERE / name).read_bytes() for name in BUILT_FROM)


def kb_with_extra(extra: Tuple[Tuple[str, str], ...]) -> KnowledgeBase:
    """The bundled knowledge base plus user tables given as (name, toml text)."""
    if not extra:
        return default_kb()
    return _kb_with_extra(extra)


@lru_cache(maxsize=8)
def _kb_with_extra(extra: Tuple[Tuple[str, str], ...]) -> KnowledgeBase:
    return build(load_tables((name, toml().loads(text)) for name, text in extra))
