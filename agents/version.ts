// esbuild replaces __DVSAN_VERSION__ with the release string when it bundles the agent;
// run from source (tests, tsx) the identifier is undeclared, hence the typeof guard.
declare const __DVSAN_VERSION__: string | undefined;

export const agentVersion: string =
  typeof __DVSAN_VERSION__ === 'string' ? __DVSAN_VERSION__ : '0.0.0-dev';
