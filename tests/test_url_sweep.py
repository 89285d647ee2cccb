"""Every URL pattern, requested as every kind of user: the scoping guard of the whole portal.

Each named URL must have an entry in SPECS (admin URLs are covered by one rule): a new URL without
one fails `test_every_url_pattern_is_covered`. For each entry the sweep checks that

- anonymous users are sent to the login page (or refused) unless the page is public;
- roles not listed get 403 or 404, never the page;
- an object outside the viewer's scope answers 404;
- no response is a 500, and no 200 response shows data from outside the viewer's scope;
- no GET writes anything: no row of any table is inserted, updated or deleted (PostgreSQL's
  per-transaction counters, compared before and after each GET).
"""

import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from accounts.tokens import issue_token
from core.models import ImportBatch
from institutions.models import SelfReport
from tests.api import sweep_hazards as sweep_api_hazards
from tests.api import sweep_institutions as sweep_api_institutions
from tests.api import sweep_supervision as sweep_api_supervision
from tests.complaints import sweep as sweep_complaints
from tests.credit import sweep as sweep_credit
from tests.disclosure.factories import policy as disclosure_policy
from tests.disclosure.factories import published_policy, unpublished_policy
from tests.emergencies import sweep as sweep_emergencies
from tests.enforcement import sweep as sweep_enforcement
from tests.fireacceptance import sweep as sweep_fireacceptance
from tests.inspections import sweep as sweep_inspections
from tests.licences import sweep as sweep_licences
from tests.national import sweep as sweep_national
from tests.reports import sweep_docx, sweep_pdf, sweep_workbook
from tests.staff import sweep as sweep_staff
from tests.submissions import with_token
from tests.trainings import sweep as sweep_trainings

ALL_STAFF = {"city", "district", "other_district", "institution", "department", "admin"}
VIEWERS = ["anonymous", *sorted(ALL_STAFF)]


@dataclass
class Spec:
    roles: set[str] = field(default_factory=set)  # viewers that get the page for `own`
    public: bool = False
    method: str = "get"
    ok: tuple[int, ...] = (200,)
    own: Callable | None = None  # kwargs for an object of 铁东区 (the "district" viewer's unit)
    foreign: Callable | None = None  # kwargs for an object no Anshan viewer may see
    public_names: bool = False  # a public page that lists every region's name by design


def import_batch(kind, uploader):
    """A checked import batch with one problem, uploaded by `uploader` (district: 铁东区; admin: the
    foreign city)."""

    def build(w):
        region = w.foreign_region if uploader == "admin" else w.regions["210302"]
        batch = ImportBatch.objects.create(
            kind=kind,
            region=region,
            created_by=w.users[uploader],
            file=f"imports/sweep-{kind}.xlsx",
            original_name="名单.xlsx",
            sha256="0" * 64,
            row_count=1,
            errors=[{"row": 2, "column": "机构名称", "field": "name", "message": "必填"}],
        )
        return {"pk": batch.pk}

    return build


def campaign_pk(obj):
    return lambda w: {"pk": getattr(w, obj).pk}


def institution_pk(obj):
    return lambda w: {"pk": getattr(w, obj).pk}


def submitted_report(obj):
    def build(w):
        institution = getattr(w, obj)
        return {
            "pk": SelfReport.objects.create(
                institution=institution, status="submitted", values={}, created_by=w.users["admin"]
            ).pk
        }

    return build


def batch_pk(region, user, kind="institutions"):
    def build(w):
        batch = ImportBatch.objects.create(
            kind=kind,
            region=region(w),
            created_by=w.users[user],
            original_name="机构名单.xlsx",
            sha256="0" * 64,
            file="imports/missing.xlsx",
        )
        return {"pk": batch.pk}

    return build


def export_job(user, done=False):
    """An export job (core.exports) of the three lists asked for by `user`; `done`: its file written."""

    def build(w):
        from core import exports
        from hazards.excel_views import EXPORT

        job = exports.start(w.users[user], EXPORT, "")
        if done:
            exports.run_export(job["id"])
            assert exports.get_job(job["id"])["status"] == exports.DONE
        return {"job": job["id"]}

    return build


