"""Citizen intake on the web: the tip and suggestion forms, their confirmation step, the
receipt and proof pages, the public verify page, and the moderators' hotline intake.

Modules, one job each:
- `config`: what the intake pages need (keys, caps, rate limits), built once per app.
- `pending`: a form's files and fields, encrypted, between the form and its confirmation.
- `upload`: reading a streamed multipart form into an upload batch.
- `fields`: form fields to domain input and back (refilling a form).
- `throttle`: rate limits by keyed hashes of the client address.
- `pages`: shared rendering (form pages, receipt, error pages).
- `citizen`, `verify`, `hotline`: the handlers; `routes`: the table.
"""
