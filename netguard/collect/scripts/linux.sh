# netguard collection script for Linux — read-only, fixed text, run as `env LC_ALL=C sh -s`.
#
# Why it looks like this:
# - Everything runs inside one function so that sh parses the whole script from stdin before
#   running any of it; the function then runs with stdin from /dev/null so no command can eat it.
# - Every section is printed raw between two lines that carry a boundary (collect/framing.py):
#     @@ng2 BOUNDARY NAME / the output as printed / \n@@rc2 BOUNDARY STATUS, and @@end2 BOUNDARY
#   netguard chooses the boundary afresh for each host and each audit (128 random bits, the line
#   NG_BOUNDARY='HEX' before this script; run by hand without it: the kernel's random UUID).
#   Everything the host holds was written before the boundary existed, so no file content,
#   process name, log line or interface name can forge a section's start, status or the end. The
#   boundary only ever goes to the shell's own printf: it is in no program's command line or
#   environment. What remains: a hostile root on the target controls the whole output anyway.
# - Each section carries its own exit status (the @@rc2 line). A section whose size nothing
#   bounds is cut by `head -c` (secc: 1 MiB, the route tables a routing daemon may fill;
#   seclogs: 2 MiB, syslog's files however many there are; wsec: a watch entry's cap); one that
#   hits its cap has lost its status line, which the parser reads as "truncated" (an error,
#   never a pass), as it reads any section of 1 MiB or more. Every other section (sec) runs in
#   this shell, no process of its own: its size is bounded here (a fixed set of kernel files,
#   lines counted and cut) or by what root configures (its files, packages, services).
# - A few sections answer for several an older script printed (ip, journal, logfiles: one
#   process or one read where there were several); the parser cuts them into those
#   (parse_linux.unbatch), so that outputs recorded before read the same.
# - Nothing here writes anywhere on the target: no temp files, no caches, no package-manager locks.
#   The one exception is not this script's: a rule file's command, run only when the operator
#   allowed that file's commands (`--allow-policy-commands`), does what it says (see watch_cmd).
netguard_collect() {
  # The boundary: netguard's, or (by hand) the kernel's random UUID; none: no section at all.
  _B=${NG_BOUNDARY:-}
  case $_B in *[!0-9a-f]*) _B='' ;; esac
  [ "${#_B}" -ge 32 ] || { _B=''; IFS= read -r _B </proc/sys/kernel/random/uuid; } 2>/dev/null
  [ "${#_B}" -ge 32 ] || return 1
  sec() {
    # sec NAME CMD...: a section run in this shell (see the header: its output is bounded)
    printf '@@ng2 %s %s\n' "$_B" "$1"; shift
    "$@" 2>/dev/null
    printf '\n@@rc2 %s %s\n' "$_B" "$?"
  }
  secc() {
    # secc NAME CMD...: a section cut at 1 MiB by `head -c`
    printf '@@ng2 %s %s\n' "$_B" "$1"; shift
    { "$@" 2>/dev/null; printf '\n@@rc2 %s %s\n' "$_B" "$?"; } | head -c 1048576
  }
  seclogs() {
    # seclogs NAME FUNCTION KERNEL FILE...: like secc, cut at 2 MiB (two older sections' caps),
    # when one of the log files is there (how many there are bounds nothing); else sec
    _sn=$1 _sf=$2 _sk=$3; shift 3
    for _f in "$@"; do
      [ -e "$_f" ] || continue
      printf '@@ng2 %s %s\n' "$_B" "$_sn"
      { "$_sf" "$_sk" "$@" 2>/dev/null; printf '\n@@rc2 %s %s\n' "$_B" "$?"; } | head -c 2097152
      return
    done
    sec "$_sn" "$_sf" "$_sk" "$@"
  }
  have() { command -v "$1" >/dev/null 2>&1; }
  lines() {
    # lines FILE: a short file, as `cat` printed it, read by the shell (1 when it cannot be)
    [ -r "$1" ] || return 1
    while IFS= read -r _v; do printf '%s\n' "$_v"; done <"$1"
    [ -z "$_v" ] || printf '%s' "$_v"
  }
  line() {
    # line FILE: a one-line kernel file, as `cat` printed it (1 when it cannot be read)
    { IFS= read -r _v <"$1" || [ -n "$_v" ]; } 2>/dev/null || return 1
    printf '%s\n' "$_v"
  }
  ip_all() {
    # `ip` three times, not six: the addresses and the links (with details: a tunnel's kind),
    # then the IPv4 and the IPv6 routes and rules (the family is one of ip's global options).
    # Each command's answer is a JSON array on its line; after each ip, `@rc STATUS` (ip stops
    # at its first failing command). The parser cuts them into the sections an older script
    # printed (ip_addr, ip_link, ip_route4, ip_rule4, ip_route6, ip_rule6). Every table: a VPN's
    # default route often lives outside main (wg-quick: table 51820), picked by a rule.
    ip -d -j -batch - <<'EOF'
addr show
link show
EOF
    printf '@rc %s\n' "$?"
    ip -4 -j -batch - <<'EOF'
route show table all
rule show
EOF
    printf '@rc %s\n' "$?"
    ip -6 -j -batch - <<'EOF'
route show table all
rule show
EOF
    printf '@rc %s\n' "$?"
  }
  euid() {
    # _euid: what `id -u` prints, from the shell's own /proc/self/status ('' without /proc)
    _euid=''
    while read -r _k _r _e _x; do
      [ "$_k" = Uid: ] && { _euid=$_e; break; }
    done </proc/self/status 2>/dev/null
  }
  meta() {
    printf 'time=%s\n' "$(date +%s)"
    IFS= read -r _h </proc/sys/kernel/hostname
    printf 'hostname=%s\n' "$_h"
    # uname -srm and id -u, from the kernel's files where it has them
    _s='' _r='' _m=''
    { IFS= read -r _s </proc/sys/kernel/ostype && IFS= read -r _r </proc/sys/kernel/osrelease; } 2>/dev/null
    IFS= read -r _m </proc/sys/kernel/arch 2>/dev/null || _m=$(uname -m)
    if [ -n "$_s" ] && [ -n "$_r" ]; then
      printf 'kernel=%s %s %s\n' "$_s" "$_r" "$_m"
    else
      printf 'kernel=%s\n' "$(uname -srm)"
    fi
    euid
    printf 'uid=%s\n' "${_euid:-$(id -u)}"
    if [ -r /etc/os-release ]; then
      # shellcheck disable=SC1091
      printf 'os=%.256s\n' "$(. /etc/os-release && printf '%s' "$PRETTY_NAME")"
    fi
  }
  redact() {
    # A filter over /etc/passwd or /etc/shadow that rewrites field 2: password hashes never leave
    # the host. The output is kept in evidence bundles, so a hash sent here would end up on an
    # inspector's USB stick. What is sent instead is all the checks read:
    #   (empty)        no password at all
    #   x              passwd's "the password is in /etc/shadow"
    #   LOCK...        the leading run of `!`/`*` (`!`, `!!`, `*`, `!*` ...: locked), followed by
    #                  what it hides, reduced as below (`!$y$REDACTED`: a locked yescrypt hash)
    #   $ID$REDACTED   a modular-crypt hash: its method id only (`$y$`, `$6$`, `$2b$`; `$md5,…`
    #                  is sent as `$md5$`); an "id" over 8 characters is no id: REDACTED
    #   _REDACTED      BSDi extended DES (`_` + 19 characters of the crypt alphabet)
    #   (des)REDACTED  traditional DES crypt (13 characters of [./0-9A-Za-z], no prefix)
    #   REDACTED       anything else (no form crypt(3) knows)
    # A line without a field 2 is sent as REDACTED (no name stays behind a broken line); an
    # empty line stays empty. No {n} intervals in the regexps: mawk 1.3.3 lacks them.
    awk -F: -v OFS=: '
      NF == 0 { print ""; next }
      NF < 2 { print "REDACTED"; next }
      {
        f = $2; lock = ""
        while (f != "" && (substr(f, 1, 1) == "!" || substr(f, 1, 1) == "*")) {
          lock = lock substr(f, 1, 1); f = substr(f, 2)
        }
        alnum = f !~ /[^.\/0-9A-Za-z]/
        if (f == "" || f == "x") m = f
        else if (match(f, /^[$][0-9a-z]+[$,]/) && RLENGTH <= 10)
          m = substr(f, 1, RLENGTH - 1) "$REDACTED"
        else if (length(f) == 20 && substr(f, 1, 1) == "_" && substr(f, 2) !~ /[^.\/0-9A-Za-z]/)
          m = "_REDACTED"
        else if (length(f) == 13 && alnum) m = "(des)REDACTED"
        else m = "REDACTED"
        $2 = lock m
        print
      }'
  }
  passwd_file() { redact </etc/passwd; }
  shadow() {
    # shadow FILE (/etc/shadow): reading it needs root; an auditor account may have a sudo rule
    # for exactly `/bin/cat /etc/shadow`. Readable: reduced by redact as it is read; through
    # sudo, read whole first (a failing sudo prints nothing), then reduced.
    if [ -r "$1" ]; then redact <"$1"; return; fi
    _shadow=$(sudo -n /bin/cat /etc/shadow) || return $?
    printf '%s\n' "$_shadow" | redact
    _shadow=''
  }
  netdev() {
    for d in /sys/class/net/*; do
      [ -e "$d" ] || continue
      n=${d##*/}
      w=0; [ -e "$d/wireless" ] && w=1
      p=0; [ -e "$d/phy80211" ] && p=1
      drv=''; [ -e "$d/device/driver" ] && drv=$(readlink "$d/device/driver")
      # the kernel's one-line files, read by the shell itself: no process per interface
      t=''; IFS= read -r t <"$d/type" 2>/dev/null
      st=''; IFS= read -r st <"$d/operstate" 2>/dev/null
      dt=''
      if [ -r "$d/uevent" ]; then
        while IFS='=' read -r _k _v _x; do [ "$_k" = DEVTYPE ] && dt=$_v; done <"$d/uevent"
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$t" "$w" "$p" "${drv##*/}" "$dt" "$st"
    done
  }
  rfkill_sys() {
    for d in /sys/class/rfkill/rfkill*; do
      [ -e "$d" ] || continue
      printf '%s\t%s\t%s\t%s\n' "$(cat "$d/type")" "$(cat "$d/name")" \
        "$(cat "$d/soft" 2>/dev/null)" "$(cat "$d/hard" 2>/dev/null)"
    done
  }
  bluetooth() {
    for d in /sys/class/bluetooth/*; do [ -e "$d" ] && printf '%s\n' "${d##*/}"; done
    return 0
  }
  procs() {
    # A process that ends between the glob and the read makes cat fail: not our problem. The
    # status says whether /proc could be read at all (no /proc: an error, never "none running").
    cat /proc/[0-9]*/comm 2>/dev/null
    [ -r /proc/1/comm ] || [ -r /proc/self/comm ]
  }
  # -- the names asked for (netguard/collect/wanted.py) ----------------------------------------
  # Only when netguard put `NG_WANT='ngwant1 p/NAME… b/NAME… s/NAME…'` before this script (every
  # name checked by netguard: the catalog's plain tokens, no quote, space, glob, slash, nor a
  # leading dash): sections dpkg, rpm, executables and services then answer for those names
  # only (p: packages, b: programs, s: systemd services), and section `wanted` repeats the list
  # as received. Without it they list everything, as they always did.
  wanted_head() {
    [ -n "${NG_WANT:-}" ] || { echo requested=0; return 0; }
    set -f
    # shellcheck disable=SC2086  # netguard's checked words, split on purpose
    set -- $NG_WANT
    set +f
    [ "$1" = ngwant1 ] || return 65
    echo requested=1
    printf '%s\n' "$@"
  }
  wanted_of() {
    # wanted_of TAG: _names, the names of that kind (space-separated)
    _tag=$1 _names=''
    set -f
    # shellcheck disable=SC2086
    set -- $NG_WANT
    set +f
    for _w; do case $_w in "$_tag"/*) _names="$_names ${_w#*/}" ;; esac; done
  }
  services() {
    have systemctl || return 127
    set --
    if [ -n "${NG_WANT:-}" ]; then
      wanted_of s
      [ -n "$_names" ] || return 0
      set -f
      for _n in $_names; do set -- "$@" "$_n.service"; done
      set +f
    fi
    systemctl list-units --type=service --all --no-legend --plain --no-pager "$@"
  }
  dpkg_pkgs() {
    have dpkg-query || return 127
    if [ -z "${NG_WANT:-}" ]; then
      dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n'
      return
    fi
    wanted_of p
    [ -n "$_names" ] || return 0
    # The names asked for are looked up in dpkg's status file by awk, not by dpkg-query, which
    # reads and indexes every package first: the same lines, in the file's order, but for the
    # names dpkg knows only from other packages' relations (dpkg-query's `un  NAME`: not
    # installed either). dpkg-query itself when its journal holds changes not yet in that file
    # (updates/) or a name is qualified by an architecture. (DPKG_ADMINDIR: dpkg-query's own
    # variable for where its database is.)
    _db=${DPKG_ADMINDIR:-/var/lib/dpkg} _u=''
    for _u in "$_db"/updates/[0-9]*; do [ -e "$_u" ] && break; _u=''; done
    case $_names in
      *:*) ;;
      *) if [ -z "$_u" ] && [ -r "$_db/status" ]; then dpkg_status "$_names" "$_db/status"; return; fi ;;
    esac
    set -f
    # shellcheck disable=SC2086
    set -- $_names
    set +f
    dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' "$@"
    # 1: a name the database does not know (man dpkg-query: "not found"); 2: a real failure
    _rc=$?; [ "$_rc" -eq 1 ] && return 0; return "$_rc"
  }
  dpkg_status() {
    # dpkg_status NAMES FILE: `${db:Status-Abbrev} ${Package}` of each package of NAMES (words:
    # the catalog's checked names) in dpkg's status FILE; "?" for a word dpkg would not write
    awk -v names=" $1 " '
      BEGIN {
        split("unknown u install i hold h deinstall r purge p", a)
        for (i = 1; i < 10; i += 2) want[a[i]] = a[i + 1]
        split("ok _ reinstreq R", a); flag["ok"] = " "; flag["reinstreq"] = "R"
        split("not-installed n config-files c half-installed H unpacked U half-configured F " \
          "triggers-awaited W triggers-pending t installed i", a)
        for (i = 1; i < 16; i += 2) state[a[i]] = a[i + 1]
      }
      /^Package: / { p = $2 }
      /^$/ { p = "" }
      /^Status: / && p != "" && index(names, " " p " ") {
        w = ($2 in want) ? want[$2] : "?"; f = ($3 in flag) ? flag[$3] : "?"
        s = ($4 in state) ? state[$4] : "?"
        print w s f " " p
      }' "$2"
  }
  rpm_pkgs() {
    have rpm || return 127
    [ -n "${NG_WANT:-}" ] || { rpm -qa --qf '%{NAME}\n'; return; }
    wanted_of p
    [ -n "$_names" ] || return 0
    _all=$(rpm -qa --qf '%{NAME}\n') || return $?
    set -f
    for _n in $_names; do
      case "
$_all
" in *"
$_n
"*) printf '%s\n' "$_n" ;; esac
    done
    set +f
    return 0
  }
  executables() {
    # Regular files with an execute bit in the system's bin directories (symlinks followed);
    # asked for names, only those paths are looked at.
    if [ -z "${NG_WANT:-}" ]; then
      find -L /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin /bin /sbin -maxdepth 1 \
        -type f -perm /111 -printf '%f\n' 2>/dev/null | sort -u
      return 0
    fi
    wanted_of b
    set --
    set -f
    for _n in $_names; do
      for _d in /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin /bin /sbin; do
        set -- "$@" "$_d/$_n"
      done
    done
    set +f
    [ $# -gt 0 ] || return 0
    euid
    if [ "$_euid" = 0 ]; then
      # root: `test -x` is "any execute bit" (what find's -perm /111 asks), -f follows links
      for _p; do
        [ -f "$_p" ] && [ -x "$_p" ] && printf '%s\n' "${_p##*/}"
      done
      return 0
    fi
    find -L "$@" -maxdepth 0 -type f -perm /111 -printf '%f\n' 2>/dev/null
    return 0
  }
  opt_dirs() {
    # what `ls -1 /opt` printed, without its process: names in the C locale's order, dangling
    # symlinks included, no dot-files
    for _o in /opt/*; do
      if [ -e "$_o" ] || [ -L "$_o" ]; then printf '%s\n' "${_o##*/}"; fi
    done
    return 0
  }
  clamav_db() {
    # The signature date is read from the database header itself (first 512 bytes of a CVD/CLD).
    set --
    for f in /var/lib/clamav/daily.cld /var/lib/clamav/daily.cvd \
             /var/lib/clamav/main.cld /var/lib/clamav/main.cvd \
             /var/lib/clamav/bytecode.cld /var/lib/clamav/bytecode.cvd; do
      [ -f "$f" ] && set -- "$@" "$f"
    done
    [ $# -gt 0 ] || return 0
    # every file's time from one stat, `PATH TIME` a line (these paths hold no space)
    _st=$(stat -c '%n %Y' "$@" 2>/dev/null)
    for f; do
      _t=''
      case "
$_st" in
        *"
$f "*) _t=${_st#*"$f "}; _t=${_t%%[!0-9]*} ;;
      esac
      printf '== %s %s\n' "$f" "$_t"
      head -c 512 "$f" | tr -d '\000\n\r'
      printf '\n'
    done
    return 0
  }
  login_defs() { grep -E '^[[:space:]]*(PASS_|ENCRYPT_METHOD)' /etc/login.defs; }
  clamscan_version() { have clamscan || return 127; clamscan --version; }
  # The 违规外联 probe. Only when netguard put `NG_PROBE='TOKEN IP PORT [IP PORT]...'` before
  # this script (every word checked by netguard: a token of [A-Za-z0-9._-], IP literals, port
  # numbers): one short connection per target with what the host has, first of bash /dev/tcp,
  # curl, python3, nc, each bounded by `timeout`; it sends `GET /TOKEN HTTP/1.0` and nothing
  # else, and writes nothing here (no files, no history). One line per target:
  #   ip=IP port=PORT method=bash|curl|python3|nc|none outcome=WORD sent_at=EPOCH
  # where WORD is connected (the TCP handshake completed), refused, no_route, timeout, error,
  # or not_sent (no method, or no `timeout` to bound one).
  probe_class() {
    case $1 in
      *[Rr]efused*) echo refused ;;
      *'No route'*|*[Uu]nreachable*) echo no_route ;;
      *'timed out'*|*[Tt]imeout*) echo timeout ;;
      *) echo error ;;
    esac
  }
  probe_one() {
    _t=$1 _ip=$2 _port=$3 _m=none _o=not_sent
    _req="GET /$_t HTTP/1.0"
    _at=$(date +%s)
    if ! have timeout; then
      printf 'ip=%s port=%s method=none outcome=not_sent sent_at=%s\n' "$_ip" "$_port" "$_at"
      return 0
    fi
    if have bash; then
      _e=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 91
        printf "%s\r\n\r\n" "$3" >&3; exec 3>&-' ngprobe "$_ip" "$_port" "$_req" 2>&1 >/dev/null)
      _rc=$?
      case $_rc:$_e in
        0:*) _m=bash _o=connected ;;
        124:*) _m=bash _o=timeout ;;
        *'No such file'*|*'not supported'*|*'bad file'*) ;;  # a bash without /dev/tcp
        *) _m=bash _o=$(probe_class "$_e") ;;
      esac
    fi
    if [ "$_m" = none ] && have curl; then
      case $_ip in *:*) _u="http://[$_ip]:$_port/$_t" ;; *) _u="http://$_ip:$_port/$_t" ;; esac
      _e=$(timeout 5 curl -q -g -v -sS -o /dev/null -w 'NGTC=%{time_connect}' \
        --connect-timeout 3 --max-time 3 -0 "$_u" 2>&1)
      _rc=$?
      _m=curl
      case $_rc:$_e in
        0:*|52:*|56:*) _o=connected ;;
        124:*) _o=timeout ;;
        *NGTC=0.000000*) _o=$(probe_class "$_e") ;;
        *) _o=connected ;;  # time_connect set: the handshake completed before the failure
      esac
    fi
    if [ "$_m" = none ] && have python3; then
      _m=python3
      _o=$(timeout 5 python3 -I -S -B -c '
import errno, socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)
except ConnectionRefusedError:
    print("refused")
