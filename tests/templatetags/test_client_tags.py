"""`{% js %}`, `{% portal %}` and `{% colocated_hook %}`: rendered by Django and through the
tree compiler (the HTML must be the same), what goes on the wire, the hooks build and the
clear errors for misuse."""
from __future__ import annotations

import html as html_lib
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.template import TemplateSyntaxError, engines

from liveview import JS
from liveview import colocated
from liveview.core.diff import diff_tree
from liveview.core.render import render_tree
from liveview.core.tree import tree_to_html


def render(source: str, **context) -> str:
    """Render with Django and with the tree compiler; both must agree."""
    template = engines["django"].from_string("{% load liveview %}" + source)
    html = template.render(context)
    assert tree_to_html(render_tree(template, context)) == html
    return html


def attribute_json(html: str) -> list:
    """The commands the browser reads back from the first attribute value in `html`."""
    return json.loads(html_lib.unescape(html.split('"', 2)[1]))


# {% js %} -------------------------------------------------------------------------------------

def test_js_tag_builds_a_command_escaped_for_an_attribute():
    html = render("""<button phx-click="{% js 'show' to='#modal' time=300 %}">""")
    assert html == ('<button phx-click="[[&quot;show&quot;,{&quot;time&quot;:300,'
                    '&quot;to&quot;:&quot;#modal&quot;}]]">')
    assert attribute_json(html) == JS.show(to="#modal", time=300).ops


def test_js_tag_extends_a_value_and_names_the_result_with_as():
    html = render("""{% js 'push_focus' as cmd %}{% js cmd 'show' to='#m' as cmd %}"""
                  """<b x="{% js cmd 'focus_first' to='#m' %}" y="{{ cmd }}">""",
                  )
    assert attribute_json(html) == JS.push_focus().show(to="#m").focus_first(to="#m").ops
    assert json.loads(html_lib.unescape(html.split('"')[3])) == \
        JS.push_focus().show(to="#m").ops
    # A value from the context, with positional arguments and a value dict.
    html = render("""<b x="{% js base 'push' 'inc' value=v %}">""", base=JS.hide(to="#x"),
                  v={"by": 2})
    assert attribute_json(html) == JS.hide(to="#x").push("inc", value={"by": 2}).ops


@pytest.mark.parametrize("source, message", [
    ("{% js %}", "{% js %} needs a command name first (optionally after a JS value to extend), "
                 "e.g. {% js 'show' to='#modal' %} or {% js open_modal 'focus_first' "
                 "to='#modal' %}; got no arguments"),
    ("{% js 'shw' %}", "{% js %}: unknown JS command 'shw'; the commands are: push, "),
    ("{% js 'show' too='#x' %}", "{% js %}: JS.show(*, to=None, transition=None, display=None, "
                                 "time=None, blocking=None): got an unexpected keyword "
                                 "argument 'too' (received (too='#x'))"),
    ("{% js 'show' time='fast' %}", "{% js %}: JS.show: time must be an int of milliseconds "
                                    ">= 0, got 'fast' (str)"),
])
def test_js_tag_errors_name_the_problem(source, message):
    with pytest.raises(TemplateSyntaxError) as info:
        render(source)
    assert str(info.value).startswith(message)


# {% portal %} ---------------------------------------------------------------------------------

PORTAL = ('<div class="clip">{% portal id=pid target="#modals" class=cls %}'
          '<div id="modal">Votes: {{ votes }}</div>{% endportal %}</div>')


def test_portal_renders_the_template_the_client_teleports():
    assert render(PORTAL, pid="p1", votes=1, cls="wrap") == (
        '<div class="clip"><template id="p1" data-phx-portal="#modals">'
        '<div id="_lv_portal_wrap_p1" class="wrap"><div id="modal">Votes: 1</div></div>'
        '</template></div>')
    # Defaults: target body, a div without class; container= picks another wrapper tag.
    assert render('{% portal id="p" %}x{% endportal %}') == (
        '<template id="p" data-phx-portal="body"><div id="_lv_portal_wrap_p">x</div></template>')
    assert render('{% portal id="p" container="section" %}x{% endportal %}') == (
        '<template id="p" data-phx-portal="body"><section id="_lv_portal_wrap_p">x</section>'
        '</template>')
    # Escaped like any attribute.
    assert render('{% portal id=i target=t %}{% endportal %}', i='a"b', t="<x>") == (
        '<template id="a&quot;b" data-phx-portal="&lt;x&gt;"><div id="_lv_portal_wrap_a&quot;b">'
        '</div></template>')


