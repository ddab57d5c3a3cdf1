"""Rules over every template and script, checked file by file (strict CSP, CSRF, layout)."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup
from jinja2 import nodes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
LAYOUTS = {"base.html", "staff/base.html"}
TEMPLATES = sorted(p.relative_to(TEMPLATE_DIR).as_posix()
                   for p in TEMPLATE_DIR.rglob("*") if p.is_file())
SCRIPTS = sorted(STATIC_DIR.rglob("*.js"))

# An HTML start tag (Jinja expressions inside it may hold anything but ">").
START_TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.S)
INLINE_ATTR = re.compile(r"(?<![\w:.-])(on[a-z]+|style)\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
UNSAFE_JS = re.compile(r"\beval\s*\(|\.innerHTML\s*=|\.outerHTML\s*=|new\s+Function\s*\(|"
                       r"document\.write\s*\(|insertAdjacentHTML\s*\(|setTimeout\s*\(\s*['\"]")

IMPORT_AS = re.compile(r"""{%-?\s*import\s+["']([^"']+)["']\s+as\s+(\w+)""")
FROM_IMPORT = re.compile(r"""{%-?\s*from\s+["']([^"']+)["']\s+import\s+(.+?)-?%}""")
MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(.*?%}(.*?){%-?\s*endmacro", re.S)
MACRO_CALL = re.compile(r"{{-?\s*(?:(\w+)\.)?(\w+)\s*\(")
INCLUDE = re.compile(r"""{%-?\s*include\s+["']([^"']+)["']""")
EXPRESSION = re.compile(r"{{.*?}}", re.S)
STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")

UNSAFE_VARIABLE = re.compile(r"([A-Za-z_][\w.]*(?:\[[^\]]*\])*)\s*\|\s*safe\b")

ENV = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True,
                         trim_blocks=True, lstrip_blocks=True)


def source(name: str) -> str:
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


def is_page(name: str) -> bool:
    """Pages render on their own; partials (`_x.html`) and the layouts are included."""
    return name.endswith(".html") and not Path(name).name.startswith("_") \
        and name not in LAYOUTS


def macros(name: str) -> dict[str, str]:
    """The macros a template defines, name -> body source."""
    return {m.group(1): m.group(2) for m in MACRO.finditer(source(name))}


def callable_macros(name: str) -> dict[tuple[str | None, str], str]:
    """(alias or None, macro) -> body, for the template's own and imported macros."""
    text = source(name)
    found = {(None, macro): body for macro, body in macros(name).items()}
    for match in IMPORT_AS.finditer(text):
        found.update({(match.group(2), m): b for m, b in macros(match.group(1)).items()})
    for match in FROM_IMPORT.finditer(text):
        imported = macros(match.group(1))
        for item in match.group(2).replace("with context", "").split(","):
            original, _, alias = item.strip().partition(" as ")
            if original in imported:
                found[(None, alias.strip() or original)] = imported[original]
    return found


def expanded(fragment: str, available: dict[tuple[str | None, str], str],
             depth: int = 3) -> str:
    """The fragment followed by the source of the macros and includes it uses."""
    extra = [available.get((m.group(1), m.group(2)), "") for m in MACRO_CALL.finditer(fragment)]
    extra += [source(m.group(1)) for m in INCLUDE.finditer(fragment)
              if (TEMPLATE_DIR / m.group(1)).is_file()]
    added = "".join(extra)
    if depth and added:
        added = expanded(added, available, depth - 1)
    return fragment + added


def soup(name: str) -> BeautifulSoup:
    return BeautifulSoup(source(name), "html.parser")


def test_there_are_templates_to_check() -> None:
    assert "base.html" in TEMPLATES
    assert "errors/error.html" in TEMPLATES


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_parses(name: str) -> None:
    ENV.parse(source(name), name=name)


@pytest.mark.parametrize("name", [n for n in TEMPLATES if is_page(n)])
def test_page_extends_a_layout(name: str) -> None:
    tree = ENV.parse(source(name), name=name)
    extends = list(tree.find_all(nodes.Extends))
    assert len(extends) == 1, f"{name} must extend base.html or staff/base.html"
    parent = extends[0].template
    assert isinstance(parent, nodes.Const), f"{name}: extends a computed template"
    assert parent.value in LAYOUTS, f"{name} extends {parent.value!r}"
    assert extends[0] in tree.body, f"{name}: {{% extends %}} inside a block or condition"


def test_staff_layout_extends_the_public_layout() -> None:
    parent = next(ENV.parse(source("staff/base.html")).find_all(nodes.Extends)).template
    assert isinstance(parent, nodes.Const)
    assert parent.value == "base.html"


def forms_without_csrf(text: str, available: dict[tuple[str | None, str], str]) -> list[str]:
    """POST forms in `text` lacking exactly one CSRF field (macros and includes expanded)."""
    bad = []
    for form in BeautifulSoup(text, "html.parser").find_all("form"):
        method = (form.get("method") or "get").strip().lower()
        if method == "get":
            continue
        fields = [
            field for field in BeautifulSoup(expanded(str(form), available),
                                             "html.parser").find_all("input")
            if field.get("type", "").lower() == "hidden"
            and field.get("name", "").replace(" ", "") in ("{{CSRF_FIELD}}", "csrf_token")
            and "csrf_token()" in field.get("value", "").replace(" ", "")
        ]
        if method != "post" or len(fields) != 1:
            bad.append(str(form)[:300])
    return bad


@pytest.mark.parametrize("name", TEMPLATES)
def test_post_forms_carry_the_csrf_field(name: str) -> None:
    bad = forms_without_csrf(source(name), callable_macros(name))
    assert not bad, (
        f"{name}: a POST form lacks the CSRF field "
        '<input type="hidden" name="{{ CSRF_FIELD }}" value="{{ csrf_token() }}">:\n'
        + "\n".join(bad)
    )


def test_csrf_rule_catches_a_form_without_token() -> None:
    field = '<input type="hidden" name="{{ CSRF_FIELD }}" value="{{ csrf_token() }}">'
    macro = {("f", "csrf"): field}
    assert forms_without_csrf('<form method="post"><input name="q"></form>', {})
    assert forms_without_csrf('<form method="POST">{{ f.other() }}</form>', macro)
    assert forms_without_csrf('<form method="dialog"></form>', {})
    assert not forms_without_csrf(f'<form method="post">{field}</form>', {})
    assert not forms_without_csrf('<form method="post">{{ f.csrf() }}</form>', macro)
    assert not forms_without_csrf('<form method="get"><input name="q"></form>', {})


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_inline_script(name: str) -> None:
    for script in soup(name).find_all("script"):
        assert script.get("src"), f"{name}: inline <script> (use a file in static/js)"
        assert not script.get_text(strip=True), f"{name}: <script src> with a body"


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_inline_style(name: str) -> None:
    assert not soup(name).find_all("style"), f"{name}: <style> element (use the CSS files)"


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_inline_attributes_or_javascript_urls(name: str) -> None:
    text = source(name)
    # In tags, and in strings that macros may paste into tags (`extra=' onclick=...'`).
    places = [t.group(0) for t in START_TAG.finditer(text)]
    places += [lit.group(0) for expr in EXPRESSION.finditer(text)
               for lit in STRING_LITERAL.finditer(expr.group(0))]
    bad = [m.group(0) for place in places if (m := INLINE_ATTR.search(place))]
    assert not bad, f"{name}: inline style or event handler attributes: {bad}"
    assert not JS_URL.search(text), f"{name}: javascript: URL"


@pytest.mark.parametrize("name", [n for n in TEMPLATES if n.endswith(".html")])
def test_no_autoescape_escape_hatches(name: str) -> None:
    """`|safe` and `{% autoescape false %}` are where XSS comes from. A variable may be
    marked safe only when its name says it holds cleaned HTML (`*_html`, `*sanitized*`);
    literals written in the template are fine."""
    text = source(name)
    assert not re.search(r"{%-?\s*autoescape\s+false", text), f"{name}: autoescape off"
    for match in UNSAFE_VARIABLE.finditer(text):
        variable = match.group(1)
        assert "_html" in variable or "sanitized" in variable, (
            f"{name}: {variable}|safe marks data safe that is not known to be cleaned "
            "(name the value *_html when it has been sanitised)"
        )


def test_rule_checks_catch_violations() -> None:
    """The patterns above do catch what they are meant to."""
    assert INLINE_ATTR.search('<a href="/" onclick="x()">')
    assert INLINE_ATTR.search('<div STYLE="color:red">')
    assert INLINE_ATTR.search('<img src=x onerror=alert(1)>')
    assert not INLINE_ATTR.search('<div data-onload="x" aria-label="only one">')
    assert JS_URL.search('<a href="javascript:alert(1)">')
    assert UNSAFE_JS.search("el.innerHTML = text")
    assert UNSAFE_JS.search("eval (code)")
    assert not UNSAFE_JS.search("el.textContent = text")
    assert UNSAFE_VARIABLE.search("{{ announcement.body|safe }}")
    assert not UNSAFE_VARIABLE.search("""{{ f(extra=' inputmode="numeric"'|safe) }}""")
    assert not UNSAFE_VARIABLE.search("""{{ f(extra=(' lang="%s'|format(x))|safe) }}""")


def test_static_scripts_avoid_unsafe_sinks() -> None:
    """JavaScript files (if any) never build HTML from strings or evaluate code."""
    bad = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in SCRIPTS
           if (m := UNSAFE_JS.search(path.read_text(encoding="utf-8")))]
    assert not bad, "unsafe JavaScript:\n" + "\n".join(bad)
