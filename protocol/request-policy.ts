import { z } from 'zod';

/** How host requests are decided: auto-granted up to a size, within a per-host quota. */
export const requestPolicySchema = z
  .object({
    /** Requests up to this size are granted without an admin; 0 sends every one for approval. */
    autoGrantBytes: z.number().int().nonnegative(),
    /** Most a host may hold through requests and assignments together; null: no limit. */
    hostQuotaBytes: z.number().int().positive().nullable(),
  })
  .strict();
export type RequestPolicy = z.infer<typeof requestPolicySchema>;
