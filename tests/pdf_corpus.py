"""A corpus of declarations laid out the way published EPDs and CFP reports are.

Each document is composed from parts (a declared-unit statement, an EN 15804 module table, a
GB/T 24067 stage table, a sentence, a PACT printout, a certificate, decoys, filler) placed by
a layout (one column, two columns, fpdf2 table cells, a long study), with the footprint
printed in one of many notations. Named documents cover each case of issue 13; `composed`
draws further documents from the same parts with a seed, each a combination not seen before.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from fpdf import FPDF
from pdf_factory import Text, unicode_text_pdf
from pdf_scans import Line, Scan, scanned_pdf
from pypdf import PdfReader, PdfWriter

from portal.pdfwriter import PdfObjects

LEFT, TOP, LEADING, SIZE, TABLE_SIZE = 50.0, 800.0, 15.0, 9.0, 6.5
Row = list[tuple[float, str]]  # (x from the left margin, text) cells of one line


@dataclass
class Doc:
    """A generated document and the footprint a reader must choose, in tCO2e/t."""

    name: str
    expected_t_per_t: Decimal
    pages: list[list[Row]] = field(default_factory=list)
    layout: str = "runs"  # "runs", "two-column", "fpdf"
    protect: str | None = None  # "rc4" or "aes": owner password only
    garble: bool = False  # a CJK font without ToUnicode: pypdf reads NULs between characters
    scan: Scan | None = None  # printed, then scanned: pages that are images (read by OCR)

    def pdf(self) -> bytes:
        """The document as PDF bytes."""
        if self.scan is not None:
            return scanned_pdf([_scan_lines(rows, self.scan) for rows in self.pages], self.scan)
        data = _fpdf(self.pages) if self.layout == "fpdf" else _runs_pdf(self, self.garble)
        return _protect(data, self.protect) if self.protect else data


# --- notations ---


def sig(value: Decimal, digits: int = 3) -> Decimal:
    """VALUE rounded to DIGITS significant digits."""
    return Decimal(f"{value:.{digits - 1}E}")


def e_point(value: Decimal) -> str:
    """8600 -> 8.60E+03 (two exponent digits, as EPD tools print them)."""
    mantissa, exponent = f"{value:.2E}".split("E")
    return f"{mantissa}E{int(exponent):+03d}"


def e_comma(value: Decimal) -> str:
    """8600 -> 8,60E+03."""
    return e_point(value).replace(".", ",")


def grouped(value: Decimal, separator: str, decimal: str = ".") -> str:
    """8600.5 -> 8,600.5 (SEPARATOR between thousands)."""
    whole, _, fraction = f"{value:f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + separator.join(groups) + (decimal + fraction if fraction else "")


def full_width(text: str) -> str:
    """ASCII digits and point as full-width characters."""
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."})


def minus(text: str) -> str:
    """A leading hyphen as U+2212."""
    return text.replace("-", "\u2212")


NOTATIONS: dict[str, Callable[[Decimal], str]] = {
    "plain": lambda v: f"{v:f}",
    "e_point": e_point,
    "e_comma": e_comma,
    "comma": lambda v: grouped(v, ","),
    "space": lambda v: grouped(v, " "),
    "nnbsp": lambda v: grouped(v, "\u202f"),
    "apostrophe": lambda v: grouped(v, "'"),
    "full_width": lambda v: full_width(f"{v:f}"),
}


# --- parts ---

CO2E_SPELLINGS = ("kg CO2 eq.", "kg CO2e", "kg CO2-eq.", "kg CO₂-Äq.", "kgCO2e", "kg CO2-Eq")
_FILLER_EN = (
    "The study follows the product category rules for aluminium products. Primary data were "
    "collected at the casthouse; background data come from a commercial database. "
)
_FILLER_ZH = "本报告依据产品种类规则编制，初级数据来自生产企业，背景数据来自数据库。"


def title(text: str) -> list[Row]:
    """A title line."""
    return [[(0, text)]]


def prose(text: str, width: int = 95) -> list[Row]:
    """Text wrapped at WIDTH characters, one cell per line."""
    return _wrap(text, width)


def _wrap(text: str, width: int) -> list[Row]:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return [[(0, part)] for part in lines]


def filler(language: str = "en", repeat: int = 3) -> list[Row]:
    """Method text."""
    if language == "zh":
        return [[(0, _FILLER_ZH)] for _ in range(repeat)]
    return prose(_FILLER_EN * repeat)


def declared_unit(style: str) -> list[Row]:
    """The declared or functional unit, in one of several wordings."""
    wording = {
        "1 t": "Declared unit: 1 t (1000 kg) of aluminium ingot",
        "tonne": "Declared unit: one metric tonne of primary aluminium",
        "1 kg": "Declared unit: 1 kg of aluminium alloy",
        "功能单位": "功能单位：1吨铝合金锭",
        "声明单位": "声明单位：1 千克铝锭",
        "DE": "Deklarierte Einheit: 1 t Aluminium",
    }[style]
    return [[(0, wording)]]


DECLARED_KG = {"1 t": 1000, "tonne": 1000, "1 kg": 1, "功能单位": 1000, "声明单位": 1, "DE": 1000}


@dataclass(frozen=True)
class Gwp:
    """A product's climate results, module A1-A3, in kg CO2e per declared unit."""

    ghg: Decimal
    a1_share: Decimal = Decimal("0.82")
    a2_share: Decimal = Decimal("0.03")

    def modules(self, total: Decimal) -> list[Decimal]:
        """A1, A2, A3, A1-A3 of a row whose A1-A3 is TOTAL (printed precision)."""
        a1 = sig(total * self.a1_share)
        a2 = sig(total * self.a2_share)
        a3 = sig(total - a1 - a2)
        return [a1, a2, a3, sig(total)]

    def rows(self) -> dict[str, Decimal]:
        """A1-A3 values of the GWP rows."""
        fossil = sig(self.ghg * Decimal("0.985"))
        luluc = sig(self.ghg - fossil)
        biogenic = sig(self.ghg * Decimal("-0.012"))
        return {
            "GWP-total": sig(fossil + luluc + biogenic),
            "GWP-fossil": fossil,
            "GWP-biogenic": biogenic,
            "GWP-luluc": luluc,
            "GWP-GHG": sig(self.ghg),
        }


