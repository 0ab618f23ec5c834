"""Running an analysis notebook in a test as the renderer does, and reading what its report shows."""

from __future__ import annotations

import shutil
from pathlib import Path


def run_notebook(notebook: Path, folder: Path, **parameters):
    """Execute ``notebook`` in ``folder`` as ``kpikit render`` does, then classify it.

    The prose is swapped for the ``lang`` parameter's catalogue, the parameters injected, the kit's
    data errors allowed (a section ends with its note and the report goes on).
    """
    import nbformat
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    from kpikit.render.prose import translate_prose
    from kpikit.report.outcome import ALLOWED_ERROR_NAMES, classify

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, folder / notebook.name)
    nb = nbformat.read(folder / notebook.name, as_version=4)
    nb = parameterize_notebook(translate_prose(nb, notebook.stem, parameters.get("lang", "en")), parameters)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_error_names=list(ALLOWED_ERROR_NAMES),
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return classify(nb)


def output_texts(nb) -> list[str]:
    """Every text the report shows in its outputs (plain text of displays and results)."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "image/png" not in data and "text/plain" in data:
                out.append(data["text/plain"])
    return out
