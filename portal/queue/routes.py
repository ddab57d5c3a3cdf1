"""Routes of the staff queue and the case page."""

from __future__ import annotations

from portal.queue.actions import case_action, show_contact
from portal.queue.bulk import bulk_action
from portal.queue.case import case_page
from portal.queue.listing import export_csv, queue_page, take_next
from portal.queue.public_replies_list import public_replies_page
from portal.queue.reply_actions import reply_step
from portal.roles import CASE_WRITERS, MODERATOR, QUEUE, QUEUE_EXPORT
from portal.routing import route

routes = [
    route("/staff/queue", queue_page, roles=QUEUE, name="queue"),
    route("/staff/queue/export.csv", export_csv, roles=QUEUE_EXPORT, name="queue_export"),
    route("/staff/queue/next", take_next, roles=MODERATOR, methods=["POST"], name="queue_next"),
    route("/staff/queue/bulk", bulk_action, roles=MODERATOR, methods=["POST"], name="queue_bulk"),
    route("/staff/cases/{reference:str}", case_page, roles=QUEUE, name="case"),
    route("/staff/public-replies", public_replies_page, roles=MODERATOR,
          name="staff_public_replies"),
    # Before the generic action route, which would otherwise match "contact".
    route("/staff/cases/{reference:str}/contact", show_contact, roles=MODERATOR, methods=["POST"],
          name="case_contact"),
    route("/staff/cases/{reference:str}/{action:str}", case_action, roles=CASE_WRITERS,
          methods=["POST"],
          name="case_action"),
    route("/staff/cases/{reference:str}/public-reply/{step:str}", reply_step,
          roles=CASE_WRITERS, methods=["POST"], name="case_public_reply"),
]
