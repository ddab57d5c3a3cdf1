"""Routes of the ledger (public and staff), the statistics and the leaders' dashboard."""

from __future__ import annotations

from portal.leaders.dashboard import routes as leader_routes
from portal.ledger import actions, staff, transfer
from portal.ledger.public import ledger_item, ledger_list
from portal.routing import route
from portal.stats_pages.pages import routes as stats_routes

BASE = "/staff/ledger"
ITEM = BASE + "/{item_id:int}"
POST = ("POST",)

routes = [
    route("/ledger", ledger_list, name="ledger"),
    route("/ledger/{item_id:int}", ledger_item, name="ledger_item"),
    *stats_routes,
    route(BASE, staff.staff_list, name="staff_ledger"),
    route(f"{BASE}/new", staff.item_new, name="staff_ledger_new"),
    route(f"{BASE}/new", staff.item_create, methods=POST, name="staff_ledger_create"),
    route(BASE + "/from-case/{reference:str}", staff.item_from_case, methods=POST,
          name="staff_ledger_from_case"),
    route(f"{BASE}/export.csv", transfer.export_ledger_csv, name="staff_ledger_csv"),
    route(f"{BASE}/export.xlsx", transfer.export_ledger_xlsx, name="staff_ledger_xlsx"),
    route(f"{BASE}/import", transfer.import_form, name="staff_ledger_import"),
    route(f"{BASE}/import", transfer.import_post, methods=POST, name="staff_ledger_import_post",
          max_body=transfer.IMPORT_MAX_BYTES + 64 * 1024, max_files=1),
    route(BASE + "/evidence/{evidence_id:int}", staff.evidence_download,
          name="staff_ledger_evidence"),
    route(ITEM, staff.staff_item, name="staff_ledger_item"),
    route(f"{ITEM}/edit", staff.item_edit, name="staff_ledger_edit"),
    route(f"{ITEM}/edit", staff.item_update, methods=POST, name="staff_ledger_update"),
    route(f"{ITEM}/status", actions.post_status, methods=POST, name="staff_ledger_status"),
    route(f"{ITEM}/progress", actions.post_progress, methods=POST,
          name="staff_ledger_progress"),
    route(f"{ITEM}/entries", actions.post_entry, methods=POST, name="staff_ledger_entry",
          max_body=actions.EVIDENCE_MAX_BYTES + 256 * 1024, max_files=1),
    route(f"{ITEM}/mechanisms", actions.post_mechanism, methods=POST,
          name="staff_ledger_mechanism"),
    route(f"{ITEM}/verify", actions.post_verify, methods=POST, name="staff_ledger_verify"),
    route(f"{ITEM}/lookbacks", actions.post_schedule, methods=POST,
          name="staff_ledger_schedule"),
    route(BASE + "/lookbacks/{lookback_id:int}", actions.post_lookback, methods=POST,
          name="staff_ledger_lookback"),
    route(f"{ITEM}/cases", actions.post_link, methods=POST, name="staff_ledger_link"),
    route(f"{ITEM}/cases/unlink", actions.post_unlink, methods=POST,
          name="staff_ledger_unlink"),
    *leader_routes,
]
