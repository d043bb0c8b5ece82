"""The address links in emails point at: PORTAL_BASE_URL, else the address being served."""

from __future__ import annotations

from urllib.parse import urlsplit

WILDCARD_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 - names of "every interface", not a bind


def served_url(host: str, port: int, *, tls: bool) -> str:
    """The portal's own address for HOST and PORT (a wildcard host is shown as loopback)."""
    scheme = "https" if tls else "http"
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{scheme}://{shown}:{port}"


def mismatch(base_url: str, host: str, port: int, *, tls: bool) -> str | None:
    """Why BASE_URL does not reach the address served, or None when it matches."""
    parts = urlsplit(base_url)
    scheme = "https" if tls else "http"
    base_port = parts.port or (443 if parts.scheme == "https" else 80)
    served = served_url(host, port, tls=tls)
    problems = []
    if parts.scheme != scheme:
        problems.append(f"scheme {parts.scheme} != {scheme}")
    if base_port != port:
        problems.append(f"port {base_port} != {port}")
    if host not in WILDCARD_HOSTS and parts.hostname not in (host, host.strip("[]")):
        problems.append(f"host {parts.hostname} != {host}")
    if not problems:
        return None
    return (
        f"warning: PORTAL_BASE_URL is {base_url} but the portal serves {served} "
        f"({'; '.join(problems)}): links in emails lead to {base_url}. "
        "That is right only behind a proxy that forwards it here."
    )
