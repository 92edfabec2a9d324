"""read_ct on real CT from three scanners, on unusual but valid files, and on a corpus of broken ones."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import uid
from pydicom.pixels import get_decoder

from studies.dicomio import REJECTION_CODES, IngestRejected, Limits, ParsedCT, normalise_device, read_ct
from tests.studies import corpus

corpus.skip_module_without_real_ct()

pytestmark = pytest.mark.skipif(not corpus.REAL_CT.is_dir(), reason=f"real CT not found at {corpus.REAL_CT}")


def read(path: Path, limits: Limits | None = None) -> ParsedCT:
    return read_ct(path.read_bytes(), path.name, limits or Limits())


def fraction(hu: np.ndarray, low: int, high: int) -> float:
    return float(((hu >= low) & (hu <= high)).mean())


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("broken")
    return {name: (build(folder), code) for name, (build, code) in corpus.DICOM_REJECTS.items()}


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return corpus.build_valid(tmp_path_factory.mktemp("valid"))


@pytest.mark.parametrize("group", sorted(corpus.real_groups()))
def test_it_reads_every_real_file_group_with_air_and_soft_tissue_hu(group: str) -> None:
    for path in corpus.real_groups()[group][:3]:
        parsed = read(path)
        assert parsed.hu.dtype == np.int16 and parsed.hu.shape == (parsed.rows, parsed.cols)
        assert parsed.hu.min() >= -3100 and parsed.hu.max() <= 4000
        assert fraction(parsed.hu, -100, 100) > 0.1, "soft tissue (about 40 HU) should be common"
        if parsed.rows == 512:  # the 128 x 128 GE crop holds no air
            assert fraction(parsed.hu, -1100, -900) > 0.1, "air (about -1000 HU) should be common"
        assert 0.3 < parsed.pixel_spacing_mm[0] < 1.5


def test_it_reads_the_siemens_jpeg2000_series_and_derives_the_uids_it_lacks() -> None:
    slices = [read(path) for path in corpus.real_groups()["siemens_j2k_series"][:3]]
    first = slices[0]
    assert first.transfer_syntax == uid.JPEG2000Lossless.name
    assert first.device_key == "siemens/biograph40_mct_4r" and first.device_display == "SIEMENS Biograph40_mCT 4R"
    assert first.sop_class_uid == uid.CTImageStorage  # from the file meta: the data set's own is empty
    assert first.derived_uids == ("study", "series")
    assert len({s.study_instance_uid for s in slices}) == 1 and len({s.series_instance_uid for s in slices}) == 1
    assert len({s.sop_instance_uid for s in slices}) == 3
    assert [s.slice_location for s in slices] == [-766.5, -768.5, -770.5]
    assert first.patient_key == "" and first.subject_key == f"study:{first.study_instance_uid}"
    assert first.patient_weight_kg == 79.0 and first.kvp == 120.0 and first.kernel == "Br38f\\3"


def test_it_reads_demographics_and_geometry_from_the_ge_implicit_vr_series() -> None:
    parsed = read(corpus.GE_LIVER / "01.dcm")
    assert parsed.transfer_syntax == uid.ImplicitVRLittleEndian.name
    assert (parsed.patient_sex, parsed.patient_age_years, parsed.patient_key) == ("M", 60, "99000")
    assert parsed.device_key == "ge/lightspeed_ultra" and parsed.study_date.isoformat() == "2003-04-17"
    assert parsed.slice_location == pytest.approx(-126.69) and parsed.instance_number == 1
    assert parsed.derived_uids == ()


def test_it_reads_a_file_with_no_manufacturer_as_an_unknown_device() -> None:
    parsed = read(corpus.UN_SLICE)
    assert parsed.device_key == "unknown/unknown"
    assert parsed.slice_thickness_mm is None and parsed.kvp is None
    assert parsed.slice_location == -121.0  # from ImagePositionPatient: the file has no SliceLocation


def test_it_treats_placeholder_age_and_zero_weight_as_unknown() -> None:
    parsed = read(corpus.GE_SMALL)  # PatientAge 000Y, PatientWeight 0, PatientSex O
    assert (parsed.patient_age_years, parsed.patient_weight_kg, parsed.patient_sex) == (None, None, "")


@pytest.mark.parametrize("name", sorted(name for name in corpus.VALID_BUILDERS if not name.startswith("zip")))
def test_it_accepts_unusual_but_valid_files(name: str, valid: dict[str, Path]) -> None:
    parsed = read(valid[name])
    original = read(corpus.GE_SMALL)
    if name == "jpeg_baseline":  # lossy and 8-bit: HU within one quantisation step plus JPEG error
        assert np.abs(parsed.hu.astype(int) - np.clip(original.hu, -1024, 1016)).mean() < 12
    else:
        assert np.array_equal(parsed.hu, original.hu)


@pytest.mark.parametrize("name", sorted(corpus.DICOM_REJECTS))
def test_it_rejects_broken_files_with_a_reason_naming_the_file(name: str, broken: dict) -> None:
    path, code = broken[name]
    with pytest.raises(IngestRejected) as caught:
        read(path)
    assert caught.value.code == code, caught.value.reason
    assert caught.value.code in REJECTION_CODES
    assert caught.value.filename == path.name and str(caught.value).startswith(path.name)
    assert len(caught.value.reason) > 10


def test_it_rejects_a_file_over_the_size_limit() -> None:
    with pytest.raises(IngestRejected) as caught:
        read(corpus.GE_SMALL, Limits(max_file_bytes=1000))
    assert caught.value.code == "too_large"


def test_it_rejects_dimensions_over_configured_limits() -> None:
    with pytest.raises(IngestRejected) as caught:
        read(corpus.GE_SMALL, Limits(max_rows=64, max_cols=64))
    assert caught.value.code == "bad_dimensions"


def test_it_has_a_decoder_for_every_promised_transfer_syntax() -> None:
    promised = [uid.JPEGBaseline8Bit, uid.JPEGExtended12Bit, uid.JPEGLossless, uid.JPEGLosslessSV1]
    promised += [uid.JPEG2000Lossless, uid.JPEG2000, uid.RLELossless, uid.JPEGLSLossless]
    assert [syntax.name for syntax in promised if not get_decoder(syntax).is_available] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(corpus.GE_SMALL.read_bytes()) - 139))
def test_a_file_cut_anywhere_before_its_pixels_end_is_rejected(cut: int) -> None:
    # The last 138 bytes follow the pixel data (DataSetTrailingPadding): cutting there loses no pixel.
    with pytest.raises(IngestRejected):
        read_ct(corpus.GE_SMALL.read_bytes()[:cut], "cut.dcm")


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 2999), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_headers_give_a_result_or_a_rejection_never_a_crash(edits: list[tuple[int, int]]) -> None:
    data = bytearray(corpus.GE_SMALL.read_bytes())
    for offset, value in edits:
        data[offset] = value
    try:
        read_ct(bytes(data), "fuzzed.dcm")
    except IngestRejected as rejected:
        assert rejected.code in REJECTION_CODES


@pytest.mark.parametrize(
    ("manufacturer", "model", "key", "display"),
    [
        ("SIEMENS", "Biograph40_mCT", "siemens/biograph40_mct", "SIEMENS Biograph40_mCT"),
        ("Siemens Healthineers", "SOMATOM  Force", "siemens/somatom_force", "Siemens SOMATOM Force"),
        ("GE MEDICAL SYSTEMS", "LightSpeed Ultra", "ge/lightspeed_ultra", "GE LightSpeed Ultra"),
        ("GE Healthcare", "Revolution CT", "ge/revolution_ct", "GE Revolution CT"),
        ("Philips Medical Systems", "iCT 256", "philips/ict_256", "Philips iCT 256"),
        ("TOSHIBA", "Aquilion", "toshiba/aquilion", "TOSHIBA Aquilion"),
        ("Canon Medical Systems Corporation", "Aquilion ONE", "canon/aquilion_one", "Canon Aquilion ONE"),
        ("FUJIFILM Corporation", "FCT Speedia", "fujifilm/fct_speedia", "FUJIFILM FCT Speedia"),
        ("NeuroLogica Corp.", "BodyTom", "neurologica/bodytom", "NeuroLogica BodyTom"),
        ("", "", "unknown/unknown", "Unknown manufacturer (model not recorded)"),
    ],
)
def test_it_normalises_device_names(manufacturer: str, model: str, key: str, display: str) -> None:
    assert normalise_device(manufacturer, model) == (key, display)


def test_the_package_never_imports_django() -> None:
    code = "import sys, studies.dicomio; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    backend = Path(__file__).resolve().parents[2] / "backend"
    assert subprocess.run([sys.executable, "-c", code], cwd=backend, check=False).returncode == 0
