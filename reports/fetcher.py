"""The only way WeasyPrint reaches files: reports/static/ (print.css, fonts, images) and data:
URLs. Everything else — file:///etc/passwd, http://127.0.0.1/…, ``../`` or symlinks out of
static — is refused, so a document can never pull a local file or a network address into a
PDF (WeasyPrint's default fetcher embeds ``<link rel=attachment href="file:///…">``).
"""
from __future__ import annotations

import logging
import mimetypes
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
STATIC_URL = STATIC.as_uri() + "/"


class RefusedURL(ValueError):
    """WeasyPrint asked for something outside reports/static/ (or not a data: URL)."""


@lru_cache(maxsize=64)
def _static_bytes(path: str, mtime_ns: int) -> bytes:
    return Path(path).read_bytes()


def resolve_static(url: str) -> Path:
    """The file under reports/static/ that ``url`` names, or RefusedURL.

    Only file: URLs without a host (or "localhost") whose resolved path (symlinks and ``..``
    followed) lies inside reports/static/ and is a regular file."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise RefusedURL(f"refused URL scheme: {url[:80]!r}")
    if parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"refused file URL with a host: {url[:80]!r}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    root = STATIC.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise RefusedURL(f"refused file outside reports/static: {url[:80]!r}")
    return path


def fetch_static(url: str) -> tuple[bytes, str]:
    """(content, mime type) for a URL WeasyPrint may load; RefusedURL for anything else."""
    if url.lower().startswith("data:"):
        from urllib.request import urlopen

        # bandit B310: the scheme is data: only (checked above), never file: or http:
        with urlopen(url) as resp:  # noqa: S310  # nosec B310
            return resp.read(), resp.headers.get_content_type()
    path = resolve_static(url)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        mime = "font/woff2"
    return _static_bytes(str(path), path.stat().st_mtime_ns), mime


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher, narrowed to reports/static/ and data: URLs."""

        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            try:
                body, mime = fetch_static(url)
            except RefusedURL:
                log.warning("PDF rendering: %s", "refused " + url[:120])
                raise
            return URLFetcherResponse(url, body, {"Content-Type": mime})

        def open(self, url, data=None, timeout=None):  # never the urllib machinery
            return self.fetch(getattr(url, "full_url", url))

    return StaticOnlyFetcher


def safe_url_fetcher():
    """A new fetcher instance (WeasyPrint's ``url_fetcher=``) serving only reports/static/."""
    return _fetcher_class()()
