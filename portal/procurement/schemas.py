"""JSON shapes of the procurement API (exact, so the OpenAPI schema says what is accepted)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from portal.procurement import inputs
from portal.procurement.decision import Answer, FactorSource, ProductLine
from portal.procurement.inputs import MAX_PO_LINE, MAX_PO_NUMBER, MAX_QUANTITY_T, MAX_REASON
from portal.procurement.messages import field_label, problem_text
from portal.procurement.models import BuyerCheck, Purchase
from portal.textrules import MULTILINE


def _as_read_by(field: str, reader: Any) -> BeforeValidator:
    """Read a field as the web form and the import read it (inputs.py), in the user's language."""

    def read(value: Any) -> Any:
        if value is None:
            return None
        try:
            return reader(value)
        except inputs.BadValue as bad:
            text = f"{field_label(field)}: {problem_text(field, bad.code, str(value))}"
            raise PydanticCustomError("portal_input", "{message}", {"message": text}) from None

    return BeforeValidator(read)


Tonnes = Annotated[
    Decimal,
    _as_read_by("quantity_t", inputs.quantity),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_QUANTITY_T)},
                {
                    "type": "string",
                    "pattern": r"^\s*\d{1,3}(,\d{3})*(\.\d{1,6})?\s*$|^\s*\d+(\.\d{1,6})?\s*$",
                },
            ],
            "description": "Tonnes (t), more than 0, at most six decimals; as a string a point "
            'marks decimals and a comma only groups thousands ("1,200" is 1200)',
            "examples": ["120.5", "1,200"],
        }
    ),
]
SupplierCode = Annotated[
    str, Field(min_length=1, max_length=32, description="Supplier code", examples=["YNSD"])
]
MaterialCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="Material code from rules/materials.toml",
        examples=["al_primary_ingot"],
    ),
]
Day = Annotated[
    date,
    _as_read_by("date", inputs.day),
    WithJsonSchema(
        {
            "type": "string",
            "description": "Purchase date YYYY-MM-DD (default: today at the plant), or a time "
            "stamp: with Z or an offset it is booked on its date in Shanxi (UTC+8), without "
            "one it is plant time",
            "examples": ["2026-03-02", "2027-12-31T20:00:00Z", "2027-12-31T23:30:00+08:00"],
        }
    ),
]


class CheckIn(BaseModel):
    """May we buy this material from this supplier on this date?"""

    model_config = ConfigDict(populate_by_name=True)

    supplier: SupplierCode
    material: MaterialCode
    quantity_t: Tonnes
    on: Day | None = Field(default=None, alias="date")
    product_line: ProductLine


class Reason(BaseModel):
    """Why the answer is what it is."""

    rule_id: str
    outcome: Literal["fail", "review", "warn", "pass"]
    severity: str
    blocking: bool = Field(description="This reason fails the purchase")
    message_zh: str
    message_en: str


class DeclarationUsed(BaseModel):
    """The supplier's accepted declaration that applied on the date."""

    id: int
    version: int
    status: str = Field(description="Now: accepted, or superseded by a newer version since")
    pcf_t_per_t: Decimal
    recycled_fraction: Decimal
    valid_from: date
    valid_until: date
    why_zh: str = Field(description="Which version applied on the date and why")
    why_en: str = Field(description="Which version applied on the date and why")


class LabelOut(BaseModel):
    """A low-carbon tier the declaration earns."""

    code: str
    name_zh: str
    name_en: str


