"""The portal as a PACT client: a supplier's footprints pulled into declarations (source PACT).

Everything is fetched and checked before anything is stored: an unreachable host, refused
credentials, a footprint that breaks the schema or a unit the portal cannot convert store
nothing, and the supplier's host row says why.
"""

from __future__ import annotations

import hashlib
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset
from portal.clock import plant_today
from portal.config import get_settings
from portal.db import utcnow
from portal.declarations import service as declarations
from portal.declarations.models import Declaration, DeclarationStatus
from portal.errors import InvalidInput, NotFound
from portal.i18n import _
from portal.pact import crypto, intake, schemas
from portal.pact.config import get_pact_settings
from portal.pact.models import PactImport, PactSupplierHost
from portal.suppliers.models import Supplier


class PullFailed(Exception):
    """The pull stopped; nothing was stored. The message says why."""


@dataclass
class PullReport:
    """What one pull of one supplier did."""

    supplier: str
    created: list[int] = field(default_factory=list)  # declaration ids
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # footprint ids not for its materials
    error: str | None = None

    def line(self) -> str:
        """One line for the command line and the host row."""
        if self.error:
            return f"{self.supplier}: nothing stored: {self.error}"
        return (
            f"{self.supplier}: {len(self.created)} declaration(s) created, {self.unchanged} "
            f"unchanged, {len(self.skipped)} footprint(s) not for its materials"
        )


def _supplier(db: Session, code: str) -> Supplier:
    supplier = db.exec(select(Supplier).where(Supplier.code == code.strip().upper())).first()
    if supplier is None:
        raise NotFound(_("No supplier with code %(code)s.") % {"code": code})
    return supplier


def set_host(
    db: Session,
    *,
    actor: Actor,
    supplier_code: str,
    base_url: str,
    client_id: str,
    secret: str,
    products: dict[str, str],
) -> PactSupplierHost:
    """Set the supplier's PACT host; the secret is stored encrypted and never shown again."""
    supplier = _supplier(db, supplier_code)
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidInput(_("Enter the host's address starting with https://."), field="base_url")
    if not client_id.strip() or not secret:
        raise InvalidInput(
            _("This field is required."), field="client_id" if not client_id.strip() else "secret"
        )
    ruleset = get_ruleset()
    if not products:
        raise InvalidInput(_("Name at least one product and the material it is."), field="products")
    for urn, material in products.items():
        if not urn.lower().startswith("urn:"):
            raise InvalidInput(_("A product id is a URN (urn:…)."), field="products")
        if material not in ruleset.materials:
            raise InvalidInput(
                _("Unknown material %(code)s.") % {"code": material}, field="products"
            )
    host = db.exec(
        select(PactSupplierHost).where(PactSupplierHost.supplier_id == supplier.id)
    ).first()
    host = host or PactSupplierHost(
        supplier_id=supplier.id or 0, base_url="", client_id="", secret_encrypted=""
    )
    host.base_url, host.client_id, host.products = url, client_id.strip(), dict(products)
    host.secret_encrypted = crypto.encrypt(secret)
    host.updated_at = utcnow()
    db.add(host)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="pact.supplier_host_set",
        entity_type="supplier",
        entity_id=supplier.id,
        after={"base_url": url, "client_id": host.client_id, "products": host.products},
    )
    return host


# --- fetching (no database) ---------------------------------------------------------------


def _http() -> httpx.Client:
    settings = get_pact_settings()
    verify: Any = True
    if settings.ca_file is not None:
        verify = ssl.create_default_context(cafile=str(settings.ca_file))
    return httpx.Client(
        timeout=httpx.Timeout(settings.pull_timeout_s), follow_redirects=False, verify=verify
    )


def _bounded_json(response: httpx.Response, limit: int) -> Any:
    body = b""
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise PullFailed(f"an answer was larger than {limit // 1024} KiB")
    try:
        return json.loads(body)
    except ValueError:
        raise PullFailed("an answer was not JSON") from None


def _next_link(header: str | None, origin: str) -> str | None:
    if not header:
        return None
    for part in header.split(","):
        if 'rel="next"' in part or "rel=next" in part:
            url = part[part.find("<") + 1 : part.find(">")]
            target = urlsplit(url)
            if f"{target.scheme}://{target.netloc}" != origin:
                raise PullFailed(f"a Link header points to another host ({target.netloc})")
            return url
    return None


