import { Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '@app/domain';

const ANSWERS: Record<string, [number, ErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, ErrorCode.RequestTimeout, 'The request took too long to arrive'],
  HPE_HEADER_OVERFLOW: [431, ErrorCode.ValidationFailed, 'Request headers are too large'],
};
const MALFORMED: [number, ErrorCode, string] = [400, ErrorCode.ValidationFailed, 'Malformed HTTP request'];

/**
 * Requests Node refuses before Nest sees them (slow senders past REQUEST_TIMEOUT_MS, broken
 * HTTP, oversized headers) are answered in the API's error shape too, not with a bare status.
 */
export function answerClientErrorsInErrorShape(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [statusCode, code, message] = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const details = code === ErrorCode.ValidationFailed ? [{ field: statusCode === 431 ? 'headers' : 'request', errors: [message] }] : undefined;
    const body = JSON.stringify({ statusCode, code, message, details });
    socket.end(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
