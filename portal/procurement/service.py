"""Buyer checks and the purchase ledger: the database side of the decision in decision.py.

Split by responsibility; every name stays importable from here:

- lookup.py: reading a check's input, loading the declarations that may apply;
- checks.py: recording a check's answer, the check card;
- recording.py: recording a purchase from its check (and its summaries);
- ledger.py: the purchase ledger's pages, its CSV and the form's searches.
"""

from portal.procurement.checks import (
    CheckCard,
    CheckResult,
    check_card,
    check_purchase,
    check_values,
    get_check,
)
from portal.procurement.ledger import (
    CSV_COLUMNS,
    LEDGER_DEFAULT,
    LEDGER_SORTS,
    PurchaseFilters,
    PurchasePage,
    PurchaseRow,
    existing_purchases,
    list_purchases,
    purchases_csv,
    recorder_emails,
    search_materials,
    search_suppliers,
)
from portal.procurement.lookup import (
    IN_CHUNK,
    CandidateKey,
    CheckInput,
    candidate_of,
    find_supplier,
    find_supplier_by_id,
    in_chunks,
    invalid_field,
    load_candidates,
    read_check,
    read_field,
)
from portal.procurement.recording import (
    Recorded,
    delete_purchase,
    purchase_facts,
    purchase_from_check,
    purchase_values,
    record_purchase,
    record_purchase_once,
)

__all__ = [
    "CSV_COLUMNS",
    "IN_CHUNK",
    "LEDGER_DEFAULT",
    "LEDGER_SORTS",
    "CandidateKey",
    "CheckCard",
    "CheckInput",
    "CheckResult",
    "PurchaseFilters",
    "PurchasePage",
    "PurchaseRow",
    "Recorded",
    "candidate_of",
    "check_card",
    "check_purchase",
    "check_values",
    "delete_purchase",
    "existing_purchases",
    "find_supplier",
    "find_supplier_by_id",
    "get_check",
    "in_chunks",
    "invalid_field",
    "list_purchases",
    "load_candidates",
    "purchase_facts",
    "purchase_from_check",
    "purchase_values",
    "purchases_csv",
    "read_check",
    "read_field",
    "record_purchase",
    "record_purchase_once",
    "recorder_emails",
    "search_materials",
    "search_suppliers",
]
