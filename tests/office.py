"""LibreOffice headless for the tests that check what an office suite makes of the portal's files
(../shared/TEST-SERVICES.md: each run its own profile, so parallel runs share no lock)."""

import os
import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


def convert(content: bytes, tmp_path: Path, name: str, to: str = "pdf", outdir: Path | None = None) -> Path:
    """Write `content` to `tmp_path / name`, convert it with LibreOffice (`to`: "pdf", or a filter
    such as 'csv:"Text - txt - csv (StarCalc)":…') into `outdir` (default `tmp_path`); returns the
    output directory. Raises CalledProcessError (with LibreOffice's output) if the conversion fails."""
    source = tmp_path / name
    source.write_bytes(content)
    out = outdir or tmp_path
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    return out
