"""Imports every table module so metadata (and Alembic) sees the whole schema."""

from portal.accounts.models import ApiToken, Invitation, SignInThrottle, User, WebSession
from portal.api.models import IdempotencyKey
from portal.audit import AuditEvent, AuditHead
from portal.declarations.models import Declaration, EvidenceFile
from portal.pact.models import PactClient, PactFootprint, PactOutbox, PactServed
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport
from portal.suppliers.models import Supplier
from portal.tracking.models import LineYear

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "BuyerCheck",
    "Declaration",
    "EvidenceFile",
    "IdempotencyKey",
    "Invitation",
    "LineYear",
    "PactClient",
    "PactFootprint",
    "PactOutbox",
    "PactServed",
    "Purchase",
    "PurchaseImport",
    "SignInThrottle",
    "Supplier",
    "User",
    "WebSession",
]
