"""The URL sweep's entries (tests/test_url_sweep.py) for the acceptance workbook (issue 14)."""


def specs(Spec, all_staff) -> dict:
    """{URL name: Spec(...)} of this part's URL patterns: the page (city and district staff), and a
    region's workbook (铁东区's: a county-level unit's, downloaded at once by the city and by 铁东区's
    own staff; 铁西区's staff and everyone outside Anshan get 404)."""
    return {
        "reports:workbook": Spec(roles={"city", "district", "other_district"}),
        "reports:workbook_region": Spec(
            roles={"city", "district"},
            own=lambda w: {"pk": w.regions["210302"].pk},
            foreign=lambda w: {"pk": w.foreign_region.pk},
        ),
    }
