"""A Graph that cannot be reached, and one that makes samtal wait, as an administrator meets them
on the command line: a closed port fails within seconds with its own message and exit status 5,
an ``https://`` typo for a plain-HTTP sandbox is a settings error naming the URL, never
``invalid_auth``; a long wait is said on stderr, except with ``-q``."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from plugin.cli import main
from tests.e2e.conftest import NOW, ServeFactory, small_seed

EXIT_UNREACHABLE = 5


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _campaign(tmp_path: Path, original: Path, graph_url: str, extra: str = "") -> Path:
    text = original.read_text(encoding="utf-8")
    start = text.index("graph_url: ") + len("graph_url: ")
    text = text[:start] + graph_url + text[text.index("\n", start):]
    if extra:
        text = text.replace("  client_secret:", f"  {extra}\n  client_secret:")
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _samtal(config: Path, *args: str) -> int:
    try:
        return main([*args, "--config", str(config), "--now", NOW.isoformat()])
    except SystemExit as exit_:
        return int(exit_.code or 0)


@pytest.mark.parametrize("command", [["status"], ["run", "-q"], ["plan", "-q"], ["doctor"], ["report", "--out", "OUT"]])
def test_a_closed_port_fails_within_seconds_with_its_own_status(
        serve_tenant: ServeFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str], secret_env: None,
        command: list[str]) -> None:
    served = serve_tenant(small_seed())
    port = _closed_port()
    config = _campaign(tmp_path, served.config, f"http://127.0.0.1:{port}/v1.0")
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    started = time.monotonic()
    assert _samtal(config, *args) == EXIT_UNREACHABLE
    assert time.monotonic() - started < 8
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"cannot reach http://127.0.0.1:{port}: connection refused" in text
    assert "tenant.graph_url" in text and "invalid_auth" not in text and "Traceback" not in text
    if command[0] == "doctor":
        assert "BAD  site         unreachable: cannot reach" in out.out


@pytest.mark.parametrize("command", ["status", "run", "plan", "doctor"])
def test_an_https_typo_for_a_plain_http_sandbox_names_the_url(
        serve_tenant: ServeFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str], secret_env: None,
        command: str) -> None:
    served = serve_tenant(small_seed())
    typo = served.graph_url.replace("http://", "https://")
    config = _campaign(tmp_path, served.config, typo)
    assert _samtal(config, command) == 2
    err = capsys.readouterr().err
    netloc = typo.split("/")[2]
    assert f"tenant.graph_url: https:// on {netloc} is a sandbox served with --https" in err
    assert f"a sandbox served without --https is {served.graph_url}" in err
    assert "invalid_auth" not in err and "administrator" not in err
    assert served.stats()["requests"] == 0


@pytest.mark.parametrize("command", ["status", "doctor"])
def test_https_to_a_plain_http_sandbox_is_a_tls_failure_not_invalid_auth(
        serve_tenant: ServeFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str], secret_env: None,
        command: str) -> None:
    served = serve_tenant(small_seed())
    https = served.url.replace("http://", "https://")
    config = _campaign(tmp_path, served.config, https + "/v1.0", extra=f"authority: {https}")
    started = time.monotonic()
    assert _samtal(config, command) == EXIT_UNREACHABLE
    assert time.monotonic() - started < 8
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"cannot reach Entra ID at {https}: the TLS handshake failed" in text
    assert "tenant.authority" in text and "invalid_auth" not in text and "Traceback" not in text


def test_a_long_wait_is_said_on_stderr_and_not_with_q(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], secret_env: None) -> None:
    # With this fault seed the first request (the records site) is answered 429 with
    # Retry-After: 5, and the next ones are not throttled.
    faults = "throttle.sites=0.5,retry_after=6,seed=44"
    served = serve_tenant(small_seed(), faults=faults)
    assert _samtal(served.config, "status") == 0
    err = capsys.readouterr().err
    assert err.count("samtal: waiting 5 s: Graph asked to slow down (429, SharePoint lists); attempt 2 of 10") == 1
    quiet = serve_tenant(small_seed(), faults=faults)
    assert _samtal(quiet.config, "plan", "-q") == 0
    assert quiet.stats()["throttled"] >= 1
    assert "waiting" not in capsys.readouterr().err
