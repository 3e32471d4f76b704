"""Taint labels and object kinds, defined once (kebab-case strings).

Labels travel with data; kinds describe what an object is.
"""

from __future__ import annotations

# --- labels: what a value carries -------------------------------------------
PRIVATE_KEY = "private-key"  # a key object (generated or loaded)
KEY_MATERIAL = "key-material"  # serialized private key / seed bytes or text
PASSPHRASE = "passphrase"  # a key passphrase
WEAK_RANDOM = "weak-random"  # bytes/ints from a non-cryptographic generator
TEMP = "temp-location"  # a path, handle or fd in a temporary location
SHARED_TEMP = "shared-temp"  # ... directly in a directory every user can write to (/tmp, gettempdir())
UNENCRYPTED = "unencrypted"  # key material serialized without encryption
KEY_PATH = "key-path"  # a path whose name says it holds a private key
PICKLED = "pickled"  # key material inside a pickle/marshal serialization (pickle.dumps(key))

KEY_LABELS = frozenset({PRIVATE_KEY, KEY_MATERIAL})
#: how the origin of key material guessed from a parameter's name begins (rules tell guesses apart by it)
PARAM_GUESS = "private key parameter"
#: the description of a value guessed to be a key from the name it is bound to (a call's result)
NAME_GUESS = "private key guessed from the name"
ALL_LABELS = frozenset({PRIVATE_KEY, KEY_MATERIAL, PASSPHRASE, WEAK_RANDOM, TEMP, SHARED_TEMP, UNENCRYPTED, KEY_PATH, PICKLED})

# --- kinds: what an object is -------------------------------------------------
FILE_HANDLE = "file-handle"
FD = "fd"
PATH = "path"
TEMP_DIR = "temp-dir"  # tempfile.TemporaryDirectory object (``.name`` is the path)
LOGGER = "logger"
SOCKET = "socket"
TLS_SOCKET = "tls-socket"
SHARED_MEMORY = "shared-memory"
MMAP = "mmap"
BUFFER = "buffer"  # bytearray / memoryview / ctypes buffer: wipeable
ENCRYPTION_NONE = "no-encryption"
ENCRYPTION = "encryption"
PKEY = "openssl-pkey"  # pyOpenSSL PKey() before generate_key
MODULE = "module"
ENVIRON = "environ"
CURVE = "curve"
LOADED_KEY = "loaded-key"  # a key loaded from data of unknown kind (RSA.import_key(data)): private or public

ALL_KINDS = frozenset(
    {
        FILE_HANDLE, FD, PATH, TEMP_DIR, LOGGER, SOCKET, TLS_SOCKET, SHARED_MEMORY, MMAP,
        BUFFER, ENCRYPTION_NONE, ENCRYPTION, PKEY, MODULE, ENVIRON, CURVE, LOADED_KEY,
    }
)
