import { createServer, Server, Socket, connect } from 'node:net';
import { freePort } from './throwaway-redis';

/**
 * A loopback TCP proxy in front of a shared server (PostgreSQL): `cut()` drops every connection
 * and refuses new ones, as a server that went away would, without touching the server itself;
 * `restore()` lets connections through again on the same port.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    await proxy.restore();
    return proxy;
  }

  restore(): Promise<void> {
    if (this.server) return Promise.resolve();
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    const server = this.server;
    return new Promise((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    // A reset, as from a server that crashed: queries in flight fail with ECONNRESET.
    for (const socket of this.sockets) socket.resetAndDestroy();
    await closed;
    this.server = undefined;
  }
}
