"""Typed reading of parsed TOML tables that notes every problem by its key path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from portal.checking.problems import Problem

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def key_path(path: str, key: str) -> str:
    """The path of `key` inside the table at `path`."""
    return f"{path}.{key}" if path else key


def item_path(path: str, index: int) -> str:
    """The path of item `index` of the array at `path`."""
    return f"{path}[{index}]"


def type_name(value: object) -> str:
    """How a TOML value's type is called in problem messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class TomlReader:
    """Reads values of one file; wrong values become problems and read as None."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def add(self, path: str, message: str) -> None:
        """Note a problem at `path`."""
        self.problems.append(Problem(self.file, path, message))

    def count(self) -> int:
        """How many problems have been noted so far (in all files)."""
        return len(self.problems)

    def keys(
        self,
        table: Mapping[str, object],
        path: str,
        *,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        """Report keys that are unknown or missing."""
        required = tuple(required)
        known = (*required, *optional)
        for key in table:
            if key not in known:
                self.add(key_path(path, key), f"unknown key; allowed here: {', '.join(known)}")
        for key in required:
            if key not in table:
                self.add(key_path(path, key), "missing")

    def table(self, value: object, path: str) -> dict[str, object] | None:
        """`value` if it is a table."""
        if isinstance(value, dict):
            return value
        self.add(path, f"must be a table, not {type_name(value)}")
        return None

    def tables(self, value: object, path: str) -> list[dict[str, object]] | None:
        """`value` if it is an array of tables."""
        if not isinstance(value, list):
            self.add(path, f"must be an array of tables, not {type_name(value)}")
            return None
        before = self.count()
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.add(item_path(path, index), f"must be a table, not {type_name(item)}")
        if self.count() != before:
            return None
        return [item for item in value if isinstance(item, dict)]

    def text(self, table: Mapping[str, object], key: str, path: str) -> str | None:
        """A non-empty string."""
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str):
            self.add(key_path(path, key), f"must be a string, not {type_name(value)}")
            return None
        if not value.strip():
            self.add(key_path(path, key), "must not be empty")
            return None
        return value

    def code(self, table: Mapping[str, object], key: str, path: str) -> str | None:
        """A lower-case code such as `al_primary_ingot`."""
        value = self.text(table, key, path)
        if value is not None and not CODE_PATTERN.match(value):
            self.add(key_path(path, key), f"'{value}' must be lower case letters, digits and _")
            return None
        return value

    def flag(self, table: Mapping[str, object], key: str, path: str) -> bool | None:
        """A boolean."""
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, bool):
            self.add(key_path(path, key), f"must be true or false, not {type_name(value)}")
            return None
        return value

    def decimal(
        self,
        table: Mapping[str, object],
        key: str,
        path: str,
        *,
        minimum: Decimal | None = None,
        above: Decimal | None = None,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        """A number, read exactly as written, within the given bounds."""
        if key not in table:
            return None
        return self.number(table[key], key_path(path, key), minimum, above, maximum)

    def number(
        self,
        value: object,
        path: str,
        minimum: Decimal | None = None,
        above: Decimal | None = None,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        """`value` as a Decimal within the given bounds."""
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.add(path, f"must be a number, not {type_name(value)}")
            return None
        number = Decimal(value)
        if not number.is_finite():
            self.add(path, "must be a finite number")
            return None
        if minimum is not None and number < minimum:
            self.add(path, f"{number} is below the minimum {minimum}")
            return None
        if above is not None and number <= above:
            self.add(path, f"{number} must be greater than {above}")
            return None
        if maximum is not None and number > maximum:
            self.add(path, f"{number} is above the maximum {maximum}")
            return None
        return number

    def whole(
        self, table: Mapping[str, object], key: str, path: str, *, minimum: int = 0
    ) -> int | None:
        """A whole number no smaller than `minimum`."""
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key_path(path, key), f"must be a whole number, not {type_name(value)}")
            return None
        if value < minimum:
            self.add(key_path(path, key), f"{value} is below the minimum {minimum}")
            return None
        return value

    def day(self, table: Mapping[str, object], key: str, path: str) -> date | None:
        """A TOML local date (2025-01-01, without quotes or time)."""
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, datetime) or not isinstance(value, date):
            self.add(
                key_path(path, key),
                f"must be a date written like 2025-01-01 (no quotes, no time), "
                f"not {type_name(value)}",
            )
            return None
        return value

    def choice(
        self, table: Mapping[str, object], key: str, path: str, choices: Iterable[str]
    ) -> str | None:
        """A string that is one of `choices`."""
        value = self.text(table, key, path)
        choices = tuple(choices)
        if value is not None and value not in choices:
            self.add(key_path(path, key), f"'{value}' is not one of: {', '.join(choices)}")
            return None
        return value

    def choices(
        self, table: Mapping[str, object], key: str, path: str, choices: Iterable[str]
    ) -> tuple[str, ...] | None:
        """A non-empty array of distinct strings, each one of `choices`."""
        if key not in table:
            return None
        value = table[key]
        here = key_path(path, key)
        if not isinstance(value, list) or not value:
            self.add(here, f"must be a non-empty array of strings, not {type_name(value)}")
            return None
        choices = tuple(choices)
        before = self.count()
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.add(item_path(here, index), f"must be a string, not {type_name(item)}")
            elif item not in choices:
                self.add(item_path(here, index), f"'{item}' is not one of: {', '.join(choices)}")
            elif value.index(item) != index:
                self.add(item_path(here, index), f"'{item}' is listed twice")
        return tuple(value) if self.count() == before else None
