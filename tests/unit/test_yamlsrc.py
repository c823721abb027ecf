"""yamlsrc: safe loading with line numbers, duplicate keys, located errors, typed accessors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.model import Zone
from netguard.yamlsrc import Node, YamlList, YamlMap, load_file, loads

from .conftest import WriteYaml


def raises_at(exc: pytest.ExceptionInfo[InputError], file: object, line: int | None) -> InputError:
    err = exc.value
    assert err.file == str(file)
    assert err.line == line
    return err


def test_mappings_and_lists_remember_lines() -> None:
    data = loads("a: 1\nb:\n  - x\n  -\n    c: 2\nd:\n  e: [3,\n      4]\n")
    assert isinstance(data, YamlMap) and data.line == 1
    assert data == {"a": 1, "b": ["x", {"c": 2}], "d": {"e": [3, 4]}}
    assert data.key_lines == {"a": 1, "b": 2, "d": 6}
    assert data.value_lines == {"a": 1, "b": 3, "d": 7}
    b = data["b"]
    assert isinstance(b, YamlList) and b.item_lines == [3, 5]
    assert isinstance(b[1], YamlMap) and b[1].line == 5 and b[1].key_lines == {"c": 5}
    assert data["d"]["e"].item_lines == [7, 8]


def test_load_file_keeps_path_folder_and_hash(write_yaml: WriteYaml) -> None:
    path = write_yaml("x: 1\n", "sub/inv.yaml")
    doc = load_file(path)
    assert doc.path == str(path)
    assert doc.folder == path.parent.absolute()
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.data == {"x": 1}


def test_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert load_file(path).data == {"name": "x"}


def test_duplicate_key_is_an_error_at_the_second_occurrence(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        hosts:
          - name: a
            address: 10.0.0.1
            name: b
        """
    )
    with pytest.raises(InputError) as exc:
        load_file(path)
    err = raises_at(exc, path, 4)
    assert "duplicate key 'name' (first on line 2)" in err.message


def test_merge_keys_may_be_overridden_without_a_duplicate_error() -> None:
    data = loads("base: &b {user: a, port: 22}\nhost:\n  <<: *b\n  user: root\n")
    assert data["host"] == {"user": "root", "port": 22}
    assert data["host"].key_lines["user"] == 4


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("a: [1, 2\nb: 3\n", 2, "expected ',' or ']'"),
        # libyaml (used when PyYAML has it) and pure-Python PyYAML word these two differently.
        ("a:\n  b: 1\n c: 2\n", 3, "expected <block end>|did not find expected key"),
        ("a: 1\n\tb: 2\n", 2, "found character '\\t'|found a tab character"),
        ("a: 1\n---\nb: 2\n", 2, "expected a single document"),
        ("a: !!python/object/apply:os.system [echo hi]\n", 1, "could not determine a constructor"),
        ("a: *nowhere\n", 1, "found undefined alias"),
        ("? [1, 2]\n: x\n", 1, "keys must be plain values"),
    ],
)
def test_malformed_yaml_is_located(
    write_yaml: WriteYaml, text: str, line: int, phrase: str
) -> None:
    path = write_yaml(text)
    with pytest.raises(InputError) as exc:
        load_file(path)
    err = raises_at(exc, path, line)
    assert err.message.startswith("invalid YAML: ")
    assert any(p in err.message for p in phrase.split("|")), err.message
    assert str(err).startswith(f"{path}:{line}: invalid YAML")


def test_forbidden_character_is_located(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"a: 1\nb: x\x00y\n")
    with pytest.raises(InputError) as exc:
        load_file(path)
    assert "character U+0000 is not allowed" in raises_at(exc, path, 2).message


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as exc:
        load_file(path, "inventory")
    assert str(exc.value) == f"{path}: inventory file not found"


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_file(tmp_path, "policy pack")
    assert "is a directory" in raises_at(exc, tmp_path, None).message


def test_non_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("a: 1\nowner: 张伟\n".encode("gbk"))
    with pytest.raises(InputError) as exc:
        load_file(path)
    assert "not UTF-8" in raises_at(exc, path, 2).message


# -- Node accessors --------------------------------------------------------------------------------


def root(text: str) -> Node:
    data = loads(text, "t.yaml")
    return Node("t.yaml", data, data.line, "")


def test_mapping_rejects_unknown_keys_listing_allowed_ones() -> None:
    with pytest.raises(InputError) as exc:
        root("name: x\nzoen: intranet\n").mapping(("name", "zone"))
    assert str(exc.value) == (
        "t.yaml:2: zoen: unknown key 'zoen' (did you mean zone?); allowed keys: name, zone"
    )


def test_mapping_reports_missing_required_key_at_the_mapping() -> None:
    node = root("outer:\n  x: 1\n").mapping(("outer",))["outer"]
    with pytest.raises(InputError) as exc:
        node.mapping(("x", "cidr"), ("x", "cidr"))
    assert str(exc.value) == "t.yaml:2: outer.cidr: required key is missing"


def test_keys_with_dots_are_bracketed_in_paths() -> None:
    checks = root("checks:\n  password.max_age:\n    params: 3\n").mapping(None)["checks"]
    entry = checks.mapping(None)["password.max_age"]
    params = entry.mapping(("params",))["params"]
    assert params.path == 'checks["password.max_age"].params'
    assert params.line == 3


def test_list_items_have_index_paths_and_lines() -> None:
    items = root("tags:\n  - a\n  - b\n").mapping(("tags",))["tags"].items()
    assert [(i.path, i.line, i.value) for i in items] == [("tags[0]", 2, "a"), ("tags[1]", 3, "b")]


@pytest.mark.parametrize(
    ("text", "call", "phrase"),
    [
        ("v: yes\n", lambda n: n.integer(), "expected a whole number, got a boolean (true)"),
        ("v: '22'\n", lambda n: n.integer(), "expected a whole number, got text ('22')"),
        ("v: 0\n", lambda n: n.integer(minimum=1), "must be at least 1, got 0"),
        ("v: 70000\n", lambda n: n.integer(maximum=65535), "must be at most 65535, got 70000"),
        ("v: -1\n", lambda n: n.number(positive=True), "must be a positive number, got -1"),
        ("v: .inf\n", lambda n: n.number(), "expected a finite number"),
        ("v: 305\n", lambda n: n.text(), "expected text, got a number (305) (quote it: '305')"),
        ("v: '  '\n", lambda n: n.text(), "must not be empty"),
        ('v: "a\\x1b[31m"\n', lambda n: n.text(), "contains control characters"),
        ("v: intarnet\n", lambda n: n.choice(Zone), "invalid value 'intarnet' (did you mean"),
        ("v: x\n", lambda n: n.boolean(), "expected true or false, got text ('x')"),
        ("v: a\n", lambda n: n.items(), "expected a list, got text ('a')"),
    ],
)
def test_scalar_accessors_fail_at_the_value(text: str, call: object, phrase: str) -> None:
    node = root(text).mapping(("v",))["v"]
    with pytest.raises(InputError) as exc:
        call(node)  # type: ignore[operator]
    assert exc.value.line == 1 and exc.value.field == "v"
    assert phrase in exc.value.message


def test_choice_lists_the_valid_values() -> None:
    node = root("v: dmz\n").mapping(("v",))["v"]
    with pytest.raises(InputError) as exc:
        node.choice(Zone)
    assert exc.value.message.endswith(
        "expected one of intranet, extranet, dedicated, internet, classified"
    )
