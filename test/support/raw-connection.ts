import { connect, Socket } from 'node:net';

/** A bare TCP connection to the API, to play clients that HTTP libraries would not: slow, stalled, greedy. */
export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves with everything the server sent once the server closed the connection (or it broke). */
  closed: Promise<string>;
  /** Resolves once what the server sent matches `pattern`; rejects if it closes first. */
  receive(pattern: RegExp): Promise<string>;
  write(data: string | Buffer): Promise<void>;
}

/** Opens a connection to the host and port of `url`. */
export function openConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    const waiting = new Set<() => void>();
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      for (const check of waiting) check();
    });
    const closed = new Promise<string>((done) => socket.once('close', () => done(received)));
    // A reset by the server is one way of closing: the test looks at `closed`, not at errors.
    socket.on('error', () => undefined);
    void closed.then(() => {
      for (const check of waiting) check();
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => received,
        closed,
        receive: (pattern) =>
          new Promise((found, failed) => {
            const check = () => {
              if (pattern.test(received)) {
                waiting.delete(check);
                found(received);
              } else if (socket.destroyed) {
                waiting.delete(check);
                failed(new Error(`the server closed the connection before sending ${pattern}; it sent: ${received}`));
              }
            };
            waiting.add(check);
            check();
          }),
        write: (data) => new Promise((done, failed) => socket.write(data, (error) => (error ? failed(error) : done()))),
      }),
    );
  });
}