def module_table(
    gwp: Gwp,
    *,
    notation: str,
    rows: Sequence[str] = ("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc", "GWP-GHG"),
    spelling: str = "kg CO2 eq.",
    extra_indicators: bool = True,
    caption: str = "Table 4: Environmental impacts per declared unit",
    columns: Sequence[str] = ("A1", "A2", "A3", "A1-A3", "C1", "C2", "C3", "C4", "D"),
    transposed: bool = False,
    align: str = "left",
    chinese: bool = False,
) -> tuple[list[Row], Decimal]:
    """An EN 15804+A2 module table; returns the rows and the expected footprint in kg/DU.

    TRANSPOSED puts the modules in rows and the indicators in columns (units in the column
    headers); ALIGN "right" right-aligns the figures in their columns, as spreadsheets do.
    """
    write = NOTATIONS[notation]
    values = gwp.rows()
    table: dict[str, dict[str, str]] = {}
    for name in rows:
        a1, a2, a3, total = gwp.modules(values[name])
        by_module = {"A1": a1, "A2": a2, "A3": a3, "A1-A3": total}
        end_of_life = [sig(abs(total) * Decimal(s)) for s in ("0.002", "0.011", "0.004", "0.001")]
        by_module |= dict(zip(("C1", "C2", "C3", "C4"), end_of_life, strict=True))
        by_module["D"] = sig(-abs(total) * Decimal("0.41"))
        table[name] = {c: minus(write(v)) if (v := by_module[c]) < 0 else write(v) for c in columns}
    units = {name: spelling for name in rows}
    if extra_indicators:
        table["ODP"] = dict.fromkeys(columns, e_point(Decimal("4.1E-7")))
        table["AP"] = dict.fromkeys(columns, e_point(Decimal("31.5")))
        units |= {"ODP": "kg CFC11 eq.", "AP": "mol H+ eq."}
    out: list[Row] = [[(0, caption)]]
    if transposed:
        xs = [0] + [60 + 62 * i for i in range(len(table))]
        out.append(list(zip(xs, ["Module", *table], strict=True)))  # names over units
        out.append(list(zip(xs[1:], (f"[{units[n]}]" for n in table), strict=True)))
        for module in columns:
            cells = [
                _placed(x, table[n][module], align) for x, n in zip(xs[1:], table, strict=True)
            ]
            out.append([(0, module), *cells])
    else:
        xs = [0, 75] + [125 + 42 * i for i in range(len(columns))]
        heads = ["指标", "单位"] if chinese else ["Indicator", "Unit"]
        out.append(list(zip(xs, [*heads, *columns], strict=True)))
        for name, by_module in table.items():
            cells = [_placed(x, by_module[c], align) for x, c in zip(xs[2:], columns, strict=True)]
            shown = CHINESE_INDICATORS.get(name, name) if chinese else name
            out.append([(0, shown), (75, units[name]), *cells])
    if "GWP-GHG" in rows:
        expected = values["GWP-GHG"]
    elif "GWP-fossil" in rows and "GWP-luluc" in rows:
        expected = values["GWP-fossil"] + values["GWP-luluc"]
    else:
        expected = values["GWP-total"]
    return out, expected