STAFF = {"city", "district", "other_district", "admin"}
OWN_UNIT = {"city", "district", "admin"}  # who reaches an object of 铁东区
own_batch = batch_pk(lambda w: w.regions["210302"], "district")
foreign_batch = batch_pk(lambda w: w.foreign_region, "admin")


def own_policy(w):
    return {"pk": disclosure_policy(w.regions["210302"], w.users["district"]).pk}


def foreign_policy(w):
    return {"pk": disclosure_policy(w.foreign_region, w.users["admin"]).pk}


def hazard_of(obj, referred_to="housing"):
    """A hazard of the world's institution `obj`, referred to the housing department (the
    "department" viewer), so that every role that may see it does."""

    def build(w):
        return {"pk": referred_hazard(w, obj, referred_to).pk}

    return build


def referred_hazard(w, obj, department):
    from hazards.models import Hazard, Referral
    from tests.hazards.factories import hazard_values

    institution = getattr(w, obj)
    hazard = Hazard(**hazard_values(institution))
    hazard.code = f"{institution.region.code}-2026-{Hazard.objects.count() + 1:04d}"
    hazard.created_by = w.users["admin"]
    hazard.save()
    Referral.objects.create(
        hazard=hazard, department=department, referred_on=hazard.found_on, referred_by=w.users["admin"]
    )
    return hazard


def referral_of(obj):
    return lambda w: {"pk": referred_hazard(w, obj, "housing").referrals.get().pk}


def hazard_evidence(obj):
    def build(w):
        from core.evidence import evidence_attach
        from tests.hazards.factories import photo

        hazard = referred_hazard(w, obj, "housing")
        evidence = evidence_attach(owner=hazard, file=photo(), purpose="before", by=w.users["admin"])
        return {"pk": evidence.pk}

    return build


def hazard_step(obj, action):
    return lambda w: {**hazard_of(obj)(w), "action": action}


def answer_of(region_of, campaign_of):
    """A submitted answer to item 4 by a unit (铁东区, or the foreign district of another city)."""

    def build(w):
        from campaign.models import InspectionItem, ItemAnswer

        campaign = campaign_of(w)
        item = campaign.items.filter(number=4).first() or InspectionItem.objects.create(
            campaign=campaign, number=4, text="外市的检查项目", level="county", answer_kind="ratio"
        )
        # update_or_create: the overflow sweep builds every entry's objects in one database
        answer, _created = ItemAnswer.objects.update_or_create(
            item=item,
            region=region_of(w),
            defaults={"status": "submitted", "narrative": "已落实", "submitted_by": w.users["district"]},
        )
        return {"pk": answer.pk}

    return build


own_answer = answer_of(lambda w: w.regions["210302"], lambda w: w.campaign)
foreign_answer = answer_of(lambda w: w.foreign_region, lambda w: w.foreign_campaign)
ANSWERERS = {"district", "other_district"}


def summary_report(region, campaign):
    def build(w):
        from reports.models import SummaryReport

        report = SummaryReport.objects.create(
            campaign=getattr(w, campaign),
            region=region(w),
            status="submitted",
            submitted_by=w.users["district"],
        )
        return {"pk": report.pk}

    return build


own_summary = summary_report(lambda w: w.regions["210302"], "campaign")
foreign_summary = summary_report(lambda w: w.foreign_region, "foreign_campaign")
SUMMARY_REVIEWERS = {"city", "admin"}

HAZARD_READERS = OWN_UNIT | {"institution", "department"}
LIST_READERS = STAFF | {"department"}
own_hazard_batch = batch_pk(lambda w: w.regions["210302"], "district", kind="hazards")
foreign_hazard_batch = batch_pk(lambda w: w.foreign_region, "admin", kind="hazards")
HAZARD_WRITERS = {"district", "institution"}


def notification_of(user):
    """A notification of the world's user `user` (reminders): its recipient's alone."""

    def build(w):
        from reminders.models import Notification

        notification = Notification.objects.create(
            recipient=w.users[user],
            source="hazard",
            subject=f"hazard:{900 + Notification.objects.count()}",
            kind="overdue",
            title="隐患整改已逾期",
            url="/hazards/",
            due_on="2026-11-20",
            reminded_on="2026-11-23",
        )
        return {"pk": notification.pk}

    return build


REMINDER_ADMINS = {"city", "admin"}


