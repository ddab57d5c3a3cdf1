"""Operations: key checks and rotation, backup and restore, retention, health."""
