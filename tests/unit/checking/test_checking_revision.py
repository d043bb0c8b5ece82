"""The rule-set revision: a content hash that is stable and changes with any file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from checking_helpers import RULES_DIR

from portal.checking import compute_revision, load_ruleset


def revision(directory: Path) -> str:
    return load_ruleset(directory).revision


def test_revision_is_sha256_hex_and_short_form_is_12(rules_copy: Path) -> None:
    ruleset = load_ruleset(rules_copy)
    assert re.fullmatch(r"[0-9a-f]{64}", ruleset.revision)
    assert ruleset.short_revision == ruleset.revision[:12]


def test_same_content_elsewhere_has_the_same_revision(rules_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "policy"
    shutil.copytree(RULES_DIR, other)
    assert revision(rules_copy) == revision(other) == revision(RULES_DIR)


def test_any_change_changes_the_revision(rules_copy: Path) -> None:
    before = revision(rules_copy)
    readme = rules_copy / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after_readme = revision(rules_copy)
    assert after_readme != before
    carbon = rules_copy / "thresholds" / "carbon.toml"
    carbon.write_text(
        carbon.read_text(encoding="utf-8").replace("max_pcf = 12.6", "max_pcf = 12.5"),
        encoding="utf-8",
    )
    assert revision(rules_copy) not in (before, after_readme)


def test_renaming_a_file_changes_the_revision(rules_copy: Path) -> None:
    before = revision(rules_copy)
    (rules_copy / "thresholds" / "recycled.toml").rename(
        rules_copy / "thresholds" / "recycling.toml"
    )
    assert revision(rules_copy) != before


def test_hidden_files_are_not_policy(rules_copy: Path) -> None:
    before = revision(rules_copy)
    (rules_copy / ".carbon.toml.swp").write_bytes(b"\x00editor state")
    (rules_copy / "thresholds" / ".DS_Store").write_bytes(b"junk")
    assert revision(rules_copy) == before


def test_paths_and_contents_cannot_be_shuffled() -> None:
    assert compute_revision({"ab": b"c"}) != compute_revision({"a": b"bc"})
    assert compute_revision({"a": b"1", "b": b"2"}) == compute_revision({"b": b"2", "a": b"1"})
    assert compute_revision({"a": b"1", "b": b"2"}) != compute_revision({"a": b"2", "b": b"1"})
