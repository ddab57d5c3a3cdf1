"""TOTP two-factor sign-in (RFC 6238 via pyotp): secrets, codes without replay, QR codes."""

from __future__ import annotations

import base64
import hmac
import os
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from markupsafe import Markup
from sqlmodel import Session, col, or_, update

from moderation.audit import record
from moderation.clock import Clock
from moderation.intake.keys import hkdf
from moderation.roles import Actor
from portal.accounts.models import StaffUser

INTERVAL = 30
VALID_WINDOW = 1  # accept the previous and the next step too (clock drift)
SVG_NS = "http://www.w3.org/2000/svg"
_CODE = re.compile(r"\d{6}")
SEALED_PREFIX = "v1."


def sealing_key(settings: object) -> bytes:
    """The key that encrypts TOTP secrets at rest (ENCRYPTION_KEY, else SECRET_KEY)."""
    root = getattr(settings, "encryption_key", "") or settings.secret_key  # type: ignore[attr-defined]
    return hkdf(root.encode(), "minsheng.totp-secret.v1")


def opening_keys(settings: object) -> list[bytes]:
    """Keys that may open a stored secret: the current one, then (during a key rotation)
    the one derived from ENCRYPTION_KEY_PREVIOUS."""
    keys = [sealing_key(settings)]
    previous = getattr(settings, "encryption_key_previous", "")
    if previous:
        keys.append(hkdf(previous.encode(), "minsheng.totp-secret.v1"))
    return keys


def unseal_any(keys: list[bytes], stored: str) -> str | None:
    """The secret opened by the first key of `keys` that can, or None."""
    for key in keys:
        secret = unseal(key, stored)
        if secret is not None:
            return secret
    return None


def seal(key: bytes, secret: str) -> str:
    """The secret encrypted (AES-GCM) for storage: a database dump does not reveal it."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), SEALED_PREFIX.encode())
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: bytes, stored: str) -> str | None:
    """The secret from its stored form, or None when it cannot be opened with `key`."""
    if not stored.startswith(SEALED_PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX):])
        return AESGCM(key).decrypt(raw[:12], raw[12:], SEALED_PREFIX.encode()).decode()
    except (ValueError, InvalidTag):
        return None


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=INTERVAL).provisioning_uri(name=username,
                                                                 issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def normalise_code(raw: str) -> str | None:
    """The six digits of a typed code (spaces ignored), or None if it is not one."""
    code = re.sub(r"\s", "", raw or "")
    return code if _CODE.fullmatch(code) else None


def matching_step(secret: str | None, code: str | None, now: datetime,
                  after_step: int | None = None) -> int | None:
    """The time step in the window that `code` belongs to, if later than `after_step`."""
    if code is None or secret is None:
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue  # a code once accepted (or an older one) is never accepted again
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def claim_step(db: Session, user_id: int, step: int) -> bool:
    """Record `step` as the user's last accepted step, unless an equal or later step
    was already accepted; a single conditional UPDATE, so two requests cannot both win."""
    result = db.exec(  # type: ignore[call-overload]
        update(StaffUser)
        .where(col(StaffUser.id) == user_id)
        .where(or_(col(StaffUser.totp_last_step).is_(None), col(StaffUser.totp_last_step) < step))
        .values(totp_last_step=step)
    )
    return result.rowcount == 1


def qr_svg(uri: str, label: str) -> Markup:
    """The QR code of `uri` as inline SVG: one path, no style attributes (strict CSP)."""
    import qrcode  # only when a member of staff sets up sign-in codes: spared otherwise
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    root = ET.fromstring(image.to_string(encoding="unicode"))  # noqa: S314 - our own SVG
    for element in root.iter():
        element.attrib.pop("style", None)
        element.attrib.pop("id", None)  # ids would clash if shown twice on one page
    for size in ("width", "height"):
        root.attrib.pop(size, None)  # sized by the stylesheet
    root.set("class", "totp-qr")
    root.set("role", "img")
    root.set("aria-label", label)
    background = ET.Element(f"{{{SVG_NS}}}rect", {"width": "100%", "height": "100%",
                                                   "fill": "#ffffff"})
    root.insert(0, background)
    ET.register_namespace("", SVG_NS)
    return Markup(ET.tostring(root, encoding="unicode"))  # noqa: S704 - built from our own tree


def turn_off(db: Session, actor: Actor, user: StaffUser, action: str, clock: Clock) -> None:
    """Turn two-factor sign-in off for `user`, audited as `action` (does not commit)."""
    user.totp_secret, user.totp_last_step = None, None
    db.add(user)
    record(db, actor, action, "staffuser", user.id,
           before={"totp_enabled": True}, after={"totp_enabled": False}, clock=clock)
