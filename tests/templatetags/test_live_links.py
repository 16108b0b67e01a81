"""`{% load liveview %}` navigation and flash tags: rendered by Django and through the tree
compiler (the HTML must be the same), with clear errors for misuse."""
import pytest
from django.template import TemplateSyntaxError, engines
from django.urls import NoReverseMatch

from liveview.core.render import render_tree
from liveview.core.tree import tree_to_html


def render(source: str, **context) -> str:
    """Render with Django and with the tree compiler; both must agree."""
    template = engines["django"].from_string("{% load liveview %}" + source)
    html = template.render(context)
    assert tree_to_html(render_tree(template, context)) == html
    return html


def test_patch_link_to_a_url_name():
    assert render('{% live_patch "Items" "items" %}') == (
        '<a href="/items/" data-phx-link="patch" data-phx-link-state="push">Items</a>')


def test_navigate_link_with_replace():
    assert render('{% live_navigate "Go" "wizard" replace=True %}') == (
        '<a href="/wizard/" data-phx-link="redirect" data-phx-link-state="replace">Go</a>')


def test_url_name_takes_args_and_kwargs_like_the_url_tag(settings):
    settings.ROOT_URLCONF = "tests.runtime.urls"
    assert render('{% live_navigate_attrs "other" 4 %}') == (
        'href="/t/other/4/" data-phx-link="redirect" data-phx-link-state="push"')
    assert render('{% live_navigate_attrs "other" pk=5 %}').startswith('href="/t/other/5/"')


def test_path_target_gets_keyword_arguments_as_query_in_place():
    html = render('<a id="n" {% live_patch_attrs url page=next %}>Next</a>',
                  url="/items/?page=1&sort=name", next=2)
    assert html == ('<a id="n" href="/items/?page=2&amp;sort=name" data-phx-link="patch" '
                    'data-phx-link-state="push">Next</a>')
    html = render('{% live_patch_attrs "/items/" tag=tags q=None %}', tags=["a", "b"])
    assert html.startswith('href="/items/?tag=a&amp;tag=b"')
    assert render('{% live_patch_attrs "?page=3" %}').startswith('href="?page=3"')


def test_url_tag_as_variable_then_patch_with_query():
    html = render('{% url "items" as items_url %}{% live_patch "Next" items_url page=2 %}')
    assert html == ('<a href="/items/?page=2" data-phx-link="patch" '
                    'data-phx-link-state="push">Next</a>')


def test_label_and_values_are_escaped():
    html = render('{% live_patch label "/x/" q=q %}', label="<b>", q='"><script>')
    assert "&lt;b&gt;" in html and "<script>" not in html
    assert 'href="/x/?q=%22%3E%3Cscript%3E"' in html


def test_pattern_name_with_query_kwargs_explains_what_to_do():
    with pytest.raises(NoReverseMatch, match=r"\{% live_patch %\}: Reverse for 'items'.*"
                       r"for query parameters give a path instead: "
                       r"\{% url 'items' as items_url %\}"
                       r"\{% live_patch \.\.\. items_url page=\.\.\. %\}"):
        render('{% live_patch "Next" "items" page=2 %}')


def test_bad_targets_and_options_are_refused():
    with pytest.raises(TemplateSyntaxError, match=r"the target must be a URL pattern name or a "
                                                  r"path, got ''"):
        render('{% live_patch "x" "" %}')
    with pytest.raises(TemplateSyntaxError, match=r"positional arguments go with a URL pattern "
                                                  r"name, not with the path '/items/'"):
        render('{% live_patch_attrs "/items/" 3 %}')
    with pytest.raises(TemplateSyntaxError, match=r"replace must be True or False, got 'yes'"):
        render('{% live_navigate "x" "/x/" replace="yes" %}')


def test_live_flash_renders_each_kind_with_a_clear_button():
    html = render("{% live_flash %}", flash={"info": "Saved <now>", "error": "Nope"})
    assert html == (
        '<div id="flash-info" class="flash flash-info" role="alert">Saved &lt;now&gt; '
        '<button type="button" class="flash-close" phx-click="lv:clear-flash" '
        'phx-value-key="info" aria-label="Close">×</button></div>'
        '<div id="flash-error" class="flash flash-error" role="alert">Nope '
        '<button type="button" class="flash-close" phx-click="lv:clear-flash" '
        'phx-value-key="error" aria-label="Close">×</button></div>')
    assert render("{% live_flash %}") == ""
