"""Citizen follow-up (/track): a receipt opens a short server-side session on one case.

Modules: `session` (the citizen session and its cookie), `entry` (the receipt form,
throttling, sign-out), `case` (the case page and its forms), `uploads` (streamed
follow-up files), `staff_files` (the staff download route), `routes`.
"""
