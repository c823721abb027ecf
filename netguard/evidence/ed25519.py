"""Pure-Python Ed25519 (RFC 8032, section 5.1): sign, verify, derive the public key.

Why this exists: netguard ships as a single-file zipapp that has to run on a stock Python with no
C extensions, where the ``cryptography`` package cannot be imported. ``netguard.evidence.keys``
uses ``cryptography`` whenever it is importable and falls back to this module only when it is not.

This is written from the RFC's math: points in extended twisted Edwards coordinates
(X:Y:Z:T with x = X/Z, y = Y/Z, x*y = T/Z), the addition and doubling formulas of section 5.1.4,
point decoding with every check of section 5.1.3, SHA-512 from ``hashlib``.

NOT constant-time: Python integers and the double-and-add loop leak timing that depends on the
secret scalar. That is acceptable for what netguard does with it -- an inspector signs evidence on
their own machine, where nobody else can time the operation -- and it must not be used to sign on
behalf of remote parties. Verification only handles public data.

Verification is the "cofactorless" check RFC 8032 allows ([S]B = R + [k]A', compared as encoded
points), the same one OpenSSL and OpenSSH do, and it rejects a non-canonical S (S >= L).
"""

from __future__ import annotations

import hashlib

__all__ = ["is_valid_public_key", "public_key", "sign", "verify"]

# Curve constants, RFC 8032 section 5.1.
P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
L = 2**252 + 27742317777372353535851937790883648493  # order of the base point
SQRT_M1 = pow(2, (P - 1) // 4, P)  # a square root of -1 mod p

_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)

_IDENTITY: _Point = (0, 1, 1, 0)
_D2 = 2 * D % P


def _recover_x(y: int, sign: int) -> int | None:
    """x from y and the sign bit (RFC 8032, 5.1.3 steps 2-4); None when there is none."""
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    # Candidate root x = (u/v)^((p+3)/8) = u v^3 (u v^7)^((p-5)/8).
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vxx = v * x * x % P
    if vxx == u:
        pass
    elif vxx == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return x


_BY = 4 * pow(5, P - 2, P) % P
_BX = _recover_x(_BY, 0)
assert _BX is not None
_BASE: _Point = (_BX, _BY, 1, _BX * _BY % P)


def _add(p: _Point, q: _Point) -> _Point:
    """Point addition (RFC 8032 5.1.4; complete, so it also doubles)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * _D2 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p: _Point) -> _Point:
    """Point doubling (RFC 8032 5.1.4, dbl-2008-hwcd)."""
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1)
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(s: int, p: _Point) -> _Point:
    """[s]p by double-and-add, most significant bit first (variable time)."""
    q = _IDENTITY
    for bit in bin(s)[2:]:
        q = _double(q)
        if bit == "1":
            q = _add(q, p)
    return q


# [2^(4i) * j]B for the 4-bit windows of a base-point scalar: fixed-base multiplication needs only
# additions (64 of them), which makes signing and key derivation several times faster.
def _base_table() -> list[list[_Point]]:
    table = []
    g = _BASE
    for _ in range(64):
        row = [_IDENTITY]
        for _ in range(15):
            row.append(_add(row[-1], g))
        table.append(row)
        for _ in range(4):
            g = _double(g)
    return table


_BASE_TABLE: list[list[_Point]] | None = None


def _multiply_base(s: int) -> _Point:
    global _BASE_TABLE
    if _BASE_TABLE is None:
        _BASE_TABLE = _base_table()
    q = _IDENTITY
    for row in _BASE_TABLE:
        if s == 0:
            break
        q = _add(q, row[s & 15])
        s >>= 4
    return q


def _encode(p: _Point) -> bytes:
    x, y, z, _ = p
    zinv = pow(z, P - 2, P)
    x = x * zinv % P
    y = y * zinv % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _decode(s: bytes) -> _Point | None:
    """Decode a 32-byte point (RFC 8032 5.1.3); None if it is not a canonical curve point."""
    if len(s) != 32:
        return None
    n = int.from_bytes(s, "little")
    sign = n >> 255
    y = n & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def _sha512_int(*parts: bytes) -> int:
    h = hashlib.sha512()
    for part in parts:
        h.update(part)
    return int.from_bytes(h.digest(), "little")


def _expand(seed: bytes) -> tuple[int, bytes]:
    """The secret scalar s (pruned) and the prefix, from the 32-byte seed (RFC 8032 5.1.5)."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 private key (seed) is 32 bytes")
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def public_key(seed: bytes) -> bytes:
    """The 32-byte public key of a 32-byte seed (RFC 8032 5.1.5)."""
    a, _ = _expand(seed)
    return _encode(_multiply_base(a))


def sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte signature R || S of ``message`` (RFC 8032 5.1.6).

    The public key A that goes into the hash is always derived here from ``seed``, never taken
    from the caller: two signatures of one message hashed with different A share R but differ in
    k, and S1 - S2 = (k1 - k2) a mod L gives away the secret scalar a. Deriving A costs one
    fixed-base multiplication (well under a millisecond), so there is nothing worth caching.
    """
    a, prefix = _expand(seed)
    public = _encode(_multiply_base(a))
    r = _sha512_int(prefix, message) % L
    big_r = _encode(_multiply_base(r))
    k = _sha512_int(big_r, public, message) % L
    s = (r + k * a) % L
    return big_r + s.to_bytes(32, "little")


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True if ``signature`` is valid for ``message`` under ``public`` (RFC 8032 5.1.7)."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decode(public)
    if a is None:
        return False
    big_r = signature[:32]
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    k = _sha512_int(big_r, public, message) % L
    x, y, z, t = a
    minus_a: _Point = ((-x) % P, y, z, (-t) % P)
    # [S]B - [k]A must encode to exactly R (so a non-canonical or non-point R never matches).
    check = _add(_multiply_base(s), _multiply(k, minus_a))
    return _encode(check) == big_r


def is_valid_public_key(public: bytes) -> bool:
    """True if ``public`` is the canonical encoding of a point on the curve."""
    return _decode(public) is not None
