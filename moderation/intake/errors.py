"""Errors of intake; each carries an English message id the web layer translates."""

from __future__ import annotations

from moderation.errors import DomainError
from moderation.intake import messages


class FormTokenInvalid(DomainError):
    """The form's signed nonce is forged, malformed or expired (`expired` says which)."""

    def __init__(self, *, expired: bool) -> None:
        self.expired = expired
        self.message = messages.FORM_EXPIRED if expired else messages.FORM_INVALID
        super().__init__(self.message)


class FormReused(DomainError):
    """The same form nonce came back with different content."""

    message = messages.FORM_REUSED


class FileRejected(DomainError):
    """An upload was refused; `code` is stable, `message` an English message id."""

    def __init__(self, code: str, file_index: int | None = None) -> None:
        self.code = code
        self.file_index = file_index
        self.message = messages.FILE_MESSAGES[code]
        super().__init__(f"{code}: {self.message}")

    def __reduce__(self) -> tuple[type[FileRejected], tuple[str, int | None]]:
        # Raised in the cleaning worker and re-raised in the server: must pickle.
        return (FileRejected, (self.code, self.file_index))
