"""Every command of the README and the guides runs as written (issue 9: the README's clearance example
dead-ended). The ```sh blocks of README.md and docs/*.md are executed against a live `clearway serve`.

How the blocks run (the convention is written up in docs/DEVELOPING.md, "Commands in the docs"):
- ```sh (or bash/shell) blocks run; ```sh norun blocks are shown, not run. Keep norun for what cannot run
  here: `make demo`/`make test` (they would serve forever or run this test again), synopses, output samples.
- The blocks of one file run in order, in a scratch folder of their own that links the repository's files
  (`.venv`, `examples/`, `docs/`...) and has a fresh data directory (`var/`): variables set in one block
  are there in the next, as in one terminal. Each block runs under `bash -e -o pipefail`.
- A fresh `clearway serve` on a free port stands for the documented server: `127.0.0.1:8000` (or
  `localhost:8000`) in a block is read as that port. Port 8900, the hub's in the guides, is read as another
  free port; a block that needs a hub starts `clearway hub serve ... &` itself. Seal events go to the local
  Mosquitto (CLEARWAY_MQTT, default 127.0.0.1:1883). Anything a block starts in the background is stopped
  when its file is done.
- A block fails the test on a non-zero exit, on a Python traceback, or when it prints an RFC 9457 problem
  (curl -s prints a refusal and exits 0). Each file must leave an audit chain that verifies, and the
  README's walkthrough must end with a release code the public check accepts.
- Without bash, curl or jq the test skips, except under CLEARWAY_DOCS_TEST_REQUIRED (set by .ci/run, which
  installs curl and jq): there it fails. Each file's key outputs are checked in tests/docs_checks.py.
- The random selection of lanes (1 % by default) is set to 0 through the lane policy of every economy
  before the blocks run, so that the documented lanes are the lanes every run gets.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import free_port
from tests.docs_checks import CHECKS

ROOT = Path(__file__).resolve().parent.parent
GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"sh", "bash", "shell"}
FENCE = re.compile(r"^(?P<fence>```+)(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
PROBLEM = re.compile(r'"type"\s*:\s*"(https://clearway\.dev)?/problems/[a-z0-9-]+"')
NORUN_BUDGET = 6  # blocks shown but not run, across all the docs: keep it small
BLOCK_SECONDS = 300
SERVER_PORT, HUB_PORT = 8000, 8900  # the documented ports
NOT_LINKED = {".git", ".venv", "var", ".pytest_cache"}


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence
    words: tuple[str, ...]  # the info string: language, then flags
    body: str

    @property
    def shell(self) -> bool:
        return bool(self.words) and self.words[0] in SHELLS

    @property
    def runs(self) -> bool:
        return self.shell and "norun" not in self.words[1:]

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path}:{self.line}"


def blocks(path: Path, text: str | None = None) -> list[Block]:
    """The fenced code blocks of a Markdown file that are shell, in order."""
    text = path.read_text(encoding="utf-8") if text is None else text
    found = []
    for m in FENCE.finditer(text):
        block = Block(path, text.count("\n", 0, m.start()) + 1, tuple(m["info"].split()), m["body"])
        if block.shell:
            found.append(block)
    return found


def localise(body: str, *, server_port: int, hub_port: int) -> str:
    """The documented ports read as the ports of this run."""
    body = re.sub(rf"\b(?:127\.0\.0\.1|localhost):{SERVER_PORT}\b", f"127.0.0.1:{server_port}", body)
    body = re.sub(rf"\b(?:127\.0\.0\.1|localhost):{HUB_PORT}\b", f"127.0.0.1:{hub_port}", body)
    return re.sub(rf"--port[ =]{HUB_PORT}\b", f"--port {hub_port}", body)


# ---- the parser and the convention, as tables ----

@pytest.mark.parametrize("markdown,expected", [
    ("```sh\necho a\n```\n", [(1, ("sh",), "echo a\n", True)]),
    ("text\n\n```sh norun\nmake demo\n```\n", [(3, ("sh", "norun"), "make demo\n", False)]),
    ("```json\n{}\n```\n```\nplain\n```\n```bash\nls\n```\n", [(7, ("bash",), "ls\n", True)]),
    ("````sh\necho '```'\n````\n", [(1, ("sh",), "echo '```'\n", True)]),
])
def test_shell_blocks_are_found_with_their_line_and_flags(markdown, expected):
    got = [(b.line, b.words, b.body, b.runs) for b in blocks(Path("x.md"), markdown)]
    assert got == expected


def test_documented_ports_are_read_as_the_ports_of_the_run():
    body = ("curl http://127.0.0.1:8000/api/v1/release/X http://localhost:8000/\n"
            "clearway hub serve --port 8900 &\nclearway certificates exchange --hub http://127.0.0.1:8900/hub\n"
            "echo 80001 127.0.0.1:80000")
    assert localise(body, server_port=41234, hub_port=41235) == (
        "curl http://127.0.0.1:41234/api/v1/release/X http://127.0.0.1:41234/\n"
        "clearway hub serve --port 41235 &\nclearway certificates exchange --hub http://127.0.0.1:41235/hub\n"
        "echo 80001 127.0.0.1:80000")


def test_the_readme_walkthrough_runs_and_few_blocks_are_left_unrun():
    readme = blocks(ROOT / "README.md")
    assert sum(b.runs for b in readme) >= 2, "the README's lodging and clearance blocks must run"
    unrun = [b.where() for p in GUIDES for b in blocks(p) if not b.runs]
    assert len(unrun) <= NORUN_BUDGET, f"too many ```sh norun blocks ({len(unrun)}): {unrun}"


def test_every_code_block_of_the_docs_says_what_it_is():
    """An unlabelled block is neither run nor known to be shell: label it (```sh, ```text, ```json...)."""
    unlabelled = [f"{p.relative_to(ROOT)}:{p.read_text(encoding='utf-8').count(chr(10), 0, m.start()) + 1}"
                  for p in GUIDES for m in FENCE.finditer(p.read_text(encoding="utf-8")) if not m["info"].strip()]
    assert unlabelled == []


def test_every_example_file_the_docs_name_exists():
    named = {m for p in GUIDES for m in re.findall(r"\bexamples/[\w.\-]+\.\w+", p.read_text(encoding="utf-8"))}
    assert named, "the docs name example files"
    assert sorted(n for n in named if not (ROOT / n).is_file()) == []


# ---- running them ----

class Workspace:
    """A scratch folder with a fresh data directory, a live server and the shell state between blocks."""

    def __init__(self, folder: Path) -> None:
        self.dir = folder
        folder.mkdir()
        for entry in ROOT.iterdir():
            if entry.name not in NOT_LINKED:
                (folder / entry.name).symlink_to(entry)
        (folder / ".venv").symlink_to(Path(sys.prefix))  # the environment running the tests
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLEARWAY_") and k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}}
        env.update(CLEARWAY_DATA_DIR=str(folder / "var"), PATH=f"{Path(sys.prefix) / 'bin'}:{env.get('PATH', '')}",
                   COLUMNS="200", NO_COLOR="1", PYTHONUNBUFFERED="1")
        self.env = env
        self.cwd = folder
        self.groups: list[int] = []
        self.port, self.hub_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.outputs: list[str] = []

    def start_server(self) -> None:
        log = open(self.dir / "server.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(self.port)], cwd=self.dir,
                                env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        self.groups.append(proc.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"clearway serve exited {proc.returncode}:\n{self.server_log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail(f"clearway serve did not answer within 120 s:\n{self.server_log()}")
        self._no_random_lanes()

    def _no_random_lanes(self) -> None:
        from clearway.auth.service import create_key
        from clearway.db import make_engine, make_sessionmaker, transaction
        from clearway.reference.economies import all_economies

        engine = make_engine(f"sqlite:///{self.dir / 'var' / 'clearway.db'}")
        try:
            for economy in sorted(all_economies()):
                with transaction(make_sessionmaker(engine)) as session:
                    key, _ = create_key(session, role="admin", economy=economy, actor="docs-test")
                r = httpx.put(f"{self.url}/api/v1/risk/policy", json={"random_share": 0},
                              headers={"Authorization": f"Bearer {key}"}, timeout=30)
                assert r.status_code == 200, r.text
        finally:
            engine.dispose()

    def server_log(self) -> str:
        return (self.dir / "server.log").read_text(errors="replace")[-3000:]

    def run(self, block: Block) -> None:
        n = len(self.outputs)
        state, here = self.dir / f".state-{n}", self.dir / f".cwd-{n}"
        script = self.dir / f".block-{n}.sh"
        body = localise(block.body, server_port=self.port, hub_port=self.hub_port)
        script.write_text(f"set -a\n{body}\nenv -0 > '{state}'\npwd > '{here}'\n")
        with open(self.dir / f".out-{n}", "wb") as out, open(self.dir / f".err-{n}", "wb") as err:
            proc = subprocess.Popen(["bash", "-e", "-o", "pipefail", str(script)], cwd=self.cwd, env=self.env,
                                    stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
            self.groups.append(proc.pid)
            try:
                code = proc.wait(timeout=BLOCK_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                code = None
        stdout = (self.dir / f".out-{n}").read_text(errors="replace")
        stderr = (self.dir / f".err-{n}").read_text(errors="replace")
        self.outputs.append(stdout)
        shown = (f"\n--- block at {block.where()}:\n{body}--- stdout:\n{stdout[-3000:]}\n--- stderr:\n{stderr[-3000:]}"
                 f"\n--- server log:\n{self.server_log()}")
        if code is None:
            pytest.fail(f"ran over {BLOCK_SECONDS} s (a server in the foreground? start it with &){shown}")
        if code != 0:
            pytest.fail(f"exited {code}{shown}")
        if "Traceback (most recent call last)" in stderr + stdout:
            pytest.fail(f"printed a Python traceback{shown}")
        if PROBLEM.search(stdout):
            pytest.fail(f"printed a refusal (RFC 9457 problem){shown}")
        if state.exists():  # absent when the block ended with `exit 0`: the state is then unchanged
            self.env = dict(item.split("=", 1) for item in state.read_text().split("\0") if "=" in item)
            self.cwd = Path(here.read_text().strip())

    def close(self) -> None:
        for group in reversed(self.groups):
            try:
                os.killpg(group, signal.SIGTERM)
            except ProcessLookupError:
                pass


RUNNABLE = [p for p in GUIDES if any(b.runs for b in blocks(p))]


def require_tools(environ: dict[str, str] | os._Environ) -> None:
    """Skip when bash, curl or jq is missing, except in CI (.ci/run installs them and sets
    CLEARWAY_DOCS_TEST_REQUIRED): there the docs test fails instead of skipping."""
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool, path=environ.get("PATH")) is None]
    if missing and environ.get("CLEARWAY_DOCS_TEST_REQUIRED"):
        pytest.fail(f"{', '.join(missing)} not installed: CI must run the docs commands, not skip them")
    if missing:
        print(f"\nSKIP docs commands: {', '.join(missing)} not installed")
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install {' '.join(missing)})")


def test_ci_fails_rather_than_skips_without_the_tools(tmp_path: Path):
    bare = {"PATH": str(tmp_path)}  # a PATH with no bash, curl or jq
    with pytest.raises(pytest.skip.Exception, match="bash, curl, jq not installed"):
        require_tools(bare)
    with pytest.raises(pytest.fail.Exception, match="CI must run the docs commands"):
        require_tools({**bare, "CLEARWAY_DOCS_TEST_REQUIRED": "1"})
    require_tools({"PATH": os.environ["PATH"], "CLEARWAY_DOCS_TEST_REQUIRED": "1"})  # all there: runs


def test_ci_installs_the_tools_and_requires_the_docs_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "for tool in curl jq" in ci and "apt-get install -y -qq $missing" in ci
    assert ci.index("export CLEARWAY_DOCS_TEST_REQUIRED=1") < ci.index("make test")


@pytest.mark.parametrize("guide", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_the_commands_of_the_guide_run_as_written(guide: Path, tmp_path: Path):
    require_tools(os.environ)
    ws = Workspace(tmp_path / "work")
    try:
        ws.start_server()
        for block in blocks(guide):
            if block.runs:
                ws.run(block)
        audit = subprocess.run([sys.executable, "-m", "clearway", "audit", "verify"], cwd=ws.dir, env=ws.env,
                               capture_output=True, text=True, timeout=BLOCK_SECONDS)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        if guide.name in CHECKS:
            CHECKS[guide.name](ws)
    finally:
        ws.close()
