"""E-mail notices to a member of staff about security changes to their own account.

Sent after the change is committed, only when SMTP is configured and the account has an
e-mail address. A notice names the change, never a password, code or secret, so that an
owner who did not make the change knows to call an administrator.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from portal.accounts.models import StaffUser
from portal.notify import enabled, send_notice
from portal.settings import Settings

CHANGES = {
    "password": ("您的密码已更改", "your password was changed"),
    "totp-on": ("已开启两步验证登录", "two-factor sign-in was turned on"),
    "totp-off": ("已关闭两步验证登录", "two-factor sign-in was turned off"),
    "access": ("管理员更改了您的角色、单位或查看举报人身份的权限",
               "an administrator changed your role, unit or access to reporters' identity"),
    "password-reset": ("管理员重置了您的密码", "an administrator reset your password"),
    "totp-reset": ("管理员重置了您的两步验证登录",
                   "an administrator reset your two-factor sign-in"),
}
BODY = """{user}，您好：

您的民声工作账号发生了以下变更：{zh}。
如果这不是您本人或您知晓的操作，请立即联系系统管理员。

---

Hello {user},

On your Minsheng staff account, {en}.
If you did not make or expect this change, contact your administrator at once.
"""


def security_notice(settings: Settings, user: StaffUser, change: str) -> EmailMessage:
    """The notice of one change (a key of CHANGES) to the account's own address."""
    zh, en = CHANGES[change]
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = user.email or ""
    message["Subject"] = f"民声：账号安全提醒 / Minsheng: {en}"
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(BODY.format(user=user.display_name, zh=zh, en=en))
    return message


def notify_security_change(settings: Settings, user: StaffUser, change: str) -> bool:
    """Send the notice if mail is configured and the account has an address; never raises."""
    if not enabled(settings) or not user.email:
        return False
    try:
        message = security_notice(settings, user, change)
    except (ValueError, TypeError):  # an address the e-mail library refuses
        return False
    return send_notice(settings, message)
