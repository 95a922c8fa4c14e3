"""The security guide names a test for every protection: each named test file and test must exist,
so renaming or deleting a test cannot leave the guide pointing at nothing."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_the_security_guide_names_exists():
    guide = (ROOT / "docs" / "security.md").read_text()
    named = re.findall(r"`(tests/(?:unit/|integration/|e2e/|browser/)?test_\w+\.py)(?:::(test_\w+))?", guide)
    assert len(named) > 30
    missing = []
    for path, test in named:
        source = ROOT / path
        if not source.exists() or (test and f"def {test}(" not in source.read_text()):
            missing.append(f"{path}::{test}" if test else path)
    assert not missing


def test_every_protection_row_names_a_test():
    guide = (ROOT / "docs" / "security.md").read_text()
    rows = [line for line in guide.splitlines()
            if line.startswith("| ") and not line.startswith(("| Protection", "|---"))]
    assert rows and all(("tests/" in row or "make " in row) for row in rows)


DOCS = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text):
    """The text outside fenced code blocks and inline code, where a link is a link."""
    kept, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return kept


def _anchors(path):
    """GitHub's heading anchors of a Markdown file (lower case, punctuation dropped, spaces as -)."""
    anchors, seen = set(), {}
    for line in _prose(path.read_text()):
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def test_relative_links_in_docs_resolve():
    checked, broken = 0, []
    for doc in DOCS:
        for line in _prose(doc.read_text()):
            for target in LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue  # http(s), mailto: not checked offline
                path, _, anchor = target.partition("#")
                resolved = (doc.parent / path).resolve() if path else doc
                checked += 1
                if not resolved.exists():
                    broken.append(f"{doc.relative_to(ROOT)}: {target} (no such file)")
                elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                    broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert checked > 20
    assert not broken


def test_the_readme_gives_the_two_commands_and_links_each_guide():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    for guide in ("docs/operations.md", "docs/staff.md", "docs/conversation.md", "docs/security.md",
                  "docs/content.md", "bench/README.md"):
        assert f"]({guide})" in readme
