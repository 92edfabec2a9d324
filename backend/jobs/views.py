from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .api import JobOutput, job_list


@login_required
def job_detail_page(request, pk: int):
    job = get_object_or_404(job_list(user=request.user), pk=pk)
    data = JobOutput(job).data
    return render(request, "jobs/job_detail.html", {"job": data, "can_cancel": not job.is_finished})
