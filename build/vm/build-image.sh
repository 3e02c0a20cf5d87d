#!/bin/bash
# Builds the lab's VM guest image (a Debian kernel and one initramfs) from Debian packages only.
#
#   build-image.sh <cache-dir>
#
# Prints the image directory (vmlinuz, initrd.img, busybox, kernel-version) on stdout. The
# image is keyed by a hash of this script, the guest init, the packages' candidate versions and
# the host's node binary, so it is built once and rebuilt only when one of those changes.
# The kernel is unpacked with dpkg-deb -x rather than installed: installing it runs
# update-initramfs twice and costs minutes.
#
# Exit codes the station turns into words: 3 a host tool is missing, 4 no kernel package.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build-image.sh <cache-dir>}

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "build-image: $1 is missing; install the Debian package $2" >&2
    exit 3
  fi
}
need apt-get apt
need apt-cache apt
need dpkg-deb dpkg
need ldconfig libc-bin
need node nodejs

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
  awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$kernel_pkg" ]; then
  echo "build-image: no Debian kernel package found; run apt-get update (the image needs linux-image-amd64)" >&2
  exit 4
fi

# Userspace: the tools the agent and the tests run, and the libraries this host lacks.
packages="$kernel_pkg busybox-static dropbear-bin libtomcrypt1 libtommath1 open-iscsi libisns0
  libopeniscsiusr lvm2 dmsetup libdevmapper-event1.02.1 mdadm e2fsprogs util-linux mount"

# One apt-cache call for all of them: each call costs over a second on a loaded machine.
versions=$(apt-cache policy $packages | awk '/^[^ ]/ { name = $1 } /Candidate:/ { print name $2 }' |
  sed 's/:/=/')
