"""Staff accounts: sign-in, sessions, roles, two-factor."""
