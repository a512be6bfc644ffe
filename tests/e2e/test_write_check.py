"""``samtal doctor --write-check UPN`` on the sandbox: a clean check leaves the tenant as it was
(but for the records list it creates when missing), a check killed after any of its writes leaves
leftovers the next check removes, and failures come with Graph's code, request-id and advice."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from connectors.graph import client as client_module
from connectors.graph.client import make_session
from plugin.cli import main
from plugin.records import DOCTOR_MARK
from plugin.write_check import FILE_PREFIX, WriteCheck
from tests.e2e.conftest import NOW, ServeFactory, Served, small_seed

UPN = "per.lind@example.se"
LIST = "Medarbetarsamtal"


def census(served: Served) -> dict[str, Any]:
    """What a check may not leave changed: every event, drive item (with its permissions) and
    list item of the tenant, and its lists."""
    state = served.state()
    return {
        "events": {user: sorted(box) for user, box in state["events"].items()},
        "items": {drive_id: sorted((i["id"], i["name"], len(i["permissions"])) for i in drive["items"].values())
                  for drive_id, drive in state["drives"].items()},
        "lists": {lst["displayName"]: sorted(lst["items"]) for site in state["sites"].values()
                  for lst in site["lists"].values()},
    }


def doctor(served: Served, upn: str = UPN) -> int:
    return main(["doctor", "--config", str(served.config), "--now", NOW.isoformat(), "--write-check", upn])


def lines_of(out: str) -> dict[str, str]:
    """``check -> line`` of doctor's output."""
    found = {}
    for line in out.splitlines():
        if line[:3] in ("ok ", "BAD"):
            found[line[5:17].strip()] = line
    return found


