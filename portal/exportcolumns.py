"""The column headers of every CSV and XLSX export: Chinese, English, or the keys scripts read.

One map for all exports, so a column reads the same wherever it appears. `headers=keys` gives
the stable machine names (snake_case) the exports have always had, whatever the user's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from portal.errors import InvalidInput
from portal.i18n import LOCALES, _, current_locale

KEYS = "keys"
CHOICES = (*LOCALES, KEYS)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel in China reads a CSV's Chinese text only after it


def formula_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula, with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _labels() -> dict[str, str]:
    """Every export column (and row or sheet name) by key, in the current language."""
    return {
        # tracking: yearly figures
        "year": _("Year"),
        "product_line": _("Product line"),
        "production_t": _("Production (t)"),
        "scope3_cat1_t": _("Scope 3.1 emissions (tCO2e)"),
        "scope3_cat1_intensity": _("Scope 3.1 intensity (tCO2e/t)"),
        "scope3_cat1_target": _("Scope 3.1 target (tCO2e/t)"),
        "scope3_cat1_gap": _("Scope 3.1 gap to target (tCO2e/t)"),
        "supplier_specific_share": _("Share from supplier-specific factors"),
        "scope12_t": _("Scope 1+2 emissions (tCO2e)"),
        "scope12_intensity": _("Scope 1+2 intensity (tCO2e/t)"),
        "scope12_target": _("Scope 1+2 target (tCO2e/t)"),
        "raw_material_t": _("Raw materials (t)"),
        "recycled_t": _("Recycled aluminium (t)"),
        "recycled_share": _("Recycled share"),
        "recycled_goal": _("Recycled share goal"),
        "purchases": _("Purchases"),
        "purchased_t": _("Purchased (t)"),
        "supplier_specific_t": _("Emissions from supplier-specific factors (tCO2e)"),
        "no_intensity_reason": _("Why there is no intensity"),
        "production_source": _("Source of production and Scope 1+2"),
        "figures": _("Figures"),
        "materials": _("Materials"),
        "targets source": _("Source of the targets"),
        "document": _("Document"),
        "dated": _("Dated"),
        "method": _("Method"),
        # purchases (tracking export and the ledger)
        "id": _("Purchase ID"),
        "purchase_date": _("Purchase date"),
        "purchase_year": _("Purchase year"),
        "po_number": _("PO number"),
        "po_line": _("PO line"),
        "supplier_code": _("Supplier code"),
        "supplier_name": _("Supplier name"),
        "material_code": _("Material code"),
        "material_name": _("Material name"),
        "material_category": _("Material category"),
        "category": _("Material category"),
        "quantity_t": _("Quantity (t)"),
        "check_verdict": _("Check verdict"),
        "exception_reason": _("Exception reason"),
        "factor_source": _("Factor source"),
        "declaration_id": _("Declaration ID"),
        "pcf_t_per_t": _("Factor (tCO2e/t)"),
        "emissions_t": _("Emissions (tCO2e)"),
        "recycled_fraction": _("Recycled fraction"),
        "ruleset_revision": _("Rule-set revision"),
        "check_id": _("Check ID"),
        "import_id": _("Import ID"),
        "recorded_at": _("Recorded at"),
        # energy: the analysis
        "line": _("Line"),
        "period": _("Period"),
        "electricity_kwh": _("Electricity (kWh)"),
        "natural_gas_nm3": _("Natural gas (Nm³)"),
        "diesel_kg": _("Diesel (kg)"),
        "scope1_tco2e": _("Scope 1 (tCO2e)"),
        "scope2_location_tco2e": _("Scope 2 location-based (tCO2e)"),
        "scope2_market_tco2e": _("Scope 2 market-based (tCO2e)"),
        "green_kwh": _("Green electricity (kWh)"),
        "pv_kwh": _("Own PV (kWh)"),
        "intensity_tco2e_per_t": _("Intensity (tCO2e/t)"),
        "measured_share": _("Measured share"),
        "estimated_share": _("Estimated share"),
        "entered_share": _("Entered share"),
        "scope2_method": _("Scope 2 method"),
        # energy: the quarterly equipment review
        "quarter": _("Quarter"),
        "equipment": _("Equipment"),
        "meter": _("Meter"),
        "medium": _("Energy medium"),
        "unit": _("Unit"),
        "energy": _("Energy"),
        "tonnes": _("Tonnes"),
        "specific_per_t": _("Per tonne"),
        "baseline_per_t": _("Baseline per tonne"),
        "vs_baseline": _("vs baseline"),
        "previous_per_t": _("Previous quarter per tonne"),
        "vs_previous": _("vs previous"),
        "tco2e": _("Emissions (tCO2e)"),
        "note": _("Note"),
        # logistics: the year's transport and packaging figures
        "figure": _("Indicator"),
        "value": _("Value"),
        "target": _("Target"),
        "scope3_cat4_inbound": _("Scope 3 category 4 (inbound transport)"),
        "scope3_cat4_per_t_product": _("Category 4 per tonne of product"),
        "scope3_cat9_outbound": _("Scope 3 category 9 (outbound transport)"),
        "scope3_cat9_per_t_extrusion": _("Category 9 per tonne of extrusions"),
        "rail_share_long_haul_tkm": _("Rail share of long-haul inbound tonne-km"),
        "electric_share_outbound_tkm": _("Electric share of outbound tonne-km"),
        "electric_share_outbound_trips": _("Electric share of outbound trips"),
        "recyclable_or_reusable_packaging": _("Recyclable or reusable packaging (by mass)"),
        "single_use_packaging_per_t": _("Single-use non-recyclable packaging per tonne bought"),
    }


def labels(language: str) -> dict[str, str]:
    """The map of every key to its label in LANGUAGE ("zh" or "en")."""
    token = current_locale.set(language)
    try:
        return _labels()
    finally:
        current_locale.reset(token)


class ImportFormatColumn(Protocol):
    """A column of an import format, which names itself in both languages."""

    @property
    def key(self) -> str: ...
    @property
    def english(self) -> str: ...
    @property
    def chinese(self) -> str: ...


@dataclass(frozen=True)
class Headers:
    """How an export names its columns, and the language of the names in its cells."""

    choice: str  # "zh", "en" or "keys"
    language: str  # of material and supplier names: the headers', the user's for keys

    @property
    def keys(self) -> bool:
        """Whether the headers are the machine keys."""
        return self.choice == KEYS

    def row(self, keys: Iterable[str]) -> list[str]:
        """The header row of the columns KEYS."""
        if self.keys:
            return list(keys)
        found = labels(self.choice)
        return [found[key] for key in keys]

    def label(self, key: str) -> str:
        """One column's (or row's, or sheet's) header."""
        return self.row([key])[0]

    def import_row(self, columns: Sequence[ImportFormatColumn]) -> list[str]:
        """The header row of an import format's example file."""
        if self.keys:
            return [column.key for column in columns]
        return [column.chinese if self.choice == "zh" else column.english for column in columns]

    def material_names(self) -> dict[str, str]:
        """Every catalog material's name by code, in the names' language."""
        from portal.catalog import get_ruleset

        return {
            code: material.name(self.language) for code, material in get_ruleset().materials.items()
        }

    def supplier_name(self, name_zh: str | None, name_en: str | None) -> str:
        """A supplier's name in the names' language, else in the other."""
        if self.language == "zh":
            return name_zh or name_en or ""
        return name_en or name_zh or ""


KEY_HEADERS = Headers(KEYS, "en")  # what scripts and the command line get


def headers_for(value: str) -> Headers:
    """The choice of `?headers=zh|en|keys`; blank means the user's language."""
    locale = current_locale.get()
    if not value:
        return Headers(locale, locale)
    if value not in CHOICES:
        raise InvalidInput(
            _("Column headers: choose zh (Chinese), en (English) or keys (for scripts)."),
            field="headers",
        )
    return Headers(value, locale if value == KEYS else value)