def test_a_change_inside_a_portal_sends_only_that_change():
    template = engines["django"].from_string("{% load liveview %}" + PORTAL)
    first = render_tree(template, {"pid": "p1", "votes": 1, "cls": ""})
    # The body is a nested tree with its own statics: not one opaque string.
    portal = first["0"]
    assert portal["s"] == ["", "", "</div></template>"]
    assert portal["1"] == {"s": ['<div id="modal">Votes: ', "</div>"], "0": "1"}
    second = render_tree(template, {"pid": "p1", "votes": 2, "cls": ""})
    assert diff_tree(first, second) == {"0": {"1": {"0": "2"}}}
    assert portal["s"] is second["0"]["s"]  # statics shared between renders


@pytest.mark.parametrize("source, context, message", [
    ('{% portal target="body" %}{% endportal %}', {},
     "{% portal %} needs id=\"...\": the client finds the teleported element by it"),
    ('{% portal "p" %}{% endportal %}', {}, "{% portal %} takes key=value options only (id, "
                                            "target, class, container; id is required"),
    ('{% portal id="p" to="body" %}{% endportal %}', {}, "{% portal %} takes key=value options"),
    ('{% portal id="p" container=tag %}{% endportal %}', {},
     "{% portal %}: container must be a quoted tag name such as \"section\""),
    ('{% portal id="p" container="my div" %}{% endportal %}', {},
     "{% portal %}: container must be an HTML tag name such as 'div' or 'section', got 'my div'"),
    ('{% portal id=missing %}{% endportal %}', {},
     "{% portal %}: id must be a non-empty string, got '' from 'missing' (the client needs an "
     "id to find the teleported element again)"),
    ('{% portal id="p" target=t %}{% endportal %}', {"t": None},
     "{% portal %}: target must be a non-empty string, got None from 't' (a CSS selector such "
     "as 'body' or '#modals')"),
])
def test_portal_errors_name_the_problem(source, context, message):
    with pytest.raises(TemplateSyntaxError) as info:
        render(source, **context)
    assert str(info.value).startswith(message)


# {% colocated_hook %} -------------------------------------------------------------------------

HOOK = """{% colocated_hook "tests.Clock" %}
const pad = (n) => String(n).padStart(2, "0")
export default {
  mounted() { this.el.textContent = pad(new Date().getSeconds()) },
}
{% endcolocated_hook %}"""


def test_a_hook_renders_nothing_once_built(settings, tmp_path):
    settings.DEBUG = True
    hook = colocated.Hook("tests.Clock", HOOK.split("%}", 1)[1].rsplit("{%", 1)[0], "t.html")
    build(tmp_path, settings, [hook])
    assert render("<p>{% colocated_hook 'tests.Clock' %}" + HOOK.split("%}", 1)[1]
                  + "</p>") == "<p></p>"


def build(directory: Path, settings, hooks: list[colocated.Hook]) -> Path:
    """Write a build of `hooks` into `directory`, served as the project's static dir."""
    path = directory / colocated.STATIC_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(colocated.build_js(hooks))
    settings.STATICFILES_DIRS = [directory]
    return path


@pytest.mark.parametrize("built, message", [
    (None, "liveview: colocated hook 'tests.Clock' is not built (liveview/colocated_hooks.js "
           "not found): run `python manage.py liveview_build_hooks`"),
    ([], "liveview: colocated hook 'tests.Clock' is missing from liveview/colocated_hooks.js: "
         "run `python manage.py liveview_build_hooks`"),
    (["old code"], "liveview: colocated hook 'tests.Clock' changed since "
                   "liveview/colocated_hooks.js was built; the browser runs the old code: run "
                   "`python manage.py liveview_build_hooks`"),
])
def test_in_debug_a_stale_build_is_said_in_the_log_and_the_browser_console(
        built, message, settings, tmp_path, caplog):
    settings.DEBUG = True
    if built is None:
        settings.STATICFILES_DIRS = [tmp_path]  # nothing there, nor in STATIC_ROOT
        settings.STATIC_ROOT = tmp_path / "collected"
    else:
        build(tmp_path, settings, [colocated.Hook("tests.Clock", code, "t.html")
                                   for code in built])
    with caplog.at_level("WARNING", logger="liveview.colocated"):
        html = render(HOOK)
    assert html == f"<script>console.error({json.dumps(message)})</script>"
    assert message in caplog.text
    settings.DEBUG = False  # never in production
    assert render(HOOK) == ""


