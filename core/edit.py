"""One flow for the record forms of issue 17's registers (credit records, enforcement orders,
licences, staff, trainings, 一事一议 cases …): the form on GET, the service on a valid POST, the
service's `ValidationError` back on the form (400, what was typed kept), a message and a redirect
on success. The page is `core/record_form.html` unless the app has its own.

A GET never writes; the one-time token (`{% submission_token %}` in the template,
core.submissions) makes a repeated POST answer like the first.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core.forms import add_errors


@dataclass
class FormPage:
    """What `core/record_form.html` shows around the form. Every text already translated.

    - `title`: the heading and the window's title ("新建信用记录", "编辑许可证照" …);
    - `crumbs`: (url, label) pairs before the title in the breadcrumb (the list, the record);
    - `cancel_url`: where 取消 goes (the record, else the list);
    - `testid`: the form's `data-testid`;
    - `wide`: names of the fields given the whole row (long text);
    - `note`: one sentence of help under the fields, or "".
    """

    title: str
    crumbs: Sequence[tuple[str, str]]
    cancel_url: str
    testid: str
    wide: Sequence[str] = ("reason", "note", "content", "description")
    note: str = ""
    extra: dict = field(default_factory=dict)


def edit_page(
    request,
    form: forms.BaseForm,
    save: Callable[[forms.BaseForm], Model],
    *,
    page: FormPage,
    done: Callable[[Model], str],
    success_url: Callable[[Model], str],
    template: str = "core/record_form.html",
) -> HttpResponse:
    """Answer a record form's request.

    `save(form)` is called with a valid bound form on POST and returns the saved object; it calls
    the app's service and may raise `ValidationError` (a dict naming fields in Chinese, or one
    sentence), which is put on the form (`core.forms.add_errors`) and answered with status 400.
    On success: `messages.success(done(obj))` and a redirect to `success_url(obj)`.
    """
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done(obj))
            return redirect(success_url(obj))
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, "page": page, **page.extra}, status=status)
