"""HTML → PDF with WeasyPrint: the one place that renders our printed documents.

    render_pdf("receipt.html", {"doc": receipt_doc}, lang="zh_CN") -> bytes
    render_many("reminder.html", [{"doc": d} for d in docs], lang="zh_CN") -> bytes

- Templates live in reports/templates/, rendered by our own Jinja environment (autoescape on,
  StrictUndefined; no Flask request needed). Template text is English msgids in
  ``{{ _("...") }}``, translated with the app's catalogs: through Flask-Babel when an app
  context exists, else straight from translations/. Translations are trusted markup, values
  passed to them (``_("No. %(n)s", n=x)``) and every context value are escaped.
- WeasyPrint sees only our own static files (reports/static/: print.css, fonts, images) and
  data: URLs (reports/fetcher.py): file:///etc/passwd, http://…, ``../`` escapes are refused,
  so a document body can never pull a local file or a network address into a PDF.
- The font configuration and print.css are built once and reused from a small pool (one per
  rendering running in parallel): the bundled CJK subset (static/fonts, "Estate Sans") is
  decoded once per process, not per document.
- ``render_many`` keeps each document's own page numbering (第 1 页 / 共 2 页): documents are
  laid out one by one, their pages written in chunks and the chunks joined with pypdf.
- ``check_environment()`` says at start-up what is missing (Pango, HarfBuzz subset).
"""
from __future__ import annotations

import atexit
import ctypes.util
import datetime as dt
import io
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from reports.fetcher import STATIC, STATIC_URL, RefusedURL, fetch_static, resolve_static, safe_url_fetcher

__all__ = [
    "render_pdf", "render_checked", "render_many", "render_html", "html_to_pdf", "check_environment", "normalize_lang",
    "page_counter_css", "css_string", "safe_url_fetcher", "fetch_static", "resolve_static", "RefusedURL",
    "STATIC", "STATIC_URL", "DEFAULT_LANG",
]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
PRINT_CSS = "print.css"
TRANSLATIONS = HERE.parent / "translations"
DEFAULT_LANG = "zh_CN"
LANGS = ("zh_CN", "en")
# documents laid out before their pages are written as one PDF and appended (render_many)
CHUNK_SIZE = 50


# --- translations ---------------------------------------------------------------------------
def normalize_lang(lang: str | None) -> str:
    lang = (lang or DEFAULT_LANG).replace("-", "_")
    if lang.lower().startswith("zh"):
        return "zh_CN"
    return "en" if lang.lower().startswith("en") else DEFAULT_LANG


@lru_cache(maxsize=8)
def _catalog_without_app(lang: str):
    from babel import Locale
    from babel.support import NullTranslations, Translations

    if not TRANSLATIONS.is_dir():
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [Locale.parse(lang)])


@contextmanager
def _language(lang: str):
    """Render in ``lang``: Flask-Babel's catalog (FAB's underneath) with the locale forced
    inside an app context (lazy strings in the context follow it too), else our
    translations/ folder read directly."""
    from flask import has_app_context

    if has_app_context():
        from flask_babel import force_locale, get_translations

        with force_locale(lang):
            token = _current.set(get_translations())
            try:
                yield
            finally:
                _current.reset(token)
    else:
        token = _current.set(_catalog_without_app(lang))
        try:
            yield
        finally:
            _current.reset(token)


_current: ContextVar = ContextVar("reports_translations")


def _gettext(message: str) -> str:
    t = _current.get(None)
    return t.gettext(message) if t is not None else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    t = _current.get(None)
    if t is None:
        return singular if n == 1 else plural
    return t.ngettext(singular, plural, n)


# --- Jinja ------------------------------------------------------------------------------------
def _money(value) -> str:
    from app.core.money import fmt

    return fmt(value)


def _yuan(value) -> str:
    """¥1,005.50; a negative amount -¥1,005.50."""
    from app.core.money import fmt

    if value is None:
        return ""
    return f"-¥{fmt(-value)}" if value < 0 else f"¥{fmt(value)}"


def _rmb_upper(value) -> str:
    from app.core.money import rmb_upper

    return rmb_upper(value)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@jinja2.pass_context
def _long_date(ctx, value: dt.date | dt.datetime | None) -> str:
    """2026年11月28日 in Chinese, 28 Nov 2026 in English."""
    if value is None:
        return ""
    if ctx.get("lang", DEFAULT_LANG) == "zh_CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"  # not %b: that follows LC_TIME


def _label(text) -> Markup:
    """An English label ending in ":" gets a space before its value; a Chinese "：" does not."""
    text = Markup.escape(text)
    # bandit B704: text was escaped just above
    return Markup(text + " ") if text.endswith(":") else text  # nosec B704


