"""Reference implementations of the compliant patterns that keyguard's findings point to.

``keyguard.reference.keygen`` generates and stores private keys safely;
``keyguard.reference.pkcs11`` keeps them inside a PKCS#11 token; ``keyguard.reference.cli`` is
the ``keyguard keygen`` command.
These modules never import the analyzer.
"""

from __future__ import annotations
