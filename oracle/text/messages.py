"""Which reference interpreter's messages a text-format error is reported with.

The spec's text chapter defines what is malformed, not what the error is called nor which of two errors is found
first; the official suites' ``assert_malformed`` messages are those of the reference interpreter of their
version, and a few changed between versions. A suite manifest names the version its messages come from
(``text_messages``, default ``"3.0"``); the reader always finds the same errors, and ``reported`` gives the one and
the message that version's interpreter reported. Every difference is in this module, each with its reason:

* ``"lane index"`` (a lane index that is not a ``u8``: ``256`` for ``i8x16.extract_lane_s``, ``15.0`` or ``-1``
  among the lanes of ``i8x16.shuffle``): 3.0 reads it as an ``i8`` literal, "i8 constant out of range"; 2.0 read
  any number and said "malformed lane index".
* A ``)`` closing nothing after complete module fields (the 2.0 snapshot's ``simd_lane.wast``: a quoted module
  with one ``)`` too many). 3.0 reports "unexpected token" at it; 2.0's parser (ocamlyacc, whose default
  reductions reduce the finished fields before looking at the stray token, running the checks of their semantic
  actions) reported an error inside those fields first, if they had one (``TextError.fields_error``).
"""
from __future__ import annotations

from .lexer import TextError, Token

#: The reference interpreter versions whose messages the reader can give.
VERSIONS = ("2.0", "3.0")
DEFAULT_VERSION = "3.0"

#: Message of each error whose text differs between versions, by key (``TextError.message_key``) and version.
MESSAGES: dict[str, dict[str, str]] = {
    "lane index": {"2.0": "malformed lane index", "3.0": "i8 constant out of range"},
}


def keyed_error(tok: Token, key: str) -> TextError:
    """The error ``key`` at ``tok``, with the default version's message (``reported`` gives another's)."""
    err = tok.error(MESSAGES[key][DEFAULT_VERSION])
    err.message_key = key
    return err


def check_version(version: str) -> str:
    if version not in VERSIONS:
        raise ValueError(f"unknown reference interpreter version {version!r} for messages "
                         f"(known: {', '.join(VERSIONS)})")
    return version


def reported(err: TextError, version: str = DEFAULT_VERSION) -> TextError:
    """The error the reference interpreter of ``version`` reported for a text that fails with ``err``: the same
    error, or the one inside the fields before a stray ``)`` (2.0), with that version's message."""
    check_version(version)
    if version == "2.0" and err.fields_error is not None:
        err = err.fields_error
    if err.message_key is None or MESSAGES[err.message_key][version] == err.message:
        return err
    out = TextError(MESSAGES[err.message_key][version], err.file, err.line, err.column)
    out.message_key = err.message_key
    return out
