"""Routes of this area (to be filled in)."""

routes: list = []