except (TimeoutError, socket.timeout):
    print("timeout")
except OSError as e:
    print("no_route" if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else "error")
else:
    print("connected")
    try:
        s.sendall(sys.argv[3].encode() + b"\r\n\r\n")
        s.close()
    except OSError:
        pass
' "$_ip" "$_port" "$_req" 2>/dev/null)
      [ $? -eq 124 ] && _o=timeout
      case $_o in connected|refused|timeout|no_route) ;; *) _o=error ;; esac
    fi
    if [ "$_m" = none ] && have nc; then
      _m=nc
      _e=$(printf '%s\r\n\r\n' "$_req" | timeout 5 nc -v -w 3 "$_ip" "$_port" 2>&1 >/dev/null)
      case $?:$_e in
        0:*) _o=connected ;;
        124:*) _o=timeout ;;
        *) _o=$(probe_class "$_e") ;;
      esac
    fi
    printf 'ip=%s port=%s method=%s outcome=%s sent_at=%s\n' "$_ip" "$_port" "$_m" "$_o" "$_at"
  }
  probe_send() {
    [ -n "${NG_PROBE:-}" ] || { echo requested=0; return 0; }
    # shellcheck disable=SC2086  # netguard's checked words, split on purpose
    set -- $NG_PROBE
    printf 'requested=1\ntoken=%s\n' "$1"
    _tok=$1; shift
    while [ $# -ge 2 ]; do probe_one "$_tok" "$1" "$2"; shift 2; done
  }
  freshclam_log() {
    # (no file: tail's own failure, 1, without running it)
    [ -r /var/log/clamav/freshclam.log ] || return 1
    tail -n 20 /var/log/clamav/freshclam.log
  }
  # -- where the host keeps its network history (isolation.history) -----------------------------
  # A source that is not on the host at all ends with 127 ("not present"); 3 means the command ran
  # but showed no line (not root, nor in group adm/systemd-journal). Paths are sanitised of
  # newlines so that no file name can forge a line of the section.
  _usbnet='(GobiNet|cdc_ether|cdc_mbim|cdc_ncm|huawei_cdc_ncm|ipheth|option|qcserial|qmi_wwan|qmi_wwan_q|rndis_host|sierra|sierra_net)'
  _usbif=' [0-9]+-[0-9.]+:[0-9]+\.[0-9]+'
  _ksys=" kernel: (\[ *[0-9]+\.[0-9]+\] )?$_usbnet$_usbif"
  oneline() { printf '%s' "$1" | tr '\n' '?'; }
  nm_keys() {
    # Only these keys of a NetworkManager keyfile leave the host: never psk=, password=, or any
    # key of [wifi-security], [802-1x], [vpn-secrets] or another section not named here.
    awk '
      FNR == 1 { f = FILENAME; gsub(/\n/, "?", f); print "== " f; s = "" }
      /^[ \t]*\[/ { s = $0; sub(/^[ \t]*\[/, "", s); sub(/\][ \t\r]*$/, "", s); next }
      {
        i = index($0, "="); if (i == 0) next
        k = substr($0, 1, i - 1); v = substr($0, i + 1)
        gsub(/^[ \t]+|[ \t\r]+$/, "", k); gsub(/^[ \t]+|[ \t\r]+$/, "", v)
        w = s "." k
        if (w == "connection.id" || w == "connection.uuid" || w == "connection.type" ||
            w == "connection.interface-name" || w == "connection.timestamp" ||
            w == "connection.autoconnect" || w == "wifi.ssid" || w == "wifi.mode" ||
            w == "802-11-wireless.ssid" || w == "802-11-wireless.mode" || w == "gsm.apn" ||
            w == "bluetooth.type")
          print w "=" substr(v, 1, 128)
      }' "$@"
  }
  nm_profiles() {
    # NetworkManager's saved connections (root-only files, 0600: they hold the Wi-Fi keys).
    _seen=127
    for d in "$@"; do
      [ -d "$d" ] || continue
      _seen=0
      if [ ! -r "$d" ] || [ ! -x "$d" ]; then printf '!unreadable %s\n' "$(oneline "$d")"; continue; fi
      for f in "$d"/*; do
        [ -f "$f" ] || continue
        if [ -r "$f" ]; then nm_keys "$f"; else printf '!unreadable %s\n' "$(oneline "$f")"; fi
      done
    done
    return $_seen
  }
  nm_timestamps() { [ -e "$1" ] || return 127; grep -E '^[0-9A-Fa-f-]{36}=[0-9]+$' "$1"; }
  lease_keys() {
    # Interface, address, netmask, router, server, lease time and dates: no client id, host name.
    grep -E '^[[:space:]]*(lease [{]|[}]|interface |fixed-address |option (subnet-mask|routers|dhcp-lease-time|dhcp-server-identifier) |renew |rebind |expire )|^(ADDRESS|NETMASK|ROUTER|SERVER_ADDRESS|LIFETIME)=' "$1" | tail -n 400
  }
  dhcp_leases() {
    _seen=127
    for d in "$@"; do
      [ -d "$d" ] || continue
      _seen=0
      if [ ! -r "$d" ] || [ ! -x "$d" ]; then printf '!unreadable %s\n' "$(oneline "$d")"; continue; fi
      for f in "$d"/*; do
        case ${d##*/}/${f##*/} in
          */dhclient*.lease | */dhclient*.leases | */internal-*.lease | leases/[0-9]*) ;;
          *) continue ;;
        esac
        [ -f "$f" ] || continue
        if [ -r "$f" ]; then
          printf '== %s %s\n' "$(stat -c %Y "$f")" "$(oneline "$f")"
          lease_keys "$f"
        else
          printf '!unreadable %s\n' "$(oneline "$f")"
        fi
      done
    done
    return $_seen
  }
  # -- kernel logs: one reader for every check that looks back (isolation.history, media.history)
  first_grep() {
    # first_grep COUNT WIDTH FIRST [COUNT2 WIDTH2], NG_PAT (NG_PAT2) in the environment: over
    # its input (read once), `@first` and the first 40 bytes of the first line matching FIRST
    # ('' any line), then the last COUNT lines matching the ERE NG_PAT, WIDTH bytes each at
    # most; with COUNT2, those lines tagged `k `, then the last COUNT2 lines matching NG_PAT2
    # (WIDTH2 bytes) tagged `u `. 3 when no line matched FIRST. The patterns come through
    # ENVIRON: awk -v would read their backslashes.
    awk -v n="$1" -v w="$2" -v first="$3" -v n2="${4:-0}" -v w2="${5:-0}" '
      !seen && $0 ~ first { seen = 1; print "@first " substr($0, 1, 40) }
      $0 ~ ENVIRON["NG_PAT"] { k++; buf[k % n] = substr($0, 1, w) }
      n2 > 0 && $0 ~ ENVIRON["NG_PAT2"] { j++; buf2[j % n2] = substr($0, 1, w2) }
      END {
        if (!seen) exit 3
        tag = n2 > 0 ? "k " : ""
        for (i = (k > n ? k - n + 1 : 1); i <= k; i++) print tag buf[i % n]
        for (i = (j > n2 ? j - n2 + 1 : 1); i <= j; i++) print "u " buf2[i % n2]
      }'
  }
  tagged_tail() {
    # tagged_tail KERNEL(0|1): over grep's lines, the last 200 matching NG_PAT (400 bytes each)
    # tagged `k ` (KERNEL 1 only), then the last 1000 matching NG_PAT2 (300 bytes each) tagged
    # `u `: for each, what `grep PATTERN | tail -n COUNT | cut -c1-WIDTH` printed
    awk -v kern="$1" '
      kern == 1 && $0 ~ ENVIRON["NG_PAT"] { k++; kb[k % 200] = substr($0, 1, 400) }
      $0 ~ ENVIRON["NG_PAT2"] { u++; ub[u % 1000] = substr($0, 1, 300) }
      END {
        for (i = (k > 200 ? k - 200 + 1 : 1); i <= k; i++) print "k " kb[i % 200]
        for (i = (u > 1000 ? u - 1000 + 1 : 1); i <= u; i++) print "u " ub[i % 1000]
      }'
  }
  logfiles() {
    # logfiles KERNEL FILE...: syslog's files, gzipped ones too, each read once for two checks:
    # the kernel's lines of USB devices (media.history: the last 1000, 300 bytes each, tagged
    # `u `) and, in the files KERNEL's patterns (space-separated) match, of network adapters
    # binding (isolation.history: the last 200, 400 bytes each, tagged `k `). Each file first
    # says `== ku|u MTIME NAME` (ku: both checks read it) and `@first` with its first line's
    # first 40 bytes: MTIME dates the traditional "Nov 17 09:14:02" stamps (no year); or
    # `!unreadable ku|u NAME`. Names are sanitised of newlines so that none can forge a line.
    # The parser cuts this into the sections kernel_logfiles and usb_logfiles an older script
    # printed. 127: none of the files is there.
    _kp=$1; shift
    _seen=127
    for f in "$@"; do
      [ -f "$f" ] || continue
      _seen=0 _k=u
      set -f
      for _p in $_kp; do
        # shellcheck disable=SC2254  # a pattern, as meant
        case $f in $_p) _k=ku ;; esac
      done
      set +f
      case $f in
        *'
