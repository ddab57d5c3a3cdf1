"""Routes of the staff queue and the case page."""

from __future__ import annotations

from portal.queue.actions import case_action, show_contact
from portal.queue.bulk import bulk_action
from portal.queue.case import case_page
from portal.queue.listing import export_csv, queue_page, take_next
from portal.roles import CASE_WRITERS, MODERATOR, QUEUE, QUEUE_EXPORT
from portal.routing import route

routes = [
    route("/staff/queue", queue_page, roles=QUEUE, name="queue"),
    route("/staff/queue/export.csv", export_csv, roles=QUEUE_EXPORT, name="queue_export"),
    route("/staff/queue/next", take_next, roles=MODERATOR, methods=["POST"], name="queue_next"),
    route("/staff/queue/bulk", bulk_action, roles=MODERATOR, methods=["POST"], name="queue_bulk"),
    route("/staff/cases/{reference:str}", case_page, roles=QUEUE, name="case"),
    # Before the generic action route, which would otherwise match "contact".
    route("/staff/cases/{reference:str}/contact", show_contact, roles=MODERATOR, methods=["POST"],
          name="case_contact"),
    route("/staff/cases/{reference:str}/{action:str}", case_action, roles=CASE_WRITERS,
          methods=["POST"],
          name="case_action"),
]
