"""Derived values kept on disk by text and code: read back equal, never read by other code, derived again
when an entry is unreadable; SkyWalking service-name sites read from disk equal a fresh parse's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolloutlint.core import textcache
from tests.providers.test_skywalking_sites import QUERIES


def _code(tmp_path: Path, text: str) -> tuple[str]:
    code = tmp_path / "deriving.py"
    code.write_text(text)
    textcache.code_hash.cache_clear()
    return (str(code),)


def test_a_value_is_derived_once_per_text_and_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLOUTLINT_DERIVED_CACHE", str(tmp_path / "cache"))
    calls: list[str] = []

    def derive(text: str, code: tuple[str]) -> list[int]:
        def compute() -> list[int]:
            calls.append(text)
            return [len(text), 1]
        return textcache.derived("t", code, text, compute, list, list)

    v1 = _code(tmp_path, "version 1")
    assert derive("abc", v1) == [3, 1] and derive("abc", v1) == [3, 1] and calls == ["abc"]
    assert derive("abcd", v1) == [4, 1] and calls == ["abc", "abcd"]
    v2 = _code(tmp_path, "version 2")  # the deriving code changed: nothing it wrote before is read
    assert derive("abc", v2) == [3, 1] and calls == ["abc", "abcd", "abc"]
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json")
    assert derive("abc", v2) == [3, 1] and calls[-1] == "abc" and len(calls) == 4
    assert not list((tmp_path / "cache").rglob(".tmp-*"))


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLOUTLINT_DERIVED_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert textcache.derived("t", (), "x", lambda: [1], list, list) == [1]
    assert not list(tmp_path.rglob("*.json"))


def test_an_unwritable_directory_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ROLLOUTLINT_DERIVED_CACHE", str(blocker / "cache"))
    assert textcache.derived("t", (), "x", lambda: [2], list, list) == [2]


@pytest.mark.parametrize("query", QUERIES)
def test_service_name_sites_read_from_disk_equal_a_parse(query: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from rolloutlint.providers import skywalking as sw

    monkeypatch.setenv("ROLLOUTLINT_DERIVED_CACHE", str(tmp_path))
    sw.service_name_sites.cache_clear()
    fresh = sw.service_name_sites(query)
    assert fresh == sw._service_name_sites(query)
    assert len(list(tmp_path.rglob("*.json"))) == 1
    sw.service_name_sites.cache_clear()
    monkeypatch.setattr(sw, "_service_name_sites", lambda q: pytest.fail("parsed again"))
    assert sw.service_name_sites(query) == fresh
    sw.service_name_sites.cache_clear()
    [entry] = tmp_path.rglob("*.json")
    assert json.loads(entry.read_text())["reps"] == [[r.tag, r.start, r.end, r.new_start, r.new_end, r.resolved,
                                                     r.context] for r in fresh.reps]


BROKEN = ["{ nope(", "query { unknownField }", "query { getServiceInstances(duration: 1) { id } }", ""]


@pytest.mark.parametrize("query", QUERIES + BROKEN)
def test_validation_and_result_shape_read_from_disk_equal_a_parse(query: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm run of a SkyWalking repository reads both from disk, without graphql-core."""
    from rolloutlint.providers import skywalking as sw

    monkeypatch.setenv("ROLLOUTLINT_DERIVED_CACHE", str(tmp_path))
    args = {"service": "reviews", "namespace": "bookinfo"}
    sw._validate_cached.cache_clear()
    sw._shape_cached.cache_clear()
    problems, shape = sw.validate_query(query, args), sw.result_shape(query, args)
    assert problems == sw._validate_uncached(query, args)
    assert shape == sw._result_shape(query, args)
    sw._validate_cached.cache_clear()
    sw._shape_cached.cache_clear()
    monkeypatch.setattr(sw, "_validate_uncached", lambda q, a: pytest.fail("validated again"))
    monkeypatch.setattr(sw, "_result_shape", lambda q, a: pytest.fail("parsed again"))
    assert sw.validate_query(query, args) == problems
    again = sw.result_shape(query, args)
    assert again == shape
    if shape is not None:
        again["mutated"] = "x"  # each caller gets its own copy
        assert sw.result_shape(query, args) == shape
    sw._validate_cached.cache_clear()
    sw._shape_cached.cache_clear()


def test_a_corrupt_shape_entry_is_derived_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolloutlint.providers import skywalking as sw

    monkeypatch.setenv("ROLLOUTLINT_DERIVED_CACHE", str(tmp_path))
    query = QUERIES[0]
    sw._shape_cached.cache_clear()
    shape = sw.result_shape(query)
    for entry in tmp_path.rglob("*.json"):
        entry.write_text(json.dumps({"a": [1, 2]}))
    sw._shape_cached.cache_clear()
    assert sw.result_shape(query) == shape
    sw._shape_cached.cache_clear()
