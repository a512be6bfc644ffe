"""The campaign file: good files load into the documented shape; every bad one is reported with
file, dotted key and line, all problems at once, exit status 2 from the command helper."""
from __future__ import annotations

import argparse
import textwrap
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from plugin.commands.common import add_config_arguments, load_from_args
from plugin.settings import Settings, SettingsError, load_settings
from plugin.settings_parsers import CertificateRef, SecretRef

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)
ENV = {"SAMTAL_CLIENT_SECRET": "s3cret-value"}

GOOD = """\
campaign: {id: "2027", title: Medarbetarsamtal 2027, window: {start: 2027-02-01, end: 2027-04-30}}
tenant:
  graph_url: https://graph.microsoft.com/v1.0
  tenant_id: 00000000-0000-0000-0000-000000000000
  client_id: 11111111-1111-1111-1111-111111111111
  client_secret: {env: SAMTAL_CLIENT_SECRET}
meetings: {duration_minutes: 60, buffer_minutes: 15, max_per_manager_per_day: 3,
           time_zone: Europe/Stockholm, online: teams}
folders: {owner: employee, path: "Medarbetarsamtal/{campaign}"}
records: {site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}
"""


def write(tmp_path: Path, text: str, name: str = "campaign.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(
    tmp_path: Path,
    text: str,
    now: datetime = NOW,
    environ: dict[str, str] | None = None,
    allow_past_window: bool = False,
) -> Settings:
    return load_settings(
        write(tmp_path, text), now=now, environ=ENV if environ is None else environ,
        allow_past_window=allow_past_window,
    )


def problems(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, text, environ=environ)
    return caught.value.problems