@pytest.mark.usefixtures("secret_env")
def test_a_clean_check_leaves_the_tenant_as_it_was(serve_tenant: ServeFactory,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_tenant(small_seed())
    before = census(served)
    assert LIST not in before["lists"]
    assert doctor(served) == 0
    out = lines_of(capsys.readouterr().out)
    for step in ("check user", "test event", "test file", "sharing", "records list", "test item"):
        assert out[step].startswith("ok "), out[step]
    assert "created the list 'Medarbetarsamtal'" in out["records list"]
    assert "(and the folder Medarbetarsamtal its upload created)" in out["test file"]
    after = census(served)
    assert after["lists"].pop(LIST) == []  # the list is kept, with no item in it
    assert after == before

    # folders.path exists (a round has run): only the file comes and goes
    served.run(NOW)
    before = census(served)
    assert doctor(served) == 0
    out = lines_of(capsys.readouterr().out)
    assert "the list 'Medarbetarsamtal' exists" in out["records list"]
    assert "created)" not in out["test file"] and out["test file"].startswith("ok ")
    assert census(served) == before


class Killed(BaseException):
    """The process died: nothing after it reaches Graph."""


class DyingSession(requests.Session):
    """A session whose process dies right after its ``after``-th write has been answered."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.writes = 0
        self.dead = False

    def request(self, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:  # type: ignore[override]
        if self.dead:
            raise Killed
        answer = super().request(method, url, *args, **kw)
        if method.upper() != "GET":
            self.writes += 1
            if self.writes == self.after:
                self.dead = True
                raise Killed
        return answer


def _writes_of_a_clean_check(served: Served) -> int:
    session = DyingSession(after=10_000)
    WriteCheck(served.client(session=session), served.settings(), UPN).run()
    return session.writes


@pytest.mark.usefixtures("secret_env")
def test_a_check_killed_after_any_write_is_cleaned_up_by_the_next(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_tenant(small_seed())
    _writes_of_a_clean_check(served)  # the list exists from here on: the census compares the rest
    before = census(served)
    writes = _writes_of_a_clean_check(served)
    assert census(served) == before
    assert writes >= 6  # event, its delete, file, its delete, item, its delete
    left_something = 0
    for k in range(1, writes + 1):
        with pytest.raises(Killed):
            WriteCheck(served.client(session=DyingSession(after=k)), served.settings(), UPN).run()
        killed = census(served)
        left_something += killed != before
        assert doctor(served) == 0, f"after a kill at write {k}"
        out = capsys.readouterr().out
        if killed != before:
            assert "an earlier, interrupted check left" in out, f"kill at write {k}: {out}"
        assert census(served) == before, f"the check killed at write {k} left something behind"
    assert left_something >= 3  # the event, the file, the item each once at least


@pytest.mark.usefixtures("secret_env")
def test_a_killed_check_that_created_folders_path_has_them_removed(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(small_seed())
    _writes_of_a_clean_check(served)
    before = census(served)
    with pytest.raises(Killed):  # writes: 1 the event, 2 its delete, 3 the upload
        WriteCheck(served.client(session=DyingSession(after=3)), served.settings(), UPN).run()
    state = served.state()
    names = [i["name"] for d in state["drives"].values() for i in d["items"].values()]
    assert "Medarbetarsamtal" in names and any(n.startswith(FILE_PREFIX) for n in names)
    assert doctor(served) == 0
    assert census(served) == before


@pytest.mark.usefixtures("secret_env")
def test_a_folder_someone_else_filled_is_never_deleted_with_a_leftover(serve_tenant: ServeFactory) -> None:
    """A leftover test file names the folders its upload created; once someone has put
    something else there, only the test file goes."""
    served = serve_tenant(small_seed())
    with pytest.raises(Killed):
        WriteCheck(served.client(session=DyingSession(after=3)), served.settings(), UPN).run()
    client = served.client()
    per = client.directory.get_user(UPN)
    client.drive.upload_to_user_path(per.id, ["Medarbetarsamtal", "mina anteckningar.txt"], b"mine")
    assert doctor(served) == 0
    state = served.state()
    names = {i["name"] for d in state["drives"].values() for i in d["items"].values()}
    assert {"Medarbetarsamtal", "mina anteckningar.txt"} <= names
    assert not any(n.startswith(FILE_PREFIX) for n in names)


@pytest.mark.usefixtures("secret_env")
def test_a_leftover_of_json_nested_too_deeply_is_removed_not_a_traceback(serve_tenant: ServeFactory) -> None:
    """The check reads a leftover test file's JSON to learn which folders its upload created; the
    file lives in the person's own OneDrive, so its content is theirs to change."""
    served = serve_tenant(small_seed())
    client = served.client()
    per = client.directory.get_user(UPN)
    client.drive.upload_to_user_path(per.id, ["Medarbetarsamtal", "mina anteckningar.txt"], b"mine")
    client.drive.upload_to_user_path(per.id, ["Medarbetarsamtal", "2027", FILE_PREFIX + "planted.json"], b"[" * 4000)
    assert doctor(served) == 0
    names = {i["name"] for d in served.state()["drives"].values() for i in d["items"].values()}
    assert {"Medarbetarsamtal", "mina anteckningar.txt"} <= names
    assert not any(n.startswith(FILE_PREFIX) for n in names)


@pytest.mark.usefixtures("secret_env")
@pytest.mark.parametrize(("upn", "step", "code", "advice"), [
    ("orjan.dahl@example.se", "test event", "ErrorMailRecipientNotFound|MailboxNotEnabledForRESTAPI",
     "no Exchange Online mailbox"),
    ("karin.stahl@example.se", "test file", "ResourceNotFound|itemNotFound", "OneDrive was never provisioned"),
    ("nobody@example.se", "check user", "Request_ResourceNotFound", "no user has this address"),
])
def test_a_person_without_a_mailbox_or_onedrive_is_reported_with_advice(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], upn: str, step: str, code: str,
        advice: str) -> None:
    served = serve_tenant(small_seed())
    before = census(served)
    assert doctor(served, upn) == 1
    line = lines_of(capsys.readouterr().out)[step]
    assert line.startswith("BAD")
    assert any(f"{c}:" in line for c in code.split("|")), line
    assert "request-id " in line and advice in line, line
    after = census(served)
    after["lists"].pop(LIST)
    assert after == before


def _refusing(answers: dict[tuple[str, str], tuple[int, dict[str, Any]]]) -> Callable[..., requests.Session]:
    """A session factory whose session answers the (method, path ending) given with a made-up
    error, as a tenant that refuses would; everything else goes to the sandbox."""
    class Refusing(requests.Session):
        def request(self, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:  # type: ignore[override]
            path = url.split("?", 1)[0]
            for (m, ending), (status, body) in answers.items():
                if method.upper() == m and path.endswith(ending):
                    made = requests.Response()
                    made.status_code = status
                    made._content = json.dumps(body).encode()
                    made.headers.update({"Content-Type": "application/json", "request-id": "rid-refused-1"})
                    made.url = url
                    return made
            return super().request(method, url, *args, **kw)

    def factory(*args: Any, **kw: Any) -> requests.Session:
        session = Refusing()
        real = make_session(*args, **kw)
        for prefix, adapter in real.adapters.items():
            session.mount(prefix, adapter)
        return session
    return factory


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "innerError": {"request-id": "rid-refused-1"}}}