def _iso_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def _css_string(text: str) -> str:
    """A CSS string literal: quotes, backslashes, newlines and '<' escaped."""
    out = []
    for ch in text:
        if ch in '"\\<>' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_PLACEHOLDER = re.compile(r"\{(page|pages)\}")


def page_counter_css(pattern: str) -> Markup:
    """A CSS ``content`` value from a translated pattern: "第 {page} 页 / 共 {pages} 页" ->
    "第 " counter(page) " 页 / 共 " counter(pages) " 页". For the @page margin boxes."""
    parts = []
    pos = 0
    for m in _PLACEHOLDER.finditer(pattern):
        if m.start() > pos:
            parts.append(_css_string(pattern[pos:m.start()]))
        parts.append(f"counter({m.group(1)})")
        pos = m.end()
    if pos < len(pattern):
        parts.append(_css_string(pattern[pos:]))
    # bandit B704: CSS string literals escaped by _css_string, and fixed counter() calls
    return Markup(" ".join(parts) or '""')  # nosec B704


def css_string(*parts) -> Markup:
    """Text as one CSS string literal, for a margin box's ``content`` (the printed date...).
    Parts are joined as text: a Markup part (a translation) is unescaped first."""
    text = "".join(p.unescape() if isinstance(p, Markup) else str(p) for p in parts)
    # bandit B704: _css_string escapes quotes, backslashes, < and >
    return Markup(_css_string(text))  # nosec B704


@lru_cache(maxsize=1)
def jinja_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.filters.update(money=_money, yuan=_yuan, rmb_upper=_rmb_upper, long_date=_long_date, iso_date=_iso_date,
                       label=_label)
    env.globals.update(page_counter_css=page_counter_css, css_string=css_string)
    return env


def render_html(template_name: str, context: dict, lang: str = DEFAULT_LANG) -> str:
    """The HTML of a document (what WeasyPrint gets); handy for debugging a template."""
    lang = normalize_lang(lang)
    with _language(lang):
        return _render_html_with_catalog(template_name, context, lang)


def _render_html_with_catalog(template_name: str, context: dict, lang: str) -> str:
    template = jinja_env().get_template(template_name)
    return template.render({**context, "lang": lang, "html_lang": "zh-CN" if lang == "zh_CN" else "en"})


# --- WeasyPrint -------------------------------------------------------------------------------
_pool: list = []  # idle (stamp, FontConfiguration, CSS, fetcher) states, reused by any thread
_states: list = []  # every state alive, for the cleanup at exit
_pool_lock = threading.Lock()


@atexit.register
def _drop_font_folders() -> None:
    """Remove the font configurations' temporary folders while the interpreter still works
    (FontConfiguration.__del__ at shutdown fails with a TypeError otherwise)."""
    with _pool_lock:
        for state in _states:
            _release(state)
        _states.clear()
        _pool.clear()


