from tempfile import mktemp


def scratch():
    name = mktemp()  # expect: KG102
    return name