def hazard_rule(w):
    """The hazard source's rule (the migration's row; made again after a transactional test's flush)."""
    from reminders.models import Rule

    Rule.objects.get_or_create(source="hazard")
    return {"source": "hazard"}


SPECS: dict[str, Spec] = {
    "core:home": Spec(roles=ALL_STAFF),
    "core:healthz": Spec(public=True),
    "accounts:login": Spec(public=True, roles=ALL_STAFF, ok=(200, 302)),
    "accounts:logout": Spec(public=True, roles=ALL_STAFF, method="post", ok=(302,)),
    "accounts:password_change": Spec(roles=ALL_STAFF),
    "accounts:password_done": Spec(roles=ALL_STAFF),
    "campaign:list": Spec(roles=ALL_STAFF),
    "campaign:detail": Spec(
        roles=ALL_STAFF, own=campaign_pk("campaign"), foreign=campaign_pk("foreign_campaign")
    ),
    "set_language": Spec(public=True, roles=ALL_STAFF, method="post", ok=(302,)),
    "api:api-root": Spec(roles=ALL_STAFF),
    # Excel imports through the API (issue 18, core/imports_api.py): only the uploader sees a batch
    **{
        f"api:import-{kind}-{name}": spec
        for kind in ("institutions", "hazards")
        for name, spec in (
            ("list", Spec(roles=ALL_STAFF)),
            (
                "detail",
                Spec(
                    roles={"district"},
                    own=import_batch(kind, "district"),
                    foreign=import_batch(kind, "admin"),
                ),
            ),
            (
                "apply",
                Spec(
                    roles={"district"},
                    method="post",
                    ok=(400,),  # the batch has a problem: refused, nothing written
                    own=import_batch(kind, "district"),
                    foreign=import_batch(kind, "admin"),
                ),
            ),
        )
    },
    # the OpenAPI schema and its two readers (issue 18)
    "api:schema": Spec(roles=ALL_STAFF),
    "api:docs": Spec(roles=ALL_STAFF),
    "api:redoc": Spec(roles=ALL_STAFF),
    "api:region-list": Spec(roles=ALL_STAFF),
    "api:region-detail": Spec(
        roles={"city", "district", "admin"},
        own=lambda w: {"pk": w.regions["210302"].pk},
        foreign=lambda w: {"pk": w.foreign_region.pk},
    ),
    "api:campaign-list": Spec(roles=ALL_STAFF),
    "api:campaign-detail": Spec(
        roles=ALL_STAFF, own=campaign_pk("campaign"), foreign=campaign_pk("foreign_campaign")
    ),
    "institutions:list": Spec(roles=STAFF),
    "institutions:create": Spec(roles=STAFF),
    "institutions:detail": Spec(
        roles=OWN_UNIT | {"institution"},
        own=institution_pk("own_institution"),
        foreign=institution_pk("foreign_institution"),
    ),
    "institutions:edit": Spec(
        roles=OWN_UNIT, own=institution_pk("own_institution"), foreign=institution_pk("foreign_institution")
    ),
    "institutions:self_report": Spec(roles={"institution"}),
    "institutions:self_report_list": Spec(roles=STAFF),
    "institutions:self_report_review": Spec(
        roles=OWN_UNIT,
        own=submitted_report("own_institution"),
        foreign=submitted_report("foreign_institution"),
    ),
    "institutions:self_report_accept": Spec(
        roles=OWN_UNIT,
        method="post",
        ok=(302,),
        own=submitted_report("own_institution"),
        foreign=submitted_report("foreign_institution"),
    ),
    "institutions:self_report_return": Spec(
        roles=OWN_UNIT,
        method="post",
        ok=(400,),
        own=submitted_report("own_institution"),
        foreign=submitted_report("foreign_institution"),
    ),
    "institutions:export": Spec(roles=STAFF),
    "institutions:import": Spec(roles=STAFF),
    "institutions:import_template": Spec(roles=STAFF),
    "institutions:import_preview": Spec(roles={"district"}, own=own_batch, foreign=foreign_batch),
    "institutions:import_apply": Spec(
        roles={"district"}, method="post", ok=(302,), own=own_batch, foreign=foreign_batch
    ),
    "disclosure:index": Spec(public=True, public_names=True),
    "disclosure:region": Spec(public=True, public_names=True, own=lambda w: {"code": "210302"}),
    "disclosure:policy_file": Spec(
        public=True,
        own=lambda w: {"pk": published_policy(w).pk},
        foreign=lambda w: {"pk": unpublished_policy(w).pk},
    ),
    "disclosure:manage": Spec(roles=STAFF),
    "disclosure:policy_create": Spec(roles=STAFF),
    "disclosure:manage_region": Spec(
        roles=OWN_UNIT, own=lambda w: {"code": "210302"}, foreign=lambda w: {"code": w.foreign_region.code}
    ),
    "disclosure:publish": Spec(
        roles=OWN_UNIT,
        method="post",
        ok=(302,),
        own=lambda w: {"code": "210302", "kind": "filed"},
        foreign=lambda w: {"code": w.foreign_region.code, "kind": "filed"},
    ),
    "disclosure:policy_edit": Spec(roles=OWN_UNIT, own=own_policy, foreign=foreign_policy),
    "disclosure:policy_delete": Spec(
        roles=OWN_UNIT, method="post", ok=(302,), own=own_policy, foreign=foreign_policy
    ),
    "hazards:list": Spec(roles=ALL_STAFF),
    "hazards:institution_options": Spec(roles=ALL_STAFF),
    "reports:summary": Spec(roles={"district", "other_district"}),
    "reports:summary_list": Spec(roles=SUMMARY_REVIEWERS),
    "reports:summary_detail": Spec(roles=SUMMARY_REVIEWERS, own=own_summary, foreign=foreign_summary),
    "reports:summary_accept": Spec(
        roles=SUMMARY_REVIEWERS, method="post", ok=(302,), own=own_summary, foreign=foreign_summary
    ),
    "reports:summary_return": Spec(
        roles=SUMMARY_REVIEWERS, method="post", ok=(400,), own=own_summary, foreign=foreign_summary
    ),
    "reports:summary_reopen": Spec(
        roles=SUMMARY_REVIEWERS, method="post", ok=(400,), own=own_summary, foreign=foreign_summary
    ),
    "checklist:index": Spec(roles={"city", *ANSWERERS}),
    "checklist:answer": Spec(roles=ANSWERERS, own=lambda w: {"number": 4}),
    "checklist:evidence": Spec(roles=ANSWERERS, method="post", ok=(400,), own=lambda w: {"number": 4}),
    "checklist:matrix": Spec(roles={"city"}),
    "checklist:review": Spec(roles={"city"}, own=own_answer, foreign=foreign_answer),
    "checklist:accept": Spec(
        roles={"city"}, method="post", ok=(302,), own=own_answer, foreign=foreign_answer
    ),
    "checklist:return": Spec(
        roles={"city"}, method="post", ok=(400,), own=own_answer, foreign=foreign_answer
    ),
    "checklist:reopen": Spec(
        roles={"city"}, method="post", ok=(400,), own=own_answer, foreign=foreign_answer
    ),
    # An export job is its asker's alone: everyone else gets 404 (another user's job is out of scope).
    "core:export_job": Spec(roles={"district"}, own=export_job("district"), foreign=export_job("admin")),
    "core:export_status": Spec(roles={"district"}, own=export_job("district"), foreign=export_job("admin")),
    "core:export_download": Spec(
        roles={"district"}, own=export_job("district", done=True), foreign=export_job("admin", done=True)
    ),
    # the photos also used by another record (core.photos): every role, each sees its own scope's
    "core:evidence_reused": Spec(roles=ALL_STAFF),
    "core:evidence_download": Spec(
        roles=HAZARD_READERS,
        own=hazard_evidence("own_institution"),
        foreign=hazard_evidence("foreign_institution"),
    ),
    "core:evidence_preview": Spec(
        roles=HAZARD_READERS,
        own=hazard_evidence("own_institution"),
        foreign=hazard_evidence("foreign_institution"),
    ),
    "hazards:create": Spec(roles={"district", "other_district"}),
    "hazards:detail": Spec(
        roles=HAZARD_READERS, own=hazard_of("own_institution"), foreign=hazard_of("foreign_institution")
    ),
    "hazards:edit": Spec(
        roles={"district"}, own=hazard_of("own_institution"), foreign=hazard_of("foreign_institution")
    ),
    "hazards:transition": Spec(
        roles=HAZARD_WRITERS,
        method="post",
        ok=(302,),
        own=hazard_step("own_institution", "start"),
        foreign=hazard_step("foreign_institution", "start"),
    ),
    "hazards:extend": Spec(
        roles={"district"},
        method="post",
        ok=(400,),
        own=hazard_of("own_institution"),
        foreign=hazard_of("foreign_institution"),
    ),
    "hazards:evidence": Spec(
        roles=HAZARD_WRITERS,
        method="post",
        ok=(400,),
        own=hazard_of("own_institution"),
        foreign=hazard_of("foreign_institution"),
    ),
    "hazards:refer": Spec(
        roles={"district"},
        method="post",
        ok=(400,),
        own=hazard_of("own_institution"),
        foreign=hazard_of("foreign_institution"),
    ),
    "hazards:delete": Spec(
        roles={"district"},
        method="post",
        ok=(400,),
        own=hazard_of("own_institution"),
        foreign=hazard_of("foreign_institution"),
    ),
    "hazards:reply": Spec(
        roles={"department"},
        method="post",
        ok=(400,),
        own=referral_of("own_institution"),
        foreign=referral_of("foreign_institution"),
    ),
    "hazards:lists": Spec(
        roles=LIST_READERS, own=lambda w: {"kind": "hazards"}, foreign=lambda w: {"kind": "nonexistent"}
    ),
    "hazards:export": Spec(roles=LIST_READERS),
    "hazards:import": Spec(roles={"district", "other_district"}),
    "hazards:import_template": Spec(roles={"district", "other_district"}),
    "hazards:import_preview": Spec(roles={"district"}, own=own_hazard_batch, foreign=foreign_hazard_batch),
    "hazards:import_apply": Spec(
        roles={"district"}, method="post", ok=(302,), own=own_hazard_batch, foreign=foreign_hazard_batch
    ),
    "accounts:reminders": Spec(roles=ALL_STAFF),
    # a user's own API tokens (issue 18): anyone else's token is not found
    "accounts:api_tokens": Spec(roles=ALL_STAFF),
    "accounts:api_token_revoke": Spec(
        roles={"district"},
        method="post",
        ok=(303,),
        own=lambda w: {"pk": issue_token(user=w.users["district"], name="sweep", days=30)[0].pk},
        foreign=lambda w: {"pk": issue_token(user=w.users["admin"], name="sweep", days=30)[0].pk},
    ),
    "reminders:inbox": Spec(roles=ALL_STAFF),
    "reminders:open": Spec(
        roles={"district"},
        method="post",
        ok=(303,),
        own=notification_of("district"),
        foreign=notification_of("admin"),
    ),
    "reminders:read": Spec(
        roles={"district"},
        method="post",
        ok=(303,),
        own=notification_of("district"),
        foreign=notification_of("admin"),
    ),
    "reminders:read_all": Spec(roles=ALL_STAFF, method="post", ok=(303,)),
    "reminders:rules": Spec(roles=REMINDER_ADMINS),
    "reminders:rule_save": Spec(roles=REMINDER_ADMINS, method="post", ok=(400,), own=hazard_rule),
    "reminders:health": Spec(roles=REMINDER_ADMINS),
    "api:milestone-list": Spec(roles=ALL_STAFF),
    "dashboards:region": Spec(
        roles={"city", "district", "admin"},
        own=lambda w: {"pk": w.regions["210302"].pk},
        foreign=lambda w: {"pk": w.foreign_region.pk},
    ),
    "dashboards:quality": Spec(roles=STAFF),
    "dashboards:supervision": Spec(roles=ALL_STAFF),
    "dashboards:quality_records": Spec(
        roles=STAFF, own=lambda w: {"check": "credit-code"}, foreign=lambda w: {"check": "no-such-check"}
    ),
    "api:milestone-detail": Spec(
        roles=ALL_STAFF,
        own=lambda w: {"pk": w.campaign.milestones.first().pk},
        foreign=lambda w: {"pk": w.foreign_campaign.milestones.first().pk},
    ),
}
# The printed outputs (issue 14) keep their entries beside their tests: each module's
# `specs(Spec, ALL_STAFF)` returns {URL name: Spec}.
for _module in (
    sweep_workbook,
    sweep_pdf,
    sweep_docx,
    sweep_inspections,
    sweep_complaints,
    sweep_emergencies,
    sweep_credit,
    sweep_enforcement,
    sweep_licences,
    sweep_staff,
    sweep_trainings,
    sweep_fireacceptance,
    sweep_national,
    sweep_api_hazards,
    sweep_api_institutions,
    sweep_api_supervision,
):
    SPECS |= _module.specs(Spec, ALL_STAFF)

