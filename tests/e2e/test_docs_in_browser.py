"""Each service's /docs, opened in a real headless Chromium that can reach nothing but this machine:
the page renders and lists the service's routes (the Swagger UI assets are served locally)."""

import os
import shutil
import subprocess
import tempfile

import pytest

from tests.support import System

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip("no Chromium here (CI installs Debian's chromium)", allow_module_level=True)

OFFLINE = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The network cut: every host name but loopback fails to resolve, so a CDN asset could not load.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",
]
EXPECTED = {
    "registry": "/api/v1/people/{person_id}",
    "programs": "/api/v1/institutions",
    "disaster": "/api/v1/distributions",
}


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_docs_render_offline_with_the_routes(system: System, service: str) -> None:
    assert CHROMIUM, "Chromium is missing: install Debian's chromium package"
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [CHROMIUM, *OFFLINE, f"--user-data-dir={profile}", "--dump-dom", system.url(service) + "/docs"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    assert 'class="swagger-ui' in dom, dom[:500]
    assert f'data-path="{EXPECTED[service]}"' in dom
    assert dom.count("opblock-summary-path") >= 5
