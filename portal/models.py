"""Imports every table module so metadata (and Alembic) sees the whole schema."""

from portal.accounts.models import ApiToken, Invitation, User, WebSession
from portal.audit import AuditEvent, AuditHead
from portal.suppliers.models import Supplier

__all__ = ["ApiToken", "AuditEvent", "AuditHead", "Invitation", "Supplier", "User", "WebSession"]
