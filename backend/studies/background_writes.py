"""Media writes on a few threads: an upload's next file is read and de-identified while the files of the
last ones go to the disk or the object store (a write waits on IO, fsync or a PUT, with the GIL released)."""

from concurrent.futures import Future, ThreadPoolExecutor

from . import storage


class BackgroundWrites:
    """`submit({name: bytes})` stores every file or, if one write fails, none; the future raises its error."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="media-write")

    def submit(self, files: dict[str, bytes]) -> Future:
        return self._pool.submit(_write_all, files)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _write_all(files: dict[str, bytes]) -> None:
    written: list[str] = []
    try:
        for name, content in files.items():
            storage.write_atomic(name, content)
            written.append(name)
    except BaseException:
        storage.remove_quietly(*written)
        raise
