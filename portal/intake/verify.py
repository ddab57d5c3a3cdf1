"""The public verify page: paste a proof of submission, learn whether it is genuine."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.proof import verify_proof
from portal.intake.config import intake_config
from portal.intake.pages import NO_STORE, too_many
from portal.intake.throttle import over_limit
from portal.slotted_pages import render_slotted
from portal.templating import render

PROOF_FIELD = "proof"
PROOF_MAX = 400


async def verify_form(request: Request) -> Response:
    """An empty verify form (rendered once per worker; no database, so no thread)."""
    context = {"proof": "", "checked": False, "statement": None}
    if request.url.query:  # the language switch keeps a query in its link
        return render(request, "intake/verify.html", context, headers=NO_STORE)
    return render_slotted(request, "intake/verify.html", context, sources=(), slots={},
                          headers=NO_STORE)


async def verify_posted(request: Request) -> Response:
    """Check a pasted proof; one changed character makes it fail."""
    decision = await over_limit(request, "verify")
    if decision is not None:
        return too_many(request, decision)
    form = await request.form()
    raw = form.get(PROOF_FIELD)
    text = raw[:PROOF_MAX] if isinstance(raw, str) else ""
    statement = verify_proof(intake_config(request).keys, text)
    return render(request, "intake/verify.html",
                  {"proof": text.strip(), "checked": True, "statement": statement},
                  headers=NO_STORE)
