"""The export's local folder (plugin/export/disk.py): safe names, no write outside ``--out``,
never two people's exports in one folder."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from plugin.export.disk import MARKER, ExportWriter, OutDirError, check_out_dir, local_name


@pytest.mark.parametrize("name", ["..", ".", "../../etc/passwd", "a/b", "a\\b", "\x1b]0;title\x07x", "CON",
                                  "con.txt", " . ", "", "\u202egnp.exe", "a\x00b", "x" * 400, "å" * 300,
                                  "Ärende: 2027?*<>|\"", "~$lock.docx", ".hidden."])
def test_a_local_name_is_one_plain_name(name: str) -> None:
    out = local_name(name, set())
    assert out and out not in (".", "..") and not any(ch in out for ch in '/\\\x00\x1b\x07\u202e:*?<>|"')
    assert len(out.encode("utf-8")) <= 200 and out == out.strip(" ") and not out.endswith(".")
    assert out.split(".")[0].upper() not in ("CON", "PRN", "AUX", "NUL")


def test_local_names_differ_ignoring_case_and_keep_the_extension() -> None:
    taken: set[str] = set()
    assert [local_name(n, taken) for n in ("Form.docx", "form.DOCX", "FORM.docx", "Förberedelse.docx")] == [
        "Form.docx", "form (2).DOCX", "FORM (3).docx", "Förberedelse.docx"]


def test_an_export_is_written_readable_by_its_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "new" / "export"
    writer = ExportWriter(out, force=False)
    folder = writer.folder(local_name("2027", set()))
    writer.file(folder, "Form.docx", b"data")
    writer.file("", "records.json", b"{}")
    writer.finish()
    assert (out / "2027" / "Form.docx").read_bytes() == b"data"
    assert stat.S_IMODE((out / "2027" / "Form.docx").stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "2027").stat().st_mode) == 0o700
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert marker["files"] == ["2027/Form.docx", "records.json"] and marker["dirs"] == ["2027"]


def _previous(out: Path) -> None:
    writer = ExportWriter(out, force=False)
    writer.file(writer.folder("2027"), "Form.docx", b"anna's form")
    writer.file("", "README.txt", b"anna")
    writer.finish()


def test_a_folder_with_anything_in_it_is_refused_and_force_replaces_only_an_export(tmp_path: Path) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    for force in (False, True):
        with pytest.raises(OutDirError):
            check_out_dir(out, force=force)
    (out / "notes.txt").unlink()
    _previous(out)
    with pytest.raises(OutDirError, match="not empty"):
        ExportWriter(out, force=False)
    writer = ExportWriter(out, force=True)  # the previous export is gone before anything is written
    assert sorted(p.name for p in out.iterdir()) == []
    writer.file("", "README.txt", b"bo")
    writer.finish()
    assert (out / "README.txt").read_bytes() == b"bo" and not (out / "2027").exists()


def test_force_leaves_an_export_someone_added_to_alone(tmp_path: Path) -> None:
    out = tmp_path / "export"
    _previous(out)
    (out / "2027" / "added.docx").write_bytes(b"someone's")
    with pytest.raises(OutDirError, match="1 thing"):
        ExportWriter(out, force=True)
    assert (out / "2027" / "Form.docx").exists() and (out / "2027" / "added.docx").exists()


def test_a_symbolic_link_in_the_folder_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Form.docx").write_bytes(b"not yours")
    out = tmp_path / "export"
    _previous(out)
    # the previous export's folder swapped for a link to another folder: --force removes nothing there
    (out / "2027" / "Form.docx").unlink()
    (out / "2027").rmdir()
    (out / "2027").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutDirError):
        ExportWriter(out, force=True)
    assert (outside / "Form.docx").read_bytes() == b"not yours"

    # a link planted where the export's folder or file goes: creating it fails, nothing is written outside
    fresh = tmp_path / "fresh"
    writer = ExportWriter(fresh, force=False)
    (fresh / "2028").symlink_to(outside, target_is_directory=True)
    with pytest.raises(FileExistsError):
        writer.folder("2028")
    (fresh / "records.csv").symlink_to(outside / "Form.docx")
    with pytest.raises(FileExistsError):
        writer.file("", "records.csv", b"x")
    writer.abandon()
    assert (outside / "Form.docx").read_bytes() == b"not yours" and sorted(os.listdir(outside)) == ["Form.docx"]


def test_an_export_that_fails_half_way_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "export"
    out.mkdir()
    writer = ExportWriter(out, force=False)
    writer.file(writer.folder("2027"), "Form.docx", b"x")
    writer.file("", "records.csv", b"y")
    writer.abandon()
    assert list(out.iterdir()) == []


def test_a_name_that_could_leave_the_folder_is_refused_by_the_writer(tmp_path: Path) -> None:
    writer = ExportWriter(tmp_path / "export", force=False)
    for bad in ("..", "a/b", "../x"):
        with pytest.raises(ValueError):
            writer.file("", bad, b"x")
    with pytest.raises(ValueError):
        writer.file("elsewhere", "x.txt", b"x")
    writer.abandon()
