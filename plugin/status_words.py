"""What each status of a talk is called in Swedish: one phrase for a status wherever HR reads it,
the report page (:mod:`plugin.report.page`) and the HR and manager digests
(:mod:`plugin.reminders_text`), so that a talk counted under a word in the digest is found under
the same word in the report.

Each phrase says what the status means (docs/records.md#statuses), about one talk ("ett samtal",
hence the neuter forms), and serves as a table's label ("bokat | 12") and in a sentence about a
talk ("Eva Ek: kunde inte bokas"):

- ``scheduled`` *bokat*; ``held`` *genomfört* (the meeting took place); ``filed`` *dokumenterat*
  (both confirmed, the form filed).
- ``declined`` *avböjt*: the employee declined the invitation; the reasons say "medarbetaren
  avböjde mötet" (:mod:`plugin.report.reasons`).
- ``unschedulable`` *kunde inte bokas*: no common time was found; later runs try again, so what
  is said is what happened, not that it never can be.
- ``failed`` *stoppat av ett fel*: samtal stopped because of a problem a person must fix (a
  manager missing in Entra ID, a mailbox, a share, a folder), named in the reason beside it. The
  talk itself has not gone wrong, as "misslyckat samtal" would say to an HR reader, nor is it
  "stuck" ("har fastnat"): it is tried again once the problem is fixed.
- ``excluded`` *undantaget*: out of the round's scope.
"""
from __future__ import annotations

from collections.abc import Mapping

from plugin.records import Status

STATUS_SV: Mapping[Status, str] = {
    Status.SCHEDULED: "bokat", Status.DECLINED: "avböjt", Status.HELD: "genomfört",
    Status.FILED: "dokumenterat", Status.UNSCHEDULABLE: "kunde inte bokas",
    Status.FAILED: "stoppat av ett fel", Status.EXCLUDED: "undantaget",
}
