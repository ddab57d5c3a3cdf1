"""Routes of citizen intake and of the hotline intake."""

from __future__ import annotations

from portal.intake.citizen import (
    back_to_form,
    choose,
    receipt,
    suggestion_confirm,
    suggestion_form,
    suggestion_post,
    tip_confirm,
    tip_form,
    tip_post,
)
from portal.intake.hotline import hotline_form, hotline_receipt, hotline_register
from portal.intake.verify import verify_form, verify_posted
from portal.roles import MODERATOR, PUBLIC
from portal.routing import route

# The real caps come from the settings and are enforced while reading the body
# (`IntakeConfig.body_limit`); this ceiling only keeps the route guard out of the way.
STREAM_CEILING = 1 << 40

routes = [
    route("/submit", choose, roles=PUBLIC, name="submit"),
    route("/submit/tip", tip_form, roles=PUBLIC, name="submit_tip"),
    route("/submit/tip", tip_post, roles=PUBLIC,
          methods=["POST"], stream=True, max_body=STREAM_CEILING),
    route("/submit/tip/confirm", back_to_form, roles=PUBLIC),
    route("/submit/tip/confirm", tip_confirm, roles=PUBLIC, methods=["POST"],
          name="submit_tip_confirm"),
    route("/submit/suggestion", suggestion_form, roles=PUBLIC, name="submit_suggestion"),
    route("/submit/suggestion", suggestion_post, roles=PUBLIC, methods=["POST"], stream=True,
          max_body=STREAM_CEILING),
    route("/submit/suggestion/confirm", back_to_form, roles=PUBLIC),
    route("/submit/suggestion/confirm", suggestion_confirm, roles=PUBLIC, methods=["POST"],
          name="submit_suggestion_confirm"),
    route("/submit/receipt", receipt, roles=PUBLIC, name="submit_receipt"),
    route("/verify", verify_form, roles=PUBLIC, name="verify"),
    route("/verify", verify_posted, roles=PUBLIC, methods=["POST"]),
    route("/staff/intake/new", hotline_form, roles=MODERATOR, name="hotline_new"),
    route("/staff/intake/new", hotline_register, roles=MODERATOR, methods=["POST"], stream=True,
          max_body=STREAM_CEILING),
    route("/staff/intake/receipt", hotline_receipt, roles=MODERATOR,
          name="hotline_receipt"),
]
