// A scripted command runner for the open-iscsi backend: records every argv and answers from a
// list of rules (first match wins), so tests can assert the exact iscsiadm sequence.
import type { CommandResult, Run } from '../../../../agents/initiators/command.js';

export interface Rule {
  /** Matches when every word appears in the argv (name included), in order. */
  match: string[];
  /** One answer per call; the last repeats. */
  answers: Partial<CommandResult>[];
}

export function fakeRun(rules: Rule[]): { run: Run; calls: string[][] } {
  const calls: string[][] = [];
  const used = new Map<Rule, number>();
  const run: Run = async (name, args) => {
    const argv = [name, ...args];
    calls.push(argv);
    const rule = rules.find((r) => {
      let at = 0;
      for (const word of r.match) {
        const found = argv.indexOf(word, at);
        if (found < 0) return false;
        at = found + 1;
      }
      return true;
    });
    if (!rule) return { code: 0, stdout: '', stderr: '' };
    const n = used.get(rule) ?? 0;
    used.set(rule, n + 1);
    const answer = rule.answers[Math.min(n, rule.answers.length - 1)] ?? {};
    return { code: 0, stdout: '', stderr: '', ...answer };
  };
  return { run, calls };
}
