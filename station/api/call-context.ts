/** Who makes a StationApi call and through what; handlers pass `user` on to the tasks they start. */
export interface CallContext {
  /** The signed-in user, or 'local' for the desktop window and the local CLI. */
  user: string;
  /** Where the call came from, e.g. 'local', 'http'. */
  source: string;
}

export const localCall: CallContext = Object.freeze({ user: 'local', source: 'local' });
