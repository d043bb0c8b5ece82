"""The footprint in a document against the form's: the chosen figure, or labelled ones.

Numbers agree when they differ by no more than half a unit in the last printed decimal of
the less precise of the two, compared in tCO2e/t.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from portal.checking.facts import KG_PER_UNIT, AttachmentKind, DeclarationFacts
from portal.pdfreading.candidates import CONFIDENT, Candidate
from portal.pdfreading.cues import reason_zh
from portal.pdfreading.found import FieldName, FoundField
from portal.pdfreading.mismatch import Mismatch, MismatchKind
from portal.pdfreading.units import quantum, t_per_t_factor


def garbled(pages: Sequence[int]) -> Mismatch:
    listed = ", ".join(str(page) for page in pages)
    return Mismatch(
        field="text_layer",
        form_value=None,
        pdf_value=None,
        page=pages[0],
        reason_en=(
            f"The text layer of page(s) {listed} decodes to no readable text (a font without a"
            " character map); a person must read the footprint."
        ),
        reason_zh=(
            f"第 {listed} 页的文本层无法解码为可读文字（字体缺少字符映射），需要人工阅读碳足迹。"
        ),
        kind=MismatchKind.NEEDS_PERSON,
    )


def _form_figure(facts: DeclarationFacts) -> tuple[Decimal, Decimal]:
    """The form's footprint in tCO2e/t and one unit in its last typed place, in tCO2e/t."""
    declared_kg = facts.declared_unit_amount * KG_PER_UNIT[facts.declared_unit_of_measurement]
    return facts.pcf_t_per_t, quantum(facts.pcf_excluding_biogenic) / declared_kg


def _candidate_agrees(form_t: Decimal, form_quantum: Decimal, candidate: Candidate) -> bool:
    tolerance = max(form_quantum, candidate.t_per_t_quantum) / 2
    return abs(form_t - candidate.t_per_t) <= tolerance


def _listed(candidates: Sequence[Candidate], *, chinese: bool) -> str:
    """The candidates a reviewer chooses from: page, figure, why."""
    lines = []
    for candidate in candidates[:5]:
        reasons = [reason_zh(r) if chinese else r for r in candidate.reasons] or ["—"]
        if chinese:
            lines.append(
                f"第 {candidate.page} 页 {candidate.printed} {candidate.unit}"
                f"（= {plain(candidate.t_per_t)} 吨/吨；{'、'.join(reasons)}）"
            )
        else:
            lines.append(
                f"page {candidate.page}: {candidate.printed} {candidate.unit}"
                f" (= {plain(candidate.t_per_t)} tCO2e/t; {', '.join(reasons)})"
            )
    return "；".join(lines) if chinese else "; ".join(lines)


def chosen_footprint(
    facts: DeclarationFacts, footprint: Candidate | None, candidates: Sequence[Candidate]
) -> list[Mismatch]:
    """The chosen figure against the form; a person chooses when the reader is unsure."""
    chosen = footprint or candidates[0]
    form_t, form_quantum = _form_figure(facts)
    form_text = f"{plain(form_t)} tCO2e/t"
    pdf_text = f"{chosen.printed} {chosen.unit}"
    agrees = _candidate_agrees(form_t, form_quantum, chosen)
    unsure = chosen.confidence < CONFIDENT
    # Only a reviewer's pick has full confidence (the reader gives at most 0.95): a person
    # has then confirmed the figure OCR read.
    if chosen.source == "ocr" and chosen.confidence < 1.0:
        return [
            Mismatch(
                field="pcf",
                form_value=form_text,
                pdf_value=pdf_text,
                page=chosen.page,
                reason_en=(
                    f"The footprint was read by OCR from an image on page {chosen.page}"
                    f" ({chosen.snippet!r}); a person confirms it. Candidates: "
                    + _listed(candidates, chinese=False)
                ),
                reason_zh=(
                    f"碳足迹是通过 OCR 从第 {chosen.page} 页的图像中读取的（“{chosen.snippet}”），"
                    "需要人工确认。候选数值：" + _listed(candidates, chinese=True)
                ),
                kind=MismatchKind.NEEDS_PERSON,
            )
        ]
    if unsure:
        return [
            Mismatch(
                field="pcf",
                form_value=form_text,
                pdf_value=pdf_text,
                page=chosen.page,
                reason_en=(
                    "The portal is not sure which figure is the product's footprint"
                    f" (confidence {chosen.confidence:.2f}); a person picks one of: "
                    + _listed(candidates, chinese=False)
                ),
                reason_zh=(
                    f"系统无法确定哪个数值是产品碳足迹（置信度 {chosen.confidence:.2f}），"
                    "请人工从以下候选中选择：" + _listed(candidates, chinese=True)
                ),
                kind=MismatchKind.NEEDS_PERSON,
            )
        ]
    if agrees:
        return []
    hint_en = hint_zh = ""
    if _thousandfold(form_t, chosen.t_per_t):
        hint_en = " The two differ by a factor of 1000: kg and t are probably confused."
        hint_zh = "两者相差 1000 倍，可能混淆了千克与吨。"
    matching = [c for c in candidates[1:] if _candidate_agrees(form_t, form_quantum, c)]
    if matching:
        other = matching[0]
        why_en = ", ".join(other.reasons) or "no cue for it"
        why_zh = "、".join(reason_zh(r) for r in other.reasons) or "没有支持它的依据"
        hint_en += (
            f" The form's figure is the one on page {other.page} ({other.printed} {other.unit}),"
            f" which is not the product's footprint: {why_en}."
        )
        hint_zh += (
            f"表单数值与第 {other.page} 页的 {other.printed} {other.unit} 相同，"
            f"但该数值不是产品碳足迹：{why_zh}。"
        )
    why_en = ", ".join(chosen.reasons)
    why_zh = "、".join(reason_zh(r) for r in chosen.reasons)
    return [
        Mismatch(
            field="pcf",
            form_value=form_text,
            pdf_value=pdf_text,
            page=chosen.page,
            reason_en=(
                f"Page {chosen.page} states a footprint of {pdf_text}"
                f" (= {plain(chosen.t_per_t)} tCO2e/t; chosen for: {why_en}); the form says"
                f" {form_text}.{hint_en}"
            ),
            reason_zh=(
                f"文件第 {chosen.page} 页所述碳足迹为 {pdf_text}"
                f"（= {plain(chosen.t_per_t)} 吨二氧化碳当量/吨；依据：{why_zh}），"
                f"与表单填写的 {plain(form_t)} 吨二氧化碳当量/吨不一致。{hint_zh}"
            ),
        )
    ]


