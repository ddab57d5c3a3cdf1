"""Domain errors; the web layer maps each to a 4xx response."""


class DomainError(Exception):
    """Base class: something the user asked for cannot be done."""


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does."""


class NotPermitted(DomainError):
    """The actor's role does not allow this action."""


class InvalidTransition(DomainError):
    """The action is not allowed in the object's current state."""


class StaleVersion(DomainError):
    """Someone else changed the object since the actor loaded it.

    `current` holds the object's current values (never secrets) and `version` its
    current version, so the web layer can show what changed.
    """

    def __init__(self, message: str = "", *, current: dict[str, object] | None = None,
                 version: int | None = None) -> None:
        super().__init__(message or "stale version")
        self.current = current or {}
        self.version = version


class ValidationFailed(DomainError):
    """Input failed validation; `errors` maps a field name to a message id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class AlreadyClaimed(InvalidTransition):
    """Another moderator holds a valid claim on the item (or locks it right now)."""

    def __init__(self, message: str = "", *, claimed_by_id: int | None = None,
                 claimed_until: object = None) -> None:
        super().__init__(message or "already claimed")
        self.claimed_by_id = claimed_by_id
        self.claimed_until = claimed_until


class RoutingRefused(ValidationFailed):
    """A lead may not go to this unit (it would judge itself); `message` is a message id."""

    def __init__(self, message: str, field: str = "responsible_unit_id") -> None:
        super().__init__({field: message})
        self.message = message
