"""Result folders at a git revision: ``REV`` or ``REV:FOLDER`` copied out of the repository's history.

The ``mds.parquet`` tables are DVC outputs (``dvc.lock`` records their hashes, the files live in
the DVC cache or remote), so they are read through DVC's file system at that revision, which
sees files tracked by git and by DVC alike and fetches from the default remote what the local
cache lacks (a local-folder remote works offline).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

DEFAULT_FOLDER = "reports"


class RevisionError(Exception):
    """A revision that is not in the repository, or holds no MDS tables."""


def is_revision(spec: str, repo: str | Path = ".") -> bool:
    """Whether ``spec`` (``REV`` or ``REV:FOLDER``) names a commit of the git repository ``repo``."""
    rev = spec.split(":", 1)[0]
    done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=repo,
                          capture_output=True)
    return bool(rev) and done.returncode == 0


def export_scores(spec: str, dest: Path, repo: str | Path = ".") -> Path:
    """Copy ``FOLDER/<dataset>/mds.parquet`` at revision ``REV`` into ``dest``; returns ``dest``.

    ``spec`` is ``REV`` (FOLDER defaults to reports) or ``REV:FOLDER``.
    """
    from dvc.api import DVCFileSystem

    rev, _, folder = spec.partition(":")
    folder = folder.strip("/") or DEFAULT_FOLDER
    try:
        fs = DVCFileSystem(str(repo), rev=rev)
    except Exception as exc:  # DVC raises its own types for a missing repo or revision
        raise RevisionError(f"cannot open revision {rev!r} of {repo}: {exc}") from None
    files = sorted(fs.glob(f"/{folder}/*/mds.parquet"))
    if not files:
        raise RevisionError(f"revision {rev!r} holds no {folder}/<dataset>/mds.parquet")
    for path in files:
        target = dest / Path(path).parent.name / "mds.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_bytes(fs.read_bytes(path))
        except Exception as exc:  # a DVC output missing from both the cache and the remote
            raise RevisionError(f"{path} at {rev!r} is in neither the DVC cache nor its remote "
                                f"(run `dvc push` where it was made): {exc}") from None
    return dest
