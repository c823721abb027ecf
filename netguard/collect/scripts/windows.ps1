# netguard collection script for Windows -- read-only, fixed text, ASCII only.
#
# How it runs (netguard/collect/windows.py): the exec command is a short bootstrap passed as
# `powershell.exe ... -EncodedCommand` (cmd.exe limits a command line to 8,191 characters and
# this script, encoded as UTF-16LE base64, would not fit); the bootstrap reads this text from
# stdin, refuses it unless its SHA-256 is the one built into the bootstrap, and runs it.
#
# Why it looks like this:
# - Every section is printed as `@@ng NAME BASE64`, exactly as scripts/linux.sh does: the base64
#   holds the UTF-8 bytes of the section's text followed by `\n@@rc N`. What the host says is
#   data: no account, adapter or product name can forge a section boundary, and the console code
#   page (936/GBK on Chinese Windows) never touches the bytes, which are written to the raw stdout
#   stream. A section is capped at 1 MiB; a capped one has lost its status line (truncated).
# - Sections are JSON (ConvertTo-Json) of PowerShell objects, never localised text: `net
#   accounts`, `ipconfig` and `netsh` are translated on Chinese Windows.
# - Status: 0 ok; 1 the source failed (the text says `source=` and `error=`); 2 the source is not
#   there (a missing cmdlet, WMI namespace or class: Windows 7, Server Core, Server without
#   SecurityCenter2); 3 PowerShell older than 3.0 has no ConvertTo-Json (Windows 7's PowerShell
#   2.0): the JSON sections say so instead of using a hand-made serialiser. `meta` is key=value
#   lines and works on 2.0, so the report can say which PowerShell the host has.
# - Nothing here writes on the target except secedit's export, which secedit can only write to a
#   file: a randomly named file (and its log) in the auditing account's own %TEMP%, deleted in
#   `finally`.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ng_cap = 1048576
$ng_utf8 = New-Object System.Text.UTF8Encoding $false
$ng_json = [bool](Get-Command ConvertTo-Json -ErrorAction SilentlyContinue)
$ng_cim = [bool](Get-Command Get-CimInstance -ErrorAction SilentlyContinue)
$ng_out = [Console]::OpenStandardOutput()
$ng_epoch = New-Object DateTime 1970, 1, 1, 0, 0, 0, ([DateTimeKind]::Utc)

function ng_emit([string]$name, [string]$text, [int]$rc) {
  $bytes = $ng_utf8.GetBytes($text + "`n@@rc " + $rc)
  if ($bytes.Length -gt $ng_cap) {
    $cut = New-Object byte[] $ng_cap
    [Array]::Copy($bytes, $cut, $ng_cap)
    $bytes = $cut
  }
  $line = [Text.Encoding]::ASCII.GetBytes('@@ng ' + $name + ' ' + [Convert]::ToBase64String($bytes) + "`n")
  $ng_out.Write($line, 0, $line.Length)
  $ng_out.Flush()
}

function ng_missing([string]$what) {
  throw (New-Object System.Management.Automation.ItemNotFoundException ('missing ' + $what))
}

function ng_need([string]$cmd) {
  if (-not (Get-Command $cmd -ErrorAction SilentlyContinue)) { ng_missing ('cmdlet ' + $cmd) }
}

function ng_one([string]$text) {
  if ($null -eq $text) { return '' }
  return ([string]$text -replace '[\r\n]+', ' ')
}

function ng_sec([string]$name, [string]$source, [scriptblock]$body) {
  if (-not $ng_json) {
    ng_emit $name ('source=' + $source + "`nerror=powershell_too_old " + $PSVersionTable.PSVersion) 3
    return
  }
  try {
    $value = & $body
    ng_emit $name (ConvertTo-Json -InputObject $value -Depth 6 -Compress) 0
  } catch [System.Management.Automation.CommandNotFoundException] {
    ng_emit $name ('source=' + $source + "`nerror=missing " + (ng_one $_.Exception.CommandName)) 2
  } catch [System.Management.Automation.ItemNotFoundException] {
    ng_emit $name ('source=' + $source + "`nerror=" + (ng_one $_.Exception.Message)) 2
  } catch {
    $e = $_.Exception
    ng_emit $name ('source=' + $source + "`nerror=" + $e.GetType().FullName + ': ' + (ng_one $e.Message)) 1
  }
}

function ng_time($d) {
  if ($d -is [DateTime]) { return [int64]($d.ToUniversalTime() - $ng_epoch).TotalSeconds }
  if ($d -is [string] -and $d -match '^\d{14}\.') {
    return [int64]([Management.ManagementDateTimeConverter]::ToDateTime($d).ToUniversalTime() - $ng_epoch).TotalSeconds
  }
  return $null
}

