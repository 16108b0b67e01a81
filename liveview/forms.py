"""Django forms in LiveViews: bind a form to a form event and show errors where the user has been.

A form event's payload is a `FormPayload` (a QueryDict), so `MyForm(payload)` already binds.
What this module adds is Phoenix's `used_input?` rule: while the user types (`phx-change`), a
field shows its errors only once the user has touched it (the client marks untouched fields
`_unused_`, docs/internals.md "Form events"); on `phx-submit` every error shows. Errors are
hidden at display time only: `form.errors`, `is_valid()` and `save()` keep Django's meaning.

    form = await abind_form(SignupForm, payload)      # in handle_event, for change and submit
    socket.context["form"] = form
    if event == "save" and form.is_valid():
        ...

Templates keep using Django's own rendering: `{{ form }}`, `{{ form.email }}`,
`{{ form.email.errors }}`, `{{ form.non_field_errors }}`, form and field templates.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, SynchronousOnlyOperation
from django.forms.boundfield import BoundField
from django.forms.utils import ErrorDict, ErrorList

from .core.payloads import TARGET_KEY, FormPayload

__all__ = ["LiveFormMixin", "abind_form", "aclean_form", "bind_form", "live_form_class"]

F = TypeVar("F", bound=forms.BaseForm)


class LiveBoundFieldMixin:
    """A bound field whose errors stay hidden until the user has touched the field."""

    form: Any
    name: str

    @property
    def errors(self) -> ErrorList:
        """The field's errors, or an empty list while the user has not touched it."""
        if self.form.is_used(self.name):
            return super().errors  # type: ignore[misc]
        return self.form.error_class(renderer=self.form.renderer)


@lru_cache(maxsize=None)
def _live_bound_field_class(base: type[BoundField]) -> type[BoundField]:
    if issubclass(base, LiveBoundFieldMixin):
        return base
    return type(f"Live{base.__name__}", (LiveBoundFieldMixin, base), {})


class LiveFormMixin:
    """Mix into a Django form (before `forms.Form`/`forms.ModelForm`) for live error display.

    Bound to the payload of a change event, errors of fields the user has not touched are
    hidden (fields and the non-field errors); bound to a submit, or to anything that is not a
    change event, every error shows. `show_all_errors` overrides the guess.
    """

    #: None: decide from the data (a change event hides untouched errors); True/False: force.
    show_all_errors: bool | None = None
    #: Input names to count as touched besides what the payload says.
    touched: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Form.__init__ picks the bound field class (argument, class, renderer); wrap that one.
        # (The stubs give BoundField an unusual __hash__, so mypy doubts classes are hashable.)
        self.bound_field_class = _live_bound_field_class(
            self.bound_field_class or BoundField)  # type: ignore[has-type,arg-type]

    # What the user has touched --------------------------------------------------------------
    @property
    def is_change(self) -> bool:
        """True while bound to a `phx-change` payload (the client sends `_target` only there)."""
        if self.show_all_errors is not None:
            return not self.show_all_errors
        data = getattr(self, "data", None)
        return bool(getattr(self, "is_bound", False)) and isinstance(data, FormPayload) \
            and TARGET_KEY in data

    def input_names(self, name: str) -> list[str]:
        """The HTML input names of field `name` (several for a MultiWidget)."""
        html_name = self.add_prefix(name)  # type: ignore[attr-defined]
        suffixes = getattr(self.fields[name].widget, "widgets_names", None)  # type: ignore
        return [html_name, *(html_name + suffix for suffix in suffixes or ())]

    def is_used(self, name: str) -> bool:
        """True if field `name` should show its errors now (Phoenix's `used_input?`)."""
        if not self.is_change:
            return True
        data: FormPayload = self.data  # type: ignore[attr-defined]
        names = self.input_names(name)
        if not self.touched.isdisjoint(names):
            return True
        target = data.get(TARGET_KEY)
        # Phoenix's rule: a field is used once it is in the form data without an _unused_
        # marker. An input absent from the data (an unchecked checkbox: Django renders no
        # hidden twin for it) counts only while it is the one that fired. A present input's
        # marker wins over `_target`: form recovery names the first input as the target.
        return any(data.is_used(n) if n in data else n == target for n in names)

    def _all_used(self) -> bool:
        return all(self.is_used(name) for name, field in self.fields.items()  # type: ignore
                   if not field.disabled)

    # What templates show ------------------------------------------------------------------
    def non_field_errors(self) -> ErrorList:
        """Form-wide errors, shown while typing only once every field has been touched."""
        if self.is_change and not self._all_used():
            return self.error_class(error_class="nonfield",  # type: ignore[attr-defined]
                                    renderer=self.renderer)  # type: ignore[attr-defined]
        return super().non_field_errors()  # type: ignore[misc]

    @property
    def visible_errors(self) -> ErrorDict:
        """`form.errors` without what is hidden now (for an error summary in a template)."""
        errors = self.errors  # type: ignore[attr-defined]
        if not self.is_change:
            return errors
        show_top = self._all_used()
        return ErrorDict(
            {name: value for name, value in errors.items()
             if (show_top if name == NON_FIELD_ERRORS else self.is_used(name))},
            renderer=self.renderer)  # type: ignore[attr-defined]


