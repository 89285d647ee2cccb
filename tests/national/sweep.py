"""The reconciliation pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from national.models import ReconciliationRow, ReconciliationRun


def _run(w, region, by):
    run = ReconciliationRun.objects.create(created_by=by, region=region, file_name="export.xlsx", counts={})
    return run


def _own_run(w):
    return {"pk": _run(w, w.regions["210302"], w.users["district"]).pk}


def _foreign_run(w):
    return {"pk": _run(w, w.foreign_region, w.users["admin"]).pk}


def _row(w, region, institution, by):
    run = _run(w, region, by)
    row = ReconciliationRow.objects.create(
        run=run, kind=ReconciliationRow.Kind.MISSING, region=region, institution=institution
    )
    return row


def _own_row(w):
    row = _row(w, w.regions["210302"], w.own_institution, w.users["district"])
    return {"pk": row.pk, "action": "national"}


def _foreign_row(w):
    row = _row(w, w.foreign_region, w.foreign_institution, w.users["admin"])
    return {"pk": row.pk, "action": "national"}


def _own_row_pk(w):
    return {"pk": _own_row(w)["pk"]}


def _foreign_row_pk(w):
    return {"pk": _foreign_row(w)["pk"]}


def specs(Spec, ALL_STAFF) -> dict:
    readers = {"city", "district", "other_district", "admin"}
    run_readers = {"city", "district", "admin"}
    return {
        "api:national-run-list": Spec(roles=readers),
        "api:national-run-detail": Spec(roles=run_readers, own=_own_run, foreign=_foreign_run),
        "api:national-run-rows": Spec(roles=run_readers, own=_own_run, foreign=_foreign_run),
        "api:national-row-detail": Spec(roles=run_readers, own=_own_row_pk, foreign=_foreign_row_pk),
        # a row not in the national system cannot be adopted (400); the district keeps it (200)
        "api:national-row-adopt": Spec(
            roles={"district"}, method="post", ok=(400,), own=_own_row_pk, foreign=_foreign_row_pk
        ),
        "api:national-row-national-to-fix": Spec(
            roles={"district"}, method="post", ok=(200,), own=_own_row_pk, foreign=_foreign_row_pk
        ),
        "national:index": Spec(roles=readers),
        "national:template": Spec(roles=readers),
        "national:run": Spec(roles={"city", "district", "admin"}, own=_own_run, foreign=_foreign_run),
        "national:pending": Spec(roles={"city", "district", "admin"}, own=_own_run, foreign=_foreign_run),
        "national:decide": Spec(
            roles={"district"}, method="post", ok=(302,), own=_own_row, foreign=_foreign_row
        ),
    }
