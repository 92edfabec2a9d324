"""iter_upload: plain files pass through; zips are checked whole before any member is read."""

import io
import zipfile
from pathlib import Path

import pytest

from studies.dicomio import IngestRejected, Limits, iter_upload
from tests.studies import corpus

pytestmark = pytest.mark.skipif(not corpus.REAL_CT.is_dir(), reason=f"real CT not found at {corpus.REAL_CT}")


def unpack(path: Path, limits: Limits | None = None, name: str | None = None) -> list[tuple[str, bytes]]:
    with path.open("rb") as stream:
        return list(iter_upload(stream, name or path.name, limits or Limits()))


def rejection(path: Path, limits: Limits | None = None) -> IngestRejected:
    with pytest.raises(IngestRejected) as caught:
        unpack(path, limits)
    return caught.value


@pytest.fixture(scope="module")
def broken_zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("zips")
    return {name: (build(folder), code) for name, (build, code) in corpus.ZIP_REJECTS.items()}


@pytest.mark.parametrize("name", sorted(corpus.ZIP_REJECTS))
def test_it_rejects_dangerous_or_broken_zips_naming_the_archive(name: str, broken_zips: dict) -> None:
    path, code = broken_zips[name]
    rejected = rejection(path)
    assert rejected.code == code, rejected.reason
    assert rejected.filename == path.name


def test_it_yields_each_file_of_nested_folders_and_skips_folders_and_mac_clutter(tmp_path: Path) -> None:
    members = dict(unpack(corpus.build_zip_with_folders(tmp_path)))
    assert sorted(members) == [
        "folders.zip/study/series-1/IM0001",
        "folders.zip/study/series-1/deeper/IM0002",
        "folders.zip/study/series-2/small.dcm",
    ]
    assert members["folders.zip/study/series-2/small.dcm"] == corpus.GE_SMALL.read_bytes()


def test_it_passes_a_plain_file_through_whatever_its_name(tmp_path: Path) -> None:
    assert unpack(corpus.GE_SMALL, name="looks-like.zip") == [("looks-like.zip", corpus.GE_SMALL.read_bytes())]


def test_it_recognises_a_zip_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    path = corpus.write_zip(tmp_path / "scan.dcm", {"a/slice.dcm": corpus.GE_SMALL.read_bytes()})
    assert [name for name, _ in unpack(path)] == ["scan.dcm/a/slice.dcm"]


def test_it_reads_a_stream_that_cannot_seek(tmp_path: Path) -> None:
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:
            return self.inner.readinto(buffer)

    data = corpus.build_zip_with_folders(tmp_path).read_bytes()
    assert len(list(iter_upload(io.BufferedReader(OneWay(data)), "stream.zip", Limits()))) == 3


def test_it_refuses_everything_before_yielding_anything(tmp_path: Path) -> None:
    members = {"good.dcm": corpus.GE_SMALL.read_bytes(), "../escape.dcm": b"x"}
    stream = corpus.write_zip(tmp_path / "late-escape.zip", members).open("rb")
    with stream, pytest.raises(IngestRejected) as caught:
        next(iter_upload(stream, "late-escape.zip", Limits()))
    assert caught.value.code == "zip_path_traversal"


def test_it_never_reads_more_than_a_member_declares(tmp_path: Path) -> None:
    path = corpus.write_zip(tmp_path / "liar.zip", {"slice.dcm": corpus.GE_SMALL.read_bytes()})
    rejected = rejection(corpus.declare_sizes(path, 100))
    assert rejected.code == "zip_corrupt"  # 100 bytes read, then the CRC no longer matches


def test_it_accepts_a_small_member_that_compresses_very_well(tmp_path: Path) -> None:
    path = corpus.write_zip(tmp_path / "zeros.zip", {"padding.bin": bytes(500_000)})
    assert unpack(path) == [("zeros.zip/padding.bin", bytes(500_000))]


def test_it_applies_the_per_file_and_total_limits_to_members(tmp_path: Path) -> None:
    path = corpus.write_zip(tmp_path / "two.zip", {"a.dcm": corpus.GE_SMALL.read_bytes(), "b.dcm": b"b"})
    assert rejection(path, Limits(max_file_bytes=10_000)).code == "too_large"
    assert rejection(path, Limits(zip_max_total_bytes=20_000)).code == "zip_too_large"
    assert rejection(path, Limits(zip_max_members=1)).code == "zip_too_many_members"


def test_it_rejects_a_plain_file_over_the_limit() -> None:
    assert rejection(corpus.GE_SMALL, Limits(max_file_bytes=1000)).code == "too_large"


def test_it_opens_a_nested_zip_when_the_limits_allow_one_level(tmp_path: Path) -> None:
    members = unpack(corpus.build_zip_nested(tmp_path), Limits(max_depth=1))
    assert [name for name, _ in members] == ["nested.zip/inner.bin/slice.dcm"]


def test_it_rejects_a_member_compressed_with_an_unsupported_method(tmp_path: Path) -> None:
    path = corpus.write_zip(tmp_path / "method.zip", {"slice.dcm": corpus.GE_SMALL.read_bytes()}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    for signature, method_offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        data[at + method_offset] = 99  # AES (WinZip) encryption marker
    path.write_bytes(bytes(data))
    assert rejection(path).code == "zip_corrupt"