@pytest.mark.parametrize("source, message", [
    ('{% colocated_hook Clock %}export default {}{% endcolocated_hook %}',
     "{% colocated_hook %} in a template takes one quoted hook name"),
    ('{% colocated_hook "my hook" %}export default {}{% endcolocated_hook %}',
     "{% colocated_hook %} in a template: hook name 'my hook' is not a valid name"),
    ('{% colocated_hook "a.B" %}const x = {}{% endcolocated_hook %}',
     "{% colocated_hook %} in a template: hook 'a.B' must have exactly one `export "
     "default` (the hook object, e.g. `export default { mounted() { ... } }`), found 0"),
    ('{% colocated_hook "a.B" %}import x from "x"\nexport default {}{% endcolocated_hook %}',
     "{% colocated_hook %} in a template: hook 'a.B' uses `import`; colocated hooks are "
     "copied into one plain script, not bundled"),
    ('{% colocated_hook "a.B" %}export default {mounted() {{ x }} }{% endcolocated_hook %}',
     "{% colocated_hook %} in a template: hook 'a.B' contains template syntax (var 'x'); "
     "the code is JavaScript and is not rendered"),
    ('{% colocated_hook "a.B" %}export default {}',
     "{% colocated_hook %} in a template: no {% endcolocated_hook %} for hook 'a.B'"),
])
def test_hook_errors_name_the_problem(source, message):
    with pytest.raises(TemplateSyntaxError) as info:
        render(source)
    assert str(info.value).startswith(message)


def test_the_build_registers_each_hook_in_its_own_scope():
    js = colocated.build_js([colocated.Hook("b.Two", "export default class {}", "b.html"),
                             colocated.Hook("a.One", "  export default {x: 1}\n", "a.html")])
    manifest = colocated.parse_manifest(js)
    assert manifest == {"a.One": colocated.digest("export default {x: 1}"),
                        "b.Two": colocated.digest("export default class {}")}
    assert js.splitlines()[2:] == [
        "(function () {",
        "  const hooks = (window.liveviewHooks = window.liveviewHooks || {});",
        "  // a.One, from a.html",
        '  hooks["a.One"] = (function () {',
        '    "use strict";',
        "    let __liveview_hook;",
        "    __liveview_hook = {x: 1}",
        "    return __liveview_hook;",
        "  })();",
        "  // b.Two, from b.html",
        '  hooks["b.Two"] = (function () {',
        '    "use strict";',
        "    let __liveview_hook;",
        "    __liveview_hook = class {}",
        "    return __liveview_hook;",
        "  })();",
        "})();",
    ]
    assert colocated.parse_manifest("// something else\n") is None


def templates_in(settings, *dirs: Path) -> None:
    settings.TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
                           "DIRS": [str(d) for d in dirs], "APP_DIRS": False}]


def test_the_build_takes_the_template_django_would_load_and_refuses_clashes(settings, tmp_path):
    project, app = tmp_path / "project", tmp_path / "app"
    for directory, code in ((project, "export default {overridden: true}"),
                            (app, "export default {original: true}")):
        (directory / "shop").mkdir(parents=True)
        (directory / "shop" / "menu.html").write_text(
            '{% load liveview %}{% colocated_hook "shop.Menu" %}' + code +
            "{% endcolocated_hook %}")
    (app / "shop" / "plain.html").write_text("<p>no hooks</p>")
    templates_in(settings, project, app)
    [hook] = colocated.collect_hooks()
    assert hook == colocated.Hook("shop.Menu", "export default {overridden: true}",
                                  "shop/menu.html")

    (app / "shop" / "other.html").write_text(
        '{% load liveview %}{% colocated_hook "shop.Menu" %}export default {}'
        "{% endcolocated_hook %}")
    with pytest.raises(TemplateSyntaxError) as info:
        colocated.collect_hooks()
    assert str(info.value) == (
        "colocated hook 'shop.Menu' is defined twice with different code, in 'shop/menu.html' "
        "and 'shop/other.html'; hook names are global (window.liveviewHooks): rename one")


