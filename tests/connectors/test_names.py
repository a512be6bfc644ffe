"""OneDrive name rules (docs/graph.md#onedrive; docs/failures.md#f1, docs/failures.md#f2,
docs/failures.md#f4, docs/failures.md#f5)."""
from __future__ import annotations

import random
import unicodedata

import pytest

from connectors.graph.names import (
    MAX_NAME_LENGTH, MAX_PATH_LENGTH, check_path, encode_id, encode_path, is_safe_name, name_with_id,
    safe_name, same_name,
)

FORBIDDEN = '"*:<>?/\\|'


@pytest.mark.parametrize("raw, expected", [
    ("Åsa Öberg", "Åsa Öberg"),                       # Swedish letters kept
    ("Q&A: 2025?", "Q&A： 2025？"),                     # full-width look-alikes
    ('a"b*c<d>e/f\\g|h', "a＂b＊c＜d＞e／f＼g｜h"),
    ("  Per Persson  ", "Per Persson"),               # leading/trailing spaces
    ("Rapport. . .", "Rapport"),                      # trailing dots and spaces, until stable
    ("~$Plan.docx", "～$Plan.docx"),                  # leading ~$ (Office lock files)
    ("~mapp", "～mapp"),                               # leading ~ (OneDrive for Business)
    ("CON", "CON_"), ("nul", "nul_"), ("Com7", "Com7_"), ("LPT0.txt", "LPT0_.txt"),
    ("CONSOLE", "CONSOLE"),                           # only the exact device names
    (".lock", "_.lock"), ("Desktop.ini", "_Desktop.ini"),
    ("my_vti_folder", "my_vti-folder"), ("_VTI_", "_VTI-"),
    ("Lön #1 100%", "Lön #1 100%"),                   # '#' and '%' allowed today
    ("rad1\nrad2\ttab", "rad1 rad2 tab"),             # control characters
    ("", "_"), ("   ", "_"), ("...", "_"), ("?", "？"),
])
def test_safe_name_examples(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected


def test_decomposed_swedish_letters_become_one_name() -> None:
    decomposed = unicodedata.normalize("NFD", "Åsa Öberg")
    assert decomposed != "Åsa Öberg"
    assert safe_name(decomposed) == "Åsa Öberg"


def test_long_names_are_bounded_and_keep_their_extension() -> None:
    name = safe_name("Ö" * 300 + ".docx")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith(".docx")
    short = safe_name("Medarbetarsamtal 2025 för en mycket lång avdelning " * 4, max_length=30)
    assert len(short) <= 30 and not short.endswith((" ", "."))


def test_reserved_name_at_the_length_limit_does_not_grow() -> None:
    assert safe_name("COM1.docx", max_length=9) == "COM_.docx"
    assert safe_name("desktop.ini", max_length=11) == "_deskto.ini"


def test_max_length_must_leave_room() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        safe_name("x", max_length=3)


def test_safe_name_is_idempotent_and_always_valid_on_random_input() -> None:
    rng = random.Random(20250304)
    alphabet = FORBIDDEN + " .~$#%_vtiCONLPTåäöÅÄÖabc\t\x01\u0301😀"
    for _ in range(3000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        once = safe_name(raw, max_length=24)
        assert once and len(once) <= 24
        assert safe_name(once, max_length=24) == once
        assert not any(c in once for c in FORBIDDEN)
        assert once == once.strip() and not once.endswith(".") and not once.startswith("~")
        assert "_vti_" not in once.lower()
        assert is_safe_name(once)


def test_is_safe_name_and_same_name() -> None:
    assert is_safe_name("Åsa Öberg")
    assert not is_safe_name("a:b") and not is_safe_name(" a") and not is_safe_name("")
    assert same_name("Plan.docx", "plan.DOCX")                  # docs/failures.md#f5: case-insensitive
    assert same_name(unicodedata.normalize("NFD", "Å"), "å")


def test_encode_path_encodes_each_segment_exactly_once() -> None:
    assert encode_path(["Medarbetarsamtal 2025", "Åsa #1 100%", "O'Brien (x).docx"]) == (
        "Medarbetarsamtal%202025/%C3%85sa%20%231%20100%25/O%27Brien%20%28x%29.docx")
    # Already-encoded looking text is encoded again, not passed through: '%25' stays literal.
    assert encode_path(["50%25"]) == "50%2525"
    # Full-width replacements travel as UTF-8.
    assert encode_path([safe_name("a:b?")]) == "a%EF%BC%9Ab%EF%BC%9F"


@pytest.mark.parametrize("segments", [[""], ["a/b"], ["ok", ""]])
def test_encode_path_refuses_unsanitised_segments(segments: list[str]) -> None:
    with pytest.raises(ValueError, match="safe_name"):
        encode_path(segments)


def test_check_path_enforces_rules_and_the_400_character_limit() -> None:
    check_path(["Medarbetarsamtal", "2025", "Åsa Öberg"])
    with pytest.raises(ValueError, match="segment 2") as err:
        check_path(["ok", "Åsa: hemlig"])
    assert "Åsa" not in str(err.value)  # names are personal data: not in messages
    long = ["x" * 79] * 5  # 400 characters once the slashes are counted
    with pytest.raises(ValueError, match=str(MAX_PATH_LENGTH)):
        check_path(long)
    check_path(["x" * 79] * 3)


def test_encode_id_keeps_drive_site_and_upn_shapes() -> None:
    assert encode_id("b!t18F8-x_y") == "b!t18F8-x_y"
    assert encode_id("contoso.sharepoint.com,2c71,2d22") == "contoso.sharepoint.com,2c71,2d22"
    assert encode_id("ext_x.se#EXT#@contoso.onmicrosoft.com") == "ext_x.se%23EXT%23@contoso.onmicrosoft.com"
    assert encode_id("a/b?c") == "a%2Fb%3Fc"
    with pytest.raises(ValueError):
        encode_id("")


# ---------------------------------------------------------------------------- names with an id
ID_A = "3f2b8c1e-6a4d-4f0e-9b7a-1c2d3e4f5a6b"
ID_B = "3f2b8c1e-0000-4f0e-9b7a-1c2d3e4f5a6b"  # the same first 8 characters


def test_a_long_label_is_cut_never_the_id() -> None:
    prefix = "Institutionen för matematik, avdelningen för tillämpad matematik och statistik – "
    a = name_with_id(prefix + "Anna Svensson", ID_A, max_length=80)
    b = name_with_id(prefix + "Anna Svenberg", ID_B, max_length=80)
    assert len(a) <= 80 and len(b) <= 80 and a.endswith(f" ({ID_A})") and b.endswith(f" ({ID_B})")
    assert not same_name(a, b) and is_safe_name(a) and is_safe_name(b)
    assert a.startswith(prefix[:40])


@pytest.mark.parametrize("label, expected", [
    ("Per Lind", "Per Lind (x1)"),
    ("Sara <Lund>: HR?", "Sara ＜Lund＞： HR (x1)"),       # OneDrive's rules, then the cut
    (" .Olle Berg. ", ".Olle Berg (x1)"),
    ("", "_ (x1)"), ("...", "_ (x1)"), ("~Tilde", "～Tilde (x1)"),
    ("Anna Svensson-Lindqvist", "Anna Svensson-L (x1)"),  # cut to 20
    ("Anna Svensson. Lindqvist", "Anna Svensson. (x1)"),  # a dot at the cut is inside the name
    ("Anna Svensso   Lindqvist", "Anna Svensso (x1)"),    # no space before the bracket
])
def test_name_with_id_examples(label: str, expected: str) -> None:
    assert name_with_id(label, "x1", max_length=20) == expected


def test_name_with_id_refuses_an_id_it_cannot_keep_whole() -> None:
    for unique in ("", "a/b", "a (b)", " x"):
        with pytest.raises(ValueError):
            name_with_id("Per", unique)
    with pytest.raises(ValueError):
        name_with_id("Per", ID_A, max_length=len(ID_A) + 3)  # no room for a label


def test_names_with_different_ids_never_collide() -> None:
    rng = random.Random(11)
    alphabet = "aåäöAÅÄÖ .-~#%:*?<>|/\\\"_"
    seen: dict[str, str] = {}
    for n in range(3000):
        label = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 150)))
        unique = f"{rng.getrandbits(64):016x}"
        name = name_with_id(label, unique, max_length=rng.randint(len(unique) + 4, 120))
        assert is_safe_name(name) and name.endswith(f"({unique})"), name
        key = name.casefold()
        assert seen.get(key, unique) == unique, (name, seen[key])
        seen[key] = unique