# Text that must never reach a viewer: names of things outside their scope.
FOREIGN_TEXT = {
    "city": ["大连市", "中山区"],
    "district": ["大连市", "中山区", "铁西区"],
    "other_district": ["大连市", "中山区", "铁东区"],
    "institution": ["大连市", "中山区", "铁西区"],
    "department": ["大连市", "中山区"],
}
DENIED = (403, 404)


def url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_pattern_is_covered():
    uncovered = {name for name in url_names() if not name.startswith("admin:")} - set(SPECS)
    assert not uncovered, (
        f"URL patterns without a sweep entry in tests/test_url_sweep.py: {sorted(uncovered)}"
    )


def request_as(client, world, viewer, spec, url):
    if viewer != "anonymous":
        client.force_login(world.users[viewer])
        if spec.method == "post":  # a logged-in user's POST carries its one-time form token
            return client.post(url, with_token(client))
    if spec.method == "get":
        return get_writing_nothing(client, url)
    return getattr(client, spec.method)(url)


def table_writes() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted so far in this test's transaction, per table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables")
        return {name: tuple(counts) for name, *counts in cursor.fetchall()}


def get_writing_nothing(client, url):
    """GET `url`, failing if the request wrote to any table (a GET never writes)."""
    before = table_writes()
    response = client.get(url)
    after = table_writes()
    written = {
        table: {"before": before.get(table), "after": counts}
        for table, counts in after.items()
        if counts != before.get(table, (0, 0, 0))
    }
    assert not written, f"GET {url} wrote (inserted, updated, deleted): {written}"
    return response


