"""Inviting several contacts of a supplier at once, from a pasted list or a CSV file.

Each line is an email and, optionally, the person's name, separated by a comma, a semicolon
or a tab (as pasted from a spreadsheet); a header line (email, name) is skipped. Every line is
checked first and every problem named by line and field; only a list without problems is
invited, all of it in one transaction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal.accounts import service as accounts
from portal.accounts.models import Role, User
from portal.audit import Actor
from portal.config import Settings
from portal.errors import InvalidInput
from portal.i18n import _
from portal.suppliers.service import get_supplier
from portal.textrules import problem

MAX_LINES = 200
MAX_FILE_BYTES = 1024 * 1024
HEADER_WORDS = {"email", "e-mail", "mail", "邮箱", "电子邮件", "邮件"}


@dataclass(frozen=True)
class Contact:
    """One line of the list as understood."""

    line: int
    email: str
    full_name: str


@dataclass(frozen=True)
class LineProblem:
    """What is wrong on one line, and in which field."""

    line: int
    field: str  # email / full_name / file
    message: str


class ContactsInvalid(InvalidInput):
    """Some lines of the list are wrong; nobody was invited."""

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = problems


def field_labels() -> dict[str, str]:
    """The fields of a line in the user's language."""
    return {"email": _("Email"), "full_name": _("Name"), "file": _("File")}


def decode(data: bytes) -> str:
    """An uploaded CSV's text: UTF-8 (with or without BOM), else GB18030 as Excel saves it."""
    if len(data) > MAX_FILE_BYTES:
        raise ContactsInvalid(
            [LineProblem(0, "file", _("The file is larger than 1 MB: split the list."))]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ContactsInvalid(
                [LineProblem(0, "file", _("The file is not text: save it as CSV (UTF-8)."))]
            ) from None


def _cells(line: str) -> list[str]:
    """A line's cells: split by tab if it has one (pasted from a spreadsheet), else by ';' if
    it has no comma, else by ','; quotes as in CSV."""
    delimiter = "\t" if "\t" in line else (";" if ";" in line and "," not in line else ",")
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter), [])]


def parse(text: str) -> tuple[list[Contact], list[LineProblem]]:
    """The contacts of TEXT and the problems of its lines (pure but for the translations)."""
    contacts: list[Contact] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    lines = text.splitlines()
    if sum(1 for line in lines if line.strip()) > MAX_LINES:
        return [], [LineProblem(0, "file", _("At most %(n)s people at once.") % {"n": MAX_LINES})]
    for number, line in enumerate(lines, start=1):
        cells = _cells(line)
        if not any(cells):
            continue
        if not contacts and not problems and cells[0].lower() in HEADER_WORDS:
            continue  # the header line
        if len(cells) > 2 and any(cells[2:]):
            problems.append(
                LineProblem(
                    number, "full_name", _("Two columns at most: the email, then the name.")
                )
            )
            continue
        raw_email, full_name = cells[0], (cells[1] if len(cells) > 1 else "")
        try:
            email = accounts.normalise_email(raw_email)
        except InvalidInput as invalid:
            shown = raw_email[:80] or _("(empty)")
            problems.append(LineProblem(number, "email", f"{invalid.message} ({shown})"))
            continue
        wrong = problem(full_name, multiline=False)
        if wrong is not None:
            problems.append(LineProblem(number, "full_name", wrong))
            continue
        if len(full_name) > 200:
            problems.append(
                LineProblem(
                    number, "full_name", _("The name is too long (200 characters at most).")
                )
            )
            continue
        if email in seen:
            problems.append(
                LineProblem(
                    number,
                    "email",
                    _("%(email)s is already on line %(line)s.")
                    % {"email": email, "line": seen[email]},
                )
            )
            continue
        seen[email] = number
        contacts.append(Contact(number, email, full_name))
    if not contacts and not problems:
        problems.append(LineProblem(0, "file", _("The list is empty: one email per line.")))
    return contacts, problems


@dataclass(frozen=True)
class Invited:
    """A person invited, with their single-use link."""

    user: User
    link: str


def invite_all(
    db: Session,
    *,
    actor: Actor,
    supplier_id: int,
    text: str,
    settings: Settings,
) -> list[Invited]:
    """Invite every person of TEXT to SUPPLIER_ID, or nobody (ContactsInvalid names the lines)."""
    supplier = get_supplier(db, supplier_id)
    if not supplier.is_active:
        raise ContactsInvalid(
            [LineProblem(0, "file", _("This supplier is deactivated: reactivate it first."))]
        )
    contacts, problems = parse(text)
    taken = {
        email
        for email in db.exec(
            select(User.email).where(col(User.email).in_([c.email for c in contacts] or ["-"]))
        ).all()
    }
    problems += [
        LineProblem(c.line, "email", _("A user with this email already exists.") + f" ({c.email})")
        for c in contacts
        if c.email in taken
    ]
    if problems:
        raise ContactsInvalid(sorted(problems, key=lambda p: p.line))
    invited = []
    for contact in contacts:
        user, token = accounts.invite_user(
            db,
            actor=actor,
            email=contact.email,
            full_name=contact.full_name,
            role=Role.SUPPLIER.value,
            supplier_id=supplier_id,
            settings=settings,
        )
        invited.append(Invited(user, f"{settings.base_url}/invite/{token}"))
    return invited


def mail_all(invited: list[Invited], settings: Settings) -> None:
    """Mail each invitation (after the answer is sent)."""
    from portal.accounts.mail import send_invitation

    for item in invited:
        send_invitation(item.user.email, item.link, settings)
