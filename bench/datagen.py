"""Benchmark data at realistic volumes: suppliers, declarations and years of purchase lines.

The full scale is 2,000 suppliers, 20,000 declarations (mostly accepted; older versions
superseded, some rejected or in review, with their evidence-file records) and 1,000,000
purchase lines spread evenly over 2023–2030. Suppliers, declarations and evidence go in with
Core executemany; purchase lines with executemany on SQLite and COPY on PostgreSQL.

    .venv/bin/python bench/datagen.py                       # SQLite, var/bench/portal.db
    .venv/bin/python bench/datagen.py --database-url postgresql://postgres@127.0.0.1:5432/portal_bench_g
    .venv/bin/python bench/datagen.py --quick               # a tenth of everything

The database is emptied first: a PostgreSQL database's name must contain "bench" or "test".
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"  # noqa: S105 - throwaway users in a throwaway database
ESG_EMAIL = "esg@bench.example"
BUYER_EMAIL = "buyer@bench.example"
SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'portal.db'}"
QUICK_SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'portal-quick.db'}"
SEED = 20260101
RECORDED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Scale:
    """How much data to generate."""

    suppliers: int = 2_000
    declarations: int = 20_000
    purchases: int = 1_000_000
    first_year: int = 2023
    last_year: int = 2030

    @property
    def years(self) -> range:
        """The purchase years."""
        return range(self.first_year, self.last_year + 1)


FULL = Scale()
QUICK = Scale(suppliers=200, declarations=2_000, purchases=100_000)
TEN_M = Scale(purchases=10_000_000)  # ten years of ERP history, or several plants
SCALES = {"quick": QUICK, "1m": FULL, "10m": TEN_M}
TEN_M_SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'portal-10m.db'}"

# What purchase lines buy: (material, share of lines, tonnes per line).
PURCHASE_MIX = (
    ("al_primary_ingot", 30, (5, 60)),
    ("al_recycled_ingot", 25, (5, 60)),
    ("al_scrap_post_consumer", 12, (2, 40)),
    ("al_scrap_pre_consumer", 8, (2, 40)),
    ("silicon_metal", 8, (0.5, 10)),
    ("magnesium", 4, (0.1, 3)),
    ("al_billet", 5, (5, 40)),
    ("pallet_wood", 5, (0.5, 5)),
    ("film_plastic", 3, (0.1, 1)),
)


@dataclass(frozen=True)
class Profile:
    """A kind of supplier: what it sells and the footprints it declares (tCO2e/t)."""

    name_en: str
    name_zh: str
    share: int
    materials: tuple[tuple[str, float, float], ...]  # (material, low, high)
    electricity: str = "grid"
    recycled: tuple[float, float] | None = None  # recycled fraction of recycled ingot


PROFILES = (
    Profile("Recycled Aluminium", "再生铝业", 24, (("al_recycled_ingot", 0.6, 3.2),),
            recycled=(0.5, 0.95)),
    Profile("Hydro Aluminium", "水电铝材", 8, (("al_primary_ingot", 2.4, 5.0),
            ("al_billet", 2.9, 5.6)), electricity="hydro"),
    Profile("Coal-Power Aluminium", "煤电铝业", 12, (("al_primary_ingot", 11.0, 19.5),
            ("al_billet", 11.5, 20.0)), electricity="captive_coal"),
    Profile("Silicon", "工业硅", 9, (("silicon_metal", 5.5, 15.0),)),
    Profile("Magnesium", "镁业", 6, (("magnesium", 24.0, 44.0),)),
    Profile("Alloying Metals", "合金材料", 7, (("copper", 2.5, 6.0), ("manganese", 6.0, 14.0),
            ("zinc", 2.5, 5.5), ("al_master_alloy", 8.0, 16.0))),
    Profile("Scrap Trading", "废铝回收", 14, (("al_scrap_post_consumer", 0.1, 0.5),
            ("al_scrap_pre_consumer", 0.05, 0.2))),
    Profile("Packaging", "包装材料", 10, (("pallet_wood", 0.1, 0.5), ("film_plastic", 1.8, 3.2),
            ("strapping_steel", 1.8, 3.0))),
    Profile("Metals Trading", "金属贸易", 10, (("al_primary_ingot", 4.0, 17.0),
            ("al_recycled_ingot", 1.0, 3.5), ("silicon_metal", 7.0, 14.0))),
)  # fmt: skip
CITIES = (
    ("Taiyuan", "太原"), ("Jincheng", "晋城"), ("Baotou", "包头"), ("Kunming", "昆明"),
    ("Wenshan", "文山"), ("Shihezi", "石河子"), ("Fugu", "府谷"), ("Foshan", "佛山"),
    ("Linyi", "临沂"), ("Zhengzhou", "郑州"), ("Lüliang", "吕梁"), ("Hohhot", "呼和浩特"),
)  # fmt: skip
VERIFIERS = (
    ("SGS-CSTC Standards Technical Services Co., Ltd.", "SGS-PCF"),
    ("中国质量认证中心", "CQC-CFP"),
    ("TÜV Rheinland (Shanghai) Co., Ltd.", "TUV-CF"),
    ("Bureau Veritas Certification (Beijing)", "BV-PCF"),
)
STANDARDS = (["ISO 14067"], ["ISO 14067", "GB/T 24067"], ["EN 15804"], ["PACT"])


@dataclass
class Version:
    """One declaration of a (supplier, material) chain, as purchases need it."""

    id: int
    submitted_on: date
    start: date
    valid_until: date
    pcf: float
    recycled: float
    was_accepted: bool  # accepted when submitted (superseded ones were, until replaced)


@dataclass
class Generated:
    """What the generator made, for the benchmarks that use it."""

    supplier_codes: dict[int, str] = field(default_factory=dict)
    chains: dict[tuple[int, str], list[list[Version]]] = field(default_factory=dict)
    check_id: int = 0
    user_id: int = 0


# --- the database ---------------------------------------------------------------------------


def setup_environment(url: str) -> None:
    """Point the portal at the benchmark database before anything reads the settings."""
    os.environ["PORTAL_DATABASE_URL"] = url
    os.environ["PORTAL_ENV"] = "test"
    os.environ.setdefault("PORTAL_DATA_DIR", str(ROOT / "var" / "bench" / "files"))
    from portal import config, db

    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def backend_of(url: str) -> str:
    """SQLite or PostgreSQL."""
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def reset_database(url: str) -> None:
    """An empty database migrated to head."""
    from sqlalchemy import text

    from portal import db, migrations

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        name = url.rsplit("/", 1)[-1]
        if "bench" not in name and "test" not in name:
            sys.exit(f"refusing to empty database {name!r}: its name has no 'bench' or 'test'")
        engine = db.make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    db.get_engine.cache_clear()
    migrations.upgrade(url)


def counts() -> dict[str, int]:
    """Rows in the tables the generator fills (zeros when the schema is missing)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from portal.db import get_engine

    found = {}
    try:
        with get_engine().connect() as connection:
            for table in ("supplier", "declaration", "purchase"):
                found[table] = int(
                    connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                )
    except DBAPIError:
        return {"supplier": 0, "declaration": 0, "purchase": 0}
    return found


