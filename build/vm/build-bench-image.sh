#!/bin/bash
# The "bench" flavour of the lab's VM image: the default image plus python3 and targetcli, for
# bench/provision's LIO baseline only (the lab tests keep the small image).
#
#   build-bench-image.sh <cache-dir>
#
# Prints the image directory on stdout. It runs build-image.sh on <cache-dir> (which must not be
# the tests' cache: this script changes the image it finds there) and appends a second cpio
# archive to its initrd.img; the kernel unpacks concatenated archives in order. build-image.sh
# is not touched, so the default image's cache key stays what it was. When build-image.sh finds
# its image cached it returns that directory without looking inside, so `labUp` with
# `imageCache: <cache-dir>` boots the layered initrd. The layer is keyed by this script and the
# packages' candidate versions (file bench-key), and redone on top of the base when they change.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build-bench-image.sh <cache-dir>}

base=$(bash "$here/build-image.sh" "$cache" | tail -n 1)
[ -f "$base/done" ] || {
  echo "build-bench-image: build-image.sh gave no image" >&2
  exit 5
}

# targetcli's Debian dependencies (it imports Gio through python3-gi and asks the system D-Bus
# for tcmu-runner's user backstores at every start, so a bus must run: dbus-daemon), python
# itself, and the libraries ctypes and pyudev load.
packages="dbus-daemon libdbus-1-3 targetcli-fb python3-rtslib-fb python3-configshell-fb python3-pyudev python3-six
  python3-pyparsing python3-urwid python3-gi gir1.2-glib-2.0 libgirepository-1.0-1 libglib2.0-0
  python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libudev1 libffi8 libc-bin"
versions=$(apt-cache policy $packages | awk '/^[^ ]/ { name = $1 } /Candidate:/ { print name $2 }' |
  sed 's/:/=/')
key=$({
  cat "$0"
  echo "$versions"
} | sha256sum | cut -c1-16)
if [ -f "$base/bench-key" ] && [ "$(cat "$base/bench-key")" = "$key" ]; then
  echo "$base"
  exit 0
fi

work=$(mktemp -d "$cache/.bench-XXXXXX")
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/x" "$work/merged"
chmod 0777 "$work/debs"
(cd "$work/debs" && apt-get download -q $packages >/dev/null)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
x="$work/x"
bb="$base/busybox"

# Back to the base archive if an older layer is on it (its size is kept in base-bytes). The
# key goes first, so a run that dies from here on leaves an image that is layered again.
rm -f "$base/bench-key"
if [ -f "$base/base-bytes" ]; then
  truncate -s "$(cat "$base/base-bytes")" "$base/initrd.img"
else
  stat -c %s "$base/initrd.img" >"$base/base-bytes"
fi

layer="$work/layer"
lib="$layer/usr/lib/x86_64-linux-gnu"
mkdir -p "$layer/usr/bin" "$lib" "$layer/usr/lib/python3" "$layer/etc/rtslib-fb-target"
chmod 0755 "$layer"
cp -a "$x/usr/lib/python3.11" "$layer/usr/lib/"
# The parts of the standard library no command line tool here imports.
rm -rf "$layer/usr/lib/python3.11/"{test,idlelib,tkinter,turtledemo,ensurepip,lib2to3,pydoc_data}
cp -a "$x/usr/lib/python3/dist-packages" "$layer/usr/lib/python3/"
cp -L "$x/usr/bin/python3.11" "$layer/usr/bin/python3.11"
ln -s python3.11 "$layer/usr/bin/python3"
cp "$x/usr/bin/targetcli" "$layer/usr/bin/targetcli"
# pyudev finds libudev by ctypes.util.find_library, which asks `ldconfig -p`.
cp "$x/sbin/ldconfig" "$layer/usr/bin/ldconfig"
cp -L "$x/usr/lib/x86_64-linux-gnu/libudev.so.1" "$lib/"
cp -a "$x/usr/lib/x86_64-linux-gnu/girepository-1.0" "$lib/"
cp "$x/usr/bin/dbus-daemon" "$layer/usr/bin/dbus-daemon"
# A system bus for root alone, started by the benchmark: dbus-daemon --config-file=<this> --fork.
cat >"$layer/etc/dvsan-bench-dbus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

libs_of() {
  LD_LIBRARY_PATH="$x/lib/x86_64-linux-gnu:$x/usr/lib/x86_64-linux-gnu" ldd "$1" |
    awk '/=> \// { print $3 }'
}
for f in "$layer/usr/bin/python3.11" "$layer/usr/bin/dbus-daemon" "$lib/libudev.so.1" $(find "$layer/usr/lib" -name '*.so'); do
  if LD_LIBRARY_PATH="$x/lib/x86_64-linux-gnu:$x/usr/lib/x86_64-linux-gnu" ldd "$f" | grep -q 'not found'; then
    # An extension module whose library this host lacks (e.g. gi's cairo part): not needed here.
    case $f in */python3*) rm -f "$f" && continue ;; esac
    echo "build-bench-image: $f needs a library no package provided" >&2
    exit 5
  fi
  for l in $(libs_of "$f"); do cp -nL "$l" "$lib/$(basename "$l")"; done
done

# One ld.so.cache for base and layer together, so `ldconfig -p` lists libudev.
(cd "$work/merged" && "$bb" cpio -i -d 'usr/lib/x86_64-linux-gnu/*' <"$base/initrd.img" 2>/dev/null)
cp -an "$lib/." "$work/merged/usr/lib/x86_64-linux-gnu/"
mkdir -p "$work/merged/etc"
printf '/usr/lib/x86_64-linux-gnu\n' >"$work/merged/etc/ld.so.conf"
"$x/sbin/ldconfig" -r "$work/merged"
cp "$work/merged/etc/ld.so.cache" "$layer/etc/ld.so.cache"

(cd "$layer" && find . | "$bb" cpio -o -H newc 2>/dev/null) >>"$base/initrd.img"
echo "$key" >"$base/bench-key"
echo "$base"
