"""Aggregates for the public statistics page, the leaders' dashboard and open data.

`report.public_statistics` suppresses small counts (under 5, see `suppress`) and leaves
out internal ledger items; `report.leader_statistics` gives the same figures whole.
`opendata.statistics_csv` writes either as CSV text.
"""