def matches(scale: Scale) -> bool:
    """Whether the database holds data of this scale already."""
    return counts() == {
        "supplier": scale.suppliers,
        "declaration": scale.declarations,
        "purchase": scale.purchases,
    }


def _fix_sequences(connection: Any, tables: Sequence[str]) -> None:
    """After inserting explicit ids, PostgreSQL's sequences must continue past them."""
    from sqlalchemy import text

    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


# --- suppliers, declarations, evidence ------------------------------------------------------


def supplier_rows(count: int, rnd: random.Random) -> tuple[list[dict[str, Any]], list[Profile]]:
    """COUNT supplier companies and the profile of each."""
    weights = [profile.share for profile in PROFILES]
    rows, profiles = [], []
    for number in range(1, count + 1):
        profile = rnd.choices(PROFILES, weights)[0]
        city_en, city_zh = rnd.choice(CITIES)
        rows.append(
            {
                "id": number,
                "code": f"S{number:05d}",
                "name_zh": f"{city_zh}{profile.name_zh}第{number}有限公司",
                "name_en": f"{city_en} {profile.name_en} Co. No. {number}",
                "country": "CN",
                "is_own_plant": False,
                "created_at": RECORDED_AT - timedelta(days=rnd.randrange(1500)),
            }
        )
        profiles.append(profile)
    return rows, profiles


