#!/bin/sh
# Boots one dvsan lab node, then becomes its sshd.
#
# station/lab/sshd.ts starts it as
#   nsenter --net=/run/netns/<node> -- unshare --mount --uts --propagation private -- \
#     /bin/sh node-init.sh <node> <node-dir> <unit|host> [--without-node]
#       [--tgtd-port=N --tgtd-portal=ADDR:PORT]
# so everything below happens in the node's own network, mount and UTS namespaces: mounts made
# here are seen only by this node's sshd and the sessions it starts. Namespaces share one
# filesystem, so the places a real node keeps to itself get private directories bind-mounted
# over them; otherwise two nodes would see each other's agent, volumes and target configs.
set -eu

if [ $# -lt 3 ]; then
  echo "usage: node-init.sh <node> <node-dir> <unit|host> [--without-node] [--tgtd-port=N --tgtd-portal=ADDR:PORT]" >&2
  exit 2
fi
node=$1
dir=$2
role=$3
shift 3
without_node=no
tgtd_port=
tgtd_portal=
for arg in "$@"; do
  case $arg in
    --without-node) without_node=yes ;;
    --tgtd-port=*) tgtd_port=${arg#*=} ;;
    --tgtd-portal=*) tgtd_portal=${arg#*=} ;;
    *) echo "node-init: unknown flag $arg" >&2; exit 2 ;;
  esac
done
case $role in unit|host) ;; *) echo "node-init: role must be unit or host, not $role" >&2; exit 2 ;; esac
case $tgtd_port in *[!0-9]*) echo "node-init: --tgtd-port must be a number" >&2; exit 2 ;; esac
if [ -n "$tgtd_port" ] && [ -z "$tgtd_portal" ]; then
  echo "node-init: --tgtd-port needs --tgtd-portal" >&2
  exit 2
fi

echo "node-init: $node ($role) starting"
hostname "$node"

# sysfs lists the network devices of the namespace that mounted it; a fresh one shows the
# node's eth0 instead of the station's links (what `ip netns exec` does too).
umount -l /sys
mount -t sysfs sysfs /sys

# Private directories. Mount points made here land on the real filesystem (empty dirs).
bind_dir() {
  mkdir -p "$dir/fs/$1" "$2"
  mount --bind "$dir/fs/$1" "$2"
}
bind_dir opt-dvsan /opt/dvsan
bind_dir var-lib-dvsan /var/lib/dvsan
bind_dir etc-tgt /etc/tgt
bind_dir etc-iscsi /etc/iscsi
bind_dir run-dvsan /run/dvsan
# tgtd keeps its control socket in /run/tgtd (/var/run/tgtd): socket.<control port>.
bind_dir run-tgtd /run/tgtd
bind_dir root-home /root
bind_dir mnt /mnt
bind_dir srv /srv

# Node-own copies of files: root's login shell is /bin/sh (a heavy bash profile costs up to a
# second per SSH command), root's password is the lab's, and the node resolves its own name.
mount --bind "$dir/etc/passwd" /etc/passwd
mount --bind "$dir/etc/shadow" /etc/shadow
mount --bind "$dir/etc/hosts" /etc/hosts
mount --bind "$dir/etc/hostname" /etc/hostname

# "A node without Node": an empty, non-executable file over every node on sshd's default PATH.
if [ "$without_node" = yes ]; then
  : > "$dir/no-node"
  chmod 0644 "$dir/no-node"
  done_list=" "
  for d in /usr/local/bin /usr/bin /bin /usr/local/games /usr/games; do
    [ -e "$d/node" ] || continue
    real=$(readlink -f "$d/node")
    case $done_list in *" $real "*) continue ;; esac
    mount --bind "$dir/no-node" "$real"
    done_list="$done_list$real "
    echo "node-init: hid $real"
  done
fi

if [ "$role" = unit ]; then
  mkdir -p /var/lib/dvsan/data
fi
# Lab nodes share the machine's PID 1, so the agent must not hand its daemon to systemd:
# it runs the announce daemon as a process of its own (see agent.configure).
printf 'process\n' > /var/lib/dvsan/supervisor

# sshd's privilege-separation directory (on the shared /run; the same for every node).
mkdir -p /run/sshd
chmod 0755 /run/sshd

# A unit's own iSCSI target daemon, inside the node's namespaces: control port N (tgtadm -C N;
# /etc/tgt/dvsan-control-port tells the agent), portal on the node's address. -f keeps it in
# the foreground as a child of this script, which becomes sshd below; its log is tgtd.log.
if [ -n "$tgtd_port" ]; then
  tgtd -f -C "$tgtd_port" --iscsi "portal=$tgtd_portal" </dev/null >>"$dir/tgtd.log" 2>&1 &
  echo $! > "$dir/tgtd.pid"
fi

exec /usr/sbin/sshd -D -e -f "$dir/sshd_config"