function ng_wmi([string]$ns, [string]$class) {
  if ($ng_cim) { return Get-CimInstance -Namespace $ns -ClassName $class }
  return Get-WmiObject -Namespace $ns -Class $class
}

function ng_meta {
  $os = $null; $cs = $null
  try { $os = ng_wmi 'root/cimv2' 'Win32_OperatingSystem' } catch { }
  try { $cs = ng_wmi 'root/cimv2' 'Win32_ComputerSystem' } catch { }
  $id = [Security.Principal.WindowsIdentity]::GetCurrent()
  $admin = (New-Object Security.Principal.WindowsPrincipal $id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
  $kv = @(
    ('time=' + (ng_time (Get-Date))),
    ('hostname=' + $env:COMPUTERNAME),
    ('psversion=' + $PSVersionTable.PSVersion),
    ('psedition=' + $PSVersionTable.PSEdition),
    ('user=' + $id.Name),
    ('admin=' + $admin),
    ('utc_offset=' + [int][TimeZoneInfo]::Local.GetUtcOffset((Get-Date)).TotalSeconds)
  )
  if ($os) {
    $kv += 'os=' + $os.Caption
    $kv += 'os_version=' + $os.Version
    $kv += 'product_type=' + $os.ProductType
    $kv += 'os_language=' + $os.OSLanguage
    $kv += 'installed=' + (ng_time $os.InstallDate)
  }
  if ($cs) {
    $kv += 'part_of_domain=' + $cs.PartOfDomain
    $kv += 'domain=' + $cs.Domain
  }
  return (($kv | ForEach-Object { ng_one $_ }) -join "`n")
}

function ng_processes {
  return , @(Get-Process | ForEach-Object { $_.ProcessName } | Sort-Object -Unique)
}

function ng_services {
  return , @(Get-Service -ErrorAction SilentlyContinue | ForEach-Object {
      @{ name = $_.Name; status = [string]$_.Status }
    })
}

function ng_wsc {
  $ns = @(ng_wmi 'root' '__NAMESPACE' | Where-Object { $_.Name -eq 'SecurityCenter2' })
  if ($ns.Count -eq 0) { ng_missing 'WMI namespace root/SecurityCenter2' }
  return , @(ng_wmi 'root/SecurityCenter2' 'AntiVirusProduct' | ForEach-Object {
      @{
        name = [string]$_.displayName; state = [int64]$_.productState
        path = [string]$_.pathToSignedProductExe; timestamp = [string]$_.timestamp
      }
    })
}

function ng_defender {
  ng_need 'Get-MpComputerStatus'
  $s = Get-MpComputerStatus
  return @{
    am_service_enabled = $s.AMServiceEnabled; antivirus_enabled = $s.AntivirusEnabled
    real_time = $s.RealTimeProtectionEnabled; running_mode = [string]$s.AMRunningMode
    signature_updated = (ng_time $s.AntivirusSignatureLastUpdated)
    signature_age = $s.AntivirusSignatureAge; signature_version = [string]$s.AntivirusSignatureVersion
  }
}

function ng_adsi_policy {
  # The WinNT provider shows the local policy on every user object (MaxPasswordAge in seconds,
  # MinPasswordLength, MaxBadPasswordsAllowed, PasswordHistoryLength): read from the first one
  $c = [ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')
  $u = @($c.Children | Where-Object { $_.SchemaClassName -eq 'User' })
  if ($u.Count -eq 0) { throw 'no local user object to read the policy from' }
  $u = $u[0]
  return @{
    max_age = $u.MaxPasswordAge.Value; min_length = $u.MinPasswordLength.Value
    max_bad = $u.MaxBadPasswordsAllowed.Value; history = $u.PasswordHistoryLength.Value
  }
}

function ng_secedit {
  $base = Join-Path ([IO.Path]::GetTempPath()) ('netguard-' + [guid]::NewGuid().ToString('N'))
  $cfg = $base + '.inf'; $log = $base + '.log'
  try {
    $null = & secedit.exe /export /areas SECURITYPOLICY /cfg $cfg /log $log /quiet
    $code = $LASTEXITCODE
    if (-not (Test-Path -LiteralPath $cfg)) { throw ('secedit exit status ' + $code + ', nothing exported') }
    $kv = @{}; $part = ''
    foreach ($l in (Get-Content -LiteralPath $cfg)) {
      if ($l -match '^\s*\[(.+)\]\s*$') { $part = $matches[1] }
      elseif ($part -eq 'System Access' -and $l -match '^\s*(\w+)\s*=\s*(.*?)\s*$') { $kv[$matches[1]] = $matches[2] }
    }
    return $kv
  } finally {
    Remove-Item -LiteralPath $cfg, $log -Force -ErrorAction SilentlyContinue
  }
}

function ng_users {
  if (Get-Command Get-LocalUser -ErrorAction SilentlyContinue) {
    return , @(Get-LocalUser | ForEach-Object {
        @{
          name = $_.Name; sid = [string]$_.SID; enabled = [bool]$_.Enabled
          last_set = (ng_time $_.PasswordLastSet); expires = (ng_time $_.PasswordExpires)
          required = [bool]$_.PasswordRequired; source = 'Get-LocalUser'
        }
      })
  }
  # No LocalAccounts module (PowerShell 7 without the compatibility session, Server Core with it
  # removed): the WinNT provider gives the same through the account flags.
  $now = ng_time (Get-Date)
  $c = [ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')
  return , @($c.Children | Where-Object { $_.SchemaClassName -eq 'User' } | ForEach-Object {
      $flags = [int]$_.UserFlags.Value; $age = [int64]$_.PasswordAge.Value
      $max = [int64]$_.MaxPasswordAge.Value; $set = $now - $age
      $sid = (New-Object Security.Principal.SecurityIdentifier ([byte[]]$_.objectSid.Value), 0).Value
      if ([int]$_.PasswordExpired.Value -eq 1) { $set = $null }
      $exp = $null
      if (-not ($flags -band 0x10000) -and $max -gt 0 -and $set) { $exp = $set + $max }
      @{
        name = [string]$_.Name.Value; sid = $sid; enabled = -not ($flags -band 2)
        last_set = $set; expires = $exp; never_expires = [bool]($flags -band 0x10000)
        required = -not ($flags -band 0x20); source = 'ADSI WinNT'
      }
    })
}

function ng_adapters {
  ng_need 'Get-NetAdapter'
  return , @(Get-NetAdapter -IncludeHidden | ForEach-Object {
      @{
        name = $_.Name; description = $_.InterfaceDescription; index = $_.InterfaceIndex
        status = [string]$_.Status; media = [string]$_.PhysicalMediaType
        ndis_medium = $_.NdisPhysicalMedium; virtual = $_.Virtual; hardware = $_.HardwareInterface
        component = [string]$_.ComponentID; mac = [string]$_.MacAddress
      }
    })
}

function ng_none_found($errors) {
  # CIM cmdlets report "no such object" as an error (category ObjectNotFound): that is an
  # empty answer. Any other error (access denied ...) fails the section.
  foreach ($e in @($errors)) {
    if ($e -and [string]$e.CategoryInfo.Category -ne 'ObjectNotFound') { throw $e.Exception }
  }
}

function ng_bluetooth {
  ng_need 'Get-PnpDevice'
  $err = $null
  $found = @(Get-PnpDevice -Class Bluetooth -PresentOnly -ErrorAction SilentlyContinue -ErrorVariable err)
  ng_none_found $err
  return , @($found | ForEach-Object {
      @{ name = [string]$_.FriendlyName; status = [string]$_.Status; instance = [string]$_.InstanceId }
    })
}

function ng_bridge {
  ng_need 'Get-NetAdapterBinding'
  $err = $null
  $found = @(Get-NetAdapterBinding -ComponentID ms_bridge -IncludeHidden -ErrorAction SilentlyContinue -ErrorVariable err)
  ng_none_found $err
  return , @($found | Where-Object { $_.Enabled } | ForEach-Object { $_.Name })
}

function ng_addresses {
  ng_need 'Get-NetIPAddress'
  return , @(Get-NetIPAddress | ForEach-Object {
      @{
        interface = $_.InterfaceAlias; index = $_.InterfaceIndex; ip = [string]$_.IPAddress
        prefix = $_.PrefixLength; family = [string]$_.AddressFamily; state = [string]$_.AddressState
      }
    })
}

function ng_routes {
  ng_need 'Get-NetRoute'
  return , @(Get-NetRoute -PolicyStore ActiveStore | Where-Object {
      [int]($_.DestinationPrefix -replace '^.*/', '') -le 4
    } | ForEach-Object {
      @{
        dst = $_.DestinationPrefix; gateway = [string]$_.NextHop; interface = $_.InterfaceAlias
        index = $_.InterfaceIndex; metric = $_.RouteMetric; family = [string]$_.AddressFamily
        protocol = [string]$_.Protocol
      }
    })
}

function ng_ip_interfaces {
  ng_need 'Get-NetIPInterface'
  return , @(Get-NetIPInterface | ForEach-Object {
      @{
        interface = $_.InterfaceAlias; index = $_.InterfaceIndex; family = [string]$_.AddressFamily
        forwarding = [string]$_.Forwarding; connected = [string]$_.ConnectionState
      }
    })
}

function ng_network_profiles {
  $key = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\NetworkList\Profiles'
  if (-not (Test-Path -LiteralPath $key)) { return , @() }
  return , @(Get-ChildItem -LiteralPath $key | ForEach-Object {
      $p = Get-ItemProperty -LiteralPath $_.PSPath
      @{
        guid = $_.PSChildName; name = [string]$p.ProfileName; description = [string]$p.Description
        name_type = $p.NameType; category = $p.Category; managed = $p.Managed
        created = @($p.DateCreated); last_connected = @($p.DateLastConnected)
      }
    })
}

function ng_usbstor {
  $key = 'HKLM:\SYSTEM\CurrentControlSet\Enum\USBSTOR'
  if (-not (Test-Path -LiteralPath $key)) { return , @() }
  $pnp = [bool](Get-Command Get-PnpDeviceProperty -ErrorAction SilentlyContinue)
  $keys = 'DEVPKEY_Device_FirstInstallDate', 'DEVPKEY_Device_LastArrivalDate', 'DEVPKEY_Device_LastRemovalDate'
  return , @(Get-ChildItem -LiteralPath $key | ForEach-Object {
      $model = $_.PSChildName
      Get-ChildItem -LiteralPath $_.PSPath | ForEach-Object {
        $inst = $_.PSChildName
        $p = Get-ItemProperty -LiteralPath $_.PSPath
        $times = @{}
        if (-not $pnp) { $times['error'] = 'missing cmdlet Get-PnpDeviceProperty' }
        else {
          try {
            Get-PnpDeviceProperty -InstanceId ('USBSTOR\' + $model + '\' + $inst) -KeyName $keys |
              ForEach-Object { $times[[string]$_.KeyName] = (ng_time $_.Data) }
          } catch { $times['error'] = ng_one $_.Exception.Message }
        }
        @{ model = $model; instance = $inst; friendly = [string]$p.FriendlyName; times = $times }
      }
    })
}

function ng_usb_devices {
  # USB device instances: VID_xxxx&PID_yyyy\<serial>; a storage device's serial here is the one
  # its USBSTOR instance carries (with "&<lun>" added there), which gives it its USB ids
  $key = 'HKLM:\SYSTEM\CurrentControlSet\Enum\USB'
  if (-not (Test-Path -LiteralPath $key)) { return , @() }
  return , @(Get-ChildItem -LiteralPath $key | ForEach-Object {
      $ids = $_.PSChildName
      Get-ChildItem -LiteralPath $_.PSPath | ForEach-Object { @{ ids = $ids; instance = $_.PSChildName } }
    })
}

function ng_usbstor_start {
  # the USB storage driver's start type (4 = disabled) and the "All Removable Storage classes:
  # Deny all access" policy (Deny_All = 1)
  $p = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\USBSTOR'
  $deny = $null
  $pol = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices'
  if (Test-Path -LiteralPath $pol) { $deny = (Get-ItemProperty -LiteralPath $pol).Deny_All }
  return @{ start = $p.Start; deny_all = $deny }
}

try { ng_emit 'meta' (ng_meta) 0 } catch { ng_emit 'meta' ('error=' + (ng_one $_.Exception.Message)) 1 }
ng_sec 'processes' 'Get-Process' { ng_processes }
ng_sec 'services' 'Get-Service' { ng_services }
ng_sec 'wsc_av' 'root/SecurityCenter2 AntiVirusProduct' { ng_wsc }
ng_sec 'defender' 'Get-MpComputerStatus' { ng_defender }
ng_sec 'adsi_policy' 'ADSI WinNT computer' { ng_adsi_policy }
ng_sec 'secedit' 'secedit /export /areas SECURITYPOLICY' { ng_secedit }
ng_sec 'local_users' 'Get-LocalUser' { ng_users }
ng_sec 'adapters' 'Get-NetAdapter' { ng_adapters }
ng_sec 'bluetooth' 'Get-PnpDevice -Class Bluetooth' { ng_bluetooth }
ng_sec 'bridge' 'Get-NetAdapterBinding ms_bridge' { ng_bridge }
ng_sec 'ip_addresses' 'Get-NetIPAddress' { ng_addresses }
ng_sec 'routes' 'Get-NetRoute' { ng_routes }
ng_sec 'ip_interfaces' 'Get-NetIPInterface' { ng_ip_interfaces }
ng_sec 'network_profiles' 'HKLM NetworkList\Profiles' { ng_network_profiles }
ng_sec 'usbstor' 'HKLM Enum\USBSTOR' { ng_usbstor }
ng_sec 'usb_devices' 'HKLM Enum\USB' { ng_usb_devices }
ng_sec 'usbstor_start' 'HKLM Services\USBSTOR' { ng_usbstor_start }
$end = [Text.Encoding]::ASCII.GetBytes("@@end`n")
$ng_out.Write($end, 0, $end.Length)
$ng_out.Flush()
