"""The domain of submissions, the queue, the rectification tracker and the audit log.

Nothing here imports Starlette: functions take a database session, plain values,
an actor and a clock, and raise the errors in `moderation.errors`.
"""