@pytest.mark.parametrize("write", ["insert", "update", "delete"])
def test_the_no_write_guard_sees_every_kind_of_write(client, world, write):
    """The guard itself fails a GET during which a row is inserted, updated or deleted."""
    from django.core.signals import request_started

    from campaign.models import ItemAnswer

    item, region = world.campaign.items.get(number=4), world.regions["210302"]
    if write != "insert":
        ItemAnswer.objects.create(item=item, region=region)

    def writing(**_kwargs):
        if write == "insert":
            ItemAnswer.objects.create(item=item, region=region)
        elif write == "update":
            ItemAnswer.objects.update(narrative="改")
        else:
            ItemAnswer.objects.all().delete()

    request_started.connect(writing, dispatch_uid="sweep-guard")
    try:
        with pytest.raises(AssertionError, match="campaign_itemanswer"):
            get_writing_nothing(client, reverse("accounts:login"))
    finally:
        request_started.disconnect(dispatch_uid="sweep-guard")
    assert get_writing_nothing(client, reverse("accounts:login")).status_code == 200


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# The portal's Content-Security-Policy (config/settings.py): these directives on every page.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def assert_csp(response, url):
    """One Content-Security-Policy on every response: the portal's strict one, or an evidence
    file's own sandboxed one (core.evidence)."""
    policies = [value for key, value in response.items() if key.lower() == "content-security-policy"]
    assert len(policies) == 1, f"{len(policies)} Content-Security-Policy headers at {url}"
    directives = {part.strip() for part in policies[0].split(";")}
    if "sandbox" in directives:
        assert "default-src 'none'" in directives, url
        return
    # a page that asked for a nonce (Redoc's styles) has it after 'self': still no inline style
    directives = {re.sub(r" 'nonce-[A-Za-z0-9+/=]+'$", "", part) for part in directives}
    missing = [directive for directive in CSP_DIRECTIVES if directive not in directives]
    assert not missing, f"{url}: the policy lacks {missing}: {policies[0]}"
    assert "unsafe-inline" not in policies[0] and "unsafe-eval" not in policies[0], url


