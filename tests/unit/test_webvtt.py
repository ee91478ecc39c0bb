"""WebVTT read strictly (`services/core/webvtt.py`): what caption uploads are checked with and search indexes."""

from __future__ import annotations

import pytest

from chalicelib.services.core.webvtt import Cue, InvalidWebVTT, parse

GOOD = """\ufeffWEBVTT - captions of lesson 1
Kind: captions

NOTE written by hand
with two lines

STYLE
::cue { color: yellow }

intro
00:00.500 --> 00:04.000 align:start position:10%
<v Ana>Welcome &amp; hello</v>, <i>everyone</i>.

00:00:04.000 --> 00:00:09.250
Today: hot partitions
in DynamoDB.

01:02:03.004 --> 01:02:05.000
Late remark.
"""


def test_a_valid_file_gives_its_cues_as_plain_text_in_milliseconds():
    assert parse(GOOD.replace("\n", "\r\n").encode()) == [
        Cue(500, 4000, "Welcome & hello, everyone."),
        Cue(4000, 9250, "Today: hot partitions in DynamoDB."),
        Cue(3_723_004, 3_725_000, "Late remark."),
    ]


def test_an_empty_payload_and_a_file_without_cues_are_well_formed():
    assert parse("WEBVTT\n") == []
    assert parse("WEBVTT\n\n00:01.000 --> 00:02.000\n") == [Cue(1000, 2000, "")]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("1\n00:00:01,000 --> 00:00:02,000\nan SRT file\n", 1, "starts with the line WEBVTT"),
    ("WEBVTTX\n\n00:01.000 --> 00:02.000\nhi\n", 1, "WEBVTT"),
    ("WEBVTT\n00:01.000 --> 00:02.000\nhi\n", 2, "blank line must separate"),
    ("WEBVTT\n\n00:61.000 --> 00:62.000\nhi\n", 3, "malformed cue timing"),
    ("WEBVTT\n\n00:01.000 -> 00:02.000\nhi\n", 3, "expected a cue timing line"),
    ("WEBVTT\n\n00:01.00 --> 00:02.000\nhi\n", 3, "malformed cue timing"),
    ("WEBVTT\n\n00:03.000 --> 00:02.000\nhi\n", 3, "end after it starts"),
    ("WEBVTT\n\n00:05.000 --> 00:06.000\na\n\n00:01.000 --> 00:02.000\nb\n", 6, "start-time order"),
    ("WEBVTT\n\njust some words\n", 3, "expected a cue timing line"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\na\n00:02.000 --> 00:03.000\nb\n", 5, "blank line is missing"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\na\n\nSTYLE\n::cue {}\n", 6, "before the first cue"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nnul\x00\n", 4, "NUL"),
])
def test_junk_is_refused_with_its_line(text, line, words):
    with pytest.raises(InvalidWebVTT) as refused:
        parse(text)
    assert refused.value.line == line and words in refused.value.problem, str(refused.value)


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(InvalidWebVTT) as refused:
        parse(b"WEBVTT\n\n00:01.000 --> 00:02.000\ncaf\xe9\n")
    assert refused.value.line == 4 and "UTF-8" in refused.value.problem
