"""Chinese everywhere, whatever the browser (issue 15, item 3).

Every page of the URL sweep (tests/test_url_sweep.py: its `SPECS`, roles and objects) is loaded as
each of its roles by a browser that asks for English (`Accept-Language: en`), and its visible text
(text nodes outside <script>/<style>, plus the attributes a user reads: placeholder, title,
aria-label, alt, the value of buttons) holds no English word beyond a small allow-list of proper
names, units and file formats. The switcher set to English still gives English. In Chromium started
with an English locale, a date field shows "YYYY-MM-DD" and a file input "未选择文件".
"""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from tests.test_url_sweep import ALL_STAFF, SPECS, get_writing_nothing

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en"}

#: Words that may stay Latin on a Chinese page: standards, file formats, units, product names and
#: the date pattern a date field asks for. Compared case-sensitively, whole words.
ALLOWED = {
    "GB",  # GB 38600, GB/T 9704-2012 (national standards' codes)
    "T",
    "SHA",
    "Excel",
    "PDF",
    "Word",
    "ID",
    "YYYY",
    "MM",
    "DD",
    "HH",  # a time typed as HH:MM (an incident's time of occurrence, like YYYY-MM-DD for dates)
    "TS",  # a complaint's number (TS000012), a code like a hazard's 210302-2026-0001
    "XF",  # a licence number of the tests (XF000001: 消防), data like any certificate number
    "HTMX",
    "JPG",
    "JPEG",
    "PNG",
    "XLSX",
    "xlsx",
    "docx",
    "pdf",
    "jpg",
    "png",
    "CSV",
    "API",
    "REST",  # REST API (issue 18)
    "Redoc",  # the API documentation reader's name (issue 18)
    "Authorization",  # the HTTP header a program sends literally: "Authorization: Bearer <令牌>"
    "Bearer",
    "URL",
    "KB",
    "MB",
    "GIF",
    "WebP",
    "HEIC",  # iPhone photos (issue 16)
    "PowerPoint",
    "Python",  # "需要 Python 3.11" on a draw's public page: what an outsider runs the re-run with
    "WPS",
    "https",
}

#: Latin words that are data, not interface: the test world's usernames (shown as the account's
#: login name) and the demo's "admin".
DATA_WORDS = {"city", "district", "other_district", "institution", "department", "admin"}

#: Attributes a user reads (a tooltip, a placeholder, what a screen reader says, a button's text).
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
BUTTON_INPUTS = {"submit", "button", "reset"}
SKIPPED_ELEMENTS = {"script", "style", "template"}

WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


