from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.permissions import roles_required
from accounts.roles import ADMIN, CLINICIAN, LABELLER, ML_LEAD
from core.renderers import BINARY_RENDERERS, PNG_RENDERERS

from . import selectors, serializers, storage
from .levels import series_level_mark
from .models import Image
from .reformat import series_reformat
from .services import subject_update_body, upload_ingest
from .thumbnails import image_thumbnail_ensure

UPLOAD_ROLES = (CLINICIAN, ML_LEAD, ADMIN)
SUBJECT_EDITORS = (CLINICIAN, ADMIN)  # clinicians: subjects whose every image they see (services)
LEVEL_MARKERS = (CLINICIAN, LABELLER, ADMIN)
STUDY_DETAIL_PREFETCH = ("series__images", "series__device", "series__level_overrides")


def outcome_status(outcomes) -> int:
    stored = any(o.status == "stored" for o in outcomes)
    rejected = [o for o in outcomes if o.status == "rejected"]
    if not rejected:
        return status.HTTP_201_CREATED if stored else status.HTTP_200_OK
    if len(rejected) < len(outcomes):
        return status.HTTP_207_MULTI_STATUS
    codes = {o.http_status for o in rejected}
    return codes.pop() if len(codes) == 1 else status.HTTP_400_BAD_REQUEST


