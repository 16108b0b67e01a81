"""The test client's DOM: parsing, the CSS selector subset, and form data as FormData."""
import pytest

from liveview.core.dom import SelectorError, form_data, parse, unused_key

PAGE = """
<div id="main" class="box wide" data-x="a-b">
  <ul id="list">
    <li class="item first" data-id="1">One <b>bold</b></li>
    <li class="item" data-id="2">Two
    <li class="item last" data-id="3" lang="en-GB">Three</li>
  </ul>
  <p>para<br>after break</p>
  <a href="/items/?page=2" data-phx-link="patch">next</a>
  <input type="checkbox" name="c" checked><input name="d" disabled>
  <span></span>
</div>
<p id="outside">x &amp; y</p>
"""


@pytest.fixture(scope="module")
def root():
    return parse(PAGE)


def ids(elements):
    return [e.get("id") or e.get("data-id") or e.tag for e in elements]


@pytest.mark.parametrize("selector, expected", [
    ("li", ["1", "2", "3"]),
    ("#list", ["list"]),
    (".item.last", ["3"]),
    ("li.item:first-child", ["1"]),
    ("li:last-child", ["3"]),
    ("li:nth-child(2)", ["2"]),
    ("li:nth-child(odd)", ["1", "3"]),
    ("li:nth-child(2n+1)", ["1", "3"]),
    ("li:not(.first)", ["2", "3"]),
    ("[data-id]", ["1", "2", "3"]),
    ("[data-id='2']", ["2"]),
    ('[data-id="3"]', ["3"]),
    ("[data-id=3]", ["3"]),
    ("a[href^='/items']", ["a"]),
    ("a[href$='=2']", ["a"]),
    ("a[href*='page']", ["a"]),
    ("div[class~=wide]", ["main"]),
    ("[lang|=en]", ["3"]),
    ("[data-X='A-B' i]", ["main"]),
    ("div li", ["1", "2", "3"]),
    ("#main > li", []),
    ("ul > li + li", ["2", "3"]),
    ("li.first ~ li", ["2", "3"]),
    ("#main > p, #outside", ["p", "outside"]),
    ("p br", ["br"]),
    ("input:checked", ["input"]),
    ("input:disabled", ["input"]),
    ("span:empty", ["span"]),
    ("*#outside", ["outside"]),
    ("b", ["b"]),
])
def test_selectors(root, selector, expected):
    assert ids(root.select(selector)) == expected


@pytest.mark.parametrize("selector", ["li:hover", "li::before", "li >", "> li", "a,,b", "",
                                      "li:nth-child(foo)", "li !x"])
def test_unsupported_or_broken_selectors_are_refused(root, selector):
    with pytest.raises(SelectorError):
        root.select(selector)


def test_text_html_and_implied_end_tags(root):
    items = root.select("li")
    assert items[1].text == "Two"  # closed by the next <li>
    assert items[0].text == "One bold"
    assert root.select_one("#outside").text == "x & y"
    assert root.select_one("#outside").outer_html == '<p id="outside">x &amp; y</p>'
    assert root.select_one("input").outer_html == '<input type="checkbox" name="c" checked>'
    assert root.select_one("b").closest("#main").id == "main"
    assert root.select_one("b").closest("form") is None


def test_form_data_follows_formdata():
    form = parse("""<form>
      <input name="a" value="1"><input name="b"><input type="checkbox" name="c">
      <input type="checkbox" name="d" checked><input type="checkbox" name="e" value="x" checked>
      <input type="radio" name="r" value="1"><input type="radio" name="r" value="2" checked>
      <select name="s"><option>first</option><option>second</option></select>
      <select name="m" multiple><option value="1">one</option></select>
      <textarea name="t">
text</textarea><input type="file" name="f"><input type="submit" name="go" value="Go">
      <button name="btn" value="b">B</button><input name="off" disabled>
    </form>""").select_one("form")
    assert form_data(form) == [("a", "1"), ("b", ""), ("d", "on"), ("e", "x"), ("r", "2"),
                               ("s", "first"), ("t", "text")]
    button = form.select_one("button")
    assert ("btn", "b") in form_data(form, submitter=button)


@pytest.mark.parametrize("name, marked", [("email", "_unused_email"),
                                          ("user[email]", "user[_unused_email]"),
                                          ("tags[]", "_unused_tags[]"),
                                          ("user[tags][]", "user[_unused_tags][]")])
def test_unused_key(name, marked):
    assert unused_key(name) == marked