def _declaration_row(
    rnd: random.Random,
    *,
    number: int,
    supplier_id: int,
    profile: Profile,
    material: tuple[str, float, float],
    grade: str,
    year: int,
    version: int,
    supersedes: int | None,
    status: str,
) -> dict[str, Any]:
    code, low, high = material
    pcf = Decimal(f"{rnd.uniform(low, high):.3f}")
    recycled = Decimal(0)
    pre = post = None
    if code == "al_recycled_ingot" and profile.recycled:
        recycled = Decimal(f"{rnd.uniform(*profile.recycled):.3f}")
        pre = Decimal(f"{float(recycled) * rnd.uniform(0.05, 0.3) * 100:.1f}")
        post = recycled * 100 - pre
    verifier, prefix = rnd.choice(VERIFIERS)
    verified = status != "rejected" or rnd.random() < 0.5
    hydro = profile.electricity == "hydro"
    submitted = date(year + 1, rnd.randint(2, 6), rnd.randint(1, 28))
    in_kg = rnd.random() < 0.4
    return {
        "id": number,
        "pact_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
        "supplier_id": supplier_id,
        "material_code": code,
        "version": version,
        "supersedes_id": supersedes,
        "product_name": f"{code.replace('_', ' ')} grade {grade}",
        "site_name": f"plant {supplier_id}-{rnd.randint(1, 3)}",
        "geography_country": "CN",
        "declared_unit_of_measurement": "kilogram" if in_kg else "tonne",
        "declared_unit_amount": Decimal(1),
        "pcf_excluding_biogenic": pcf if in_kg else pcf * 1000,
        "pcf_t_per_t": pcf,
        "boundary": "cradle-to-gate",
        "standards": rnd.choice(STANDARDS),
        "reference_period_start": date(year, 1, 1),
        "reference_period_end": date(year, 12, 31),
        "validity_period_end": None,
        "valid_until": date(year + 3, 12, 31),
        "primary_data_share_pct": Decimal(rnd.randint(40, 95)),
        "recycled_pre_consumer_pct": pre,
        "recycled_post_consumer_pct": post,
        "recycled_method": rnd.choice(("segregated", "mass_balance")) if post else None,
        "recycled_fraction": recycled,
        "electricity_source": profile.electricity,
        "low_carbon_electricity_claimed": hydro,
        "electricity_instrument": f"GEC-{year}-{number:06d}" if hydro else None,
        "verifier_name": verifier if verified else None,
        "verification_statement_number": f"{prefix}-{year + 1}-{number:05d}" if verified else None,
        "verification_date": submitted - timedelta(days=rnd.randint(5, 40)) if verified else None,
        "comment": "",
        "status": status,
        "superseded_status": "accepted" if status == "superseded" else None,  # accepted, replaced
        "verdict": {"accepted": "pass", "superseded": "pass", "rejected": "fail"}.get(
            status, "review"
        ),
        "verdict_detail": {},
        "ruleset_revision": "bench",
        "pdf_mismatches": [],
        "submitted_on": submitted,
        "submitted_at": datetime(submitted.year, submitted.month, submitted.day, 3, tzinfo=UTC),
        "submitted_by_id": None,
        "decided_at": None,
        "decided_by_id": None,
        "decision_comment": None,
    }


def declaration_rows(
    count: int, profiles: Sequence[Profile], rnd: random.Random
) -> tuple[list[dict[str, Any]], dict[tuple[int, str], list[list[Version]]]]:
    """COUNT declarations: per (supplier, material), one or more products, each a yearly chain."""
    rows: list[dict[str, Any]] = []
    chains: dict[tuple[int, str], list[list[Version]]] = {}
    pairs = [
        (supplier_id, profile, material)
        for supplier_id, profile in enumerate(profiles, start=1)
        for material in profile.materials
    ]
    rnd.shuffle(pairs)
    for cycle in range(100):
        for supplier_id, profile, material in pairs:
            if len(rows) >= count:
                return rows, chains
            key = (supplier_id, material[0])
            # Scrap dealers seldom declare; a second or third product is declared by some.
            if material[0].startswith("al_scrap") and rnd.random() < 0.7:
                continue
            if cycle and (key not in chains or rnd.random() < 0.4):
                continue
            grade = f"{rnd.choice('ABCDE')}{rnd.randint(1, 9)}"
            last_year = rnd.choices((2021, 2022, 2023, 2024, 2025), (5, 10, 25, 35, 25))[0]
            length = min(count - len(rows), rnd.choices((1, 2, 3), (70, 25, 5))[0])
            chain: list[Version] = []
            previous: int | None = None
            for index, year in enumerate(range(last_year - length + 1, last_year + 1)):
                status = "superseded"
                if index == length - 1:
                    status = rnd.choices(("accepted", "in_review", "rejected"), (90, 4, 6))[0]
                row = _declaration_row(
                    rnd, number=len(rows) + 1, supplier_id=supplier_id, profile=profile,
                    material=material, grade=grade, year=year, version=index + 1,
                    supersedes=previous, status=status,
                )  # fmt: skip
                rows.append(row)
                previous = row["id"]
                chain.append(
                    Version(
                        id=row["id"], submitted_on=row["submitted_on"],
                        start=row["reference_period_start"], valid_until=row["valid_until"],
                        pcf=float(row["pcf_t_per_t"]), recycled=float(row["recycled_fraction"]),
                        was_accepted=status in ("accepted", "superseded"),
                    )
                )  # fmt: skip
            chains.setdefault(key, []).append(chain)
    return rows, chains


