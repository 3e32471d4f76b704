"""Rule metadata and documentation: the contract of rules.md, the doc pattern of style.md,
and the generated files (README table, docs/rules.md) kept in sync with the classes.

Whether each ``Example`` triggers its rule (and ``Use instead`` does not) is an
analyzer test; it uses :func:`keyguard.docs.extract_code_blocks` from here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from keyguard import docs
from keyguard.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]

# The rule catalogue of spec/rules.md, embedded so that the tests do not depend
# on files outside the repository: code -> (name, default).
EXPECTED = {
    "KG101": ("key-in-tempfile", "on"),
    "KG102": ("insecure-mktemp", "on"),
    "KG103": ("tempfile-cleanup-not-guaranteed", "on"),
    "KG104": ("key-file-removed-without-wipe", "strict"),
    "KG201": ("key-file-default-permissions", "on"),
    "KG202": ("key-file-permissive-mode", "on"),
    "KG203": ("permissions-tightened-after-write", "on"),
    "KG204": ("permissive-umask", "on"),
    "KG205": ("key-file-follows-symlink", "strict"),
    "KG301": ("key-buffer-not-zeroized", "on"),
    "KG302": ("immutable-key-copy", "on"),
    "KG303": ("key-in-immutable-object", "strict"),
    "KG401": ("key-logged", "on"),
    "KG402": ("key-in-argv-or-env", "on"),
    "KG403": ("key-over-insecure-ipc", "on"),
    "KG404": ("unencrypted-key-at-rest", "strict"),
    "KG501": ("keygen-tool-temp-output", "on"),
    "KG502": ("keygen-tool-unencrypted-key", "strict"),
    "KG503": ("keygen-tool-secret-in-argv", "on"),
    "KG601": ("weak-key-parameters", "on"),
    "KG602": ("key-from-weak-random", "on"),
}

FAMILY_MODULE = {
    "1": "tempfiles",
    "2": "permissions",
    "3": "memory",
    "4": "exposure",
    "5": "keygen_tools",
    "6": "key_strength",
}

# the codemods planned in keyguard.fixes; a rule claims autofix only if it is here
AUTOFIX_CODES = {"KG102", "KG201", "KG202", "KG204", "KG601"}

SEVERITIES = ("low", "medium", "high", "critical")

RULE_IDS = [r.code for r in ALL_RULES]


@pytest.fixture(params=ALL_RULES, ids=RULE_IDS)
def rule(request):
    return request.param


# --- registration and metadata -------------------------------------------------------


def test_all_rules_match_the_catalogue() -> None:
    assert [r.code for r in ALL_RULES] == sorted(EXPECTED)
    assert len({r.code for r in ALL_RULES}) == len(ALL_RULES)
    assert len({r.name for r in ALL_RULES}) == len(ALL_RULES)


def test_metadata(rule) -> None:
    assert re.fullmatch(r"KG[1-6]\d\d", rule.code)
    name, default = EXPECTED[rule.code]
    assert rule.name == name
    assert rule.default == default
    assert rule.severity in SEVERITIES
    assert rule.cwe and all(re.fullmatch(r"CWE-\d+", c) for c in rule.cwe)
    assert isinstance(rule.cwe, tuple)
    assert rule.autofix is (rule.code in AUTOFIX_CODES)


def test_class_name_and_module(rule) -> None:
    assert rule.__name__ == "".join(part.capitalize() for part in rule.name.split("-"))
    assert rule.__module__ == "keyguard.rules." + FAMILY_MODULE[rule.code[2]]


def test_fix_title_is_an_action(rule) -> None:
    title = rule.fix_title
    assert title and title[0].isupper() and not title.endswith(".")
    # an action, not a description of the problem
    assert not title.lower().startswith(("key ", "the ", "a ", "this "))


def test_strict_rules_are_not_high_severity() -> None:
    # rules off by default are advisory hardening; they must not outrank the default set
    for rule in ALL_RULES:
        if rule.default == "strict":
            assert rule.severity in ("low", "medium"), rule.code


# --- documentation pattern -----------------------------------------------------------


def test_sections_present_in_order(rule) -> None:
    doc = docs.parse_doc(rule.doc())
    assert tuple(doc.sections) == docs.SECTION_ORDER
    assert doc.preamble == ""
    for heading, body in doc.sections.items():
        assert body.strip(), f"{rule.code}: empty section {heading!r}"


def test_summary_is_one_sentence(rule) -> None:
    summary = rule.summary()
    assert summary == docs.parse_doc(rule.doc()).summary
    assert summary.endswith(".")
    assert 20 < len(summary) <= 100
    assert summary.count(". ") == 0


@pytest.mark.parametrize("section", ["Example", "Use instead"])
def test_code_blocks_parse(rule, section: str) -> None:
    blocks = docs.extract_code_blocks(rule.code, section)
    assert blocks, f"{rule.code}: no python block in {section}"
    for source in blocks:
        compile(source, f"<{rule.code} {section}>", "exec")
        tree = ast.parse(source)
        # complete snippets: they import what they use
        assert any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body), rule.code


def test_example_differs_from_use_instead(rule) -> None:
    example = docs.extract_code_blocks(rule.code, "Example")
    use_instead = docs.extract_code_blocks(rule.code, "Use instead")
    assert not set(example) & set(use_instead)


def test_fix_section_matches_autofix(rule) -> None:
    fix = docs.rule_doc(rule.code).section("Fix")
    if rule.autofix:
        assert "autofix exists" in fix and "keyguard fix" in fix
        assert "**safe**" in fix or "**unsafe**" in fix
    else:
        assert fix.startswith("No autofix")


def test_options_mention_strict(rule) -> None:
    options = docs.rule_doc(rule.code).section("Options")
    if rule.default == "strict":
        assert "--strict" in options and rule.code in options
    else:
        assert options


def test_references_link_every_cwe(rule) -> None:
    refs = docs.rule_doc(rule.code).section("References")
    for cwe in rule.cwe:
        number = cwe.split("-")[1]
        assert f"https://cwe.mitre.org/data/definitions/{number}.html" in refs, (rule.code, cwe)
    assert "Threat analysis" in refs


def test_chmod_after_write_cites_paramiko_cve() -> None:
    doc = docs.rule_doc("KG203")
    assert "CVE-2022-24302" in doc.section("Why is this bad?")
    assert "CVE-2022-24302" in doc.section("References")


def test_reference_keygen_names_are_public_api() -> None:
    # Use-instead blocks may only import names keyguard.reference.keygen promises
    public = {
        "LockedBuffer",
        "wipe",
        "generate_private_key",
        "serialize_private_key",
        "write_private_key_file",
        "generate_and_store",
        "no_core_dumps",
        "read_passphrase_fd",
        "read_passphrase_file",
    }
    for rule in ALL_RULES:
        for section in ("Example", "Use instead"):
            for source in docs.extract_code_blocks(rule.code, section):
                for node in ast.walk(ast.parse(source)):
                    if isinstance(node, ast.ImportFrom) and node.module == "keyguard.reference.keygen":
                        assert {a.name for a in node.names} <= public, rule.code


# --- parser ---------------------------------------------------------------------------


def test_parse_doc_ignores_headings_in_code_blocks() -> None:
    text = "Summary line.\n\n## Example\n```sh\n## not a heading\n```\n\n## Fix\nNone.\n"
    doc = docs.parse_doc(text)
    assert list(doc.sections) == ["Example", "Fix"]
    assert "## not a heading" in doc.sections["Example"]
    assert docs.code_blocks(doc.sections["Example"]) == []
    assert docs.code_blocks(doc.sections["Example"], languages=("sh",)) == ["## not a heading\n"]


def test_parse_doc_rejects_bad_docs() -> None:
    with pytest.raises(docs.DocFormatError):
        docs.parse_doc("S.\n\n## A\nx\n## A\ny\n")
    with pytest.raises(docs.DocFormatError):
        docs.parse_doc("S.\n\n## A\n```python\nx = 1\n")


def test_extract_code_blocks_unknown_section() -> None:
    with pytest.raises(KeyError):
        docs.extract_code_blocks("KG101", "Nope")
    with pytest.raises(KeyError):
        docs.extract_code_blocks("KG999", "Example")


# --- renderers ------------------------------------------------------------------------


def test_render_rule_text_header_and_sections() -> None:
    text = docs.render_rule_text("KG101")
    first = text.splitlines()[0]
    assert first == "KG101 key-in-tempfile (default: on, severity: high, CWE-377, CWE-312)"
    for heading in docs.SECTION_ORDER:
        assert f"## {heading}" in text
    assert "NamedTemporaryFile" in text
    assert docs.render_rule_text("kg101") == text


def test_render_rule_text_strict_and_autofix() -> None:
    assert docs.render_rule_text("KG104").startswith("KG104 key-file-removed-without-wipe (default: off (strict),")
    assert "autofix available" in docs.render_rule_text("KG102")
    assert "autofix available" not in docs.render_rule_text("KG101")
    with pytest.raises(KeyError):
        docs.render_rule_text("KG000")


def test_render_rules_list() -> None:
    text = docs.render_rules_list()
    lines = text.splitlines()
    assert lines[0].split() == ["code", "name", "default", "summary"]
    rows = {line.split()[0]: line.split() for line in lines[1 : len(ALL_RULES) + 1]}
    assert list(rows) == RULE_IDS
    for rule in ALL_RULES:
        assert rows[rule.code][1] == rule.name
        assert rows[rule.code][2] == ("on" if rule.default == "on" else "off")
        assert rule.summary() in text


def test_rule_table_markdown() -> None:
    table = docs.rule_table_markdown()
    lines = table.strip().splitlines()
    assert lines[0] == "| code | name | default | severity | summary |"
    assert len(lines) == 2 + len(ALL_RULES)
    assert "| [KG205](docs/rules.md#kg205-key-file-follows-symlink) | `key-file-follows-symlink` | off (strict) | medium |" in table
    assert "[KG101]" not in docs.rule_table_markdown(link=None)


def test_rule_help_markdown_and_text() -> None:
    md = docs.rule_help_markdown("KG203")
    assert md.startswith("**KG203 permissions-tightened-after-write**")
    assert "```python" in md and "CVE-2022-24302" in md
    text = docs.rule_help_text("KG203")
    assert "```" not in text and text.startswith(docs.rule_doc("KG203").summary)


# --- generated files --------------------------------------------------------------------


def test_docs_rules_md_is_up_to_date() -> None:
    path = ROOT / "docs" / "rules.md"
    assert path.exists(), "run: python -m keyguard.docs --write-docs docs/rules.md"
    assert path.read_text(encoding="utf-8") == docs.render_docs_markdown(), (
        "docs/rules.md is stale; run: python -m keyguard.docs --write-docs docs/rules.md"
    )


def test_docs_rules_md_anchors_match_readme_links() -> None:
    text = docs.render_docs_markdown()
    for rule in ALL_RULES:
        assert f"\n## {rule.code} {rule.name}\n" in text
        # GitHub's anchor of that heading is what the README table links to
        assert f"#{rule.code.lower()}-{rule.name})" in docs.rule_table_markdown()


def test_readme_table_is_up_to_date() -> None:
    readme = ROOT / "README.md"
    if not readme.exists() or docs.readme_table_block(readme.read_text(encoding="utf-8")) is None:
        pytest.skip("README.md has no rules-table markers yet")
    assert docs.readme_table_block(readme.read_text(encoding="utf-8")) == docs.rule_table_markdown(), (
        "README rule table is stale; run: python -m keyguard.docs --write README.md"
    )


def test_update_readme_round_trip(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{docs.README_START}\nold table\n{docs.README_END}\n\nmore\n", encoding="utf-8")
    assert docs.update_readme(readme, write=False) is True
    assert "old table" in readme.read_text(encoding="utf-8")  # a check writes nothing
    assert docs.update_readme(readme) is True
    text = readme.read_text(encoding="utf-8")
    assert docs.readme_table_block(text) == docs.rule_table_markdown()
    assert text.startswith("# x\n\n") and text.endswith("\n\nmore\n")
    assert docs.update_readme(readme) is False


def test_update_readme_without_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(docs.DocFormatError):
        docs.update_readme(readme)


def test_main_check_and_write(tmp_path: Path, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"{docs.README_START}\n{docs.README_END}\n", encoding="utf-8")
    rules_md = tmp_path / "docs" / "rules.md"
    assert docs.main(["--check", str(readme), "--check-docs", str(rules_md)]) == 1
    assert docs.main(["--write", str(readme), "--write-docs", str(rules_md)]) == 0
    assert docs.main(["--check", str(readme), "--check-docs", str(rules_md)]) == 0
    assert rules_md.read_text(encoding="utf-8") == docs.render_docs_markdown()
    (tmp_path / "bare.md").write_text("nothing\n", encoding="utf-8")
    assert docs.main(["--check", str(tmp_path / "bare.md")]) == 2
    capsys.readouterr()
    assert docs.main([]) == 0
    assert capsys.readouterr().out == docs.rule_table_markdown()
