"""Every write of the disclosure app: support policies and publications."""

import hashlib
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Region
from disclosure.models import Publication, SupportPolicy, kinds_for, validate_pdf
from disclosure.selectors import current_rows, manageable_regions


def can_manage(user, region: Region) -> bool:
    return manageable_regions(user).filter(pk=region.pk).exists()


def _check_region(user, region: Region) -> None:
    if not can_manage(user, region):
        raise PermissionDenied


# Support policies ------------------------------------------------------------------------------


def _check_file(upload) -> None:
    try:
        validate_pdf(upload)
    except ValidationError as error:
        raise ValidationError({"file": error.error_list}) from error


def _attach_file(policy: SupportPolicy, upload) -> None:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    policy.file_sha256 = digest.hexdigest()
    policy.original_filename = Path(upload.name).name[-255:]
    policy.file.save(upload.name, upload, save=False)  # stored under a random name (policy_upload_to)


def _detach_file(policy: SupportPolicy) -> None:
    policy.file = ""
    policy.original_filename = ""
    policy.file_sha256 = ""


def _delete_stored_file_on_commit(name: str) -> None:
    if name:
        storage = SupportPolicy._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))


def _validate(policy: SupportPolicy, *, has_file: bool) -> None:
    """Everything but the file (checked by `_check_file` before anything is stored)."""
    if not policy.url and not has_file:
        raise ValidationError({"url": _("Give a link to the policy or upload it as a PDF file.")})
    policy.full_clean(exclude=["file"])


@transaction.atomic
def policy_create(
    *, region: Region, title: str, issuing_body: str, issued_on, url: str = "", file=None, by
) -> SupportPolicy:
    _check_region(by, region)
    policy = SupportPolicy(
        region=region, title=title, issuing_body=issuing_body, issued_on=issued_on, url=url, created_by=by
    )
    if file:
        _check_file(file)
    _validate(policy, has_file=bool(file))
    if file:
        _attach_file(policy, file)
    policy.save()
    return policy


@transaction.atomic
def policy_update(
    *,
    policy: SupportPolicy,
    region: Region,
    title: str,
    issuing_body: str,
    issued_on,
    url: str = "",
    file=None,
    remove_file: bool = False,
    by,
) -> SupportPolicy:
    """Change a policy; a new `file` replaces the old one, `remove_file` drops it. The public list
    serves a file only while it is the one published (its SHA-256 is in the latest snapshot), so a
    replaced file is unpublished until the list is published again."""
    stored = SupportPolicy.objects.select_for_update().select_related("region").get(pk=policy.pk)
    _check_region(by, stored.region)
    _check_region(by, region)
    old_file = stored.file.name
    policy.region, policy.title, policy.issuing_body = region, title, issuing_body
    policy.issued_on, policy.url = issued_on, url
    if file:
        _check_file(file)
    elif remove_file:
        _detach_file(policy)
    _validate(policy, has_file=bool(file or policy.file))
    if file:
        _attach_file(policy, file)
    policy.save()
    if old_file and old_file != policy.file.name:
        _delete_stored_file_on_commit(old_file)
    return policy


@transaction.atomic
def policy_delete(*, policy: SupportPolicy, by) -> None:
    stored = SupportPolicy.objects.select_for_update().select_related("region").get(pk=policy.pk)
    _check_region(by, stored.region)
    _delete_stored_file_on_commit(stored.file.name)
    stored.delete()


# Publications ----------------------------------------------------------------------------------


@transaction.atomic
def publication_publish(*, region: Region, kind: str, by) -> Publication:
    """Publish the region's list of `kind` as it stands now. Every call is a new publication, dated
    now: the public page shows the latest, and the dates answer items 7, 8 and 9."""
    _check_region(by, region)
    if kind not in kinds_for(region):
        raise ValidationError(
            _("%(region)s does not publish this list.") % {"region": region.name}, code="wrong_kind"
        )
    return Publication.objects.create(
        region=region,
        kind=kind,
        published_at=timezone.now(),
        published_by=by,
        snapshot=current_rows(region, kind),
    )
