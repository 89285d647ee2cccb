"""The URL sweep's entries (tests/test_url_sweep.py) for the summary report and the per-unit acceptance report (PDF) (issue 14)."""


def specs(Spec, all_staff) -> dict:
    """{URL name: Spec(...)} of this part's URL patterns."""
    return {
        # the reader's own city: the GET offers the background job (core.exports) and writes
        # nothing; the POST that starts it is tested in tests/reports/test_pdf.py (admins have no
        # region: 404)
        "reports:pdf_summary": Spec(roles={"city"}),
        # a unit's acceptance report, downloaded at once: the city's staff for any of its units, a
        # district for its own
        "reports:pdf_unit": Spec(
            roles={"city", "district", "admin"},
            own=lambda w: {"pk": w.regions["210302"].pk},
            foreign=lambda w: {"pk": w.foreign_region.pk},
        ),
    }
