"""Staff sign-in, sign-out, my account and the staff home page."""

from __future__ import annotations

from portal.accounts import account, login
from portal.accounts.dashboard import dashboard
from portal.roles import PUBLIC, STAFF
from portal.routing import route

routes = [
    route("/staff/", dashboard, roles=STAFF, name="staff_dashboard"),
    route("/staff/login", login.login_form, roles=PUBLIC, name="login"),
    route("/staff/login", login.login_submit, roles=PUBLIC, methods=["POST"], name="login_submit"),
    route("/staff/login/totp", login.totp_form, roles=PUBLIC, name="login_totp"),
    route("/staff/login/totp", login.totp_submit, roles=PUBLIC, methods=["POST"],
          name="login_totp_submit"),
    route("/staff/logout", login.logout, roles=PUBLIC, methods=["POST"], name="logout"),
    route("/staff/account", account.account, roles=STAFF, name="account"),
    route("/staff/account/password", account.change_password, roles=STAFF, methods=["POST"],
          name="account_password"),
    route("/staff/account/totp", account.totp_enrol, roles=STAFF, totp_enrolment=True,
          name="account_totp"),
    route("/staff/account/totp", account.totp_confirm, roles=STAFF, totp_enrolment=True,
          methods=["POST"],
          name="account_totp_confirm"),
    route("/staff/account/totp/disable", account.totp_disable, roles=STAFF, methods=["POST"],
          name="account_totp_disable"),
]