def labelled_footprint(
    facts: DeclarationFacts, found: Sequence[FoundField], kind: AttachmentKind
) -> list[Mismatch]:
    """Figures labelled as the footprint, else any CO2e-per-mass figure: one must agree."""
    form_t = facts.pcf_t_per_t
    form_text = plain(form_t)
    # Figures labelled as the footprint, else any CO2e-per-mass figure in the document.
    candidates = _named(found, FieldName.PCF) or _named(found, FieldName.CO2E_PER_MASS)
    if not candidates:
        if kind is not AttachmentKind.DECLARATION:
            return []
        return [
            Mismatch(
                field="pcf",
                form_value=f"{form_text} tCO2e/t",
                pdf_value=None,
                page=None,
                reason_en="The footprint was not found in the document.",
                reason_zh="文件中未找到碳足迹数值。",
                kind=MismatchKind.NOT_FOUND,
            )
        ]
    declared_kg = facts.declared_unit_amount * KG_PER_UNIT[facts.declared_unit_of_measurement]
    form_quantum = quantum(facts.pcf_excluding_biogenic) / declared_kg
    if any(_footprint_agrees(form_t, form_quantum, figure) for figure in candidates):
        return []
    figure = candidates[0]
    assert figure.t_per_t is not None  # footprint fields always carry it
    more_en = more_zh = ""
    if len(candidates) > 1:
        more_en = f" ({len(candidates)} figures found, none matches)"
        more_zh = f"（共找到 {len(candidates)} 个数值，均不一致）"
    hint_en = hint_zh = ""
    if _thousandfold(form_t, figure.t_per_t):
        hint_en = " The two differ by a factor of 1000: kg and t are probably confused."
        hint_zh = "两者相差 1000 倍，可能混淆了千克与吨。"
    pdf_text = f"{figure.value} {figure.unit}"
    return [
        Mismatch(
            field="pcf",
            form_value=f"{form_text} tCO2e/t",
            pdf_value=pdf_text,
            page=figure.page,
            reason_en=(
                f"Page {figure.page} states a footprint of {pdf_text}"
                f" (= {plain(figure.t_per_t)} tCO2e/t){more_en}; the form says"
                f" {form_text} tCO2e/t.{hint_en}"
            ),
            reason_zh=(
                f"文件第 {figure.page} 页所述碳足迹为 {pdf_text}"
                f"（= {plain(figure.t_per_t)} 吨二氧化碳当量/吨）{more_zh}，"
                f"与表单填写的 {form_text} 吨二氧化碳当量/吨不一致。{hint_zh}"
            ),
        )
    ]


def _footprint_agrees(form_t: Decimal, form_quantum: Decimal, figure: FoundField) -> bool:
    if figure.t_per_t is None or figure.unit is None:
        return False
    printed_quantum = quantum(Decimal(figure.value)) * t_per_t_factor(figure.unit)
    return abs(form_t - figure.t_per_t) <= max(form_quantum, printed_quantum) / 2


def _thousandfold(a: Decimal, b: Decimal) -> bool:
    if a <= 0 or b <= 0:
        return False
    ratio = max(a, b) / min(a, b)
    return Decimal(990) <= ratio <= Decimal(1010)


def plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 4.2000 -> 4.2, 4E+3 -> 4000."""
    return format(number.normalize(), "f")


def _named(found: Sequence[FoundField], name: str) -> list[FoundField]:
    return [field for field in found if field.name == name]
