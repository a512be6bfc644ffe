"""The token endpoint: what MSAL sends for samtal's client credentials keeps Entra ID's documented
form, and the sandbox's token endpoint (HTTPS mode) answers with the documented shape."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msal
import pytest

from connectors.sandbox import Sandbox
from tests.contract.conftest import Recorder, answer_problems, check_answer, contract, request_problems

SEED = Path(__file__).resolve().parents[1] / "sandbox" / "seed.yaml"
APP, SECRET = "11111111-2222-4333-8444-555555555555", "sandbox-test-secret-not-real"


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    with Sandbox.from_seed(SEED).serve(port=0, https=True) as server:
        yield server


def test_msal_asks_for_a_token_as_entra_documents_it_and_the_sandbox_answers_so(served: Any) -> None:
    recorder = Recorder()
    recorder.verify = served.ca_file
    recorder.trust_env = False
    app = msal.ConfidentialClientApplication(APP, client_credential=SECRET, authority=f"{served.url}/example.se",
                                             validate_authority=False, instance_discovery=False,
                                             http_client=recorder)
    result = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
    token, metadata = contract("auth/token"), contract("auth/openid_configuration")
    seen = {c.name: 0 for c in (token, metadata)}
    for ex in recorder.exchanges:
        path = "/" + ex.url.split("/", 3)[3].split("?")[0]
        c = next((c for c in (token, metadata) if c.matches(ex.method, path)), None)
        assert c is not None, f"MSAL made a request no contract describes: {ex.method} {path}"
        seen[c.name] += 1
        assert request_problems(c, ex, served.url) == []
        assert answer_problems(c, ex.answer, ex.status) == []
    assert seen == {"auth/token": 1, "auth/openid_configuration": 1}


def test_the_token_contract_sees_a_wrong_answer() -> None:
    c = contract("auth/token")
    check_answer(c, c.example)
    assert answer_problems(c, {"token_type": "bearer", "expires_in": "3599", "access_token": "x"}) == [
        "answer.token_type: expected one of ['Bearer'], got a string \"bearer\"",
        "answer.expires_in: expected integer, got a string \"3599\""]
