"""Every rule code and whether it is on by default: the catalogue of rules.md as data.

Selection (``select``/``ignore``/``strict`` in the configuration) needs only these, so reading a
configuration never imports the rule modules (and with them libcst and the engine): a run whose
files the prefilter all rejects starts and ends without them.  The rule classes take their
``default`` from this table (``Rule.__init_subclass__``), and a test checks that the table and
the rule classes name the same codes.
"""

from __future__ import annotations

from typing import Dict

#: code -> "on" (in the default set) or "strict" (only with --strict, --select ALL or its own code)
DEFAULTS: Dict[str, str] = {
    "KG101": "on",
    "KG102": "on",
    "KG103": "on",
    "KG104": "strict",
    "KG201": "on",
    "KG202": "on",
    "KG203": "on",
    "KG204": "on",
    "KG205": "strict",
    "KG301": "on",
    "KG302": "on",
    "KG303": "strict",
    "KG401": "on",
    "KG402": "on",
    "KG403": "on",
    "KG404": "strict",
    "KG501": "on",
    "KG502": "strict",
    "KG503": "on",
    "KG601": "on",
    "KG602": "on",
}
