import { serverSentEvents, type ServerSentEvent } from './index';

/** A body that arrives in these pieces, as a network would cut it. */
function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function all(stream: ReadableStream<Uint8Array>): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of serverSentEvents(stream)) events.push(event);
  return events;
}

describe('serverSentEvents', () => {
  it('parses events cut anywhere, with comments, CRLF, multi-line data, and an id that lasts', async () => {
    const events = await all(
      body(
        'retry: 2000\n\n: keep-alive\n\nid: 7\nev',
        'ent: change\ndata: {"a":\r\ndata: 1}\r\n\r\n',
        'data: no name\n\nevent: cursor_expired\ndata: {"cursor":"9"}\n\n',
        'data: never finished',
      ),
    );
    expect(events).toEqual([
      { id: '7', event: 'change', data: '{"a":\n1}' },
      { id: '7', event: 'message', data: 'no name' },
      { id: '7', event: 'cursor_expired', data: '{"cursor":"9"}' },
    ]);
  });

  it('dispatches no event without data, and takes a field with no colon as empty', async () => {
    expect(await all(body('event: lonely\n\ndata\n\n'))).toEqual([{ id: undefined, event: 'message', data: '' }]);
  });
});
