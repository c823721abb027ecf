"""known_hosts: load time and time per lookup, paramiko.HostKeys (before) against netguard's index
(collect/known_hosts.py, after), on generated files of N lines — one ed25519 key per address, as
a city's accept-new or ssh-keyscan writes them, plain or hashed (``HashKnownHosts yes``).

CPU seconds of this process (``time.process_time``), so other work on a shared machine counts
less. A lookup is what an audit asks per host: a hit (the address is in the file) and a miss (an
address that is not: the inventory's DNS name and name are asked too).

Run from the repository root:

    python benchmarks/known_hosts_bench.py                       # 1,000 and 12,000 lines
    python benchmarks/known_hosts_bench.py --lines 1000 --hashed --paramiko-max 1000

paramiko's load is quadratic (every line is checked against the lines before it, by hashing
each hashed one): on 12,000 lines it takes ~20 s plain and far longer hashed; ``--paramiko-max``
skips it above that many lines.
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netguard.collect.known_hosts import KnownHostsFile  # noqa: E402


def addresses(n: int) -> list[str]:
    base = int(ipaddress.ip_address("10.64.0.1"))
    return [str(ipaddress.ip_address(base + i)) for i in range(n)]


def write_file(path: Path, names: list[str], *, hashed: bool) -> None:
    with path.open("w", encoding="ascii") as fh:
        for name in names:
            key = ed25519.Ed25519PrivateKey.generate().public_key()
            pub = key.public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            )
            field = name
            if hashed:
                field = paramiko.HostKeys.hash_host(name, base64.b64encode(os.urandom(20)).decode())
            fh.write(f"{field} {pub.decode()}\n")


def paramiko_reader(path: str) -> Callable[[str], object]:
    return paramiko.HostKeys(path).lookup


def index_reader(path: str) -> Callable[[str], object]:
    kh = KnownHostsFile(path)
    return lambda name: kh.lookup_names((name,))


#: a file's path → its lookup by name, once loaded (what is timed as the load)
LOADERS = {"paramiko": paramiko_reader, "index": index_reader}


def cpu(
    load: Callable[[str], Callable[[str], object]], path: str
) -> tuple[float, Callable[[str], object]]:
    t0 = time.process_time()
    out = load(path)
    return time.process_time() - t0, out


def per_lookup(lookup: Callable[[str], object], names: list[str]) -> float:
    t0 = time.process_time()
    for name in names:
        lookup(name)
    return (time.process_time() - t0) / len(names)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, nargs="+", default=[1000, 12000])
    ap.add_argument("--hashed", action="store_true", help="hashed names (HashKnownHosts yes)")
    ap.add_argument("--lookups", type=int, default=200, help="hits and misses measured, each")
    ap.add_argument("--paramiko-max", type=int, default=12000, help="largest file paramiko loads")
    args = ap.parse_args()
    kind = "hashed" if args.hashed else "plain"
    print(f"{'lines':>6} {'kind':<6} {'reader':<9} {'load':>10} {'hit':>10} {'miss':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.lines:
            names = addresses(n + args.lookups)
            path = Path(tmp) / f"known_hosts_{n}"
            write_file(path, names[:n], hashed=args.hashed)
            step = max(1, n // args.lookups)
            hits = names[:n:step][: args.lookups]
            misses = names[n:]
            readers = ["paramiko", "index"] if n <= args.paramiko_max else ["index"]
            for label in readers:
                load_s, lookup = cpu(LOADERS[label], str(path))
                hit = per_lookup(lookup, hits)
                miss = per_lookup(lookup, misses)
                print(
                    f"{n:>6} {kind:<6} {label:<9} {load_s * 1000:>8.1f}ms"
                    f" {hit * 1e6:>8.1f}µs {miss * 1e6:>8.1f}µs",
                    flush=True,
                )


if __name__ == "__main__":
    main()
