"""Campaign content: texts, tasks, stages, figures, pledges and announcements."""
