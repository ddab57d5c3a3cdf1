"""Argon2id password hashing, with rehash-on-login and a dummy verify for unknown users."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.locale_context import lazy_gettext as N_

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Made at the first sign-in, not at import: hashing takes Argon2's 64 MiB, and a worker
# that never signs anyone in should not carry that peak.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("minsheng-dummy-password-for-timing")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    """An Argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if `password` matches; an unknown user (None) costs the same time and fails."""
    dummy = _dummy_hash()  # first, so the first unknown user costs no more than others
    try:
        return _hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, username: str = "") -> str | None:
    """A message id describing why `password` is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Use at least 12 characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        return N_("That password is too long.")
    if username and username.lower() in password.lower():
        return N_("The password must not contain the user name.")
    return None
