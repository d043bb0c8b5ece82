"""What buyers read about a value or a file the portal cannot use, in their language."""

from __future__ import annotations

from collections.abc import Mapping

from portal.i18n import _
from portal.procurement.inputs import MAX_PO_NUMBER, MAX_QUANTITY_T, MAX_REASON


def field_label(field: str) -> str:
    """A field's name for people."""
    labels = {
        "po_number": _("PO number"),
        "po_line": _("PO line"),
        "supplier": _("Supplier"),
        "material": _("Material"),
        "quantity_t": _("Quantity (t)"),
        "date": _("Date"),
        "product_line": _("Product line"),
        "exception_reason": _("Exception reason"),
        "check_id": _("Check"),
    }
    return labels.get(field, field)


def problem_text(field: str, code: str, value: str = "", **extra: object) -> str:
    """The message for a value (FIELD, CODE) that cannot be used."""
    params: Mapping[str, object] = {"value": value, "row": "", **extra}
    texts = {
        "missing": _("This field is required."),
        "not_a_number": _(
            "Enter a number such as 12.5 or 1,200 "
            "(a point for decimals; a comma only separates thousands)."
        ),
        "not_positive": _("The quantity must be more than 0 t."),
        "too_large": _("At most %(n)s t per line.") % {"n": f"{MAX_QUANTITY_T:,}"},
        "too_precise": _("At most 6 decimals (grams)."),
        "not_a_date": _(
            "Enter a date as YYYY-MM-DD, or a time such as 2027-12-31T20:00:00Z "
            "(booked on its date in Shanxi, UTC+8; a time without Z or an offset is plant time)."
        ),
        "date_out_of_range": _("The date must lie between 2000-01-01 and 2099-12-31."),
        "unknown_product_line": _("Choose alloy (铝合金) or extrusion (铝挤压)."),
        "not_printable": _("Control characters are not allowed."),
        "not_a_line_number": _("Enter a whole line number from 1 to 999999."),
        "unknown_supplier": _("No supplier has the code “%(value)s”."),
        "own_plant": _(
            "Internal transfers from the plant itself are not purchases: "
            "billets moved from the alloy line to extrusion are not recorded here."
        ),
        "unknown_material": _(
            "“%(value)s” is not a material of the catalog (rules/materials.toml)."
        ),
        "duplicate_in_file": _("PO %(value)s appears twice in this file (first in row %(row)s)."),
        "recorded_differently": _(
            "PO %(value)s is already recorded with different data; "
            "correct the line or remove it from the file."
        ),
        "exception_needed": _(
            "The check failed: give an exception reason to buy anyway, or remove the line."
        ),
        "check_used": _("This check has already been used for a purchase."),
        "unknown_check": _("There is no such check."),
        "po_recorded": _("PO %(value)s is already recorded."),
    }
    if code == "too_long":
        limit = MAX_REASON if field == "exception_reason" else MAX_PO_NUMBER
        return _("At most %(n)s characters.") % {"n": limit}
    return texts.get(code, _("Invalid input.")) % params


def file_problem_text(code: str, **params: object) -> str:
    """The message for an upload the import cannot read."""
    texts = {
        "empty": _("The file is empty."),
        "unreadable": _(
            "The file could not be read. Upload a CSV (UTF-8 or GBK) or an Excel .xlsx file."
        ),
        "xls": _("Old Excel .xls files are not supported: save the sheet as .xlsx or CSV."),
        "too_big": _(
            "The spreadsheet unpacks to more than %(n)s MiB: save only the sheet with the lines, "
            "or export them as CSV."
        ),
        "too_large": _("The file is larger than %(n)s MB: split it into several files."),
        "too_many_entries": _(
            "The file holds more than %(n)s packed parts, far more than a workbook has: "
            "it is not an Excel workbook."
        ),
        "too_many_rows": _(
            "The sheet has more than %(n)s rows, empty rows included: delete the empty rows "
            "below the lines, or split the file."
        ),
        "too_many_cells": _(
            "The sheet has more than %(n)s cells: delete the columns and rows the import "
            "does not need, or split the file."
        ),
        "too_many_elements": _(
            "The spreadsheet holds more than %(n)s XML elements in one part: save it again "
            "from Excel with only the lines, or export them as CSV."
        ),
        "too_much_text": _(
            "The cells hold more than %(n)s characters of text once unpacked (a text repeated "
            "in many cells counts each time): delete the long texts the import does not need."
        ),
        "timeout": _(
            "Reading the file took longer than %(n)s seconds: split it into smaller files."
        ),
        "out_of_memory": _(
            "Reading the file needed more than %(n)s MiB of memory: split it into smaller files."
        ),
        "no_header": _("The file has no header row."),
        "missing_columns": _("Columns missing: %(columns)s."),
        "duplicate_column": _("The column %(column)s appears twice."),
        "no_lines": _("The file has a header but no lines."),
        "too_many_lines": _("The file has more than %(n)s lines: split it into several files."),
    }
    return texts.get(code, _("The file could not be read.")) % {
        "columns": "",
        "column": "",
        "n": "",
        **params,
    }
