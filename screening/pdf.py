"""PDF rendering of the printable summary with WeasyPrint.

Static files referenced by the print template are read from disk rather than over HTTP, so rendering never
calls back into the web server and works without network access.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders


def _static_path(url: str) -> Path | None:
    prefix = "file:///static/"
    if not url.startswith(prefix):
        return None
    relative = url[len(prefix) :].split("?", 1)[0]
    found = finders.find(relative)
    if found:
        return Path(found)
    candidate = Path(settings.STATIC_ROOT) / relative
    return candidate if candidate.is_file() else None


def _static_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Serves only the project's own static files; anything else is refused rather than fetched."""

        def fetch(self, url, headers=None):
            path = _static_path(url)
            if path is None:
                raise ValueError(f"refusing to fetch {url!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return StaticFilesFetcher()


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run on this server: the package, or a system library it loads (Pango), is missing."""


def render_pdf(html: str) -> bytes:
    """The PDF of ``html``; raises :class:`PdfUnavailable` when WeasyPrint cannot be loaded here."""
    try:
        # Imported lazily: its system libraries are needed for PDFs only, so the rest of the app runs without.
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: a shared library (Pango, GObject) could not be loaded
        raise PdfUnavailable(str(error)) from error
    return HTML(string=html, base_url="file:///", url_fetcher=_static_fetcher()).write_pdf()
