import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { ErrorCode, StationTransport } from '../../protocol/index.js';
import type { ReportFile } from '../../protocol/reports.js';
import { httpStatus } from '../server/status.js';

/**
 * `GET /api/report/<kind>?format=&from=&to=`: the station writes the report to a download
 * copy, streams it as an attachment and deletes it. The server's same-site checks on /api/
 * apply here as to every call.
 */
export function registerReportDownload(app: FastifyInstance, call: StationTransport['call']): void {
  app.get<{ Params: { kind: string }; Querystring: Record<string, string | undefined> }>(
    '/api/report/:kind',
    async (req, reply) => {
      const { format, from, to } = req.query;
      const answer = await call('report/generate', {
        kind: req.params.kind,
        format,
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      });
      if (!answer.ok) {
        const code = (answer.error as { code?: ErrorCode }).code;
        return reply.code(httpStatus(code, 500)).send(answer);
      }
      const file = answer.result as ReportFile;
      const stream = createReadStream(file.path);
      stream.once('close', () => void rm(file.path, { force: true }));
      return reply
        .header('content-type', file.contentType)
        .header('content-length', String(file.bytes))
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
}
