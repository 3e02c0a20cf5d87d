/**
 * Constant POSIX sh scripts run on nodes with `sh -c SCRIPT sh ARG...`. Nothing from input is
 * ever spliced into them: values arrive as positional arguments, each single-quoted.
 */

/** Where everything dvsan puts on a node lives. */
export const nodeBase = '/opt/dvsan';
export const agentDir = (version: string) => `${nodeBase}/agent/${version}`;
export const runtimeDir = (version: string) => `${nodeBase}/runtime/node-${version}`;
export const agentLauncher = (version: string) => `${agentDir(version)}/dvsan-agent`;

/**
 * $1 agent dir, $2 runtime dir, $3 base dir, $4 the bundle's sha256. Prints key=value lines.
 * When the installed bundle has that digest and its Node is still there, the deploy is
 * finished after this one round trip (a checksum, not a Node start: 20 nodes on 2 cores).
 */
export const probeScript = `
d="$1"; r="$2"; b="$3"; want="$4"
if [ -f "$d/dvsan-agent.cjs" ] && [ -f "$d/node-path" ]; then
  n=$(cat "$d/node-path")
  s=$(sha256sum "$d/dvsan-agent.cjs" | cut -d' ' -f1)
  if [ "$s" = "$want" ] && [ -x "$n" ]; then printf 'current=%s\\n' "$n"; fi
fi
n=$(command -v node 2>/dev/null || true)
printf 'node=%s\\n' "$n"
if [ -n "$n" ]; then printf 'nodeversion=%s\\n' "$("$n" --version 2>/dev/null)"; fi
if [ -x "$r/bin/node" ]; then printf 'runtime=%s\\n' "$("$r/bin/node" --version 2>/dev/null)"; fi
printf 'arch=%s\\n' "$(uname -m)"
printf 'uid=%s\\n' "$(id -u)"
p="$b"; while [ ! -d "$p" ]; do p=$(dirname "$p"); done
printf 'freekb=%s\\n' "$(df -Pk "$p" | awk 'NR==2 {print $4}')"
[ -w "$p" ] && printf 'writable=yes\\n' || printf 'writable=no\\n'
`;

/** Exit codes of {@link installScript}, so the station never reads error text. */
export const installExit = { checksum: 3, write: 4, rename: 5 } as const;

/**
 * $1 final dir, $2 file name, $3 expected sha256, $4 node path for the agent launcher or "-".
 * The file arrives on stdin into a staging dir next to the final one, is checked, then the
 * dir is renamed into place: a half-written agent is never visible under its final name.
 * Whether the agent really runs is checked next by the station's agent.hello.
 */
export const installScript = `
final="$1"; name="$2"; sum="$3"; nodepath="$4"
parent=$(dirname "$final"); stage="$parent/.stage-$$"
umask 077
mkdir -p "$parent" || exit 4
rm -rf "$stage"; mkdir "$stage" || exit 4
if ! cat > "$stage/$name"; then rm -rf "$stage"; exit 4; fi
got=$(sha256sum "$stage/$name" | cut -d' ' -f1)
if [ "$got" != "$sum" ]; then rm -rf "$stage"; echo "checksum $got" >&2; exit 3; fi
chmod 0700 "$stage/$name"
if [ "$nodepath" != "-" ]; then
  printf '#!/bin/sh\\nexec %s "$(dirname "$0")/%s" "$@"\\n' "'$nodepath'" "$name" > "$stage/dvsan-agent" || { rm -rf "$stage"; exit 4; }
  printf '%s' "$nodepath" > "$stage/node-path" || { rm -rf "$stage"; exit 4; }
  chmod 0700 "$stage/dvsan-agent"
fi
if [ -d "$final" ]; then rm -rf "$final.old"; mv "$final" "$final.old" || { rm -rf "$stage"; exit 5; }; fi
mv "$stage" "$final" || { rm -rf "$stage"; exit 5; }
rm -rf "$final.old"
`;
