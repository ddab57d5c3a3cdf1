"""The rectification ledger (整改台账): chronic problems, their measures and progress.

Modules: `models` (tables), `items` (create, edit, status, progress), `rollup` (weighted
progress of parents), `timeline` (dated entries and staff evidence), `review`
(verification and look-back), `cases` (links to submissions), `queries` (read side for
the web pages), `columns`/`export`/`importer` (CSV and XLSX). Every write takes a
session, an actor and a clock, writes one audit row per changed row and never commits.
"""