class StudyListCreateApi(generics.ListAPIView):
    serializer_class = serializers.StudyListOutput
    parser_classes = [MultiPartParser]

    def get_permissions(self):
        if self.request.method == "POST":
            return [roles_required(*UPLOAD_ROLES)()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request.method == "POST":
            self.throttle_scope = "upload"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        return selectors.study_list(user=self.request.user).prefetch_related("series__device")

    @extend_schema(
        request={"multipart/form-data": serializers.UploadInput},
        responses={201: serializers.UploadOutput, 207: serializers.UploadOutput, 400: serializers.UploadOutput},
        description="Upload DICOM files or zips of them (field `files`). Each file gets its own outcome.",
    )
    def post(self, request):
        files = request.FILES.getlist("files")
        if not files:
            return Response(
                {"detail": "No files: send one or more DICOM files or zips in the field 'files'."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        outcomes = upload_ingest(files=files, user=request.user)
        body = {
            "results": [o.as_dict() for o in outcomes],
            "stored": sum(o.status == "stored" for o in outcomes),
            "duplicates": sum(o.status == "duplicate" for o in outcomes),
            "rejected": sum(o.status == "rejected" for o in outcomes),
        }
        return Response(serializers.UploadOutput(body).data, status=outcome_status(outcomes))


class StudyDetailApi(generics.RetrieveAPIView):
    serializer_class = serializers.StudyDetailOutput

    def get_queryset(self):
        return selectors.study_list(user=self.request.user).prefetch_related(*STUDY_DETAIL_PREFETCH)


class StudyWorkApi(APIView):
    @extend_schema(
        responses=serializers.StudyWorkOutput,
        description="Where each image's measurement stands: `queued` (with `position`, 1 = next in its queue), "
        "`running` (with `progress` 0..1; `stage` preparing or measuring), or the newest covering job's outcome "
        "(`succeeded`, `failed`, `cancelled`), or `none`. `pending` is true while any image is queued or running.",
    )
    def get(self, request, pk: int):
        study = get_object_or_404(selectors.study_list(user=request.user), pk=pk)
        return Response(serializers.StudyWorkOutput(selectors.study_pending_work(study=study)).data)


class ImageDetailApi(generics.RetrieveAPIView):
    serializer_class = serializers.ImageOutput

    def get_queryset(self):
        return selectors.image_list(user=self.request.user)


class ImagePixelsApi(APIView):
    renderer_classes = BINARY_RENDERERS

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="Raw little-endian int16 HU, row-major, in the standard radiological view (anterior at the "
        "top, patient right on the left, whatever the DICOM's ImageOrientationPatient); shape in X-Rows and "
        "X-Columns, (row, column) spacing in mm in X-Pixel-Spacing.",
    )
    def get(self, request, pk: int):
        image = get_object_or_404(selectors.image_list(user=request.user), pk=pk)
        hu = storage.hu_load(image.hu_path)
        response = HttpResponse(hu.astype("<i2", copy=False).tobytes(), content_type="application/octet-stream")
        response["X-Rows"] = str(image.rows)
        response["X-Columns"] = str(image.columns)
        response["X-Pixel-Spacing"] = f"{image.spacing_row_mm},{image.spacing_col_mm}"
        response["X-Dtype"] = "int16-le"
        response["Cache-Control"] = "private, max-age=3600"
        return response


class ImageThumbnailApi(APIView):
    renderer_classes = PNG_RENDERERS

    @extend_schema(responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk: int):
        image = get_object_or_404(selectors.image_list(user=request.user), pk=pk)
        relative = image_thumbnail_ensure(image=image)
        response = HttpResponse(storage.read_bytes(relative), content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class DeviceListApi(generics.ListAPIView):
    serializer_class = serializers.DeviceListOutput

    def get_queryset(self):
        return selectors.device_list()


class DeviceDetailApi(generics.RetrieveAPIView):
    serializer_class = serializers.DeviceListOutput

    def get_queryset(self):
        return selectors.device_list()


class SubjectUpdateApi(APIView):
    permission_classes = [roles_required(*SUBJECT_EDITORS)]

    @extend_schema(
        request=serializers.SubjectUpdateInput,
        responses=serializers.StudyDetailOutput,
        description="Enter or correct the subject's sex, height (m) and weight (kg); its measurements "
        "(SMI, BMI, flags) are recomputed and each change is recorded (who, when, old and new value). A clinician "
        "may change only a subject whose every image they see: otherwise 403 subject_not_yours.",
    )
    def patch(self, request, pk: int):
        study = get_object_or_404(selectors.study_list(user=request.user), pk=pk)
        body = serializers.SubjectUpdateInput(data=request.data)
        body.is_valid(raise_exception=True)
        values = {"sex": None, "height_m": None, "weight_kg": None, **body.validated_data}
        subject_update_body(subject=study.subject, user=request.user, **values)
        study = selectors.study_list(user=request.user).prefetch_related(*STUDY_DETAIL_PREFETCH).get(pk=pk)
        return Response(serializers.StudyDetailOutput(study).data)


class SeriesLevelApi(APIView):
    permission_classes = [roles_required(*LEVEL_MARKERS)]

    @extend_schema(request=serializers.SeriesLevelInput, responses=serializers.SeriesLevelOutput)
    def put(self, request, pk: int):
        series = get_object_or_404(selectors.series_list(user=request.user), pk=pk)
        body = serializers.SeriesLevelInput(data=request.data)
        body.is_valid(raise_exception=True)
        image_id = body.validated_data["image_id"]
        image = None if image_id is None else get_object_or_404(Image, pk=image_id)
        mark = series_level_mark(series=series, image=image, user=request.user)
        return Response(serializers.SeriesLevelOutput(mark.series).data)


class SeriesDetailApi(generics.RetrieveAPIView):
    serializer_class = serializers.SeriesDetailOutput

    def get_queryset(self):
        return selectors.series_list(user=self.request.user).prefetch_related("images", "level_overrides")


class SeriesReformatApi(APIView):
    renderer_classes = BINARY_RENDERERS

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="The series' sagittal or coronal reformat (`plane`), built from its axial slices with their "
        "real spacing: raw little-endian int16 HU, row-major, shape in X-Rows and X-Columns, (z, in-plane) "
        "spacing in mm in X-Pixel-Spacing. Row 0 is the most superior, at patient z X-Z-Top-Mm; each row is "
        "X-Pixel-Spacing's first value lower. Sagittal columns run anterior to posterior (patient facing "
        "left), coronal ones patient right to left; X-Position is the axial column (sagittal) or row "
        "(coronal) the 6 mm slab is centred on. A series of fewer than two placed slices has none: 409.",
    )
    def get(self, request, pk: int, plane: str):
        series = get_object_or_404(selectors.series_list(user=request.user), pk=pk)
        reformat = series_reformat(series=series, plane=plane)
        body = reformat.hu.astype("<i2", copy=False).tobytes()
        response = HttpResponse(body, content_type="application/octet-stream")
        rows, columns = reformat.hu.shape
        response["X-Rows"], response["X-Columns"] = str(rows), str(columns)
        response["X-Pixel-Spacing"] = f"{reformat.spacing_mm[0]},{reformat.spacing_mm[1]}"
        response["X-Z-Top-Mm"] = f"{reformat.z_top_mm}"
        response["X-Position"] = str(reformat.position)
        response["X-Dtype"] = "int16-le"
        response["Cache-Control"] = "private, no-cache"  # the series may gain slices
        return response
