"""The router tries the hot citizen routes first: every path still reaches the route it
reached in the areas' own order."""

from __future__ import annotations

import pytest
from starlette.routing import Match

from portal.app import HOT_PATHS, all_routes


def _chosen(routes: list, path: str, method: str) -> object | None:
    scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
    return next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_hot_paths_reach_the_same_route_as_in_area_order(method: str) -> None:
    import portal.app as app_module

    ordered = all_routes()
    original = app_module.hot_first
    app_module.hot_first = lambda routes: routes  # type: ignore[assignment]
    try:
        in_area_order = all_routes()
    finally:
        app_module.hot_first = original
    for path in sorted(HOT_PATHS):
        assert _chosen(ordered, path, method) is _chosen(in_area_order, path, method), path
    hot = [getattr(r, "path", None) in HOT_PATHS for r in ordered]
    assert hot == sorted(hot, reverse=True), "the hot routes come first"
