"""Lists people can work with: free-text search, sortable columns and pages, all in the URL.

Every list page reads its `q`, `sort` (a column key, `-key` for descending) and `page` through
ListQuery.read(), then either pages a database query (page_select) or a list already loaded
(page_items). Links for sorting and paging keep every other parameter of the URL, so a filtered,
sorted view can be bookmarked and shared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, select

T = TypeVar("T")
MAX_PAGE = 10_000
MAX_SEARCH = 100


@dataclass(frozen=True)
class ListQuery:
    """What a person asked of a list: search text, sort column and direction, page."""

    path: str
    q: str = ""
    sort: str = ""
    descending: bool = False
    page: int = 1
    per_page: int = 50
    params: tuple[tuple[str, str], ...] = field(default=())  # every parameter of the URL

    @classmethod
    def read(
        cls,
        request: Request,
        *,
        sorts: Iterable[str],
        default: str,
        per_page: int = 50,
    ) -> ListQuery:
        """The query of REQUEST; an unknown sort key falls back to DEFAULT (`-key`: descending)."""
        values = request.query_params
        wanted = values.get("sort", "").strip() or default
        key = wanted.removeprefix("-")
        if key not in set(sorts):
            wanted, key = default, default.removeprefix("-")
        try:
            page = int(values.get("page", "1"))
        except ValueError:
            page = 1
        search = " ".join(values.get("q", "").split())[:MAX_SEARCH]
        params = [
            (name, search if name == "q" else value)
            for name, value in values.multi_items()
            if value.strip() != ""
        ]
        return cls(
            path=request.url.path,
            q=search,
            sort=key,
            descending=wanted.startswith("-"),
            page=max(1, min(page, MAX_PAGE)),
            per_page=per_page,
            params=tuple(params),
        )

    @property
    def sort_param(self) -> str:
        """The `sort` parameter the URL carries ("" when the list is in its default order)."""
        return next((value for name, value in self.params if name == "sort"), "")

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.per_page

    def link(self, **changes: object) -> str:
        """This list's URL with CHANGES (None or "" removes a parameter); other filters kept."""
        kept = [(name, value) for name, value in self.params if name not in changes]
        for name, value in changes.items():
            if value is not None and value != "":
                kept.append((name, str(value)))
        query = urlencode(kept)
        return self.path + ("?" + query if query else "")

    def sort_link(self, key: str) -> str:
        """The URL sorting by KEY: ascending first, the other way when already sorted by it."""
        descending = not self.descending if key == self.sort else False
        return self.link(sort=("-" if descending else "") + key, page=None)

    def sort_state(self, key: str) -> str:
        """The aria-sort value of KEY's column header."""
        if key != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"

    def hidden_fields(self, *leave_out: str) -> list[tuple[str, str]]:
        """The URL's parameters a search form must resend, without LEAVE_OUT and the page."""
        skip = {"page", "q", *leave_out}
        return [(name, value) for name, value in self.params if name not in skip]

    def matches(self, *texts: str | None) -> bool:
        """Whether every word of the search occurs in one of TEXTS (case-insensitive)."""
        if not self.q:
            return True
        haystack = " ".join(text for text in texts if text).casefold()
        return all(word in haystack for word in self.q.casefold().split())


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, how many rows match in all, and the query that made it."""

    rows: list[T]
    total: int
    query: ListQuery

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill (at least one)."""
        return max(1, -(-self.total // self.query.per_page))

    @property
    def first(self) -> int:
        """The number of this page's first row (0 when empty)."""
        return self.query.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The number of this page's last row."""
        return self.query.offset + len(self.rows)


def page_items(
    items: Iterable[T],
    query: ListQuery,
    *,
    texts: Callable[[T], Sequence[str | None]],
    keys: Mapping[str, Callable[[T], Any]],
) -> Page[T]:
    """ITEMS searched by their TEXTS, sorted by KEYS[query.sort] (blanks last), one page."""
    found = [item for item in items if query.matches(*texts(item))]
    key = keys[query.sort]
    present = [item for item in found if key(item) is not None]
    blank = [item for item in found if key(item) is None]
    present.sort(key=lambda item: _comparable(key(item)), reverse=query.descending)
    ordered = present + blank
    return Page(ordered[query.offset : query.offset + query.per_page], len(ordered), query)


def _comparable(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


WordMatch = Callable[[str], "ColumnElement[bool] | None"]


def search_condition(
    query: ListQuery, columns: Sequence[Any], also: Sequence[WordMatch] = ()
) -> ColumnElement[bool] | None:
    """Every search word in one of COLUMNS (case-insensitive LIKE) or matched by ALSO."""
    if not query.q:
        return None
    conditions = []
    for word in query.q.split():
        pattern = like_pattern(word)
        alternatives: list[Any] = [column.ilike(pattern, escape="\\") for column in columns]
        alternatives += [found for match in also if (found := match(word)) is not None]
        conditions.append(or_(*alternatives))
    return and_(*conditions)


def like_pattern(word: str) -> str:
    """A LIKE pattern finding WORD anywhere, its own % and _ taken literally (escape \\)."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def related(key: Any, target: Any, columns: Sequence[Any]) -> WordMatch:
    """A search word in COLUMNS of a table the query does not join: KEY IN (TARGET where found)."""

    def match(word: str) -> ColumnElement[bool] | None:
        pattern = like_pattern(word)
        found = select(target).where(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
        return key.in_(found)

    return match


def material_names(column: Any) -> WordMatch:
    """A search word matching a catalog material's Chinese or English name (or its code)."""

    def match(word: str) -> ColumnElement[bool] | None:
        from portal.catalog import get_ruleset

        wanted = word.casefold()
        codes = [
            code
            for code, material in get_ruleset().materials.items()
            if wanted in material.name_zh.casefold()
            or wanted in material.name_en.casefold()
            or wanted in code
        ]
        return column.in_(codes) if codes else None

    return match


def page_select(
    db: Session,
    statement: Any,
    query: ListQuery,
    *,
    search: Sequence[Any],
    sorts: Mapping[str, Sequence[Any]],
    tiebreak: Sequence[Any] = (),
    also: Sequence[WordMatch] = (),
) -> Page[Any]:
    """A page of STATEMENT's rows matching the search in SEARCH columns, sorted by SORTS."""
    condition = search_condition(query, search, also)
    if condition is not None:
        statement = statement.where(condition)
    total = int(db.exec(select_count(statement)).one())
    order = ordering(query, sorts, tiebreak)
    rows = db.exec(statement.order_by(*order).limit(query.per_page).offset(query.offset)).all()
    return Page(list(rows), total, query)


def ordering(
    query: ListQuery, sorts: Mapping[str, Sequence[Any]], tiebreak: Sequence[Any] = ()
) -> list[Any]:
    """The ORDER BY of QUERY's sort: SORTS[query.sort], then TIEBREAK, all in its direction."""
    columns = [*sorts[query.sort], *tiebreak]
    return [column.desc() if query.descending else column.asc() for column in columns]


def select_count(statement: Any) -> Any:
    """SELECT count(*) of STATEMENT's rows."""
    return select(func.count()).select_from(statement.order_by(None).subquery())
