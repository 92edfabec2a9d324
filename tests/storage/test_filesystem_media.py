"""The default media backend: files under MEDIA_ROOT, replaced in place and atomically, never outside it."""

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from studies import storage


def files_under(folder) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_writing_a_name_again_replaces_its_content_under_the_same_name(media_root):
    storage.write_atomic("reformats/series-1/coronal-abc.npz", b"first")
    storage.write_atomic("reformats/series-1/coronal-abc.npz", b"second")
    assert storage.read_bytes("reformats/series-1/coronal-abc.npz") == b"second"
    assert files_under(media_root) == ["reformats/series-1/coronal-abc.npz"]  # no renamed copy beside it


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_partial_one(media_root):
    storage.write_atomic("images/ab/1.hu.npy", b"complete")

    class FailingContent(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"half"
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        storage.media().save("images/ab/1.hu.npy", FailingContent(b""))
    assert storage.read_bytes("images/ab/1.hu.npy") == b"complete"
    assert files_under(media_root) == ["images/ab/1.hu.npy"]


def test_a_name_that_escapes_the_media_root_is_refused(media_root):
    with pytest.raises(SuspiciousFileOperation):
        storage.write_atomic("../outside.txt", b"x")
    assert not (media_root.parent / "outside.txt").exists()


def test_names_under_lists_a_folder_recursively_and_an_absent_one_as_empty(media_root):
    storage.write_atomic("exports/1/a.csv", b"a")
    storage.write_atomic("exports/2/b.csv", b"b")
    assert storage.names_under("exports") == ["exports/1/a.csv", "exports/2/b.csv"]
    assert storage.names_under("nothing-here") == []
    storage.remove_quietly("exports/1/a.csv", "exports/1/never-written.csv", "")
    assert storage.names_under("exports") == ["exports/2/b.csv"]


def test_weights_are_read_in_place_without_a_cached_copy(media_root, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    storage.write_atomic("models/base-0123456789ab.pt", b"weights")
    assert storage.local_copy("models/base-0123456789ab.pt") == media_root / "models/base-0123456789ab.pt"
    assert not (settings.VAR_DIR / "cache").exists()
