"""Recorded hosts for the password and account checks (issue 11): locked accounts, empty
passwords, weak hash methods, extra user-id-0 accounts.

Where their shape comes from (on top of recordings.py, whose compliant Debian 12 desktop each
host changes in one way):
- ``postgres``: the passwd line Debian's postgresql-common writes (``adduser --system --home
  /var/lib/postgresql --shell /bin/bash --group``), and its shadow line ``postgres:*:…``.
- key-only users: ``usermod -L`` / ``passwd -l`` prepend ``!`` to the hash and keep it, so the
  field is ``!$y$…``; the date fields stay as they were.
- the shadow fields are what scripts/linux.sh sends: the script reduces each hash to its method
  (``$y$REDACTED``, ``!$y$REDACTED``, ``$1$REDACTED``, ``(des)REDACTED``) — see its ``redact``
  function and tests/unit/test_passwords.py, which runs it on the raw forms below.
- ``toor``: the BSD name for a second root (``toor:x:0:0:…``), the textbook backdoor; and the
  same with an empty password written straight into /etc/passwd and no shadow line, which
  pam_unix accepts (it reads /etc/shadow only when passwd's field 2 is ``x``).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.unit.recordings import PASSWD, TODAY, Sections, desktop, shadow

# Raw forms as /etc/shadow holds them (for the script test), and what the script sends.
RAW_MD5 = "$1$kT3bQ9xz$Vb2yq0JbXQeZ2m7n1QmB4/"
RAW_DES = "abJnggxhB/yWI"
RAW_YESCRYPT = "$y$j9T$Fq0vJ0mWQ3jS8b1nq6a7d/$9cQ0k2d1ZP5u6fWlN8c3bqJ7mHn0v4xYtR2sLkE1aB0"
RAW_SHA512 = (
    "$6$ngLabSalt2026$Dg0aLc5dIIcTLnnLRJlBGlBVeT2JtCpYRN1Z6wECkz1fyt9YiBgwxiJFbb304i4d1rfpX"
    "SrothyrtFMAoaDnc0"
)
SENT_YESCRYPT = "$y$REDACTED"
SENT_SHA512 = "$6$REDACTED"

POSTGRES_PASSWD = "postgres:x:105:113:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n"
DEPLOY_PASSWD = "deploy:x:1001:1001:Deploy,,,:/home/deploy:/bin/bash\n"
FTP_PASSWD = "ftp:x:103:112:ftp daemon,,,:/srv/ftp:/usr/sbin/nologin\n"
TOOR_PASSWD = "toor:x:0:0:root:/root:/bin/bash\n"


def _user(field: str, changed: int = 12, max_days: str = "90") -> str:
    """zhangwei's shadow fields after the password field."""
    return f"{field}:{TODAY - changed}:0:{max_days}:7:::"


def _with(passwd: str, shadow_lines: str, **shadow_args: str) -> Sections:
    return desktop(passwd=(PASSWD + passwd, 0), shadow=(shadow(**shadow_args) + shadow_lines, 0))


#: name → sections. Each differs from recordings.desktop() in the one way its name says.
PASSWORD_HOSTS: dict[str, Callable[[], Sections]] = {
    # Root with a usable yescrypt password of its own, rotated; zhangwei likewise.
    "modern-compliant": lambda: desktop(shadow=(shadow(root=_user(SENT_YESCRYPT, changed=20)), 0)),
    "empty-login": lambda: desktop(shadow=(shadow(user=_user("")), 0)),
    # A nologin service account with an empty field: no session, but PAM still says yes.
    "empty-service": lambda: _with(FTP_PASSWD, f"ftp::{TODAY - 300}:0:99999:7:::\n"),
    "postgres-locked": lambda: _with(POSTGRES_PASSWD, "postgres:*:19700:0:99999:7:::\n"),
    "key-only-user": lambda: _with(DEPLOY_PASSWD, "deploy:!$y$REDACTED:19500:0:99999:7:::\n"),
    # Nobody has a usable password: root `*`, the one user key-only.
    "key-only-server": lambda: desktop(
        shadow=(shadow(user=_user("!" + SENT_YESCRYPT, changed=700, max_days="99999")), 0)
    ),
    "md5-hash": lambda: desktop(shadow=(shadow(user=_user("$1$REDACTED")), 0)),
    "des-hash": lambda: desktop(shadow=(shadow(user=_user("(des)REDACTED")), 0)),
    # A weak hash behind a lock: listed, not failed (password.hash judges usable ones).
    "locked-md5": lambda: _with(DEPLOY_PASSWD, "deploy:!$1$REDACTED:19500:0:99999:7:::\n"),
    "toor": lambda: _with(TOOR_PASSWD, f"toor:{SENT_SHA512}:{TODAY - 5}:0:90:7:::\n"),
    "toor-locked": lambda: _with(TOOR_PASSWD, "toor:*:19000:0:99999:7:::\n"),
    "toor-passwd-empty": lambda: desktop(
        passwd=(PASSWD + "toor::0:0:root:/root:/bin/sh\n", 0), shadow=(shadow(), 0)
    ),
}