CHINESE_INDICATORS = {
    "GWP-total": "全球变暖潜势（GWP-total）",
    "GWP-fossil": "化石（GWP-fossil）",
    "GWP-biogenic": "生物源（GWP-biogenic）",
    "GWP-luluc": "土地利用（GWP-luluc）",
    "GWP-GHG": "全球变暖潜势（GWP-GHG）",
    "ODP": "臭氧消耗潜势（ODP）",
    "AP": "酸化潜势（AP）",
}


def _placed(x: float, text: str, align: str) -> tuple[float, str]:
    """A figure's cell: at the column's left edge, or ending near its right edge (36 pt on)."""
    if align != "right":
        return (x, text)
    return (x + max(0.0, 36 - 3.3 * len(text)), text)


STAGES_ZH = ("原材料获取", "产品生产", "运输")
STAGES_EN = ("Raw material acquisition", "Production", "Transport")


def stage_table(
    total_kg_per_t: Decimal, *, language: str, unit_in: str = "header", notation: str = "plain"
) -> tuple[list[Row], Decimal]:
    """A GB/T 24067 stage table with a total row (合计) and a share column."""
    shares = (Decimal("0.78"), Decimal("0.19"), Decimal("0.03"))
    values = [sig(total_kg_per_t * share) for share in shares]
    total = sum(values, Decimal(0))
    write = NOTATIONS[notation]
    zh = language == "zh"
    stages = STAGES_ZH if zh else STAGES_EN
    unit = "排放量（kgCO2e/t）" if zh else "Emissions (kg CO2e/t)"
    if unit_in == "caption":
        unit = "排放量" if zh else "Emissions"
    head = [(0, "阶段" if zh else "Stage"), (150, unit), (300, "占比（%）" if zh else "Share (%)")]
    out: list[Row] = []
    if unit_in == "caption":
        out.append([(0, "表3 各阶段碳排放（单位：kgCO2e/t）" if zh else
                     "Table 3: Emissions by stage, kg CO2e per tonne of product")])  # fmt: skip
    out.append(head)
    for stage, value, share in zip(stages, values, shares, strict=True):
        out.append([(0, stage), (150, write(value)), (300, f"{share * 100:.0f}")])
    out.append([(0, "合计" if zh else "Total"), (150, write(total)), (300, "100")])
    printed = Decimal(e_point(total)) if notation.startswith("e_") else total
    return out, printed / 1000


def decoy(kind: str, language: str = "en") -> list[Row]:
    """A figure beside the real one that is not the product's footprint."""
    en = {
        "scope12": "Smelter Scope 1+2 intensity: 3.1 t CO2e/t aluminium",
        "below4": "Low-carbon aluminium label: below 4 t CO2e/t (Scope 1 and 2, smelter only)",
        "grave": "Cradle-to-grave result (A1-C4): 11.4 t CO2e/t",
        "credit": "Module D recycling credit: \u22125.2 t CO2e/t",
        "kwh": "Grid emission factor: 0.581 kg CO2e/kWh",
        "tkm": "Road transport: 0.094 kg CO2e/tkm",
        "nm3": "Natural gas: 2.16 kg CO2e/Nm3",
        "stage": "Of which transport stage: 0.21 t CO2e/t",
        "average": "Global industry average (IAI): 14.8 t CO2e/t",
        "target": "Company target by 2030: 2.5 t CO2e/t",
    }
    zh = {
        "scope12": "电解铝厂范围一和范围二排放强度：3.1 吨二氧化碳当量/吨",
        "below4": "低碳铝标识：低于 4 吨二氧化碳当量/吨（范围1+2）",
        "grave": "从摇篮到坟墓的碳足迹：11.4 吨二氧化碳当量/吨",
        "credit": "回收抵扣：−5.2 吨二氧化碳当量/吨",
        "kwh": "电网排放因子：0.581 kgCO2e/kWh",
        "tkm": "公路运输：0.094 kgCO2e/tkm",
        "nm3": "天然气：2.16 kgCO2e/Nm3",
        "stage": "其中运输阶段：0.21 吨二氧化碳当量/吨",
        "average": "行业平均值：14.8 吨二氧化碳当量/吨",
        "target": "2030年目标：2.5 吨二氧化碳当量/吨",
    }
    return [[(0, (zh if language == "zh" else en)[kind])]]


