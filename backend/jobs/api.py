from rest_framework import generics, serializers

from accounts.roles import ADMIN, ML_LEAD, has_role

from .models import Job


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
