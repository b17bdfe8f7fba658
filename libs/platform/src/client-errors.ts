import { Server, ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '@app/domain';

const ANSWERS: Record<string, [number, ErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, ErrorCode.RequestTimeout, 'The request took too long to arrive'],
  HPE_HEADER_OVERFLOW: [431, ErrorCode.ValidationFailed, 'Request headers are too large'],
};
const MALFORMED: [number, ErrorCode, string] = [400, ErrorCode.ValidationFailed, 'Malformed HTTP request'];

/** Connections whose refusal is written or waits for the answers ahead of it (Node reports every later chunk again). */
const refusing = new WeakSet<Duplex>();

/**
 * Requests Node refuses before Nest sees them (slow senders past REQUEST_TIMEOUT_MS, broken
 * HTTP, oversized headers) are answered in the API's error shape too, not with a bare status.
 *
 * A refused request may follow others on a kept-alive connection (pipelined, or bytes after a
 * `Connection: close` request) that are still being answered: the refusal goes after their
 * answers, in order, rather than in place of them (a claim stored, its client told 400).
 */
export function answerClientErrorsInErrorShape(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (refusing.has(socket)) return;
    refusing.add(socket);
    const [statusCode, code, message] = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const details = code === ErrorCode.ValidationFailed ? [{ field: statusCode === 431 ? 'headers' : 'request', errors: [message] }] : undefined;
    const body = JSON.stringify({ statusCode, code, message, details });
    afterAnswersAhead(socket, () => {
      // A request that asked to close the connection had it closed after its answer: nothing follows it.
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      socket.end(
        `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  });
}

/**
 * Runs `then` once the connection has no response in progress to a request that arrived whole.
 * Node hands the connection to the next pipelined response as one finishes (before its 'close'),
 * so this waits for each in turn; the refused request's own response (its body cut short by
 * broken framing, or too slow to arrive) would wait for that body forever, so it is not waited for.
 */
function afterAnswersAhead(socket: Duplex, then: () => void): void {
  // Node's own clientError fallback reads the same field to tell whether a response is under way.
  const inProgress = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!inProgress || inProgress.destroyed || !inProgress.req.complete) then();
  else inProgress.once('close', () => afterAnswersAhead(socket, then));
}