def replace(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


def test_spec_example_loads_into_the_documented_shape(tmp_path: Path) -> None:
    s = load(tmp_path, GOOD)
    assert s.campaign.id == "2027" and s.campaign.title == "Medarbetarsamtal 2027"
    assert (s.campaign.window.start, s.campaign.window.end) == (date(2027, 2, 1), date(2027, 4, 30))
    assert s.tenant.graph_url == "https://graph.microsoft.com/v1.0"
    assert s.tenant.credential == SecretRef("SAMTAL_CLIENT_SECRET")
    assert not s.tenant.is_sandbox
    assert s.meetings.duration == timedelta(minutes=60) and s.meetings.buffer == timedelta(minutes=15)
    assert s.meetings.max_per_manager_per_day == 3
    assert s.meetings.zone.windows == "W. Europe Standard Time"
    assert s.meetings.online == "teams"
    assert s.folders.owner == "employee" and s.folders.path == "Medarbetarsamtal/2027"
    assert s.records.site == "example.sharepoint.com:/sites/hr" and s.records.list == "Medarbetarsamtal"


def test_defaults_of_the_optional_settings(tmp_path: Path) -> None:
    s = load(tmp_path, GOOD)
    assert s.language.default == "sv"
    assert s.holidays.country == "SE" and s.holidays.categories == ("public", "de_facto")
    assert s.working_hours.days == (0, 1, 2, 3, 4)
    assert (s.working_hours.start, s.working_hours.end) == (time(8), time(17))
    assert s.meetings.spread == "even" and s.meetings.notice == timedelta(days=2)
    assert s.scope.departments == () and s.templates.directory is None
    assert s.retention.days == 730 and s.concurrency.max_requests == 16


def test_optional_settings_are_read(tmp_path: Path) -> None:
    templates = tmp_path / "mallar"
    templates.mkdir()
    s = load(tmp_path, GOOD + textwrap.dedent("""\
        scope: {departments: [Matematik, Fysik], exclude_departments: [Rektor], exclude_users: [a@example.se]}
        language: {default: en}
        holidays: {country: se, categories: [public]}
        working_hours: {days: [monday, wednesday], start: 9:00, end: "16:30"}
        templates: {directory: mallar}
        retention: {days: 1095}
        concurrency: {max_requests: 8}
        """))
    assert s.scope.departments == ("Matematik", "Fysik")
    assert s.scope.reason_excluded("Matematik", "A@example.se", "x") == "on the scope.exclude_users list"
    assert s.scope.reason_excluded("Kemi", "b@example.se", "y") is not None
    assert s.scope.reason_excluded("fysik", "b@example.se", "y") is None
    assert s.language.default == "en" and s.holidays.country == "SE" and s.holidays.categories == ("public",)
    assert s.working_hours.days == (0, 2)
    assert (s.working_hours.start, s.working_hours.end) == (time(9), time(16, 30))  # 9:00 is not YAML's 540
    assert s.templates.directory == templates
    assert s.retention.days == 1095 and s.concurrency.max_requests == 8


def test_sandbox_url_and_certificate_credential(tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text("not read at load time", encoding="utf-8")
    text = replace("https://graph.microsoft.com/v1.0", "http://127.0.0.1:8765/v1.0/").replace(
        "client_secret: {env: SAMTAL_CLIENT_SECRET}",
        "certificate: {path: key.pem, thumbprint: " + "AB" * 20 + "}",
    )
    s = load(tmp_path, text)
    assert s.tenant.is_sandbox and s.tenant.graph_url == "http://127.0.0.1:8765/v1.0"
    assert s.tenant.credential == CertificateRef(tmp_path / "key.pem", "AB" * 20, None)


def test_secret_value_never_in_repr(tmp_path: Path) -> None:
    s = load(tmp_path, GOOD)
    assert "s3cret-value" not in repr(s) and "SAMTAL_CLIENT_SECRET" in repr(s)


def test_naive_now_is_local_time_in_the_campaign_zone(tmp_path: Path) -> None:
    s = load(tmp_path, GOOD, now=datetime(2027, 2, 15, 9, 0))
    assert s.now.utcoffset() == timedelta(hours=1)


BAD_CASES = [
    # (edit of the good file, line, dotted key, words in the message)
    (("duration_minutes: 60", "duration_minutes: sixty"), 7, "meetings.duration_minutes",
     'expected a whole number of minutes, got "sixty"'),
    (("buffer_minutes: 15", "buffer_minutes: 7.5"), 7, "meetings.buffer_minutes", "whole number of minutes"),
    (("max_per_manager_per_day: 3", "max_per_manager_per_day: 0"), 7,
     "meetings.max_per_manager_per_day", "expected 1 to 48 talks, got 0"),
    (("online: teams", "online: zoom"), 8, "meetings.online", "expected teams or none"),
    (("time_zone: Europe/Stockholm", "time_zone: Europe/Stokholm"), 8, "meetings.time_zone", "unknown time zone"),
    (("time_zone: Europe/Stockholm", "time_zone: W. Europa Standard Time"), 8, "meetings.time_zone",
     "unknown time zone"),
    (("owner: employee", "owner: boss"), 9, "folders.owner", "expected employee or manager"),
    (('path: "Medarbetarsamtal/{campaign}"', 'path: "Samtal/{year}"'), 9, "folders.path", "only {campaign}"),
    (('path: "Medarbetarsamtal/{campaign}"', 'path: "Samtal?/{campaign}"'), 9, "folders.path", "may not"),
    (('site: "example.sharepoint.com:/sites/hr"', "site: hr"), 10, "records.site", "hostname:/"),
    (("end: 2027-04-30", "end: 2027-01-15"), 1, "campaign.window.end", "reversed"),
    (("start: 2027-02-01, end: 2027-04-30", "start: 2026-02-01, end: 2026-04-30"), 1,
     "campaign.window.end", "ended on 2026-04-30"),
    (("start: 2027-02-01, end: 2027-04-30", "start: 2027-03-27, end: 2027-03-29"), 1,
     "campaign.window", "holds no working day"),  # Saturday, Easter Sunday, Easter Monday
    (("end: 2027-04-30", "end: 2027-02-30"), 1, "campaign.window.end", "expected a date"),
    (("https://graph.microsoft.com/v1.0", "http://graph.example.com/v1.0"), 3, "tenant.graph_url",
     "loopback"),
    (("https://graph.microsoft.com/v1.0", "https://graph.example.com/v1.0"), 3, "tenant.graph_url",
     "must be one of Microsoft's: graph.microsoft.com, graph.microsoft.us"),
    (("https://graph.microsoft.com/v1.0", "https://bob:hunter2@graph.microsoft.com/v1.0"), 3,
     "tenant.graph_url", "user name or password"),
    (("https://graph.microsoft.com/v1.0", "https://graph.microsoft.us/v1.0"), 3, "tenant.authority",
     "tokens do not cross clouds: use https://login.microsoftonline.us"),
    (("https://graph.microsoft.com/v1.0", "https://127.0.0.1:8080/v1.0"), 3, "tenant.graph_url",
     "a sandbox served without --https is http://127.0.0.1:8080/v1.0"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: {env: SAMTAL_CLIENT_SECRET}\n"
      "  authority: https://127.0.0.1:8443"), 7, "tenant.authority", "a sandbox's tokens open only that sandbox"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: {env: SAMTAL_CLIENT_SECRET}\n"
      "  authority: https://login.evil.example"), 7, "tenant.authority",
     "must be one of Microsoft's: login.microsoftonline.com, login.microsoftonline.us"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: {env: SAMTAL_CLIENT_SECRET}\n"
      "  authority: https://admin:pw@login.microsoftonline.com"), 7, "tenant.authority", "user name or password"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: {env: SAMTAL_CLIENT_SECRET}\n"
      "  authority: https://login.microsoftonline.com:8443"), 7, "tenant.authority", "not login.microsoftonline.com:8443"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: {env: SAMTAL_UNSET}"), 6,
     "tenant.client_secret.env", "SAMTAL_UNSET is not set"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: {env: SAMTAL_EMPTY}"), 6,
     "tenant.client_secret.env", "SAMTAL_EMPTY is empty"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: hunter2"), 6,
     "tenant.client_secret", "never written in the file"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "client_secret: {value: hunter2}"), 6,
     "tenant.client_secret.value", "unknown key"),
    (("client_secret: {env: SAMTAL_CLIENT_SECRET}", "certificate: {path: missing.pem, thumbprint: "
      + "ab" * 20 + "}"), 6, "tenant.certificate.path", "missing.pem does not exist"),
    (("  client_secret: {env: SAMTAL_CLIENT_SECRET}\n", ""), 2, "tenant.client_secret", "no credential"),
    (("  client_id: 11111111-1111-1111-1111-111111111111\n", ""), 2, "tenant.client_id",
     "required setting is missing"),
    (("records: {", "record: {"), 10, "record", "unknown setting"),
    (("online: teams}", "online: teams, colour: red}"), 8, "meetings.colour", "unknown setting"),
    (('campaign: {id: "2027"', 'campaign: {id: "20:27"'), 1, "campaign.id", "expected letters"),
]


