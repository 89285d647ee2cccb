"""The pages of an export job (see core.exports): its progress, the status fragment the page polls,
the download. Only the user who asked reaches them; anyone else, and everyone once the job has
expired, gets 404. None of them writes anything."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import exports


@login_required
@require_GET
def job_page(request, job):
    job, export = exports.job_of(request, job)
    return render(request, "core/export_job.html", exports.job_context(job, export))


@login_required
@require_GET
def job_status(request, job):
    job, export = exports.job_of(request, job)
    return render(request, "core/_export_status.html", exports.job_context(job, export))


@login_required
@require_GET
def job_download(request, job):
    job, _export = exports.job_of(request, job)
    return exports.download_response(job)
