from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import roles_required
from accounts.roles import ADMIN, ML_LEAD
from config.errors import ApplicationError
from config.fields import id_field
from studies.models import Device, Image

from . import selectors
from .models import ModelVersion
from .services.inference import inference_start
from .services.training import training_start
from .services.versions import evaluation_matrix, model_version_promote

ML_ROLES = (ML_LEAD, ADMIN)
VersionOutput = inline_serializer("ModelVersionOutput", fields={"id": serializers.IntegerField()})


class PaginatedVersions(APIView):
    @extend_schema(
        operation_id="model_versions_list",
        responses=inline_serializer("ModelVersionList", fields={"count": serializers.IntegerField()}),
    )
    def get(self, request):
        versions = [selectors.version_as_dict(v) for v in selectors.version_list()]
        return Response({"count": len(versions), "next": None, "previous": None, "results": versions})


class VersionDetailApi(APIView):
    @extend_schema(responses=VersionOutput)
    def get(self, request, pk: int):
        version = get_object_or_404(selectors.version_list(), pk=pk)
        return Response(selectors.version_as_dict(version, detail=True))


class PromoteInput(serializers.Serializer):
    gate = serializers.BooleanField(default=False)


class VersionPromoteApi(APIView):
    permission_classes = [roles_required(*ML_ROLES)]

    @extend_schema(request=PromoteInput, responses=VersionOutput)
    def post(self, request, pk: int):
        body = PromoteInput(data=request.data)
        body.is_valid(raise_exception=True)
        version = get_object_or_404(ModelVersion, pk=pk)
        version = model_version_promote(version=version, gate=body.validated_data["gate"], user=request.user)
        return Response(selectors.version_as_dict(selectors.version_list().get(pk=version.pk), detail=True))


class TrainInput(serializers.Serializer):
    parent_id = id_field()
    epochs = serializers.IntegerField(min_value=1, max_value=500, default=20)
    freeze_encoder = serializers.BooleanField(default=False)
    replay = serializers.BooleanField(default=True)
    auto_promote = serializers.BooleanField(default=False)


class DeviceTrainApi(APIView):
    permission_classes = [roles_required(*ML_ROLES)]

    @extend_schema(
        request=TrainInput,
        responses={
            202: inline_serializer(
                "TrainStarted", fields={"job_id": serializers.IntegerField(), "version_id": serializers.IntegerField()}
            )
        },
    )
    def post(self, request, pk: int):
        body = TrainInput(data=request.data)
        body.is_valid(raise_exception=True)
        options = dict(body.validated_data)
        device = get_object_or_404(Device, pk=pk)
        parent = ModelVersion.objects.filter(pk=options.pop("parent_id")).first()
        if parent is None:
            raise ApplicationError("parent_id does not name a model version", code="bad_parent")
        job = training_start(device=device, parent=parent, options=options, user=request.user)
        return Response({"job_id": job.id, "version_id": job.params["version_id"]}, status=status.HTTP_202_ACCEPTED)


class InferenceInput(serializers.Serializer):
    study_id = id_field(required=False)
    device_id = id_field(required=False)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        chosen = [k for k in ("study_id", "device_id") if attrs.get(k) is not None] + (["all"] if attrs["all"] else [])
        if len(chosen) != 1:
            raise serializers.ValidationError("give exactly one of study_id, device_id or all=true")
        return attrs


class InferenceApi(APIView):
    permission_classes = [roles_required(*ML_ROLES)]

    @extend_schema(
        request=InferenceInput,
        responses={202: inline_serializer("InferenceStarted", fields={"job_id": serializers.IntegerField()})},
    )
    def post(self, request):
        body = InferenceInput(data=request.data)
        body.is_valid(raise_exception=True)
        images = Image.objects.all()
        if body.validated_data.get("study_id") is not None:
            images = images.filter(series__study_id=body.validated_data["study_id"])
        elif body.validated_data.get("device_id") is not None:
            images = images.filter(device_id=body.validated_data["device_id"])
        job = inference_start(
            image_ids=list(images.values_list("id", flat=True)), user=request.user, reason="on demand"
        )
        if job is None:
            return Response({"job_id": None, "detail": "nothing to do: no images, or no active model"})
        return Response({"job_id": job.id}, status=status.HTTP_202_ACCEPTED)


class EvaluationMatrixApi(APIView):
    @extend_schema(responses=inline_serializer("EvaluationMatrix", fields={"cells": serializers.ListField()}))
    def get(self, request):
        matrix = evaluation_matrix()
        versions = selectors.version_list().order_by("created_at", "id")
        matrix["versions"] = [
            {
                "id": v.id,
                "name": v.name,
                "status": v.status,
                "parent_id": v.parent_id,
                "device": v.device.display_name if v.device else None,
            }
            for v in versions
        ]
        matrix["devices"] = [{"id": d.id, "display_name": d.display_name} for d in Device.objects.order_by("id")]
        return Response(matrix)


class DeviceOverviewApi(APIView):
    @extend_schema(responses=inline_serializer("DeviceOverview", fields={"id": serializers.IntegerField()}, many=True))
    def get(self, request):
        return Response(selectors.device_overview())
