"""Line suppressions: which comments hide which findings."""

from keyguard.model import Finding
from keyguard.suppression import comment_map, filter_findings


def _finding(line: int, end_line: int, code: str = "KG101") -> Finding:
    return Finding(code=code, name="key-in-tempfile", severity="high", path="m.py", line=line, column=1,
                   end_line=end_line, end_column=2, message="m", fix="f")


TEXT = '''\
a = 1
fh.write(pem)  # NOQA: kg101
fh.write(
    pem,
)  # keyguard: ignore[KG101]
s = "# noqa"; fh.write(pem)
fh.write(pem)
'''


def test_markers_anywhere_in_the_span_case_insensitive_and_not_in_strings() -> None:
    assert comment_map(TEXT) == {2: frozenset({"KG101"}), 5: frozenset({"KG101"})}
    kept, dropped = filter_findings(
        [_finding(2, 2), _finding(3, 5), _finding(6, 6), _finding(7, 7), _finding(2, 2, "KG201")],
        {"m.py": TEXT})
    assert dropped == 2
    assert [(f.line, f.code) for f in kept] == [(6, "KG101"), (7, "KG101"), (2, "KG201")]


def test_an_upper_case_marker_alone_is_found() -> None:
    assert comment_map("fh.write(pem)  # NOQA\n") == {1: frozenset({"*"})}