def fetch(base_url: str, client_id: str, secret: str) -> list[dict[str, Any]]:
    """Every footprint the host lists (following its Link pages), within the bounds."""
    settings = get_pact_settings()
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    found: list[dict[str, Any]] = []
    try:
        with _http() as http:
            token = http.post(
                f"{base_url}/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )
            if token.status_code != 200:
                raise PullFailed(f"the host refused the credentials (HTTP {token.status_code})")
            try:
                access = token.json()["access_token"]
            except (ValueError, KeyError, TypeError):
                raise PullFailed("the host's token answer has no access_token") from None
            url: str | None = f"{base_url}/3/footprints?limit={settings.pull_page_size}"
            pages = 0
            while url:
                pages += 1
                if pages > settings.pull_max_pages:
                    raise PullFailed(f"the host sent more than {settings.pull_max_pages} pages")
                with http.stream("GET", url, headers={"Authorization": f"Bearer {access}"}) as page:
                    if 300 <= page.status_code < 400:
                        raise PullFailed(
                            f"the host redirected (HTTP {page.status_code}); not followed"
                        )
                    if page.status_code != 200:
                        raise PullFailed(f"the host answered HTTP {page.status_code} to the list")
                    answer = _bounded_json(page, settings.pull_max_page_bytes)
                    link = page.headers.get("link")
                data = answer.get("data") if isinstance(answer, dict) else None
                if not isinstance(data, list):
                    raise PullFailed("$.data: the list answer has no data array")
                found.extend(data)
                url = _next_link(link, origin)
    except httpx.TimeoutException:
        raise PullFailed(f"the host did not answer within {settings.pull_timeout_s:g} s") from None
    except httpx.HTTPError as error:
        raise PullFailed(f"the host is unreachable ({type(error).__name__})") from None
    for index, footprint in enumerate(found):
        problems = schemas.problems(footprint)
        if problems:
            name = footprint.get("id", index) if isinstance(footprint, dict) else index
            raise PullFailed(f"footprint {name} breaks the PACT v3 schema: {problems[0]}")
    return found


# --- storing ------------------------------------------------------------------------------


def _digest(footprint: dict[str, Any]) -> str:
    canonical = json.dumps(footprint, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _material(host: PactSupplierHost, footprint: dict[str, Any]) -> str | None:
    wanted = {urn.lower(): material for urn, material in host.products.items()}
    for product in footprint.get("productIds", ()):
        if str(product).lower() in wanted:
            return wanted[str(product).lower()]
    return None


def _supersede(db: Session, *, actor: Actor, old: Declaration) -> None:
    """Mark OLD superseded by a newer footprint of the supplier (PACT's precedingPfIds)."""
    result = db.execute(
        update(Declaration)
        .where(
            col(Declaration.id) == old.id, col(Declaration.status) != DeclarationStatus.SUPERSEDED
        )
        .values(status=DeclarationStatus.SUPERSEDED.value, superseded_status=old.status)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        audit.record(
            db,
            actor=actor,
            action="declaration.superseded",
            entity_type="declaration",
            entity_id=old.id,
            before={"status": old.status},
            after={"status": DeclarationStatus.SUPERSEDED.value, "by": "PACT precedingPfIds"},
        )


def store(
    db: Session,
    *,
    actor: Actor,
    supplier_id: int,
    footprints: list[dict[str, Any]],
    report: PullReport,
    material_for: Callable[[dict[str, Any]], str | None],
    origin: str,
    source: str,
) -> None:
    """Turn FOOTPRINTS into declarations in DB's transaction; PullFailed stores nothing."""
    settings = get_settings()
    today = plant_today()
    for footprint in footprints:
        if footprint.get("status") == "Deprecated":
            continue
        digest = _digest(footprint)
        known = db.exec(
            select(PactImport).where(
                PactImport.supplier_id == supplier_id,
                PactImport.footprint_id == footprint["id"],
            )
        ).first()
        if known is not None:
            report.unchanged += 1
            continue
        material = material_for(footprint)
        if material is None:
            report.skipped.append(footprint["id"])
            continue
        try:
            fields = intake.declaration_fields(footprint, material_code=material, origin=origin)
        except intake.IntakeProblem as problem:
            raise PullFailed(f"footprint {footprint['id']}: {problem}") from None
        older = [
            row.declaration_id
            for row in db.exec(
                select(PactImport).where(
                    PactImport.supplier_id == supplier_id,
                    col(PactImport.footprint_id).in_(footprint.get("precedingPfIds") or ["-"]),
                )
            ).all()
            if row.declaration_id is not None
        ]
        replaced = [d for d in (db.get(Declaration, i) for i in older) if d is not None]
        replace_id = next((d.id for d in replaced if declarations.replaceable(d, today)), None)
        try:
            declaration = declarations.submit(
                db,
                actor=actor,
                supplier_id=supplier_id,
                submitted_by_id=None,
                raw=fields,
                # No PDF: the footprint JSON, kept with its hash in pact_import, is the evidence.
                uploads=declarations.ReadUploads(readings={}, errors={}),
                settings=settings,
                supersedes_id=replace_id,
                today=today,
            )
        except declarations.DeclarationInvalid as invalid:
            named = "; ".join(f"{k}: {v}" for k, v in invalid.errors.items())
            raise PullFailed(f"footprint {footprint['id']}: {named}") from None
        for old in replaced:
            if old.id != replace_id:
                _supersede(db, actor=actor, old=old)
        assert declaration.id is not None
        db.add(
            PactImport(
                supplier_id=supplier_id,
                footprint_id=footprint["id"],
                declaration_id=declaration.id,
                sha256=digest,
                body=footprint,
                source=source,
            )
        )
        report.created.append(declaration.id)
    db.flush()


def pull(engine: Engine, *, actor: Actor, supplier_code: str) -> PullReport:
    """Pull the supplier's footprints; the report says what was created or why nothing was."""
    with Session(engine, expire_on_commit=False) as db:
        supplier = _supplier(db, supplier_code)
        host = db.exec(
            select(PactSupplierHost).where(PactSupplierHost.supplier_id == supplier.id)
        ).first()
        if host is None:
            raise NotFound(
                _("No PACT host is set for supplier %(code)s.") % {"code": supplier.code}
            )
        secret = crypto.decrypt(host.secret_encrypted)
        base_url, client_id, host_id = host.base_url, host.client_id, host.id
    report = PullReport(supplier=supplier.code)
    try:
        if secret is None:
            raise PullFailed(
                "the stored secret was encrypted under another secret key; set it again"
            )
        footprints = fetch(base_url, client_id, secret)
        with Session(engine, expire_on_commit=False) as db, db.begin():
            fresh = db.get(PactSupplierHost, host_id)
            assert fresh is not None
            store(
                db,
                actor=actor,
                supplier_id=fresh.supplier_id,
                footprints=footprints,
                report=report,
                material_for=partial(_material, fresh),
                origin=fresh.base_url,
                source="pull",
            )
            _finish(db, fresh, report)
    except PullFailed as failed:
        report = PullReport(supplier=supplier.code, error=str(failed))
        with Session(engine) as db, db.begin():
            fresh = db.get(PactSupplierHost, host_id)
            assert fresh is not None
            _finish(db, fresh, report)
    return report


def _finish(db: Session, host: PactSupplierHost, report: PullReport) -> None:
    host.last_pull_at = utcnow()
    host.last_pull_result = report.line()[:2000]
    db.add(host)
    audit.record(
        db,
        actor=Actor(label="system: PACT pull"),
        action="pact.pulled" if report.error is None else "pact.pull_failed",
        entity_type="supplier",
        entity_id=host.supplier_id,
        after={
            "created": report.created,
            "unchanged": report.unchanged,
            "skipped": len(report.skipped),
            **({"error": report.error} if report.error else {}),
        },
    )


def suppliers_with_hosts(db: Session) -> list[str]:
    """The codes of every supplier with a PACT host, for `portal pact pull`."""
    rows = db.exec(
        select(Supplier.code)
        .join(PactSupplierHost, col(PactSupplierHost.supplier_id) == col(Supplier.id))
        .order_by(Supplier.code)
    ).all()
    return list(rows)


def hosts_by_supplier(db: Session) -> list[tuple[Supplier, PactSupplierHost | None]]:
    """Every supplier company (not the plant) with its PACT host, if set."""
    hosts = {host.supplier_id: host for host in db.exec(select(PactSupplierHost)).all()}
    suppliers = db.exec(
        select(Supplier).where(col(Supplier.is_own_plant).is_(False)).order_by(Supplier.code)
    ).all()
    return [(supplier, hosts.get(supplier.id or 0)) for supplier in suppliers]


def supplier_id_of(db: Session, code: str) -> int:
    """The id of supplier CODE; InvalidInput naming the field when there is none."""
    found = db.exec(select(Supplier).where(Supplier.code == code.strip().upper())).first()
    if found is None or found.id is None:
        raise InvalidInput(_("No supplier with code %(code)s.") % {"code": code}, field="supplier")
    return found.id
