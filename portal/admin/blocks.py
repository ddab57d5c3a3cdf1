"""Admin page of sign-in blocks: who is refused now, and lifting a block (audited)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from portal.accounts import throttle
from portal.accounts.permissions import actor_of, staff_user
from portal.routing import read_form
from portal.templating import render
from portal.web import clock, db_session, redirect

BLOCKS_PATH = "/staff/admin/sign-in-blocks"
KEY_MAX = 64


def block_list(request: Request) -> Response:
    """Every sign-in counter that refuses attempts now, with a button to lift each."""
    with db_session(request) as db:
        blocks = throttle.current_blocks(request, db)
        db.commit()
    return render(request, "admin/sign_in_blocks.html", {
        "blocks": blocks, "done": request.query_params.get("done", ""),
    })


async def block_lift(request: Request) -> Response:
    """Lift one block; record who lifted what (the account name when known, never an
    address: the block's key is a keyed hash)."""
    form = await read_form(request)
    key = form.get("key")
    key = key if isinstance(key, str) and len(key) <= KEY_MAX else ""
    with db_session(request) as db:
        named = {b.key: b.username for b in throttle.current_blocks(request, db)}
        row = throttle.lift_block(db, key) if key else None
        if row is None:
            db.commit()
            return redirect(f"{BLOCKS_PATH}?done=gone")
        record(db, actor_of(staff_user(request)), "security.sign_in_block_lifted",
               "ratecounter", key[:16], before={"scope": row.scope, "count": row.count,
                                                "account": named.get(key)},
               clock=clock(request))
        db.commit()
    return redirect(f"{BLOCKS_PATH}?done=lifted")
