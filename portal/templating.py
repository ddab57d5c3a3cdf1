"""The Jinja environment: autoescaping, gettext, formatting and URL helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from moderation.sqltypes import pick
from portal import i18n
from portal.csrf import CSRF_FIELD, csrf_token
from portal.labels import label
from portal.locale_context import current_locale, gettext, ngettext
from portal.seo import page_links
from portal.static_files import HashedStatic
from portal.template_cache import TemplateBytecodeCache

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def make_templates(static: HashedStatic, settings: Any) -> Jinja2Templates:
    """Build the template renderer used by every handler."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=(TemplateBytecodeCache(settings.template_cache_dir)
                        if settings.template_cache_dir else None),
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        _=gettext,
        static_url=static.url,
        settings=settings,
        CSRF_FIELD=CSRF_FIELD,
        locales=settings.locales,
        html_lang=i18n.html_lang,
        locale_name=i18n.locale_display_name,
        label=label,
    )
    env.filters.update(
        t=lambda text: pick(text, current_locale.get(), settings.default_locale),
        date=lambda value, fmt="long": i18n.fmt_date(value, current_locale.get(), fmt),
        datetime=lambda value, fmt="medium": i18n.fmt_datetime(value, current_locale.get(), fmt),
        number=lambda value: i18n.fmt_number(value, current_locale.get()),
        filesize=lambda value: i18n.fmt_filesize(value, current_locale.get()),
    )
    return Jinja2Templates(env=env, context_processors=[_request_context])


def _request_context(request: Request) -> dict[str, Any]:
    from portal.accounts.sessions import current_user  # avoids an import cycle
    from portal.public.display_mode import is_elder

    locale = request.scope.get("state", {}).get("locale", current_locale.get())
    return {
        "locale": locale,
        "csrf_token": lambda: csrf_token(request),
        "current_user": current_user(request),
        "current_path": request.url.path,
        "page_links": lambda: page_links(request, locale),
        "elder": is_elder(request.headers),
    }


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Render a template in the request's locale."""
    locale = request.scope.get("state", {}).get("locale")
    token = current_locale.set(locale) if locale else None
    try:
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(request, name, context or {},
                                          status_code=status_code, headers=headers)
    finally:
        if token is not None:
            current_locale.reset(token)