def assert_no_foreign_text(response, viewer):
    if response.streaming:
        return
    body = response.content.decode("utf-8", errors="replace")
    for text in FOREIGN_TEXT.get(viewer, []):
        assert text not in body, f"{viewer} sees {text!r} at {response.request['PATH_INFO']}"


@contextmanager
def rolled_back():
    """Run a block inside a savepoint that is rolled back: each viewer meets the same rows."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        translation.activate(settings.LANGUAGE_CODE)


def check_viewer(world, name, spec, viewer, url) -> None:
    """One viewer's request of `url` (the entry `name`) and what it must answer."""
    response = request_as(Client(), world, viewer, spec, url)
    assert response.status_code < 500
    assert_csp(response, url)
    if viewer == "anonymous":
        if spec.public:
            assert response.status_code in spec.ok
        else:
            # the REST API answers 401 (a program has no login page to go to)
            # (its two documentation pages are pages: they send a visitor to the login page)
            program = name.startswith("api:") and name not in ("api:docs", "api:redoc")
            refused = (401,) if program else (302, 403)
            assert response.status_code in refused, response.status_code
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:login"))
    elif spec.public or viewer in spec.roles:
        assert response.status_code in spec.ok, f"got {response.status_code}"
    else:
        assert response.status_code in DENIED, f"got {response.status_code}"
    if response.status_code == 200 and not spec.public_names:
        assert_no_foreign_text(response, viewer)


