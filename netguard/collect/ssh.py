"""SSH transport (paramiko): one connection per host, host key verified, one fixed command.

Why paramiko's Transport directly rather than SSHClient: we need to tell apart "TCP failed",
"SSH never spoke", "unknown key", "changed key" and "auth failed", and to verify the host key
ourselves before authenticating — SSHClient folds these together and its missing-key policies are
exactly what a security tool must not use.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paramiko

from netguard.collect import OUTPUT_CAP, REMOTE_COMMAND, Collection, failed, linux_script
from netguard.collect.framing import new_boundary, sent
from netguard.collect.framing import preamble as boundary_preamble
from netguard.collect.known_hosts import KnownHostsFile
from netguard.collect.probe import ProbeRequest, preamble
from netguard.collect.sshconfig import join_hop, split_hop
from netguard.collect.waits import waiting
from netguard.collect.wanted import Wanted
from netguard.collect.wanted import preamble as wanted_preamble
from netguard.collect.watch import preamble as watch_preamble
from netguard.collect.windows import windows_command, windows_stdin
from netguard.model import Host, HostStatus, SshSettings
from netguard.model.watched import WatchList

# known_hosts key type → host key algorithms that may prove it (RSA keys sign with SHA-2).
_ALGORITHMS = {
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
}


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style SHA256 fingerprint, as `ssh-keygen -l` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def known_hosts_name(host: Host) -> str:
    return _with_port(str(host.address), host.ssh.port)


def _offer_keys(
    transport: paramiko.Transport, user: str, keys: list[paramiko.PKey]
) -> paramiko.SSHException | None:
    """Offer each key in turn until one is accepted (the caller asks ``is_authenticated``); a
    refusal tries the next key, any other SSH error stops and is returned for the caller to
    name (the target's own reasons, or the jump host's)."""
    for pkey in keys:
        try:
            transport.auth_publickey(user, pkey)
            return None
        except paramiko.AuthenticationException:
            continue
        except paramiko.SSHException as exc:
            return exc
    return None


def _with_port(name: str, port: int) -> str:
    """How known_hosts writes a name: bare on port 22, ``[name]:port`` otherwise."""
    return name if port == 22 else f"[{name}]:{port}"


class KnownHosts(KnownHostsFile):
    """One known_hosts file, loaded once (an index by name, collect/known_hosts.py) and shared
    by all workers."""

    def lookup(self, host: Host) -> dict[str, paramiko.PKey]:
        """Known keys by type, for the address we connect to, the DNS name the inventory gives
        (as OpenSSH records a host reached by name), or the inventory name."""
        by_dns = (_with_port(host.hostname, host.ssh.port),) if host.hostname else ()
        return self.lookup_names((known_hosts_name(host), *by_dns, host.name))

    def add(self, host: Host, key: paramiko.PKey) -> None:
        """Record a first-seen key (accept-new). Never called for a changed or revoked key."""
        self.add_name(known_hosts_name(host), key)


#: The passphrase of encrypted SSH identity files, for unattended audits. Not the signing key's
#: (``NETGUARD_KEY_PASSPHRASE``): two keys, two secrets — one variable would try one key's
#: passphrase on the other.
PASSPHRASE_ENV = "NETGUARD_SSH_KEY_PASSPHRASE"

#: Asked for an encrypted identity file's passphrase (the command line's prompt); None: no one
#: to ask.
AskPassphrase = Callable[[str], "str | None"]


class IdentityEncrypted(Exception):
    """An identity file needs a passphrase nobody gave, and the ssh-agent has no keys."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class IdentityPassphraseWrong(Exception):
    """The passphrase given does not open the identity file (never carries the passphrase)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Identities:
    """Private keys loaded once per file; the ssh-agent's keys when no file is given.

    An encrypted file is opened with ``$NETGUARD_SSH_KEY_PASSPHRASE``, else with what ``ask``
    returns (the command line asks once on a terminal, before the audit starts), else the
    ssh-agent's keys stand in; with none of these it is ``IdentityEncrypted``. The outcome,
    failure included, is kept: every host of the file gets the same answer, and nobody is asked
    twice. The passphrase is used once and kept nowhere."""

    def __init__(self, ask: AskPassphrase | None = None) -> None:
        self._lock = threading.Lock()
        self._ask = ask
        self._cache: dict[str | None, list[paramiko.PKey] | Exception] = {}

    def keys(self, identity_file: str | None) -> list[paramiko.PKey]:
        with self._lock:
            if identity_file not in self._cache:
                try:
                    self._cache[identity_file] = self._load(identity_file)
                except (
                    OSError,
                    paramiko.SSHException,
                    IdentityEncrypted,
                    IdentityPassphraseWrong,
                ) as exc:
                    self._cache[identity_file] = exc
            found = self._cache[identity_file]
        if isinstance(found, Exception):
            raise found
        return found

    def _load(self, identity_file: str | None) -> list[paramiko.PKey]:
        if identity_file is None:
            return _agent_keys()
        path = os.path.expanduser(identity_file)
        try:
            return [_from_path(path, None)]
        except (TypeError, ValueError, paramiko.PasswordRequiredException) as exc:
            if not _encrypted(exc):
                raise paramiko.SSHException(str(exc)) from None
        secret = os.environ.get(PASSPHRASE_ENV)
        if secret is None and self._ask is not None:
            secret = self._ask(identity_file)
        if secret is not None:
            try:
                return [_from_path(path, secret.encode())]
            except (TypeError, ValueError, paramiko.SSHException):
                # cryptography's words for a wrong passphrase are misleading ("no BEGIN/END
                # delimiters"), and may one day quote what it was given: ours, and nothing else
                raise IdentityPassphraseWrong(identity_file) from None
        agent = _agent_keys()
        if agent:
            return agent
        raise IdentityEncrypted(identity_file)


def _from_path(path: str, secret: bytes | None) -> paramiko.PKey:
    # positional: paramiko 3 names it passphrase, paramiko 5 password
    if secret is None:
        return paramiko.PKey.from_path(path)
    return paramiko.PKey.from_path(path, secret)  # type: ignore[arg-type]  # stubs say str; bytes is what works


def _encrypted(exc: Exception) -> bool:
    """paramiko 3 raises PasswordRequiredException; paramiko 5 passes on cryptography's
    TypeError ("Key is password-protected", "private key is encrypted")."""
    if isinstance(exc, paramiko.PasswordRequiredException):
        return True
    text = str(exc).lower()
    return isinstance(exc, TypeError) and ("password" in text or "encrypted" in text)


def _agent_keys() -> list[paramiko.PKey]:
    try:
        return list(paramiko.Agent().get_keys())
    except (OSError, paramiko.SSHException):
        return []


class SshCollector:
    def __init__(
        self,
        *,
        accept_new: bool = False,
        identities: Identities | None = None,
        wanted: Wanted | None = None,
    ) -> None:
        self.accept_new = accept_new
        #: the names every Linux host's lists are asked for (collect/wanted.py); None: complete
        self.wanted = wanted
        self.identities = identities if identities is not None else Identities()
        self._known: dict[str, KnownHosts] = {}
        self._known_lock = threading.Lock()

    def known_hosts(self, path: str) -> KnownHosts:
        with self._known_lock:
            if path not in self._known:
                self._known[path] = KnownHosts(path)
            return self._known[path]

    def collect(
        self, host: Host, request: ProbeRequest | None = None, *, watch: WatchList | None = None
    ) -> Collection:
        # a bad request or watch list fails before any connection
        command, stdin = remote_exec(host, request, watch, self.wanted)
        s = host.ssh
        if s.proxy_jump:
            return self._through_jumps(host, command, stdin)
        try:
            with waiting():  # the pool hands out another host meanwhile (collect/waits.py)
                sock = socket.create_connection(
                    (str(host.address), s.port), timeout=s.connect_timeout
                )
        except TimeoutError:
            return failed(
                HostStatus.UNREACHABLE,
                "connect_timeout",
                port=s.port,
                seconds=s.connect_timeout,
            )
        except OSError as exc:
            return connect_failure(exc, s.port)
        try:
            # The server speaks first in SSH: until its banner (or its EOF) arrives the host is
            # only waiting. The banner and the key exchange share the connect time-out, as before.
            left = _banner_wait(sock, s.connect_timeout)
            if left is None:
                return failed(HostStatus.TIMEOUT, "handshake_timeout", seconds=s.connect_timeout)
            transport = paramiko.Transport(sock)
            try:
                return self._session(host, transport, command, stdin, handshake_s=left)
            finally:
                transport.close()
        finally:
            sock.close()

    def _session(
        self,
        host: Host,
        transport: paramiko.Transport,
        command: str,
        stdin: bytes,
        handshake_s: float | None = None,
    ) -> Collection:
        """Handshake (within ``handshake_s``, default the connect time-out), host key, login and
        the command."""
        s = host.ssh
        known = self.known_hosts(s.known_hosts).lookup(host)
        _prepare(transport, known, s.connect_timeout)
        # The script and its output are text (~22 KB in, ~12 KB out, much of it JSON) that zlib
        # shrinks about threefold for well under a millisecond of CPU each side: over a slow WAN
        # link that is most of the bytes. Offered, not required ("none" stays acceptable): a
        # server with `Compression no` still answers. Jump hops carry the target's encrypted
        # stream, which does not compress, so only the target's own transport asks.
        transport.use_compression(True)
        # paramiko's start_client(timeout=) returns silently when the time is up, so we wait on
        # our own event: a host that accepts TCP and never speaks SSH ends here, on time.
        negotiated = threading.Event()
        try:
            transport.start_client(event=negotiated)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            return failed(HostStatus.ERROR, "handshake_failed", raw=str(exc))
        budget = s.connect_timeout if handshake_s is None else max(0.0, handshake_s)
        if not negotiated.wait(budget):
            return failed(HostStatus.TIMEOUT, "handshake_timeout", seconds=s.connect_timeout)
        if not transport.is_active():
            failure = transport.get_exception()
            if isinstance(failure, paramiko.SSHException):
                return _handshake_failure(failure, s.connect_timeout, known)
            if failure is None:
                return failed(HostStatus.ERROR, "handshake_closed")
            return failed(HostStatus.ERROR, "handshake_failed", raw=str(failure))

        key = transport.get_remote_server_key()
        verdict = self._verify(host, key, known)
        if verdict is not None:
            return verdict
        try:
            keys = self.identities.keys(s.identity_file)
        except IdentityEncrypted as exc:
            return failed(
                HostStatus.AUTH_FAILED, "identity_encrypted", path=exc.path, env=PASSPHRASE_ENV
            )
        except IdentityPassphraseWrong as exc:
            return failed(HostStatus.AUTH_FAILED, "identity_passphrase_wrong", path=exc.path)
        except (OSError, paramiko.SSHException) as exc:
            return failed(HostStatus.AUTH_FAILED, "identity_unusable", raw=str(exc))
        if not keys:
            return failed(HostStatus.AUTH_FAILED, "no_identity")
        error = _offer_keys(transport, s.user, keys)
        if error is not None:
            if "timeout" in str(error).lower():
                return failed(HostStatus.TIMEOUT, "auth_timeout")
            return failed(HostStatus.ERROR, "auth_error", raw=str(error))
        if not transport.is_authenticated():
            return failed(HostStatus.AUTH_FAILED, "auth_refused", user=s.user)
        return self._run(host, transport, command, stdin)

    def _through_jumps(self, host: Host, command: str, stdin: bytes) -> Collection:
        """ProxyJump: each hop a Transport over the previous hop's ``direct-tcpip`` channel, its
        host key verified against the target's known_hosts and logged in to with its own
        identity (else the target's), within its own connect timeout (else the target's); any
        hop that fails stops the host, with a detail naming the jump host.

        The waits are marked for the pool (collect/waits.py) as on a direct connection: the TCP
        connect to the first jump host, each jump host's ``direct-tcpip`` channel opening (its
        own TCP connect onward), and every banner — the first jump host's on the socket, the
        next ones' and the target's through the channel."""
        s = host.ssh
        hops = [split_hop(h) for h in (s.proxy_jump or "").split(",")]
        opened: list[paramiko.Transport | paramiko.Channel] = []
        first = hops[0]
        first_label = join_hop(None, first[1], first[2])
        first_timeout = _hop_timeout(s, 0)
        try:
            with waiting():
                sock = socket.create_connection((first[1], first[2] or 22), timeout=first_timeout)
        except TimeoutError:
            return failed(
                HostStatus.UNREACHABLE,
                "jump_connect_timeout",
                jump=first_label,
                seconds=first_timeout,
            )
        except OSError as exc:
            return failed(
                HostStatus.UNREACHABLE,
                "jump_connect_failed",
                jump=first_label,
                raw=exc.strerror or str(exc),
            )
        try:
            link: socket.socket | paramiko.Channel = sock
            for i, (user, name, port) in enumerate(hops):
                label = join_hop(None, name, port)
                identity = s.jump(i).identity_file or s.identity_file
                login = _Login(user or s.user, identity, _hop_timeout(s, i))
                hop_left = _banner_wait(link, login.timeout)
                if hop_left is None:
                    return failed(
                        HostStatus.TIMEOUT,
                        "jump_handshake_timeout",
                        jump=label,
                        seconds=login.timeout,
                    )
                hop = paramiko.Transport(link)
                opened.append(hop)
                refused = self._hop(hop, label, name, port or 22, login, s, handshake_s=hop_left)
                if refused is not None:
                    return refused
                if i + 1 < len(hops):
                    onward = (hops[i + 1][1], hops[i + 1][2] or 22)
                    timeout = _hop_timeout(s, i + 1)
                else:
                    onward = (str(host.address), s.port)
                    timeout = s.connect_timeout
                try:
                    with waiting():  # the jump host's TCP connect onward
                        link = hop.open_channel(
                            "direct-tcpip", onward, ("127.0.0.1", 0), timeout=timeout
                        )
                    # closed by hand: a transport's close does not close the descriptors
                    # _readable has the channel make
                    opened.append(link)
                except (paramiko.SSHException, OSError, EOFError) as exc:
                    return failed(
                        HostStatus.UNREACHABLE,
                        "jump_forward_refused",
                        jump=label,
                        target=join_hop(None, onward[0], onward[1]),
                        raw=str(exc) or type(exc).__name__,
                    )
            left = _banner_wait(link, s.connect_timeout)
            if left is None:
                return failed(HostStatus.TIMEOUT, "handshake_timeout", seconds=s.connect_timeout)
            transport = paramiko.Transport(link)
            opened.append(transport)
            return self._session(host, transport, command, stdin, handshake_s=left)
        finally:
            for t in reversed(opened):
                t.close()
            sock.close()

    def _hop(
        self,
        t: paramiko.Transport,
        label: str,
        name: str,
        port: int,
        login: _Login,
        s: SshSettings,
        handshake_s: float | None = None,
    ) -> Collection | None:
        """One jump host: handshake (within ``handshake_s``, default its connect time-out), host
        key, login. None when it may forward onward."""
        kh = self.known_hosts(s.known_hosts)
        kh_name = name if port == 22 else f"[{name}]:{port}"
        known = kh.lookup_names((kh_name,))
        _prepare(t, known, login.timeout)
        negotiated = threading.Event()
        try:
            t.start_client(event=negotiated)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            return failed(HostStatus.ERROR, "jump_handshake_failed", jump=label, raw=str(exc))
        budget = login.timeout if handshake_s is None else max(0.0, handshake_s)
        if not negotiated.wait(budget) or not t.is_active():
            failure = t.get_exception()
            # paramiko gives up on a silent jump host at about the time we stop waiting: its
            # "Error reading SSH protocol banner" raised from a timeout is the same timeout
            if failure is None or isinstance(failure.__context__, TimeoutError):
                return failed(
                    HostStatus.TIMEOUT,
                    "jump_handshake_timeout",
                    jump=label,
                    seconds=login.timeout,
                )
            if known and "host key" in str(failure).lower():
                return failed(
                    HostStatus.HOSTKEY_MISMATCH,
                    "jump_hostkey_types_unknown",
                    {"jump_host": label, "known_keys": _fingerprints(known)},
                    jump=label,
                    types=sorted(known),
                )
            return failed(HostStatus.ERROR, "jump_handshake_failed", jump=label, raw=str(failure))
        key = t.get_remote_server_key()
        offered = {
            "jump_host": label,
            "offered_type": key.get_name(),
            "offered_fingerprint": fingerprint(key),
        }
        if kh.revoked(key):  # before all, first seen too
            return failed(
                HostStatus.HOSTKEY_MISMATCH,
                "jump_hostkey_revoked",
                {**offered, "revoked": True, "known_hosts": s.known_hosts},
                jump=label,
                fingerprint=fingerprint(key),
                known_hosts=s.known_hosts,
            )
        if not known:
            if not self.accept_new:
                return failed(
                    HostStatus.HOSTKEY_UNKNOWN,
                    "jump_hostkey_unknown",
                    offered,
                    jump=label,
                    fingerprint=fingerprint(key),
                    known_hosts=s.known_hosts,
                )
            kh.add_name(kh_name, key)
        else:
            expected = known.get(key.get_name())
            if expected is None or expected.asbytes() != key.asbytes():
                return failed(
                    HostStatus.HOSTKEY_MISMATCH,
                    "jump_hostkey_changed",
                    {**offered, "known_keys": _fingerprints(known), "known_hosts": s.known_hosts},
                    jump=label,
                    key_type=key.get_name(),
                    fingerprint=fingerprint(key),
                )
        # the target's reasons, naming the jump host: the path and the variable, never the
        # passphrase or the key
        try:
            keys = self.identities.keys(login.identity_file)
        except IdentityEncrypted as exc:
            return failed(
                HostStatus.AUTH_FAILED,
                "jump_identity_encrypted",
                jump=label,
                path=exc.path,
                env=PASSPHRASE_ENV,
            )
        except IdentityPassphraseWrong as exc:
            return failed(
                HostStatus.AUTH_FAILED, "jump_identity_passphrase_wrong", jump=label, path=exc.path
            )
        except (OSError, paramiko.SSHException) as exc:
            return failed(
                HostStatus.AUTH_FAILED, "jump_identity_unusable", jump=label, raw=str(exc)
            )
        if not keys:
            return failed(HostStatus.AUTH_FAILED, "jump_no_identity", jump=label)
        error = _offer_keys(t, login.user, keys)
        if error is not None:
            return failed(HostStatus.ERROR, "jump_auth_error", jump=label, raw=str(error))
        if not t.is_authenticated():
            return failed(HostStatus.AUTH_FAILED, "jump_auth_refused", jump=label, user=login.user)
        return None

    def _verify(
        self, host: Host, key: paramiko.PKey, known: dict[str, paramiko.PKey]
    ) -> Collection | None:
        offered = {"offered_type": key.get_name(), "offered_fingerprint": fingerprint(key)}
        if self.known_hosts(host.ssh.known_hosts).revoked(key):  # before all, first seen too
            return failed(
                HostStatus.HOSTKEY_MISMATCH,
                "hostkey_revoked",
                {**offered, "revoked": True, "known_hosts": host.ssh.known_hosts},
                fingerprint=fingerprint(key),
                known_hosts=host.ssh.known_hosts,
            )
        if not known:
            if self.accept_new:
                self.known_hosts(host.ssh.known_hosts).add(host, key)
                return None
            return failed(
                HostStatus.HOSTKEY_UNKNOWN,
                "hostkey_unknown",
                offered,
                fingerprint=fingerprint(key),
                known_hosts=host.ssh.known_hosts,
            )
        expected = known.get(key.get_name())
        if expected is not None and expected.asbytes() == key.asbytes():
            return None
        return failed(
            HostStatus.HOSTKEY_MISMATCH,
            "hostkey_changed",
            {
                **offered,
                "known_keys": {t: fingerprint(k) for t, k in known.items()},
                "known_hosts": host.ssh.known_hosts,
            },
            key_type=key.get_name(),
            fingerprint=fingerprint(key),
        )

    def _run(
        self, host: Host, transport: paramiko.Transport, command: str, stdin: bytes
    ) -> Collection:
        timeout = host.ssh.command_timeout
        deadline = time.monotonic() + timeout
        try:
            chan = transport.open_session(timeout=host.ssh.connect_timeout)
            chan.settimeout(timeout)
            chan.exec_command(command)
            chan.sendall(stdin)
            chan.shutdown_write()
            chunks: list[bytes] = []
            size = 0
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                chan.settimeout(remaining)
                data = chan.recv(65536)
                if not data:
                    break
                size += len(data)
                if size > OUTPUT_CAP:
                    return failed(HostStatus.ERROR, "output_too_large", bytes=OUTPUT_CAP)
                chunks.append(data)
            status = chan.recv_exit_status() if chan.exit_status_ready() else None
        except TimeoutError:
            return failed(HostStatus.TIMEOUT, "command_timeout", seconds=timeout)
        except paramiko.SSHException as exc:
            return failed(HostStatus.ERROR, "channel_failed", raw=str(exc))
        return Collection(HostStatus.AUDITED, "", b"".join(chunks), status, sent(stdin))


def _banner_wait(link: socket.socket | paramiko.Channel, seconds: float) -> float | None:
    """Wait, lending the host's pool slot (collect/waits.py), until the server speaks first as
    SSH servers do (or closes): the seconds of ``seconds`` left for the key exchange, which
    shares the time-out with the banner; None if it said nothing in time."""
    started = time.monotonic()
    with waiting():
        spoke = _readable(link, seconds)
    return seconds - (time.monotonic() - started) if spoke else None


def _readable(sock: socket.socket | paramiko.Channel, timeout: float) -> bool:
    """Whether the peer sent something (or closed) within ``timeout`` s; nothing is read. A
    channel (through a jump host) is polled by the descriptor paramiko gives for that."""
    with selectors.DefaultSelector() as sel:  # not select(): descriptors may pass 1024
        sel.register(sock, selectors.EVENT_READ)
        return bool(sel.select(max(0.0, timeout)))


@dataclass(frozen=True)
class _Login:
    """How one jump host is logged in to."""

    user: str
    identity_file: str | None  # None: the ssh-agent
    timeout: float  # TCP connect, handshake and login


def _hop_timeout(s: SshSettings, hop: int) -> float:
    """The jump host's own connect timeout (its ssh_config ``ConnectTimeout``), else the
    target's."""
    return s.jump(hop).connect_timeout or s.connect_timeout


