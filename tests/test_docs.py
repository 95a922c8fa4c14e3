"""The security guide names a test for every protection: each named test file and test must exist,
so renaming or deleting a test cannot leave the guide pointing at nothing."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_the_security_guide_names_exists():
    guide = (ROOT / "docs" / "security.md").read_text()
    named = re.findall(r"`(tests/test_\w+\.py)(?:::(test_\w+))?", guide)
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