def evidence_rows(declarations: Sequence[dict[str, Any]], rnd: random.Random) -> list[dict]:
    """The evidence-file records of the declarations (the files themselves are not needed)."""
    rows = []
    for declaration in declarations:
        kinds = ["declaration"]
        if declaration["verifier_name"]:
            kinds.append("verification")
        if declaration["recycled_fraction"]:
            kinds.append("recycled_evidence")
        for kind in kinds:
            rows.append(
                {
                    "declaration_id": declaration["id"],
                    "kind": kind,
                    "original_name": f"{kind}-{declaration['id']}.pdf",
                    "sha256": f"{rnd.getrandbits(256):064x}",
                    "size_bytes": rnd.randint(40_000, 900_000),
                    "page_count": rnd.randint(1, 12),
                    "has_text_layer": True,
                    "reading": {},
                    "uploaded_at": declaration["submitted_at"],
                }
            )
    return rows


def _insert(connection: Any, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), 5_000):
        connection.execute(insert(table), list(rows[start : start + 5_000]))


def base_records(scale: Scale, rnd: random.Random) -> Generated:
    """Users, suppliers, declarations with evidence, one check and the lines' yearly figures."""
    from sqlmodel import Session

    from portal.accounts import service as accounts
    from portal.audit import Actor
    from portal.db import get_engine
    from portal.declarations.models import Declaration, EvidenceFile
    from portal.suppliers.models import Supplier
    from portal.tracking.service import save_line_year

    actor = Actor(label="bench")
    generated = Generated()
    suppliers, profiles = supplier_rows(scale.suppliers, rnd)
    declarations, generated.chains = declaration_rows(scale.declarations, profiles, rnd)
    generated.supplier_codes = {row["id"]: row["code"] for row in suppliers}
    with Session(get_engine()) as session:
        connection = session.connection()
        _insert(connection, Supplier.__table__, suppliers)  # type: ignore[attr-defined]
        _insert(connection, Declaration.__table__, declarations)  # type: ignore[attr-defined]
        _insert(connection, EvidenceFile.__table__, evidence_rows(declarations, rnd))  # type: ignore[attr-defined]
        _fix_sequences(connection, ("supplier", "declaration"))
        esg = accounts.create_user(
            session, actor=actor, email=ESG_EMAIL, password=PASSWORD, full_name="ESG",
            role="esg",
        )  # fmt: skip
        buyer = accounts.create_user(
            session, actor=actor, email=BUYER_EMAIL, password=PASSWORD, full_name="Buyer",
            role="buyer",
        )  # fmt: skip
        assert buyer.id is not None and esg.id is not None
        for line, production in (("alloy", Decimal(8000)), ("extrusion", Decimal(450))):
            for year in range(2024, 2031):
                save_line_year(
                    session, actor=actor, line=line, year=year,
                    production_t=production, scope12_t=production * Decimal("0.78"),
                )  # fmt: skip
        session.commit()
        generated.user_id = buyer.id
    return generated


