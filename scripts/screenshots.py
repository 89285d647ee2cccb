"""Screenshot pages of a running portal (`make run`) as the demo users, into test-artifacts/.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [USERNAME ...]
(with usernames, only their pages; "anonymous" for the public ones)
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import CHROMIUM, CHROMIUM_ARGS

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "Anshan-2020"
PAGES = {
    None: ["/accounts/login/", "/public/", "/public/210381/", "/public/draws/", "/public/draws/1/"],
    "city": [
        "/",
        "/campaigns/",
        "/campaigns/1/",
        "/institutions/",
        "/institutions/self-reports/",
        "/checklist/matrix/",
        "/checklist/matrix/?status=submitted",
        "/checklist/",
        "/hazards/",
        "/reports/summaries/",
        "/inspections/draws/",
        "/inspections/draws/1/",
        "/inspections/items/",
        "/inspections/inspectors/",
        "/inspections/objects/",
        "/inspections/draws/new/",
        "/inspections/records/",
        "/inspections/records/1/",
        "/inspections/filing-checks/",
        "/inspections/inspectors/new/",
        "/dashboards/quality/",
        "/reminders/",
    ],
    "admin": ["/", "/reminders/rules/"],
    "province": ["/"],
    "tiedong": [
        "/",
        "/institutions/",
        "/institutions/new/",
        "/institutions/4/",
        "/public/manage/",
        "/hazards/",
        "/hazards/?is_listed=yes",
        "/hazards/lists/hazards/",
        "/hazards/lists/rectification/",
        "/hazards/lists/responsibility/",
        "/hazards/import/",
        "/hazards/new/",
        "/hazards/121/",
        "/institutions/self-reports/",
        "/checklist/",
        "/checklist/items/4/",
        "/reports/summary/",
        "/inspections/records/",
        "/inspections/records/new/",
        "/inspections/records/1/",
        "/inspections/records/1/print/",
        "/inspections/records/2/",
        "/inspections/filing-checks/",
        "/inspections/draws/1/",
    ],
    "kangle": [
        "/",
        "/institutions/self-report/",
        "/hazards/",
        "/hazards/61/",
        "/inspections/records/3/",
        "/dashboards/supervision/",
        "/licences/",
        "/staff/",
        "/staff/1/",
        "/emergencies/incidents/1/",
    ],
    # issue 17's pages, as the district (the demo's supervision records are 铁东区's)
    "tiedong_supervision": [
        "/dashboards/supervision/",
        "/complaints/",
        "/emergencies/missing/",
        "/licences/",
        "/licences/due/",
        "/licences/new/",
        "/staff/",
        "/staff/3/",
        "/staff/banned-on-staff/",
        "/trainings/",
        "/fire-acceptance/",
        "/enforcement/",
        "/credit/",
        "/institutions/",
        "/inspections/objects/",
    ],
    "yingji": ["/", "/hazards/"],
}


def main():
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        only = sys.argv[2:]
        for username, paths in PAGES.items():
            if only and (username or "anonymous") not in only:
                continue
            for width, label in ((1366, "desktop"), (1280, "office"), (1024, "laptop"), (390, "phone")):
                page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
                # The Content-Security-Policy must never refuse anything of the portal's own.
                page.on(
                    "console",
                    lambda msg, page=page: (
                        "Content Security Policy" in msg.text and print("CSP:", page.url, msg.text)
                    ),
                )
                if username:
                    page.goto(f"{BASE}/accounts/login/")
                    page.fill("#id_username", username.split("_")[0])
                    page.fill("#id_password", PASSWORD)
                    page.click("button[type=submit]")
                for path in paths:
                    page.goto(BASE + path)
                    name = f"{username or 'anonymous'}{path.replace('/', '_')}{label}.png"
                    page.screenshot(path=OUT / name, full_page=True)
                    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                    print(OUT / name, "SIDEWAYS SCROLL" if wide else "")
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
