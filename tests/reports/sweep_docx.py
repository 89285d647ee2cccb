"""The URL sweep's entries (tests/test_url_sweep.py) for the official .docx (issue 14)."""


def specs(Spec, all_staff) -> dict:
    """{URL name: Spec(...)} of this part's URL patterns: city staff (and superusers) get Anshan's
    form and document; Dalian (another city) answers 404; every other role 403."""
    own = lambda w: {"pk": w.regions["210300"].pk}  # noqa: E731
    foreign = lambda w: {"pk": w.foreign_region.parent_id}  # noqa: E731
    return {
        "reports:docx_form": Spec(roles={"city", "admin"}, own=own, foreign=foreign),
        "reports:docx": Spec(roles={"city", "admin"}, own=own, foreign=foreign),
    }
