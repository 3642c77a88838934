"""How long does `git log -p` take on generated schedules, with contractgen's textconv?

    python benchmarks/textconv_git.py            # 20 revisions of one schedule
    python benchmarks/textconv_git.py -n 50

Builds a throw-away repository (in a temporary folder) holding a copy of the example
workspace, commits the example-borough schedule ``n`` times with one clause reworded each
time, runs ``contractgen git-setup``'s configuration and then times ``git log -p`` on the
schedule: without the textconv cache, with it when cold (first run: every version is
converted once and stored in ``refs/notes/textconv/contractgen-docx``) and warm.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contractgen.library.gitsetup import git_setup  # noqa: E402
from contractgen.schedule.render import render_schedule  # noqa: E402
from contractgen.library.workspace import load_workspace  # noqa: E402

CLAUSE = Path("clause_library/clauses/dspt.annual-renewal.yaml")
WORDS = "review, update and republish"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def timed(repo: Path, *args: str) -> float:
    start = time.perf_counter()
    git(repo, *args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20, help="revisions of the schedule (default 20)")
    args = parser.parse_args()
    os.environ.update(
        GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.org",
        GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.org",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "ws"
        repo.mkdir()
        shutil.copy2(ROOT / "contractgen.yaml", repo / "contractgen.yaml")
        for name in ("clause_library", "templates", "profiles", "examples"):
            shutil.copytree(ROOT / name, repo / name)
        os.environ["GIT_CONFIG_GLOBAL"] = str(Path(tmp) / "gitconfig")
        git(repo, "init", "-q", "-b", "main")
        out = repo / "schedules" / "example-borough.docx"
        original = (repo / CLAUSE).read_text(encoding="utf-8")
        for i in range(args.n):
            text = original.replace(WORDS, f"review, update (revision {i}) and republish")
            (repo / CLAUSE).write_text(text, encoding="utf-8")
            render_schedule(load_workspace(repo), "example-borough", output=out)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"revision {i}")
        command = f"{shlex.quote(sys.executable)} -m contractgen textconv"
        git_setup(repo, command=command)
        log = ("log", "-p", "--format=%s", "--", "schedules")
        git(repo, "config", "diff.contractgen-docx.cachetextconv", "false")
        uncached = timed(repo, *log)
        git(repo, "config", "diff.contractgen-docx.cachetextconv", "true")
        cold = timed(repo, *log)
        warm = timed(repo, *log)
        print(f"git log -p over {args.n} revisions of a {out.stat().st_size // 1024} KB schedule:")
        print(f"  no cache   {uncached:6.2f} s  ({uncached / args.n * 1000:5.0f} ms a revision)")
        print(f"  cold cache {cold:6.2f} s")
        print(f"  warm cache {warm:6.2f} s  ({uncached / max(warm, 1e-9):.0f}x faster than no cache)")


if __name__ == "__main__":
    main()
