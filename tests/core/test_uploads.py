"""Pure upload rules: constraints, accept matching, client entries, codes, messages."""
import pytest

from liveview.core import uploads as rules
from liveview.core.uploads import ClientEntry, UploadConstraints


def entry(name="a.png", size=10, type="image/png", ref="0", **extra):
    return ClientEntry.parse({"ref": ref, "name": name, "size": size, "type": type, **extra})


# Constraints -------------------------------------------------------------------------------------
def test_defaults_are_phoenix_defaults():
    c = UploadConstraints()
    assert (c.max_file_size, c.max_files, c.accept) == (8_000_000, 1, None)
    assert c.accept_attribute is None


@pytest.mark.parametrize("field, value", [
    ("max_file_size", -1), ("max_file_size", 0), ("max_file_size", 1.5),
    ("max_file_size", True), ("max_files", 0), ("max_files", "3")])
def test_sizes_and_counts_must_be_positive_ints(field, value):
    with pytest.raises(ValueError, match=f"{field} must be a positive int, got {value!r}"):
        UploadConstraints(**{field: value})


def test_empty_accept_is_refused_with_what_is_accepted():
    with pytest.raises(ValueError, match=r"accept=\[\] accepts no file.*'\.png'.*'image/\*'"):
        UploadConstraints(accept=[])


@pytest.mark.parametrize("bad", ["png", "image", ".", "image/", "*/*x", 3])
def test_accept_items_must_be_extensions_or_mime_types(bad):
    with pytest.raises(ValueError, match="accept item|accept items must be strings"):
        UploadConstraints(accept=[bad])


def test_accept_is_normalised_and_rendered():
    c = UploadConstraints(accept=[".PNG", "Image/*", ".png", " text/plain "])
    assert c.accept == (".png", "image/*", "text/plain")
    assert c.accept_attribute == ".png,image/*,text/plain"
    assert UploadConstraints(accept=".jpg, .gif").accept == (".jpg", ".gif")
    assert UploadConstraints(accept="any").accept is None


def test_coerce_from_dict_names_unknown_keys():
    assert UploadConstraints.coerce({"max_files": 3}, "x").max_files == 3
    assert UploadConstraints.coerce(None, "x") == UploadConstraints()
    with pytest.raises(ValueError, match=r"allow_upload\('a'\): unknown constraint 'max_size'; "
                                         r"known: max_file_size, max_files, accept"):
        UploadConstraints.coerce({"max_size": 3}, "allow_upload('a')")
    with pytest.raises(TypeError, match="must be UploadConstraints"):
        UploadConstraints.coerce(5, "x")


# Accept matching ---------------------------------------------------------------------------------
@pytest.mark.parametrize("accept, name, type, name_type, ok", [
    ([".png"], "a.PNG", "", "image/png", True),
    ([".png"], "a.png.exe", "image/png", None, False),  # an extension entry never trusts the type
    ([".tar.gz"], "a.tar.gz", "", None, False),  # only the last extension counts
    (["image/*"], "photo.jpg", "image/jpeg", "image/jpeg", True),
    (["image/*"], "photo", "image/jpeg", None, False),  # a name without a known type
    (["image/*"], "a.png", "", "image/png", False),
    (["image/*"], "a.txt", "imagex/y", "text/plain", False),
    (["image/*"], "a.txt", "image/", "text/plain", False),
    (["text/plain"], "notes.txt", "text/plain; charset=utf-8", "text/plain", True),
    (["text/plain"], "notes.txt", "text/html", "text/plain", False),
    # The declared type is not enough: the name is what the file is stored and served as.
    (["text/plain"], "evil.html", "text/plain", "text/html", False),
    (["image/*"], "evil.html", "image/png", "text/html", False),
    ([".png", "text/*"], "readme.md", "text/markdown", "text/markdown", True),
    (None, "anything.bin", "", None, True),
    ([".png"], ".png", "", None, False),  # a dot file has no extension
])
def test_is_accepted(accept, name, type, name_type, ok):
    assert rules.is_accepted(accept, name, type, name_type) is ok


def test_extension():
    assert rules.extension("dir/a.B") == ".b"
    assert rules.extension("C:\\x\\y.TXT") == ".txt"
    assert rules.extension("noext") == ""


