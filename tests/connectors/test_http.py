"""GraphHttp on the wire: retries, Retry-After, deadlines, 401 refresh, headers, logging, paging."""
from __future__ import annotations

import logging
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses

from connectors.graph import errors
from connectors.graph.auth import StaticTokenProvider
from connectors.graph.http import GraphHttp
from connectors.graph.http_workloads import ConcurrencyLimiter, mailbox_of
from connectors.graph.retry import RetryPolicy, parse_retry_after

from .conftest import GRAPH, TOKEN

THROTTLED = {"error": {"code": "TooManyRequests", "message": "Please retry again later.",
                       "innerError": {"code": "429", "request-id": "rid-429", "status": "429"}}}


def test_every_call_has_timeout_user_agent_and_client_request_id(http, rsps):
    rsps.get(f"{GRAPH}/users/u1", json={"id": "u1"}, headers={"request-id": "r1"})
    http.get("/users/u1")
    call = rsps.calls[0]
    assert call.request.req_kwargs["timeout"] == http.timeout
    assert call.request.headers["User-Agent"].startswith("NONISV|samtal|samtal/")
    assert len(call.request.headers["client-request-id"]) == 36
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("value, expected", [("7", 7.0), ("2.128", 2.128), ("0.249", 0.249),
                                             ("30,120", 120.0), ("", None), ("soon", None)])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = datetime(2027, 2, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=9), usegmt=True), now=now) == 9
    assert parse_retry_after(format_datetime(now - timedelta(seconds=9), usegmt=True), now=now) == 0


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
def test_429_is_retried_after_decimal_retry_after_for_every_method(http, rsps, clock, method):
    url = f"{GRAPH}/sites/s/lists/l/items/1/fields"
    rsps.add(method, url, status=429, json=THROTTLED, headers={"Retry-After": "2.128"})
    rsps.add(method, url, json={"ok": True})
    assert http.request(method, "/sites/s/lists/l/items/1/fields", json={"a": 1}).body == {"ok": True}
    assert clock.sleeps == [2.128]
    assert len(rsps.calls) == 2


