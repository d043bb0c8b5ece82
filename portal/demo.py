"""Demo data: sign-ins for every role and suppliers, so a newcomer sees the portal working."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from portal.accounts import service as accounts
from portal.accounts.models import User
from portal.audit import Actor
from portal.suppliers.models import Supplier

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - documented demo sign-in, README lists it
DEMO_ACTOR = Actor(label="demo loader")


@dataclass(frozen=True)
class DemoSupplier:
    """A fictional supplier company of the demo."""

    code: str
    name_zh: str
    name_en: str
    user_email: str | None
    is_own_plant: bool = False


DEMO_SUPPLIERS = (
    DemoSupplier(
        "JCHY",
        "晋城宏远再生铝业有限公司",
        "Jincheng Hongyuan Recycled Aluminium Co.",
        "recycler@demo.portal",
    ),
    DemoSupplier(
        "YNSD", "云南水电铝材有限公司", "Yunnan Hydro Aluminium Co.", "smelter@demo.portal"
    ),
    DemoSupplier(
        "SXML", "山西煤电铝业有限公司", "Shanxi Coal-Power Aluminium Co.", "coalsmelter@demo.portal"
    ),
    DemoSupplier(
        "XJGY", "新疆硅源工业硅有限公司", "Xinjiang Guiyuan Silicon Co.", "silicon@demo.portal"
    ),
    DemoSupplier(
        "FGMG", "府谷金镁业有限公司", "Fugu Jinmei Magnesium Co.", "magnesium@demo.portal"
    ),
    DemoSupplier(
        "PLANT",
        "本厂（铝合金铸造与挤压）",
        "Own plant (casthouse and extrusion)",
        None,
        is_own_plant=True,
    ),
)

DEMO_STAFF = (
    ("admin@demo.portal", "管理员 Admin", "admin"),
    ("esg@demo.portal", "王静 (ESG)", "esg"),
    ("buyer@demo.portal", "张伟 (采购)", "buyer"),
)


def load_demo(db: Session) -> list[str]:
    """Create the demo companies and users that are missing; returns what was added."""
    added: list[str] = []
    for email, name, role in DEMO_STAFF:
        if db.exec(select(User).where(User.email == email)).first() is None:
            accounts.create_user(
                db, actor=DEMO_ACTOR, email=email, password=DEMO_PASSWORD, full_name=name, role=role
            )
            added.append(email)
    for demo in DEMO_SUPPLIERS:
        supplier = db.exec(select(Supplier).where(Supplier.code == demo.code)).first()
        if supplier is None:
            supplier = accounts.create_supplier(
                db,
                actor=DEMO_ACTOR,
                code=demo.code,
                name_zh=demo.name_zh,
                name_en=demo.name_en,
                is_own_plant=demo.is_own_plant,
            )
            added.append(demo.code)
        if (
            demo.user_email
            and db.exec(select(User).where(User.email == demo.user_email)).first() is None
        ):
            accounts.create_user(
                db,
                actor=DEMO_ACTOR,
                email=demo.user_email,
                password=DEMO_PASSWORD,
                full_name=demo.name_zh,
                role="supplier",
                supplier_id=supplier.id,
            )
            added.append(demo.user_email)
    db.flush()
    from portal.datarequests.demo import load_demo as load_data_requests
    from portal.declarations.demo import load_demo as load_declarations
    from portal.energy.demo import load_demo as load_energy
    from portal.logistics.demo import load_demo as load_logistics
    from portal.procurement.demo import load_demo as load_purchases
    from portal.tracking.demo import load_demo as load_tracking

    for load_feature in (
        load_data_requests,  # first: the demo declarations answer them
        load_declarations,
        load_purchases,
        load_tracking,
        load_energy,
        load_logistics,
    ):
        added.extend(load_feature(db))
    return added
