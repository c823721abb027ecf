"""Ed25519 signing and verification per backend: the pure-Python one (the zipapp's) against
cryptography's, on a message the size of a bundle manifest; prints milliseconds per operation.

Run from the repository root:

    python benchmarks/keys_bench.py
    python benchmarks/keys_bench.py --bytes 100000 --rounds 20
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netguard.evidence import keys  # noqa: E402
from netguard.evidence.keys import SigningKey  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bytes", type=int, default=10_000, help="message size")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    message = b"x" * args.bytes
    for backend in keys.BACKENDS:
        key = SigningKey(bytes(range(32)), backend=backend)
        t0 = time.perf_counter()
        for _ in range(args.rounds):
            signature = key.sign(message)
        sign_ms = (time.perf_counter() - t0) / args.rounds * 1000
        t0 = time.perf_counter()
        for _ in range(args.rounds):
            assert key.public.verify(signature, message, backend=backend)
        verify_ms = (time.perf_counter() - t0) / args.rounds * 1000
        print(f"{backend:<14} sign {sign_ms:8.2f} ms   verify {verify_ms:8.2f} ms")


if __name__ == "__main__":
    main()