DECOYS = ("scope12", "below4", "grave", "credit", "kwh", "tkm", "nm3", "stage", "average",
          "target")  # fmt: skip


def pact_printout(kg_per_kg: Decimal, notation: str) -> list[Row]:
    """A PACT (Pathfinder) footprint printed as a field list."""
    fields = [
        ("id", "3893bb5d-da16-4dc1-9185-11d97476c254"),
        ("specVersion", "2.2.0"),
        ("productNameCompany", "Aluminium alloy ingot A356.2"),
        ("declaredUnit", "kilogram"),
        ("unitaryProductAmount", "1000"),
        ("pCfExcludingBiogenic", f"{NOTATIONS[notation](kg_per_kg)} (kgCO2e/kg)"),
        (
            "pCfIncludingBiogenic",
            f"{NOTATIONS[notation](sig(kg_per_kg * Decimal('0.97')))} (kgCO2e/kg)",
        ),
        (
            "fossilGhgEmissions",
            f"{NOTATIONS[notation](sig(kg_per_kg * Decimal('0.99')))} (kgCO2e/kg)",
        ),
        ("boundaryProcessesDescription", "cradle-to-gate"),
    ]
    return [[(0, "PACT Product Footprint")]] + [[(0, k), (190, v)] for k, v in fields]


def pact_json(kg_per_kg: Decimal) -> list[Row]:
    """A PACT footprint printed as its JSON: figures are kg CO2e per declared unit, unitless."""
    pcf = {
        "declaredUnit": '"kilogram",',
        "unitaryProductAmount": '"1000",',
        "pCfExcludingBiogenic": f'"{kg_per_kg}",',
        "pCfIncludingBiogenic": f'"{sig(kg_per_kg * Decimal("0.97"))}",',
        "fossilGhgEmissions": f'"{sig(kg_per_kg * Decimal("0.99"))}",',
        "boundaryProcessesDescription": '"cradle-to-gate, casthouse included"',
    }
    rows: list[Row] = [[(0, "{")], [(12, '"specVersion": "2.2.0",')], [(12, '"pcf": {')]]
    rows += [[(24, f'"{key}": {value}')] for key, value in pcf.items()]
    return [*rows, [(12, "}")], [(0, "}")]]


def certificate(t_per_t: Decimal, language: str, notation: str) -> list[Row]:
    """A verifier's certificate with the footprint in a sentence."""
    value = NOTATIONS[notation](t_per_t)
    if language == "zh":
        return [
            [(0, "产品碳足迹证书")],
            [(0, "证书编号：CQC-CFP-2025-0311")],
            [(0, f"经核查，该产品从摇篮到大门的碳足迹为 {value} 吨二氧化碳当量/吨。")],
        ]
    return [
        [(0, "CERTIFICATE OF VERIFICATION")],
        [(0, "Certificate No.: TUV-CFP-2025-0311")],
        [
            (
                0,
                f"This is to certify that the cradle-to-gate carbon footprint of the product is "
                f"{value} t CO2e per tonne.",
            )
        ],
    ]


# --- rendering ---


def _runs_pdf(doc: Doc, garble: bool) -> bytes:
    pages = []
    for rows in doc.pages:
        runs, y = [], TOP
        if doc.layout == "two-column":
            runs = _two_columns(rows)
        else:
            for row in rows:
                size = SIZE if len(row) <= 4 else TABLE_SIZE
                runs += [Text(LEFT + x, y, text, size=size) for x, text in row]
                y -= LEADING
        pages.append(runs)
    if garble:
        return _garbled_pdf(pages)
    return unicode_text_pdf(pages)


SCAN_TABLE_STRETCH = 1.25  # a printed table's columns sit wider apart than the text layer's


