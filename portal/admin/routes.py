"""Admin pages: staff accounts, the organisation tree and the security policy."""

from __future__ import annotations

from portal.admin import policy, units, users
from portal.routing import route

routes = [
    route("/staff/admin/users", users.user_list, name="admin_users"),
    route("/staff/admin/users/new", users.user_new, name="admin_user_new"),
    route("/staff/admin/users/new", users.user_create, methods=["POST"],
          name="admin_user_create"),
    route("/staff/admin/users/{user_id:int}", users.user_edit, name="admin_user_edit"),
    route("/staff/admin/users/{user_id:int}", users.user_update, methods=["POST"],
          name="admin_user_update"),
    route("/staff/admin/users/{user_id:int}/password", users.user_reset_password,
          methods=["POST"], name="admin_user_password"),
    route("/staff/admin/users/{user_id:int}/totp-reset", users.user_reset_totp,
          methods=["POST"], name="admin_user_totp_reset"),
    route("/staff/admin/units", units.unit_list, name="admin_units"),
    route("/staff/admin/units/new", units.unit_new, name="admin_unit_new"),
    route("/staff/admin/units/new", units.unit_create, methods=["POST"],
          name="admin_unit_create"),
    route("/staff/admin/units/{unit_id:int}", units.unit_edit, name="admin_unit_edit"),
    route("/staff/admin/units/{unit_id:int}", units.unit_update, methods=["POST"],
          name="admin_unit_update"),
    route("/staff/admin/policy", policy.policy_form, name="admin_policy"),
    route("/staff/admin/policy", policy.policy_save, methods=["POST"],
          name="admin_policy_save"),
]
