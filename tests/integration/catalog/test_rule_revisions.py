"""The rules that judged a declaration, readable by revision after rules/ changed."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session, func, select
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "declarations"))

from declarations_helpers import create

from portal import config
from portal.catalog.models import RuleFileContent, RuleRevision, RuleRevisionFile
from portal.cli import app
from portal.declarations.models import Declaration

REPO_RULES = Path(__file__).resolve().parents[3] / "rules"
LIMIT_2026 = "{ effective_from = 2026-01-01, max_pcf = 15.1,"


def rules_copy(tmp_path: Path, name: str, *, limit_2026: str | None = None) -> Path:
    """A copy of rules/; LIMIT_2026 replaces the primary ingot's 2026 limit of 15.1."""
    directory = tmp_path / name
    shutil.copytree(REPO_RULES, directory)
    if limit_2026 is not None:
        carbon = directory / "thresholds" / "carbon.toml"
        text = carbon.read_text(encoding="utf-8")
        assert text.count(LIMIT_2026) == 1
        carbon.write_text(
            text.replace(LIMIT_2026, LIMIT_2026.replace("15.1", limit_2026)), encoding="utf-8"
        )
    return directory


def use_rules(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """Point the portal at DIRECTORY, as a restart after a change to rules/ would."""
    monkeypatch.setenv("PORTAL_RULES_DIR", str(directory))
    config.get_settings.cache_clear()


def primary_limit_row(html: str) -> str:
    return html.split('id="rule-al_primary_ingot-max_pcf.al_primary_ingot"')[1].split("</tr>")[0]


def test_the_rules_page_shows_an_old_revision_after_rules_changed(
    client: TestClient, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme, other = make_supplier(session, "ACME"), make_supplier(session, "OTHER")
    make_user(session, "esg")
    use_rules(monkeypatch, rules_copy(tmp_path, "a"))
    before = create(session, acme)  # 4.2 tCO2e/t, hydro: the rules accept it by themselves
    revision_a = before.ruleset_revision

    # The ESG team tightens the 2026 primary-ingot limit from 15.1 to 14.0: a new revision.
    use_rules(monkeypatch, rules_copy(tmp_path, "b", limit_2026="14.0"))
    after = create(session, other)
    revision_b = after.ruleset_revision
    assert revision_a != revision_b

    sign_in(client, "esg@example.com")
    now = client.get("/rules?on=2026-06-01&material=al_primary_ingot")
    assert "maximum = 14.0 tCO2e/t" in primary_limit_row(now.text)
    assert 'id="old-revision"' not in now.text

    old = client.get(f"/rules?revision={revision_a}&on=2026-06-01&material=al_primary_ingot")
    assert old.status_code == 200
    # As it was: 15.1 from 2026-01-01, under the banner naming both revisions.
    assert "maximum = 15.1 tCO2e/t" in primary_limit_row(old.text)
    assert "2026-01-01" in primary_limit_row(old.text)
    banner = old.text.split('id="old-revision"')[1].split("</p>")[0]
    assert revision_a[:12] in banner and revision_b[:12] in banner
    assert 'id="file-thresholds-carbon.toml"' in old.text
    assert f'name="revision" value="{revision_a}"' in old.text  # the date form stays on it
    # The first 12 digits, as every page shows them, find it too.
    assert "maximum = 15.1 tCO2e/t" in primary_limit_row(
        client.get(f"/rules?revision={revision_a[:12]}&on=2026-06-01").text
    )
    in_chinese = client.get(f"/rules?revision={revision_a}", headers={"Accept-Language": "zh"})
    assert "当时的规则" in in_chinese.text and "此版本的文件" in in_chinese.text
    missing = client.get("/rules?revision=0123456789ab")
    assert missing.status_code == 404 and "0123456789ab" in missing.text

    # The verdict page links to the rules as they were, and says the rules accepted it.
    detail = client.get(f"/declarations/{before.id}").text
    assert f'href="/rules?revision={revision_a}" id="verdict-rules-link"' in detail
    decided = detail.split('id="decided-by-rules"')[1].split("</span>")[0]
    assert f"/rules?revision={revision_a}" in decided and revision_a[:12] in decided

    # Each revision is stored once, its files by content: the two revisions differ only in
    # thresholds/carbon.toml, so N files make 2N revision rows and N + 1 contents.
    files = len(list((REPO_RULES).rglob("*.*")))
    assert session.exec(select(func.count()).select_from(RuleRevision)).one() == 2
    assert session.exec(select(func.count()).select_from(RuleRevisionFile)).one() == 2 * files
    assert session.exec(select(func.count()).select_from(RuleFileContent)).one() == files + 1

    # A declaration the rules accepted records which revision decided it and when.
    stored = session.get(Declaration, before.id)
    assert stored is not None and stored.status == "accepted"
    assert stored.decided_by_ruleset == revision_a and stored.decided_by_id is None
    assert stored.decided_at == stored.submitted_at

    # The command line reads the same stored revision.
    command = ["rules", "show", "--revision", revision_a[:12], "--material", "al_primary_ingot"]
    shown = CliRunner().invoke(app, [*command, "--on", "2026-06-01"])
    assert shown.exit_code == 0, shown.output
    assert re.search(r"max_pcf\.al_primary_ingot .*max_pcf = 15\.1 tCO2e/t", shown.output)
    assert revision_a[:12] in shown.output
    unknown = CliRunner().invoke(app, ["rules", "show", "--revision", "0123456789ab"])
    assert unknown.exit_code == 2 and "no stored rule-set revision" in unknown.output
