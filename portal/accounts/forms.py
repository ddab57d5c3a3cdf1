"""Small helpers for reading and checking staff forms."""

from __future__ import annotations

from annotated_types import MaxLen
from sqlmodel import SQLModel
from starlette.datastructures import FormData

from portal.locale_context import lazy_gettext as N_

REQUIRED = N_("This field is required.")
TOO_LONG = N_("This is too long.")


def max_length(model: type[SQLModel], field: str) -> int | None:
    """The `max_length` declared on a model field, if any."""
    for item in model.model_fields[field].metadata:
        if isinstance(item, MaxLen):
            return item.max_length
    return None


def text(form: FormData, name: str) -> str:
    """A text field, stripped; '' when absent or not text (e.g. a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def raw(form: FormData, name: str) -> str:
    """A text field exactly as sent (passwords keep their spaces)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def checked(form: FormData, name: str) -> bool:
    """True when a checkbox was ticked."""
    return form.get(name) is not None


def check_text(errors: dict[str, str], name: str, value: str, limit: int | None, *,
               required: bool = True) -> None:
    """Add an error for `name` when `value` is missing or longer than `limit`."""
    if required and not value:
        errors[name] = REQUIRED
    elif limit is not None and len(value) > limit:
        errors[name] = TOO_LONG
