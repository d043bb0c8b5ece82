"""PACT settings (prefix PORTAL_PACT_): who the plant is in PACT and how callbacks behave."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

from portal.config import PROJECT_DIR, get_settings


class PactSettings(BaseSettings):
    """Every field can be set as PORTAL_PACT_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_PACT_", extra="ignore")

    domain: str = ""  # the plant's domain in productIds/companyIds; default: base URL's host
    company_name: str = "山西瑞格金属新材料有限公司"
    geography_subdivision: str = "CN-SX"  # Shanxi
    # Where the RMI aluminium data model extension's schema is published (confirm with RMI).
    aluminium_extension_schema: str = (
        "https://raw.githubusercontent.com/RMI/aluminium-guidance/main/schema/data-model.json"
    )
    token_lifetime_s: int = 3600
    ca_file: Path | None = None  # extra CA bundle for other PACT hosts (self-signed in tests)
    callback_timeout_s: float = 10.0
    outbox_poll_s: float = 5.0
    outbox_in_app: bool | None = (
        None  # deliver owed events in a background thread (None: not in tests)
    )
    outbox_give_up_hours: float = 72.0  # PACT: abandon sending after 72 hours
    # The PACT specification's OpenAPI files (v2/, v3/), exact copies kept with the portal
    # under the specification's licence: footprints received are checked on them.
    spec_dir: Path = PROJECT_DIR / "portal" / "pact" / "spec"
    pull_timeout_s: float = 20.0
    pull_page_size: int = 100
    pull_max_pages: int = 50
    pull_max_page_bytes: int = 5 * 1024 * 1024

    @property
    def plant_domain(self) -> str:
        """The domain used in the plant's URNs."""
        return self.domain or urlsplit(get_settings().base_url).hostname or "localhost"


@lru_cache
def get_pact_settings() -> PactSettings:
    """The process-wide PACT settings."""
    return PactSettings()