class CheckOut(BaseModel):
    """The answer, as recorded."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    check_id: int
    verdict: Literal["pass", "fail"]
    reasons: list[Reason]
    supplier: str
    material: str
    material_category: str
    quantity_t: Decimal
    on: date = Field(alias="date")
    product_line: ProductLine
    declaration_id: int | None
    declaration: DeclarationUsed | None
    no_declaration: (
        Literal["none_submitted", "only_rejected_or_pending", "expired", "not_yet_valid"] | None
    ) = Field(description="Why no declaration applies (raw materials fail without one)")
    factor_source: FactorSource
    pcf_t_per_t: Decimal = Field(description="Factor used, tCO2e per tonne")
    recycled_fraction: Decimal
    emissions_t: Decimal = Field(description="t CO2e of the quantity")
    recycled_t: Decimal = Field(description="Recycled aluminium tonnes of the quantity")
    low_carbon_label: LabelOut | None
    ruleset: str = Field(description="Revision (content hash) of rules/ that decided")

    @classmethod
    def of(cls, check: BuyerCheck, answer: Answer, supplier_code: str) -> CheckOut:
        """The API view of a fresh check."""
        assert check.id is not None
        used = answer.declaration
        why_zh, why_en = answer.declaration_note or ("", "")
        return cls(
            check_id=check.id,
            verdict=answer.verdict.value,
            reasons=[Reason.model_validate(r.to_dict()) for r in answer.reasons],
            supplier=supplier_code,
            material=answer.material.code,
            material_category=answer.material.category.value,
            quantity_t=answer.quantity_t,
            on=answer.on,
            product_line=answer.product_line,
            declaration_id=used.id if used else None,
            declaration=DeclarationUsed(
                id=used.id,
                version=used.version,
                status=used.status,
                pcf_t_per_t=used.pcf_t_per_t,
                recycled_fraction=used.recycled_fraction,
                valid_from=used.reference_period_start,
                valid_until=used.valid_until,
                why_zh=why_zh,
                why_en=why_en,
            )
            if used
            else None,
            no_declaration=answer.no_declaration.value if answer.no_declaration else None,
            factor_source=answer.factor_source,
            pcf_t_per_t=answer.pcf_t_per_t,
            recycled_fraction=answer.recycled_fraction,
            emissions_t=answer.emissions_t,
            recycled_t=answer.recycled_t,
            low_carbon_label=LabelOut(
                code=answer.label.code, name_zh=answer.label.name_zh, name_en=answer.label.name_en
            )
            if answer.label
            else None,
            ruleset=answer.ruleset_revision,
        )


class PurchaseIn(BaseModel):
    """A purchase to record: either `check_id` of an earlier check, or the check's fields."""

    model_config = ConfigDict(populate_by_name=True)

    check_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    supplier: SupplierCode | None = None
    material: MaterialCode | None = None
    quantity_t: Tonnes | None = None
    on: Day | None = Field(default=None, alias="date")
    product_line: ProductLine | None = None
    po_number: str = Field(min_length=1, max_length=MAX_PO_NUMBER)
    po_line: int = Field(default=1, ge=1, le=MAX_PO_LINE)
    exception_reason: str | None = Field(
        default=None,
        max_length=MAX_REASON,
        description="Required when the check fails: why the purchase goes ahead anyway",
        json_schema_extra=MULTILINE,
    )

    @model_validator(mode="after")
    def _check_or_fields(self) -> PurchaseIn:
        given = [self.supplier, self.material, self.quantity_t, self.product_line]
        if self.check_id is not None and any(v is not None for v in [*given, self.on]):
            raise ValueError("give either check_id or the check's fields, not both")
        if self.check_id is None and any(v is None for v in given):
            raise ValueError(
                "give check_id, or supplier, material, quantity_t and product_line (date optional)"
            )
        return self


class PurchaseOut(BaseModel):
    """A recorded purchase with the factor used at the time."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: int
    po_number: str
    po_line: int
    supplier: str
    material: str
    material_category: str
    quantity_t: Decimal
    on: date = Field(alias="date")
    purchase_year: int
    product_line: str
    check_id: int
    check_verdict: str
    exception_reason: str | None
    declaration_id: int | None
    factor_source: str
    pcf_t_per_t: Decimal
    recycled_fraction: Decimal
    emissions_t: Decimal
    recycled_t: Decimal
    ruleset: str
    import_id: int | None
    recorded_at: datetime

    @classmethod
    def of(cls, purchase: Purchase, supplier_code: str, verdict: str) -> PurchaseOut:
        """The API view of a stored purchase."""
        assert purchase.id is not None
        return cls(
            id=purchase.id,
            po_number=purchase.po_number,
            po_line=purchase.po_line,
            supplier=supplier_code,
            material=purchase.material_code,
            material_category=purchase.material_category,
            quantity_t=purchase.quantity_t,
            on=purchase.purchase_date,
            purchase_year=purchase.purchase_year,
            product_line=purchase.product_line,
            check_id=purchase.check_id,
            check_verdict=verdict,
            exception_reason=purchase.exception_reason,
            declaration_id=purchase.declaration_id,
            factor_source=purchase.factor_source,
            pcf_t_per_t=purchase.pcf_t_per_t,
            recycled_fraction=purchase.recycled_fraction,
            emissions_t=purchase.emissions_t,
            recycled_t=purchase.recycled_t,
            ruleset=purchase.ruleset_revision,
            import_id=purchase.import_id,
            recorded_at=purchase.recorded_at,
        )


class PurchaseList(BaseModel):
    """A page of purchases with totals over every match."""

    total: int
    quantity_t: Decimal
    emissions_t: Decimal
    recycled_t: Decimal
    items: list[PurchaseOut]


class Problem(BaseModel):
    """An error: what went wrong and, for invalid input, which field."""

    detail: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None
