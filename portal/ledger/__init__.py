"""Web pages of the rectification ledger: public list and item pages, staff editing,
import and export. Every write goes through `moderation.ledger` (audited)."""
