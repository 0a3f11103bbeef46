import { createServer, Server } from 'node:http';
import { connect, Socket } from 'node:net';
import { limitConnectionsPerClient } from './slow-clients';

/** Opens a connection and reports whether the server closed it before answering (as the cap does). */
function connectionRefused(port: number): Promise<{ socket: Socket; refused: Promise<boolean> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const refused = new Promise<boolean>((settle) => {
        socket.once('close', () => settle(true));
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        socket.once('data', () => settle(false));
      });
      resolve({ socket, refused });
    });
    socket.once('error', reject);
  });
}

describe('limitConnectionsPerClient', () => {
  let server: Server;
  const open: Socket[] = [];
  afterEach(async () => {
    for (const socket of open.splice(0)) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  async function listen(exemptLoopback: boolean): Promise<number> {
    server = createServer((_request, response) => response.end('ok'));
    limitConnectionsPerClient(server, 1, { exemptLoopback });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  async function refusals(port: number): Promise<boolean[]> {
    const connections = [];
    for (let i = 0; i < 3; i++) {
      const connection = await connectionRefused(port);
      open.push(connection.socket);
      connections.push(connection);
    }
    return Promise.all(connections.map((connection) => connection.refused));
  }

  it('closes connections from one address beyond the cap', async () => {
    expect(await refusals(await listen(false))).toEqual([false, true, true]);
  });

  it('leaves loopback alone when told to (the embedded workers confirm uploads over it)', async () => {
    expect(await refusals(await listen(true))).toEqual([false, false, false]);
  });
});
