"""A report printed to PDF (A4) by headless Chromium, when it is installed.

``kpikit render --pdf`` and the batch option ``pdf: true`` (or ``kpikit batch --pdf``) write
``NN_name.pdf`` beside each report. The page is printed as the reader's browser would print it (the
report's A4 print style), with every collapsed part open, and no header or footer added by the browser.
Chromium (or Google Chrome) is looked for on PATH, or where the environment variable
``KPIKIT_CHROMIUM`` points; :func:`pdf_problem` says how to install it when it is missing, and the
commands stop before rendering anything (exit status 2).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

__all__ = ["CHROMIUM_ENV", "chromium_path", "pdf_problem", "print_pdf", "PdfError"]

#: Environment variable naming the Chromium (or Chrome) executable, when it is not on PATH.
CHROMIUM_ENV = "KPIKIT_CHROMIUM"

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Seconds one print may take (a report of a few MB prints in one or two).
PRINT_TIMEOUT = 180.0


class PdfError(RuntimeError):
    """Chromium could not print a report (it failed, or did not finish in time)."""


def chromium_path() -> str | None:
    """The Chromium (or Chrome) that prints reports: ``$KPIKIT_CHROMIUM``, else the first on PATH.

    Returns
    -------
    str or None
        None when none is installed.
    """
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return shutil.which(named) or (named if Path(named).is_file() and os.access(named, os.X_OK) else None)
    return next((found for found in map(shutil.which, _NAMES) if found), None)


def pdf_problem() -> str | None:
    """Why reports cannot be printed to PDF here, with how to fix it; None when they can.

    Returns
    -------
    str or None
    """
    if chromium_path() is not None:
        return None
    named = os.environ.get(CHROMIUM_ENV)
    where = f"{CHROMIUM_ENV}={named!r} is not an executable" if named else "no chromium or google-chrome on PATH"
    return (
        f"--pdf prints each report with headless Chromium, and none was found ({where}). Install it "
        "(Debian/Ubuntu: sudo apt-get install chromium; Fedora: sudo dnf install chromium; macOS: brew install "
        f"--cask chromium; Windows: install Google Chrome), or set {CHROMIUM_ENV} to its path; then run again. "
        "Nothing was rendered."
    )


def print_pdf(page: str, timeout: float = PRINT_TIMEOUT) -> bytes:
    """Print an HTML page to an A4 PDF with headless Chromium.

    The page is written to a private temporary folder and printed from there (``file://``), with a
    throw-away browser profile, no network for the page's sake (reports load nothing) and no header
    or footer; the browser runs in a process group of its own, so stopping a run stops it too.

    Parameters
    ----------
    page : str
        The HTML page (:func:`kpikit.render.page.print_ready` opens its collapsed parts).
    timeout : float
        Seconds before the print is given up.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    PdfError
        When Chromium is missing, fails or does not finish in time.
    """
    browser = chromium_path()
    if browser is None:
        raise PdfError(pdf_problem())
    with tempfile.TemporaryDirectory(prefix="kpikit-pdf-") as folder:
        source, target = Path(folder) / "report.html", Path(folder) / "report.pdf"
        source.write_text(page, encoding="utf-8")
        args = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: stopped with it, whatever happens here
            env={**os.environ, "HOME": folder},
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not print the report within {timeout:g} s") from exc
        finally:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)  # the browser's helpers, if any are left
            proc.wait()
        if not target.is_file() or target.stat().st_size == 0:
            detail = (err or "").strip().splitlines()[-3:]
            raise PdfError(f"Chromium could not print the report (exit status {proc.returncode}): {' '.join(detail)}")
        return target.read_bytes()
