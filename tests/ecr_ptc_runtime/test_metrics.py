"""EMF lines: valid by the specification, and refused when they could not be."""

from __future__ import annotations

import io
import json
import math
import threading
import time

import pytest

from ecr_ptc_runtime import metrics

from . import emf


def line_of(doc: dict) -> str:
    out = io.StringIO()
    metrics.emit(doc, out)
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1  # one log event
    return text.strip()


def test_a_record_with_two_dimension_sets_is_valid_emf():
    doc = metrics.record(
        {metrics.IMAGES_WARMED: 3, metrics.IMAGES_FAILED: 0, metrics.WARM_SECONDS: [1.5, 2.25]},
        {metrics.CACHE: "EcrPtc", metrics.PREFIX: "docker-hub"},
        [[metrics.CACHE], [metrics.CACHE, metrics.PREFIX]],
        images=3,
    )
    line = line_of(doc)
    assert emf.problems(line) == []
    parsed = json.loads(line)
    assert parsed["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "EcrPtc"
    assert parsed["ImagesWarmed"] == 3 and parsed["WarmSeconds"] == [1.5, 2.25] and parsed["images"] == 3


def test_more_than_a_hundred_values_are_cut_to_the_emf_limit():
    doc = metrics.record({metrics.WARM_SECONDS: list(range(150))}, {metrics.CACHE: "c"}, [[metrics.CACHE]])
    assert len(doc["WarmSeconds"]) == 100 and emf.problems(line_of(doc)) == []


@pytest.mark.parametrize(
    "values,dimensions,sets,words",
    [
        ({metrics.IMAGES_WARMED: math.nan}, {metrics.CACHE: "c"}, [[metrics.CACHE]], "finite"),
        ({metrics.IMAGES_WARMED: True}, {metrics.CACHE: "c"}, [[metrics.CACHE]], "finite"),
        ({metrics.WARM_SECONDS: []}, {metrics.CACHE: "c"}, [[metrics.CACHE]], "non-empty"),
        ({metrics.IMAGES_WARMED: 1}, {metrics.CACHE: "c"}, [[metrics.CACHE, metrics.PREFIX]], "no value"),
        ({metrics.IMAGES_WARMED: 1}, {metrics.CACHE: ""}, [[metrics.CACHE]], "no value"),
        ({metrics.Metric("X", "Bananas", ""): 1}, {metrics.CACHE: "c"}, [[metrics.CACHE]], "unit"),
    ],
)
def test_what_emf_would_reject_is_refused(values, dimensions, sets, words):
    with pytest.raises(ValueError, match=words):
        metrics.record(values, dimensions, sets)


def test_the_checker_itself_finds_what_is_wrong():
    assert emf.problems("not json")
    assert emf.problems(json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}}))  # not around now
    good = metrics.record({metrics.IMAGES_WARMED: 1}, {metrics.CACHE: "c"}, [[metrics.CACHE]])
    bad = json.loads(json.dumps(good))
    del bad["Cache"]
    assert emf.problems(json.dumps(bad)) == ["directive 0: dimension 'Cache' has no string value at the root (None)"]
    bad = json.loads(json.dumps(good))
    bad["ImagesWarmed"] = "1"
    assert emf.problems(json.dumps(bad))


class _SlowStream(io.StringIO):
    """A stream whose every write lets another thread run: print()'s two writes (text, newline) then interleave."""

    def write(self, text: str) -> int:
        n = super().write(text)
        time.sleep(0.0001)
        return n


def test_documents_and_log_lines_from_many_threads_stay_one_per_line():
    from ecr_ptc_runtime import logs

    stream = _SlowStream()
    previous = logs.configure(stream)
    try:

        def work(i: int) -> None:
            for j in range(25):
                metrics.emit({"thread": i, "n": j}, stream)
                logs.log("tick", thread=i, n=j)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        logs.configure(*previous)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 8 * 25 * 2 and all(isinstance(json.loads(line), dict) for line in lines)
