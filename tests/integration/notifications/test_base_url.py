"""Links in emails follow the port `portal serve` listens on, unless PORTAL_BASE_URL is set."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import httpx
from declarations_helpers import World
from helpers import TEST_PASSWORD, csrf_from
from portal_serving import portal_serve
from smtp_inbox import MailServer

from portal import config
from portal.clock import plant_today
from portal.notifications.links import mismatch, served_url


def test_the_served_address_and_what_differs_from_it() -> None:
    assert served_url("0.0.0.0", 8080, tls=False) == "http://127.0.0.1:8080"  # noqa: S104
    assert served_url("127.0.0.1", 8443, tls=True) == "https://127.0.0.1:8443"
    assert mismatch("http://127.0.0.1:8080", "127.0.0.1", 8080, tls=False) is None
    warning = mismatch("http://127.0.0.1:8000", "127.0.0.1", 8080, tls=False)
    assert warning is not None and "port 8000 != 8080" in warning
    warning = mismatch("http://portal.example.com", "127.0.0.1", 8080, tls=True)
    assert warning is not None and "scheme http != https" in warning


def _sign_in(client: httpx.Client, email: str) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def test_invitation_and_request_links_follow_the_port_and_the_drain_runs_in_serve(
    settings: config.Settings, world: World, smtp: tuple[MailServer, int]
) -> None:
    server, smtp_port = smtp
    env = {
        "PORTAL_BASE_URL": "",  # not set: links follow the served address
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": str(smtp_port),
        "PORTAL_SMTP_STARTTLS": "false",
        "PORTAL_NOTIFY_IN_APP": "true",  # the drain thread of `portal serve` (off in tests)
        "PORTAL_NOTIFY_POLL_S": "0.5",
    }
    with portal_serve(settings, env=env) as (url, _process):
        with httpx.Client(base_url=url) as admin:
            _sign_in(admin, world.admin.email)
            token = csrf_from(admin.get("/admin/users").text)
            page = admin.post(
                "/admin/users/invite",
                data={"email": "new@example.com", "role": "esg", "csrf_token": token},
            ).text
            assert re.search(rf"{re.escape(url)}/invite/[\w-]+", page), page[:2000]
        with httpx.Client(base_url=url) as esg:
            _sign_in(esg, world.esg.email)
            token = csrf_from(esg.get("/data-requests/new").text)
            response = esg.post(
                "/data-requests",
                data={
                    "title": "Footprints",
                    "due_on": (plant_today() + timedelta(days=10)).isoformat(),
                    "materials": ["al_primary_ingot"],
                    "everyone": "0",
                    "suppliers": [str(world.acme.id)],
                    "csrf_token": token,
                },
            )
            assert response.status_code == 303, response.text
        deadline = time.monotonic() + 20
        while not server.to(world.acme_user.email):
            assert time.monotonic() < deadline, "the drain in portal serve sent nothing"
            time.sleep(0.2)
    [mail] = server.to(world.acme_user.email)
    assert f"{url}/declarations/new" in mail.text


def test_a_base_url_that_differs_from_the_served_address_is_warned_about(
    settings: config.Settings,
) -> None:
    with portal_serve(settings, env={"PORTAL_BASE_URL": "http://127.0.0.1:1"}) as (url, _p):
        pass
    logs = list(Path(settings.data_dir).parent.glob("serve-*.log"))
    text = "".join(path.read_text() for path in logs)
    assert "warning: PORTAL_BASE_URL is http://127.0.0.1:1 but the portal serves" in text
    assert url.rsplit(":", 1)[1] in text
