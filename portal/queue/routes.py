"""Routes of the staff queue and the case page."""

from __future__ import annotations

from portal.queue.actions import case_action, show_contact
from portal.queue.bulk import bulk_action
from portal.queue.case import case_page
from portal.queue.evidence import thumbnail
from portal.queue.listing import export_csv, queue_page, take_next
from portal.routing import route

routes = [
    route("/staff/queue", queue_page, name="queue"),
    route("/staff/queue/export.csv", export_csv, name="queue_export"),
    route("/staff/queue/next", take_next, methods=["POST"], name="queue_next"),
    route("/staff/queue/bulk", bulk_action, methods=["POST"], name="queue_bulk"),
    route("/staff/cases/{reference:str}", case_page, name="case"),
    # Before the generic action route, which would otherwise match "contact".
    route("/staff/cases/{reference:str}/contact", show_contact, methods=["POST"],
          name="case_contact"),
    route("/staff/cases/{reference:str}/{action:str}", case_action, methods=["POST"],
          name="case_action"),
    route("/staff/submissions/{reference:str}/files/{file_id:int}/thumb", thumbnail,
          name="case_thumbnail"),
]
