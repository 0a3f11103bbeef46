import bcrypt from 'bcryptjs';
import { parentPort } from 'node:worker_threads';
import type { BcryptReply, BcryptTask } from './bcrypt-pool';

// One task at a time on this thread: the synchronous calls, since nothing else runs here to yield to.
parentPort!.on('message', (task: BcryptTask) => {
  let reply: BcryptReply;
  try {
    const value =
      task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
    reply = { ok: true, value };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
