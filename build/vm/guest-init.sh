#!/bin/sh
# /init of the lab's VM guests (build/vm/build-image.sh puts it in the initramfs).
#
# The guest learns who it is from qemu's fw_cfg files (station/lab/vm.ts passes them):
#   opt/dvsan/node.env         NAME= ROLE=unit|host ADDRESS= PREFIXLEN= STATION=
#   opt/dvsan/authorized_keys  the lab key
#   opt/dvsan/host_key         its SSH host key (OpenSSH format; its fingerprint is in lab.json)
# Secrets travel this way, not on the kernel command line, which `ps` on the host would show.
# Units format their data disk (/dev/vda) as LVM volume group "dvsan"; hosts start iscsid.
# Then busybox init runs the daemons, respawning them, and reaps orphans as PID 1 must.
export PATH=/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs tmpfs /tmp
# The initramfs root reports no size, so df-based checks (deploy's free space) need real mounts.
mkdir -p /opt /var/lib/dvsan
mount -t tmpfs -o size=256m tmpfs /opt
mount -t tmpfs -o size=256m tmpfs /var/lib/dvsan
# target_core_mod looks for /etc/target when it loads.
mkdir -p /etc/target /var/lib/dvsan /run/lock
echo "dvsan-guest: loading modules"
for m in $(cat /etc/dvsan-modules); do modprobe "$m" || echo "dvsan-guest: modprobe $m failed"; done
mount -t configfs configfs /sys/kernel/config

cfg=/sys/firmware/qemu_fw_cfg/by_name/opt/dvsan
if [ ! -r "$cfg/node.env/raw" ]; then
  echo "dvsan-guest: no node.env in fw_cfg; halting"
  exec poweroff -f
fi
cp "$cfg/node.env/raw" /etc/dvsan-node.env
. /etc/dvsan-node.env

hostname "$NAME"
echo "$NAME" >/etc/hostname
printf '127.0.0.1 localhost\n%s %s\n' "$ADDRESS" "$NAME" >/etc/hosts
ip link set lo up
ip addr add "$ADDRESS/$PREFIXLEN" dev eth0
ip link set eth0 up

mkdir -p /root/.ssh /etc/dropbear
cp "$cfg/authorized_keys/raw" /root/.ssh/authorized_keys
chmod 0600 /root/.ssh/authorized_keys
cp "$cfg/host_key/raw" /run/host_key
dropbearconvert openssh dropbear /run/host_key /etc/dropbear/host_key >/dev/null 2>&1
rm -f /run/host_key

case "$ROLE" in
  unit)
    if [ -b /dev/vda ]; then
      pvcreate -q /dev/vda && vgcreate -q dvsan /dev/vda && echo "dvsan-guest: volume group dvsan on /dev/vda"
    fi
    ;;
  host)
    iqn=$(echo "$NAME" | tr 'A-Z' 'a-z')
    echo "InitiatorName=iqn.2026-11.io.dvsan.host:$iqn" >/etc/iscsi/initiatorname.iscsi
    ;;
esac

{
  echo "::respawn:/usr/bin/dropbear -F -E -s -p 22 -r /etc/dropbear/host_key"
  [ "$ROLE" = host ] && echo "::respawn:/usr/bin/iscsid -f"
  [ "$ROLE" = host ] && echo "::respawn:/usr/bin/uevent /usr/bin/dvsan-by-path"
  echo "::ctrlaltdel:/usr/bin/poweroff -f"
} >/etc/inittab
echo "dvsan-guest: $NAME ($ROLE) up at $ADDRESS"
exec /usr/bin/init
