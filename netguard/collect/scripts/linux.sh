# netguard collection script for Linux — read-only, fixed text, run as `env LC_ALL=C sh -s`.
#
# Why it looks like this:
# - Everything runs inside one function so that sh parses the whole script from stdin before
#   running any of it; the function then runs with stdin from /dev/null so no command can eat it.
# - Every section is printed as `@@ng NAME BASE64`: what the host says is data, and base64 means
#   no file content, process name or interface name can forge a section boundary.
# - Each section carries its own exit status inside the encoded text (`\n@@rc N` at the end), and
#   is capped by `head -c`; a section that hits the cap has lost its status line, which the parser
#   reads as "truncated" (an error, never a pass).
# - Nothing here writes anywhere on the target: no temp files, no caches, no package-manager locks.
netguard_collect() {
  sec() {
    _name=$1; shift
    printf '@@ng %s ' "$_name"
    { "$@" 2>/dev/null; printf '\n@@rc %s' "$?"; } | head -c 1048576 | base64 -w0
    printf '\n'
  }
  have() { command -v "$1" >/dev/null 2>&1; }
  meta() {
    printf 'time=%s\n' "$(date +%s)"
    printf 'hostname=%s\n' "$(cat /proc/sys/kernel/hostname)"
    printf 'kernel=%s\n' "$(uname -srm)"
    printf 'uid=%s\n' "$(id -u)"
    if [ -r /etc/os-release ]; then
      # shellcheck disable=SC1091
      printf 'os=%s\n' "$(. /etc/os-release && printf '%s' "$PRETTY_NAME")"
    fi
  }
  shadow() {
    # Reading /etc/shadow needs root; an auditor account may have a sudo rule for exactly this.
    # Password hashes never leave the host: only the state of field 2 is sent (empty, locked
    # `!`/`*`, or the hash method `$id$` + REDACTED), which is all the checks read. The output is
    # kept in evidence bundles, so a hash sent here would end up on an inspector's USB stick.
    _shadow=$(cat /etc/shadow 2>/dev/null || sudo -n /bin/cat /etc/shadow) || return $?
    printf '%s\n' "$_shadow" | sed -e 's/^\([^:]*\):\([!*]\)[^:]*:/\1:\2:/' -e t \
      -e 's/^\([^:]*\):\(\$[^$:]*\$\)[^:]*:/\1:\2REDACTED:/' -e t \
      -e 's/^\([^:]*\):[^:][^:]*:/\1:REDACTED:/'
    _shadow=''
  }
  netdev() {
    for d in /sys/class/net/*; do
      [ -e "$d" ] || continue
      n=${d##*/}
      w=0; [ -e "$d/wireless" ] && w=1
      p=0; [ -e "$d/phy80211" ] && p=1
      drv=''; [ -e "$d/device/driver" ] && drv=$(readlink "$d/device/driver")
      t=$(cat "$d/type" 2>/dev/null)
      st=$(cat "$d/operstate" 2>/dev/null)
      dt=$(grep -s '^DEVTYPE=' "$d/uevent" | cut -d= -f2)
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
  services() {
    have systemctl || return 127
    systemctl list-units --type=service --all --no-legend --plain --no-pager
  }
  dpkg_pkgs() {
    have dpkg-query || return 127
    dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n'
  }
  rpm_pkgs() {
    have rpm || return 127
    rpm -qa --qf '%{NAME}\n'
  }
  executables() {
    find -L /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin /bin /sbin -maxdepth 1 \
      -type f -perm /111 -printf '%f\n' 2>/dev/null | sort -u
    return 0
  }
  opt_dirs() { ls -1 /opt 2>/dev/null; return 0; }
  clamav_db() {
    # The signature date is read from the database header itself (first 512 bytes of a CVD/CLD).
    for f in /var/lib/clamav/daily.cld /var/lib/clamav/daily.cvd \
             /var/lib/clamav/main.cld /var/lib/clamav/main.cvd \
             /var/lib/clamav/bytecode.cld /var/lib/clamav/bytecode.cvd; do
      [ -f "$f" ] || continue
      printf '== %s %s\n' "$f" "$(stat -c %Y "$f")"
      head -c 512 "$f" | tr -d '\000\n\r'
      printf '\n'
    done
    return 0
  }
  login_defs() { grep -E '^[[:space:]]*(PASS_|ENCRYPT_METHOD)' /etc/login.defs; }
  clamscan_version() { have clamscan || return 127; clamscan --version; }
  freshclam_log() { tail -n 20 /var/log/clamav/freshclam.log; }

  sec meta meta
  sec passwd cat /etc/passwd
  sec shadow shadow
  sec shells cat /etc/shells
  sec login_defs login_defs
  sec ip_addr ip -j addr show
  # Every table: a VPN's default route often lives outside main (wg-quick: table 51820), picked
  # by an `ip rule` (sections ip_rule4/ip_rule6 below).
  sec ip_route4 ip -j -4 route show table all
  sec ip_route6 ip -j -6 route show table all
  sec ip_forward cat /proc/sys/net/ipv4/ip_forward
  sec ip6_forward cat /proc/sys/net/ipv6/conf/all/forwarding
  sec netdev netdev
  sec ip_rule4 ip -j -4 rule show
  sec ip_rule6 ip -j -6 rule show
  sec ip_link ip -d -j link show
  sec rfkill rfkill_sys
  sec bluetooth bluetooth
  sec processes procs
  sec services services
  sec dpkg dpkg_pkgs
  sec rpm rpm_pkgs
  sec executables executables
  sec opt opt_dirs
  sec clamav_db clamav_db
  sec clamscan_version clamscan_version
  sec freshclam_log freshclam_log
  printf '@@end\n'
}
netguard_collect </dev/null