def _release(state) -> None:
    font_config = state[1]
    folder = getattr(font_config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        font_config._folder = None


@contextmanager
def _weasy():
    """(FontConfiguration, print.css parsed, fetcher) for one rendering at a time.

    Building one costs ~0.5 s (the CJK subset is fetched, decoded and registered with
    fontconfig), so they are kept in a pool: a thread takes an idle one or builds its own, and
    gives it back. Never shared by two renderings at once; as many exist as renderings ever
    ran in parallel. A state built before print.css changed is dropped (development)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    css_path = STATIC / PRINT_CSS
    stamp = css_path.stat().st_mtime_ns
    with _pool_lock:
        state = _pool.pop() if _pool else None
    if state is not None and state[0] != stamp:
        with _pool_lock:
            _states.remove(state)
        _release(state)
        state = None
    if state is None:
        fetcher = safe_url_fetcher()
        font_config = FontConfiguration()
        css = CSS(url=css_path.as_uri(), url_fetcher=fetcher, font_config=font_config)
        state = (stamp, font_config, css, fetcher)
        with _pool_lock:
            _states.append(state)
    try:
        yield state[1:]
    finally:
        with _pool_lock:
            _pool.append(state)


_gc_lock = threading.Lock()
_gc_users = 0
_gc_threshold: tuple[int, int, int] | None = None
# Cyclic-GC thresholds while laying out: WeasyPrint makes millions of small objects (boxes,
# styles, text lines) that reference counting frees; with the default gen-0 threshold of 700
# the collector keeps walking the whole growing box tree, which costs a quarter of the layout
# time of a 100-page batch. Measured in tests/benchmarks/bench_reminders.py.
LAYOUT_GC_THRESHOLD = (50_000, 20, 100)


@contextmanager
def _layout_gc():
    """Fewer cyclic collections while a document is laid out and written, and none walking
    the objects that existed before (gc.freeze). Process-wide, so counted: the settings come
    back when the last rendering in the process ends."""
    import gc

    global _gc_users, _gc_threshold
    with _gc_lock:
        if _gc_users == 0:
            _gc_threshold = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*LAYOUT_GC_THRESHOLD)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_threshold)
                gc.unfreeze()
                # the laid-out pages' cycles now, not during the next batch (whose freeze
                # would otherwise keep them for good)
                gc.collect()


def _layout(html: str, weasy):
    from weasyprint import HTML

    font_config, css, fetcher = weasy
    return HTML(string=html, base_url=STATIC_URL, url_fetcher=fetcher).render(
        font_config=font_config, stylesheets=[css]
    )


def html_to_pdf(html: str) -> bytes:
    """HTML (already escaped: our templates' output) to PDF, with our fonts, print.css and
    the static-only fetcher. Relative URLs resolve inside reports/static/."""
    with _weasy() as weasy:
        return _layout(html, weasy).write_pdf()


def render_pdf(template_name: str, context: dict, lang: str = DEFAULT_LANG) -> bytes:
    """One document as PDF bytes."""
    return html_to_pdf(render_html(template_name, context, lang))


def render_checked(template_name: str, context: dict, lang: str = DEFAULT_LANG, *,
                   accept: Callable[[object], bool]) -> bytes | None:
    """One document as PDF bytes if ``accept(laid_out_document)`` holds, else None (nothing
    written). For batches laid out as one document on the condition that each part took one
    page (reports.reminder)."""
    with _weasy() as weasy, _layout_gc():
        document = _layout(render_html(template_name, context, lang), weasy)
        return document.write_pdf() if accept(document) else None


def render_many(template_name: str, contexts: Iterable[dict], lang: str = DEFAULT_LANG, *,
                chunk_size: int = CHUNK_SIZE, progress: Callable[[int], None] | None = None) -> bytes:
    """Many documents of one template as one PDF, each with its own page numbering.

    Each document is laid out on its own (its CSS page counters count its pages only); the
    pages of ``chunk_size`` documents are written as one PDF (fonts embedded once per
    chunk) and the chunks joined with pypdf, so memory stays bounded for 500 letters.
    ``progress(n)`` is called with the number of documents done after each chunk."""
    from pypdf import PdfWriter

    lang = normalize_lang(lang)
    writer = PdfWriter()
    chunk: list = []
    done = 0
    parts = 0

    def flush():
        nonlocal chunk, parts
        if not chunk:
            return
        pages = [page for document in chunk for page in document.pages]
        pdf = chunk[0].copy(pages).write_pdf()
        writer.append(io.BytesIO(pdf))
        parts += 1
        chunk = []
        if progress:
            progress(done)

    with _language(lang), _weasy() as weasy, _layout_gc():
        for context in contexts:
            chunk.append(_layout(_render_html_with_catalog(template_name, context, lang), weasy))
            done += 1
            if len(chunk) >= chunk_size:
                flush()
        flush()
    if parts == 0:
        raise ValueError("render_many: no documents")
    out = io.BytesIO()
    if parts > 1:
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.write(out)
    return out.getvalue()


# --- environment check --------------------------------------------------------------------------
def check_environment() -> list[str]:
    """Human-readable warnings about the PDF machinery, for the log at app start (empty = fine)."""
    warnings: list[str] = []
    missing_pango = [lib for lib in ("pango-1.0", "pangoft2-1.0") if not ctypes.util.find_library(lib)]
    if missing_pango:
        warnings.append(
            "PDF documents cannot be printed: the Pango libraries are missing "
            f"({', '.join('lib' + m for m in missing_pango)}). Install the Debian packages "
            "libpango-1.0-0 and libpangoft2-1.0-0."
        )
    else:
        try:
            import weasyprint  # noqa: F401  (loads Pango, HarfBuzz, fontconfig through cffi)
        except Exception as exc:  # OSError from cffi, ImportError ...
            warnings.append(f"PDF documents cannot be printed: WeasyPrint does not load ({exc}).")
    if not ctypes.util.find_library("harfbuzz-subset"):
        warnings.append(
            "PDF printing will be slow: the HarfBuzz subset library is missing, so Chinese fonts "
            "are embedded with fontTools (about 8 s a page instead of 0.2 s). Install the Debian "
            "package libharfbuzz-subset0."
        )
    fonts = STATIC / "fonts"
    if not any(fonts.glob("*.woff2")):
        warnings.append(f"PDF documents will print Chinese as empty boxes: no font in {fonts}.")
    return warnings

