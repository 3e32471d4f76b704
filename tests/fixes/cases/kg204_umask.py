import os


def prepare() -> None:
    old = os.umask(0)  # expect: KG204 - everyone can read what we create next
    try:
        pass
    finally:
        os.umask(old)
