"""Policy packs: selection, severities, zones, parameters, the AV catalog, and located errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from netguard.checks.base import CheckSpec
from netguard.errors import InputError
from netguard.model import Severity, Zone
from netguard.policy import AvProduct, default_policy_path, load_policy

from .conftest import WriteYaml

ROOT = Path(__file__).resolve().parents[2]
Catalog = dict[str, CheckSpec]


def assert_error(
    path: Path, catalog: Catalog, line: int | None, field: str | None, phrase: str
) -> InputError:
    with pytest.raises(InputError) as exc:
        load_policy(path, catalog)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(path), line, field), str(err)
    assert phrase in err.message, str(err)
    return err


# -- a valid pack ----------------------------------------------------------------------------------


def test_valid_pack_loads_exactly(write_yaml: WriteYaml, catalog: Catalog) -> None:
    path = write_yaml(
        """
        name: office
        description: 县政府办公室
        antivirus_products:
          - {name: ClamAV, packages: [clamav, clamav-daemon], binaries: [clamscan],
             services: [clamav-daemon], processes: [clamd, freshclam, clamd]}
          - name: Other
            processes: [otherd]
        checks:
          password.max_age: {severity: critical, params: {max_days: 30}}
          isolation.wireless: {zones: [intranet, classified, intranet]}
          antivirus.installed: {}
          isolation.default_route:
          password.age: {params: {}}
        """
    )
    pol = load_policy(path, catalog)
    assert (pol.name, pol.description, pol.path) == ("office", "县政府办公室", str(path))
    assert pol.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pol.products == (
        AvProduct(
            "ClamAV",
            packages=("clamav", "clamav-daemon"),
            binaries=("clamscan",),
            services=("clamav-daemon",),
            processes=("clamd", "freshclam"),  # repeats dropped, order kept
        ),
        AvProduct("Other", processes=("otherd",)),
    )
    got = [(c.spec.id, c.severity, c.zones, dict(c.params)) for c in pol.checks]
    assert got == [
        ("password.max_age", Severity.CRITICAL, frozenset(Zone), {"max_days": 30}),
        (
            "isolation.wireless",
            Severity.CRITICAL,
            frozenset({Zone.INTRANET, Zone.CLASSIFIED}),
            {},
        ),
        ("antivirus.installed", Severity.HIGH, frozenset(Zone), {}),
        (
            "isolation.default_route",
            Severity.CRITICAL,
            frozenset(Zone) - {Zone.INTERNET},
            {"max_default_routes": 1},  # the spec default fills the unset parameter
        ),
        ("password.age", Severity.HIGH, frozenset(Zone), {"max_days": 90}),
    ]
    assert pol.checks[0].spec is catalog["password.max_age"]


def test_params_are_read_only(write_yaml: WriteYaml, catalog: Catalog) -> None:
    pol = load_policy(write_yaml("name: x\nchecks: {password.age: {}}\n"), catalog)
    with pytest.raises(TypeError):
        pol.checks[0].params["max_days"] = 1  # type: ignore[index]


def test_only_listed_checks_are_selected(write_yaml: WriteYaml, catalog: Catalog) -> None:
    pol = load_policy(write_yaml("name: x\nchecks:\n  antivirus.installed: {}\n"), catalog)
    assert [c.spec.id for c in pol.checks] == ["antivirus.installed"]
    assert pol.products == () and pol.description == ""


def test_minimum_itself_is_allowed(write_yaml: WriteYaml, catalog: Catalog) -> None:
    path = write_yaml(
        "name: x\nchecks:\n  isolation.default_route: {params: {max_default_routes: 0}}\n"
    )
    assert load_policy(path, catalog).checks[0].params == {"max_default_routes": 0}


def test_float_bool_and_text_parameters(write_yaml: WriteYaml, catalog: Catalog) -> None:
    path = write_yaml(
        "name: x\nchecks:\n  test.kinds: {params: {ratio: 2, strict: true, label: 财务}}\n"
    )
    params = load_policy(path, catalog).checks[0].params
    assert params == {"ratio": 2.0, "strict": True, "label": "财务"}
    assert isinstance(params["ratio"], float)


# -- validation ------------------------------------------------------------------------------------

P = "name: x\nchecks:\n"


@pytest.mark.parametrize(
    ("text", "line", "field", "phrase"),
    [
        # the top level
        ("- x\n", 1, None, "expected a mapping (name, checks, ...), got a list"),
        ("", None, None, "the policy pack is empty"),
        ("checks: {antivirus.installed: {}}\n", 1, "name", "required key is missing"),
        ("name: x\n", 1, None, "select at least one check: give checks, rules (rule files)"),
        ("name: 5\nchecks: {antivirus.installed: {}}\n", 1, "name", "expected text, got a number"),
        ("name: x\ncheck: {}\nchecks: {antivirus.installed: {}}\n", 2, "check",
         "unknown key 'check' (did you mean checks?); allowed keys: name, description, "
         "antivirus_products, checks, rules"),
        ("name: x\nchecks: {}\n", 2, "checks", "select at least one check"),
        ("name: x\nchecks: [password.age]\n", 2, "checks",
         "expected a mapping of check id → settings, got a list"),
        # check ids and settings
        (P + "  password.maxage: {}\n", 3, 'checks["password.maxage"]',
         "unknown check 'password.maxage' (did you mean password.max_age or password.age?)"),
        (P + "  frobnicate: {}\n", 3, "checks.frobnicate",
         "unknown check 'frobnicate'; known checks: antivirus.installed, antivirus.signatures,"),
        (P + "  password.age: {severty: high}\n", 3, 'checks["password.age"].severty',
         "unknown key 'severty' (did you mean severity?); allowed keys: severity, zones, params"),
        (P + "  password.age: {severity: urgent}\n", 3, 'checks["password.age"].severity',
         "invalid value 'urgent'; expected one of info, low, medium, high, critical"),
        (P + "  password.age: yes\n", 3, 'checks["password.age"]',
         "expected a mapping of check settings, got a boolean (true)"),
        (P + "  isolation.wireless:\n    zones: [intranet, clasified]\n", 4,
         'checks["isolation.wireless"].zones[1]',
         "invalid value 'clasified' (did you mean classified?); expected one of intranet, "
         "extranet, dedicated, internet, classified"),
        (P + "  isolation.wireless: {zones: []}\n", 3, 'checks["isolation.wireless"].zones',
         "select at least one zone"),
        (P + "  isolation.wireless: {zones: intranet}\n", 3, 'checks["isolation.wireless"].zones',
         "expected a list of zones, e.g. [intranet, classified], got text ('intranet')"),
        # parameters
        (P + "  password.age:\n    params:\n      max_dayz: 30\n", 5,
         'checks["password.age"].params.max_dayz',
         "unknown parameter 'max_dayz' (did you mean max_days?); parameters of password.age: "
         "max_days"),
        (P + "  antivirus.installed: {params: {max_days: 3}}\n", 3,
         'checks["antivirus.installed"].params.max_days',
         "unknown parameter 'max_days'; antivirus.installed takes no parameters"),
        (P + "  password.age: {params: {max_days: '30'}}\n", 3,
         'checks["password.age"].params.max_days', "expected a whole number, got text ('30')"),
        (P + "  password.age: {params: {max_days: true}}\n", 3,
         'checks["password.age"].params.max_days',
         "expected a whole number, got a boolean (true)"),
        (P + "  password.age: {params: {max_days: 30.5}}\n", 3,
         'checks["password.age"].params.max_days', "expected a whole number, got a number (30.5)"),
        (P + "  password.age:\n    params: {max_days: 0}\n", 4,
         'checks["password.age"].params.max_days', "must be at least 1, got 0"),
        (P + "  isolation.default_route: {params: {max_default_routes: -1}}\n", 3,
         'checks["isolation.default_route"].params.max_default_routes',
         "must be at least 0, got -1"),
        (P + "  test.kinds: {params: {ratio: -0.5}}\n", 3, 'checks["test.kinds"].params.ratio',
         "must be at least 0, got -0.5"),
        (P + "  test.kinds: {params: {strict: 1}}\n", 3, 'checks["test.kinds"].params.strict',
         "expected true or false, got a number (1)"),
        (P + "  test.kinds: {params: {label: 3}}\n", 3, 'checks["test.kinds"].params.label',
         "expected text, got a number (3)"),
        (P + "  password.age: {params: [max_days]}\n", 3, 'checks["password.age"].params',
         "expected a mapping of parameters, got a list"),
        # antivirus products
        ("name: x\nantivirus_products: {name: a}\nchecks: {password.age: {}}\n", 2,
         "antivirus_products", "expected a list of antivirus products, got a mapping"),
        ("name: x\nantivirus_products:\n  - {packages: [a]}\nchecks: {password.age: {}}\n", 3,
         "antivirus_products[0].name", "required key is missing"),
        ("name: x\nantivirus_products:\n  - {name: a, process: [a]}\n"
         "checks: {password.age: {}}\n", 3, "antivirus_products[0].process",
         "unknown key 'process' (did you mean processes?); allowed keys: name, packages, "
         "binaries, services, processes"),
        ("name: x\nantivirus_products:\n  - name: Empty\n    packages: []\n"
         "checks: {password.age: {}}\n", 3, "antivirus_products[0]",
         "product 'Empty' has no names to recognise it by"),
        ("name: x\nantivirus_products:\n  - {name: A, packages: [a]}\n"
         "  - {name: a, packages: [b]}\nchecks: {password.age: {}}\n", 4,
         "antivirus_products[1].name", "duplicate product name 'a' (first on line 3)"),
        ("name: x\nantivirus_products:\n  - name: A\n    services:\n      - ok\n"
         "      - clamav-daemon.service\nchecks: {password.age: {}}\n", 6,
         "antivirus_products[0].services[1]",
         "write the unit name without .service: 'clamav-daemon'"),
        ("name: x\nantivirus_products:\n  - {name: A, processes: [averyveryverylongname]}\n"
         "checks: {password.age: {}}\n", 3, "antivirus_products[0].processes[0]",
         "longer than 15 characters; the kernel shows only 'averyveryverylo', so write that"),
        ("name: x\nantivirus_products:\n  - {name: A, binaries: ['clam scan']}\n"
         "checks: {password.age: {}}\n", 3, "antivirus_products[0].binaries[0]",
         "invalid name 'clam scan': no spaces, quotes or slashes"),
        ("name: x\nantivirus_products:\n  - {name: A, packages: clamav}\n"
         "checks: {password.age: {}}\n", 3, "antivirus_products[0].packages",
         "expected a list of packages, got text ('clamav')"),
    ],
)  # fmt: skip
def test_invalid_pack_is_located(
    write_yaml: WriteYaml,
    catalog: Catalog,
    text: str,
    line: int | None,
    field: str | None,
    phrase: str,
) -> None:
    assert_error(write_yaml(text), catalog, line, field, phrase)


def test_error_message_shape(write_yaml: WriteYaml, catalog: Catalog) -> None:
    path = write_yaml(P + "  password.age:\n    params: {max_days: 0}\n")
    with pytest.raises(InputError) as exc:
        load_policy(path, catalog)
    assert str(exc.value) == (
        f'{path}:4: checks["password.age"].params.max_days: must be at least 1, got 0'
    )


def test_missing_pack_names_the_file(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(InputError) as exc:
        load_policy(tmp_path / "nope.yaml", catalog)
    assert str(exc.value) == f"{tmp_path / 'nope.yaml'}: policy pack file not found"


# -- the shipped packs against the real catalog ----------------------------------------------------


def test_default_policy_path_is_the_packaged_baseline() -> None:
    path = default_policy_path()
    assert path == ROOT / "netguard" / "policies" / "baseline.yaml"
    assert path.is_file()
    # The top-level folder users look in is a link to the packaged one.
    assert (ROOT / "policies").resolve() == (ROOT / "netguard" / "policies").resolve()


def test_shipped_packs_load_against_the_real_catalog() -> None:
    from netguard.checks import CATALOG

    packs = {p.name: load_policy(p, CATALOG) for p in sorted((ROOT / "policies").glob("*.yaml"))}
    assert set(packs) >= {"baseline.yaml", "secret.yaml"}
    for pol in packs.values():
        # Every shipped pack selects every check of the catalog, in catalog order.
        assert [c.spec.id for c in pol.checks] == list(CATALOG)
        assert pol.products[0].name == "ClamAV"
        assert "clamd" in pol.products[0].processes

    base = {c.spec.id: c for c in packs["baseline.yaml"].checks}
    assert base["password.max_age"].params == {"max_days": 90}
    assert base["password.age"].params == {"max_days": 90}
    assert base["antivirus.signatures"].params == {"max_age_days": 7}
    assert base["isolation.default_route"].params == {"max_default_routes": 1}
    assert base["isolation.wireless"].zones == {Zone.INTRANET, Zone.CLASSIFIED}
    assert Zone.INTERNET not in base["isolation.addresses"].zones

    secret = {c.spec.id: c for c in packs["secret.yaml"].checks}
    assert secret["password.max_age"].params == {"max_days": 30}
    assert secret["password.age"].params == {"max_days": 30}
    for cid, cfg in secret.items():
        if cid.startswith("isolation."):
            assert cfg.severity is Severity.CRITICAL, cid
            assert Zone.CLASSIFIED in cfg.zones, cid


def test_shipped_packs_mark_unverified_products() -> None:
    # Only ClamAV's names are verified; every other product must be flagged for the office.
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "UNVERIFIED" in text, path