class VisibleText(HTMLParser):
    """The text a user reads on a page, as a list of (where, text) pairs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.untranslated: list = []  # [tag, depth] of an element marked translate="no"
        self.pieces: list[tuple[str, str]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.untranslated and tag == self.untranslated[0]:
            self.untranslated[1] += 1
        elif not self.untranslated and attributes.get("translate") == "no":
            # a value, not language: a hash, a certificate number, a file name, a command line
            self.untranslated = [tag, 1]
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        for name in READ_ATTRIBUTES:
            if attributes.get(name):
                self.pieces.append((f"<{tag} {name}>", attributes[name]))
        if tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUTS:
            self.pieces.append((f"<{tag} value>", attributes.get("value") or ""))

    def handle_endtag(self, tag):
        if self.untranslated and tag == self.untranslated[0]:
            self.untranslated[1] -= 1
            if not self.untranslated[1]:
                self.untranslated = []
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and not self.untranslated and data.strip():
            self.pieces.append(("text", data.strip()))


def english_words(html: str, also_allowed=()) -> list[tuple[str, str]]:
    """(where, text) of every visible piece of `html` holding a word outside the allow-lists."""
    parser = VisibleText()
    parser.feed(html)
    allowed = ALLOWED | DATA_WORDS | set(also_allowed)
    found = []
    for where, text in parser.pieces:
        words = [word for word in WORD.findall(text) if word not in allowed]
        if words:
            found.append((where, text[:120]))
    return found


def test_values_marked_translate_no_are_not_language_but_what_follows_them_is():
    """A hash, a certificate number or a command line is marked `translate="no"` (HTML's own
    attribute for "not language"): skipped, with the elements inside it; the text after it is read."""
    html = (
        '<dl><dd><code translate="no">b9e639fd<b>LN-ZF-1</b></code> Inputs hash</dd>'
        '<dd translate="no"><span>eldercare-draw/1</span></dd><dd>种子</dd></dl>'
    )
    assert english_words(html) == [("text", "Inputs hash")]


NATIVE_INPUT = re.compile(r'<input\b[^>]*\btype="(?:file|date|datetime-local|month|week|time)"[^>]*>')


def native_inputs(html: str) -> list[str]:
    """Inputs the browser labels in its own language ("Choose Files", "No file chosen",
    mm/dd/yyyy): a date input, or a file input that is not the portal's picker
    (core.widgets.PortalFileInput hides it behind 选择文件)."""
    return [
        tag[:120]
        for tag in NATIVE_INPUT.findall(html)
        if not ('type="file"' in tag and "file-picker-input" in tag)
    ]


def test_native_inputs_are_found():
    html = (
        '<input type="file" name="a" class="form-control"><input type="date" name="d">'
        '<input type="file" name="b" class="visually-hidden file-picker-input"><input type="text">'
    )
    assert [tag.split('name="')[1][0] for tag in native_inputs(html)] == ["a", "d"]


def is_html(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
    )


GET_PAGES = sorted(name for name, spec in SPECS.items() if spec.method == "get")


def pages_of(viewer: str) -> list[str]:
    """The GET pages of the sweep that `viewer` (a role, or "anonymous") is meant to get."""
    if viewer == "anonymous":
        return [name for name in GET_PAGES if SPECS[name].public]
    return [name for name in GET_PAGES if viewer in SPECS[name].roles]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.long
@pytest.mark.parametrize("viewer", ["anonymous", *sorted(ALL_STAFF)])
def test_every_page_is_chinese_for_an_english_browser(world, viewer):
    """Each GET page of the sweep that `viewer` gets, asked for by a browser whose language is
    English: Chinese (Content-Language zh-hans), no English word, no "---------" choice."""
    browser = Client(**ENGLISH_BROWSER)
    if viewer != "anonymous":
        browser.force_login(world.users[viewer])
    problems, checked = [], 0
    for name in pages_of(viewer):
        spec = SPECS[name]
        url = reverse(name, kwargs=spec.own(world) if spec.own else None)
        response = get_writing_nothing(browser, url)
        assert response.status_code < 500, f"{viewer} at {url}"
        if not is_html(response):
            continue
        checked += 1
        html = response.content.decode()
        if response["Content-Language"] != "zh-hans":
            problems.append((url, f"Content-Language {response['Content-Language']}"))
        problems.extend((url, where, text) for where, text in english_words(html))
        if "---------" in html:
            problems.append((url, "a choice reads ---------"))
        problems.extend((url, tag) for tag in native_inputs(html))
    assert checked >= (3 if viewer == "anonymous" else 10), f"only {checked} HTML pages as {viewer}"
    assert not problems, f"English as {viewer}:\n" + "\n".join(map(repr, problems))


def test_the_finder_sees_english():
    """The check itself: English text, a tooltip and a button's value are found; script, style,
    URLs in attributes, the allow-list and Chinese are not."""
    html = (
        '<p>中文 GB 38600 Excel</p><script>var x = "English";</script><style>.a{color:red}</style>'
        '<a href="/hazards/?ordering=deadline" class="btn">返回</a>'
        '<span title="Close">×</span><input type="submit" value="Save"><p>No file chosen</p>'
    )
    found = [text for _where, text in english_words(html)]
    assert found == ["Close", "Save", "No file chosen"]


def test_the_switcher_still_gives_english(world):
    """The opposite check: an English browser that chose English with the switcher reads English."""
    browser = Client(**ENGLISH_BROWSER)
    browser.force_login(world.users["district"])
    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = browser.get(reverse("hazards:list"))
    assert response["Content-Language"] == "en"
    body = response.content.decode()
    assert '<option value="fire">Fire safety</option>' in body
    assert english_words(body)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_english_chromium_types_dates_and_chooses_files_in_chinese(live_server, world, browser, tmp_path):
    """Chromium started in English (locale en-US): the hazard form's date field shows YYYY-MM-DD
    (not mm/dd/yyyy) and the import page's file input 选择文件 / 未选择文件, then the chosen name."""
    from tests.conftest import PASSWORD

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", world.users["district"].username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.get_by_test_id("user-menu")).to_be_visible()
        page.goto(f"{live_server.url}{reverse('hazards:create')}")
        found_on = page.locator("#id_found_on")
        expect(found_on).to_have_attribute("type", "text")
        expect(found_on).to_have_attribute("placeholder", "YYYY-MM-DD")
        page.goto(f"{live_server.url}{reverse('hazards:import')}")
        expect(page.get_by_test_id("file-picker-button")).to_have_text("选择文件")
        names = page.get_by_test_id("file-picker-names")
        expect(names).to_have_text("未选择文件")
        workbook = tmp_path / "隐患台账.xlsx"
        workbook.write_bytes(b"PK")
        page.set_input_files("#id_file", str(workbook))
        expect(names).to_have_text("隐患台账.xlsx")
    finally:
        context.close()


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2020-10-31", "2020-10-31"),
        (" 2020/10/31 ", "2020-10-31"),
        ("2020-1-5", "2020-01-05"),
        ("20201031", "2020-10-31"),
        ("２０２０－１０－３１", "2020-10-31"),
    ],
)
def test_a_date_is_read_in_the_shapes_people_type(typed, day):
    from core.widgets import ISODateField

    assert ISODateField(label="发现日期").clean(typed).isoformat() == day


@pytest.mark.parametrize("typed", ["10/31/2020", "31.10.2020", "2020-02-30", "明天"])
def test_a_date_in_another_shape_is_refused_in_chinese_naming_the_field(typed):
    from django import forms

    from core.widgets import ISODateField

    with translation.override("zh-hans"), pytest.raises(forms.ValidationError) as refused:
        ISODateField(label="发现日期").clean(typed)
    assert refused.value.messages == ["发现日期：请按 YYYY-MM-DD 填写日期，例如 2020-10-31"]


def test_portal_forms_get_the_date_and_file_inputs_and_choose_label(world):
    """A model form of the portal (BootstrapMixin) gets the text date input, the Chinese file picker
    and "请选择" without naming them."""
    from core.widgets import ISODateInput, PortalFileInput
    from hazards.forms import HazardForm

    with translation.override("zh-hans"):
        form = HazardForm(user=world.users["district"])
        assert isinstance(form.fields["found_on"].widget, ISODateInput)
        html = str(form["found_on"])
        assert 'type="text"' in html and 'placeholder="YYYY-MM-DD"' in html and 'type="date"' not in html
        assert "---------" not in str(form["category"]) and "请选择" in str(form["category"])
        files = [field for field in form.fields.values() if isinstance(field.widget, PortalFileInput)]
        for field in files:
            assert field.widget.template_name == "core/widgets/file.html"
