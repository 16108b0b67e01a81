"""liveview.uploads: configs and entries as a state machine, without a socket."""
import os

import pytest

from liveview.core.uploads import ClientEntry, EntryEvent, EntryState
from liveview.uploads import UploadManager


def client(ref, size=5, name="a.txt", type="text/plain"):
    return ClientEntry(ref=ref, name=name, size=size, content_type=type)


@pytest.fixture
def temp_dir(settings, tmp_path):
    settings.LIVEVIEW = {**settings.LIVEVIEW, "UPLOAD_TEMP_DIR": str(tmp_path)}
    return tmp_path


def test_a_single_file_upload_keeps_only_the_newly_chosen_file():
    config = UploadManager().allow("avatar")  # max_files=1
    config.put_entries([client("0"), client("1")])
    assert [e.ref for e in config.entries] == ["0", "1"]
    assert [e.code for e in config.errors] == ["too_many_files"]
    # Drop two files, then one: only the new one stays, with no error (as Phoenix does).
    config.put_entries([client("2")])
    assert [e.ref for e in config.entries] == ["2"] and config.errors == []
    config.put_entries([client("3")])
    assert [e.ref for e in config.entries] == ["3"] and config.errors == []


def test_a_multi_file_upload_adds_entries_and_counts_them():
    config = UploadManager().allow("docs", {"max_files": 2})
    config.put_entries([client("0")])
    config.put_entries([client("1")])
    config.put_entries([client("2")])
    assert [e.ref for e in config.entries] == ["0", "1", "2"]
    assert [e.code for e in config.errors] == ["too_many_files"]
    config.cancel_entry("0")
    assert config.errors == []


def test_an_entry_refused_by_the_constraints_is_invalid_and_never_preflighted():
    config = UploadManager().allow("docs", {"max_files": 3, "max_file_size": 10,
                                            "accept": [".txt"]})
    big, png, ok = config.put_entries([client("0", size=11), client("1", name="a.png",
                                                                       type="image/png"),
                                       client("2")])
    assert big.state is png.state is EntryState.INVALID
    assert [e.code for e in big.errors] == ["too_large"]
    assert [e.code for e in png.errors] == ["not_accepted"]
    assert config.preflight() == [ok]
    assert ok.state is EntryState.PREFLIGHTED and config.preflighted_refs == "2"


def test_an_entry_goes_from_chosen_to_consumed_and_its_file_goes_with_it(temp_dir):
    manager = UploadManager()
    config = manager.allow("doc")
    (entry,) = config.put_entries([client("0")])
    assert entry.state is EntryState.SELECTED
    config.preflight()
    entry.start()
    assert entry.state is EntryState.UPLOADING and os.path.exists(entry.path)
    entry.write(b"hello")
    entry.complete()
    assert entry.done and config.done_refs == "0"
    with config.consume_upload_entry("0") as upload:
        assert upload.file.read() == b"hello"
        path = upload.path
    assert entry.state is EntryState.CONSUMED and not os.path.exists(path)
    assert entry.done  # a consumed entry was done: callbacks may still ask
    assert config.entries == [] and manager.take_released() == ["0"]
    assert manager.take_released() == []


def test_impossible_moves_are_refused_and_leave_the_entry_as_it_was(temp_dir):
    config = UploadManager().allow("doc")
    (entry,) = config.put_entries([client("0")])
    with pytest.raises(RuntimeError, match="cannot start while selected"):
        entry.start()
    with pytest.raises(RuntimeError, match="consume is impossible while selected"):
        entry.move(EntryEvent.CONSUME)
    assert entry.state is EntryState.SELECTED and entry.path is None


def test_a_failed_upload_keeps_its_error_and_loses_its_data(temp_dir):
    config = UploadManager().allow("doc")
    (entry,) = config.put_entries([client("0")])
    config.preflight()
    entry.start()
    entry.write(b"he")
    path = entry.path
    entry.fail("incomplete")
    assert entry.state is EntryState.FAILED and not os.path.exists(path)
    assert entry.preflighted and [e.code for e in entry.errors] == ["incomplete"]
    assert config.error_refs == "0"


def test_the_client_leaving_mid_upload_lets_the_entry_start_again(temp_dir):
    config = UploadManager().allow("doc")
    (entry,) = config.put_entries([client("0")])
    config.preflight()
    entry.start()
    entry.write(b"he")
    entry.abort()
    assert entry.state is EntryState.PREFLIGHTED and entry.path is None
    entry.start()
    assert entry.received == 0


def test_shutdown_cancels_every_entry_and_deletes_every_file(temp_dir):
    manager = UploadManager()
    config = manager.allow("docs", {"max_files": 2})
    first, second = config.put_entries([client("0"), client("1")])
    config.preflight()
    first.start()
    second.start()
    manager.shutdown()
    assert config.entries == [] and list(temp_dir.iterdir()) == []
    assert first.cancelled and second.cancelled
    assert sorted(manager.take_released()) == ["0", "1"]