@lru_cache(maxsize=None)
def live_form_class(form_class: type[F]) -> type[F]:
    """`form_class` with LiveFormMixin mixed in (itself if it already has it); cached."""
    if not (isinstance(form_class, type) and issubclass(form_class, forms.BaseForm)):
        raise TypeError(f"expected a Django form class (a forms.Form or forms.ModelForm "
                        f"subclass), got {form_class!r}")
    if issubclass(form_class, LiveFormMixin):
        return form_class
    return type(form_class.__name__, (LiveFormMixin, form_class), {
        "__module__": form_class.__module__, "__qualname__": form_class.__qualname__,
        "__doc__": form_class.__doc__})


def bind_form(form_class: type[F], payload: Mapping[str, Any] | None = None, *,
              submitted: bool | None = None, touched: Iterable[str] = (),
              **form_kwargs: Any) -> F:
    """A `form_class` form bound to `payload` (unbound if None) that hides errors of untouched
    fields while the user types.

    `submitted=True` shows every error, `False` applies the touched rule; by default a change
    event's payload gets the rule and a submit's shows everything. `touched` adds input names
    to count as touched. Other keyword arguments go to the form (`instance`, `initial`,
    `prefix`, `files`...).
    Validation runs lazily, as with any Django form; see `abind_form` for async handlers.
    A payload that is not a mapping (only a forged event sends one) binds as an empty form.
    """
    cls = live_form_class(form_class)  # type: ignore[arg-type]  # a class is hashable
    if payload is not None and not isinstance(payload, Mapping):
        payload = {}  # a forged event (a form's value is always a mapping): an empty form
    form = cls(payload, **form_kwargs) if payload is not None else cls(**form_kwargs)
    if submitted is not None:
        form.show_all_errors = submitted
    if touched:
        form.touched = frozenset(touched)
    return form


async def aclean_form(form: forms.BaseForm) -> None:
    """Validate `form` now: on the event loop, or in the ORM's thread if validation queries
    the database (unique checks, ModelChoiceField, your own clean methods)."""
    if not form.is_bound:
        return
    try:
        form.full_clean()
    except SynchronousOnlyOperation:
        # full_clean starts from scratch, so the partial run above leaves nothing behind.
        await database_sync_to_async(form.full_clean)()


async def abind_form(form_class: type[F], payload: Mapping[str, Any] | None = None, *,
                     submitted: bool | None = None, touched: Iterable[str] = (),
                     **form_kwargs: Any) -> F:
    """`bind_form`, then validate (see `aclean_form`): for async handlers, where a form that
    validates against the database could not be validated later during the render."""
    form = bind_form(form_class, payload, submitted=submitted, touched=touched, **form_kwargs)
    await aclean_form(form)
    return form


#: Numbers the reset forms of this process, so each one's inputs get ids never seen before.
_resets = itertools.count(1)


def reset_form(form_class: type[F], **form_kwargs: Any) -> F:
    """An empty `form_class` form to show after a successful submit, as new to the browser.

    The browser remembers, per input element, which inputs the user has touched or submitted.
    Rendering an empty form into the same inputs keeps that memory, so the next keystroke
    would show "This field is required." under every empty field. This form's inputs get
    new ids (Django's `auto_id`, with a suffix), so the client replaces the elements and
    they start untouched; names, and so the data the form binds, are unchanged. Other
    keyword arguments go to the form, as with `bind_form`.
    """
    auto_id = form_kwargs.pop("auto_id", "id_%s")
    if not isinstance(auto_id, str) or "%s" not in auto_id:
        raise ValueError(f"reset_form({form_class.__name__}): the form's inputs need ids "
                         f"(auto_id with '%s', such as the default 'id_%s'), got {auto_id!r}")
    return bind_form(form_class, auto_id=f"{auto_id}_{next(_resets)}", **form_kwargs)
