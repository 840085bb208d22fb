"""The message catalogs: complete, compiled, in step with the sources, and used by the pages.

When one of these fails after you added or changed a string:

    python translations/update.py      # extract, update zh_Hans_CN + en, compile
    # translate the new empty msgstr in translations/zh_Hans_CN/LC_MESSAGES/messages.po
    python translations/update.py      # compile again
"""
from __future__ import annotations

import gettext
import importlib.util
import io
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
ZH = "zh_Hans_CN"
EN = "en"
LOCALES = (ZH, EN)

# FAB 5.3 hard-codes these in appbuilder/general/confirm.html and alert.html: they stay English
# until app/templates overrides those two templates with {{ _("Cancel") }} / {{ _("OK") }}.
FAB_HARD_CODED = {"Cancel", "OK"}

# Known English on Chinese pages, reported, to be fixed in app/ (remove the entry with the fix):
# the owner page's change history shows the relation of an occupancy row raw ("owner"), because
# present_history() gets only OwnerModelView.choice_fields (app/core/views.py, history_rows).
KNOWN_ENGLISH: set = set()


def _load_update_module():
    spec = importlib.util.spec_from_file_location("translations_update", TRANSLATIONS / "update.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def mo_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"


def read_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def key(message) -> tuple:
    """(context, msgid) with the plural form included, as Babel keys it."""
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def keys(catalog) -> set[tuple]:
    return {key(m) for m in catalog if m.id}


def strings(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def show(k: tuple) -> str:
    context, msgid = k
    return (f"[{context}] " if context else "") + repr(msgid)


@pytest.fixture(scope="module")
def zh_catalog():
    return read_catalog(po_path(ZH), ZH)


@pytest.fixture(scope="module")
def en_catalog():
    return read_catalog(po_path(EN), EN)


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory):
    """Extract the sources now, with the same options as translations/update.py."""
    out = tmp_path_factory.mktemp("i18n") / "fresh.pot"
    update = _load_update_module()
    try:
        update.extract(out)
    except update.UpdateError as err:  # e.g. a template with a syntax error
        pytest.fail(f"extraction failed:\n{err}")
    return read_catalog(out)


# --- (c) the files: catalogs in step with the sources ------------------------------------
def test_catalog_folders_match_what_flask_babel_looks_for():
    # Flask-Babel turns the config key zh_CN into zh_Hans_CN; a zh_CN/ folder is ignored (trap 3)
    assert str(Locale.parse("zh_CN")) == ZH
    assert not (TRANSLATIONS / "zh_CN").exists()
    for locale in LOCALES:
        assert po_path(locale).is_file(), f"missing {po_path(locale)}"
        assert mo_path(locale).is_file(), f"missing {mo_path(locale)}: run python translations/update.py"


def test_pot_is_up_to_date_with_the_sources(fresh_pot):
    pot = read_catalog(POT)
    new = keys(fresh_pot) - keys(pot)
    gone = keys(pot) - keys(fresh_pot)
    assert not new and not gone, (
        "translations/messages.pot is out of date: run python translations/update.py\n"
        f"new in the sources: {sorted(map(show, new))}\nno longer in the sources: {sorted(map(show, gone))}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_exactly_the_msgids_of_the_sources(locale, fresh_pot):
    catalog = read_catalog(po_path(locale), locale)
    new = keys(fresh_pot) - keys(catalog)
    gone = keys(catalog) - keys(fresh_pot)
    assert not new and not gone, (
        f"{locale} catalog is out of date: run python translations/update.py and translate\n"
        f"missing: {sorted(map(show, new))}\nobsolete: {sorted(map(show, gone))}"
    )


def test_babel_cfg_covers_every_source_file():
    """A template in a new folder (app/<package>/templates/) must not be skipped silently."""
    from babel.util import pathmatch

    sections = re.findall(r"^\[(\w+)\s*:\s*(.+?)\]\s*$", (TRANSLATIONS / "babel.cfg").read_text(), re.M)
    patterns = {"python": [p for m, p in sections if m == "python"],
                "jinja2": [p for m, p in sections if m == "jinja2"]}
    missed = []
    for folder in ("app", "reports"):
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            kind = {".py": "python", ".html": "jinja2"}.get(path.suffix)
            if kind is None or "/static/" in f"/{rel}" or "__pycache__" in rel:
                continue
            if not any(pathmatch(p, rel) for p in patterns[kind]):
                missed.append(rel)
    assert not missed, f"not extracted by translations/babel.cfg: {missed}"


# --- (a) Chinese is complete -----------------------------------------------------------------
def test_every_msgid_has_a_chinese_translation(zh_catalog):
    assert not zh_catalog.fuzzy, "the zh catalog header is fuzzy: pybabel compile would skip it"
    untranslated = [show(key(m)) for m in zh_catalog if m.id and not all(strings(m.string))]
    fuzzy = [show(key(m)) for m in zh_catalog if m.id and m.fuzzy]
    assert not untranslated, f"no Chinese translation for: {untranslated}"
    assert not fuzzy, f"fuzzy (not compiled, shown in English): {fuzzy}"


def test_chinese_translations_are_chinese(zh_catalog):
    """Not left in English; full-width punctuation in Chinese text."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    ascii_punct = re.compile(r"[,;:!?()]")
    placeholder = re.compile(r"%\([^)]*\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z%]")
    problems = []
    for m in zh_catalog:
        if not m.id:
            continue
        for text in strings(m.string):
            bare = placeholder.sub("", text)
            if not cjk.search(bare) and re.search(r"[A-Za-z]", bare):
                problems.append(f"{show(key(m))} -> {text!r}: no Chinese")
            elif ascii_punct.search(bare):
                problems.append(f"{show(key(m))} -> {text!r}: use full-width ，；：！？（）")
    assert not problems, "\n".join(problems)


def test_english_msgstr_stays_empty(en_catalog):
    """English is the msgid: fix English wording in the source, not in the en catalog."""
    assert not en_catalog.fuzzy
    filled = [show(key(m)) for m in en_catalog if m.id and any(strings(m.string))]
    fuzzy = [show(key(m)) for m in en_catalog if m.id and m.fuzzy]
    assert not filled, f"en msgstr should stay empty (= msgid): {filled}"
    assert not fuzzy


# --- (b) compiled catalogs -------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_mo_is_compiled_from_the_current_po(locale):
    catalog = read_catalog(po_path(locale), locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    expected = gettext.GNUTranslations(buf)._catalog
    with mo_path(locale).open("rb") as fh:
        actual = gettext.GNUTranslations(fh)._catalog
    assert actual == expected, f"{mo_path(locale)} is stale: run python translations/update.py"


# --- (d) placeholders --------------------------------------------------------------------------
PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[^{}]*\}")


def _placeholders(text: str, python_format: bool) -> tuple:
    found = PERCENT.findall(text)
    named = Counter(p for p in found if p.startswith("%("))
    # "%s"-style only where Babel flagged the msgid python-format ("1% a day" is plain text)
    positional = [p for p in found if not p.startswith("%(") and p != "%%"] if python_format else []
    return named, positional, Counter(BRACES.findall(text))


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale):
    catalog = read_catalog(po_path(locale), locale)
    problems = []
    for m in catalog:
        if not m.id:
            continue
        ids = strings(m.id)
        for i, text in enumerate(strings(m.string)):
            if not text:
                continue
            source = ids[min(i, len(ids) - 1)]
            python_format = "python-format" in m.flags
            if _placeholders(source, python_format) != _placeholders(text, python_format):
                problems.append(f"{show(key(m))} -> {text!r}")
    errors = [f"{m.id!r}: {err}" for m, errs in catalog.check() for err in errs]
    assert not problems, "placeholders differ:\n" + "\n".join(problems)
    assert not errors, "\n".join(errors)


# --- (e), (f) the pages ----------------------------------------------------------------------
def _menu_page(client) -> str:
    resp = client.get("/", follow_redirects=True)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_default_locale_shows_our_chinese_then_lang_en_switches(login):
    client = login("clerk")
    page = _menu_page(client)
    # "Owner archive" is only in OUR catalog (FAB's zh has no such string)
    assert "业主档案" in page and "入住登记" in page
    assert "Owner archive" not in page

    resp = client.get("/lang/en")
    assert resp.status_code in (200, 302)
    page = _menu_page(client)
    assert "Owner archive" in page and "Occupancies" in page
    assert "业主档案" not in page

    client.get("/lang/zh_CN")
    assert "业主档案" in _menu_page(client)


def test_lang_query_parameter_switches_only_that_request(login):
    client = login("clerk")
    page = client.get("/ownermodelview/list/?lang=en").get_data(as_text=True)
    assert "Owner archive" in page and "业主档案" not in page
    page = client.get("/ownermodelview/list/").get_data(as_text=True)
    assert "业主档案" in page and "Owner archive" not in page


def test_login_page_is_chinese(client):
    page = client.get("/login/").get_data(as_text=True)
    assert "用户名" in page and "密码" in page


class _Texts(HTMLParser):
    """Visible text, user-facing attributes and the JSON strings of inline scripts."""

    ATTRS = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        self._in = tag if tag in ("script", "style") else None
        self.texts += [v.strip() for k, v in attrs if k in self.ATTRS and v]

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            return
        if self._in == "script":
            for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', data):
                try:
                    self.texts.append(json.loads(f'"{literal}"').strip())
                except ValueError:
                    pass
            return
        self.texts.append(data.strip())


PAGES = (
    "/",
    "/ownermodelview/add",
    "/occupancymodelview/add",
    "/users/userinfo/",
)
SKIP = ("/lang/", "/logout", "/static/", "/login")


def _page_urls(client) -> list[str]:
    """The fixed pages, every menu entry of the user, and the first record of each list."""
    home = client.get("/").get_data(as_text=True)
    menu = sorted({u for u in re.findall(r'href="(/[^"#?]*)"', home) if not u.startswith(SKIP)})
    urls = list(dict.fromkeys([*PAGES, *menu]))
    for url in menu:
        if url.endswith("/list/"):
            page = client.get(url).get_data(as_text=True)
            base = url[: -len("list/")]
            urls += re.findall(rf'href="({re.escape(base)}show/\d+)[^"]*"', page)[:1]
    return urls


def _intentional_english(url: str) -> set[str]:
    """The import page lists the English column headers the importer accepts, on purpose."""
    if not url.startswith("/import"):
        return set()
    try:
        from app.owners.importer import COLUMNS
    except ImportError:
        return set()
    return {str(c[2]) for c in COLUMNS} | {h for c in COLUMNS for h in c[3] if h.isascii()}


# Staff pages only: FAB's security pages (Admin) show role and permission names, which are data,
# and labels FAB derives from column names, which no catalog can reach.
@pytest.mark.parametrize("username", ["clerk", "supervisor"])
def test_no_translated_string_shows_in_english(username, login, zh_catalog):
    """A msgid we translate must not appear verbatim on a Chinese page (e.g. a lazy string
    turned into str at import time, or a FAB string that escaped our catalog)."""
    translated = {
        m.id for m in zh_catalog
        if m.id and isinstance(m.id, str) and not m.context and m.string and m.string != m.id
    }
    translated -= FAB_HARD_CODED
    client = login(username)
    found, visited = {}, []
    for url in _page_urls(client):
        resp = client.get(url)
        if resp.status_code != 200:  # access and errors are tested elsewhere
            continue
        visited.append(url)
        parser = _Texts()
        parser.feed(resp.get_data(as_text=True))
        allowed = _intentional_english(url)
        for text in parser.texts:
            known = any(text == k and url.startswith(prefix) for k, prefix in KNOWN_ENGLISH)
            if text in translated and text not in allowed and not known:
                found.setdefault(text, url)
    assert len(visited) >= 5, visited
    assert not found, f"English on Chinese pages: {found}"


# --- strings the extractor cannot see --------------------------------------------------------
GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext", "lazy_pgettext", "_lp"}


def test_msgids_in_python_code_are_string_literals():
    """_(f"...") or _(variable) is never extracted, so it would never be translated."""
    import ast

    problems = []
    for folder in ("app", "reports"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                # plain names only: t.gettext(message) inside a wrapper is not a msgid
                name = node.func.id if isinstance(node.func, ast.Name) else None
                if name not in GETTEXT_NAMES:
                    continue
                literal_args = 2 if name in ("pgettext", "lazy_pgettext", "_lp", "ngettext", "lazy_ngettext") else 1
                args = node.args[:literal_args]
                if len(args) < literal_args or not all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args
                ):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:100]}")
    assert not problems, "msgid is not a plain string literal:\n" + "\n".join(problems)
