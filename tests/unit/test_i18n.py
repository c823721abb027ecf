"""Message catalogs: complete in Chinese and English, and every finding can be said in both.

Reason ids are collected two ways: by running every recorded host (plus synthetic variants for
branches no recording reaches, and the engine's error paths) through the engine, and statically
from the source (``say("…")`` / ``part("…")``), so an unexercised branch cannot hide a missing key.
"""

from __future__ import annotations

import ast
import dataclasses
import ipaddress
import json
import re
import string
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from netguard.checks import ALL_CHECKS, CATALOG
from netguard.checks.hostkey import hostkey_finding
from netguard.checks.isolation import BRIDGING_KINDS, arrived, unsent_on_windows
from netguard.checks.network import CHECK_IDS as NETWORK_CHECKS
from netguard.collect import Collection
from netguard.collect.parse_linux import PROBE_OUTCOMES, encode_sections, parse_linux
from netguard.engine.evaluate import evaluate, finding
from netguard.i18n import LANGS, PART, Catalog, catalog, default_lang
from netguard.model import AvRole, Finding, FindingStatus, Host, HostStatus, Segment, Zone
from netguard.model.facts import Account, ClamDatabase, Facts, Interface
from netguard.policy import AvProduct, Policy
from tests.unit.recordings import HOSTS, NOW, TODAY, desktop, recorded
from tests.unit.recordings_network import NETWORK_HOSTS, NETWORK_SEGMENTS
from tests.unit.recordings_passwords import PASSWORD_HOSTS
from tests.unit.recordings_probe import PROBE_SECTIONS, PROBE_TOKEN
from tests.unit.recordings_windows import windows_i18n_scenarios, windows_policy
from tests.unit.test_checks import SEGMENTS, host, policy
from tests.unit.test_discover_analysis import network_findings_for_i18n
from tests.unit.test_media import fleet_findings
from tests.unit.test_sca_checks import sca_findings_for_i18n

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "netguard" / "i18n"
#: Files whose say("…") / part("…") calls are message ids.
SOURCES = [
    *sorted((ROOT / "netguard" / "checks").glob("*.py")),
    *sorted((ROOT / "netguard" / "engine").glob("*.py")),
    *sorted((ROOT / "netguard" / "fleet").glob("*.py")),
    *sorted((ROOT / "netguard" / "sca").glob("*.py")),  # rule files' checks (issue 16)
]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"\b(?:the|and|or|not|is|are|of|to|in|on|with|no|from)\b", re.I)
#: Half-width punctuation in Chinese prose: ( ) , ; ? anywhere, ":" next to a Chinese character.
HALF_WIDTH = re.compile(r"[(),;?]|[\u4e00-\u9fff]:|:[\u4e00-\u9fff]")
#: Chinese, or Chinese punctuation (a template like "{product}({signals})" has no words).
CHINESE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
FALLBACK = "\x00fallback"
TRANSPORT_CHECKS = ("ssh.hostkey", *NETWORK_CHECKS)
#: Catalog areas that belong to the checks (their zh text must be Chinese, en text English).
CHECK_AREAS = ("checks.", "reasons.", "parts.", "facts.", "av_role.")


# --- the catalog files ---------------------------------------------------------------------


