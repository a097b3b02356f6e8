"""Running the real `clearway` command line in a child process, as a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# A data directory that never exists: commands that would write into it (demo keys, a fraud model)
# must be given their own, so that nothing lands in the working tree's var/.
NO_DATA_DIR = Path("/nonexistent/clearway-data")


def run(db, *args: str, stdin: str | None = None, data_dir: Path = NO_DATA_DIR, columns: int = 200,
        timeout: float = 180) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": str(columns), "CLEARWAY_DATA_DIR": str(data_dir)}
    if db is not None:
        env["CLEARWAY_DATABASE_URL"] = db.url
    return subprocess.run([sys.executable, "-m", "clearway", *args], capture_output=True, text=True, input=stdin,
                          env=env, timeout=timeout)