def _prepare(
    transport: paramiko.Transport, known: dict[str, paramiko.PKey], timeout: float
) -> None:
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    transport.auth_timeout = timeout
    if known:
        # Ask only for key types we know, as OpenSSH does: otherwise a server offering another
        # type would look like a changed key.
        offered = transport.get_security_options().key_types
        wanted = [a for t in known for a in _ALGORITHMS.get(t, (t,)) if a in offered]
        if wanted:
            transport.get_security_options().key_types = tuple(wanted)


def _fingerprints(known: dict[str, paramiko.PKey]) -> dict[str, str]:
    return {t: fingerprint(k) for t, k in known.items()}


def remote_exec(
    host: Host,
    request: ProbeRequest | None = None,
    watch: WatchList | None = None,
    wanted: Wanted | None = None,
    boundary: str | None = None,
) -> tuple[str, bytes]:
    """The one command a host is asked to run and what goes to its stdin (then EOF).

    Linux: ``sh -s`` reading the output's boundary line (``boundary``, else a fresh one:
    collect/framing.py), the probe's line, the watch list's line and the wanted names' line
    (each only if there is one) and the fixed script. Windows (whose script lists no
    packages nor programs: no wanted names): ``windows_command()``, whose bootstrap runs stdin only
    if its SHA-256 is the script's, so nothing may come before the script — and neither the
    违规外联 probe nor policy files' checks are implemented there: a request or a non-empty
    watch list for a Windows host is refused (ValueError) before any connection."""
    if host.os == "windows":
        if request is not None:
            raise ValueError("the 违规外联 probe is not implemented for Windows hosts")
        if watch:
            raise ValueError("policy files' checks are not read on Windows hosts")
        return windows_command(), windows_stdin()
    lines = boundary_preamble(boundary or new_boundary())
    lines += preamble(request) + watch_preamble(watch) + wanted_preamble(wanted)
    return REMOTE_COMMAND, lines + linux_script()


