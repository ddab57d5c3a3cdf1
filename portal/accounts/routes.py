"""Staff sign-in, sign-out, my account and the staff home page."""

from __future__ import annotations

from portal.accounts import account, login
from portal.accounts.dashboard import dashboard
from portal.routing import route

routes = [
    route("/staff/", dashboard, name="staff_dashboard"),
    route("/staff/login", login.login_form, name="login"),
    route("/staff/login", login.login_submit, methods=["POST"], name="login_submit"),
    route("/staff/login/totp", login.totp_form, name="login_totp"),
    route("/staff/login/totp", login.totp_submit, methods=["POST"], name="login_totp_submit"),
    route("/staff/logout", login.logout, methods=["POST"], name="logout"),
    route("/staff/account", account.account, name="account"),
    route("/staff/account/password", account.change_password, methods=["POST"],
          name="account_password"),
    route("/staff/account/totp", account.totp_enrol, name="account_totp"),
    route("/staff/account/totp", account.totp_confirm, methods=["POST"],
          name="account_totp_confirm"),
    route("/staff/account/totp/disable", account.totp_disable, methods=["POST"],
          name="account_totp_disable"),
]
