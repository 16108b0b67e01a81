"""liveview.JS: the JSON of every command, compared with what Phoenix.LiveView.JS (1.2) emits
for the same call.

Each expected string is the Phoenix call in the comment next to it, encoded as Phoenix does it:
op names and argument keys from Phoenix's js.ex, nil options left out, keys sorted (Jason
encodes small maps in key order), no spaces. So these are byte-for-byte comparisons."""
from __future__ import annotations

import json

import pytest
from django.template import Context, Template
from django.utils.html import format_html

from liveview import JS
from liveview.js import COMMANDS, command


@pytest.mark.parametrize("js, phoenix", [
    # JS.push("inc")
    (JS.push("inc"), '[["push",{"event":"inc"}]]'),
    # JS.push("inc", value: %{by: 2, "é" => "ü"}, target: "#counter", loading: ".thermo",
    #         page_loading: true)
    (JS.push("inc", value={"by": 2, "é": "ü"}, target="#counter", loading=".thermo",
             page_loading=True),
     '[["push",{"event":"inc","loading":".thermo","page_loading":true,"target":"#counter",'
     '"value":{"by":2,"é":"ü"}}]]'),
    # JS.push("inc", target: @myself) where @myself is cid 3
    (JS.push("inc", target=3), '[["push",{"event":"inc","target":3}]]'),
    # JS.navigate("/items?page=2") / JS.navigate("/x", replace: true)
    (JS.navigate("/items?page=2"), '[["navigate",{"href":"/items?page=2","replace":false}]]'),
    (JS.navigate("/x", replace=True), '[["navigate",{"href":"/x","replace":true}]]'),
    # JS.patch("/items?page=3") / JS.patch("/x", replace: true)
    (JS.patch("/items?page=3"), '[["patch",{"href":"/items?page=3","replace":false}]]'),
    (JS.patch("/x", replace=True), '[["patch",{"href":"/x","replace":true}]]'),
    # JS.show()
    (JS.show(), '[["show",{}]]'),
    # JS.show(to: "#modal", transition: "fade-in", display: "flex", time: 300, blocking: false)
    (JS.show(to="#modal", transition="fade-in", display="flex", time=300, blocking=False),
     '[["show",{"blocking":false,"display":"flex","time":300,"to":"#modal",'
     '"transition":[["fade-in"],[],[]]}]]'),
    # JS.show(to: "#m", transition: {"ease-out duration-300", "opacity-0", "opacity-100"})
    (JS.show(to="#m", transition=("ease-out duration-300", "opacity-0", "opacity-100")),
     '[["show",{"to":"#m","transition":[["ease-out","duration-300"],["opacity-0"],'
     '["opacity-100"]]}]]'),
    # JS.hide(to: "#modal", transition: "fade-out", time: 100)
    (JS.hide(to="#modal", transition="fade-out", time=100),
     '[["hide",{"time":100,"to":"#modal","transition":[["fade-out"],[],[]]}]]'),
    # JS.toggle(to: "#menu", in: "fade-in", out: {"a", "b", "c"}, display: "inline", time: 50)
    (JS.toggle(to="#menu", in_="fade-in", out=("a", "b", "c"), display="inline", time=50),
     '[["toggle",{"display":"inline","ins":[["fade-in"],[],[]],"outs":[["a"],["b"],["c"]],'
     '"time":50,"to":"#menu"}]]'),
    # JS.toggle()
    (JS.toggle(), '[["toggle",{}]]'),
    # JS.add_class("highlight  underline", to: "#item")  (String.split(trim: true))
    (JS.add_class("highlight  underline", to="#item"),
     '[["add_class",{"names":["highlight","underline"],"to":"#item"}]]'),
    # JS.remove_class("highlight", transition: "fade", time: 10, blocking: true)
    (JS.remove_class("highlight", transition="fade", time=10, blocking=True),
     '[["remove_class",{"blocking":true,"names":["highlight"],"time":10,'
     '"transition":[["fade"],[],[]]}]]'),
    # JS.toggle_class("active", to: {:closest, "li"})
    (JS.toggle_class("active", to=("closest", "li")),
     '[["toggle_class",{"names":["active"],"to":{"closest":"li"}}]]'),
    # JS.transition("shake", to: {:inner, ".box"}, time: 500)
    (JS.transition("shake", to=("inner", ".box"), time=500),
     '[["transition",{"time":500,"to":{"inner":".box"},"transition":[["shake"],[],[]]}]]'),
    # JS.transition({"ease-out duration-300", "opacity-0", "opacity-100"}, time: 300)
    (JS.transition(("ease-out duration-300", "opacity-0", "opacity-100"), time=300),
     '[["transition",{"time":300,"transition":[["ease-out","duration-300"],["opacity-0"],'
     '["opacity-100"]]}]]'),
    # JS.set_attribute({"aria-expanded", "true"}, to: "#dropdown")
    (JS.set_attribute("aria-expanded", "true", to="#dropdown"),
     '[["set_attr",{"attr":["aria-expanded","true"],"to":"#dropdown"}]]'),
    # JS.remove_attribute("aria-expanded", to: {:document, "#dropdown"})
    (JS.remove_attribute("aria-expanded", to=("document", "#dropdown")),
     '[["remove_attr",{"attr":"aria-expanded","to":"#dropdown"}]]'),
    # JS.toggle_attribute({"open", "true"}) / ({"aria-expanded", "true", "false"}, to: "#d")
    (JS.toggle_attribute("open", "true"), '[["toggle_attr",{"attr":["open","true"]}]]'),
    (JS.toggle_attribute("aria-expanded", "true", "false", to="#d"),
     '[["toggle_attr",{"attr":["aria-expanded","true","false"],"to":"#d"}]]'),
    # JS.dispatch("myapp:copy", to: "#text", detail: %{n: 1}, bubbles: false, blocking: true)
    (JS.dispatch("myapp:copy", to="#text", detail={"n": 1}, bubbles=False, blocking=True),
     '[["dispatch",{"blocking":true,"bubbles":false,"detail":{"n":1},"event":"myapp:copy",'
     '"to":"#text"}]]'),
    # JS.dispatch("click", to: ".nav")  (blocking: false is not sent)
    (JS.dispatch("click", to=".nav", blocking=False),
     '[["dispatch",{"event":"click","to":".nav"}]]'),
    # JS.exec("phx-remove", to: "#modal") / JS.exec("data-confirm")
    (JS.exec("phx-remove", to="#modal"), '[["exec",{"attr":"phx-remove","to":"#modal"}]]'),
    (JS.exec("data-confirm"), '[["exec",{"attr":"data-confirm"}]]'),
    # JS.focus(to: "#name") / JS.focus_first(to: "#modal") / JS.push_focus() / JS.pop_focus()
    (JS.focus(to="#name"), '[["focus",{"to":"#name"}]]'),
    (JS.focus_first(to="#modal"), '[["focus_first",{"to":"#modal"}]]'),
    (JS.push_focus(), '[["push_focus",{}]]'),
    (JS.pop_focus(), '[["pop_focus",{}]]'),
    # The client's ignore_attrs op (JS.ignore_attributes in Phoenix 1.1+)
    (JS.ignore_attributes(["open", "data-*"], to="details"),
     '[["ignore_attrs",{"attrs":["open","data-*"],"to":"details"}]]'),
    (JS.ignore_attributes("open"), '[["ignore_attrs",{"attrs":["open"]}]]'),
])
def test_each_command_emits_the_json_phoenix_emits(js, phoenix):
    assert str(js) == phoenix
    assert js.ops == json.loads(phoenix)


