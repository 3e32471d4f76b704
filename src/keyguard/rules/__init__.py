"""Rule registration: every rule class, ordered by code.

Each family module holds the classes of one code family (KG1xx tempfiles,
KG2xx permissions, KG3xx memory, KG4xx exposure, KG5xx keygen_tools, KG6xx
key_strength).  This module only registers them; ``keyguard.registry`` builds
the code lookup and selection on top of ``ALL_RULES``.
"""

from __future__ import annotations

from typing import Tuple, Type

from keyguard.cstimport import import_libcst

import_libcst()  # before the rule modules import libcst

from keyguard.rules.base import Rule
from keyguard.rules.exposure import KeyInArgvOrEnv, KeyLogged, KeyOverInsecureIpc, UnencryptedKeyAtRest
from keyguard.rules.key_strength import KeyFromWeakRandom, WeakKeyParameters
from keyguard.rules.keygen_tools import KeygenToolSecretInArgv, KeygenToolTempOutput, KeygenToolUnencryptedKey
from keyguard.rules.memory import ImmutableKeyCopy, KeyBufferNotZeroized, KeyInImmutableObject
from keyguard.rules.permissions import (
    KeyFileDefaultPermissions,
    KeyFileFollowsSymlink,
    KeyFilePermissiveMode,
    PermissionsTightenedAfterWrite,
    PermissiveUmask,
)
from keyguard.rules.tempfiles import (
    InsecureMktemp,
    KeyFileRemovedWithoutWipe,
    KeyInTempfile,
    TempfileCleanupNotGuaranteed,
)

ALL_RULES: Tuple[Type[Rule], ...] = (
    KeyInTempfile,  # KG101
    InsecureMktemp,  # KG102
    TempfileCleanupNotGuaranteed,  # KG103
    KeyFileRemovedWithoutWipe,  # KG104
    KeyFileDefaultPermissions,  # KG201
    KeyFilePermissiveMode,  # KG202
    PermissionsTightenedAfterWrite,  # KG203
    PermissiveUmask,  # KG204
    KeyFileFollowsSymlink,  # KG205
    KeyBufferNotZeroized,  # KG301
    ImmutableKeyCopy,  # KG302
    KeyInImmutableObject,  # KG303
    KeyLogged,  # KG401
    KeyInArgvOrEnv,  # KG402
    KeyOverInsecureIpc,  # KG403
    UnencryptedKeyAtRest,  # KG404
    KeygenToolTempOutput,  # KG501
    KeygenToolUnencryptedKey,  # KG502
    KeygenToolSecretInArgv,  # KG503
    WeakKeyParameters,  # KG601
    KeyFromWeakRandom,  # KG602
)

__all__ = ["ALL_RULES", "Rule"]
