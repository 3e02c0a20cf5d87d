import { describe, expect, it } from 'vitest';
import {
  emptyForm,
  serverFieldErrors,
  toParams,
  validate,
} from '../../../renderer/pages/nodes/add-node-form.js';

describe('add node form', () => {
  it('turns a valid form into node/add params', () => {
    const form = {
      ...emptyForm(),
      name: 'unit-01',
      address: ' 10.99.0.11 ',
      keyPath: '/root/.ssh/id_ed25519',
    };
    expect(validate(form)).toEqual({});
    expect(toParams(form)).toEqual({
      name: 'unit-01',
      role: 'unit',
      address: '10.99.0.11',
      port: 22,
      user: 'root',
      auth: { kind: 'key', keyPath: '/root/.ssh/id_ed25519' },
    });
  });

  it('leaves an empty port to the schema default', () => {
    const params = toParams({ ...emptyForm(), port: null, authKind: 'agent' });
    expect(params).not.toHaveProperty('port');
    expect(params.auth).toEqual({ kind: 'agent' });
  });

  it('shows the protocol schema messages on the right fields', () => {
    const errors = validate({
      ...emptyForm(),
      name: 'Bad Name',
      address: '999.1.1.1',
      port: 70000,
      user: 'Root',
      authKind: 'password',
      password: '',
    });
    expect(errors.name).toMatch(/lowercase letters/);
    expect(errors.address).toBe('not an IPv4/IPv6 address or host name');
    expect(errors.port).toBe('port must be 1-65535');
    expect(errors.user).toBe('not a valid Linux user name');
    expect(errors.password).toBe('the password is empty');
  });

  it('flags an empty key path on the key field', () => {
    expect(validate({ ...emptyForm(), name: 'h1', address: 'h1.lab' }).keyPath).toBe(
      'the key file path is empty',
    );
  });

  it('puts a server invalid-params error on its field', () => {
    const error = { name: 'DvsanError', code: 'invalid-params' as const };
    expect(
      serverFieldErrors({
        ...error,
        message: 'auth.keyPath: the key file path is empty',
        details: { field: 'auth.keyPath' },
      }),
    ).toEqual({ keyPath: 'the key file path is empty' });
    expect(
      serverFieldErrors({
        ...error,
        message: 'bad',
        details: {
          issues: [
            { path: ['name'], message: 'taken' },
            'junk',
            { path: 'port', message: 'in use' },
          ],
        },
      }),
    ).toEqual({ name: 'taken', port: 'in use' });
    expect(serverFieldErrors({ ...error, message: 'bad' })).toEqual({});
  });
});