def test_every_command_is_covered_by_the_table_above():
    covered = {op for case in test_each_command_emits_the_json_phoenix_emits.pytestmark[0]
               .args[1] for op, _ in case[0].ops}
    wire_names = {"set_attribute": "set_attr", "remove_attribute": "remove_attr",
                  "toggle_attribute": "toggle_attr", "ignore_attributes": "ignore_attrs"}
    assert {wire_names.get(c, c) for c in COMMANDS} == covered


def test_chains_keep_order_and_never_change_a_value():
    base = JS.push_focus()
    opened = base.show(to="#modal").focus_first(to="#modal")
    assert str(base) == '[["push_focus",{}]]'  # unchanged by the calls on it
    assert [op for op, _ in opened.ops] == ["push_focus", "show", "focus_first"]
    # Phoenix's JS.concat/2, and +
    closing = JS.hide(to="#modal").pop_focus()
    assert str(opened.concat(closing)) == str(opened + closing) == (
        '[["push_focus",{}],["show",{"to":"#modal"}],["focus_first",{"to":"#modal"}],'
        '["hide",{"to":"#modal"}],["pop_focus",{}]]')
    # ops is a copy: editing it changes nothing
    opened.ops[1][1]["to"] = "#other"
    assert opened.ops[1][1]["to"] == "#modal"
    value = {"id": 1}
    pushed = JS.push("select", value=value)
    value["id"] = 2
    assert str(pushed) == '[["push",{"event":"select","value":{"id":1}}]]'


def test_values_compare_hash_and_test_false_when_empty():
    assert JS.show(to="#a") == JS().show(to="#a")
    assert len({JS.show(to="#a"), JS.show(to="#a")}) == 1
    assert not JS() and JS.hide()
    assert repr(JS.hide()) == 'JS([["hide",{}]])'