def every_viewer(viewers, check) -> None:
    """`check(viewer)` for each viewer, each in its own rolled-back savepoint with a fresh client;
    fails naming every viewer that failed (not only the first)."""
    failures = []
    for viewer in viewers:
        with rolled_back():
            try:
                check(viewer)
            except AssertionError as error:
                failures.append(f"{viewer}: {error}")
    assert not failures, "\n".join(failures)


# One test per URL entry, every viewer in it: the objects are made once and each viewer's request
# runs in a savepoint rolled back after it (the same rows for all seven; a test per viewer made the
# world seven times: ~10 of the suite's minutes of setup).
@pytest.mark.parametrize("name", sorted(SPECS))
def test_url_as_every_viewer(world, name):
    spec = SPECS[name]
    url = reverse(name, kwargs=spec.own(world) if spec.own else None)
    every_viewer(VIEWERS, lambda viewer: check_viewer(world, name, spec, viewer, url))


@pytest.mark.parametrize("name", sorted(name for name, spec in SPECS.items() if spec.foreign))
def test_object_outside_scope_answers_404(world, name):
    spec = SPECS[name]
    url = reverse(name, kwargs=spec.foreign(world))

    def check(viewer):
        client = Client()
        client.force_login(world.users[viewer])
        if spec.method == "get":
            response = get_writing_nothing(client, url)
        else:
            response = client.post(url, with_token(client))
        assert_csp(response, url)
        if spec.public or viewer in spec.roles:
            assert response.status_code == 404, f"got {response.status_code}"
        else:  # a role without the page is refused before any object is looked up
            assert response.status_code in DENIED, f"got {response.status_code}"

    every_viewer(sorted(ALL_STAFF - {"admin"}), check)


def admin_urls(world) -> list[str]:
    """Every admin URL that can be built, with a real object id where one is needed."""
    urls = []
    for name in sorted(n for n in url_names() if n.startswith("admin:")):
        for kwargs in ({}, {"object_id": world.users["district"].pk}, {"app_label": "campaign"}):
            try:
                urls.append(reverse(name, kwargs=kwargs))
                break
            except NoReverseMatch:  # try the next shape of arguments
                continue
    return urls


@pytest.mark.parametrize("viewer", sorted(ALL_STAFF - {"admin"}))
def test_admin_is_closed_to_everyone_but_superusers(client, world, viewer):
    client.force_login(world.users[viewer])
    urls = admin_urls(world)
    assert len(urls) > 20
    for url in urls:
        response = get_writing_nothing(client, url)
        assert response.status_code < 500, url
        assert_csp(response, url)
        if url in (reverse("admin:login"), reverse("admin:jsi18n")):
            continue
        if url == reverse("admin:logout"):
            assert response.status_code in (302, 405)  # POST only; nothing to log out of
            continue
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_admin_opens_for_superusers(client, world):
    client.force_login(world.users["admin"])
    for url in admin_urls(world):
        response = get_writing_nothing(client, url)
        assert response.status_code < 500, url
        assert_csp(response, url)
    assert client.get(reverse("admin:index")).status_code == 200
