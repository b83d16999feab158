"""Files kept by their SHA-256 in a folder every app server shares (``STORAGE_PATH``).

The same bytes are stored once, under a name that says nothing about the case; a file is
written completely before it is named (rename), so a reader never sees half of one. Serving
a file is always done by a view that has checked the case's access rules.
"""
import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from mediation.extensions import db
from mediation.models import StoredFile


def storage_root() -> Path:
    return Path(current_app.config['STORAGE_PATH'] or Path(current_app.instance_path) / 'storage')


def path_of(sha256: str) -> Path:
    return storage_root() / sha256[:2] / sha256[2:4] / sha256


def store(data: bytes, content_type: str) -> StoredFile:
    """Keep ``data`` (once) and return its record, in the caller's transaction."""
    sha256 = hashlib.sha256(data).hexdigest()
    target = path_of(sha256)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix='.incoming-')
        try:
            with os.fdopen(handle, 'wb') as out:
                out.write(data)
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    record = db.session.get(StoredFile, sha256)
    if record is None:
        record = StoredFile(sha256=sha256, size=len(data), content_type=content_type)
        db.session.add(record)
        db.session.flush()
    return record


def read(sha256: str) -> bytes:
    """The stored bytes, checked against their hash (a file changed on disk is an error, not a document)."""
    data = path_of(sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f'stored file {sha256} does not match its hash')
    return data