def _scan_lines(rows: list[Row], scan: Scan) -> list[Line]:
    """Rows as lines printed on paper (sizes a scan can be read at), from the top."""
    lines, y = [], 60.0
    for row in rows:
        table = len(row) > 2
        size = scan.table_size if table else scan.size
        stretch = SCAN_TABLE_STRETCH if table else 1.0
        lines += [Line(LEFT + x * stretch, y, text, size) for x, text in row]
        y += scan.leading * (0.8 if table else 1.0)
    return lines


def _two_columns(rows: list[Row]) -> list[Text]:
    """Prose flows down the left column, then the right; tables, with their caption, below."""
    runs: list[Text] = []
    prose: list[str] = []
    tables: list[Row] = []
    for index, row in enumerate(rows):
        captions = index + 1 < len(rows) and len(rows[index + 1]) > 1
        if len(row) > 1 or captions:
            tables.append(row)
        else:
            prose += [part[0][1] for part in _wrap(row[0][1], 48)]
    half = (len(prose) + 1) // 2
    for index, text in enumerate(prose):
        column, line = (0, index) if index < half else (265, index - half)
        runs.append(Text(LEFT + column, TOP - line * LEADING, text, size=SIZE))
    y = TOP - (half + 1) * LEADING
    for row in tables:
        size = SIZE if len(row) <= 4 else TABLE_SIZE
        runs += [Text(LEFT + x, y, text, size=size) for x, text in row]
        y -= LEADING
    return runs


def _garbled_pdf(pages: list[list[Text]]) -> bytes:
    """Two-byte Unicode codes shown with a simple font that has no ToUnicode map."""
    objects = PdfObjects()
    catalog, tree = objects.reserve(), objects.reserve()
    font = objects.add(b"<< /Type /Font /Subtype /TrueType /BaseFont /SimSun >>")
    kids = []
    for runs in pages:
        body = b"\n".join(
            b"BT /F1 %s Tf %s %s Td <%s> Tj ET"
            % (str(r.size).encode(), str(r.x).encode(), str(r.y).encode(),
               r.text.encode("utf-16-be").hex().encode())
            for r in runs
        )  # fmt: skip
        content = objects.add_stream(body)
        kids.append(objects.add_page(tree, content, b"<< /Font << /F1 %d 0 R >> >>" % font))
    return objects.finish(catalog, tree, kids)


def _fpdf(pages: list[list[Row]]) -> bytes:
    """Latin text in fpdf2 cells (Helvetica), another producer's operators."""
    pdf = FPDF(format="A4")
    for rows in pages:
        pdf.add_page()
        for row in rows:
            pdf.set_font("Helvetica", size=8 if len(row) <= 4 else 5.5)
            top = pdf.get_y()
            for index, (x, text) in enumerate(row):
                right = row[index + 1][0] if index + 1 < len(row) else 500
                pdf.set_xy(18 + x * 0.3528, top)
                latin = text.replace("₂", "2").replace("\u2212", "-").replace("\u202f", " ")
                pdf.cell((right - x) * 0.3528, 6, latin, border=1 if len(row) > 1 else 0)
            pdf.set_xy(18, top + 6)
    return bytes(pdf.output())