'*) _fn=$(oneline "$f") ;;
        *) _fn=$f ;;
      esac
      if [ ! -r "$f" ]; then
        printf '!unreadable %s %s\n' "$_k" "$_fn"
        continue
      fi
      printf '== %s %s %s\n' "$_k" "$(stat -c %Y "$f")" "$_fn"
      if [ "$_k" = ku ]; then _kern=1; else _kern=0; fi
      case $f in
        *.gz)
          have zcat || { printf '!unreadable %s %s\n' "$_k" "$_fn"; continue; }
          printf '@first %s\n' "$(zcat "$f" | head -n 1 | cut -c1-40)"
          zcat "$f" | grep -E -e "$_kusb" -e "$_ksys" | NG_PAT=$_ksys NG_PAT2=$_kusb tagged_tail "$_kern" ;;
        *)
          # the first line's first 40 bytes, read by the shell (what `head -n 1 | cut` printed)
          _l=''
          IFS= read -r _l <"$f"
          printf '@first %.40s\n' "$_l"
          grep -E -e "$_kusb" -e "$_ksys" "$f" | NG_PAT=$_ksys NG_PAT2=$_kusb tagged_tail "$_kern" ;;
      esac
    done
    return $_seen
  }
  klog_dmesg() {
    # The kernel ring buffer (this boot only); restricted to root where kernel.dmesg_restrict=1.
    have dmesg || return 127
    dmesg --time-format iso | NG_PAT="^[^ ]+ $_usbnet$_usbif" first_grep 300 400 ''
  }

  # -- removable media (media.history, media.blocked) ------------------------------------------
  # The kernel's lines for every USB device (vendor/product ids, strings, serial) and for the
  # mass-storage driver binding to one; the parser keeps the devices usb-storage bound to.
  _usbdev=' usb [0-9]+-[0-9.]+: (New USB device found, |Product: |Manufacturer: |SerialNumber: )'
  _usbsto=' usb-storage [0-9]+-[0-9.]+:[0-9]+\.[0-9]+: USB Mass Storage device detected'
  _kusb=" kernel: (\[ *[0-9]+\.[0-9]+\] )?(${_usbdev# }|${_usbsto# })"
  journal_storage() {
    # _vol: the last `Storage=` line of journald's configuration, blanks removed, read by the
    # shell (what `cat FILES | grep -E '^[[:space:]]*Storage=' | tail -n 1 | tr -d ' \t\r'` was)
    _vol='' _cr=''
    for _f in /etc/systemd/journald.conf /etc/systemd/journald.conf.d/*.conf \
      /usr/lib/systemd/journald.conf.d/*.conf; do
      [ -f "$_f" ] && [ -r "$_f" ] || continue
      while IFS= read -r _l || [ -n "$_l" ]; do
        case ${_l#"${_l%%[![:space:]]*}"} in Storage=*) _vol=$_l ;; esac
      done <"$_f"
    done
    [ -n "$_vol" ] || return 0
    _cr=$(printf '\r.'); _cr=${_cr%.}
    while :; do
      case $_vol in
        *[" 	$_cr"]*) _vol=${_vol%%[" 	$_cr"]*}${_vol#*[" 	$_cr"]} ;;
        *) return 0 ;;
      esac
    done
  }
  journal() {
    # The kernel's lines in the whole journal, read once for two checks: the newest 300 lines of
    # network adapters binding (isolation.history; tagged `k `, 400 bytes each) and the newest
    # 3000 of USB devices (media.history; tagged `u `, 300 bytes each), after `@first`, the
    # oldest kernel line's time (how far back the journal reaches). The parser cuts them into
    # sections kernel_journal and usb_journal, as an older script printed them. First,
    # @persistent: whether journald keeps the journal across boots (Storage=volatile, or no
    # /var/log/journal with the default Storage=auto, loses it at each shutdown).
    # 127: no journal; 3: no line visible to this account.
    have journalctl || return 127
    [ -d /var/log/journal ] || [ -d /run/log/journal ] || return 127
    journal_storage
    case $_vol in
      Storage=volatile | Storage=none) printf '@persistent no %s\n' "$(oneline "$_vol")" ;;
      *) if [ -d /var/log/journal ]; then printf '@persistent yes\n'; else printf '@persistent no no-/var/log/journal\n'; fi ;;
    esac
    journalctl -q --no-pager -o short-iso _TRANSPORT=kernel \
      | NG_PAT=$_ksys NG_PAT2=$_kusb first_grep 300 400 '^[0-9][0-9][0-9][0-9]-' 3000 300
  }
  installed() {
    # When the system was installed: the root file system's birth (statx, where the file system
    # keeps it) and /etc/machine-id's time (written at first boot). A log that starts then has
    # seen the machine's whole life. (One stat for both: `NAME BIRTH MTIME` a line.)
    set -f
    # shellcheck disable=SC2046  # stat's words, split on purpose
    set -- $(stat -c '%n %W %Y' / /etc/machine-id 2>/dev/null)
    set +f
    while [ $# -ge 3 ]; do
      case $1 in
        /) case $2 in '' | 0 | -* | *[!0-9]*) ;; *) printf 'root_birth=%s\n' "$2" ;; esac ;;
        /etc/machine-id) [ -f /etc/machine-id ] && printf 'machine_id=%s\n' "$3" ;;
      esac
      shift 3
    done
    return 0
  }
  usb_storage_module() {
    # Whether usb-storage can load: loaded now, built in, its module file, what modprobe would
    # do (`install /bin/false` shows there), blacklist/install lines and the kernel command line.
    if [ -d /sys/module/usb_storage ]; then printf '@loaded yes\n'; else printf '@loaded no\n'; fi
    IFS= read -r _rel </proc/sys/kernel/osrelease || _rel=$(uname -r)  # what uname -r says
    # (read ends at a newline: a name in _m holds none)
    find "/lib/modules/$_rel" -name 'usb-storage.ko*' 2>/dev/null | head -n 3 | while read -r _m; do
      printf '@file %s\n' "$_m"
    done
    _out='' _rc=''
    if have modprobe; then
      _out=$(modprobe -n -v usb-storage 2>&1); _rc=$?
      printf '@modprobe %s\n' "$_rc"
    fi
    # One awk reads the rest: whether modules.builtin lists usb-storage (@builtin), modprobe's
    # first 20 lines (300 bytes each, `> `), and every modprobe.d file's first 5 blacklist or
    # install lines for usb-storage (200 bytes each, @conf, the file's name with its spaces and
    # newlines as `?`). Texts come through ENVIRON: awk -v would read their backslashes.
    set --
    for _d in /etc/modprobe.d /run/modprobe.d /usr/local/lib/modprobe.d /lib/modprobe.d /usr/lib/modprobe.d; do
      for _f in "$_d"/*.conf; do
        [ -f "$_f" ] && [ -r "$_f" ] && set -- "$@" "$_f"
      done
    done
    _mb="/lib/modules/$_rel/modules.builtin"
    [ -f "$_mb" ] && [ -r "$_mb" ] && set -- "$_mb" "$@"
    NG_OUT=$_out NG_MB=$_mb awk -v ran="$_rc" '
      BEGIN {
        if (ran != "") {
          n = split(ENVIRON["NG_OUT"], out, "\n")
          if (n == 0) print "> "
          for (i = 1; i <= n && i <= 20; i++) print "> " substr(out[i], 1, 300)
        }
      }
      FNR == 1 { n = 0; f = FILENAME; gsub(/[\n ]/, "?", f) }
      FILENAME == ENVIRON["NG_MB"] { if (!b && /\/usb-storage\.ko/) { b = 1; print "@builtin yes" }; next }
      n < 5 && /^[ \t\v\f\r]*(blacklist|install)[ \t\v\f\r]+usb[-_]storage([ \t\v\f\r]|$)/ {
        n++; print "@conf " f " " substr($0, 1, 200)
      }' "$@" </dev/null
    IFS= read -r _cl </proc/cmdline || [ -n "$_cl" ]
    _c=0
    set -f
    for _w in $_cl; do
      case $_w in
        modprobe.blacklist=* | module_blacklist=*)
          [ "$_c" -lt 3 ] || break
          _c=$((_c + 1))
          printf '@cmdline %.200s\n' "$_w" ;;
      esac
    done
    set +f
    return 0
  }

  # -- policy files' checks (Wazuh SCA policies, an office's own rule files) -------------------
  # Only when netguard put `NG_WATCH='BASE64'` before this script (netguard/collect/watch.py): the
  # base64 of a list netguard derived from the rule files and checked (absolute paths, no control
  # characters), one entry a line, every path and command base64 again:
  #   ngwatch 1 | allow 0|1 | f B64PATH | d B64PATH | p | c B64COMMAND | n B64COMMAND
  # (n: a command of a rule file not allowed to run commands — named, never run)
  # Section `watch` repeats the list as received; then one section `watch.N` per entry, each
  # naming its entry again, so the output alone says what was read. A value is only ever a
  # quoted variable here: never evaluated, never split, never a pattern. Records, one a line,
  # every name and content base64 (no file name can forge a record):
  #   f|e B64PATH KIND [=B64CONTENT STATUS | -]   KIND: file directory other missing unreadable;
  #                                               content for a file only (its first 256 KiB and
  #                                               one byte more, to show it went on), - when the
  #                                               output budget is spent; STATUS: head's
  #   d B64PATH KIND, then `e` records for what is under it (find: no symlink followed but the
  #     directory itself, one file system, 3 levels, 1000 entries: `more` after that; `deep` when
  #     something lies deeper)
  #   q CMDLINE                                   one per process (NULs and newlines as spaces,
  #                                               [comm] when it has none)
  #   c B64COMMAND ran =B64OUTPUT STATUS | skipped | late | no-timeout | not-allowed
  #     a command runs only when the list says `allow 1`, as `timeout -k 2 10 sh -c "$cmd"` with
  #     stdin from /dev/null, stdout and stderr together, its first 64 KiB and one byte more;
  #     STATUS 124 (or 137) means the time-out ended it
  # The entries share an output budget (16 MiB of this script's output): once it is spent, no
  # more content is read and no more command is run (`-`, `skipped`); and no command starts 30 s
  # or more after the first entry did (`late`). netguard reads both as cut short, never as empty.
  b64_status() {
    # b64_status CAP CMD...: CMD's output, its first CAP bytes, as base64, then its exit status
    _bcap=$1; shift
    { _st=$( { { "$@" </dev/null 2>&1 3>&- 4>&-; printf '%s' "$?" >&3; } \
      | head -c "$_bcap" | base64 -w0 >&4; } 3>&1 ); } 4>&1
    printf ' %s' "$_st"
  }
  unb64() {
    # the text of one base64 word of the list, exactly (a trailing newline kept); 65 if not one
    case $1 in '' | *[!A-Za-z0-9+/=]*) return 65 ;; esac
    _u=$(printf '%s' "$1" | base64 -d 2>/dev/null && printf x) || return 65
    printf '%s' "${_u%x}"
  }
  watch_kind() {
    if [ -L "$1" ] && [ ! -e "$1" ]; then echo missing; return 0; fi
    if [ -f "$1" ]; then
      if [ -r "$1" ]; then echo file; else echo unreadable; fi
      return 0
    fi
    if [ -d "$1" ]; then echo directory; return 0; fi
    if [ -e "$1" ]; then echo other; return 0; fi
    # Nothing there — unless a directory on the way cannot be searched by this account.
    _a=$1
    while :; do
      _a=${_a%/*}; [ -n "$_a" ] || _a=/
      if [ -d "$_a" ]; then
        if [ -x "$_a" ]; then echo missing; else echo unreadable; fi
        return 0
      fi
      [ "$_a" != / ] || { echo missing; return 0; }
    done
  }
  watch_read() {
    # A file's first 256 KiB and one byte more. One that holds password hashes, wherever a rule
    # reaches it from (its own name, a symlink, a directory above it), is reduced like the
    # passwd and shadow sections (redact), or opasswd's old hashes (field 4) withheld: hashes
    # never leave the host, whatever a rule file names.
    _r=$(readlink -f -- "$1" 2>/dev/null) || return 1  # no readlink: unreadable, never raw
    case $_r in
      /etc/shadow | /etc/gshadow | /etc/passwd | /etc/shadow[-~] | /etc/gshadow[-~] | \
      /etc/passwd[-~] | /etc/*shadow.bak | /etc/passwd.bak | /var/backups/*shadow.bak | \
      /var/backups/passwd.bak)
        [ -r "$1" ] || return 1
        redact <"$1" | head -c 262145 ;;
      /etc/security/opasswd | /etc/security/opasswd[-~])
        [ -r "$1" ] || return 1
        awk -F: -v OFS=: 'NF >= 4 { $4 = "REDACTED" } { print }' "$1" | head -c 262145 ;;
      *) head -c 262145 -- "$1" ;;
    esac
  }
  watch_entry() {
    # watch_entry TAG B64PATH PATH CONTENT(0|1)
    _k=$(watch_kind "$3")
    printf '%s %s %s' "$1" "$2" "$_k"
    if [ "$_k" = file ]; then
      if [ "$4" = 1 ]; then printf ' ='; b64_status 262145 watch_read "$3"; else printf ' -'; fi
    fi
    printf '\n'
  }
  watch_file() {
    _p=$(unb64 "$1") || return 65
    case $_p in /*) ;; *) return 65 ;; esac
    watch_entry f "$1" "$_p" "$2"
  }
  watch_dir() {
    _d=$(unb64 "$1") || return 65
    case $_d in /*) ;; *) return 65 ;; esac
    _k=$(watch_kind "$_d")
    if [ "$_k" = directory ] && { [ ! -r "$_d" ] || [ ! -x "$_d" ]; }; then _k=unreadable; fi
    printf 'd %s %s\n' "$1" "$_k"
    [ "$_k" = directory ] || return 0
    have find || return 127
    # shellcheck disable=SC2016  # the inner script's variables are its own
    find -H "$_d" -mindepth 1 -maxdepth 3 -xdev \
      -exec sh -c 'for f do printf "%s" "$f" | base64 -w0; echo; done' ngwatch '{}' + 2>/dev/null \
      | head -n 1001 | {
        _n=0
        while IFS= read -r _b; do
          _n=$((_n + 1))
          [ "$_n" -le 1000 ] || { echo more; break; }
          _e=$(unb64 "$_b") || { echo more; continue; }  # never dropped unsaid
          watch_entry e "$_b" "$_e" "$2"
        done
      }
    if [ -n "$(find -H "$_d" -mindepth 4 -maxdepth 4 -xdev -print -quit 2>/dev/null)" ]; then
      echo deep
    fi
    return 0
  }
  watch_procs() {
    for _q in /proc/[0-9]*; do
      _l=$(tr '\000\n' '  ' <"$_q/cmdline" 2>/dev/null) || continue
      if [ -z "$_l" ]; then
        IFS= read -r _l <"$_q/comm" 2>/dev/null || continue
        _l="[$_l]"
      fi
      printf 'q %s\n' "$_l"
    done
    [ -r /proc/1/cmdline ] || [ -r /proc/self/cmdline ]
  }
  watch_cmd() {
    # watch_cmd B64COMMAND BUDGET(0|1) ALLOWED(0|1)
    _c=$(unb64 "$1") || return 65
    printf 'c %s' "$1"
    if [ "$3" != 1 ]; then printf ' not-allowed\n'; return 0; fi
    if [ "$2" = late ]; then printf ' late\n'; return 0; fi
    if [ "$2" != 1 ]; then printf ' skipped\n'; return 0; fi
    have timeout || { printf ' no-timeout\n'; return 0; }
    printf ' ran ='
    b64_status 65537 timeout -k 2 10 sh -c "$_c"
    printf '\n'
  }
  wsec() {
    # wsec NAME CAP FUNCTION ARGS...: like secc with its own cap, counting what it printed
    # against the watch budget. Its records are base64 and tags (no NUL); the `x` keeps the
    # trailing newlines the command substitution would drop, so that the section is printed
    # exactly as head cut it.
    _name=$1 _cap=$2; shift 2
    _out=$({ "$@" 2>/dev/null; printf '\n@@rc2 %s %s\n' "$_B" "$?"; } | head -c "$_cap"; printf x)
    _out=${_out%x}
    printf '@@ng2 %s %s\n%s' "$_B" "$_name" "$_out"
    _wleft=$((_wleft - ${#_out}))
    _out=''
  }
  watch_head() {
    [ -n "${NG_WATCH:-}" ] || { echo requested=0; return 0; }
    have base64 || return 127
    printf 'requested=1\n%s\n' "$_wlist"
    case $_wlist in "ngwatch 1"*) return 0 ;; *) return 65 ;; esac
  }
  watch_decode() {
    _wlist=''
    if [ -n "${NG_WATCH:-}" ] && have base64; then
      _wlist=$(unb64 "$NG_WATCH") || _wlist=''
    fi
  }
  watch_each() {
    case $_wlist in "ngwatch 1"*) ;; *) return 0 ;; esac
    _wleft=16777216 _i=0 _allow=0 _ifs=$IFS _wt0=$(date +%s)
    set -f
    IFS='
'
    for _line in $_wlist; do
      IFS=$_ifs
      set +f
      _wc=0; [ "$_wleft" -le 0 ] || _wc=1
      case $_line in
        'ngwatch 1') continue ;;
        'allow 1') _allow=1; continue ;;
        'allow 0') continue ;;
      esac
      _i=$((_i + 1))
      case $_line in
        'f '*) wsec "watch.$_i" 393216 watch_file "${_line#f }" "$_wc" ;;
        'd '*) wsec "watch.$_i" 4194304 watch_dir "${_line#d }" "$_wc" ;;
        p) wsec "watch.$_i" 1048576 watch_procs ;;
        'n '*) wsec "watch.$_i" 131072 watch_cmd "${_line#n }" "$_wc" 0 ;;
        'c '*)
          # commands together get 30 s from the first entry: a slow policy must not make the
          # whole collection time out
          [ $(($(date +%s) - _wt0)) -lt 30 ] || _wc=late
          wsec "watch.$_i" 131072 watch_cmd "${_line#c }" "$_wc" "$_allow" ;;
        *) wsec "watch.$_i" 64 false ;;  # nothing netguard writes: a failed section
      esac
    done
    IFS=$_ifs
    set +f
  }

  sec meta meta
  sec passwd passwd_file
  sec shadow shadow /etc/shadow
  sec shells lines /etc/shells
  sec login_defs login_defs
  secc ip ip_all
  sec ip_forward line /proc/sys/net/ipv4/ip_forward
  sec ip6_forward line /proc/sys/net/ipv6/conf/all/forwarding
  sec netdev netdev
  sec rfkill rfkill_sys
  sec bluetooth bluetooth
  sec processes procs
  sec services services
  sec dpkg dpkg_pkgs
  sec rpm rpm_pkgs
  sec executables executables
  sec opt opt_dirs
  sec wanted wanted_head
  sec clamav_db clamav_db
  sec clamscan_version clamscan_version
  sec freshclam_log freshclam_log
  sec nm_profiles nm_profiles /etc/NetworkManager/system-connections \
    /run/NetworkManager/system-connections
  sec nm_timestamps nm_timestamps /var/lib/NetworkManager/timestamps
  sec dhcp_leases dhcp_leases /var/lib/dhcp /var/lib/dhclient /var/lib/NetworkManager \
    /run/systemd/netif/leases /var/lib/systemd/netif/leases
  sec kernel_dmesg klog_dmesg
  sec journal journal
  # syslog's files: the kernel's lines of USB devices in all, of network adapters in these
  seclogs logfiles logfiles \
    '/var/log/kern.log.1 /var/log/kern.log /var/log/messages-2* /var/log/messages.1 /var/log/messages' \
    /var/log/kern.log.[0-9]*.gz /var/log/kern.log.1 /var/log/kern.log \
    /var/log/syslog.[0-9]*.gz /var/log/syslog.1 /var/log/syslog /var/log/messages-2* \
    /var/log/messages.[0-9]*.gz /var/log/messages.1 /var/log/messages
  sec usb_storage_module usb_storage_module
  sec installed installed
  sec probe probe_send
  watch_decode
  sec watch watch_head
  watch_each
  printf '@@end2 %s\n' "$_B"
}
netguard_collect </dev/null
