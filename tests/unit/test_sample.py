"""Spot-check samples: reproducible from seed and inventory alone, proportional, and pinned."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import itertools
import math
import unicodedata
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netguard.errors import InputError
from netguard.model import Host, Inventory, Segment, Zone
from netguard.spotcheck.sample import (
    ALGORITHM,
    SampleSize,
    allocate,
    draw,
    new_seed,
    normalize_seed,
    parse_size,
    rank_key,
)

SEGMENTS = {
    "county-intranet": Segment(
        "county-intranet", Zone.INTRANET, ipaddress.ip_network("10.0.0.0/8")
    ),
    "county-internet": Segment(
        "county-internet", Zone.INTERNET, ipaddress.ip_network("192.168.0.0/16")
    ),
    "county-classified": Segment(
        "county-classified", Zone.CLASSIFIED, ipaddress.ip_network("172.16.0.0/12")
    ),
}
BASES = {
    "county-intranet": 0x0A000000,
    "county-internet": 0xC0A80000,
    "county-classified": 0xAC100000,
}
DEPARTMENTS = ("财务科", "办公室", "", "IT")
BYS = (None, "department", "segment", "zone")


def make_host(
    name: str, segment: str = "county-intranet", department: str = "", i: int = 1
) -> Host:
    return Host(name, ipaddress.ip_address(BASES[segment] + i), segment, department=department)


def make_inventory(hosts: list[Host] | tuple[Host, ...]) -> Inventory:
    return Inventory("inventory/county.yaml", "ab" * 32, dict(SEGMENTS), tuple(hosts))


def fleet(n: int) -> Inventory:
    """``n`` hosts spread over the segments and departments."""
    segs = list(SEGMENTS)
    return make_inventory(
        [make_host(f"pc-{i:03d}", segs[i % 3], DEPARTMENTS[i % 4], i + 1) for i in range(n)]
    )


def names(sample_hosts: tuple[Host, ...]) -> list[str]:
    return [h.name for h in sample_hosts]


# -- the regression vector: an algorithm change must not slip in silently --------------------------

#: ten hosts; departments 财务科 (4), 办公室 (3), none (3); two segments
VECTOR = make_inventory(
    [
        make_host("fin-pc-01", "county-intranet", "财务科", 1),
        make_host("fin-pc-02", "county-intranet", "财务科", 2),
        make_host("fin-pc-03", "county-internet", "财务科", 3),
        make_host("fin-pc-04", "county-intranet", "财务科", 4),
        make_host("off-pc-01", "county-intranet", "办公室", 5),
        make_host("off-pc-02", "county-internet", "办公室", 6),
        make_host("off-pc-03", "county-intranet", "办公室", 7),
        make_host("srv-01", "county-intranet", "", 8),
        make_host("srv-02", "county-intranet", "", 9),
        make_host("kiosk", "county-internet", "", 10),
    ]
)
VECTOR_SEED = "2026-11-23 县财政局"


def test_regression_vector_unstratified() -> None:
    sample = draw(VECTOR, parse_size("4"), by=None, seed=VECTOR_SEED)
    assert names(sample.hosts) == ["fin-pc-02", "off-pc-02", "off-pc-03", "kiosk"]
    assert sample.strata[0].hosts == ("kiosk", "fin-pc-02", "off-pc-03", "off-pc-02")
    assert sample.strata[0].keys[0] == (
        "022de8958e9ec3b401510f0c3479e928e7f619def31a0ca53cc44c08f306669d"
    )


def test_regression_vector_by_department() -> None:
    sample = draw(VECTOR, parse_size("50%"), by="department", seed=VECTOR_SEED)
    # 5 of 10: quotas 1.5, 1.5, 2 → 1, 1, 2 and the fifth host to the tie "" < "办公室"
    assert [(s.name, s.population, s.hosts) for s in sample.strata] == [
        ("", 3, ("srv-02", "kiosk")),
        ("办公室", 3, ("off-pc-02",)),
        ("财务科", 4, ("fin-pc-04", "fin-pc-01")),
    ]
    assert names(sample.hosts) == ["fin-pc-01", "fin-pc-04", "off-pc-02", "srv-02", "kiosk"]


def test_regression_vector_by_zone_with_minimum() -> None:
    sample = draw(VECTOR, parse_size("2"), by="zone", seed=VECTOR_SEED, min_per_stratum=2)
    assert [(s.name, s.hosts) for s in sample.strata] == [
        ("internet", ("kiosk", "off-pc-02")),
        ("intranet", ("fin-pc-04", "off-pc-03")),
    ]
    assert sample.grown and sample.size == 4 and sample.target == 2


def recipe(inventory_names: list[str], seed: str, n: int) -> list[str]:
    """The module docstring's recipe, verbatim: a reviewer's independent re-derivation."""
    seed_bytes = unicodedata.normalize("NFC", seed).encode()

    def key(name: str) -> bytes:
        msg = f"netguard.sample/1\0all\0{name}".encode()
        return hmac.new(seed_bytes, msg, hashlib.sha256).digest()

    return sorted(inventory_names, key=lambda name: (key(name), name))[:n]


@given(seed=st.text(min_size=1, max_size=20), n=st.integers(1, 15))
def test_docstring_recipe_rederives_the_sample(seed: str, n: int) -> None:
    try:
        normalize_seed(seed)
    except InputError:
        return
    sample = draw(VECTOR, SampleSize(count=n), by=None, seed=seed)
    all_names = [h.name for h in VECTOR.hosts]
    assert list(sample.strata[0].hosts) == recipe(all_names, seed, n)


def test_rank_key_is_the_documented_hmac() -> None:
    msg = "netguard.sample/1\0财务科\0fin-pc-01".encode()
    expected = hmac.new(VECTOR_SEED.encode(), msg, hashlib.sha256).digest()
    assert rank_key(VECTOR_SEED, "财务科", "fin-pc-01") == expected
    assert ALGORITHM.startswith("netguard.sample/1 ")


# -- properties ------------------------------------------------------------------------------------


@st.composite
def inventories(draw_: st.DrawFn, min_hosts: int = 1, max_hosts: int = 40) -> Inventory:
    count = draw_(st.integers(min_hosts, max_hosts))
    # Distinct names by construction (increasing ids, then shuffled): a unique=True list of
    # random ids is filled by rejection, which discarded about 40 % of the examples.
    gaps = draw_(st.lists(st.integers(1, 250), min_size=count, max_size=count))
    ids = draw_(st.permutations(list(itertools.accumulate(gaps))))
    segs = list(SEGMENTS)
    hosts = []
    for i, ident in enumerate(ids):
        seg = draw_(st.sampled_from(segs))
        dept = draw_(st.sampled_from(DEPARTMENTS))
        hosts.append(make_host(f"h{ident}", seg, dept, i + 1))
    return make_inventory(hosts)


seeds = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)
sizes = st.one_of(
    st.integers(1, 60).map(lambda c: SampleSize(count=c)),
    st.decimals(Decimal("0.1"), Decimal(100), places=1).map(lambda p: SampleSize(percent=p)),
)


# No deadline on the two inventory properties: they take milliseconds, but a loaded 2-core
# machine can push one example past Hypothesis's default 200 ms, and DeadlineExceeded (or
# "Flaky" when the replay is fast) says nothing about sampling. In CI the profile in
# tests/conftest.py also draws the same examples every run.
@settings(max_examples=150, deadline=None)
@given(
    inv=inventories(),
    size=sizes,
    by=st.sampled_from(BYS),
    seed=seeds,
    minimum=st.integers(0, 4),
    data=st.data(),
)
def test_sample_properties(
    inv: Inventory, size: SampleSize, by: str | None, seed: str, minimum: int, data: st.DataObject
) -> None:
    sample = draw(inv, size, by=by, seed=seed, min_per_stratum=minimum)
    population = len(inv.hosts)
    drawn = names(sample.hosts)

    # reproducible, and independent of the inventory's host order
    assert draw(inv, size, by=by, seed=seed, min_per_stratum=minimum) == sample
    shuffled = make_inventory(data.draw(st.permutations(inv.hosts)))
    again = draw(shuffled, size, by=by, seed=seed, min_per_stratum=minimum)
    assert again.strata == sample.strata  # the same hosts, ranked the same
    assert sorted(names(again.hosts)) == sorted(names(sample.hosts))  # listed in the file's order
    assert again.to_dict()["strata"] == sample.to_dict()["strata"]

    # a subset of the population without duplicates, in inventory order
    assert len(set(drawn)) == len(drawn)
    assert [h for h in inv.hosts if h.name in set(drawn)] == list(sample.hosts)
    assert sorted(drawn) == sorted(h for s in sample.strata for h in s.hosts)

    # size: min(requested, population), unless grown by the minimums
    target = min(size.hosts(population), population)
    assert sample.target == target and sample.population == population
    assert sample.min_per_stratum == (minimum if by else 0)
    mins = {s.name: min(sample.min_per_stratum, s.population) for s in sample.strata}
    if sample.grown:
        assert sum(mins.values()) > target
        assert sample.size == sum(mins.values())
    else:
        assert sample.size == target

    # every stratum gets its minimum
    for s in sample.strata:
        assert len(s.hosts) >= mins[s.name]
        assert len(s.hosts) <= s.population

    # proportional within one host when no minimum binds
    quotas = {s.name: Fraction(target * s.population, population) for s in sample.strata}
    if all(quotas[s.name] >= mins[s.name] for s in sample.strata):
        for s in sample.strata:
            assert abs(len(s.hosts) - quotas[s.name]) < 1, (s, quotas)

    # the sub-inventory: the drawn hosts, the segments they use, the original file
    sub = sample.inventory()
    assert sub.hosts == sample.hosts
    assert set(sub.segments) == {h.segment for h in sample.hosts}
    assert (sub.path, sub.sha256) == (inv.path, inv.sha256)


@settings(deadline=None)
@given(inv=inventories(min_hosts=2), seed=seeds, by=st.sampled_from(BYS))
def test_adding_a_host_elsewhere_keeps_a_strata_order(
    inv: Inventory, seed: str, by: str | None
) -> None:
    everyone = draw(inv, SampleSize(percent=Decimal(100)), by=by, seed=seed)
    extra = make_host("zz-new", "county-internet", "新科室", 999)
    more = draw(
        make_inventory((*inv.hosts, extra)), SampleSize(percent=Decimal(100)), by=by, seed=seed
    )
    before = {s.name: s.hosts for s in everyone.strata}
    for s in more.strata:
        if s.name in before:
            assert tuple(h for h in s.hosts if h != "zz-new") == before[s.name]


def test_different_seeds_give_different_samples() -> None:
    inv = fleet(100)
    samples = {
        tuple(names(draw(inv, SampleSize(count=10), by=None, seed=f"seed-{i}").hosts))
        for i in range(50)
    }
    assert len(samples) >= 40
    stratified = {
        tuple(names(draw(inv, SampleSize(count=10), by="department", seed=str(i)).hosts))
        for i in range(50)
    }
    assert len(stratified) >= 40


def test_each_host_is_drawn_about_equally_often() -> None:
    """Not a test of randomness, a guard against a gross bias (e.g. always the first names)."""
    inv = fleet(20)
    counts = dict.fromkeys((h.name for h in inv.hosts), 0)
    for i in range(400):
        for h in draw(inv, SampleSize(count=5), by=None, seed=str(i)).hosts:
            counts[h.name] += 1
    # expected 100 each; binomial(400, 0.25) has sd ~8.7: 50 and 150 are ~6 sd away
    assert all(50 < c < 150 for c in counts.values()), counts


# -- allocation ------------------------------------------------------------------------------------


def test_allocation_hamilton_ties_go_to_the_first_name() -> None:
    # quotas 1.5 and 1.5 with one host left over: "a" first
    assert allocate({"b": 3, "a": 3}, 3, 0) == {"a": 2, "b": 1}
    # quotas 2.5, 1.667, 0.833 → floors 2, 1, 0; two left: .833, then .667
    assert allocate({"x": 6, "y": 4, "z": 2}, 5, 0) == {"x": 2, "y": 2, "z": 1}


def test_allocation_minimum_binds_and_the_rest_stays_proportional() -> None:
    # 90/10 with n=10: quota 9 and 1, the minimum of 1 does not bind → 9, 1 (not 8, 2)
    assert allocate({"big": 90, "small": 10}, 10, 1) == {"big": 9, "small": 1}
    # 98/1/1 with n=10: the two small strata are fixed at 1, the big one gets the other 8
    assert allocate({"big": 98, "s1": 1, "s2": 1}, 10, 1) == {"big": 8, "s1": 1, "s2": 1}
    # minimum larger than a stratum: capped at its size
    assert allocate({"big": 20, "tiny": 1}, 5, 3) == {"big": 4, "tiny": 1}


def test_minimums_beyond_the_target_grow_the_sample() -> None:
    assert allocate({"a": 5, "b": 5, "c": 1}, 2, 2) == {"a": 2, "b": 2, "c": 1}
    sample = draw(fleet(12), SampleSize(count=2), by="department", seed="x", min_per_stratum=2)
    assert sample.grown and sample.size == 8 and sample.target == 2
    assert [len(s.hosts) for s in sample.strata] == [2, 2, 2, 2]


def test_without_strata_everything_is_one_stratum_named_all() -> None:
    sample = draw(fleet(5), SampleSize(count=2), by=None, seed="s")
    assert [s.name for s in sample.strata] == ["all"]
    assert not sample.grown and not sample.capped


def test_without_strata_the_minimum_has_no_effect() -> None:
    # the re-derivation command of the record passes --min-per-stratum only with --by
    plain = draw(fleet(20), SampleSize(count=2), by=None, seed="s")
    with_min = draw(fleet(20), SampleSize(count=2), by=None, seed="s", min_per_stratum=5)
    assert with_min == plain
    assert with_min.min_per_stratum == 0 and with_min.size == 2 and not with_min.grown


def test_requesting_more_than_the_population_draws_everyone() -> None:
    inv = fleet(7)
    sample = draw(inv, parse_size("50"), by="zone", seed="s")
    assert sample.capped and not sample.grown and sample.size == 7
    assert sample.hosts == inv.hosts


def test_department_strata_and_the_none_label() -> None:
    sample = draw(VECTOR, SampleSize(count=3), by="department", seed="s")
    assert [s.label for s in sample.strata] == ["(none)", "办公室", "财务科"]
    assert [s.name for s in sample.strata] == ["", "办公室", "财务科"]


def test_segment_strata_and_subinventory_keeps_only_used_segments() -> None:
    sample = draw(VECTOR, SampleSize(count=1), by="segment", seed="s", min_per_stratum=0)
    assert [s.name for s in sample.strata] == ["county-internet", "county-intranet"]
    assert sample.size == 1
    (host,) = sample.hosts
    assert list(sample.inventory().segments) == [host.segment]


def test_record_names_everything_needed_to_rederive() -> None:
    sample = draw(VECTOR, parse_size("30%"), by="zone", seed=VECTOR_SEED)
    record = sample.to_dict()
    assert record["algorithm"] == ALGORITHM
    assert record["seed"] == VECTOR_SEED
    assert (record["by"], record["requested"], record["population"]) == ("zone", "30%", 10)
    assert record["inventory"] == {"path": VECTOR.path, "sha256": VECTOR.sha256}
    assert record["hosts"] == names(sample.hosts)
    for s in record["strata"]:
        for host, key in zip(s["hosts"], s["keys"], strict=True):
            assert rank_key(VECTOR_SEED, s["name"], host).hex() == key


# -- sizes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", SampleSize(count=12)),
        (" 007 ", SampleSize(count=7)),
        ("10%", SampleSize(percent=Decimal(10))),
        ("2.5%", SampleSize(percent=Decimal("2.5"))),
        ("100%", SampleSize(percent=Decimal(100))),
        ("0.01 %", SampleSize(percent=Decimal("0.01"))),
        ("１０％", SampleSize(percent=Decimal(10))),  # full-width, from a Chinese input method
    ],
)
def test_parse_size(text: str, expected: SampleSize) -> None:
    assert parse_size(text) == expected


@given(size=sizes | st.decimals(Decimal("1e-9"), 100).map(lambda p: SampleSize(percent=p)))
def test_size_text_reads_back_as_the_same_size(size: SampleSize) -> None:
    assert parse_size(str(size)) == size


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("", "not a sample size"),
        ("abc", "not a sample size"),
        ("-3", "not a sample size"),
        ("1.5", "not a sample size"),
        ("10%%", "not a sample size"),
        ("1e3", "not a sample size"),
        ("0", "at least one host"),
        ("0%", "more than 0 and at most 100"),
        ("100.1%", "more than 0 and at most 100"),
    ],
)
def test_bad_sizes_name_the_option(text: str, phrase: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_size(text)
    assert exc.value.field == "--sample"
    assert phrase in exc.value.message


@given(p=st.decimals(Decimal("0.01"), Decimal(100), places=2), population=st.integers(1, 5000))
def test_percentages_round_up(p: Decimal, population: int) -> None:
    n = parse_size(f"{p}%").hosts(population)
    exact = Fraction(p) * population / 100
    assert n >= 1
    assert exact <= n < exact + 1


def test_percentages_are_exact_not_float() -> None:
    # 0.1 * 3 / 100 * 1000 is 3.0000000000000004 in floats: must be 3, not 4
    assert parse_size("0.3%").hosts(1000) == 3
    assert parse_size("2.5%").hosts(40) == 1
    assert parse_size("2.5%").hosts(41) == 2
    assert math.ceil(Decimal("33.3") * 3) == parse_size("33.3%").hosts(300)


# -- seeds and other bad input ---------------------------------------------------------------------


def test_new_seed_is_fresh_hex() -> None:
    seeds_ = {new_seed() for _ in range(20)}
    assert len(seeds_) == 20
    assert all(len(s) == 16 and int(s, 16) >= 0 for s in seeds_)
    assert normalize_seed(next(iter(seeds_))) in seeds_


@pytest.mark.parametrize("seed", ["", "   ", " lead", "trail ", "tab\there", "nul\0", "zw\u200bsp"])
def test_bad_seeds_name_the_option(seed: str) -> None:
    with pytest.raises(InputError) as exc:
        draw(VECTOR, SampleSize(count=1), by=None, seed=seed)
    assert exc.value.field == "--seed"


def test_seed_is_nfc_normalised() -> None:
    nfd, nfc = "cafe\u0301 2026", "caf\u00e9 2026"
    a = draw(VECTOR, SampleSize(count=3), by=None, seed=nfd)
    b = draw(VECTOR, SampleSize(count=3), by=None, seed=nfc)
    assert a == b and a.seed == nfc


def test_empty_inventory_is_refused() -> None:
    with pytest.raises(InputError) as exc:
        draw(make_inventory([]), SampleSize(count=1), by=None, seed="s")
    assert exc.value.file == "inventory/county.yaml"


def test_negative_minimum_and_unknown_stratification_are_refused() -> None:
    with pytest.raises(InputError) as exc:
        draw(VECTOR, SampleSize(count=1), by="department", seed="s", min_per_stratum=-1)
    assert exc.value.field == "--min-per-stratum"
    with pytest.raises(InputError) as exc:
        draw(VECTOR, SampleSize(count=1), by="owner", seed="s")
    assert exc.value.field == "--by"


def test_duplicate_host_names_are_refused() -> None:
    inv = make_inventory([make_host("a", i=1), make_host("a", i=2)])
    with pytest.raises(InputError):
        draw(inv, SampleSize(count=1), by=None, seed="s")


# -- --limit: the population the sample is drawn from ---------------------------------------------


def test_a_limited_draw_is_the_draw_of_the_hosts_the_limit_selects() -> None:
    """Step 0: the population is what --limit selects (audit --limit's patterns); the draw is
    exactly the one of an inventory holding those hosts alone, and the record names the limit
    beside the inventory's own count."""
    limit = ("fin-*", "*-02")
    sample = draw(VECTOR, SampleSize(count=3), by="department", seed=VECTOR_SEED, limit=limit)
    chosen = make_inventory(
        [h for h in VECTOR.hosts if h.name.startswith("fin-") or h.name.endswith("-02")]
    )
    alone = draw(chosen, SampleSize(count=3), by="department", seed=VECTOR_SEED)
    assert names(sample.hosts) == names(alone.hosts)
    assert sample.strata == alone.strata  # same keys: the limit is not in the rank key
    assert sample.population == 6 and sample.limit == limit and sample.inventory_hosts == 10
    assert set(names(sample.hosts)) <= set(names(chosen.hosts))
    record = sample.to_dict()
    assert record["limit"] == ["fin-*", "*-02"]
    assert record["population"] == 6 and record["inventory"]["hosts"] == 10
    assert record["inventory"]["path"] == VECTOR.path  # the file the population came from
    # the whole inventory: no limit in the record, which stays as it was
    whole = draw(VECTOR, SampleSize(count=3), by=None, seed=VECTOR_SEED).to_dict()
    assert "limit" not in whole and set(whole["inventory"]) == {"path", "sha256"}


def test_a_limit_that_selects_nothing_draws_nothing() -> None:
    with pytest.raises(InputError) as err:
        draw(VECTOR, SampleSize(count=3), by=None, seed=VECTOR_SEED, limit=("nobody-*",))
    assert err.value.field == "--limit"
