"""The Windows exec command and script (collect/windows.py, scripts/windows.ps1).

No PowerShell runs here (none is packaged for Debian): these tests hold what can be held without
it — the command's size and form, the bootstrap's digest, the script's text.
"""

from __future__ import annotations

import base64
import hashlib
import re

from netguard.collect.windows import (
    CMD_LINE_LIMIT,
    bootstrap,
    encode_command,
    windows_command,
    windows_script,
    windows_stdin,
)

PREFIX = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "


def test_the_command_fits_cmd_exe_and_carries_only_base64() -> None:
    command = windows_command()
    assert len(command) <= CMD_LINE_LIMIT
    assert command.startswith(PREFIX)
    encoded = command.removeprefix(PREFIX)
    assert re.fullmatch(r"[A-Za-z0-9+/]+=*", encoded)  # nothing cmd.exe or PowerShell expands
    assert base64.b64decode(encoded).decode("utf-16-le") == bootstrap()


def test_the_script_itself_would_not_fit_on_the_command_line() -> None:
    """Why the bootstrap exists: the script, encoded, is far over cmd.exe's limit."""
    assert len(PREFIX) + len(encode_command(windows_script().decode("ascii"))) > CMD_LINE_LIMIT
    # and the margin the bootstrap leaves is wide: it is not a near miss
    assert len(windows_command()) < CMD_LINE_LIMIT // 4


def test_the_bootstrap_runs_only_the_script_it_was_built_for() -> None:
    digest = hashlib.sha256(windows_stdin()).hexdigest()
    assert f"$h -ne '{digest}'" in bootstrap()
    assert "exit 3" in bootstrap()
    assert windows_stdin() == windows_script()


def test_the_script_is_ascii_so_no_code_page_can_change_it() -> None:
    assert all(b < 0x80 for b in windows_script())
    assert b"\r" not in windows_script()  # the digest is over these exact bytes


def test_the_script_is_read_only() -> None:
    text = windows_script().decode("ascii")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for verb in ("Set-", "New-Item", "Add-", "Enable-", "Disable-", "Stop-", "Start-", "Restart-"):
        assert verb not in code, verb
    for word in ("Invoke-Expression", "iex ", "Invoke-WebRequest", "DownloadString", "reg add"):
        assert word not in code, word
    # the one write: secedit's export file and log, in the auditing account's %TEMP%, removed
    assert code.count("Remove-Item") == 1
    assert "Remove-Item -LiteralPath $cfg, $log" in code


def test_every_section_is_framed_like_the_linux_script() -> None:
    text = windows_script().decode("ascii")
    assert "'@@ng ' + $name + ' ' + [Convert]::ToBase64String($bytes)" in text
    assert '"`n@@rc " + $rc' in text
    assert "$ng_cap = 1048576" in text  # parse_linux.SECTION_CAP
    assert "@@end" in text
