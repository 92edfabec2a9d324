"""The embedded default's shared cache: Django's file cache with counts that stay exact across processes."""

import os
import pickle
import tempfile
import time
import zlib
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class LockingFileBasedCache(FileBasedCache):
    """add and incr atomic across the processes of one machine (they take one lock file), incr keeping expiry.

    Django's file cache reads then writes in both: two web workers counting the same address's sign-ins
    could each read 4 and each write 5. Its incr also resets the entry's expiry to the default timeout.
    """

    @contextmanager
    def _exclusive(self):
        self._createdir()
        with open(os.path.join(self._dir, "counters.lock"), "a+b") as lock_file:  # not *.djcache: never culled
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        path = self._key_to_file(key, version)
        with self._exclusive():
            expiry, value = self._read_entry(path)
            if value is None or (expiry is not None and expiry < time.time()):
                raise ValueError(f"Key '{key}' not found")
            value += delta
            self._write_entry(path, expiry, value)
        return value

    def _read_entry(self, path: str):
        try:
            with open(path, "rb") as entry:
                return pickle.load(entry), pickle.loads(zlib.decompress(entry.read()))
        except FileNotFoundError:
            return None, None

    def _write_entry(self, path: str, expiry, value) -> None:
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        with open(fd, "wb") as entry:
            entry.write(pickle.dumps(expiry, self.pickle_protocol))
            entry.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
        os.replace(tmp_path, path)