def insert_checks(url: str, count: int, user_id: int) -> int:
    """COUNT buyer checks, one per generated purchase line (a check buys once); the first id."""
    from sqlalchemy import text

    from portal.db import maintenance_engine

    # The checks' own figures are not what the benchmarks read; their number and ids are.
    columns = (
        "id, at, user_id, via_api, supplier_id, material_code, quantity_t, check_date, "
        "product_line, verdict, reasons, factor_source, pcf_t_per_t, recycled_fraction, "
        "emissions_t, recycled_t, ruleset_revision"
    )
    values = (
        "{n}, '2026-01-01 00:00:00+00:00', :user, false, 1, 'al_primary_ingot', 1, "
        "'2026-01-01', 'alloy', 'pass', '[]', 'default', 15.1, 0, 15.1, 0, 'bench'"
    )
    if backend_of(url) == "SQLite":
        sql = (
            "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < :count) "
            f"INSERT INTO buyer_check ({columns}) SELECT {values.format(n='v')} FROM n"
        )
    else:
        sql = (
            f"INSERT INTO buyer_check ({columns}) "
            f"SELECT {values.format(n='g')} FROM generate_series(1, :count) AS g"
        )
    # 10 M rows outlast a request's statement timeout.
    with maintenance_engine() as engine, engine.begin() as connection:
        connection.execute(text(sql), {"count": count, "user": user_id})
        _fix_sequences(connection, ("buyer_check",))
    return 1


# --- purchase lines -------------------------------------------------------------------------


def _current(chains: Sequence[Sequence[Version]], on: date) -> Version | None:
    """The declaration that applied on a day (per product the newest by then; the newest)."""
    found: Version | None = None
    for chain in chains:
        for version in reversed(chain):
            if version.submitted_on <= on:
                usable = version.was_accepted and version.start <= on <= version.valid_until
                if usable and (found is None or version.submitted_on > found.submitted_on):
                    found = version
                break
    return found


def purchase_rows(scale: Scale, generated: Generated, rnd: random.Random) -> Iterator[tuple]:
    """Purchase lines spread evenly over the years, each with the factor it had that day."""
    from portal.catalog import get_ruleset

    ruleset = get_ruleset()
    sellers: dict[str, list[int]] = {code: [] for code, _share, _range in PURCHASE_MIX}
    for supplier_id, code in generated.chains:
        if code in sellers:
            sellers[code].append(supplier_id)
    everyone = sorted(generated.supplier_codes)
    weights = [share for _code, share, _range in PURCHASE_MIX]
    materials = {code: ruleset.material(code) for code in sellers}
    years = scale.years
    for number in range(scale.purchases):
        code, _share, (low, high) = rnd.choices(PURCHASE_MIX, weights)[0]
        material = materials[code]
        # Mostly from suppliers that declared the material; some from anyone (no declaration).
        pool = sellers[code] if sellers[code] and rnd.random() < 0.9 else everyone
        supplier_id = rnd.choice(pool)
        year = years[number % len(years)]
        day = date(year, 1, 1) + timedelta(days=rnd.randrange(365))
        quantity = round(rnd.uniform(low, high), 3)
        chains = generated.chains.get((supplier_id, code))
        version = _current(chains, day) if chains else None
        if version is not None:
            pcf, declaration_id, source = version.pcf, version.id, "declaration"
        else:
            pcf, declaration_id = float(material.default_factor_t_per_t), None
            source = "default"
        if not material.aluminium_bearing:
            fraction = 0.0
        elif material.recycled_by_nature:
            fraction = 1.0
        else:
            fraction = version.recycled if version else 0.0
        yield (
            supplier_id,
            code,
            material.category.value,
            f"{quantity:.3f}",
            day.isoformat(),
            year,
            "extrusion" if code == "al_billet" or rnd.random() < 0.08 else "alloy",
            f"B{number:08d}",
            1,
            generated.check_id + number,
            declaration_id,
            source,
            f"{pcf:.6f}",
            f"{fraction:.6f}",
            f"{quantity * pcf:.6f}",
            f"{quantity * fraction:.6f}",
            "bench",
            generated.user_id,
            "2026-01-01 00:00:00+00:00",
        )


PURCHASE_COLUMNS = (
    "supplier_id",
    "material_code",
    "material_category",
    "quantity_t",
    "purchase_date",
    "purchase_year",
    "product_line",
    "po_number",
    "po_line",
    "check_id",
    "declaration_id",
    "factor_source",
    "pcf_t_per_t",
    "recycled_fraction",
    "emissions_t",
    "recycled_t",
    "ruleset_revision",
    "recorded_by_id",
    "recorded_at",
)


