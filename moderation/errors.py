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
    """Someone else changed the object since the actor loaded it."""


class ValidationFailed(DomainError):
    """Input failed validation; `errors` maps a field name to a message id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
