"""What the fixed script read on recorded hosts, as ``Watched`` (tests of netguard/sca), and
short builders for rules so each test says its rule in one line.

The shapes of the contents:
- sshd_config: Debian 12's stock file from openssh-server 9.2p1 (comments as shipped, the
  ``Include /etc/ssh/sshd_config.d/*.conf`` line, ``KbdInteractiveAuthentication no``,
  ``X11Forwarding yes``, the sftp subsystem), with an office's hardening lines added
  (``PermitRootLogin no``, ``MaxAuthTries 4``, ``PasswordAuthentication no``);
- login.defs: the shadow-utils 4.13 file of Debian 12 / Ubuntu 22.04, the password-aging block
  (``PASS_MAX_DAYS 99999`` as shipped, which CIS-style rules fail), ``UMASK 022``,
  ``ENCRYPT_METHOD SHA512`` (Ubuntu 22.04);
- /etc/modprobe.d: Ubuntu 22.04's kmod files (blacklist.conf, blacklist-framebuffer.conf,
  iwlwifi.conf) plus a hardening file ``usb-storage.conf`` as CIS 1.1.1.x remediation writes
  it, and a subdirectory to show the walk is recursive;
- /etc/sysctl.d: Ubuntu 22.04's 10-network-security.conf and 99-sysctl.conf (Debian's link to
  ../sysctl.conf, read as the file it points to), and an office's 60-netguard.conf;
- processes: ``/proc/PID/cmdline`` of a Kylin/Ubuntu desktop with clamd and sshd, as the script
  writes it (NULs as spaces, kernel threads as ``[name]``);
- commands: ``sshd -T`` (lower-case keys, OpenSSH 9.x), ``systemctl is-enabled cups``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from netguard.model import Severity
from netguard.model.watched import Seen, SeenCommand, SeenDirectory, SeenFile, Watched
from netguard.sca.model import (
    Condition,
    Pattern,
    PatternOp,
    PolicyCheck,
    Requirements,
    Rule,
    RuleFile,
    RuleKind,
)

SSHD_CONFIG = (
    "",
    "# This is the sshd server system-wide configuration file.  See",
    "# sshd_config(5) for more information.",
    "",
    "Include /etc/ssh/sshd_config.d/*.conf",
    "",
    "#Port 22",
    "#AddressFamily any",
    "#ListenAddress 0.0.0.0",
    "",
    "# Authentication:",
    "",
    "#LoginGraceTime 2m",
    "PermitRootLogin no",
    "#StrictModes yes",
    "MaxAuthTries 4",
    "#MaxSessions 10",
    "",
    "#PubkeyAuthentication yes",
    "",
    "# To disable tunneled clear text passwords, change to no here!",
    "PasswordAuthentication no",
    "#PermitEmptyPasswords no",
    "",
    "# Change to yes to enable challenge-response passwords (beware issues with",
    "# some PAM modules and threads)",
    "KbdInteractiveAuthentication no",
    "",
    "UsePAM yes",
    "",
    "X11Forwarding yes",
    "PrintMotd no",
    "",
    "# Allow client to pass locale environment variables",
    "AcceptEnv LANG LC_*",
    "",
    "# override default of no subsystems",
    "Subsystem\tsftp\t/usr/lib/openssh/sftp-server",
)

LOGIN_DEFS = (
    "#",
    "# /etc/login.defs - Configuration control definitions for the login package.",
    "#",
    "MAIL_DIR        /var/mail",
    "FAILLOG_ENAB\t\tyes",
    "#",
    "# Password aging controls:",
    "#",
    "#\tPASS_MAX_DAYS\tMaximum number of days a password may be used.",
    "#\tPASS_MIN_DAYS\tMinimum number of days allowed between password changes.",
    "#\tPASS_WARN_AGE\tNumber of days warning given before a password expires.",
    "#",
    "PASS_MAX_DAYS\t99999",
    "PASS_MIN_DAYS\t0",
    "PASS_WARN_AGE\t7",
    "",
    "UID_MIN\t\t\t 1000",
    "UID_MAX\t\t\t60000",
    "UMASK\t\t022",
    "ENCRYPT_METHOD SHA512",
)

MODPROBE = "/etc/modprobe.d"
MODPROBE_FILES = {
    f"{MODPROBE}/blacklist.conf": (
        "# This file lists those modules which we don't want to be loaded by",
        "# alias expansion, usually so some other driver will be loaded for the",
        "# device instead.",
        "",
        "# evbug is a debug tool that should be loaded explicitly",
        "blacklist evbug",
        "",
        "# these drivers are very simple, the HID drivers are usually preferred",
        "blacklist usbmouse",
        "blacklist usbkbd",
    ),
    f"{MODPROBE}/blacklist-framebuffer.conf": (
        "# Framebuffer drivers are generally buggy and poorly-supported, and cause",
        "blacklist aty128fb",
        "blacklist atyfb",
    ),
    f"{MODPROBE}/iwlwifi.conf": (
        "# /etc/modprobe.d/iwlwifi.conf",
        "# iwlwifi will dyamically load either iwldvm or iwlmvm depending on the",
        "remove iwlwifi \\",
        "(/sbin/lsmod | grep -o -e ^iwlmvm -e ^iwldvm -e ^iwlwifi | xargs /sbin/rmmod) \\",
        "&& /sbin/modprobe -r mac80211",
    ),
    f"{MODPROBE}/usb-storage.conf": (
        "install usb-storage /bin/false",
        "blacklist usb-storage",
    ),
    f"{MODPROBE}/office/cramfs.conf": ("install cramfs /bin/true",),
}

SYSCTL = "/etc/sysctl.d"
SYSCTL_FILES = {
    f"{SYSCTL}/10-network-security.conf": (
        "",
        "# Turn on Source Address Verification in all interfaces to",
        "# prevent some spoofing attacks.",
        "net.ipv4.conf.default.rp_filter=2",
        "net.ipv4.conf.all.rp_filter=2",
    ),
    f"{SYSCTL}/99-sysctl.conf": (
        "#",
        "# /etc/sysctl.conf - Configuration file for setting system variables",
        "# See /etc/sysctl.d/ for additional system variables.",
        "#",
        "#net.ipv4.ip_forward=1",
        "#kernel.printk = 3 4 1 3",
    ),
    f"{SYSCTL}/60-netguard.conf": (
        "net.ipv4.ip_forward = 0",
        "net.ipv4.conf.all.send_redirects = 0",
        "kernel.randomize_va_space = 2",
    ),
}

PROCESSES = (
    "/sbin/init splash",
    "[kthreadd]",
    "[rcu_gp]",
    "/lib/systemd/systemd-journald",
    "/usr/sbin/cron -f -P",
    "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
    "avahi-daemon: running [pc-0012.local]",
    "/usr/sbin/clamd --foreground=true",
    "/usr/bin/freshclam -d --foreground=true",
    "/usr/lib/xorg/Xorg -core :0 -seat seat0 -auth /var/run/lightdm/root/:0 -nolisten tcp",
)

SSHD_T = (
    "port 22",
    "addressfamily any",
    "listenaddress [::]:22",
    "listenaddress 0.0.0.0:22",
    "usepam yes",
    "logingracetime 120",
    "x11forwarding yes",
    "maxauthtries 4",
    "maxsessions 10",
    "clientaliveinterval 0",
    "permitrootlogin no",
    "passwordauthentication no",
)


def _files(mapping: dict[str, tuple[str, ...]]) -> tuple[SeenFile, ...]:
    return tuple(SeenFile(path, Seen.FILE, lines) for path, lines in mapping.items())


def _dir(path: str, files: dict[str, tuple[str, ...]], *subdirs: str) -> SeenDirectory:
    entries = (*(SeenFile(f"{path}/{d}", Seen.DIRECTORY) for d in subdirs), *_files(files))
    return SeenDirectory(path, Seen.DIRECTORY, entries)


def desktop(**changes: Any) -> Watched:
    """A Kylin/Ubuntu office desktop, commands allowed and run."""
    files = {
        f.path: f
        for f in (
            SeenFile("/etc/ssh/sshd_config", Seen.FILE, SSHD_CONFIG),
            SeenFile("/opt/ssh/etc/sshd_config", Seen.MISSING),
            SeenFile("/etc/login.defs", Seen.FILE, LOGIN_DEFS),
            SeenFile("/etc/passwd", Seen.FILE, ("root:x:0:0:root:/root:/bin/bash",)),
            SeenFile("/etc/shadow", Seen.UNREADABLE),
            SeenFile("/etc/hosts.equiv", Seen.MISSING),
            SeenFile("/proc/sys/net/ipv4/ip_forward", Seen.FILE, ("0",)),
            SeenFile("/etc/ssh", Seen.DIRECTORY),
            SeenFile("/dev/null", Seen.OTHER),
        )
    }
    directories = {
        MODPROBE: _dir(MODPROBE, MODPROBE_FILES, "office"),
        SYSCTL: _dir(SYSCTL, SYSCTL_FILES),
        "/etc/mysql": SeenDirectory("/etc/mysql", Seen.MISSING),
        "/etc/login.defs": SeenDirectory("/etc/login.defs", Seen.FILE),
        "/root": SeenDirectory("/root", Seen.UNREADABLE),
        "/dev/log": SeenDirectory("/dev/log", Seen.OTHER),  # journald's socket
    }
    commands = {
        "sshd -T": SeenCommand("sshd -T", True, 0, SSHD_T),
        "systemctl is-enabled cups": SeenCommand(
            "systemctl is-enabled cups", True, 1, ("disabled",)
        ),
        "aa-status --enabled": SeenCommand("aa-status --enabled", True, 127, ()),
    }
    base = Watched(files, directories, PROCESSES, commands, commands_allowed=True)
    return dataclasses.replace(base, **changes)


# --- rules in one line ------------------------------------------------------------------------


def lit(value: str, *, neg: bool = False) -> Pattern:
    return Pattern(PatternOp.LITERAL, value, neg)


def rx(value: str, *, neg: bool = False) -> Pattern:
    return Pattern(PatternOp.REGEX, value, neg)


def num(value: str, compare: str, number: int, *, neg: bool = False) -> Pattern:
    return Pattern(PatternOp.NUMERIC, value, neg, compare, number)


def _text(kind: RuleKind, targets: tuple[str, ...], negated: bool, rest: str) -> str:
    return f"{'not ' if negated else ''}{kind}:{','.join(targets)}{rest}"


def _chain(content: tuple[Pattern, ...]) -> str:
    def one(p: Pattern) -> str:
        bang = "!" if p.negated else ""
        if p.op is PatternOp.LITERAL:
            return f"{bang}{p.value}"
        if p.op is PatternOp.REGEX:
            return f"{bang}r:{p.value}"
        return f"{bang}n:{p.value} compare {p.compare} {p.number}"

    return " -> " + " && ".join(one(p) for p in content) if content else ""


def f(*targets: str, content: tuple[Pattern, ...] = (), negated: bool = False) -> Rule:
    text = _text(RuleKind.FILE, targets, negated, _chain(content))
    return Rule(text, RuleKind.FILE, targets, negated, content=content)


def d(
    *targets: str,
    name: Pattern | None = None,
    content: tuple[Pattern, ...] = (),
    negated: bool = False,
) -> Rule:
    rest = _chain((name,)) if name is not None else ""
    text = _text(RuleKind.DIRECTORY, targets, negated, rest + _chain(content))
    return Rule(text, RuleKind.DIRECTORY, targets, negated, file_pattern=name, content=content)


def p(name: str, *, negated: bool = False) -> Rule:
    return Rule(_text(RuleKind.PROCESS, (name,), negated, ""), RuleKind.PROCESS, (name,), negated)


def c(command: str, content: tuple[Pattern, ...] = (), *, negated: bool = False) -> Rule:
    text = _text(RuleKind.COMMAND, (command,), negated, _chain(content))
    return Rule(text, RuleKind.COMMAND, (command,), negated, content=content)


def r(key: str, *, negated: bool = False) -> Rule:
    return Rule(_text(RuleKind.REGISTRY, (key,), negated, ""), RuleKind.REGISTRY, (key,), negated)


# --- rule files -------------------------------------------------------------------------------


def check(
    source_id: str,
    condition: Condition,
    *rules: Rule,
    file_id: str = "office_linux",
    unsupported: str = "",
) -> PolicyCheck:
    return PolicyCheck(
        id=f"{file_id}.{source_id}",
        source_id=source_id,
        title={"en": f"Check {source_id}", "zh": f"检查项 {source_id}"},
        condition=condition,
        rules=rules,
        category="sca",
        severity=Severity.MEDIUM,
        remediation={"en": f"Fix {source_id}.", "zh": f"整改 {source_id}。"},
        references=("CIS Ubuntu Linux 22.04 LTS Benchmark v1.0.0",),
        unsupported=unsupported,
    )


def rule_file(*checks: PolicyCheck, requirements: Requirements | None = None) -> RuleFile:
    return RuleFile(
        format="wazuh-sca",
        id="office_linux",
        name="Office Linux baseline",
        path="/etc/netguard/rules/office_linux.yml",
        sha256="0" * 64,
        checks=checks,
        requirements=requirements,
    )
