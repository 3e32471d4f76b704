from tempfile import mktemp
import os
import tempfile


def scratch():
    fd, name = tempfile.mkstemp()  # expect: KG102
    os.close(fd)
    return name
