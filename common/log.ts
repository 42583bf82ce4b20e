// JSON logs (pino). Level from LOG_LEVEL; tests keep it quiet unless asked.
import { pino, type Logger } from 'pino';

export function createLogger(name: string): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  return pino({ name, level, base: { service: name } });
}