def test_the_json_is_escaped_by_django_autoescape_and_format_html():
    cmd = JS.push("say", value={"text": "<b>\"Tom\" & 'Jerry'</b>"}).hide(to="#x")
    html = Template('<button phx-click="{{ cmd }}">').render(Context({"cmd": cmd}))
    assert html == ('<button phx-click="[[&quot;push&quot;,{&quot;event&quot;:&quot;say&quot;,'
                    '&quot;value&quot;:{&quot;text&quot;:&quot;&lt;b&gt;\\&quot;Tom\\&quot; '
                    '&amp; &#x27;Jerry&#x27;&lt;/b&gt;&quot;}}],[&quot;hide&quot;,'
                    '{&quot;to&quot;:&quot;#x&quot;}]]">')
    assert format_html('<button phx-click="{}">', cmd) == html
    # What the browser gives back from the attribute is the JSON.
    import html as html_lib
    attr = html.split('"', 1)[1].rsplit('"', 1)[0]
    assert json.loads(html_lib.unescape(attr)) == cmd.ops


@pytest.mark.parametrize("call, message", [
    (lambda: JS.show(too="#x"),
     r"JS.show(*, to=None, transition=None, display=None, time=None, blocking=None): got an "
     r"unexpected keyword argument 'too' (received (too='#x'))"),
    (lambda: JS.push(),
     "JS.push(event, *, value=None, target=None, loading=None, page_loading=None): missing a "
     "required argument: 'event' (received no arguments)"),
    (lambda: JS.hide("#x"), "JS.hide(*, to=None, transition=None, time=None, blocking=None): "
                            "too many positional arguments (received ('#x'))"),
    (lambda: JS.push(""), "JS.push: event must be a non-empty str, got '' (str)"),
    (lambda: JS.push("x", value=[1]), "JS.push: value must be a dict, got [1] (list)"),
    (lambda: JS.push("x", value={"when": object}),
     "JS.push: value must be JSON-serialisable: Object of type type is not JSON serializable"),
    (lambda: JS.push("x", target=True),
     "JS.push: target must be a CSS selector or a component id (int), got True (bool)"),
    (lambda: JS.push("x", page_loading="yes"),
     "JS.push: page_loading must be True or False, got 'yes' (str)"),
    (lambda: JS.show(time="200ms"),
     "JS.show: time must be an int of milliseconds >= 0, got '200ms' (str)"),
    (lambda: JS.show(time=-1), "JS.show: time must be an int of milliseconds >= 0, got -1 (int)"),
    (lambda: JS.show(transition=("a", "b")),
     'JS.show: transition must be a str of classes or a 3-tuple of str ("ease-out '
     'duration-300", "opacity-0", "opacity-100"), got (\'a\', \'b\') (tuple)'),
    (lambda: JS.toggle(to=("up", "li")),
     'JS.toggle: to must be a CSS selector, ("closest", sel), ("inner", sel), ("document", '
     'sel) or {"closest"|"inner": sel}, got (\'up\', \'li\') (tuple)'),
    (lambda: JS.add_class(["a"]), "JS.add_class: names must be a str, got ['a'] (list)"),
    (lambda: JS.set_attribute(("aria-expanded", "true")),
     "JS.set_attribute: give the attribute name and value as separate arguments, e.g. "
     "JS.set_attribute('aria-expanded', 'true'), got the tuple ('aria-expanded', 'true')"),
    (lambda: JS.set_attribute("aria-expanded"),
     "JS.set_attribute: value must be a str, got None (NoneType)"),
    (lambda: JS.set_attribute("a b", "1"), "JS.set_attribute: 'a b' is not an attribute name"),
    (lambda: JS.dispatch("click", detail={"a": 1}),
     "JS.dispatch: a 'click' is a MouseEvent, whose detail the browser replaces with a click "
     "count, so detail= cannot go with it; dispatch an event of your own (e.g. 'myapp:click') "
     "and click from its listener"),
    (lambda: JS.dispatch("x", detail={"done": 1}, blocking=True),
     "JS.dispatch: with blocking=True the client puts its own `done` callback in detail; use "
     "another key than 'done'"),
    (lambda: JS.show(blocking="no"), "JS.show: blocking must be True or False, got 'no' (str)"),
    (lambda: JS.navigate("/x", replace=1), "JS.navigate: replace must be True or False, got 1 "
                                           "(int)"),
    (lambda: JS.hide() + "x", "unsupported operand type(s) for +: 'JS' and 'str'"),
    (lambda: command("shw"), "unknown JS command 'shw'; the commands are: push, navigate, "
                             "patch, show, hide, toggle, add_class, remove_class, toggle_class, "
                             "transition, set_attribute, remove_attribute, toggle_attribute, "
                             "ignore_attributes, dispatch, exec, focus, focus_first, "
                             "push_focus, pop_focus"),
])
def test_bad_arguments_say_what_was_wrong_what_is_accepted_and_what_came(call, message):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == message
