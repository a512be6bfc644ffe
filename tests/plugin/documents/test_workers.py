"""Forms read in a worker process give the same readings as in-thread; unreadable ones their error."""
from __future__ import annotations

import pytest

from plugin.documents import DocumentError, read_form, render_form
from plugin.documents.workers import DocumentWorkers, spare_cores
from plugin.documents.wordsim import fill_form
from tests.plugin.documents.conftest import talk


@pytest.mark.parametrize("processes", [0, 1], ids=["in-thread", "worker-process"])
def test_readings_match_reading_in_thread(processes: int) -> None:
    filled = fill_form(render_form(talk()), {"goals": "- Mål ett\n- Mål två"},
                       confirm=("employee_confirmed", "manager_confirmed"))
    readers = DocumentWorkers(processes)
    try:
        first, broken = readers.read([filled, b"not a docx at all"])
        assert readers.read([]) == []
    finally:
        readers.close()
    assert first == read_form(filled)
    assert isinstance(broken, DocumentError) and str(broken)


def test_spare_cores_leaves_one_for_the_pass() -> None:
    assert spare_cores() >= 0


@pytest.mark.parametrize("processes", [0, 1], ids=["in-thread", "worker-process"])
def test_rendering_matches_rendering_in_thread(processes: int) -> None:
    contexts = [talk("sv"), talk("en", employee_name="Ann Smith")]
    workers = DocumentWorkers(processes)
    try:
        assert workers.render("form", contexts) == [render_form(c) for c in contexts]
        assert workers.render("prep_guide", []) == []
        with pytest.raises(ValueError):
            workers.render("manager_guide", contexts)
    finally:
        workers.close()