def _handshake_failure(
    exc: paramiko.SSHException, timeout: float, known: dict[str, paramiko.PKey]
) -> Collection:
    text = str(exc)
    if "banner" in text.lower() or "timed out" in text.lower():
        return failed(HostStatus.TIMEOUT, "handshake_timeout_raw", seconds=timeout, raw=text)
    if "host key" in text.lower() and known:
        return failed(
            HostStatus.HOSTKEY_MISMATCH,
            "hostkey_types_unknown",
            {"known_keys": {t: fingerprint(k) for t, k in known.items()}},
            types=sorted(known),
        )
    return failed(HostStatus.ERROR, "handshake_failed", raw=text)


#: errno of a failed TCP connect → its reason; any other error is quoted as the OS said it
_CONNECT_ERRORS = {
    errno.ECONNREFUSED: "connect_refused",
    errno.EHOSTUNREACH: "host_unreachable",
    errno.ENETUNREACH: "network_unreachable",
}


def connect_failure(exc: OSError, port: int) -> Collection:
    """A TCP connect that failed other than by timing out: a known errno in our words, else
    the system's message (OS text, possibly localised) quoted as raw."""
    reason = _CONNECT_ERRORS.get(exc.errno or 0)
    if reason is not None:
        return failed(HostStatus.UNREACHABLE, reason, port=port)
    return failed(HostStatus.UNREACHABLE, "connect_failed", port=port, raw=exc.strerror or str(exc))
