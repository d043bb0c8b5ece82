"""The users list: search by email, name, role or company (Chinese names too), sort, pages.

Sixty users user-01 … user-60@example.com, created an hour apart from 2025-01-01 01:00 UTC;
every tenth (10, 20 … 60) works for JCHY (晋城宏远再生资源), the others are buyers. user-05
last signed in on 2025-06-02, user-07 on 2025-06-03; the administrator signs in now (and was
created now: the newest). Fifty a page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from helpers import make_supplier, make_user, sign_in
from sqlmodel import Session

from portal.accounts.models import User, WebSession

START = datetime(2025, 1, 1, tzinfo=UTC)


def emails(html: str) -> list[str]:
    return re.findall(r'<tr id="user-\d+">\s*<td[^>]*>([^<]+)</td>', html)


def users(n: int) -> list[str]:
    return [f"user-{number:02d}@example.com" for number in range(n, 0, -1)]


def _sixty_users(session: Session) -> None:
    company = make_supplier(
        session, "JCHY", name_zh="晋城宏远再生资源", name_en="Jincheng Hongyuan Recycling"
    )
    added = {}
    for number in range(1, 61):
        supplier = number % 10 == 0
        added[number] = User(
            email=f"user-{number:02d}@example.com",
            full_name=f"Person {number:02d}",
            role="supplier" if supplier else "buyer",
            supplier_id=company.id if supplier else None,
            created_at=START + timedelta(hours=number),
        )
        session.add(added[number])
    session.flush()
    for number, day in ((5, 2), (7, 3)):
        session.add(
            WebSession(
                id_hash=f"{number:064d}",
                user_id=added[number].id,
                csrf_secret="x",
                created_at=datetime(2025, 6, day, tzinfo=UTC),
                last_seen_at=datetime(2025, 6, day, tzinfo=UTC),
            )
        )
    session.commit()


def test_admins_search_sort_and_page_the_users(client: TestClient, session: Session) -> None:
    _sixty_users(session)
    make_user(session, "admin")
    sign_in(client, "admin@example.com")

    # Newest first: the administrator and user-60 … user-12 on page 1, user-11 … 01 on page 2.
    first = client.get("/admin/users")
    assert emails(first.text)[:2] == ["admin@example.com", "user-60@example.com"]
    assert "1–50 of 61" in first.text
    assert emails(client.get("/admin/users?page=2").text) == users(11)

    # By email: admin@ first; the other way user-60 first.
    assert emails(client.get("/admin/users?sort=email").text)[:2] == [
        "admin@example.com",
        "user-01@example.com",
    ]
    assert emails(client.get("/admin/users?sort=-email").text)[0] == "user-60@example.com"
    # By role, descending: the six supplier users, then buyers (ties: newest id first).
    by_role = emails(client.get("/admin/users?sort=-role").text)
    assert by_role[:7] == [f"user-{n}@example.com" for n in (60, 50, 40, 30, 20, 10, 59)]

    # Last sign-in, most recent first: now, 3 June, 2 June, then those who never did.
    recent = client.get("/admin/users?sort=-last_sign_in").text
    assert emails(recent)[:3] == ["admin@example.com", "user-07@example.com", "user-05@example.com"]
    assert "2025-06-03 00:00 UTC" in recent and "never" in recent
    # Ascending, the never-signed-in come first and page 2 ends with the three who did.
    oldest = emails(client.get("/admin/users?sort=last_sign_in&page=2").text)
    assert oldest[-3:] == ["user-05@example.com", "user-07@example.com", "admin@example.com"]

    # The company's Chinese name (a substring), a role's name in English and in Chinese.
    company = [f"user-{n}@example.com" for n in (60, 50, 40, 30, 20, 10)]
    assert emails(client.get("/admin/users", params={"q": "宏远"}).text) == company
    assert emails(client.get("/admin/users?q=SUPPLIER").text) == company
    chinese = client.get("/admin/users", params={"q": "供应商"}, headers={"Accept-Language": "zh"})
    assert emails(chinese.text) == company

    # Search and sort survive into the next page: by email, admin and user-01 … 49 first.
    searched = client.get("/admin/users?q=example&sort=email")
    assert 'href="/admin/users?q=example&amp;sort=email&amp;page=2" id="next-page"' in searched.text
    second = client.get("/admin/users?q=example&sort=email&page=2")
    assert emails(second.text) == list(reversed(users(60)))[49:]

    nothing = client.get("/admin/users?q=nobody-here")
    assert emails(nothing.text) == [] and "Nothing matches “nobody-here”." in nothing.text
    assert 'href="/admin/users" id="clear-search-empty"' in nothing.text
