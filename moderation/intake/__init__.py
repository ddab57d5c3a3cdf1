"""Citizen intake: tips and suggestions, receipts, encrypted evidence, statutory clocks.

Modules, one job each:
- `models`: the tables (Category, Submission, SubmissionFile, CaseMessage, ...).
- `keys`: every key, derived per purpose from the secret key (HKDF).
- `receipts`: receipt codes, signed form nonces, keyed hashes (idempotency).
- `crypto`: data keys wrapped by the master key; sealed values; chunked file streams.
- `filetypes`, `files`, `sanitize*`, `storage`: uploads typed by content, stripped of
  metadata, encrypted at rest; reading back, erasing, cleaning leftovers.
- `deadlines`: the statutory clocks; `proof`: signed proof of submission.
- `validation`, `service`: `submit_tip`, `submit_suggestion`, `register_by_phone`,
  `find_by_receipt`.
- `messages`: English message ids the web layer translates.
"""
