"""Allow ``python -m keyguard``."""

from __future__ import annotations

import sys

from keyguard.cli import main

if __name__ == "__main__":
    sys.exit(main())
