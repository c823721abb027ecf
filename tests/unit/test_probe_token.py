"""Probe tokens: the format, and every reason an arrival's token proves nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.probe import token as tk

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
RUN = "0123456789abcdef0123456789abcdef"
HOSTS = {"pc-1", "pc-2", "财务-3"}
START = 1_800_000_000


def test_format_is_strict_ascii_and_round_trips() -> None:
    t = tk.make(KEY, RUN, "pc-1", START)
    text = str(t)
    assert text.startswith(f"ngp1.{RUN}.")
    assert text.endswith(f".{START}.{t.mac}")
    assert tk.PATTERN.fullmatch(text)
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert len(text) <= tk.MAX_LEN
    assert tk.parse(text) == t
    assert "pc-1" not in text


def test_host_name_bound_not_sent_and_differs_per_run() -> None:
    a = tk.make(KEY, RUN, "财务-3", START)
    b = tk.make(KEY, "otherrun", "财务-3", START)
    assert a.host_hash != b.host_hash
    assert tk.verify(str(a), KEY, run_id=RUN, hosts=HOSTS, arrived_at=START + 5) == "财务-3"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ngp1",
        f"ngp2.{RUN}.0123456789abcdef.{START}.{'0' * 32}",
        f"ngp1.{RUN}.0123456789ABCDEF.{START}.{'0' * 32}",
        f"ngp1.{RUN}.0123456789abcdef.{START}.{'0' * 31}",
        f"ngp1.{RUN}.0123456789abcdef.-1.{'0' * 32}",
        f"ngp1.a b.0123456789abcdef.{START}.{'0' * 32}",
        f"ngp1.{RUN}.0123456789abcdef.{START}.{'0' * 32}\n",
        f"ngp1.{'r' * 65}.0123456789abcdef.{START}.{'0' * 32}",
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(tk.TokenError) as exc:
        tk.verify(text, KEY, run_id=RUN, hosts=HOSTS, arrived_at=START)
    assert exc.value.reason is tk.Rejected.MALFORMED


def test_forged_mac_and_other_key() -> None:
    t = tk.make(KEY, RUN, "pc-1", START)
    flipped = str(t)[:-1] + ("0" if str(t)[-1] != "0" else "1")
    for text in (flipped, str(tk.make(OTHER_KEY, RUN, "pc-1", START))):
        with pytest.raises(tk.TokenError) as exc:
            tk.verify(text, KEY, run_id=RUN, hosts=HOSTS, arrived_at=START)
        assert exc.value.reason is tk.Rejected.FORGED
    # a changed window start with the old MAC is forged too
    moved = str(t).replace(f".{START}.", f".{START + 3600}.")
    with pytest.raises(tk.TokenError) as exc:
        tk.verify(moved, KEY, run_id=RUN, hosts=HOSTS, arrived_at=START + 3600)
    assert exc.value.reason is tk.Rejected.FORGED


def test_other_run_is_a_replay() -> None:
    t = tk.make(KEY, "lastweek", "pc-1", START)
    with pytest.raises(tk.TokenError) as exc:
        tk.verify(str(t), KEY, run_id=RUN, hosts=HOSTS, arrived_at=START)
    assert exc.value.reason is tk.Rejected.OTHER_RUN


@pytest.mark.parametrize(
    ("arrived", "ok"),
    [
        (START - tk.SKEW - 1, False),
        (START - tk.SKEW, True),
        (START + tk.WINDOW - 1, True),
        (START + tk.WINDOW, False),
    ],
)
def test_window_edges(arrived: int, ok: bool) -> None:
    text = str(tk.make(KEY, RUN, "pc-2", START))
    if ok:
        assert tk.verify(text, KEY, run_id=RUN, hosts=HOSTS, arrived_at=arrived) == "pc-2"
    else:
        with pytest.raises(tk.TokenError) as exc:
            tk.verify(text, KEY, run_id=RUN, hosts=HOSTS, arrived_at=arrived)
        assert exc.value.reason is tk.Rejected.OUTSIDE_WINDOW


def test_unknown_host() -> None:
    text = str(tk.make(KEY, RUN, "not-in-run", START))
    with pytest.raises(tk.TokenError) as exc:
        tk.verify(text, KEY, run_id=RUN, hosts=HOSTS, arrived_at=START)
    assert exc.value.reason is tk.Rejected.UNKNOWN_HOST


def test_bad_run_id_is_refused() -> None:
    with pytest.raises(ValueError):
        tk.make(KEY, "run id; rm", "pc-1", START)


def test_key_file(tmp_path: Path) -> None:
    path = tmp_path / "probe.key"
    tk.write_key(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    key = tk.load_key(path)
    assert len(key) == 32
    with pytest.raises(FileExistsError):
        tk.write_key(path)
    raw = tmp_path / "raw.key"
    raw.write_bytes(b"\x00\xff" * 16)
    raw.chmod(0o600)
    assert tk.load_key(raw) == b"\x00\xff" * 16


def test_key_file_refusals(tmp_path: Path) -> None:
    short = tmp_path / "short.key"
    short.write_text("ab" * 31 + "\n")
    short.chmod(0o600)
    with pytest.raises(InputError, match="fewer than 32"):
        tk.load_key(short)
    open_key = tmp_path / "open.key"
    open_key.write_text("ab" * 32)
    open_key.chmod(0o644)
    with pytest.raises(InputError, match="readable by others") as exc:
        tk.load_key(open_key)
    assert "ab" * 32 not in str(exc.value)
    with pytest.raises(InputError, match="cannot read"):
        tk.load_key(tmp_path / "missing.key")