def test_the_command_writes_checks_and_reports(settings, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.html").write_text('{% load liveview %}{% colocated_hook "t.Hook" %}'
                                      "export default {}{% endcolocated_hook %}")
    templates_in(settings, templates)
    out = tmp_path / "static"
    with pytest.raises(CommandError) as info:
        call_command("liveview_build_hooks", "--check", output_dir=out)
    assert info.value.returncode == 1
    assert "colocated_hooks.js is missing (hooks: t.Hook)" in str(info.value)
    call_command("liveview_build_hooks", output_dir=out)
    written = (out / colocated.STATIC_PATH).read_text()
    assert colocated.parse_manifest(written) == {"t.Hook": colocated.digest("export default {}")}
    call_command("liveview_build_hooks", "--check", output_dir=out)  # up to date: no error
    (templates / "t.html").write_text('{% load liveview %}{% colocated_hook "t.Hook" %}'
                                      "export default {x: 1}{% endcolocated_hook %}")
    with pytest.raises(CommandError) as info:
        call_command("liveview_build_hooks", "--check", output_dir=out)
    assert "colocated_hooks.js is out of date (hooks: t.Hook)" in str(info.value)

    settings.STATICFILES_DIRS = []
    with pytest.raises(CommandError) as info:
        call_command("liveview_build_hooks")
    assert str(info.value).startswith("no STATICFILES_DIRS entry to write the colocated hooks")


def test_the_demo_build_is_up_to_date():
    """The demo's static/liveview/colocated_hooks.js matches its templates (rebuild it with
    `python manage.py liveview_build_hooks`; `make setup` does)."""
    call_command("liveview_build_hooks", "--check")


def test_liveview_head_loads_the_build_before_the_client_only_when_there_is_one(
        settings, tmp_path, rf):
    settings.DEBUG = True
    request = rf.get("/")
    head = engines["django"].from_string("{% load liveview %}{% liveview_head %}")
    html = head.render({"request": request})
    hooks = html.index('<script defer src="/static/liveview/colocated_hooks.js"></script>')
    assert hooks < html.index('<script defer src="/static/liveview/liveview.js"')
    settings.STATICFILES_DIRS = [tmp_path]  # no build there
    assert "colocated_hooks" not in head.render({"request": request})


def test_the_system_check_reports_a_missing_or_stale_build(settings, tmp_path):
    from liveview.checks import check_colocated_hooks

    templates = tmp_path / "templates"
    templates.mkdir()
    templates_in(settings, templates)
    settings.STATICFILES_DIRS = [tmp_path / "static"]
    settings.STATIC_ROOT = tmp_path / "collected"
    assert check_colocated_hooks() == []  # no hooks, no build: nothing to say
    (templates / "t.html").write_text('{% load liveview %}{% colocated_hook "t.Hook" %}'
                                      "export default {}{% endcolocated_hook %}")
    [warning] = check_colocated_hooks()
    assert (warning.id, warning.msg) == (
        "liveview.W010", "the colocated hooks build liveview/colocated_hooks.js is missing: "
                         "the browser would run no code for t.Hook")
    call_command("liveview_build_hooks")
    assert check_colocated_hooks() == []
    (templates / "t.html").write_text('{% load liveview %}{% colocated_hook "t.Hook" %}'
                                      "export default {x: 1}{% endcolocated_hook %}")
    [warning] = check_colocated_hooks()
    assert warning.msg.endswith("is out of date: the browser would run old code for t.Hook")
    (templates / "u.html").write_text('{% load liveview %}{% colocated_hook "t.Hook" %}'
                                      "export default {y: 1}{% endcolocated_hook %}")
    [error] = check_colocated_hooks()
    assert error.id == "liveview.E010"
    assert "'t.Hook' is defined twice with different code" in error.msg