@pytest.mark.parametrize(("edit", "line", "key", "words"), BAD_CASES, ids=[c[2] + ":" + c[3][:20] for c in BAD_CASES])
def test_bad_setting_names_file_key_and_line(
    tmp_path: Path, edit: tuple[str, str], line: int, key: str, words: str
) -> None:
    found = problems(tmp_path, replace(*edit), environ={**ENV, "SAMTAL_EMPTY": ""})
    prefix = f"{tmp_path / 'campaign.yaml'}:{line}: {key}: "
    assert any(p.startswith(prefix) and words in p for p in found), found


def test_unreadable_template_directory(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    found = problems(tmp_path, GOOD + "templates: {directory: file.txt}\n")
    assert found == (f"{tmp_path / 'campaign.yaml'}:11: templates.directory: file.txt is not a directory",)


def test_unknown_holiday_category(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "holidays: {categories: [public, school]}\n")
    assert len(found) == 1 and "holidays.categories: SE has no holiday category 'school'" in found[0]


def test_several_problems_reported_together_in_line_order(tmp_path: Path) -> None:
    text = replace("duration_minutes: 60", "duration_minutes: sixty").replace("owner: employee", "owner: boss")
    found = problems(tmp_path, text + "language: {default: fi}\n")
    assert [p.split(":")[1] for p in found] == ["7", "9", "11"]


def test_duplicate_key_is_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "folders: {owner: manager}\n")
    assert any(":11: folders: given twice" in p for p in found)


def test_yaml_syntax_error_and_missing_file(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "records: [unclosed\n")
    assert len(found) == 1 and "not valid YAML" in found[0] and found[0].startswith(str(tmp_path / "campaign.yaml") + ":")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path / "absent.yaml", now=NOW)
    assert "cannot read the campaign file" in caught.value.problems[0]


def _load_in_thread(path: Path, seconds: float = 10.0) -> SettingsError | None:
    """load_settings(path) in a thread that may not take longer than ``seconds`` (reading a
    device or a FIFO without care never ends)."""
    import threading

    caught: list[SettingsError | None] = []

    def work() -> None:
        try:
            load_settings(path, now=NOW, environ=ENV)
            caught.append(None)
        except SettingsError as err:
            caught.append(err)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    assert caught, f"reading {path} did not end within {seconds} s"
    return caught[0]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_campaign_file_that_is_no_regular_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    import os

    for path in (Path("/dev/zero"), tmp_path):
        err = _load_in_thread(path)
        assert err is not None and err.problems == (f"{path}: cannot read the campaign file: not a regular file",)
    fifo = tmp_path / "campaign.fifo"
    os.mkfifo(fifo)
    err = _load_in_thread(fifo)
    assert err is not None and "not a regular file" in err.problems[0]


