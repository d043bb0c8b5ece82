"""Imports every table module so metadata (and Alembic) sees the whole schema."""

from portal.accounts.models import (
    ApiToken,
    Invitation,
    PasswordReset,
    SignInThrottle,
    User,
    WebSession,
)
from portal.api.models import IdempotencyKey
from portal.audit import AuditEvent, AuditHead
from portal.catalog.models import RuleFileContent, RuleRevision, RuleRevisionFile
from portal.datarequests.models import DataRequest, DataRequestItem
from portal.declarations.models import Declaration, DeclarationCorrection, EvidenceFile
from portal.energy.models import (
    Alert,
    Certificate,
    GreenInstrument,
    Meter,
    Production,
    Reading,
    ReadingIssue,
    ReviewNote,
    Rollup,
)
from portal.jobs.models import Job
from portal.logistics.models import (
    DispatchSite,
    LogisticsImport,
    LogisticsNote,
    LogisticsYearSum,
    PackagingDeclaration,
    PackagingItem,
    Shipment,
    ShipmentLeg,
)
from portal.notifications.models import Notification
from portal.pact.models import (
    PactClient,
    PactFootprint,
    PactImport,
    PactOutbox,
    PactServed,
    PactSupplierHost,
)
from portal.procurement.models import BuyerCheck, Purchase, PurchaseImport
from portal.suppliers.models import Supplier
from portal.tracking.models import LineYear, PurchaseSupplierSum, PurchaseYearSum

__all__ = [
    "Alert",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "BuyerCheck",
    "Certificate",
    "DataRequest",
    "DataRequestItem",
    "Declaration",
    "DeclarationCorrection",
    "DispatchSite",
    "EvidenceFile",
    "GreenInstrument",
    "IdempotencyKey",
    "Invitation",
    "Job",
    "LineYear",
    "LogisticsImport",
    "LogisticsNote",
    "LogisticsYearSum",
    "Meter",
    "Notification",
    "PackagingDeclaration",
    "PackagingItem",
    "PactClient",
    "PactFootprint",
    "PactImport",
    "PactOutbox",
    "PactServed",
    "PactSupplierHost",
    "PasswordReset",
    "Production",
    "Purchase",
    "PurchaseImport",
    "PurchaseSupplierSum",
    "PurchaseYearSum",
    "Reading",
    "ReadingIssue",
    "ReviewNote",
    "Rollup",
    "RuleFileContent",
    "RuleRevision",
    "RuleRevisionFile",
    "Shipment",
    "ShipmentLeg",
    "SignInThrottle",
    "Supplier",
    "User",
    "WebSession",
]
