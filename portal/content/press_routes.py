"""Press staff routes (to be filled in)."""

routes: list = []