def _protect(data: bytes, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(
        user_password="",
        owner_password="owner-only",
        algorithm={"rc4": "RC4-128", "aes": "AES-256"}[algorithm],
        permissions_flag=0b1100,
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the documents ---


def epd(
    name: str,
    *,
    ghg: Decimal,
    unit: str,
    notation: str,
    rows: Sequence[str] = ("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc", "GWP-GHG"),
    spelling: str = "kg CO2 eq.",
    unit_on_other_page: bool = False,
    decoys: Sequence[str] = (),
    layout: str = "runs",
    caption: str = "Table 4: Environmental impacts per declared unit",
    transposed: bool = False,
    align: str = "left",
) -> Doc:
    """An EN 15804 EPD: declared unit, module table, perhaps decoys."""
    kg = Decimal(DECLARED_KG[unit])
    table, expected = module_table(
        Gwp(ghg * kg),
        notation=notation,
        rows=rows,
        spelling=spelling,
        caption=caption,
        transposed=transposed,
        align=align,
    )
    front = title("Environmental Product Declaration (EN 15804+A2)") + declared_unit(unit)
    results = title("5 LCA results") + table
    for kind in decoys:
        results += decoy(kind)
    pages = [front + filler(), results] if unit_on_other_page else [front + results]
    return Doc(name, expected / kg, pages, layout=layout)  # kg CO2e per kg = t per t


def named() -> list[Doc]:
    """One document for each case the reader must handle."""
    docs = [
        epd("epd-per-kg-e-point", ghg=Decimal("8.6"), unit="1 kg", notation="e_point"),
        epd("epd-per-t-e-point", ghg=Decimal("8.6"), unit="1 t", notation="e_point"),
        epd("epd-per-t-e-comma", ghg=Decimal("7.9"), unit="tonne", notation="e_comma",
            spelling="kg CO₂-Äq."),
        epd("epd-unit-on-page-2", ghg=Decimal("6.4"), unit="1 t", notation="e_point",
            unit_on_other_page=True),
        epd("epd-no-ghg-row-fossil-luluc", ghg=Decimal("9.3"), unit="1 kg", notation="e_point",
            rows=("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc")),
        epd("epd-gwp-total-only", ghg=Decimal("5.5"), unit="1 t", notation="comma",
            rows=("GWP-total",), spelling="kg CO2e"),
        epd("epd-with-all-decoys", ghg=Decimal("8.1"), unit="1 t", notation="e_point",
            decoys=DECOYS),
        epd("epd-fpdf-cells", ghg=Decimal("4.7"), unit="1 kg", notation="e_point",
            layout="fpdf"),
        epd("epd-german-declared-unit", ghg=Decimal("3.3"), unit="DE", notation="e_comma",
            spelling="kg CO2-Eq"),
        Doc("epd-chinese-module-table", Decimal("11.4"), [
            title("环境产品声明（EN 15804+A2）") + declared_unit("功能单位")
            + module_table(Gwp(Decimal("11400")), notation="e_point", spelling="kg CO2当量",
                           caption="表5 每功能单位的环境影响", chinese=True)[0]
            + decoy("average", "zh")
        ]),
        epd("epd-transposed-modules-in-rows", ghg=Decimal("7.2"), unit="1 t",
            notation="e_point", transposed=True),
        epd("epd-transposed-fossil-luluc", ghg=Decimal("5.9"), unit="1 kg", notation="e_comma",
            transposed=True, rows=("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc")),
        epd("epd-right-aligned-figures", ghg=Decimal("9.7"), unit="tonne", notation="comma",
            align="right", decoys=("credit", "grave")),
        epd("epd-caption-per-declared-unit-1t", ghg=Decimal("10.2"), unit="1 t",
            notation="space", caption="Results per declared unit (1 t)"),
    ]  # fmt: skip
    for notation in ("comma", "space", "nnbsp", "apostrophe", "plain"):
        value = Decimal("8450")
        rows = title("产品碳足迹报告") + declared_unit("功能单位")
        table, expected = stage_table(value, language="zh", notation=notation)
        docs.append(Doc(f"stage-table-zh-{notation}", expected, [rows + table]))
    en_stage = title("Carbon footprint of product report (ISO 14067)") + declared_unit("1 t")
    table, expected = stage_table(Decimal("6120"), language="en", unit_in="caption")
    en_stage += table + decoy("scope12")
    docs.append(Doc("stage-table-en-caption-unit", expected, [en_stage]))
    sentence = title("碳足迹评价报告") + filler("zh", 2)
    sentence += [[(0, "每吨产品碳排放为 845 千克二氧化碳当量，其中运输阶段 21 千克。")]]
    docs.append(Doc("sentence-zh-per-tonne", Decimal("0.845"), [sentence]))
    grams = [
        *title("Carbon footprint statement"),
        [(0, "Product carbon footprint (cradle-to-gate): 27 450 g CO2e/kg")],
    ]
    docs.append(Doc("grams-per-kg", Decimal("27.45"), [grams]))
    full = [*title("产品碳足迹声明"), [(0, f"产品碳足迹：{full_width('9.2')} 吨二氧化碳当量/吨")]]
    docs.append(Doc("full-width-digits", Decimal("9.2"), [full + decoy("credit", "zh")]))
    comma_doc = (
        title("Umwelt-Produktdeklaration")
        + declared_unit("DE")
        + [
            [(0, "Carbon footprint (GWP-GHG, A1-A3): 8.600 kg CO2e/t")],
            [(0, "Anteil Transport 0,21 %")],
            [(0, "Recycled content 0,35 share")],
        ]
    )
    docs.append(Doc("thousands-point-in-decimal-comma-text", Decimal("8.6"), [comma_doc]))
    point_doc = [
        *title("Carbon footprint summary"),
        [(0, "Product carbon footprint: 4,200 kg CO2e/t (excluding biogenic carbon)")],
        [(0, "Electricity share 0.62 of the total")],
    ]
    docs.append(Doc("thousands-comma-in-decimal-point-text", Decimal("4.2"), [point_doc]))
    docs.append(Doc("pact-printout", Decimal("8.6"), [pact_printout(Decimal("8.6"), "plain")]))
    docs.append(Doc("pact-json", Decimal("7.35"), [pact_json(Decimal("7.35"))]))
    cert = certificate(Decimal("6.7"), "en", "plain") + decoy("below4")
    docs.append(Doc("certificate-en-with-below-4-label", Decimal("6.7"), [cert]))
    cert_zh = certificate(Decimal("12.3"), "zh", "plain") + decoy("scope12", "zh")
    docs.append(Doc("certificate-zh-with-scope12", Decimal("12.3"), [cert_zh]))
    two = title("Carbon Footprint Study – Summary") + filler(repeat=4) + declared_unit("1 kg")
    two += [[(0, "Product carbon footprint:")], [(0, "5.8 kg CO2e/kg (cradle-to-gate)")]]
    two += decoy("kwh") + decoy("grave") + filler(repeat=3)
    docs.append(Doc("two-column-page", Decimal("5.8"), [two], layout="two-column"))
    study = [title(f"Carbon footprint study, chapter {n}") + filler(repeat=6) for n in range(1, 13)]
    study[1] = study[1] + declared_unit("1 t")
    study[4] = study[4] + decoy("kwh") + decoy("tkm") + decoy("nm3")
    table, expected = stage_table(Decimal("7310"), language="en")
    study[8] = study[8] + table
    study[10] = study[10] + decoy("average") + decoy("target")
    docs.append(Doc("study-12-pages-figure-on-9", expected, study))
    rc4 = epd("owner-password-rc4", ghg=Decimal("8.2"), unit="1 t", notation="e_point")
    rc4.protect = "rc4"
    aes = epd("owner-password-aes", ghg=Decimal("6.9"), unit="1 kg", notation="e_comma")
    aes.protect = "aes"
    docs += [rc4, aes]
    broken = [*title("产品碳足迹声明"), [(0, "产品碳足迹：8.5 吨二氧化碳当量/吨")]]
    docs.append(Doc("broken-cjk-text-layer", Decimal("8.5"), [broken], garble=True))
    docs += scans()
    for kind in DECOYS:
        rows = title("Product carbon footprint declaration") + decoy(kind)
        rows += [[(0, "Carbon footprint of the product (cradle-to-gate): 7.45 t CO2e/t")]]
        rows += decoy(kind, "zh")
        docs.append(Doc(f"decoy-{kind}", Decimal("7.45"), [rows]))
    return docs


def scans() -> list[Doc]:
    """Printed, stamped and scanned: pages that are images, read by OCR (issue 13, item 7)."""
    cert_zh = certificate(Decimal("9.46"), "zh", "plain")
    cert_zh += decoy("scope12", "zh")
    cert_zh += [[(0, "核查机构：中国质量认证中心")], [(0, "发证日期：2025年3月1日")]]
    stamped = Scan(stamp="中国质量认证中心", stamp_at=(450, 190), tilt_deg=0.7, seed=3)
    table, expected = module_table(
        Gwp(Decimal("8070")), notation="e_point", columns=("A1-A3", "C1", "C2", "C3", "C4", "D")
    )
    results = title("5 LCA results") + declared_unit("1 t") + table + decoy("grave")
    stage, stage_expected = stage_table(Decimal("9120"), language="zh", notation="comma")
    report = title("产品碳足迹报告") + declared_unit("功能单位") + stage + decoy("kwh", "zh")
    cover = title("Verification of a product carbon footprint") + filler(repeat=2)
    cert_en = certificate(Decimal("7.85"), "en", "plain") + decoy("below4")
    broken = [*title("产品碳足迹声明"), [(0, "产品碳足迹：8.5 吨二氧化碳当量/吨")]]
    broken += decoy("credit", "zh")
    return [
        Doc("scan-zh-certificate-stamped", Decimal("9.46"), [cert_zh], scan=stamped),
        Doc("scan-en-epd-results-300dpi", expected / 1000, [results],
            scan=Scan(dpi=300, encoding="flate", tilt_deg=-0.4, seed=5)),
        Doc("scan-zh-stage-table-150dpi", stage_expected, [report],
            scan=Scan(dpi=150, tilt_deg=1.0, seed=7)),
        Doc("scan-en-certificate-on-page-2", Decimal("7.85"), [cover, cert_en],
            scan=Scan(dpi=240, stamp="TÜV VERIFIED", tilt_deg=-0.8, seed=9)),
        Doc("broken-cjk-glyph-ids-over-scan", Decimal("8.5"), [broken],
            scan=Scan(text_layer="glyph-ids", seed=11)),
    ]  # fmt: skip


def composed(count: int, seed: int = 13) -> list[Doc]:
    """COUNT documents, each a combination of parts, notation and layout not drawn before."""
    rng = random.Random(seed)
    seen: set[tuple[object, ...]] = set()
    docs: list[Doc] = []
    while len(docs) < count:
        kind = rng.choice(("epd", "stage", "certificate", "pact", "pact_json"))
        notation = rng.choice(list(NOTATIONS))
        layout = rng.choice(("runs", "two-column", "fpdf"))
        language = rng.choice(("en", "zh"))
        decoys = tuple(sorted(rng.sample(DECOYS, rng.randint(0, 3))))
        unit = rng.choice(("1 t", "1 kg", "tonne", "功能单位", "声明单位"))
        other_page = rng.random() < 0.3
        shape = rng.choice(("plain", "transposed", "right")) if kind == "epd" else "plain"
        key = (kind, notation, layout, language, decoys, unit, other_page, shape)
        if key in seen or (
            layout == "fpdf" and (language == "zh" or unit in ("功能单位", "声明单位"))
        ):
            continue
        if notation in ("full_width", "nnbsp") and layout == "fpdf":
            continue
        seen.add(key)
        value = sig(Decimal(rng.randint(150, 1600)) / 100, 3)
        name = f"composed-{len(docs) + 1:02d}-{kind}-{notation}-{layout}"
        docs.append(_compose(name, kind, notation, layout, language, decoys, unit, other_page,
                             value, rng, shape))  # fmt: skip
    return docs


def _compose(
    name: str,
    kind: str,
    notation: str,
    layout: str,
    language: str,
    decoys: tuple[str, ...],
    unit: str,
    other_page: bool,
    value: Decimal,
    rng: random.Random,
    shape: str = "plain",
) -> Doc:
    decoy_rows = [row for kind_ in decoys for row in decoy(kind_, language)]
    if kind == "epd":
        rows = ("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc", "GWP-GHG")
        if rng.random() < 0.3:
            rows = ("GWP-total", "GWP-fossil", "GWP-biogenic", "GWP-luluc")
        doc = epd(name, ghg=value, unit=unit, notation=notation if notation != "full_width"
                  else "e_point", rows=rows, spelling=rng.choice(CO2E_SPELLINGS),
                  unit_on_other_page=other_page, decoys=decoys, layout=layout,
                  transposed=shape == "transposed", align="right" if shape == "right" else "left",
                  )  # fmt: skip
        return doc
    if kind == "stage":
        total = value * 1000
        table, expected = stage_table(total, language=language, notation=notation,
                                      unit_in=rng.choice(("header", "caption")))  # fmt: skip
        head = title("产品碳足迹报告" if language == "zh" else "Product carbon footprint report")
        pages = [head + declared_unit("功能单位" if language == "zh" else "1 t") + table
                 + decoy_rows]  # fmt: skip
        if other_page:
            pages = [head + filler(language), table + decoy_rows]
        return Doc(name, expected, pages, layout=layout)
    if kind == "certificate":
        rows = decoy_rows[:1] + certificate(value, language, notation) + decoy_rows[1:]
        return Doc(name, value, [rows], layout=layout)
    if kind == "pact_json":
        return Doc(name, value, [decoy_rows + pact_json(value)], layout=layout)
    rows = pact_printout(value, notation if notation != "full_width" else "plain") + decoy_rows
    return Doc(name, value, [rows], layout=layout)


def corpus() -> list[Doc]:
    """The named documents and thirty composed ones."""
    return named() + composed(30)