def _flat(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _flat(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix, node


def _files(lang: str) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((I18N / lang).glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            out[path.name] = dict(_flat(yaml.safe_load(fh) or {}))
    return out


def _fields(template: str) -> set[str]:
    """The argument names a template uses ({x}, {x:items}, {x:@zone} all name x)."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def _lookups(template: str) -> set[str]:
    """The key prefixes a template looks values up under ({x:@zone} → zone)."""
    return {
        spec[1:]
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None and spec and spec.startswith("@")
    }


def test_every_language_has_the_same_files_and_keys() -> None:
    files = {lang: _files(lang) for lang in LANGS}
    assert set(files["zh"]) == set(files["en"])
    for name in files["en"]:
        en, zh = set(files["en"][name]), set(files["zh"][name])
        assert en - zh == set(), f"zh/{name} lacks {sorted(en - zh)}"
        assert zh - en == set(), f"en/{name} lacks {sorted(zh - en)}"
    assert set(catalog("en").messages) == set(catalog("zh").messages)


def test_keys_are_names_and_values_are_text() -> None:
    """`on:`/`off:`/`yes:` unquoted would load as booleans: a key no code could ever ask for."""
    for lang in LANGS:
        for name, messages in _files(lang).items():
            for key, value in messages.items():
                assert all(isinstance(k, str) for k in key.split(".")), (lang, name, key)
                assert isinstance(value, str) and value.strip(), (lang, name, key)


def test_every_key_has_the_same_placeholders_in_both_languages() -> None:
    en, zh = catalog("en").messages, catalog("zh").messages
    for key in sorted(set(en) & set(zh)):
        assert _fields(en[key]) == _fields(zh[key]), key


def test_chinese_check_texts_are_chinese_and_english_ones_are_not() -> None:
    for key, text in catalog("zh").messages.items():
        if key.startswith(CHECK_AREAS):
            assert CHINESE.search(text), f"zh {key} has no Chinese: {text!r}"
            prose = re.sub(r"\{[^}]*\}|`[^`]*`", " ", text)  # placeholders and commands aside
            assert not ENGLISH_WORD.search(prose), f"zh {key} has English words: {text!r}"
            assert not HALF_WIDTH.search(prose), f"zh {key}: use full-width punctuation: {text!r}"
    for key, text in catalog("en").messages.items():
        # English remediation may quote Chinese terms of art (违规外联); sentences may not.
        if key.startswith(("reasons.", "parts.", "facts.", "av_role.")) or key.endswith(".title"):
            assert not CJK.search(text), f"en {key} has Chinese: {text!r}"


def test_lookups_name_known_prefixes_and_cover_every_value() -> None:
    wanted = {
        "zone": {str(z) for z in Zone},
        "facts": _fact_groups(),
        "av_role": {str(r) for r in AvRole},
        "probe_outcome": set(PROBE_OUTCOMES),
        "link_kind": set(BRIDGING_KINDS),
    }
    for lang in LANGS:
        cat = catalog(lang)
        for key, text in cat.messages.items():
            if not key.startswith(CHECK_AREAS):
                continue
            for prefix in _lookups(text):
                assert prefix in wanted, (lang, key, prefix)
        for prefix, values in wanted.items():
            missing = sorted(v for v in values if not cat.has(f"{prefix}.{v}"))
            assert missing == [], (lang, prefix, missing)


def _fact_groups() -> set[str]:
    return {f.name for f in dataclasses.fields(Facts)} - {"now", "problems"}


# --- titles and remediation ----------------------------------------------------------------


@pytest.mark.parametrize("check", [*sorted(CATALOG), *TRANSPORT_CHECKS])
@pytest.mark.parametrize("lang", LANGS)
def test_every_check_has_a_title_and_remediation(lang: str, check: str) -> None:
    cat = catalog(lang)
    for what in ("title", "remediation"):
        assert cat.get(f"checks.{check}.{what}").strip(), (lang, check, what)


def test_check_specs_take_their_english_words_from_the_catalog() -> None:
    en = catalog("en")
    for spec in ALL_CHECKS:
        assert spec.title == en(f"checks.{spec.id}.title")
        assert spec.remediation == en(f"checks.{spec.id}.remediation")
    assert set(k.rsplit(".", 1)[0] for k in en.messages if k.startswith("checks.")) == {
        f"checks.{c}" for c in [*CATALOG, *TRANSPORT_CHECKS]
    }


# --- reasons the checks and the engine emit ------------------------------------------------

EXTRANET = Segment("county-extranet", Zone.EXTRANET, ipaddress.ip_network("10.30.0.0/24"), None)
SEGMENTS_3 = {**SEGMENTS, EXTRANET.name: EXTRANET}
OTHER_AV = AvProduct("Qihoo 360", packages=("clamav",))


def _facts(name: str = "compliant") -> Facts:
    return parse_linux(recorded(name), now=NOW)


def _with(pol: Policy, **changes: Any) -> Policy:
    return dataclasses.replace(pol, **changes)


def _account(name: str, last_change: int | None, max_days: int | None) -> Account:
    return Account(name, 1000, "/bin/bash", "usable", last_change, max_days, True)


def _variants() -> Iterator[tuple[str, Facts, Host, Mapping[str, Segment], Policy]]:
    """Branches no recorded host reaches: (label, facts, host, segments, policy)."""
    base, pol = _facts(), policy()
    wifi_iface = Interface("wlan0", 801, False, False, "", "", "up")
    yield "nothing collected", Facts(now=NOW), host(), SEGMENTS, pol
    yield "no approved products", base, host(), SEGMENTS, _with(pol, products=())
    only_updater = dataclasses.replace(
        base, processes=frozenset({"systemd", "freshclam"}), services={"clamav-freshclam": "active"}
    )
    yield "only the updater runs", only_updater, host(), SEGMENTS, pol
    yield (
        "unreadable product",
        dataclasses.replace(base, clamav_databases=()),
        host(),
        SEGMENTS,
        _with(pol, products=(OTHER_AV,)),
    )
    undated = ClamDatabase("/var/lib/clamav/daily.cld", None, None, None, False)
    yield "undated", dataclasses.replace(base, clamav_databases=(undated,)), host(), SEGMENTS, pol
    yield "no users", dataclasses.replace(base, accounts=()), host(), SEGMENTS, pol
    odd = (_account("li", 0, 120), _account("wang", TODAY - 1, 30))
    yield "odd accounts", dataclasses.replace(base, accounts=odd), host(), SEGMENTS, pol
    yield "no addresses", dataclasses.replace(base, addresses=()), host(), SEGMENTS, pol
    yield "no route", dataclasses.replace(base, default_routes=()), host(), SEGMENTS, pol
    no_gw = {
        **SEGMENTS,
        "county-intranet": dataclasses.replace(SEGMENTS["county-intranet"], gateway=None),
    }
    yield "no gateway registered", base, host(), no_gw, pol
    yield "rfkill unreadable", dataclasses.replace(base, rfkill=None), host(), SEGMENTS, pol
    yield "802.11 link", dataclasses.replace(base, interfaces=(wifi_iface,)), host(), SEGMENTS, pol
    extra = dataclasses.replace(base.addresses[0], ip=ipaddress.ip_address("10.30.0.5"))
    two = dataclasses.replace(base, addresses=(*base.addresses, extra))
    yield "intranet and extranet", two, host(), SEGMENTS_3, pol
    for name, sections in PASSWORD_HOSTS.items():  # issue 11's account scenarios
        yield name, parse_linux(encode_sections(sections()), now=NOW), host(), SEGMENTS, pol


def _raising_policy() -> Policy:
    def boom(facts: Facts, ctx: object) -> None:
        raise RuntimeError("bug")

    pol = policy()
    cfg = pol.checks[0]
    return _with(
        pol, checks=(dataclasses.replace(cfg, spec=dataclasses.replace(cfg.spec, func=boom)),)
    )


def _hostkey_findings() -> list[Finding]:
    h = host()
    changed = Collection(
        HostStatus.HOSTKEY_MISMATCH,
        "host key changed: offered ssh-ed25519 SHA256:abc",
        evidence={
            "offered_type": "ssh-ed25519",
            "offered_fingerprint": "SHA256:abc",
            "known_keys": {"ssh-ed25519": "SHA256:xyz"},
            "known_hosts": "~/.ssh/known_hosts",
        },
    )
    no_type = Collection(
        HostStatus.HOSTKEY_MISMATCH,
        "server offers none of the known host key types ['ssh-rsa']",
        evidence={"known_keys": {"ssh-rsa": "SHA256:xyz"}},
    )
    jump = {"jump_host": "[10.9.0.1]:2222"}
    return [
        hostkey_finding(h, changed.evidence),
        hostkey_finding(h, no_type.evidence),
        hostkey_finding(h, {**changed.evidence, **jump}),  # a jump host's key (ProxyJump)
        hostkey_finding(h, {**no_type.evidence, **jump}),
        hostkey_finding(h, {**changed.evidence, "revoked": True}),  # an @revoked key
        hostkey_finding(h, {**changed.evidence, "revoked": True, **jump}),
    ]


def _all_findings() -> list[tuple[str, Finding]]:
    out: list[tuple[str, Finding]] = []
    for name in HOSTS:
        facts = _facts(name)
        for seg in ("county-intranet", "county-internet"):
            out += [(f"{name}@{seg}", f) for f in evaluate(facts, host(seg), SEGMENTS, policy())]
    for name in NETWORK_HOSTS:  # dual stack, bridges, tunnels: tests/unit/recordings_network.py
        facts = parse_linux(encode_sections(NETWORK_HOSTS[name]()), now=NOW)
        for segments in (NETWORK_SEGMENTS, SEGMENTS):  # dual-stack and IPv4-only segments
            out += [(name, f) for f in evaluate(facts, host(), segments, policy())]
    for label, facts in windows_i18n_scenarios():  # tests/unit/recordings_windows.py
        for pol in (windows_policy(), policy()):  # policy(): every check in every zone
            out += [(label, f) for f in evaluate(facts, host(), SEGMENTS, pol)]
    for label, facts, h, segments, pol in _variants():
        out += [(label, f) for f in evaluate(facts, h, segments, pol)]
    out += [("raises", f) for f in evaluate(_facts(), host(), SEGMENTS, _raising_policy())]
    out += [("hostkey", f) for f in _hostkey_findings()]
    out += [("fleet", f) for f in fleet_findings()]  # media.cross_network across hosts
    out += [("sca", f) for f in sca_findings_for_i18n()]  # rule files: every sca.* reason
    with tempfile.TemporaryDirectory() as tmp:
        out += [("network", f) for f in network_findings_for_i18n(Path(tmp))]
    for label, section in PROBE_SECTIONS.items():  # isolation.reachability with a request
        facts = parse_linux(encode_sections(desktop(probe=(section, 0))), now=NOW)
        out += [(label, f) for f in evaluate(facts, host(), SEGMENTS, policy(), PROBE_TOKEN)]
    # what `netguard correlate` says once the receiver's file proves the probe arrived
    reach = next(c for c in policy().checks if c.spec.id == "isolation.reachability")
    came = {"arrived_at": "2026-11-23T02:00:00Z", "source": "203.0.113.9", "port": 80}
    out.append(("arrived", finding(reach, arrived([{**came, "proto": "tcp"}], {}))))
    # a Windows host the run's probe was meant for: none is sent there (engine.runner)
    out.append(("windows unsent", finding(reach, unsent_on_windows())))
    return out


@pytest.fixture(scope="module")
def emitted() -> list[tuple[str, Finding]]:
    return _all_findings()


def _parts(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        if PART in value:
            yield value[PART]
        for v in value.values():
            yield from _parts(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _parts(v)


def test_every_finding_has_a_reason_both_languages_can_say(emitted) -> None:
    for where, f in emitted:
        assert f.reason, (where, f.check, f.message)
        for lang in LANGS:
            said = catalog(lang).reason(f.reason, f.args, FALLBACK)
            assert said != FALLBACK, (where, lang, f.reason, f.args)
        assert catalog("en").reason(f.reason, f.args, FALLBACK) == f.message


def test_arguments_are_data_not_english(emitted) -> None:
    for where, f in emitted:
        json.dumps(f.args)  # language-neutral and storable as they are
        assert "message" not in f.args, where


def test_the_scenarios_reach_every_reason_and_part_in_the_source(emitted) -> None:
    """So the per-scenario checks above see every argument each reason is given."""
    reasons, parts = _static_ids()
    assert {f.reason for _, f in emitted} == set(reasons)
    assert {p for _, f in emitted for p in _parts(f.args)} == set(parts)


def test_error_paths_say_why(emitted) -> None:
    by_reason = {f.reason for where, f in emitted if f.status is FindingStatus.ERROR}
    assert {"engine.fact_missing", "engine.check_raised"} <= by_reason
    na = {f.reason for _, f in emitted if f.status is FindingStatus.NOT_APPLICABLE}
    assert "engine.outside_zone" in na


# --- the same, read from the source --------------------------------------------------------

Calls = dict[str, list[tuple[set[str], bool]]]  # id → [(keyword names, has **kwargs)]


def _calls(func: str) -> Calls:
    out: Calls = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and _name(node.func) == func):
                continue
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{path.name}:{node.lineno}: {func}() needs a literal id"
            )
            keywords = {k.arg for k in node.keywords if k.arg is not None}
            starred = any(k.arg is None for k in node.keywords)
            out.setdefault(first.value, []).append((keywords, starred))
    return out


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _static_ids() -> tuple[Calls, Calls]:
    return _calls("say"), _calls("part")


@pytest.mark.parametrize("lang", LANGS)
def test_every_id_in_the_source_has_a_template_with_its_arguments(lang: str) -> None:
    cat = catalog(lang)
    reasons, parts = _static_ids()
    assert reasons and parts
    for prefix, calls in (("reasons", reasons), ("parts", parts)):
        for id_, uses in calls.items():
            key = f"{prefix}.{id_}"
            assert cat.has(key), f"{lang}: {key} missing"
            wanted = _fields(cat(key))
            for keywords, starred in uses:
                assert keywords <= wanted, (lang, key, keywords - wanted)
                if not starred:
                    assert keywords == wanted, (lang, key, wanted - keywords)


def test_no_template_is_left_without_a_caller() -> None:
    reasons, parts = _static_ids()
    en = catalog("en").messages
    assert {k.removeprefix("reasons.") for k in en if k.startswith("reasons.")} == set(reasons)
    assert {k.removeprefix("parts.") for k in en if k.startswith("parts.")} == set(parts)


def test_checks_write_no_sentences() -> None:
    """A verdict's message is a say(...), never a string or an f-string."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in (
                "verdict",
                "cannot_decide",
                "not_applicable",
            ):
                said = node.args[1] if _name(node.func) == "verdict" else node.args[0]
                assert not isinstance(said, ast.Constant | ast.JoinedStr | ast.BinOp), (
                    f"{path.name}:{node.lineno}: pass say(...), not text"
                )


# --- golden sentences ----------------------------------------------------------------------


def _finding(name: str, check: str, segment: str = "county-intranet") -> Finding:
    fs = {f.check: f for f in evaluate(_facts(name), host(segment), SEGMENTS, policy())}
    return fs[check]


def _both(f: Finding) -> tuple[str, str]:
    return f.message, catalog("zh").reason(f.reason, f.args, FALLBACK)


GOLDEN: list[tuple[str, str, str, str, str]] = [
    (
        "password-expired",
        "password.age",
        "county-intranet",
        "password not changed within 90 days: zhangwei (200 days ago)",
        "以下账户超过 90 天未更换口令：zhangwei（200 天前修改）",
    ),
    (
        "password-never-expires",
        "password.max_age",
        "county-intranet",
        "password maximum age above 90 days: zhangwei (never expires)",
        "以下账户的口令有效期超过 90 天或未设置：zhangwei（口令永不过期）",
    ),
    (
        "dual-homed",
        "isolation.multi_homed",
        "county-intranet",
        "connected to the internet and an isolated network: "
        "internet (198.51.100.44/24 on enp4s0); intranet (10.20.0.17/24 on enp3s0)",
        "同时接入互联网和物理隔离网络（一机两用），属于违规外联："
        "互联网（网卡 enp4s0 上的 198.51.100.44/24）；政务内网（网卡 enp3s0 上的 10.20.0.17/24）",
    ),
    (
        "usb-modem",
        "isolation.wireless",
        "county-intranet",
        "radio devices present: wwan0 (modem/tethering driver qmi_wwan, DEVTYPE=wwan, name wwan*)",
        "发现无线设备：网卡 wwan0（4G上网卡或手机共享网络驱动 qmi_wwan、设备类型 DEVTYPE=wwan、"
        "接口名 wwan*）",
    ),
    (
        "two-default-routes",
        "isolation.default_route",
        "county-intranet",
        "2 IPv4 default routes (at most 1); default dev ppp0 is not via the registered gateway "
        "10.20.0.1",
        "默认路由不合规：共有 2 条 IPv4 默认路由（最多允许 1 条）；“default dev ppp0”未经过登记的"
        "网关 10.20.0.1",
    ),
    (
        "stale-signatures",
        "antivirus.signatures",
        "county-intranet",
        "signatures are 40 days old (limit 7, from header)",
        "病毒库已 40 天未更新（要求 7 天内更新；日期读自病毒库文件头）",
    ),
    (
        "forwarding",
        "isolation.forwarding",
        "county-intranet",
        "IP forwarding is on (net.ipv4.ip_forward)",
        "已开启IP转发（net.ipv4.ip_forward）",
    ),
    (
        "wifi-card",
        "isolation.wireless",
        "county-internet",
        "applies to classified, intranet hosts; fin-pc-07 is in the internet zone",
        "本项检查仅适用于涉密网络、政务内网中的计算机，fin-pc-07 位于互联网",
    ),
]


@pytest.mark.parametrize(("name", "check", "segment", "en", "zh"), GOLDEN)
def test_golden_sentences(name: str, check: str, segment: str, en: str, zh: str) -> None:
    assert _both(_finding(name, check, segment)) == (en, zh)


def test_golden_fact_missing() -> None:
    f = _finding("shadow-unreadable", "password.age")
    assert f.reason == "engine.fact_missing"
    assert f.args["fact"] == "accounts"
    assert f.message.startswith("could not decide: accounts: ")
    assert (
        catalog("zh")
        .reason(f.reason, f.args, FALLBACK)
        .startswith("未能取得账户信息（/etc/passwd、/etc/shadow），原始输出“")
    )


def test_golden_hostkey() -> None:
    changed, no_type, *_ = _hostkey_findings()
    assert changed.message == (
        "fin-pc-07: host key changed: offered ssh-ed25519 SHA256:abc — the machine may have been "
        "replaced, reinstalled or impersonated"
    )
    assert _both(changed)[1] == (
        "fin-pc-07：主机密钥已改变，当前出示的是 ssh-ed25519 SHA256:abc，与登记的不符——"
        "该机器可能已被更换、重装系统或被冒充"
    )
    assert no_type.args == {"host": "fin-pc-07", "known_types": ["ssh-rsa"]}
    assert changed.title == catalog("en")("checks.ssh.hostkey.title")


# --- the results document ------------------------------------------------------------------


def test_finding_to_dict_carries_reason_and_args_next_to_message() -> None:
    d = _finding("password-expired", "password.age").to_dict()
    keys = list(d)
    assert keys[keys.index("message") + 1 : keys.index("message") + 3] == ["reason", "args"]
    assert d["reason"] == "password.age.stale"
    assert d["args"] == {
        "limit_days": 90,
        "accounts": [{"part": "account.days_ago", "account": "zhangwei", "days": 200}],
    }
    assert json.loads(json.dumps(d)) == d


def test_finding_defaults_stay_compatible() -> None:
    f = Finding("x.y", "x", FindingStatus.PASS, CATALOG["password.age"].severity, "ok")
    assert (f.reason, f.args) == ("", {})


# --- the Catalog -------------------------------------------------------------------------------


def test_unknown_reason_or_missing_argument_falls_back_to_the_stored_message() -> None:
    for lang in LANGS:
        cat = catalog(lang)
        assert cat.reason("no.such.reason", {}, "stored words") == "stored words"
        assert cat.reason("", {}, "stored words") == "stored words"
        assert cat.reason("password.age.stale", {"limit_days": 90}, "stored") == "stored"
        bad_part = {"limit_days": 90, "accounts": [{"part": "no.such.part"}]}
        assert cat.reason("password.age.stale", bad_part, "stored") == "stored"
    # zh names zones through zone.<id>; an id it does not know is an older file's: fall back
    assert catalog("zh").reason("isolation.multi_homed.one_zone", {"zone": "mars"}, "s") == "s"


def test_catalog_renders_lists_parts_and_lookups() -> None:
    cat = Catalog(
        "xx",
        {
            "common.list_separator": "/",
            "common.item_separator": " | ",
            "zone.intranet": "IN",
            "zone.internet": "OUT",
            "parts.pair": "{a}={b}",
            "parts.box": "[{items}]",
            "reasons.r": "{plain} {xs} {ps:items} {z:@zone} {zs:@zone} {n:.1f}",
        },
    )
    args: dict[str, Any] = {
        "plain": "p",
        "xs": ["a", "b"],
        "ps": [{"part": "pair", "a": 1, "b": 2}, {"part": "box", "items": ["x", "y"]}],
        "z": "intranet",
        "zs": ["intranet", "internet"],
        "n": 2.25,
    }
    assert cat.reason("r", args, "") == "p a/b 1=2 | [x/y] IN IN/OUT 2.2"
    assert cat.join(["a", {"part": "pair", "a": 1, "b": 2}]) == "a/1=2"
    assert cat("parts.pair", a="x", b="y") == "x=y"
    assert cat.get("nope", "dflt") == "dflt"


def test_zh_joins_lists_the_chinese_way() -> None:
    assert catalog("zh").join(["root", "zhangwei"]) == "root、zhangwei"
    assert catalog("en").join(["root", "zhangwei"]) == "root, zhangwei"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, "zh"),
    ],
)
def test_default_lang_follows_the_locale(environ: dict[str, str], lang: str) -> None:
    assert default_lang(environ) == lang


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        catalog("fr")


def test_every_evidence_key_has_a_label_in_both_languages(emitted) -> None:
    """The report names each key of a finding's evidence in the reader's language."""
    keys = {k for _, f in emitted if isinstance(f.evidence, Mapping) for k in f.evidence}
    assert keys
    for lang in LANGS:
        cat = catalog(lang)
        missing = sorted(k for k in keys if not cat.has(f"evidence.{k}"))
        assert not missing, f"{lang}: {' '.join(missing)}"


def test_the_lab_runs_evidence_keys_have_labels() -> None:
    """The same for a real run's results (keys no recording reaches, e.g. the freshclam log)."""
    doc = json.loads((ROOT / "tests" / "fixtures" / "lab-results.json").read_text("utf-8"))
    keys = {
        k
        for h in doc["hosts"]
        for f in h.get("findings", [])
        if isinstance(f.get("evidence"), dict)
        for k in f["evidence"]
    }
    for lang in LANGS:
        missing = sorted(k for k in keys if not catalog(lang).has(f"evidence.{k}"))
        assert not missing, f"{lang}: {' '.join(missing)}"