def load_sqlite(url: str, rows: Iterator[tuple[Any, ...]]) -> None:
    """executemany in batches on one raw connection."""
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")  # 1 GB: the indexes of 10 M lines
    sql = (
        f"INSERT INTO purchase ({', '.join(PURCHASE_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in PURCHASE_COLUMNS)})"
    )
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 50_000:
            connection.executemany(sql, batch)
            batch.clear()
    connection.executemany(sql, batch)
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def load_postgres(url: str, rows: Iterator[tuple[Any, ...]]) -> None:
    """COPY in text format, a few megabytes at a time; then VACUUM ANALYZE."""
    import psycopg

    with psycopg.connect(url) as connection:
        with connection.cursor() as cursor:
            copy_sql = f"COPY purchase ({', '.join(PURCHASE_COLUMNS)}) FROM STDIN"
            with cursor.copy(copy_sql) as copy:
                buffer = io.StringIO()
                for number, row in enumerate(rows, start=1):
                    buffer.write("\t".join(r"\N" if v is None else str(v) for v in row) + "\n")
                    if number % 50_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def generate(url: str, scale: Scale = FULL) -> float:
    """Empty the database and fill it at SCALE; returns the seconds it took."""
    started = time.perf_counter()
    reset_database(url)
    rnd = random.Random(SEED)
    generated = base_records(scale, rnd)
    generated.check_id = insert_checks(url, scale.purchases, generated.user_id)
    rows = purchase_rows(scale, generated, rnd)
    if backend_of(url) == "SQLite":
        load_sqlite(url, rows)
    else:
        load_postgres(url, rows)
    loaded = time.perf_counter()
    summarise()
    print(
        f"purchase lines loaded in {loaded - started:.0f} s, summaries built in "
        f"{time.perf_counter() - loaded:.0f} s; database size {database_size(url)}"
    )
    return time.perf_counter() - started


def summarise() -> None:
    """The purchase summaries from the bulk-loaded rows (the portal keeps them as it records)."""
    from sqlmodel import Session

    from portal.db import maintenance_engine
    from portal.tracking import summaries

    with maintenance_engine() as engine, Session(engine) as db:
        summaries.rebuild(db)
        db.commit()


def database_size(url: str) -> str:
    """The database's size on disk."""
    from sqlalchemy import text

    from portal.db import get_engine

    if backend_of(url) == "SQLite":
        path = Path(url.removeprefix("sqlite:///"))
        size = sum(
            Path(str(path) + suffix).stat().st_size
            for suffix in ("", "-wal")
            if Path(str(path) + suffix).exists()
        )
    else:
        with get_engine().connect() as connection:
            size = int(
                connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    return f"{size / 2**30:.2f} GiB"


def ensure(url: str, scale: Scale = FULL, *, fresh: bool = False) -> str:
    """Data of SCALE in the database at URL (generated unless already there); a printable line."""
    setup_environment(url)
    if not fresh and matches(scale):
        from portal import migrations

        migrations.upgrade(url)  # data made before the summaries: the migration fills them
        note = "reused"
    else:
        note = f"generated in {generate(url, scale):.0f} s"
    return (
        f"data: {scale.suppliers:,} suppliers, {scale.declarations:,} declarations, "
        f"{scale.purchases:,} purchase lines {scale.first_year}–{scale.last_year} ({note})"
    )


def prepare(url: str, *, quick: bool = False, fresh: bool = False) -> str:
    """The database to measure on, filled at the asked scale; prints the machine and the data."""
    from machine import describe

    if quick and url == SQLITE_URL:
        url = QUICK_SQLITE_URL
    print(f"machine: {describe()}")
    print(ensure(url, QUICK if quick else FULL, fresh=fresh))
    return url


def status_mix() -> dict[str, int]:
    """Declarations per status."""
    from sqlalchemy import text

    from portal.db import get_engine

    with get_engine().connect() as connection:
        rows = connection.execute(
            text("SELECT status, count(*) FROM declaration GROUP BY status ORDER BY status")
        ).all()
    return {str(status): int(count) for status, count in rows}


def main() -> None:
    """Generate the data and print what is there."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--quick", action="store_true", help="a tenth of the full scale")
    parser.add_argument("--scale", choices=sorted(SCALES), default=None, help="quick, 1m, 10m")
    parser.add_argument("--reuse", action="store_true", help="keep data of this scale")
    args = parser.parse_args()
    name = args.scale or ("quick" if args.quick else "1m")
    scale = SCALES[name]
    default = {"quick": QUICK_SQLITE_URL, "1m": SQLITE_URL, "10m": TEN_M_SQLITE_URL}[name]
    url = args.database_url or default
    print(ensure(url, scale, fresh=not args.reuse))
    print(f"declarations by status: {status_mix()}")


if __name__ == "__main__":
    main()
