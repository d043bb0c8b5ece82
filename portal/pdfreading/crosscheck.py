"""cross_check: does an evidence document bear out what the supplier typed in the form?

Numbers agree when they differ by no more than half a unit in the last printed decimal of
the less precise of the two, compared in tCO2e/t (percentages: in percent). So 4.2 printed
agrees with 4.23 and with 4.25 typed (|diff| <= 0.05) but not with 4.26; 4,200 kg CO2e/t
printed agrees with 4.2 typed. Names agree when, ignoring case, spaces and punctuation, one
contains the other; statement numbers when they are equal in that form.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from portal.checking.facts import AttachmentKind, DeclarationFacts
from portal.pdfreading.candidates import Candidate
from portal.pdfreading.footprint_check import chosen_footprint, garbled, labelled_footprint
from portal.pdfreading.footprint_check import plain as _plain
from portal.pdfreading.found import FieldName, FoundField
from portal.pdfreading.mismatch import Mismatch, MismatchKind
from portal.pdfreading.statements import standard_names
from portal.pdfreading.units import quantum

# GB/T 24067-2024 is an identical adoption (IDT) of ISO 14067:2018.
_SAME_STANDARD = {"GB/T 24067": "ISO 14067"}
_CHECKS_STATEMENTS = (AttachmentKind.DECLARATION, AttachmentKind.VERIFICATION)


def cross_check(
    facts: DeclarationFacts,
    found: Sequence[FoundField],
    *,
    document_kind: str,
    has_text_layer: bool = True,
    footprint: Candidate | None = None,
    candidates: Sequence[Candidate] = (),
    garbled_pages: Sequence[int] = (),
) -> list[Mismatch]:
    """Mismatches between the form and what was found in one attached document.

    `document_kind` is an AttachmentKind value. A recycled-content certificate's numbers and
    dates are the certificate's own, so only a declaration or verification statement is held
    to the form's verifier, statement number, standard and dates. The footprint compared is
    the reading's chosen one (FOOTPRINT, among CANDIDATES); a reading made before figures
    were chosen is compared by its labelled figures.
    """
    kind = AttachmentKind(document_kind)
    if not has_text_layer and not candidates and footprint is None:
        return [_no_text_layer()]
    # Names, numbers and dates read by OCR may have a misread character: they are shown to
    # the reviewer (the footprint read by OCR always sends the declaration to one), not
    # held against the form.
    found = [field for field in found if field.source != "ocr"]
    if candidates or footprint is not None:
        mismatches = chosen_footprint(facts, footprint, candidates)
    elif garbled_pages and kind is AttachmentKind.DECLARATION:
        mismatches = [garbled(garbled_pages)]
    else:
        mismatches = labelled_footprint(facts, found, kind)
    if kind in _CHECKS_STATEMENTS:
        mismatches += _standard(facts, found)
        mismatches += _verifier(facts, found)
        mismatches += _statement_number(facts, found, kind)
        mismatches += _dates(facts, found)
    mismatches += _recycled(facts, found)
    return mismatches


def _no_text_layer() -> Mismatch:
    return Mismatch(
        field="text_layer",
        form_value=None,
        pdf_value=None,
        page=None,
        reason_en="The file has no text layer (a scan or an image); a person must read it.",
        reason_zh="该文件没有文本层（扫描件或图片），需要人工阅读核对。",
        kind=MismatchKind.NEEDS_PERSON,
    )


def _standard(facts: DeclarationFacts, found: Sequence[FoundField]) -> list[Mismatch]:
    claimed = {_canonical(name) for text in facts.standards for name in standard_names(text)}
    named = _named(found, FieldName.STANDARD)
    if not claimed or not named:
        return []
    if any(_canonical(field.value) in claimed for field in named):
        return []
    in_document = ", ".join(dict.fromkeys(field.value for field in named))
    in_form = ", ".join(facts.standards)
    return [
        Mismatch(
            field="standards",
            form_value=in_form,
            pdf_value=in_document,
            page=named[0].page,
            reason_en=f"The form claims {in_form}; the document names {in_document} only.",
            reason_zh=f"表单声明依据 {in_form}，而文件中只提到 {in_document}。",
        )
    ]


def _canonical(standard: str) -> str:
    return _SAME_STANDARD.get(standard, standard)


def _verifier(facts: DeclarationFacts, found: Sequence[FoundField]) -> list[Mismatch]:
    named = _named(found, FieldName.VERIFIER)
    if not facts.verifier_name or not named:
        return []
    form_key = _name_key(facts.verifier_name)
    if any(_names_agree(form_key, _name_key(field.value)) for field in named):
        return []
    field = named[0]
    note_en = note_zh = ""
    if _has_cjk(facts.verifier_name) != _has_cjk(field.value):
        note_en = " One name is in Chinese and the other is not: a person should confirm."
        note_zh = "其中一个名称为中文、另一个不是，请人工确认是否为同一机构。"
    return [
        Mismatch(
            field="verifier_name",
            form_value=facts.verifier_name,
            pdf_value=field.value,
            page=field.page,
            reason_en=(
                f"Page {field.page} names the verifier {field.value!r};"
                f" the form says {facts.verifier_name!r}.{note_en}"
            ),
            reason_zh=(
                f"文件第 {field.page} 页所列核查机构为“{field.value}”，"
                f"与表单填写的“{facts.verifier_name}”不一致。{note_zh}"
            ),
        )
    ]


def _statement_number(
    facts: DeclarationFacts, found: Sequence[FoundField], kind: AttachmentKind
) -> list[Mismatch]:
    names = [FieldName.STATEMENT_NUMBER]
    if kind is AttachmentKind.VERIFICATION:
        names.append(FieldName.CERTIFICATE_NUMBER)  # some verifiers issue a certificate
    numbers = [field for field in found if field.name in names]
    if not facts.verification_statement_number or not numbers:
        return []
    form_key = _name_key(facts.verification_statement_number)
    if any(_name_key(field.value) == form_key for field in numbers):
        return []
    field = numbers[0]
    return [
        Mismatch(
            field="verification_statement_number",
            form_value=facts.verification_statement_number,
            pdf_value=field.value,
            page=field.page,
            reason_en=(
                f"Page {field.page} gives the statement number {field.value};"
                f" the form says {facts.verification_statement_number}."
            ),
            reason_zh=(
                f"文件第 {field.page} 页的声明编号为 {field.value}，"
                f"与表单填写的 {facts.verification_statement_number} 不一致。"
            ),
        )
    ]


_DATE_FIELDS = (
    (
        FieldName.REFERENCE_PERIOD_START,
        "reference_period_start",
        "参考期开始日期",
        "start of the reference period",
    ),
    (
        FieldName.REFERENCE_PERIOD_END,
        "reference_period_end",
        "参考期结束日期",
        "end of the reference period",
    ),
    (FieldName.VERIFICATION_DATE, "verification_date", "核查日期", "verification date"),
)


def _dates(facts: DeclarationFacts, found: Sequence[FoundField]) -> list[Mismatch]:
    mismatches = []
    for name, attribute, label_zh, label_en in _DATE_FIELDS:
        form_date: date | None = getattr(facts, attribute)
        stated = _named(found, name)
        if form_date is None or not stated:
            continue
        if any(field.value == form_date.isoformat() for field in stated):
            continue
        field = stated[0]
        mismatches.append(
            Mismatch(
                field=attribute,
                form_value=form_date.isoformat(),
                pdf_value=field.value,
                page=field.page,
                reason_en=(
                    f"Page {field.page} gives the {label_en} as {field.value};"
                    f" the form says {form_date.isoformat()}."
                ),
                reason_zh=(
                    f"文件第 {field.page} 页的{label_zh}为 {field.value}，"
                    f"与表单填写的 {form_date.isoformat()} 不一致。"
                ),
            )
        )
    return mismatches


_RECYCLED_FIELDS = (
    (
        FieldName.RECYCLED_PRE_CONSUMER_PCT,
        "recycled_pre_consumer_pct",
        "消费前再生含量",
        "pre-consumer recycled content",
    ),
    (
        FieldName.RECYCLED_POST_CONSUMER_PCT,
        "recycled_post_consumer_pct",
        "消费后再生含量",
        "post-consumer recycled content",
    ),
    (
        FieldName.RECYCLED_CONTENT_PCT,
        "recycled_content_pct",
        "再生含量合计",
        "total recycled content",
    ),
)


def _recycled(facts: DeclarationFacts, found: Sequence[FoundField]) -> list[Mismatch]:
    mismatches = []
    for name, attribute, label_zh, label_en in _RECYCLED_FIELDS:
        form_pct: Decimal | None = getattr(facts, attribute)
        stated = _named(found, name)
        if form_pct is None or not stated:
            continue
        if any(_percent_agrees(form_pct, Decimal(field.value)) for field in stated):
            continue
        field = stated[0]
        mismatches.append(
            Mismatch(
                field=attribute,
                form_value=f"{_plain(form_pct)} %",
                pdf_value=f"{field.value} %",
                page=field.page,
                reason_en=(
                    f"Page {field.page} states {label_en} of {field.value} %;"
                    f" the form says {_plain(form_pct)} %."
                ),
                reason_zh=(
                    f"文件第 {field.page} 页所述{label_zh}为 {field.value}%，"
                    f"与表单填写的 {_plain(form_pct)}% 不一致。"
                ),
            )
        )
    return mismatches


def _percent_agrees(form: Decimal, printed: Decimal) -> bool:
    return abs(form - printed) <= max(quantum(form), quantum(printed)) / 2


def _named(found: Iterable[FoundField], name: str) -> list[FoundField]:
    return [field for field in found if field.name == name]


def _name_key(name: str) -> str:
    """Case, spaces and punctuation removed: "SGS-CSTC Co., Ltd." -> "sgscstccoltd"."""
    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def _names_agree(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 2 and shorter in longer


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)
