"""The submission workflow: who may do what in which state (issue 4).

Modules, one job each:
- `transitions`: the state machine as data, and `allowed_actions` for the UI.
- `core`: loading with visibility, the version check, the audit row of one transition.
- `claims`: claim, release and `claim_next` (row locks on PostgreSQL).
- `triage`: classify, reject, mark a duplicate, accept, reply; `bulk` applies some per item.
- `routing_rules`: a lead never goes to the unit it is about (unless allowed).
- `handling`: the handler's verification, notes, questions, extension, conclusion.
- `review`: the moderator's decision on a review request or a 不满意 rating.
- `staff`, `inputs`, `messages`, `models` (WorkflowPolicy): small shared pieces.
Citizen follow-up (`moderation.intake.followup`) sets `awaiting_citizen` (question) and
clears it when every question is answered, and sets `needs_decision` on a review
request or a 不满意 rating.
- `identity`: sealed contact details, each view audited.
- `deadlines`: which due date applies, and overdue.
- `duplicates`: both directions of the duplicate link; what the citizen sees.
Nothing here commits and nothing imports Starlette.
"""
