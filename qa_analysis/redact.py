"""No local path in outputs (issue 11): a path can name a person or a share.

The executed notebooks kept beside the HTML hold the parameters they ran with (papermill
writes them into the notebook twice: the injected cell and its metadata) and the paths of
the notebook and its output. :func:`redact_notebook` replaces each such absolute path with
the folder's (or file's) name before the notebook is kept or exported.
"""

from __future__ import annotations

import json
from pathlib import Path


def path_names(*paths) -> dict[str, str]:
    """Absolute path -> its last part, for each path given (None and "" skipped)."""
    found: dict[str, str] = {}
    for path in paths:
        if not path:
            continue
        resolved = Path(path).expanduser().resolve()
        for form in {str(path), str(resolved)}:
            if Path(form).is_absolute():
                found[form] = resolved.name or form
    return found


def redact_text(text: str, replacements: dict[str, str]) -> str:
    """``text`` (a notebook's JSON) with every path replaced, in the forms JSON and Python
    source give it (a Windows path's backslashes are escaped once or twice); longest first,
    so a folder inside another is replaced whole."""
    for old in sorted(replacements, key=len, reverse=True):
        new = replacements[old]
        forms = {old, old.replace("\\", "\\\\")}
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(json.dumps(form)[1:-1], json.dumps(new)[1:-1])
    return text


def redact_notebook(path: Path, replacements: dict[str, str]) -> None:
    """Rewrite the notebook at ``path`` with the paths replaced (nothing else changes)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    redacted = redact_text(text, replacements)
    if redacted != text:
        path.write_text(redacted, encoding="utf-8")
