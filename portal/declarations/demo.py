"""Demo declarations, submitted through the real service so their verdicts are real."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from portal.accounts.models import Role, User
from portal.audit import Actor
from portal.clock import plant_today
from portal.config import get_settings
from portal.declarations import demo_pdfs, service
from portal.declarations.models import Declaration
from portal.declarations.service import Upload
from portal.suppliers.models import Supplier

DEMO_ACTOR = Actor(label="demo loader")


@dataclass(frozen=True)
class DemoDeclaration:
    """One demo submission: the form fields and how its PDFs are made."""

    supplier: str
    fields: dict[str, Any]
    documents: dict[str, Callable[[dict[str, Any]], bytes]]
    replaced_by: DemoDeclaration | None = None
    note: str = field(default="", compare=False)


def reference_year(today: date) -> int:
    """The last calendar year whose declarations are verified by now (from April on)."""
    return today.year - 1 if today.month >= 4 else today.year - 2


def _common(today: date) -> dict[str, Any]:
    year = reference_year(today)
    return {
        "geography_country": "CN",
        "declared_unit_of_measurement": "tonne",
        "declared_unit_amount": "1",
        "boundary": "cradle-to-gate",
        "reference_period_start": date(year, 1, 1).isoformat(),
        "reference_period_end": date(year, 12, 31).isoformat(),
        "verification_date": date(year + 1, 3, 2).isoformat(),
    }


def _t_per_t(fields: dict[str, Any]) -> str:
    kg = {"tonne": 1000, "kilogram": 1}[fields["declared_unit_of_measurement"]]
    value = float(str(fields["pcf_excluding_biogenic"]).replace(",", "")) / kg
    if fields.get("pdf_pcf"):
        return str(fields["pdf_pcf"])
    return f"{value:g}"


def english_declaration(fields: dict[str, Any]) -> bytes:
    """An ISO 14067 declaration in English stating what the form says."""
    lines = [
        "Product Carbon Footprint Declaration",
        "Prepared in accordance with " + ", ".join(fields.get("standards", [])),
        f"Product: {fields['product_name']}",
        f"Production site: {fields.get('site_name', '')}",
        "Declared unit: 1 tonne of product, system boundary cradle-to-gate",
        f"Reference period: {fields['reference_period_start']} to {fields['reference_period_end']}",
        f"Product carbon footprint (excluding biogenic uptake): {_t_per_t(fields)} tCO2e/t",
    ]
    if fields.get("recycled_post_consumer_pct"):
        lines.append(
            f"Pre-consumer recycled content (ISO 14021): {fields['recycled_pre_consumer_pct']} %"
        )
        lines.append(
            f"Post-consumer recycled content (ISO 14021): {fields['recycled_post_consumer_pct']} %"
        )
    lines += [
        f"Verified by: {fields['verifier_name']}",
        f"Verification statement No.: {fields['verification_statement_number']}",
        f"Date of verification: {fields['verification_date']}",
    ]
    return demo_pdfs.text_pdf([lines])


def chinese_declaration(fields: dict[str, Any]) -> bytes:
    """A declaration in Chinese (GB/T 24067 / ISO 14067) stating what the form says."""
    start = date.fromisoformat(fields["reference_period_start"])
    end = date.fromisoformat(fields["reference_period_end"])
    verified = date.fromisoformat(fields["verification_date"])

    def chinese_date(day: date) -> str:
        return f"{day.year}年{day.month}月{day.day}日"

    lines = [
        "产品碳足迹声明",
        "依据标准：" + "、".join(fields.get("standards", [])),
        f"产品名称：{fields['product_name']}",
        f"生产厂址：{fields.get('site_name', '')}",
        "声明单位：1吨产品，系统边界：从摇篮到大门",
        f"数据时间范围：{chinese_date(start)}至{chinese_date(end)}",
        f"产品碳足迹：{_t_per_t(fields)} 吨二氧化碳当量/吨",
        f"电力来源：水电，绿色电力证书：{fields.get('electricity_instrument', '')}",
        f"核查机构：{fields['verifier_name']}",
        f"核查声明编号：{fields['verification_statement_number']}",
        f"核查日期：{chinese_date(verified)}",
    ]
    return demo_pdfs.text_pdf([lines])


def verification_statement(fields: dict[str, Any]) -> bytes:
    """A verifier's statement naming the footprint and the statement number."""
    return demo_pdfs.text_pdf(
        [
            [
                "Verification Statement",
                f"Verification statement No.: {fields['verification_statement_number']}",
                f"Verified by: {fields['verifier_name']}",
                f"Product: {fields['product_name']}",
                f"Reference period: {fields['reference_period_start']} to "
                f"{fields['reference_period_end']}",
                f"Product carbon footprint: {_t_per_t(fields)} tCO2e/t",
                "Level of assurance: limited, ISO 14064-3",
                f"Date of verification: {fields['verification_date']}",
            ]
        ]
    )


