"""KG6xx: keys that are weak from birth.

A key generated with too few bits, a bad public exponent, a weak curve or
predictable randomness needs no storage mistake to be compromised: it can be
recomputed, which has the same impact as a stolen key (threat analysis 4.3).

Only metadata and documentation live here; detection is added by the engine.
"""

from __future__ import annotations

from keyguard.rules.base import Rule

from typing import Collection, Iterable, List, Mapping, Optional

from keyguard import labels as L
from keyguard.analysis.context import AnalysisContext, mode_of
from keyguard.analysis.events import Event
from keyguard.analysis.values import Value
from keyguard.rules.report import Hit
from keyguard.rules.support import at_call_site, confidence, data_of


def _param(ev: Event, name: str) -> Optional[Value]:
    row = ev.values["row"]
    spec = row.spec(name)
    if spec is None:
        return None
    kwargs = ev.values.get("kwargs") or {}
    args = ev.values.get("args") or ()
    if spec.kw is not None and spec.kw in kwargs:
        return kwargs[spec.kw]
    if spec.pos is not None and spec.pos < len(args):
        return args[spec.pos]
    return None


def _curve_name(v: Optional[Value]) -> Optional[str]:
    if v is None:
        return None
    if isinstance(v.const, str):
        return v.const
    for q in (v.qname, v.attr if v.attr and v.attr.startswith("call:") else None):
        if q:
            return q.rsplit(".", 1)[-1].replace("call:", "")
    return None


def _size_problem(algorithm: Optional[str], bits: Optional[int], limits: Mapping[str, int]) -> Optional[str]:
    """What is wrong with an RSA/DSA key of ``bits`` (parameters.toml's minimum), None when nothing
    (or not RSA/DSA, or the size not known)."""
    if algorithm not in ("RSA", "DSA") or bits is None:
        return None
    minimum = limits.get("min_rsa_bits" if algorithm == "RSA" else "min_dsa_bits", 2048)
    if 0 < bits < minimum:  # (0 and negative sizes raise: tests of the library's checks)
        return f"{algorithm} key of {bits} bits (minimum {minimum})"
    return None


def _curve_problem(curve: Optional[str], weak_curves: Collection[str], any_case: bool = False) -> Optional[str]:
    """"weak elliptic curve ..." when ``curve`` is one of the weak curves (``any_case``: in capitals too)."""
    if curve is None or not (curve in weak_curves or (any_case and curve.upper() in weak_curves)):
        return None
    return f"weak elliptic curve {curve}"


