// One JSON log line per request, when it finishes: request id (the gateway's, carried to the
// subgraphs inside the caller assertion), caller province, method, path, status, duration.
// Never headers, bodies or tokens.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const caller = res.locals.caller as { province?: string; requestId?: string } | undefined;
      log.info(
        {
          requestId: caller?.requestId ?? res.locals.requestId,
          province: caller?.province,
          method: req.method,
          path: req.baseUrl + req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - start) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}
