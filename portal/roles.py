"""The named sets of roles that routes declare (`route(..., roles=QUEUE)`).

Least privilege and separation of duties: admins manage accounts and settings but never
read tips; press staff never touch the queue; leaders read and export, never change.
"""

from __future__ import annotations

from moderation.roles import Role
from portal.routing import PUBLIC, STAFF

__all__ = ["ADMIN", "CASE_WRITERS", "LEADERS", "LEDGER_EDIT", "LEDGER_EXPORT", "LEDGER_READ",
           "MODERATOR", "PRESS", "PUBLIC", "QUEUE", "QUEUE_EXPORT", "STAFF"]

ADMIN = frozenset({Role.admin})
PRESS = frozenset({Role.press, Role.admin})
MODERATOR = frozenset({Role.moderator})  # tips are never handled by admins
QUEUE = frozenset({Role.moderator, Role.handler, Role.leader})  # leaders read only
QUEUE_EXPORT = frozenset({Role.moderator, Role.leader})
CASE_WRITERS = frozenset({Role.moderator, Role.handler})
# The ledger: moderators and handlers edit (handlers their unit's items), leaders read and
# export; only moderators verify, look back and import; press staff and admins stay out.
LEDGER_READ = QUEUE
LEDGER_EDIT = CASE_WRITERS
LEDGER_EXPORT = QUEUE_EXPORT
LEADERS = frozenset({Role.leader})
