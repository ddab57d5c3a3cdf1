"""Routes of the ledger (public and staff), the statistics and the leaders' dashboard."""

from __future__ import annotations

from portal.leaders.dashboard import routes as leader_routes
from portal.ledger import actions, staff, transfer
from portal.ledger.public import ledger_item, ledger_list
from portal.roles import LEDGER_EDIT, LEDGER_EXPORT, LEDGER_READ, MODERATOR, PUBLIC
from portal.routing import route
from portal.stats_pages.pages import routes as stats_routes

BASE = "/staff/ledger"
ITEM = BASE + "/{item_id:int}"
POST = ("POST",)

routes = [
    route("/ledger", ledger_list, roles=PUBLIC, name="ledger"),
    route("/ledger/{item_id:int}", ledger_item, roles=PUBLIC, name="ledger_item"),
    *stats_routes,
    route(BASE, staff.staff_list, roles=LEDGER_READ, name="staff_ledger"),
    route(f"{BASE}/new", staff.item_new, roles=LEDGER_EDIT, name="staff_ledger_new"),
    route(f"{BASE}/new", staff.item_create, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_create"),
    route(BASE + "/from-case/{reference:str}", staff.item_from_case, roles=LEDGER_EDIT,
          methods=POST,
          name="staff_ledger_from_case"),
    route(f"{BASE}/export.csv", transfer.export_ledger_csv, roles=LEDGER_EXPORT,
          name="staff_ledger_csv"),
    route(f"{BASE}/export.xlsx", transfer.export_ledger_xlsx, roles=LEDGER_EXPORT,
          name="staff_ledger_xlsx"),
    route(f"{BASE}/import", transfer.import_form, roles=MODERATOR, name="staff_ledger_import"),
    route(f"{BASE}/import", transfer.import_post, roles=MODERATOR, methods=POST,
          name="staff_ledger_import_post",
          max_body=transfer.IMPORT_MAX_BYTES + 64 * 1024, max_files=1),
    route(BASE + "/evidence/{evidence_id:int}", staff.evidence_download, roles=LEDGER_READ,
          name="staff_ledger_evidence"),
    route(ITEM, staff.staff_item, roles=LEDGER_READ, name="staff_ledger_item"),
    route(f"{ITEM}/edit", staff.item_edit, roles=LEDGER_EDIT, name="staff_ledger_edit"),
    route(f"{ITEM}/edit", staff.item_update, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_update"),
    route(f"{ITEM}/status", actions.post_status, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_status"),
    route(f"{ITEM}/progress", actions.post_progress, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_progress"),
    route(f"{ITEM}/entries", actions.post_entry, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_entry",
          max_body=actions.EVIDENCE_MAX_BYTES + 256 * 1024, max_files=1),
    route(f"{ITEM}/mechanisms", actions.post_mechanism, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_mechanism"),
    route(f"{ITEM}/verify", actions.post_verify, roles=MODERATOR, methods=POST,
          name="staff_ledger_verify"),
    route(f"{ITEM}/lookbacks", actions.post_schedule, roles=MODERATOR, methods=POST,
          name="staff_ledger_schedule"),
    route(BASE + "/lookbacks/{lookback_id:int}", actions.post_lookback, roles=MODERATOR,
          methods=POST,
          name="staff_ledger_lookback"),
    route(f"{ITEM}/cases", actions.post_link, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_link"),
    route(f"{ITEM}/cases/unlink", actions.post_unlink, roles=LEDGER_EDIT, methods=POST,
          name="staff_ledger_unlink"),
    *leader_routes,
]
