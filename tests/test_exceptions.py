"""liveview.exceptions: one tree, and the older base classes still catch what they caught."""
from django.core.exceptions import ImproperlyConfigured

import liveview
from liveview import exceptions
from liveview.core.errors import ProtocolError as CoreProtocolError


def test_every_exception_is_a_liveview_error():
    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), exceptions.LiveViewError), name


def test_older_catches_keep_working():
    assert issubclass(exceptions.ProtocolError, ValueError)
    assert issubclass(exceptions.UploadTokenError, ValueError)
    assert issubclass(exceptions.UploadTokenError, exceptions.TokenError)
    assert issubclass(exceptions.BroadcastError, TypeError)
    assert issubclass(exceptions.ConnectedOnlyError, AttributeError)
    assert issubclass(exceptions.ConfigurationError, ImproperlyConfigured)
    assert exceptions.ProtocolError is CoreProtocolError


def test_public_names_are_the_same_classes():
    assert liveview.UploadError is exceptions.UploadError
    assert liveview.ConnectedOnlyError is exceptions.ConnectedOnlyError
    assert liveview.LiveViewError is exceptions.LiveViewError


def test_an_upload_error_is_a_value_templates_show_and_compare():
    error = exceptions.UploadError("too_large", "a.txt: file is too large", "0")
    assert str(error) == "a.txt: file is too large"
    assert (error.code, error.ref) == ("too_large", "0")
    assert error == exceptions.UploadError("too_large", "a.txt: file is too large", "0")
    assert len({error, exceptions.UploadError("too_large", "a.txt: file is too large", "0")}) == 1
