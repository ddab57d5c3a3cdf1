"""The staff queue on the web (issue 4): queue pages, the case page, actions, export.

Modules, one job each: `labels` (translated enum labels), `common` (loading, parsing,
error pages), `listing` (queue page, next item, export), `case` (the case page),
`forms` (form values per action), `actions` (POST of one action), `bulk`, `conflict`,
`header` (staff header counters), `digest` (daily counts e-mail), `routes`.
Handlers stay thin: parse, call `moderation.workflow` / `moderation.queue`, render.
"""