node_bin=$(readlink -f "$(command -v node)")
key=$({
  cat "$0" "$here/guest-init.sh" "$here/by-path.sh"
  echo "$versions"
  stat -c '%s %Y' "$node_bin"
} | sha256sum | cut -c1-16)
out="$cache/$key"
if [ -f "$out/done" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build-XXXXXX")
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/x"
# apt's _apt user must be able to write the download directory.
chmod 0777 "$work/debs"
(cd "$work/debs" && apt-get download -q $packages >/dev/null)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
x="$work/x"
kver=$(ls "$x/lib/modules")

root="$work/root"
mkdir -p "$root"/{usr/bin,usr/lib/x86_64-linux-gnu,usr/lib64,etc,proc,sys,dev,run,tmp,root,var,mnt,srv}
ln -s usr/bin "$root/bin"
ln -s usr/bin "$root/sbin"
ln -s bin "$root/usr/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
ln -s /run "$root/var/run"
mkdir -p "$root/var/lock" "$root/var/lib" "$root/var/tmp" "$root/etc/lvm" "$root/etc/iscsi"

# busybox applets first; the real tools below replace the ones the agent needs in full.
cp "$x/bin/busybox" "$root/usr/bin/busybox"
for applet in $("$x/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/usr/bin/$applet"
done

copy_tool() {
  local src=$1 lib
  rm -f "$root/usr/bin/$(basename "$src")"
  cp -L "$src" "$root/usr/bin/"
  # Libraries from the unpacked packages first, then the host's (same Debian release).
  LD_LIBRARY_PATH="$x/lib/x86_64-linux-gnu:$x/usr/lib/x86_64-linux-gnu" ldd "$src" |
    awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' | while read -r lib; do
      cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
    done
  if LD_LIBRARY_PATH="$x/lib/x86_64-linux-gnu:$x/usr/lib/x86_64-linux-gnu" ldd "$src" | grep -q 'not found'; then
    echo "build-image: $src needs a library no package provided" >&2
    exit 5
  fi
}
for tool in sbin/iscsiadm sbin/iscsid sbin/iscsi-iname sbin/lvm sbin/dmsetup sbin/mdadm \
  usr/sbin/dropbear usr/bin/dropbearconvert sbin/mke2fs sbin/e2fsck sbin/blkid sbin/blockdev \
  sbin/wipefs bin/lsblk bin/findmnt bin/mount bin/umount sbin/losetup usr/bin/flock; do
  copy_tool "$x/$tool"
done
copy_tool "$node_bin"
cp "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$root/usr/lib64/"
for name in vgs lvs pvs lvcreate lvextend lvremove lvchange vgcreate vgchange pvcreate vgremove; do
  ln -sf lvm "$root/usr/bin/$name"
done
for name in mkfs.ext4 mkfs.ext3 mkfs.ext2; do ln -sf mke2fs "$root/usr/bin/$name"; done
ln -sf e2fsck "$root/usr/bin/fsck.ext4"
printf '/usr/lib/x86_64-linux-gnu\n' >"$root/etc/ld.so.conf"
ldconfig -r "$root"
cp "$x/etc/iscsi/iscsid.conf" "$root/etc/iscsi/iscsid.conf"
cp "$x/etc/mke2fs.conf" "$root/etc/mke2fs.conf"
# No udev in the guest: LVM must not wait for it, and must scan /dev itself.
cat >"$root/etc/lvm/lvm.conf" <<'EOF'
devices {
  obtain_device_list_from_udev = 0
  external_device_info_source = "none"
}
activation {
  udev_sync = 0
  udev_rules = 0
  monitoring = 0
}
global {
  use_lvmpolld = 0
}
EOF

# Kernel modules: the ones named here and everything modules.dep says they need.
modules="virtio_pci virtio_net virtio_blk qemu_fw_cfg configfs target_core_mod
  target_core_iblock target_core_file iscsi_target_mod iscsi_tcp sd_mod dm_mod dm_thin_pool
  md_mod raid1 ext4 crc32c_generic crc32c_intel"
"$x/bin/busybox" depmod -b "$x" "$kver"
dep="$x/lib/modules/$kver/modules.dep"
for m in $modules; do
  pattern=$(echo "$m" | sed 's/[_-]/[_-]/g')
  line=$(grep -E "/${pattern}\.ko:" "$dep" || true)
  if [ -z "$line" ]; then
    echo "build-image: kernel $kver has no module $m" >&2
    exit 6
  fi
  for f in $(echo "$line" | tr -d ':'); do
    mkdir -p "$root/lib/modules/$kver/$(dirname "$f")"
    cp "$x/lib/modules/$kver/$f" "$root/lib/modules/$kver/$f"
  done
done
"$x/bin/busybox" depmod -b "$root" "$kver"
echo "$modules" | tr -s ' \n' '\n' | sed '/^$/d' >"$root/etc/dvsan-modules"

cp "$here/guest-init.sh" "$root/init"
cp "$here/by-path.sh" "$root/usr/bin/dvsan-by-path"
chmod 0755 "$root/init" "$root/usr/bin/dvsan-by-path"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root::0:0:99999:7:::\n' >"$root/etc/shadow"
printf 'root:x:0:\n' >"$root/etc/group"
printf '/bin/sh\n' >"$root/etc/shells"
chmod 0700 "$root/root"

mkdir -p "$work/out"
(cd "$root" && find . | "$x/bin/busybox" cpio -o -H newc 2>/dev/null) >"$work/out/initrd.img"
cp "$x/boot/vmlinuz-$kver" "$work/out/vmlinuz"
cp "$x/bin/busybox" "$work/out/busybox"
echo "$kver" >"$work/out/kernel-version"
echo "$versions" >"$work/out/packages"
touch "$work/out/done"
rm -rf "$out"
mv "$work/out" "$out"
# Older images (other keys) are dead weight of ~150 MB each: keep only this one.
for old in "$cache"/*/; do
  [ "${old%/}" = "$out" ] || [ ! -f "$old/done" ] || rm -rf "${old%/}"
done
echo "$out"
