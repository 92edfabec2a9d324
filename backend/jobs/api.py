from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import ADMIN, ML_LEAD, has_role

from .models import Job
from .services import job_cancel


class JobOutput(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "params",
            "result",
            "progress",
            "progress_detail",
            "attempts",
            "log_tail",
            "error",
            "cancel_requested",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
        ]


def job_list(*, user):
    if has_role(user, ML_LEAD, ADMIN):
        return Job.objects.all()
    return Job.objects.filter(created_by=user)


class JobListApi(generics.ListAPIView):
    serializer_class = JobOutput

    def get_queryset(self):
        return job_list(user=self.request.user)


class JobDetailApi(generics.RetrieveAPIView):
    serializer_class = JobOutput

    def get_queryset(self):
        return job_list(user=self.request.user)


class JobCancelApi(APIView):
    """Cancel a queued job at once, or ask a running one to stop at its next progress report."""

    @extend_schema(request=None, responses=JobOutput)
    def post(self, request, pk: int):
        job = get_object_or_404(job_list(user=request.user), pk=pk)
        return Response(JobOutput(job_cancel(job_id=job.pk)).data)
