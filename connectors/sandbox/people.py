"""Acting as the people of a sandbox tenant, through its control routes: an employee answers an
invitation, someone saves a new version of a file. Graph has no route for these (a person does
them in Outlook or Word), so the demo and the end-to-end tests use this client; and reading what
a person received by e-mail."""
from __future__ import annotations

from email import message_from_string
from email.message import EmailMessage
from email.policy import default
from urllib.parse import quote

import requests


class People:
    def __init__(self, server_url: str, session: requests.Session | None = None) -> None:
        self.base = server_url.rstrip("/") + "/_sandbox"
        self.session = session or requests.Session()

    def respond(self, user: str, event_id: str, response: str) -> None:
        """``response``: accept, decline or tentativelyAccept; ``event_id`` may be the
        organizer's event id (the sandbox finds the person's copy)."""
        r = self.session.post(f"{self.base}/events/respond", timeout=30,
                              json={"user": user, "event_id": event_id, "response": response})
        r.raise_for_status()

    def save_file(self, drive_id: str, item_id: str, data: bytes) -> None:
        """A person saves a new version of an existing file (as Word does)."""
        r = self.session.put(f"{self.base}/drives/{quote(drive_id, safe='')}/content",
                             params={"item": item_id}, data=data, timeout=30,
                             headers={"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
        r.raise_for_status()

    def inbox(self, user: str, folder: str = "inbox") -> list[dict[str, object]]:
        """The messages in the person's ``folder`` (``inbox``, ``drafts`` or ``sentitems``), newest
        first, as Graph renders them (what the person received, for tests and the demo), each
        with its extended properties and ``mime``: the MIME ``$value`` gives (read its parts
        with :func:`alternatives`)."""
        r = self.session.get(f"{self.base}/mailboxes/{quote(user, safe='@')}/{folder}", timeout=30)
        r.raise_for_status()
        value: list[dict[str, object]] = r.json()["value"]
        return value

    def stats(self) -> dict[str, object]:
        r = self.session.get(f"{self.base}/stats", timeout=30)
        r.raise_for_status()
        data: dict[str, object] = r.json()
        return data


def alternatives(message: dict[str, object]) -> dict[str, str]:
    """The text parts of a message :meth:`People.inbox` gave, by content type (``text/plain``,
    ``text/html``), decoded: what a mail client shows, in either form."""
    parsed = message_from_string(str(message.get("mime") or ""), policy=default)
    out: dict[str, str] = {}
    for part in parsed.walk():
        if isinstance(part, EmailMessage) and part.get_content_maintype() == "text" and not part.is_attachment():
            out.setdefault(part.get_content_type(), str(part.get_content()))
    return out
