import { describe, expect, it } from 'vitest';
import { runProgram } from '../../../../agents/volumes/command.js';

describe('runProgram', () => {
  it('says why a program was stopped without repeating its arguments (they may hold a secret)', async () => {
    const r = await runProgram('sh', ['-c', 'sleep 5', 'sh', 'chap-secret-Kq7x'], {
      timeoutMs: 100,
    });
    expect(r.code).toBe(-1);
    expect(r.stderr).toMatch(/sh was stopped \(SIGTERM\)/);
    expect(r.stderr).not.toContain('chap-secret-Kq7x');
  });

  it('says a missing program could not run', async () => {
    const r = await runProgram('/nonexistent/dvsan-tool', ['chap-secret-Kq7x']);
    expect(r.stderr).toMatch(/could not run \(ENOENT\)/);
    expect(r.stderr).not.toContain('chap-secret-Kq7x');
  });
});