# Client entries ----------------------------------------------------------------------------------
def test_client_entry_parse():
    e = entry(last_modified=1700000000000, relative_path="d/a.png")
    assert (e.ref, e.name, e.size, e.content_type) == ("0", "a.png", 10, "image/png")
    assert e.last_modified == 1700000000000 and e.relative_path == "d/a.png"


@pytest.mark.parametrize("data, message", [
    ({"ref": 1, "name": "a", "size": 1}, "ref must be"),
    ({"ref": "a b", "name": "a", "size": 1}, "ref must be"),
    ({"ref": "0", "name": "", "size": 1}, "name must be"),
    ({"ref": "0", "name": "a", "size": -1}, "size must be an int >= 0, got -1"),
    ({"ref": "0", "name": "a", "size": "9"}, "size must be"),
    ({"ref": "0", "name": "a", "size": True}, "size must be"),
    ({"ref": "0", "name": "a", "size": 1, "type": 5}, "type must be"),
    ([], "must be an object"),
])
def test_client_entry_rejects_bad_fields(data, message):
    with pytest.raises(ValueError, match=message):
        ClientEntry.parse(data)


def test_entry_error_codes():
    c = UploadConstraints(max_file_size=100, accept=[".png"])
    assert rules.entry_error_codes(c, entry(size=100)) == []
    assert rules.entry_error_codes(c, entry(size=101)) == [rules.TOO_LARGE]
    assert rules.entry_error_codes(c, entry(name="a.txt", size=101)) == [rules.TOO_LARGE,
                                                                         rules.NOT_ACCEPTED]
    assert rules.too_many_files(UploadConstraints(max_files=2), 3)
    assert not rules.too_many_files(UploadConstraints(max_files=2), 2)


# Messages and refs -------------------------------------------------------------------------------
def test_human_size():
    assert rules.human_size(999) == "999 bytes"
    assert rules.human_size(1500) == "1.5 KB"
    assert rules.human_size(5_000_000) == "5 MB"
    assert rules.human_size(12_300_000_000) == "12.3 GB"


def test_error_messages_say_what_and_the_limit():
    c = UploadConstraints(max_file_size=5_000_000, max_files=3, accept=[".png", "image/*"])
    assert rules.error_message(rules.TOO_LARGE, c, name="big.png", size=6_200_000) == \
        "big.png: file is too large (6.2 MB); the limit is 5 MB"
    assert rules.error_message(rules.TOO_MANY_FILES, c) == \
        "Too many files: at most 3 files can be uploaded"
    assert rules.error_message(rules.TOO_MANY_FILES, UploadConstraints()) == \
        "Too many files: at most 1 file can be uploaded"
    assert rules.error_message(rules.NOT_ACCEPTED, c, name="a.txt") == \
        "a.txt: file type not accepted; accepted: .png, image/*"
    assert "failed in the browser (boom)" in rules.error_message(
        rules.EXTERNAL_CLIENT_FAILURE, c, reason="boom")
    assert rules.error_message("weird", c) == "upload error: weird"


def test_join_refs_keeps_order():
    assert rules.join_refs(["2", "0", "1"]) == "2,0,1"
    assert rules.join_refs([]) == ""


# The entry state machine ------------------------------------------------------------------------
def test_every_move_of_the_table_leads_to_a_state_and_final_states_have_none():
    from liveview.core.uploads import TRANSITIONS, EntryEvent, EntryState, next_state

    for (state, event), target in TRANSITIONS.items():
        assert next_state(state, event) is target
    for final in (EntryState.CANCELLED, EntryState.CONSUMED):
        assert all(next_state(final, event) is None for event in EntryEvent)


def test_only_a_done_entry_is_consumed_and_only_a_preflighted_one_starts():
    from liveview.core.uploads import EntryEvent, EntryState, next_state

    assert next_state(EntryState.DONE, EntryEvent.CONSUME) is EntryState.CONSUMED
    for state in EntryState:
        if state is not EntryState.DONE:
            assert next_state(state, EntryEvent.CONSUME) is None
        if state is not EntryState.PREFLIGHTED:
            assert next_state(state, EntryEvent.START) is None
    # An invalid entry never uploads; any live entry can be cancelled.
    assert next_state(EntryState.INVALID, EntryEvent.PREFLIGHT) is None
    for state in EntryState:
        if state not in (EntryState.CANCELLED, EntryState.CONSUMED):
            assert next_state(state, EntryEvent.CANCEL) is EntryState.CANCELLED