def coc_certificate(fields: dict[str, Any]) -> bytes:
    """An ASI Chain of Custody certificate with the recycled content split."""
    pre, post = fields["recycled_pre_consumer_pct"], fields["recycled_post_consumer_pct"]
    return demo_pdfs.text_pdf(
        [
            [
                "ASI Chain of Custody Certificate",
                "Certificate No.: ASI-COC-DEMO-0311",
                "Certification body: DNV Business Assurance",
                "Material: recycled aluminium alloy ingot (mass balance)",
                f"Recycled content: {int(pre) + int(post)} %",
                f"Pre-consumer: {pre} %   Post-consumer: {post} %",
            ]
        ]
    )


def scanned_declaration(fields: dict[str, Any]) -> bytes:
    """A scanned declaration: an image without a text layer."""
    return demo_pdfs.scanned_pdf()


def demo_declarations(today: date) -> list[DemoDeclaration]:
    """The demo's declarations for TODAY (dates move with the calendar)."""
    common = _common(today)
    year = reference_year(today)
    sgs = {"verifier_name": "SGS-CSTC Standards Technical Services Co., Ltd."}
    cqc = {"verifier_name": "中国质量认证中心"}
    sxml_fields = {
        **common,
        **sgs,
        "material_code": "al_primary_ingot",
        "product_name": "A00 primary aluminium ingot",
        "site_name": "Shanxi Coal-Power Aluminium, Lüliang smelter",
        "pcf_excluding_biogenic": "16,800",
        "standards": ["ISO 14067"],
        "electricity_source": "captive_coal",
        "verification_statement_number": f"SGS-PCF-{year + 1}-0233",
    }
    return [
        DemoDeclaration(
            "JCHY",
            {
                **common,
                **sgs,
                "material_code": "al_recycled_ingot",
                "product_name": "ADC12 recycled aluminium alloy ingot",
                "site_name": "Jincheng Hongyuan, Zezhou plant",
                "pcf_excluding_biogenic": "1,900",
                "standards": ["ISO 14067"],
                "primary_data_share_pct": "82",
                "recycled_pre_consumer_pct": "5",
                "recycled_post_consumer_pct": "75",
                "recycled_method": "mass_balance",
                "electricity_source": "grid",
                "verification_statement_number": f"SGS-PCF-{year + 1}-0412",
            },
            {
                "declaration_pdf": english_declaration,
                "recycled_evidence_pdf": coc_certificate,
                "verification_pdf": verification_statement,
            },
            note="accepted recycled ingot, 75 % post-consumer, ASI CoC mass balance",
        ),
        DemoDeclaration(
            "YNSD",
            {
                **common,
                **cqc,
                "material_code": "al_primary_ingot",
                "product_name": "A00 primary aluminium ingot (Al99.70)",
                "site_name": "Yunnan Hydro Aluminium, Wenshan smelter",
                "pcf_excluding_biogenic": "3,600",
                "standards": ["ISO 14067", "GB/T 24067"],
                "primary_data_share_pct": "90",
                "electricity_source": "hydro",
                "low_carbon_electricity_claimed": "true",
                "electricity_instrument": f"Green electricity certificates (GEC) {year}",
                "verification_statement_number": f"CQC-PCF-{year + 1}-0088",
            },
            {"declaration_pdf": chinese_declaration},
            note="accepted hydro primary ingot with the low-carbon label",
        ),
        DemoDeclaration(
            "SXML",
            sxml_fields,
            {"declaration_pdf": english_declaration},
            replaced_by=DemoDeclaration(
                "SXML",
                {
                    **sxml_fields,
                    "pcf_excluding_biogenic": "14,600",
                    "electricity_source": "mixed_renewable",
                    "low_carbon_electricity_claimed": "true",
                    "electricity_instrument": "Wind power purchase agreement, Xinzhou wind farm",
                    "verification_statement_number": f"SGS-PCF-{year + 1}-0301",
                    "comment": "Re-calculated after 35 percent of the smelter's electricity "
                    "moved to a wind PPA.",
                },
                {"declaration_pdf": english_declaration},
            ),
            note="coal-power ingot rejected at 16.8, replaced by version 2",
        ),
        DemoDeclaration(
            "JCHY",
            {
                **common,
                **sgs,
                "material_code": "al_recycled_ingot",
                "product_name": "A356.2 recycled aluminium alloy ingot",
                "site_name": "Jincheng Hongyuan, Zezhou plant",
                # kgCO2e per tonne typed for a declared unit of 1 kg: 1000 times too large.
                "declared_unit_of_measurement": "kilogram",
                "pcf_excluding_biogenic": "2,100",
                "pdf_pcf": "2.1",
                "standards": ["ISO 14067"],
                "recycled_pre_consumer_pct": "10",
                "recycled_post_consumer_pct": "80",
                "recycled_method": "mass_balance",
                "verification_statement_number": f"SGS-PCF-{year + 1}-0415",
            },
            {"declaration_pdf": english_declaration, "recycled_evidence_pdf": coc_certificate},
            note="in review: kg/t unit slip (1000x), the PDF says 2.1 tCO2e/t; accepting it "
            "needs a correction of the value or unit, or a written reason",
        ),
        DemoDeclaration(
            "YNSD",
            {
                **common,
                **cqc,
                "material_code": "al_billet",
                "product_name": "6063 aluminium billet",
                "site_name": "Yunnan Hydro Aluminium, Wenshan casthouse",
                "pcf_excluding_biogenic": "4,300",
                "standards": ["ISO 14067"],
                "electricity_source": "hydro",
                "verification_statement_number": f"CQC-PCF-{year + 1}-0091",
            },
            {"declaration_pdf": scanned_declaration},
            note="in review: the declaration PDF is a scan without a text layer",
        ),
        DemoDeclaration(
            "XJGY",
            {
                **common,
                **sgs,
                "material_code": "silicon_metal",
                "product_name": "Silicon metal 553",
                "site_name": "Xinjiang Guiyuan Silicon, Shihezi plant",
                "pcf_excluding_biogenic": "11,600",
                "standards": ["ISO 14067"],
                "electricity_source": "grid",
                "verification_statement_number": f"SGS-PCF-{year + 1}-0520",
            },
            {"declaration_pdf": english_declaration, "verification_pdf": verification_statement},
            note="accepted silicon metal",
        ),
        DemoDeclaration(
            "FGMG",
            {
                **common,
                **sgs,
                "material_code": "magnesium",
                "product_name": "Magnesium ingot Mg99.90 (Pidgeon process)",
                "site_name": "Fugu Jinmei Magnesium, Fugu plant",
                "pcf_excluding_biogenic": "38,900",
                "standards": ["ISO 14067"],
                "electricity_source": "captive_coal",
                "validity_period_end": (today + timedelta(days=45)).isoformat(),
                "verification_statement_number": f"SGS-PCF-{year + 1}-0618",
            },
            {"declaration_pdf": english_declaration},
            note="accepted magnesium that expires within 60 days",
        ),
    ]


