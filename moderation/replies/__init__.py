"""Public replies (回复公开): a concluded case, published with the citizen's consent as a
staff-written summary and the official reply, never the citizen's own words.

Modules, one job each:
- `models`: the `PublicReply` table and its states.
- `transitions`: the state machine as data, and `allowed_steps` for the UI.
- `service`: write, approve (publishes), unpublish; the citizen's withdrawal.
- `queries`: what the public pages read (published replies only).
Nothing here commits and nothing imports Starlette.
"""
