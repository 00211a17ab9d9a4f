"""Uploads stored content-addressed: a file's name is the SHA-256 of its bytes, nothing else.

No student id or uploaded file name ever becomes part of a path; the same upload stored twice
is one file; a write is atomic (a crash leaves no half blob under its final name).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from grader.results.models import write_atomic

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, digest: str) -> Path:
        if not _DIGEST.match(digest):
            raise ValueError("not a SHA-256 digest")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.is_file():
            write_atomic(path, data)
        return digest

    def get(self, digest: str) -> bytes:
        data = self._path(digest).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"blob {digest[:12]} is damaged on disk")
        return data