class WeakKeyParameters(Rule):
    r"""A key is generated with parameters too weak to resist factoring or discrete-log attacks.

    ## What it does
    Finds RSA and DSA keys under 2048 bits, RSA public exponents other than
    65537, and weak elliptic curves (`SECP192R1`, `SECT163K1`/`SECT163R2` and
    the other binary curves under 233 bits) in key-generation calls of
    cryptography, PyCryptodome, pyOpenSSL, paramiko, asyncssh, python-ecdsa
    (`NIST192p`, `SECP160r1` and its other curves under 224 bits) and authlib
    JWKs (`JsonWebKey.generate_key("RSA", 1024)`), including library defaults
    such as paramiko's 1024-bit `DSSKey.generate()` and python-ecdsa's
    `SigningKey.generate()` (NIST192p). Key-generation tools run from code are
    checked too: `openssl genrsa ... 1024`, `openssl req -newkey rsa:1024`,
    `openssl genpkey -pkeyopt rsa_keygen_bits:1024`, `openssl ecparam -name
    secp192r1 -genkey`, `ssh-keygen -t rsa -b 1024`,
    `step crypto keypair --kty RSA --size 1024`, `certtool -p --bits 1024`.

    ## Why is this bad?
    RSA-1024 and DSA-1024 are within reach of well-funded attackers and are
    disallowed by NIST SP 800-131A; a small or unusual RSA exponent enables
    known attacks on badly padded messages; small curves give less than 112
    bits of security. A weak key is a compromised key waiting to happen, with
    the full impact of the threat analysis (4.3: impersonation, forged
    signatures, decryption), and no storage protection can compensate.

    ## Example
    ```python
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ```

    ## Use instead
    ```python
    from keyguard.reference.keygen import generate_private_key

    key = generate_private_key("rsa-3072")  # or "ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-4096"
    ```

    ## Fix
    An autofix exists (`keyguard fix`) for a constant RSA `key_size` below 2048:
    it becomes `3072`. It is **unsafe**: generation gets slower, keys and
    signatures get larger, and a peer, token or protocol with a fixed key size
    may reject the new key. Review the diff before applying it. Exponents and
    curves are not rewritten.

    ## Options
    None.

    ## References
    - [CWE-326: Inadequate Encryption Strength](https://cwe.mitre.org/data/definitions/326.html)
    - [CWE-327: Use of a Broken or Risky Cryptographic Algorithm](https://cwe.mitre.org/data/definitions/327.html)
    - [NIST SP 800-131A Rev. 2](https://csrc.nist.gov/pubs/sp/800/131/a/r2/final), [cryptography: RSA key generation](https://cryptography.io/en/latest/hazmat/primitives/asymmetric/rsa/#generation)
    - Threat analysis "Insecure Key Storage during Generation", 4.3 (Impact Assessment)
    """

    code = "KG601"
    name = "weak-key-parameters"
    severity = "high"
    cwe = ("CWE-326", "CWE-327")
    fix_title = "Generate RSA keys of at least 3072 bits with exponent 65537, or use Ed25519/P-256"
    autofix = True

    kinds = ("key-params", "tool-issue")

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        if ev.kind == "tool-issue":
            yield from self._tool(ev, ctx)
            return
        row = ev.values["row"]
        algorithm = row.opt("algorithm")
        limits = ctx.kb.limits
        problems = []
        decided_by: List[Optional[Value]] = []  # the argument behind each problem
        if algorithm == "auto":  # pyOpenSSL generate_key(TYPE_RSA|TYPE_DSA, bits), asyncssh ("ssh-rsa", ...)
            t = _param(ev, "type")
            tname = ((t.const if isinstance(t.const, str) else t.qname) or "") if t is not None else ""
            # (a JWK's kty: authlib JsonWebKey.generate_key("RSA", 1024) / ("EC", "P-192"))
            names = row.opt("type_names")
            if names is not None:
                # the library's own names (PGPy PubKeyAlgorithm.RSAEncryptOrSign, gnupg key_type="RSA")
                algorithm = names.get(tname.rpartition(".")[2]) if t is not None else row.opt("default_type")
            else:
                algorithm = ("DSA" if tname.endswith(("TYPE_DSA", "ssh-dss")) else
                             "RSA" if tname.endswith("TYPE_RSA") or tname in ("ssh-rsa", "rsa-sha2-256", "rsa-sha2-512", "RSA")
                             else "EC" if tname == "EC" else None)
        kwargs = ev.values.get("kwargs") or {}
        kty = kwargs.get("kty")
        if kty is not None and isinstance(kty.const, str) and kty.const != "RSA" and algorithm == "RSA":
            return  # JWK.generate(kty="oct", size=256) is a symmetric key, (kty="EC") has a curve
        given = _param(ev, "size")
        size = mode_of(given) if given is not None else row.opt("default_size")
        size_problem = _size_problem(algorithm, size, limits)
        if size_problem is not None:
            problems.append(size_problem)
            decided_by.append(given)
        if algorithm == "RSA":
            e_arg = _param(ev, "exponent")
            e = mode_of(e_arg)
            if e is not None and e != limits.get("rsa_exponent", 65537):
                problems.append(f"RSA public exponent {e} (use 65537)")
                decided_by.append(e_arg)
        if algorithm == "EC":
            c_arg = _param(ev, "curve")
            curve = _curve_name(c_arg) if c_arg is not None else row.opt("default_curve")
            curve_problem = _curve_problem(curve, ctx.kb.weak_curves)
            if curve_problem is not None:
                problems.append(curve_problem)
                decided_by.append(c_arg)
            if row.opt("ec_bits") and size is not None and size < limits.get("min_ec_bits", 224):
                problems.append(f"EC key of {size} bits")
                decided_by.append(given)
        if problems:
            hit = Hit(self.code, ev.node, ev.module,
                      f"`{ev.describe}` makes a weak key: " + "; ".join(problems), None, ev.confidence)
            # every weak value passed down by the same call of a helper (new_bundle(uid, "rsa", 1024)):
            # reported at that call, where the value was chosen
            sites = ev.values.get("param_sites") or {}
            found = {sites.get(id(v)) if v is not None else None for v in decided_by}
            site = found.pop() if len(found) == 1 else None
            yield at_call_site(hit, ev, site, f"the key is made by `{ev.describe}`")

    def _tool(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        """A key-generation tool's command line asks for a weak size or curve (tools.toml size/curve options)."""
        issue = ev.values["issue"]
        if issue.code != self.code or issue.params is None:
            return
        algorithm, bits, curve = issue.params
        # (a tool spells curves its own way: secp192r1, P-192)
        problem = _size_problem(algorithm, bits, ctx.kb.limits) or \
            _curve_problem(curve, ctx.kb.weak_curves, any_case=True)
        if problem is not None:
            hit = Hit(self.code, ev.node, ev.module, f"{issue.message}: {problem}", None, ev.confidence)
            yield at_call_site(hit, ev, ev.values.get("site"), f"the command is run by `{ev.describe}`")


class KeyFromWeakRandom(Rule):
    r"""Key or seed bytes come from a non-cryptographic random generator.

    ## What it does
    Finds private keys and seeds built from `random` (`randbytes`,
    `getrandbits`, `randint`, `choice`, ...), `numpy.random`, `uuid.uuid1`, or
    time-derived values, e.g. passed to `Ed25519PrivateKey.from_private_bytes`,
    `X25519PrivateKey.from_private_bytes`, `ec.derive_private_key` or
    `nacl.signing.SigningKey(seed)`.

    ## Why is this bad?
    `random` is a Mersenne Twister: after 624 observed outputs its whole
    future (and past) output can be computed, and it is seeded from the time
    or a small value in many programs. `uuid1` contains the MAC address and a
    timestamp. A key derived from these can be recomputed by an attacker
    without ever touching the machine, which is the worst case of the threat
    analysis's impact assessment (4.3): every signature forged, every session
    decrypted.

    ## Example
    ```python
    import random

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = random.randbytes(32)
    key = Ed25519PrivateKey.from_private_bytes(seed)
    ```

    ## Use instead
    ```python
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()  # seeded by the operating system's CSPRNG
    ```
    If raw seed bytes are really needed, take them from `secrets.token_bytes(32)`
    or `os.urandom(32)`.

    ## Fix
    No autofix: the replacement depends on whether a seed must be kept.

    ## Options
    None.

    ## References
    - [CWE-338: Use of Cryptographically Weak Pseudo-Random Number Generator (PRNG)](https://cwe.mitre.org/data/definitions/338.html)
    - [CWE-330: Use of Insufficiently Random Values](https://cwe.mitre.org/data/definitions/330.html)
    - [Python `random` (not for security)](https://docs.python.org/3/library/random.html), [Python `secrets`](https://docs.python.org/3/library/secrets.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.3 (Impact Assessment)
    """

    code = "KG602"
    name = "key-from-weak-random"
    severity = "critical"
    cwe = ("CWE-338", "CWE-330")
    fix_title = "Generate the key with the library's generate() or seed it from secrets.token_bytes()"
    autofix = False

    kinds = ("key-construct",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        data = data_of(ev)
        org = data.origin(L.WEAK_RANDOM)
        yield Hit(self.code, ev.node, ev.module,
                  f"key or seed bytes from a non-cryptographic generator ({{source}}) reach `{ev.describe}`",
                  org, confidence(ev, org))