def test_a_campaign_file_over_1_mib_is_refused(tmp_path: Path) -> None:
    from plugin.settings import MAX_CAMPAIGN_BYTES

    path = write(tmp_path, GOOD + "#" * (MAX_CAMPAIGN_BYTES - len(GOOD)) + "\n")
    err = _load_in_thread(path)
    assert err is not None and err.problems == (
        f"{path}: cannot read the campaign file: it is larger than 1024 KiB (a campaign file is a few kilobytes)",)
    exactly = write(tmp_path, GOOD + "#" * (MAX_CAMPAIGN_BYTES - len(GOOD) - 1) + "\n", "exact.yaml")
    assert _load_in_thread(exactly) is None


def test_aliases_are_refused_in_a_campaign_file(tmp_path: Path) -> None:
    import time

    found = problems(tmp_path, GOOD + "scope: {departments: &d [Fysik], exclude_departments: *d}\n")
    assert found == (f"{tmp_path / 'campaign.yaml'}:11: an alias (*name) is not accepted in a campaign file: "
                     "write the value out",)
    laughs = ['x0: &x0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"x{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * 9) + "]" for n in range(1, 10)]
    started = time.monotonic()
    found = problems(tmp_path, "\n".join(laughs) + "\n" + GOOD)
    assert len(found) == 1 and "an alias (*name) is not accepted" in found[0]
    assert time.monotonic() - started < 5


def test_deep_nesting_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "scope: {departments: " + "[" * 5000 + "]" * 5000 + "}\n")
    assert found == (f"{tmp_path / 'campaign.yaml'}: not valid YAML: nested too deeply",)


def test_past_window_allowed_for_read_only_commands(tmp_path: Path) -> None:
    s = load(tmp_path, GOOD, now=datetime(2028, 1, 1, tzinfo=timezone.utc), allow_past_window=True)
    assert s.campaign.window.end == date(2027, 4, 30)


# -- the command helper -----------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    return parser.parse_args(argv)


def test_load_from_args_exits_2_with_problems_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMTAL_CLIENT_SECRET", "x")
    path = write(tmp_path, replace("duration_minutes: 60", "duration_minutes: sixty"))
    with pytest.raises(SystemExit) as caught:
        load_from_args(parse(["--config", str(path), "--now", "2027-01-10T09:00"]))
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert 'meetings.duration_minutes: expected a whole number of minutes, got "sixty"' in err
    assert "Traceback" not in err


def test_load_from_args_bad_now_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        load_from_args(parse(["--config", str(write(tmp_path, GOOD)), "--now", "next tuesday"]))
    assert caught.value.code == 2 and "--now" in capsys.readouterr().err


def test_load_from_args_naive_now_in_campaign_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMTAL_CLIENT_SECRET", "x")
    s = load_from_args(parse(["--config", str(write(tmp_path, GOOD)), "--now", "2027-04-01T09:00"]))
    assert s.now == datetime(2027, 4, 1, 7, 0, tzinfo=timezone.utc)  # summer time, UTC+2


def test_a_password_in_a_url_is_not_repeated(tmp_path: Path) -> None:
    found = problems(tmp_path, replace("https://graph.microsoft.com/v1.0", "https://bob:hunter2@graph.microsoft.com/v1.0"))
    assert found and not any("hunter2" in p for p in found)


def test_national_cloud_and_loopback_authorities(tmp_path: Path) -> None:
    us = replace("https://graph.microsoft.com/v1.0", "https://dod-graph.microsoft.us/v1.0").replace(
        "client_secret: {env: SAMTAL_CLIENT_SECRET}",
        "client_secret: {env: SAMTAL_CLIENT_SECRET}\n  authority: https://login.microsoftonline.us/")
    s = load(tmp_path, us)
    assert s.tenant.authority == "https://login.microsoftonline.us"
    sandbox = replace("https://graph.microsoft.com/v1.0", "https://127.0.0.1:8443/v1.0").replace(
        "client_secret: {env: SAMTAL_CLIENT_SECRET}",
        "client_secret: {env: SAMTAL_CLIENT_SECRET}\n  authority: https://127.0.0.1:8443")
    assert load(tmp_path, sandbox).tenant.authority == "https://127.0.0.1:8443"
