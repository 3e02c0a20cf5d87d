#!/bin/sh
# The guest has no udev; open-iscsi hosts find a LUN by udev's /dev/disk/by-path link, so this
# makes (and removes) that link for iSCSI disks. busybox `uevent` runs it for every kernel
# uevent with the event in its environment (ACTION, SUBSYSTEM, DEVPATH, DEVNAME).
[ "$SUBSYSTEM" = block ] || exit 0
[ -n "$DEVNAME" ] || exit 0
case $ACTION in
  add)
    sys=/sys$DEVPATH
    [ -e "$sys/partition" ] && exit 0
    [ -e "$sys/device" ] || exit 0
    scsi=$(readlink -f "$sys/device")
    lun=${scsi##*:}
    session=$(echo "$scsi" | grep -o 'session[0-9]*' | head -n 1)
    [ -n "$session" ] || exit 0
    iqn=$(cat "/sys/class/iscsi_session/$session/targetname")
    conn=$(ls -d "/sys/class/iscsi_session/$session/device/"connection*/iscsi_connection/connection* | head -n 1)
    address=$(cat "$conn/persistent_address")
    port=$(cat "$conn/persistent_port")
    mkdir -p /dev/disk/by-path
    ln -sf "../../$DEVNAME" "/dev/disk/by-path/ip-$address:$port-iscsi-$iqn-lun-$lun"
    ;;
  remove)
    for link in /dev/disk/by-path/*; do
      [ "$(readlink "$link")" = "../../$DEVNAME" ] && rm -f "$link"
    done
    ;;
esac
exit 0