def _submit(db: Session, item: DemoDeclaration, supersedes_id: int | None = None) -> Declaration:
    supplier = db.exec(select(Supplier).where(col(Supplier.code) == item.supplier)).one()
    assert supplier.id is not None
    user = db.exec(
        select(User).where(
            col(User.supplier_id) == supplier.id, col(User.role) == Role.SUPPLIER.value
        )
    ).first()
    raw = {name: value for name, value in item.fields.items() if name != "pdf_pcf"}
    uploads = [
        Upload(
            field=name,
            filename=f"{item.supplier.lower()}-{name.removesuffix('_pdf')}.pdf",
            data=make(item.fields),
        )
        for name, make in item.documents.items()
    ]
    return service.submit(
        db,
        actor=DEMO_ACTOR,
        supplier_id=supplier.id,
        submitted_by_id=user.id if user else None,
        raw=raw,
        uploads=uploads,
        settings=get_settings(),
        supersedes_id=supersedes_id,
    )


def load_demo(db: Session) -> list[str]:
    """Submit the demo declarations that are missing; returns what was added."""
    added: list[str] = []
    for item in demo_declarations(plant_today()):
        supplier = db.exec(select(Supplier).where(col(Supplier.code) == item.supplier)).first()
        if supplier is None:
            continue
        exists = db.exec(
            select(Declaration).where(
                col(Declaration.supplier_id) == supplier.id,
                col(Declaration.product_name) == item.fields["product_name"],
            )
        ).first()
        if exists is not None:
            continue
        declaration = _submit(db, item)
        added.append(
            f"declaration {item.supplier} {declaration.product_name}: {declaration.status}"
        )
        if item.replaced_by is not None:
            newer = _submit(db, item.replaced_by, supersedes_id=declaration.id)
            added.append(f"declaration {item.supplier} {newer.product_name} v2: {newer.status}")
    return added