@pytest.mark.usefixtures("secret_env")
@pytest.mark.parametrize(("refused", "step", "expected", "also"), [
    ({("GET", "/sites/example.sharepoint.com:/sites/hr"): (403, _error("accessDenied", "Access denied"))},
     "records list", "grant this site to the app", {"site", "test item"}),
    ({("POST", "/lists"): (403, _error("accessDenied", "Access denied"))},
     "records list", "PATCH the app's site permission to fullcontrol", {"test item"}),
    ({("POST", "/events"): (403, _error("ErrorAccessDenied", "Access to OData is disabled."))},
     "test event", "application access policy", set()),
    ({("POST", "/events"): (403, _error("Authorization_RequestDenied", "Insufficient privileges."))},
     "test event", "Calendars.ReadWrite", set()),
    ({("GET", "/drive"): (400, _error("BadRequest", "Unable to retrieve user's mysite URL."))},
     "test file", "OneDrive was never provisioned", set()),  # doctor's drives check: a fallback, not BAD
    ({("PUT", "/content"): (403, _error("accessDenied", "Access denied"))},
     "test file", "Files.ReadWrite.All", set()),
    ({("POST", "/items"): (403, _error("accessDenied", "Access denied"))},
     "test item", "the site's grant must be write or more", set()),
])
def test_a_refused_write_names_graphs_code_the_request_id_and_what_to_do(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        refused: dict[tuple[str, str], tuple[int, dict[str, Any]]], step: str, expected: str,
        also: set[str]) -> None:
    """Refusals the sandbox does not make (a site not granted, a missing permission, an access
    policy, an unlicensed OneDrive) are made up at the session, where a tenant would answer."""
    served = serve_tenant(small_seed())
    monkeypatch.setattr(client_module, "make_session", _refusing(refused))
    assert doctor(served) == 1
    out = lines_of(capsys.readouterr().out)
    line = out[step]
    code = next(iter(refused.values()))[1]["error"]["code"]
    assert line.startswith("BAD") and f"{code}:" in line and "request-id rid-refused-1" in line, line
    assert expected in line, line
    assert {s for s, text in out.items() if text.startswith("BAD")} == {step} | also
    if "site" in also:  # doctor's own site check says the same
        assert "missing_permission:" in out["site"] and "grant this site to the app" in out["site"], out["site"]
    state = served.state()  # what was written before the refusal was removed again
    assert not any(i["name"].startswith(FILE_PREFIX) for d in state["drives"].values() for i in d["items"].values())
    assert not any(ev.get("subject", "").startswith("samtal doctor check") for box in state["events"].values()
                   for ev in box.values())
    assert not any(i["fields"].get("Campaign") == DOCTOR_MARK for site in state["sites"].values()
                   for lst in site["lists"].values() for i in lst["items"].values())


@pytest.mark.usefixtures("secret_env")
def test_a_left_test_item_is_never_read_as_a_record(serve_tenant: ServeFactory) -> None:
    from plugin.records import doctor_check_key
    from plugin.store import RecordStore

    served = serve_tenant(small_seed())
    served.run(NOW)
    settings = served.settings()
    store = RecordStore.open_existing(served.client().lists, settings.records.site, settings.records.list)
    assert store is not None
    records = store.load("2027")
    with pytest.raises(Killed):  # writes: event, its delete, upload, its delete, the item
        WriteCheck(served.client(session=DyingSession(after=5)), settings, UPN, check_id="killed").run()
    fields = [i["fields"] for site in served.state()["sites"].values() for lst in site["lists"].values()
              for i in lst["items"].values() if i["fields"].get("Key") == doctor_check_key("killed")]
    assert len(fields) == 1 and fields[0]["Campaign"] == DOCTOR_MARK
    assert store.load("2027").keys() == records.keys()
    assert store.find(doctor_check_key("killed")) is None
