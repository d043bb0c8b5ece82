"""Cues for and against a figure being the product's cradle-to-gate footprint.

Each cue is a lower-case pattern, a weight and the reason shown to a reviewer (English, with
its Chinese in REASONS_ZH). Column cues read the column header, row cues the row label,
context cues the text before the figure, its row and the table's caption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """A pattern and what finding it says about a figure."""

    pattern: re.Pattern[str]
    weight: float
    reason: str


def _cue(pattern: str, weight: float, reason: str) -> Cue:
    return Cue(re.compile(pattern), weight, reason)


A1_A3 = "A1-A3 column"
GWP_GHG = "GWP-GHG row"
GWP_FOSSIL = "GWP-fossil row"
GWP_FOSSIL_LULUC = "GWP-fossil + GWP-luluc (no GWP-GHG row)"
GWP_TOTAL = "GWP-total row"
GWP_LULUC = "GWP-luluc alone"
TOTAL_ROW = "total row of a stage table"
LABELLED = "labelled as the product carbon footprint"
CRADLE_TO_GATE = "cradle-to-gate"
EXCLUDING_BIOGENIC = "excluding biogenic carbon"
OTHER_INDICATOR = "another impact indicator, not climate change"
IMPLAUSIBLE = "implausible for a product per tonne"
REPEATED = "the same figure stated elsewhere in the document"
OCR = "read by OCR from an image"

COLUMN_CUES = (
    _cue(r"a\s?1\s?[-~/]\s?a?\s?3|a1\s?\+\s?a2\s?\+\s?a3|a1\s?to\s?a3|product\s+stage|产品阶段",
         4.0, A1_A3),
    _cue(r"^\s*(?:module\s+)?(?:a[1-5]|b[1-7])\s*$", -3.0, "a single module column (A1, A2, …)"),
    _cue(r"^\s*(?:module\s+)?c[1-4]?\s*$|c1\s?-\s?c4|end[-\s]of[-\s]life",
         -4.0, "end-of-life module C"),
    _cue(r"^\s*(?:module\s+)?d\s*$|benefits|beyond\s+the\s+system", -5.0,
         "module D: credits beyond the system boundary"),
    _cue(r"^\s*total\b|合计|总计|a1\s?-\s?c4|a\s?-\s?[cd]\b|a1\s?-\s?d\b", -4.0,
         "life-cycle total column (cradle-to-grave)"),
)  # fmt: skip

MODULE_CUES = 4  # the first COLUMN_CUES name modules (the last is a life-cycle total)
INDICATOR_CUES = 5  # the first ROW_CUES name indicators (the others are stages and totals)
ROW_CUES = (
    _cue(r"gwp\s?[-_]?\s?ghg|climate\s+change\s*[-–]\s*ghg|ipcc\s+ar[56]", 3.0, GWP_GHG),
    _cue(r"gwp\s?[-_]?\s?fossil|climate\s+change\s*[-–]\s*fossil|化石", 1.0, GWP_FOSSIL),
    _cue(r"gwp\s?[-_]?\s?luluc|land\s+use\s+and|土地利用", -3.0, GWP_LULUC),
    _cue(r"gwp\s?[-_]?\s?bio|(?<!excluding\s)(?<!excluding)(?<!including)(?<!excl\.\s)(?<!without\s)biogenic(?!\s+uptake)"
         r"|(?<!不含)(?<!不包括)生物源", -4.0, "GWP-biogenic"),
    _cue(r"^\s*(?:odp|ap|ep[-\s]?\w*|pocp|adp[-\s]?\w*|wdp|pm|irp|etp[-\s]?\w*|htp[-\s]?\w*"
         r"|sqp|pere|penre|sm|fw)\b|ozone|acidification|eutrophication|photochemical"
         r"|depletion|water\s+use|臭氧|酸化|富营养", -10.0, OTHER_INDICATOR),
    _cue(r"^\s*(?:total|sum|in\s+total|合\s?计|总\s?计|总和|小计合计)\b|^\s*(?:合\s?计|总\s?计)",
         3.0, TOTAL_ROW),
    _cue(r"原材料|原料|原辅料|产品生产|生产制造|^生产|运输|分销|包装|使用阶段|废弃|回收处置|电解|阳极"
         r"|raw\s+material|^\s*production|manufactur|transport|distribution|packaging|upstream"
         r"|downstream|electrolysis|anode|casting|^\s*energy|electricity\s+use",
         -3.0, "a single life-cycle stage"),
)  # fmt: skip
GWP_TOTAL_CUE = _cue(
    r"gwp\s?[-_]?\s?total|\bgwp\b|climate\s+change|global\s+warming|全球变暖潜", 1.5, GWP_TOTAL
)

CONTEXT_CUES = (
    _cue(r"carbon\s+footprint|\bpcf\b|\bcfp\b|碳足迹|product\s+footprint|pcf\s?excluding", 2.0,
         LABELLED),
    _cue(r"pcf\s?including\s?biogenic|including\s+biogenic|含生物源", -2.0,
         "including biogenic carbon"),
    _cue(r"cradle[-\s]to[-\s]gate|摇篮到大门|摇篮到工厂大门", 1.5, CRADLE_TO_GATE),
    _cue(r"excl(?:uding|\.)?\s?biogenic|without\s+biogenic|不含生物|不包括生物", 1.0,
         EXCLUDING_BIOGENIC),
    _cue(r"declared\s+(?:value|result)|声明值", 1.0, "labelled as the declared value"),
    _cue(r"scope\s?1\s?(?:\+|and|&|,|-)\s?(?:scope\s?)?2|范围\s?[一1]\s?(?:\+|和|、|及)\s?(?:范围\s?)?[二2]"
         r"|smelter|电解铝?厂|electrolysis\s+only|direct\s+(?:and\s+indirect\s+)?emissions"
         r"|gate[-\s]to[-\s]gate|门到门|直接排放", -5.0, "Scope 1+2 / smelter only"),
    _cue(r"cradle[-\s]to[-\s]grave|摇篮到坟墓|whole\s+life[-\s]cycle|full\s+life[-\s]cycle"
         r"|全生命周期|a1\s?-\s?c4|modules?\s+a\s?-\s?[cd]\b", -4.0, "cradle-to-grave"),
    _cue(r"credit|benefit|avoided|recycling\s+potential|module\s+d\b|抵扣|抵消|减排量", -5.0,
         "a credit, not an emission"),
    _cue(r"industry\s+average|world\s+average|global\s+average|benchmark|行业平均|全球平均|基准"
         r"|\biai\b|reference\s+value|typical", -3.0, "an average or benchmark, not this product"),
    _cue(r"\btarget|目标|\bgoal\b|限值|\blimit\b|by\s+20[3-5]0", -3.0, "a target or limit"),
    _cue(r"emission\s+factor|grid|电网|排放因子|因子", -3.0, "an emission factor of an input"),
)  # fmt: skip
THRESHOLD_BEFORE = _cue(
    r"(?:below|under|less\s+than|lower\s+than|at\s+most|<|≤|<=|低于|小于|不超过|不高于|以下|max\.?"
    r"|maximum|threshold)\s*$",
    -5.0,
    "a threshold in a label ('below 4'), not a measured figure",
)

REASONS_ZH = {
    A1_A3: "A1-A3 列（产品阶段）",
    "a single module column (A1, A2, …)": "单一模块列（A1、A2 等）",
    "end-of-life module C": "寿命末期模块 C",
    "module D: credits beyond the system boundary": "模块 D：系统边界以外的收益",
    "life-cycle total column (cradle-to-grave)": "全生命周期合计列（从摇篮到坟墓）",
    GWP_GHG: "GWP-GHG 行",
    GWP_FOSSIL: "GWP-fossil 行",
    GWP_FOSSIL_LULUC: "GWP-fossil 与 GWP-luluc 之和（无 GWP-GHG 行）",
    GWP_LULUC: "仅 GWP-luluc",
    "GWP-biogenic": "GWP-biogenic（生物源）",
    OTHER_INDICATOR: "其他影响类别指标，不是气候变化",
    TOTAL_ROW: "阶段表的合计行",
    "a single life-cycle stage": "单一生命周期阶段",
    GWP_TOTAL: "GWP-total 行",
    LABELLED: "标注为产品碳足迹",
    CRADLE_TO_GATE: "从摇篮到大门",
    EXCLUDING_BIOGENIC: "不含生物源碳",
    "including biogenic carbon": "包含生物源碳",
    "labelled as the declared value": "标注为声明值",
    "Scope 1+2 / smelter only": "仅范围一和范围二 / 仅电解厂",
    "cradle-to-grave": "从摇篮到坟墓",
    "a credit, not an emission": "抵扣量，不是排放量",
    "an average or benchmark, not this product": "行业平均或基准值，不是本产品",
    "a target or limit": "目标值或限值",
    "an emission factor of an input": "投入物的排放因子",
    THRESHOLD_BEFORE.reason: "标签中的阈值（如“低于 4”），不是测得的数值",
    IMPLAUSIBLE: "对每吨产品而言数值不合理",
    REPEATED: "文件其他位置也给出同一数值",
    OCR: "通过 OCR 从图像中读取",
}


def reason_zh(reason: str) -> str:
    """The Chinese for a reason; reasons with details ("declared unit …") keep their text."""
    return REASONS_ZH.get(reason, reason)
