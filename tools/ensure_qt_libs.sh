#!/usr/bin/env bash
# Qt's X11 plugin needs a few system libraries that a minimal Linux lacks (seen: "Could not load the Qt platform
# plugin xcb"). Install them when we can (root with apt-get); otherwise say what to install. Never fatal.
[ "$(uname -s)" = "Linux" ] || exit 0
need=()
for lib in libxcb-cursor.so.0 libxkbcommon-x11.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-shape.so.0 \
           libxcb-render-util.so.0 libxcb-image.so.0 libEGL.so.1 libfontconfig.so.1 libdbus-1.so.3; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || need+=("$lib")
done
[ ${#need[@]} -eq 0 ] && exit 0
pkgs="libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libegl1 libfontconfig1 libdbus-1-3"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing the system libraries Qt needs: $pkgs"
  apt-get install -y -q $pkgs >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1; apt-get install -y -q $pkgs >/dev/null 2>&1; } || true
else
  echo "note: Qt may need these system packages to open a window: $pkgs (missing: ${need[*]})"
fi
exit 0
