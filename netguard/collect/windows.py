"""The exec command and stdin for a Windows host (scripts/windows.ps1).

Windows' OpenSSH server (Windows 10 1809+, Server 2019+) runs the exec request through the
configured default shell, cmd.exe unless an administrator set PowerShell: ``cmd.exe /c COMMAND``.
cmd.exe caps a command line at 8,191 characters, and ``-EncodedCommand`` takes the script as
base64 of its UTF-16LE text (about 2.7 characters per script character), so the collection script
(tens of kilobytes) cannot travel on the command line. What does:

- the command: ``powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass
  -EncodedCommand <bootstrap>``; the bootstrap is a few hundred characters, the same for every
  host, and only base64 characters follow the switches, so cmd.exe and PowerShell as the default
  shell read it alike (no quoting, no ``%``, ``^``, ``&``, ``|``);
- stdin: the script itself (ASCII only, so the console code page — 936/GBK on Chinese Windows —
  cannot change a byte of it). The bootstrap reads stdin to its end, computes its SHA-256 and
  runs it only when it is the digest built into the bootstrap: whatever else reaches stdin, the
  host runs the one fixed script or nothing (exit 3, a message on stderr).

``powershell.exe`` is Windows PowerShell (2.0 on Windows 7, 5.1 on Windows 10/11 and Server
2016+), present whatever the default shell is; the script also runs under PowerShell 7.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources

#: cmd.exe's limit on a command line (Microsoft: "Command prompt (Cmd.exe) command-line string
#: limitation": 8191 characters).
CMD_LINE_LIMIT = 8191

#: Exit status of the bootstrap when stdin was not the fixed script.
DIGEST_MISMATCH = 3

_PREFIX = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "

#: The bootstrap; {digest} is the SHA-256 of the script's bytes. PowerShell 2.0 syntax only.
#: [Console]::In is stdin as the console's input code page decodes it; the script is ASCII, so
#: the string is byte for byte what was sent, and its UTF-8 bytes are the bytes hashed here.
_BOOTSTRAP = (
    "$ErrorActionPreference='Stop';"
    "$s=[Console]::In.ReadToEnd();"
    "$h=-join([Security.Cryptography.SHA256]::Create().ComputeHash("
    "[Text.Encoding]::UTF8.GetBytes($s))|ForEach-Object{$_.ToString('x2')});"
    "if($h -ne '{digest}'){"
    "[Console]::Error.WriteLine('netguard: stdin is not the netguard script');exit 3};"
    "&([ScriptBlock]::Create($s));exit 0"
)


@cache
def windows_script() -> bytes:
    """The fixed collection script, data of the package, never built from inventory text."""
    return resources.files("netguard.collect").joinpath("scripts/windows.ps1").read_bytes()


def bootstrap() -> str:
    """The PowerShell text of the bootstrap, with the script's digest in it."""
    digest = hashlib.sha256(windows_script()).hexdigest()
    return _BOOTSTRAP.replace("{digest}", digest)


def encode_command(script: str) -> str:
    """``-EncodedCommand``'s argument: base64 of the text's UTF-16LE bytes."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


@cache
def windows_command() -> str:
    """The one command ever executed on a Windows host; its stdin is ``windows_stdin()``."""
    command = _PREFIX + encode_command(bootstrap())
    if len(command) > CMD_LINE_LIMIT:  # a guard for whoever edits the bootstrap
        raise AssertionError(f"Windows command line is {len(command)} characters")
    return command


def windows_stdin() -> bytes:
    """What the transport writes to the command's stdin, then closes (EOF ends ReadToEnd)."""
    return windows_script()
