"""/healthz, /readyz and /metrics: for load balancers and monitoring, never personal data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from portal.app import create_app
from portal.ops.health import allowed
from portal.settings import Settings, SettingsError
from tests.conftest import BASE_URL
from tests.test_intake_web import CONTENT, receipt_of, send, tip_confirmation


def _client(settings: Settings, engine: Engine, clock: FixedClock, host: str) -> TestClient:
    app = create_app(settings, engine=engine, clock=clock)
    return TestClient(app, base_url=BASE_URL, follow_redirects=False, client=(host, 40000))


def test_health_and_readiness(settings: Settings, engine: Engine, clock: FixedClock) -> None:
    with _client(settings, engine, clock, "127.0.0.1") as client:
        live = client.get("/healthz")
        assert (live.status_code, live.text) == (200, "ok")
        not_ready = client.get("/readyz")  # the upload folder does not exist yet
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["uploads"].startswith("not writable")
        Path(settings.upload_dir).mkdir(parents=True)
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"ready": True, "checks": {
            "database": "ok", "schema": "ok", "uploads": "ok", "keys": "ok"}}
        assert not list(Path(settings.upload_dir).iterdir())  # the probe file is gone


def test_metrics_count_routes_and_queue_for_allowed_addresses_only(
        settings: Settings, engine: Engine, clock: FixedClock) -> None:
    with _client(settings, engine, clock, "127.0.0.1") as client:
        receipt = receipt_of(send(client, tip_confirmation(client)))
        client.get("/announcements/987654?from=MarkerQuery")  # a 404 under a route template
        scraped = client.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
        body = scraped.text
        assert 'minsheng_http_requests_total{method="POST",route="/submit/tip",status="200"} 1.0' \
            in body
        assert ('minsheng_http_requests_total{method="GET",'
                'route="/announcements/{announcement_id:int}",status="404"} 1.0') in body
        assert 'minsheng_http_request_seconds_bucket{le="0.005",method="GET",route="/submit/tip"}' \
            in body
        assert 'minsheng_submissions{state="new"} 1.0' in body
        for personal in (receipt, receipt.replace("-", ""), CONTENT[:8], "/announcements/987654",
                         "MarkerQuery", "testserver"):
            assert personal not in body
    for outsider in ("10.1.2.3", "testclient"):
        with _client(settings, engine, clock, outsider) as client:
            assert client.get("/metrics").status_code == 404


def test_metrics_allow_accepts_networks() -> None:
    assert allowed("10.0.3.7", ("10.0.0.0/16",))
    assert allowed("::1", ("127.0.0.1", "::1"))
    assert not allowed("10.1.0.1", ("10.0.0.0/16",))
    assert not allowed(None, ("0.0.0.0/0",))
    key = {"SECRET_KEY": "metrics-settings-secret-" + "m" * 40}
    parsed = Settings.from_env({**key, "METRICS_ALLOW": "10.0.0.0/8, ::1"}, env_file=None)
    assert parsed.metrics_allow == ("10.0.0.0/8", "::1")
    with pytest.raises(SettingsError, match="METRICS_ALLOW"):
        Settings.from_env({**key, "METRICS_ALLOW": "intranet"}, env_file=None)