def test_http_date_retry_after_is_waited_for(http, rsps, clock):
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    rsps.get(f"{GRAPH}/users", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    rsps.get(f"{GRAPH}/users", json={"value": []})
    http.get("/users")
    assert 27 <= clock.sleeps[0] <= 31


def test_429_without_retry_after_backs_off_exponentially_with_jitter(http, rsps, clock):
    for _ in range(3):
        rsps.get(f"{GRAPH}/users", status=429, json=THROTTLED)
    rsps.get(f"{GRAPH}/users", json={"value": []})
    http.get("/users")
    assert len(clock.sleeps) == 3
    assert 0.25 <= clock.sleeps[0] <= 0.5 and 0.5 <= clock.sleeps[1] <= 1.0 and 1.0 <= clock.sleeps[2] <= 2.0


def test_500_retried_for_get_but_not_for_post(http, rsps):
    rsps.get(f"{GRAPH}/users/u1", status=500)
    rsps.get(f"{GRAPH}/users/u1", json={"id": "u1"})
    assert http.get("/users/u1").body == {"id": "u1"}
    rsps.post(f"{GRAPH}/users/u1/events", status=500, json={"error": {"code": "generalException", "message": "boom"}})
    with pytest.raises(errors.ServerError) as info:
        http.post("/users/u1/events", json={})
    assert info.value.outcome is errors.Outcome.PERMANENT
    assert sum(1 for c in rsps.calls if c.request.method == "POST") == 1


def test_504_retried_and_the_answer_returned(http, rsps):
    rsps.get(f"{GRAPH}/users", status=504)
    rsps.get(f"{GRAPH}/users", json={"value": [1]})
    assert http.get("/users").body == {"value": [1]}


def test_connection_reset_retried_for_get(http, rsps):
    rsps.get(f"{GRAPH}/users/u1", body=requests.ConnectionError("Connection reset by peer"))
    rsps.get(f"{GRAPH}/users/u1", json={"id": "u1"})
    assert http.get("/users/u1").body == {"id": "u1"}


def test_post_that_may_have_reached_graph_is_not_resent(http, rsps):
    rsps.post(f"{GRAPH}/users/u1/events", body=requests.ConnectionError("server disconnected"))
    with pytest.raises(errors.TransportError) as info:
        http.post("/users/u1/events", json={"subject": "x"})
    assert info.value.maybe_applied
    assert len(rsps.calls) == 1


def test_post_that_never_connected_is_resent(http, rsps):
    rsps.post(f"{GRAPH}/users/u1/events", body=requests.ConnectTimeout("connect timeout"))
    rsps.post(f"{GRAPH}/users/u1/events", json={"id": "e1"}, status=201)
    assert http.post("/users/u1/events", json={}).status == 201


def test_retry_after_beyond_the_deadline_fails_loudly_with_request_id(rsps, clock):
    http = GraphHttp(GRAPH, StaticTokenProvider("t"), requests.Session(),
                     policy=RetryPolicy(deadline=300), sleep=clock.sleep, clock=clock)
    rsps.get(f"{GRAPH}/users", status=429, json=THROTTLED,
             headers={"Retry-After": "120", "request-id": "rid-429"})
    with pytest.raises(errors.Throttled) as info:
        http.get("/users")
    assert info.value.retry_after == 120
    assert info.value.request_id == "rid-429"
    assert "still throttled" in str(info.value)
    assert clock.sleeps == [120, 120]  # waited as told twice, then the third wait would pass 300 s


def test_transport_errors_stop_at_max_attempts(rsps, clock):
    http = GraphHttp(GRAPH, StaticTokenProvider("t"), requests.Session(),
                     policy=RetryPolicy(max_attempts=3), sleep=clock.sleep, clock=clock)
    rsps.get(f"{GRAPH}/users", body=requests.ReadTimeout("read timeout"))
    with pytest.raises(errors.TransportError, match="gave up after 3 attempts"):
        http.get("/users")
    assert len(rsps.calls) == 3


def test_401_refreshes_the_token_once_and_replays(http, rsps, tokens):
    expired = {"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}}
    rsps.get(f"{GRAPH}/users/u1", status=401, json=expired)
    rsps.get(f"{GRAPH}/users/u1", json={"id": "u1"})
    assert http.get("/users/u1").body == {"id": "u1"}
    assert tokens.invalidated == [TOKEN]
    assert rsps.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN}-refreshed-1"


def test_second_401_is_an_unauthorized_error_needing_consent(http, rsps, tokens):
    rsps.get(f"{GRAPH}/users/u1", status=401, json={"error": {"code": "InvalidAuthenticationToken", "message": "no"}})
    with pytest.raises(errors.Unauthorized) as info:
        http.get("/users/u1")
    assert info.value.outcome is errors.Outcome.NEEDS_CONSENT
    assert len(tokens.invalidated) == 1 and len(rsps.calls) == 2


def test_one_info_line_per_call_without_token_or_names(http, rsps, caplog):
    rsps.get(f"{GRAPH}/drives/b!1/root:/Medarbetarsamtal/Åsa Öberg:/children", json={"value": []},
             headers={"request-id": "abc-123"})
    with caplog.at_level(logging.INFO, logger="connectors.graph.http"):
        http.get("/drives/b!1/root:/Medarbetarsamtal/%C3%85sa%20%C3%96berg:/children", params={"$top": 5})
    lines = [r.getMessage() for r in caplog.records if r.name == "connectors.graph.http"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /v1.0/drives/b!1/root:/…:/children?$top 200 ")
    assert "request-id=abc-123" in lines[0]
    assert TOKEN not in caplog.text and "sa" not in lines[0].split("root:")[1].split("children")[0]


def test_paging_follows_next_links_verbatim_through_empty_pages(http, rsps):
    first = f"{GRAPH}/users?$select=id&$top=2"
    page2 = f"{GRAPH}/users?$select=id&$top=2&$skiptoken=RFNwdAIAAQAAAD8"
    page3 = f"{GRAPH}/users?$select=id&$top=2&$skiptoken=X2Z"
    rsps.get(first, json={"value": [{"id": "a"}, {"id": "b"}], "@odata.nextLink": page2})
    rsps.get(page2, json={"value": [], "@odata.nextLink": page3})
    rsps.get(page3, json={"value": [{"id": "c"}], "@odata.nextLink": ""})
    items = list(http.paginate("/users", params={"$select": "id", "$top": 2},
                               headers={"ConsistencyLevel": "eventual"}))
    assert [i["id"] for i in items] == ["a", "b", "c"]
    assert [c.request.url for c in rsps.calls] == [first, page2, page3]
    assert all(c.request.headers["ConsistencyLevel"] == "eventual" for c in rsps.calls)


def test_error_in_the_middle_of_paging_raises_instead_of_truncating(http, rsps):
    rsps.get(f"{GRAPH}/users", json={"value": [{"id": "a"}], "@odata.nextLink": f"{GRAPH}/users?$skiptoken=2"})
    rsps.get(f"{GRAPH}/users?$skiptoken=2", status=403,
             json={"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}})
    got = []
    with pytest.raises(errors.Forbidden) as info:
        for item in http.paginate("/users"):
            got.append(item)
    assert got == [{"id": "a"}]
    assert info.value.outcome is errors.Outcome.NEEDS_CONSENT


def test_mailbox_of_outlook_paths():
    assert mailbox_of("/users/ABC/events/1") == "abc"
    assert mailbox_of("/users/per%40example.se/calendar/getSchedule") == "per@example.se"
    assert mailbox_of("/users/abc/drive") is None


def test_limiter_never_exceeds_four_per_mailbox_under_many_threads():
    limiter = ConcurrencyLimiter(global_limit=16, per_key_limit=4)
    current = {"m1": 0, "m2": 0}
    peak = {"m1": 0, "m2": 0}
    lock = threading.Lock()

    def work(key: str) -> None:
        with limiter.hold({key: 1}):
            with lock:
                current[key] += 1
                peak[key] = max(peak[key], current[key])
            time.sleep(0.01)
            with lock:
                current[key] -= 1

    threads = [threading.Thread(target=work, args=("m1" if i % 3 else "m2",)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Never more than 4 at once; and the limit is not a lock: several do run together.
    assert 2 <= peak["m1"] <= 4 and peak["m2"] <= 4
    assert limiter.max_seen_per_key <= 4


def test_http_limits_concurrent_requests_per_mailbox(rsps, clock):
    http = GraphHttp(GRAPH, StaticTokenProvider("t"), requests.Session(), max_concurrency=32)
    active = 0
    peak = 0
    lock = threading.Lock()

    def slow(request):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.01)
        with lock:
            active -= 1
        return (200, {}, "{}")

    rsps.add_callback(responses.GET, f"{GRAPH}/users/m1/events/e", callback=slow)
    threads = [threading.Thread(target=http.get, args=("/users/m1/events/e",)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 2 <= peak <= 4


def test_workloads():
    from connectors.graph.http_workloads import workload_of
    assert workload_of("/users/AB/events/1") == "mailbox:ab"
    assert workload_of("/users/ab/drive/root:/x:/content") == "files"
    assert workload_of("/drives/b!1/items/2") == "files"
    assert workload_of("/sites/s/lists/l/items") == "sites"
    assert workload_of("/users/ab") == "directory" and workload_of("/users") == "directory"


def test_a_retry_after_holds_every_request_to_that_workload(http, rsps, clock):
    """docs/failures.md#t8: after a 429 with Retry-After, no other request to the workload goes out early."""
    rsps.get(f"{GRAPH}/sites/s/lists/l/items", status=429, json=THROTTLED, headers={"Retry-After": "3"})
    rsps.get(f"{GRAPH}/sites/s/lists/l/items", json={"value": []})
    rsps.get(f"{GRAPH}/sites/s/lists/other", json={"id": "other"})
    rsps.get(f"{GRAPH}/users/u1", json={"id": "u1"})
    http.get("/sites/s/lists/l/items")  # throttled once, waits 3 s (the fake clock), succeeds
    assert clock.sleeps == [3.0]
    http.hold("sites", 5.0)
    http.get("/sites/s/lists/other")  # same workload: waits out the hold first
    assert clock.sleeps == [3.0, 5.0]
    http.hold("sites", 5.0)
    http.get("/users/u1")  # another workload: not held
    assert clock.sleeps == [3.0, 5.0]


@pytest.mark.parametrize("link", [
    "https://evil.example/v1.0/users?$skiptoken=x",              # another host
    "http://graph.microsoft.com/v1.0/users?$skiptoken=x",        # plain http: another scheme
    "https://graph.microsoft.com:8443/v1.0/users?$skiptoken=x",  # another port
    "https://graph.microsoft.com@evil.example/v1.0/users",       # user info: the host is evil.example
    "https://evil.example\\@graph.microsoft.com/v1.0/users",      # parsers disagree on a backslash
    "https://graph.microsoft.com.evil.example/v1.0/users",       # a longer host with the same start
])
def test_a_next_link_to_another_host_is_refused_and_never_gets_the_token(http, rsps, link):
    rsps.get(f"{GRAPH}/users", json={"value": [{"id": "u1"}], "@odata.nextLink": link})
    seen = []
    with pytest.raises(errors.ForeignLink) as err:
        for item in http.paginate("/users"):
            seen.append(item["id"])
    assert seen == ["u1"] and len(rsps.calls) == 1  # the link was never requested
    assert err.value.outcome is errors.Outcome.PERMANENT
    assert "graph.microsoft.com" in str(err.value) and "not followed" in str(err.value)
    assert TOKEN not in str(err.value)


def test_a_next_link_on_the_same_host_and_port_is_followed(http, rsps):
    rsps.get(f"{GRAPH}/users", json={"value": [{"id": "u1"}],
                                     "@odata.nextLink": "https://graph.microsoft.com:443/beta/users?$skiptoken=2"})
    rsps.get("https://graph.microsoft.com:443/beta/users?$skiptoken=2", json={"value": [{"id": "u2"}]})
    assert [u["id"] for u in http.paginate("/users")] == ["u1", "u2"]
    assert rsps.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_an_authenticated_request_to_another_host_is_refused_but_a_pre_authenticated_one_is_sent(http, rsps):
    with pytest.raises(errors.ForeignLink):
        http.get("https://contoso-my.sharepoint.com/_layouts/15/download.aspx?tempauth=x")
    assert len(rsps.calls) == 0
    rsps.get("https://contoso-my.sharepoint.com/_layouts/15/download.aspx?tempauth=x", body=b"bytes")
    assert http.get("https://contoso-my.sharepoint.com/_layouts/15/download.aspx?tempauth=x",
                    authenticated=False).content == b"bytes"
    assert "Authorization" not in rsps.calls[0].request.headers


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_port_is_given_up_within_seconds_naming_the_host(tokens):
    port = _closed_port()
    http = GraphHttp(f"http://127.0.0.1:{port}/v1.0", tokens, requests.Session())
    started = time.monotonic()
    with pytest.raises(errors.Unreachable) as err:
        http.get("/users")
    assert time.monotonic() - started < 5
    text = str(err.value)
    assert f"cannot reach http://127.0.0.1:{port}: connection refused (gave up after 3 attempts)" in text
    assert "tenant.graph_url" in text and err.value.outcome is errors.Outcome.RETRY


def _dns_failure() -> requests.ConnectionError:
    import socket
    from urllib3.exceptions import MaxRetryError, NameResolutionError

    reason = NameResolutionError("graph.example.invalid", None, socket.gaierror(-2, "Name or service not known"))
    return requests.ConnectionError(MaxRetryError(None, "/v1.0/users", reason))


def _tls_failure() -> requests.exceptions.SSLError:
    import ssl
    from urllib3.exceptions import MaxRetryError, SSLError

    inner = SSLError(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"))
    return requests.exceptions.SSLError(MaxRetryError(None, "/v1.0/users", inner))


@pytest.mark.parametrize(("failure", "words"), [
    (_dns_failure, "the host name does not resolve"),
    (_tls_failure, "the TLS handshake failed"),
    (lambda: requests.ConnectTimeout("timed out"), "no connection within the connect timeout"),
])
def test_a_host_that_cannot_be_reached_is_tried_three_times_quickly(http, rsps, clock, failure, words):
    for _ in range(5):
        rsps.get(f"{GRAPH}/users", body=failure())
    with pytest.raises(errors.Unreachable) as err:
        http.get("/users")
    assert len(rsps.calls) == 3 and sum(clock.sleeps) < 3
    assert f"cannot reach https://graph.microsoft.com: {words}" in str(err.value)
    assert not err.value.maybe_applied


def test_a_dropped_connection_keeps_the_patient_retries(http, rsps, clock):
    for _ in range(12):
        rsps.get(f"{GRAPH}/users", body=requests.ConnectionError("('Connection aborted.', RemoteDisconnected())"))
    with pytest.raises(errors.TransportError) as err:
        http.get("/users")
    assert not isinstance(err.value, errors.Unreachable)
    assert len(rsps.calls) == 10 and "gave up after 10 attempts" in str(err.value)


def test_an_unreachable_host_between_answers_counts_again_from_zero(http, rsps, clock):
    for body in (_dns_failure(), _dns_failure(), None, _dns_failure(), _dns_failure(), None):
        if body is None:
            rsps.get(f"{GRAPH}/users", status=503)
        else:
            rsps.get(f"{GRAPH}/users", body=body)
    rsps.get(f"{GRAPH}/users", json={"value": []})
    assert http.get("/users").status == 200 and len(rsps.calls) == 7


def test_long_waits_are_told_once_and_short_ones_not(rsps, clock, tokens):
    from connectors.graph.reach import WaitNotices

    told: list[str] = []
    http = GraphHttp(GRAPH, tokens, requests.Session(), sleep=clock.sleep, clock=clock, rng=__import__("random").Random(7),
                     notices=WaitNotices(told.append, clock=clock))
    rsps.get(f"{GRAPH}/users", status=429, json=THROTTLED, headers={"Retry-After": "2"})
    rsps.get(f"{GRAPH}/users", status=429, json=THROTTLED, headers={"Retry-After": "30"})
    rsps.get(f"{GRAPH}/users", status=503)
    rsps.get(f"{GRAPH}/users", json={"value": []})
    http.get("/users")
    assert told == ["waiting 30 s: Graph asked to slow down (429, the directory); attempt 3 of 10"]
    rsps.get(f"{GRAPH}/drives/d/root", status=503, headers={"Retry-After": "12"})
    rsps.get(f"{GRAPH}/drives/d/root", json={"id": "r"})
    http.get("/drives/d/root")
    assert told[1:] == ["waiting 12 s: Graph asked to slow down (503, OneDrive and SharePoint files); attempt 2 of 10"]


def test_wait_notices_tell_a_wait_shared_by_many_threads_once():
    from connectors.graph.reach import WaitNotices

    now = [100.0]
    told: list[str] = []
    notices = WaitNotices(told.append, clock=lambda: now[0])
    for _ in range(16):  # every worker held by the same Retry-After
        notices.waiting(30.0, "Graph asked to slow down (429, a mailbox)")
    notices.waiting(4.9, "short")
    now[0] += 29.5
    notices.waiting(30.0, "Graph asked to slow down (429, a mailbox)")  # a new wait after the first
    assert told == ["waiting 30 s: Graph asked to slow down (429, a mailbox)"] * 2
