"""Admin pages: staff accounts, the organisation tree and the security policy."""

from __future__ import annotations

from portal.admin import blocks, policy, retention, units, users
from portal.roles import ADMIN
from portal.routing import route

routes = [
    route("/staff/admin/users", users.user_list, roles=ADMIN, name="admin_users"),
    route("/staff/admin/users/new", users.user_new, roles=ADMIN, name="admin_user_new"),
    route("/staff/admin/users/new", users.user_create, roles=ADMIN, methods=["POST"],
          name="admin_user_create"),
    route("/staff/admin/users/{user_id:int}", users.user_edit, roles=ADMIN, name="admin_user_edit"),
    route("/staff/admin/users/{user_id:int}", users.user_update, roles=ADMIN, methods=["POST"],
          name="admin_user_update"),
    route("/staff/admin/users/{user_id:int}/password", users.user_reset_password, roles=ADMIN,
          methods=["POST"], name="admin_user_password"),
    route("/staff/admin/users/{user_id:int}/totp-reset", users.user_reset_totp, roles=ADMIN,
          methods=["POST"], name="admin_user_totp_reset"),
    route("/staff/admin/units", units.unit_list, roles=ADMIN, name="admin_units"),
    route("/staff/admin/units/new", units.unit_new, roles=ADMIN, name="admin_unit_new"),
    route("/staff/admin/units/new", units.unit_create, roles=ADMIN, methods=["POST"],
          name="admin_unit_create"),
    route("/staff/admin/units/{unit_id:int}", units.unit_edit, roles=ADMIN, name="admin_unit_edit"),
    route("/staff/admin/units/{unit_id:int}", units.unit_update, roles=ADMIN, methods=["POST"],
          name="admin_unit_update"),
    route("/staff/admin/policy", policy.policy_form, roles=ADMIN, name="admin_policy"),
    route("/staff/admin/policy", policy.policy_save, roles=ADMIN, methods=["POST"],
          name="admin_policy_save"),
    route(blocks.BLOCKS_PATH, blocks.block_list, roles=ADMIN, name="admin_sign_in_blocks"),
    route(f"{blocks.BLOCKS_PATH}/lift", blocks.block_lift, roles=ADMIN, methods=["POST"],
          name="admin_sign_in_block_lift"),
    route("/staff/admin/retention", retention.retention_form, roles=ADMIN,
          name="admin_retention"),
    route("/staff/admin/retention", retention.retention_save, roles=ADMIN, methods=["POST"],
          name="admin_retention_save"),
]
