"""Reading supplier evidence PDFs: found fields, cross-checks with the form, bounded parsing."""

from portal.pdfreading.crosscheck import cross_check
from portal.pdfreading.fields import find_fields
from portal.pdfreading.found import FieldName, FoundField, PdfReading
from portal.pdfreading.limits import ReadingLimits
from portal.pdfreading.mismatch import Mismatch, MismatchKind
from portal.pdfreading.refusals import PdfRefused, RefusalCode
from portal.pdfreading.worker import PdfReader, close_reader, get_reader

__all__ = [
    "FieldName",
    "FoundField",
    "Mismatch",
    "MismatchKind",
    "PdfReader",
    "PdfReading",
    "PdfRefused",
    "ReadingLimits",
    "RefusalCode",
    "close_reader",
    "cross_check",
    "find_fields",
    "get_reader",
]
