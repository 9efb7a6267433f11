import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the library and a real database server, so a test can cut every
 * connection (as a server restart or a network failure does) and bring the "server" back,
 * without disturbing the real server that other test files are using at the same time.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  private frozen = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Start listening (on a random port the first time, on the same port afterwards). */
  async start(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      this.track(client);
      this.track(upstream);
      this.clients.add(client);
      client.on('close', () => this.clients.delete(client));
      if (this.frozen) client.pause();
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** Cut every open connection; with `stopListening`, also refuse new ones until start(). */
  async cut(options: { stopListening?: boolean } = {}): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (options.stopListening && this.server) {
      const server = this.server;
      this.server = undefined;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /**
   * Stop forwarding what clients send (connections stay open, the server hears nothing): a
   * statement sent now hangs, as over a network that silently drops packets.
   */
  freeze(): void {
    this.frozen = true;
    for (const socket of this.clients) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.clients) socket.resume();
  }

  /** Stop for good. */
  async stop(): Promise<void> {
    await this.cut({ stopListening: true });
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
