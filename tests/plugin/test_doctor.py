"""samtal doctor against the sandbox: plain HTTP (static token) and HTTPS with the real MSAL flow,
where the app's consented roles are compared with manifest.yaml."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.sandbox import Sandbox
from plugin.cli import main

SEED = Path(__file__).resolve().parents[1] / "sandbox" / "seed.yaml"
APP = "11111111-2222-4333-8444-555555555555"
SECRET = "sandbox-test-secret-not-real"
LIMITED_APP = "22222222-3333-4444-8555-666666666666"


def campaign(tmp_path: Path, graph_url: str, *, client_id: str = APP, authority: str | None = None,
             sender: str | None = None) -> Path:
    path = tmp_path / "campaign.yaml"
    lines = [
        'campaign: {id: "2027", title: Medarbetarsamtal 2027, window: {start: 2027-02-01, end: 2027-04-30}}',
        "tenant:",
        f"  graph_url: {graph_url}",
        "  tenant_id: example.se",
        f"  client_id: {client_id}",
        "  client_secret: {env: SAMTAL_TEST_SECRET}",
    ]
    if authority:
        lines.append(f"  authority: {authority}")
    lines.append('records: {site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}')
    if sender:
        lines.append(f"reminders: {{sender: {sender}}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def https_server() -> Iterator[Any]:
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    seed["tenant"]["apps"].append({"client_id": LIMITED_APP, "secret": SECRET,
                                   "roles": ["User.Read.All", "Files.ReadWrite.All", "Sites.Selected"]})
    sb = Sandbox.from_seed(seed)
    with sb.serve(port=0, https=True) as server:
        yield server


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SAMTAL_TEST_SECRET", SECRET)
    return monkeypatch


def test_doctor_on_a_plain_http_sandbox(tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    sb = Sandbox.from_seed(SEED)
    with sb.serve(port=0) as server:
        code = main(["doctor", "--config", str(campaign(tmp_path, server.graph_url)), "--now", "2027-01-20T09:00"])
        writes = sb.stats()["writes"]
    out = capsys.readouterr().out
    assert "permissions  not checked: a plain-HTTP sandbox" in out
    assert "does not exist yet; samtal run creates it" in out
    assert "sampled mailboxes answer free/busy" in out or "do not answer free/busy" in out
    assert writes == 0
    assert code in (0, 1)
    assert code == (1 if "BAD" in out else 0)


def test_doctor_with_msal_over_https_reports_granted_permissions(
        tmp_path: Path, env: pytest.MonkeyPatch, https_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("REQUESTS_CA_BUNDLE", https_server.ca_file)
    config = campaign(tmp_path, https_server.graph_url, authority=https_server.url)
    main(["doctor", "--config", str(config), "--now", "2027-01-20T09:00"])
    out = capsys.readouterr().out
    assert f"Entra ID issued a token for app {APP}" in out
    assert "granted: User.Read.All, Calendars.ReadWrite, Files.ReadWrite.All, Sites.Selected" in out
    assert SECRET not in out


def test_doctor_names_a_missing_permission(
        tmp_path: Path, env: pytest.MonkeyPatch, https_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("REQUESTS_CA_BUNDLE", https_server.ca_file)
    config = campaign(tmp_path, https_server.graph_url, client_id=LIMITED_APP, authority=https_server.url)
    code = main(["doctor", "--config", str(config), "--now", "2027-01-20T09:00"])
    out = capsys.readouterr().out
    assert "missing_permission: Calendars.ReadWrite is not consented" in out
    assert code == 1


def test_doctor_with_a_wrong_secret_is_invalid_auth(
        tmp_path: Path, env: pytest.MonkeyPatch, https_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("REQUESTS_CA_BUNDLE", https_server.ca_file)
    env.setenv("SAMTAL_TEST_SECRET", "not-the-secret")
    config = campaign(tmp_path, https_server.graph_url, authority=https_server.url)
    code = main(["doctor", "--config", str(config), "--now", "2027-01-20T09:00"])
    out = capsys.readouterr().out
    assert "invalid_auth" in out and "AADSTS7000215" in out and "secret is wrong" in out
    assert "not-the-secret" not in out
    assert code == 3


def test_reminders_off_ask_for_no_mail_permission(
        tmp_path: Path, env: pytest.MonkeyPatch, https_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("REQUESTS_CA_BUNDLE", https_server.ca_file)
    main(["doctor", "--config", str(campaign(tmp_path, https_server.graph_url, authority=https_server.url)),
          "--now", "2027-01-20T09:00"])
    out = capsys.readouterr().out
    assert "reminders    off (no reminders.sender): Mail.Send and Mail.ReadWrite are not needed" in out
    assert not [line for line in out.splitlines() if line.startswith("BAD") and "Mail." in line]


def test_reminders_on_without_mail_roles_in_the_token_say_what_sending_rests_on(
        tmp_path: Path, env: pytest.MonkeyPatch, https_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("REQUESTS_CA_BUNDLE", https_server.ca_file)
    config = campaign(tmp_path, https_server.graph_url, authority=https_server.url, sender="anna.berg@example.se")
    main(["doctor", "--config", str(config), "--now", "2027-01-20T09:00"])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if " reminders " in line)
    assert line.startswith("ok") and "sent from anna.berg@example.se, whose Drafts and Sent Items samtal can read" in line
    assert "Mail.Send and Mail.ReadWrite not in the token" in line and "RBAC for Applications" in line


def test_doctor_with_reminders_on_sends_nothing_also_with_write_check(
        tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    sb = Sandbox.from_seed(SEED)
    with sb.serve(port=0) as server:
        config = campaign(tmp_path, server.graph_url, sender="anna.berg@example.se")
        main(["doctor", "--config", str(config), "--now", "2027-01-20T09:00", "--write-check", "per.lind@example.se"])
        mail = sb.stats()["mail"]
        with sb.tenant.lock:
            boxes = (sb.tenant.data.get("mail") or {}).get("boxes") or {}
            messages = sum(len(box) for box in boxes.values())
    out = capsys.readouterr().out
    assert "reminders    on: sent from anna.berg@example.se" in out
    assert mail["submitted"] == 0 and messages == 0


def test_doctor_asks_free_busy_through_a_mailbox_that_can_and_names_the_others(
        tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The first person sampled has a mailbox outside the app's access policy (403 to anything
    asked through it), the next one's is on-premises: the free/busy check asks through another
    mailbox and counts them, rather than failing on the first (docs/failures.md#a6)."""
    seed = {"tenant": {"domain": "example.se"}, "sites": [{"path": "/sites/hr", "displayName": "HR"}], "users": [
        {"userPrincipalName": "boss@example.se", "displayName": "Boss"},
        {"userPrincipalName": "a.rut@example.se", "displayName": "Rut", "manager": "boss@example.se",
         "mailbox": "restricted"},
        {"userPrincipalName": "b.olle@example.se", "displayName": "Olle", "manager": "boss@example.se",
         "mailbox": "onprem", "oneDrive": "unlicensed"},
        {"userPrincipalName": "c.anna@example.se", "displayName": "Anna", "manager": "boss@example.se"}]}
    with Sandbox.from_seed(seed).serve(port=0) as server:
        main(["doctor", "--config", str(campaign(tmp_path, server.graph_url)), "--now", "2027-01-20T09:00"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "mailboxes" in x)
    assert "1 of 3 sampled mailboxes do not answer free/busy" in line, out
    assert "ErrorAccessDenied" not in out and "without a OneDrive" in out
